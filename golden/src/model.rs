//! The golden model: SPEC section 3 (and section 6 for `cuba`), bit for bit, one tick at a time,
//! fast.
//!
//! Key decisions:
//! - **Oracle.** [`crate::reference::ReferenceNetwork`] is the plain reading of the specification;
//!   `golden/tests/differential.rs` steps hundreds of random networks through both and asserts
//!   identical spikes and state every tick. Every trick below is exact, never approximate: a trick
//!   is only used where a bound proves it gives the reference's result.
//! - **Narrow storage, chosen per config.** Weights are `u8` when `0 <= w_min, w_max <= 255`,
//!   `i16` when the range fits `i16` and spans at most 32767, else `i32`. A weight update is "add
//!   a non-negative delta clipped to the weight span, saturating, then clamp on the side it moved
//!   to": exact because weights always stay in `[w_min, w_max]` and a delta of at least the span
//!   lands on the bound anyway; where the bound is the type's own limit the clamp is the
//!   saturation itself. Traces are `u16` (`trace_bits <= 16`); v, theta and refractory `i32`.
//! - **Column-blocked weight layout** (`Mat`): columns in blocks of 8 neurons, each block a
//!   row-major `rows x 8` matrix (one `ndarray` of shape `(blocks, rows, 8)`; the host view is
//!   the usual `rows x neurons` `Array2`). An event reads 8 contiguous weights per block (4 blocks per
//!   vector operation); potentiation of a spiking neuron sweeps its block contiguously, several
//!   rows per vector operation with the row deltas masked to the spiking columns, instead of one
//!   scalar update per row of a row-major matrix (which cost 70 % of the tick).
//! - **Exact narrow accumulator, chosen per tick.** With `k` events in a tick every partial sum of
//!   the accumulator lies in `[k * min(w_min, 0), k * max(w_max, 0)]`. When that interval fits
//!   `i16` and `acc_bits`, the tick accumulates in `i16` without saturation (it cannot saturate, so
//!   the result is the reference's); else in `i32` without saturation; else it saturates after
//!   every addition in `i32` (`acc_bits <= 31`) or `i64`, as the reference does. Columns never
//!   interact in step 2, so events are processed block group by block group, in order within
//!   each, with the group's accumulators in registers.
//! - **Branch-free neuron update** over all neurons (selects, not branches), in `i32` when a bound
//!   over `v_bits`, `acc_bits`, `inhibition`, `neurons` and `theta_bits` proves no intermediate
//!   leaves `i32`, else in `i64`; inhibition and subtractive reset are compile-time variants. It
//!   reads the state from one buffer and writes all lanes of another (an in-place update that
//!   keeps some lanes compiles to masked stores, slow on AMD CPUs). Spikes are read from a byte
//!   mask eight at a time.
//! - **Per-tick vectors**: the depression deltas `y >> ltd_shift` (all zero: depression skipped)
//!   and the potentiation deltas of every row, computed once per tick, vectorized.
//! - **Runtime CPU dispatch.** The hot kernels are generic `#[inline(always)]` functions; the
//!   `Isa` trait gives each a portable copy and a copy in a `#[target_feature(enable = "avx2")]`
//!   function, chosen at run time with `is_x86_feature_detected!`, so a default `cargo build
//!   --release` gets AVX2 code on machines that have it. Each kernel is its own function: inlined
//!   into one huge tick function, LLVM's vectorizer gave up on some loops. No allocation per
//!   tick: every scratch buffer is sized at construction.
//! - **Host view in `i64`.** The public accessors keep the reference's types (`&[i64]`,
//!   `&Array2<i32>`); they are built lazily from the narrow state on first access after a change
//!   (a `OnceLock` per view, dropped by every mutation), so the tick loop never pays for them.
//! - The host-visible behaviour of the hardware is part of the model: `clear`, `normalize`,
//!   `reset`, the learning-enable register and host writes of any state, so the co-simulation can
//!   mirror every host action on both sides.
//! - Runtime learning enable (a host register, on after reset): when off, no weight changes
//!   (steps 2 and 4 leave W alone and periodic scaling is skipped); traces still evolve so turning
//!   it back on is consistent. `stdp.enabled = false` is stronger: traces stay 0 and nothing learns.

use crate::arith::{asr, clamp, div0, sat_signed, signed_max, signed_min, wrap24_lava};
use crate::config::{Config, NeuronConfig, Reset, Rule};
use crate::error::{Error, Result};
use ndarray::{Array2, Array3};
use std::ops::{Add, BitAnd, Mul, Shr, Sub};
use std::sync::OnceLock;

/// Which state a host access names (the regions of the hardware's memory map).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    /// Membrane potential v (per neuron).
    V,
    /// Refractory counter (per neuron).
    Refractory,
    /// Adaptive threshold theta (per neuron).
    Theta,
    /// Presynaptic trace x (per row).
    X,
    /// Postsynaptic trace y (per neuron).
    Y,
    /// `cuba` current u (per neuron).
    U,
}

// ----- weight storage --------------------------------------------------------------------

/// A weight storage type. All values stored are within `[w_min, w_max]`; deltas are non-negative
/// and clipped to the weight span `w_max - w_min` (see the module header for why that is exact).
trait Wt: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// All bits set (the mask of a spiking column).
    const ONES: Self;
    /// The bounds of a saturating add or subtract in this type, if it has one: with `hi` at
    /// the upper one, `add_ceil` is a plain saturating add (likewise `sub_floor` at the lower).
    const SAT: Option<(Self, Self)>;
    /// Saturating add and subtract (only called when `SAT` is `Some`).
    fn sat_add(self, d: Self) -> Self;
    fn sat_sub(self, d: Self) -> Self;
    fn to_i32(self) -> i32;
    /// Only called when the value fits `i16` (the per-tick bound guarantees it).
    fn to_i16(self) -> i16;
    /// A value known to be within `[w_min, w_max]`.
    fn from_i32(v: i32) -> Self;
    /// `min(d, span)` as a delta (`span` is the weight span).
    fn delta(d: u16, span: u16) -> Self;
    /// `max(self - d, lo)`, exact for `d` clipped to the span.
    fn sub_floor(self, d: Self, lo: Self) -> Self;
    /// `min(self + d, hi)`, exact for `d` clipped to the span.
    fn add_ceil(self, d: Self, hi: Self) -> Self;
    fn and(self, m: Self) -> Self;
}

impl Wt for u8 {
    const ONES: u8 = u8::MAX;
    const SAT: Option<(u8, u8)> = Some((u8::MIN, u8::MAX));
    #[inline(always)]
    fn sat_add(self, d: u8) -> u8 {
        self.saturating_add(d)
    }
    #[inline(always)]
    fn sat_sub(self, d: u8) -> u8 {
        self.saturating_sub(d)
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn to_i16(self) -> i16 {
        self as i16
    }
    #[inline(always)]
    fn from_i32(v: i32) -> u8 {
        v as u8
    }
    #[inline(always)]
    fn delta(d: u16, span: u16) -> u8 {
        d.min(span) as u8
    }
    #[inline(always)]
    fn sub_floor(self, d: u8, lo: u8) -> u8 {
        self.saturating_sub(d).max(lo)
    }
    #[inline(always)]
    fn add_ceil(self, d: u8, hi: u8) -> u8 {
        self.saturating_add(d).min(hi)
    }
    #[inline(always)]
    fn and(self, m: u8) -> u8 {
        self & m
    }
}

impl Wt for i16 {
    const ONES: i16 = -1;
    const SAT: Option<(i16, i16)> = Some((i16::MIN, i16::MAX));
    #[inline(always)]
    fn sat_add(self, d: i16) -> i16 {
        self.saturating_add(d)
    }
    #[inline(always)]
    fn sat_sub(self, d: i16) -> i16 {
        self.saturating_sub(d)
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn to_i16(self) -> i16 {
        self
    }
    #[inline(always)]
    fn from_i32(v: i32) -> i16 {
        v as i16
    }
    #[inline(always)]
    fn delta(d: u16, span: u16) -> i16 {
        d.min(span) as i16
    }
    #[inline(always)]
    fn sub_floor(self, d: i16, lo: i16) -> i16 {
        self.saturating_sub(d).max(lo)
    }
    #[inline(always)]
    fn add_ceil(self, d: i16, hi: i16) -> i16 {
        self.saturating_add(d).min(hi)
    }
    #[inline(always)]
    fn and(self, m: i16) -> i16 {
        self & m
    }
}

impl Wt for i32 {
    const ONES: i32 = -1;
    const SAT: Option<(i32, i32)> = None;
    #[inline(always)]
    fn sat_add(self, d: i32) -> i32 {
        self.saturating_add(d)
    }
    #[inline(always)]
    fn sat_sub(self, d: i32) -> i32 {
        self.saturating_sub(d)
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self
    }
    #[inline(always)]
    fn to_i16(self) -> i16 {
        self as i16
    }
    #[inline(always)]
    fn from_i32(v: i32) -> i32 {
        v
    }
    #[inline(always)]
    fn delta(d: u16, span: u16) -> i32 {
        d.min(span) as i32
    }
    #[inline(always)]
    fn sub_floor(self, d: i32, lo: i32) -> i32 {
        (self - d).max(lo)
    }
    #[inline(always)]
    fn add_ceil(self, d: i32, hi: i32) -> i32 {
        (self + d).min(hi)
    }
    #[inline(always)]
    fn and(self, m: i32) -> i32 {
        self & m
    }
}

/// Columns per block of the weight layout (see [`Mat`]).
const C: usize = 8;

/// Rows per step of the potentiation sweep: `C * ROWS` weights at a time.
const ROWS: usize = 8;

/// Blocks per step of the event loop: `C * G` weights of a row at a time.
const G: usize = 4;

/// The weight matrix in one storage type, with its per-tick vectors of the same type.
///
/// Layout: the columns are cut into blocks of [`C`] neurons (the last one padded with `w_min`,
/// a valid weight no output ever reads); each block is a row-major `rows x C` matrix, and the
/// blocks follow each other: an `ndarray` of shape `(blocks, rows, C)` in standard layout, where
/// `W[j][i]` is element `[i / C, j, i % C]`, at `(i / C) * rows * C + j * C + i % C`. An event
/// reads `C` contiguous weights per block; the potentiation of a spiking neuron sweeps its
/// block contiguously, `C * ROWS` weights (several rows) per vector operation, instead of one
/// scalar update per row of a row-major matrix.
#[derive(Debug, Clone)]
struct Mat<W> {
    w: Array3<W>,
    rows: usize,
    /// Weights per block (`rows * C`).
    stride: usize,
    /// This tick's depression deltas, one per (padded) neuron.
    ltd: Vec<W>,
    /// This tick's potentiation of each row, split into its positive and negative part.
    dp: Vec<W>,
    dn: Vec<W>,
    lo: W,
    hi: W,
}

impl<W: Wt> Mat<W> {
    fn new(w: &Array2<i32>, lo: i64, hi: i64) -> Mat<W> {
        let (rows, n) = w.dim();
        let nb = n.div_ceil(C);
        let mut m = Mat {
            w: Array3::from_elem((nb, rows, C), W::from_i32(lo as i32)),
            rows,
            stride: rows * C,
            ltd: vec![W::default(); nb * C],
            dp: vec![W::default(); rows],
            dn: vec![W::default(); rows],
            lo: W::from_i32(lo as i32),
            hi: W::from_i32(hi as i32),
        };
        m.assign(w);
        m
    }

    /// `W[j][i]`.
    #[inline(always)]
    fn get(&self, j: usize, i: usize) -> W {
        self.w[[i / C, j, i % C]]
    }

    /// Set `W[j][i]`.
    #[inline(always)]
    fn set(&mut self, j: usize, i: usize, v: W) {
        self.w[[i / C, j, i % C]] = v;
    }

    /// Copy a whole matrix in (same shape).
    fn assign(&mut self, w: &Array2<i32>) {
        for ((j, i), &v) in w.indexed_iter() {
            self.set(j, i, W::from_i32(v));
        }
    }

    /// The matrix as `rows x n` values.
    fn to_array(&self, n: usize) -> Array2<i32> {
        Array2::from_shape_fn((self.rows, n), |(j, i)| self.get(j, i).to_i32())
    }

    /// All weights in memory order (the layout above).
    #[inline(always)]
    fn flat(&mut self) -> &mut [W] {
        self.w.as_slice_mut().expect("standard layout")
    }
}

#[derive(Debug, Clone)]
enum Store {
    U8(Mat<u8>),
    I16(Mat<i16>),
    I32(Mat<i32>),
}

/// Run `$body` with `$m` bound to the matrix, whatever its storage type.
macro_rules! with_mat {
    ($store:expr, $m:ident => $body:expr) => {
        match $store {
            Store::U8($m) => $body,
            Store::I16($m) => $body,
            Store::I32($m) => $body,
        }
    };
}

// ----- accumulator -------------------------------------------------------------------------

/// One way of adding a weight into an accumulator lane.
trait AccAdd: Copy {
    type T: Copy + Default;
    fn add<W: Wt>(self, a: Self::T, w: W) -> Self::T;
}

/// `i16`, no saturation (the tick's bound proves none happens).
#[derive(Clone, Copy)]
struct Add16;
impl AccAdd for Add16 {
    type T = i16;
    #[inline(always)]
    fn add<W: Wt>(self, a: i16, w: W) -> i16 {
        a.wrapping_add(w.to_i16())
    }
}

/// `i32`, no saturation (the tick's bound proves none happens).
#[derive(Clone, Copy)]
struct Add32;
impl AccAdd for Add32 {
    type T = i32;
    #[inline(always)]
    fn add<W: Wt>(self, a: i32, w: W) -> i32 {
        a.wrapping_add(w.to_i32())
    }
}

/// `i32`, saturating to `acc_bits <= 31` after every addition (no `i32` overflow is possible).
#[derive(Clone, Copy)]
struct Sat32 {
    lo: i32,
    hi: i32,
}
impl AccAdd for Sat32 {
    type T = i32;
    #[inline(always)]
    fn add<W: Wt>(self, a: i32, w: W) -> i32 {
        (a + w.to_i32()).max(self.lo).min(self.hi)
    }
}

/// `i64`, saturating after every addition, exactly as the reference.
#[derive(Clone, Copy)]
struct Sat64 {
    lo: i64,
    hi: i64,
}
impl AccAdd for Sat64 {
    type T = i64;
    #[inline(always)]
    fn add<W: Wt>(self, a: i64, w: W) -> i64 {
        clamp(a.saturating_add(w.to_i32() as i64), self.lo, self.hi)
    }
}

// ----- neuron lanes ------------------------------------------------------------------------

/// The integer type the LIF update is computed in.
trait Lane:
    Copy
    + Ord
    + From<i32>
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + BitAnd<Output = Self>
    + Shr<u32, Output = Self>
{
    const BITS: u32;
    fn narrow(self) -> i32;
}
impl Lane for i32 {
    const BITS: u32 = 32;
    #[inline(always)]
    fn narrow(self) -> i32 {
        self
    }
}
impl Lane for i64 {
    const BITS: u32 = 64;
    #[inline(always)]
    fn narrow(self) -> i32 {
        self as i32
    }
}

/// LIF parameters in the lane type.
#[derive(Debug, Clone, Copy)]
struct LifK<L> {
    v_lo: L,
    v_hi: L,
    leak_shift: u32,
    leak_mask: L,
    inhibition: L,
    threshold: L,
    v_reset: L,
    subtract: bool,
    refractory: i32,
    theta_plus: L,
    theta_max: L,
}

impl<L: Lane> LifK<L> {
    /// The `LIF_*` flags of these parameters.
    fn flags(&self) -> u8 {
        let zero = L::from(0);
        (self.inhibition != zero) as u8 * LIF_INH
            + self.subtract as u8 * LIF_SUB
            + (self.theta_plus != zero) as u8 * LIF_THETA
            + (self.refractory > 0) as u8 * LIF_REFR
    }

    fn new(l: &crate::config::LifConfig) -> LifK<L> {
        let v_lo = l.v_min.max(signed_min(l.v_bits));
        let c = |v: i64| L::from(v as i32);
        LifK {
            v_lo: c(v_lo),
            v_hi: c(signed_max(l.v_bits)),
            leak_shift: l.leak_shift.min(L::BITS - 1),
            leak_mask: c(if l.leak_shift > 0 { -1 } else { 0 }),
            inhibition: c(l.inhibition),
            threshold: c(l.threshold),
            v_reset: c(l.v_reset),
            subtract: l.reset == Reset::Subtract,
            refractory: l.refractory as i32,
            theta_plus: c(l.theta_plus),
            theta_max: c((1i64 << l.theta_bits) - 1),
        }
    }
}

/// The per-neuron state the LIF update reads and writes (`v`, `theta`, `refractory`).
struct LifIo<'a, A> {
    v: &'a [i32],
    theta: &'a [i32],
    refr: &'a [i32],
    acc: &'a [A],
    prev: &'a [u8],
    v_out: &'a mut [i32],
    theta_out: &'a mut [i32],
    refr_out: &'a mut [i32],
    fired: &'a mut [u8],
}

/// [`lif_kernel`] flags: inhibition, subtractive reset, adaptive threshold (`theta_plus > 0`),
/// refractory period (`refractory > 0`; else the counters are always 0 and are not touched).
/// Without the adaptive threshold, theta is read but not written (step 3 cannot change it).
const LIF_INH: u8 = 1;
const LIF_SUB: u8 = 2;
const LIF_THETA: u8 = 4;
const LIF_REFR: u8 = 8;

/// Step 3 of `lif` for every neuron, without branches; `fired[i]` = 1 for a spike. It reads the
/// state from one buffer and writes every lane of another: an update in place that keeps some
/// lanes would be compiled to masked stores, which are slow on some CPUs.
#[inline(always)]
fn lif_kernel<L: Lane, A: Copy + Into<L>, const F: u8>(
    p: &LifK<L>,
    prev_count: i32,
    io: LifIo<'_, A>,
) {
    let (inh, sub, theta_up, refractory) = (
        F & LIF_INH != 0,
        F & LIF_SUB != 0,
        F & LIF_THETA != 0,
        F & LIF_REFR != 0,
    );
    let n = io.v.len();
    let (v, theta, refr, acc, prev) = (
        &io.v[..n],
        &io.theta[..n],
        &io.refr[..n],
        &io.acc[..n],
        &io.prev[..n],
    );
    let (v_out, theta_out, refr_out, fired) = (
        &mut io.v_out[..n],
        &mut io.theta_out[..n],
        &mut io.refr_out[..n],
        &mut io.fired[..n],
    );
    let inh_all = p.inhibition * L::from(prev_count);
    for i in 0..n {
        let r = if refractory { refr[i] } else { 0 };
        let v0 = L::from(v[i]);
        let leak = (v0 >> p.leak_shift) & p.leak_mask;
        let mut vp = v0 - leak + acc[i].into();
        if inh {
            vp = vp - (inh_all - p.inhibition * L::from(prev[i] as i32));
        }
        let vp = vp.max(p.v_lo).min(p.v_hi);
        let th = L::from(theta[i]);
        let thr = p.threshold + th;
        let active = r <= 0;
        let spike = active & (vp >= thr);
        let vs = if sub {
            (vp - thr).max(p.v_lo).min(p.v_hi)
        } else {
            p.v_reset
        };
        let vn = if spike {
            vs
        } else if active {
            vp
        } else {
            v0
        };
        v_out[i] = vn.narrow();
        if refractory {
            refr_out[i] = if spike {
                p.refractory
            } else {
                r - (!active) as i32
            };
        }
        if theta_up {
            let tp = if spike { p.theta_plus } else { L::from(0) };
            theta_out[i] = (th + tp).min(p.theta_max).narrow();
        }
        fired[i] = spike as u8;
    }
}

/// Append the indices of the set bytes of `fired` (0 or 1 each), ascending.
#[inline(always)]
fn collect_spikes(fired: &[u8], spikes: &mut Vec<u32>) {
    spikes.clear();
    let mut chunks = fired.chunks_exact(8);
    let mut base = 0u32;
    for ch in &mut chunks {
        let mut m = u64::from_le_bytes(ch.try_into().expect("8 bytes"));
        while m != 0 {
            spikes.push(base + m.trailing_zeros() / 8);
            m &= m - 1;
        }
        base += 8;
    }
    for (k, &f) in chunks.remainder().iter().enumerate() {
        if f != 0 {
            spikes.push(base + k as u32);
        }
    }
}

// ----- the network -------------------------------------------------------------------------

/// The LIF parameters in the lane type of the update.
#[derive(Debug, Clone, Copy)]
enum LifParams {
    I32(LifK<i32>),
    I64(LifK<i64>),
}

/// Which storage the accumulator has (fixed per config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccStore {
    /// `lif` with `acc_bits <= 31`.
    I32,
    /// `lif` with wider accumulators, and `cuba`.
    I64,
}

/// Constants of the tick loop, derived once from the config.
#[derive(Debug, Clone)]
struct Consts {
    inputs: usize,
    rows: usize,
    n: usize,
    stdp: bool,
    symmetric: bool,
    w_min: i64,
    w_max: i64,
    /// `w_max - w_min` (at most 65535).
    span: u16,
    /// `max(w_max, 0)` and `min(w_min, 0)`: one event moves the accumulator within these.
    w_pos: i64,
    w_neg: i64,
    acc_lo: i64,
    acc_hi: i64,
    acc_store: AccStore,
    /// The LIF parameters, in `i32` when the update provably stays within `i32`, and their
    /// `LIF_*` flags.
    lif: Option<LifParams>,
    lif_flags: u8,
    trace_max: u32,
    pre_inc: u32,
    post_inc: u32,
    pre_decay: u32,
    post_decay: u32,
    theta_decay: u32,
    ltp_shift: u32,
    ltd_shift: u32,
    ltp_offset: u32,
    norm_target: i64,
    norm_every: u64,
}

/// Which compiled copy of the kernels runs.
#[derive(Debug, Clone, Copy)]
enum Kernels {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
}

/// The `i64` views the accessors return, built on first access after a change.
#[derive(Debug, Clone, Default)]
struct Views {
    w: OnceLock<Array2<i32>>,
    v: OnceLock<Vec<i64>>,
    x: OnceLock<Vec<i64>>,
    y: OnceLock<Vec<i64>>,
    theta: OnceLock<Vec<i64>>,
    refr: OnceLock<Vec<i64>>,
    acc: OnceLock<Vec<i64>>,
}

/// All state but the weights (so the tick can borrow both at once).
#[derive(Debug, Clone)]
struct State {
    x: Vec<u16>,
    y: Vec<u16>,
    v: Vec<i32>,
    u: Vec<i64>,
    refr: Vec<i32>,
    theta: Vec<i32>,
    /// The LIF update writes v, refractory and theta here, then swaps (see `lif_kernel`).
    v2: Vec<i32>,
    refr2: Vec<i32>,
    theta2: Vec<i32>,
    acc32: Vec<i32>,
    acc64: Vec<i64>,
    /// Spike flags (0/1) of this tick and of the previous one.
    fired: Vec<u8>,
    prev_fired: Vec<u8>,
    spikes: Vec<u32>,
    prev_spikes: Vec<u32>,
    /// This tick's event rows, in order (valid external events, then recurrent ones).
    events: Vec<u32>,
    t: u64,
    dropped: u64,
    learning: bool,
}

/// One neuron array and its complete state.
#[derive(Debug, Clone)]
pub struct Network {
    cfg: Config,
    c: Consts,
    store: Store,
    s: State,
    kernels: Kernels,
    views: Views,
}

impl Network {
    /// A network in its start state: all state 0, weights from the config's `init`.
    pub fn new(cfg: &Config) -> Network {
        let rows = cfg.rows();
        let n = cfg.neurons();
        let st = &cfg.stdp;
        let (w_min, w_max) = (cfg.synapse.w_min, cfg.synapse.w_max);
        let (acc_lo, acc_hi, acc_store, lif, theta_decay) = match &cfg.neuron {
            NeuronConfig::Lif(l) => {
                let store = if l.acc_bits <= 31 {
                    AccStore::I32
                } else {
                    AccStore::I64
                };
                // Largest magnitude of every intermediate of the LIF update (module header).
                let p = |b: u32| 1i128 << b;
                let b1 = p(l.v_bits - 1) * 2 + p(l.acc_bits - 1) + l.inhibition as i128 * n as i128;
                let b2 = p(l.v_bits) + p(l.v_bits) + p(l.theta_bits);
                let b3 = p(l.theta_bits + 1);
                let fits = b1.max(b2).max(b3) < p(31) && store == AccStore::I32;
                let params = if fits {
                    LifParams::I32(LifK::new(l))
                } else {
                    LifParams::I64(LifK::new(l))
                };
                (
                    signed_min(l.acc_bits),
                    signed_max(l.acc_bits),
                    store,
                    Some(params),
                    l.theta_decay_shift,
                )
            }
            NeuronConfig::Cuba(_) => (i64::MIN, i64::MAX, AccStore::I64, None, 0),
        };
        let c = Consts {
            inputs: cfg.array.inputs as usize,
            rows,
            n,
            stdp: st.enabled,
            symmetric: st.rule == Rule::Symmetric,
            w_min,
            w_max,
            span: (w_max - w_min) as u16,
            w_pos: w_max.max(0),
            w_neg: w_min.min(0),
            acc_lo,
            acc_hi,
            acc_store,
            lif,
            lif_flags: match lif {
                Some(LifParams::I32(p)) => p.flags(),
                Some(LifParams::I64(p)) => p.flags(),
                None => 0,
            },
            trace_max: (1u32 << st.trace_bits) - 1,
            pre_inc: st.pre_inc as u32,
            post_inc: st.post_inc as u32,
            pre_decay: st.pre_decay_shift,
            post_decay: st.post_decay_shift,
            theta_decay,
            ltp_shift: st.ltp_shift,
            ltd_shift: st.ltd_shift,
            ltp_offset: st.ltp_offset as u32,
            norm_target: st.normalize_target,
            norm_every: st.normalize_every,
        };
        let w0 = cfg.initial_weights();
        let store = if w_min >= 0 && w_max <= 255 {
            Store::U8(Mat::new(&w0, w_min, w_max))
        } else if w_min >= -32768 && w_max <= 32767 && w_max - w_min <= 32767 {
            Store::I16(Mat::new(&w0, w_min, w_max))
        } else {
            Store::I32(Mat::new(&w0, w_min, w_max))
        };
        let np = n.div_ceil(C) * C;
        let s = State {
            x: vec![0; rows],
            y: vec![0; n],
            v: vec![0; n],
            u: vec![0; n],
            refr: vec![0; n],
            theta: vec![0; n],
            v2: vec![0; n],
            refr2: vec![0; n],
            theta2: vec![0; n],
            acc32: vec![0; np],
            acc64: vec![0; np],
            fired: vec![0; n],
            prev_fired: vec![0; n],
            spikes: Vec::with_capacity(n),
            prev_spikes: Vec::with_capacity(n),
            events: Vec::with_capacity(rows.min(4096)),
            t: 0,
            dropped: 0,
            learning: true,
        };
        Network {
            cfg: cfg.clone(),
            c,
            store,
            s,
            kernels: best_kernels(),
            views: Views::default(),
        }
    }

    /// The config this network was built from.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Run one tick with the input events `events` (arrival order, duplicates processed,
    /// addresses `>= inputs` dropped and counted). Returns the spiking neurons, ascending.
    pub fn step(&mut self, events: &[u32]) -> &[u32] {
        self.touch();
        let (c, s, cfg) = (&self.c, &mut self.s, &self.cfg);
        match self.kernels {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(isa) => with_mat!(&mut self.store, m => tick(isa, c, cfg, s, m, events)),
            Kernels::Portable => {
                with_mat!(&mut self.store, m => tick(Portable, c, cfg, s, m, events))
            }
        }
        &self.s.spikes
    }

    /// Which compiled copy of the tick runs: `"avx2"` or `"portable"`.
    pub fn kernels(&self) -> &'static str {
        match self.kernels {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(_) => "avx2",
            Kernels::Portable => "portable",
        }
    }

    /// Force the portable copy of the tick (`true`) or go back to the best one the CPU supports.
    /// Results are identical either way; tests use this to check both copies.
    #[doc(hidden)]
    pub fn use_portable_kernels(&mut self, portable: bool) {
        self.kernels = if portable {
            Kernels::Portable
        } else {
            best_kernels()
        };
    }

    /// Drop the host views (every mutation calls this).
    #[inline(always)]
    fn touch(&mut self) {
        let v = &mut self.views;
        v.w.take();
        v.v.take();
        v.x.take();
        v.y.take();
        v.theta.take();
        v.refr.take();
        v.acc.take();
    }

    // ----- host commands -------------------------------------------------------------------

    /// The host's *clear*: v, refractory, acc, x, y, u and the previous tick's spikes to 0;
    /// weights, theta and the tick count are kept.
    pub fn clear(&mut self) {
        self.touch();
        let s = &mut self.s;
        s.v.fill(0);
        s.u.fill(0);
        s.refr.fill(0);
        s.acc32.fill(0);
        s.acc64.fill(0);
        s.x.fill(0);
        s.y.fill(0);
        s.prev_spikes.clear();
        s.spikes.clear();
        s.fired.fill(0);
        s.prev_fired.fill(0);
    }

    /// The host's *normalize*: step 5 on the current weights, now. It does nothing when STDP is
    /// disabled in the config or `normalize_target` is 0.
    pub fn normalize(&mut self) {
        if self.c.stdp && self.c.norm_target > 0 {
            self.touch();
            let (c, s) = (&self.c, &mut self.s);
            with_mat!(&mut self.store, m => scale(c, s, m));
        }
    }

    /// The `rst` input: v, refractory, theta, x, y, u, acc, previous spikes, the counters and the
    /// tick count to 0, learning enabled; weights kept.
    pub fn reset(&mut self) {
        self.clear();
        self.s.theta.fill(0);
        self.s.t = 0;
        self.s.dropped = 0;
        self.s.learning = true;
    }

    /// The learning-enable register.
    pub fn set_learning(&mut self, on: bool) {
        self.s.learning = on;
    }

    /// The learning-enable register.
    pub fn learning(&self) -> bool {
        self.s.learning
    }

    // ----- state access ------------------------------------------------------------------

    /// Ticks run since start or reset.
    pub fn tick(&self) -> u64 {
        self.s.t
    }

    /// Events dropped since start or reset (address outside `0..inputs`).
    pub fn dropped(&self) -> u64 {
        self.s.dropped
    }

    /// The weight matrix `W[j][i]`.
    pub fn weights(&self) -> &Array2<i32> {
        self.views
            .w
            .get_or_init(|| with_mat!(&self.store, m => m.to_array(self.c.n)))
    }

    /// One weight `W[j][i]` (panics when out of range), without building the whole matrix.
    pub fn weight(&self, j: usize, i: usize) -> i32 {
        assert!(
            j < self.c.rows && i < self.c.n,
            "weight ({j}, {i}) out of range"
        );
        with_mat!(&self.store, m => m.get(j, i).to_i32())
    }

    /// The spikes of the last tick, ascending.
    pub fn last_spikes(&self) -> &[u32] {
        &self.s.spikes
    }

    /// One state vector (v, refractory, theta, x, y or u).
    pub fn state(&self, kind: StateKind) -> &[i64] {
        fn widen<'a, T: Copy + Into<i64>>(cell: &'a OnceLock<Vec<i64>>, src: &[T]) -> &'a [i64] {
            cell.get_or_init(|| src.iter().map(|&v| v.into()).collect())
        }
        match kind {
            StateKind::V => widen(&self.views.v, &self.s.v),
            StateKind::Refractory => widen(&self.views.refr, &self.s.refr),
            StateKind::Theta => widen(&self.views.theta, &self.s.theta),
            StateKind::X => widen(&self.views.x, &self.s.x),
            StateKind::Y => widen(&self.views.y, &self.s.y),
            StateKind::U => &self.s.u,
        }
    }

    /// Membrane potentials.
    pub fn v(&self) -> &[i64] {
        self.state(StateKind::V)
    }

    /// Presynaptic traces, one per row.
    pub fn x(&self) -> &[i64] {
        self.state(StateKind::X)
    }

    /// Postsynaptic traces.
    pub fn y(&self) -> &[i64] {
        self.state(StateKind::Y)
    }

    /// Adaptive thresholds.
    pub fn theta(&self) -> &[i64] {
        self.state(StateKind::Theta)
    }

    /// Refractory counters.
    pub fn refractory(&self) -> &[i64] {
        self.state(StateKind::Refractory)
    }

    /// The accumulator of the last tick (input of step 3).
    pub fn acc(&self) -> &[i64] {
        self.views.acc.get_or_init(|| match self.c.acc_store {
            AccStore::I32 => self.s.acc32[..self.c.n].iter().map(|&a| a as i64).collect(),
            AccStore::I64 => self.s.acc64[..self.c.n].to_vec(),
        })
    }

    /// Host write of one weight; the value must be within `[w_min, w_max]`.
    pub fn set_weight(&mut self, j: usize, i: usize, w: i64) -> Result<()> {
        if j >= self.c.rows || i >= self.c.n {
            return Err(Error::Range {
                message: format!(
                    "weight ({j}, {i}) is outside {} rows x {} neurons",
                    self.c.rows, self.c.n
                ),
            });
        }
        if w < self.c.w_min || w > self.c.w_max {
            return Err(Error::Range {
                message: format!("weight {w} is outside {}..={}", self.c.w_min, self.c.w_max),
            });
        }
        self.touch();
        with_mat!(&mut self.store, m => {
            m.set(j, i, Wt::from_i32(w as i32));
        });
        Ok(())
    }

    /// Replace the whole weight matrix (same shape, values within `[w_min, w_max]`).
    pub fn set_weights(&mut self, w: &Array2<i32>) -> Result<()> {
        let dim = (self.c.rows, self.c.n);
        if w.dim() != dim {
            return Err(Error::Range {
                message: format!("weight matrix is {:?}, expected {:?}", w.dim(), dim),
            });
        }
        let (lo, hi) = (self.c.w_min, self.c.w_max);
        if let Some(bad) = w.iter().find(|&&v| (v as i64) < lo || (v as i64) > hi) {
            return Err(Error::Range {
                message: format!("weight {bad} is outside {lo}..={hi}"),
            });
        }
        self.touch();
        with_mat!(&mut self.store, m => m.assign(w));
        Ok(())
    }

    /// Host write of one state value, checked against the state's width.
    pub fn set_state(&mut self, kind: StateKind, index: usize, value: i64) -> Result<()> {
        let (lo, hi) = self.state_range(kind)?;
        let len = self.state(kind).len();
        if index >= len {
            return Err(Error::Range {
                message: format!("{kind:?} index {index} is outside 0..{len}"),
            });
        }
        if value < lo || value > hi {
            return Err(Error::Range {
                message: format!("{kind:?} value {value} is outside {lo}..={hi}"),
            });
        }
        self.touch();
        let s = &mut self.s;
        match kind {
            StateKind::V => s.v[index] = value as i32,
            StateKind::Refractory => s.refr[index] = value as i32,
            StateKind::Theta => s.theta[index] = value as i32,
            StateKind::X => s.x[index] = value as u16,
            StateKind::Y => s.y[index] = value as u16,
            StateKind::U => s.u[index] = value,
        }
        Ok(())
    }

    /// The range a state value can hold (what a host write may store).
    pub fn state_range(&self, kind: StateKind) -> Result<(i64, i64)> {
        let trace = (0, self.c.trace_max as i64);
        match (&self.cfg.neuron, kind) {
            (_, StateKind::X | StateKind::Y) => Ok(trace),
            (NeuronConfig::Lif(l), StateKind::V) => {
                Ok((l.v_min.max(signed_min(l.v_bits)), signed_max(l.v_bits)))
            }
            (NeuronConfig::Lif(l), StateKind::Refractory) => Ok((0, l.refractory as i64)),
            (NeuronConfig::Lif(l), StateKind::Theta) => Ok((0, (1i64 << l.theta_bits) - 1)),
            (NeuronConfig::Cuba(_), StateKind::V) => Ok((-(1 << 23) + 1, (1 << 23) - 1)),
            (NeuronConfig::Cuba(_), StateKind::U) => Ok((-(1 << 23) + 1, 1 << 23)),
            (m, k) => Err(Error::Range {
                message: format!(
                    "{k:?} is not a state of model {}",
                    if matches!(m, NeuronConfig::Lif(_)) {
                        "lif"
                    } else {
                        "cuba"
                    }
                ),
            }),
        }
    }

    /// Saturate `v` to the membrane range (used by tests and importers).
    pub fn sat_v(&self, v: i64) -> i64 {
        match &self.cfg.neuron {
            NeuronConfig::Lif(l) => {
                clamp(v, l.v_min.max(signed_min(l.v_bits)), signed_max(l.v_bits))
            }
            NeuronConfig::Cuba(_) => sat_signed(v, 24),
        }
    }
}

/// The best compiled copy of the kernels this CPU runs.
fn best_kernels() -> Kernels {
    #[cfg(target_arch = "x86_64")]
    if let Some(isa) = Avx2::detect() {
        return Kernels::Avx2(isa);
    }
    Kernels::Portable
}

// ----- compiled copies of the kernels ----------------------------------------------------------

/// `(ltp_shift, keep mask, ltp_offset, weight span)` of [`ltp_deltas`].
type LtpArgs = (u32, u16, u16, u16);

/// An instruction set the hot kernels are compiled for. Each kernel is one generic
/// `#[inline(always)]` function; each implementation of this trait wraps it in a function of its
/// own (not inlined into the tick: in one huge function the vectorizer gives up on some loops),
/// compiled with that instruction set's target features.
trait Isa: Copy {
    fn decay16(self, v: &mut [u16], sh: u32);
    fn decay32(self, v: &mut [i32], sh: u32);
    #[allow(clippy::too_many_arguments)]
    fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        self,
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    );
    fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        self,
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    );
    fn ltd_deltas<W: Wt>(self, y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool;
    fn ltp_deltas<W: Wt>(self, x: &[u16], dp: &mut [W], dn: &mut [W], a: LtpArgs) -> u16;
    fn sweep<W: Wt, F: Fn(W, W) -> W>(self, blk: &mut [W], dp: &[W], mask: &[W; C], f: F);
    fn sweep2<W: Wt>(self, blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W);
}

/// The kernels for the target the crate is compiled for (SSE2 on x86-64 by default).
#[derive(Debug, Clone, Copy)]
struct Portable;

impl Isa for Portable {
    #[inline(never)]
    fn decay16(self, v: &mut [u16], sh: u32) {
        decay_kernel(v, sh)
    }
    #[inline(never)]
    fn decay32(self, v: &mut [i32], sh: u32) {
        decay_kernel(v, sh)
    }
    #[inline(never)]
    fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        self,
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    ) {
        event_groups(w, stride, rows, acc, ltd, p, f)
    }
    #[inline(never)]
    fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        self,
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    ) {
        lif_kernel::<L, A, F>(p, prev_count, io)
    }
    #[inline(never)]
    fn ltd_deltas<W: Wt>(self, y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
        ltd_deltas(y, ltd, sh, span)
    }
    #[inline(never)]
    fn ltp_deltas<W: Wt>(self, x: &[u16], dp: &mut [W], dn: &mut [W], a: LtpArgs) -> u16 {
        ltp_deltas(x, dp, dn, a)
    }
    #[inline(never)]
    fn sweep<W: Wt, F: Fn(W, W) -> W>(self, blk: &mut [W], dp: &[W], mask: &[W; C], f: F) {
        sweep(blk, dp, mask, f)
    }
    #[inline(never)]
    fn sweep2<W: Wt>(self, blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W) {
        sweep2(blk, dp, dn, mask, lo, hi)
    }
}

/// The kernels compiled with AVX2 (and BMI1/2, POPCNT, LZCNT). A value of this type exists only
/// when the CPU has these features: [`Avx2::detect`] is its only constructor.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
struct Avx2 {
    _detected: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    fn detect() -> Option<Avx2> {
        use std::arch::is_x86_feature_detected as has;
        (has!("avx2") && has!("bmi1") && has!("bmi2") && has!("popcnt") && has!("lzcnt"))
            .then_some(Avx2 { _detected: () })
    }
}

/// The AVX2 copies: the kernels, inlined into functions compiled with the target features.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;

    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn decay16(v: &mut [u16], sh: u32) {
        decay_kernel(v, sh)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn decay32(v: &mut [i32], sh: u32) {
        decay_kernel(v, sh)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    ) {
        event_groups(w, stride, rows, acc, ltd, p, f)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    ) {
        lif_kernel::<L, A, F>(p, prev_count, io)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn ltd_deltas<W: Wt>(y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
        super::ltd_deltas(y, ltd, sh, span)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn ltp_deltas<W: Wt>(
        x: &[u16],
        dp: &mut [W],
        dn: &mut [W],
        a: LtpArgs,
    ) -> u16 {
        super::ltp_deltas(x, dp, dn, a)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn sweep<W: Wt, F: Fn(W, W) -> W>(
        blk: &mut [W],
        dp: &[W],
        mask: &[W; C],
        f: F,
    ) {
        super::sweep(blk, dp, mask, f)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn sweep2<W: Wt>(
        blk: &mut [W],
        dp: &[W],
        dn: &[W],
        mask: &[W; C],
        lo: W,
        hi: W,
    ) {
        super::sweep2(blk, dp, dn, mask, lo, hi)
    }
}

// SAFETY (every method): an `Avx2` value exists only when `Avx2::detect` found the features the
// `avx2` functions are compiled with.
#[cfg(target_arch = "x86_64")]
impl Isa for Avx2 {
    #[inline]
    fn decay16(self, v: &mut [u16], sh: u32) {
        unsafe { avx2::decay16(v, sh) }
    }
    #[inline]
    fn decay32(self, v: &mut [i32], sh: u32) {
        unsafe { avx2::decay32(v, sh) }
    }
    #[inline]
    fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        self,
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    ) {
        unsafe { avx2::events(w, stride, rows, acc, ltd, p, f) }
    }
    #[inline]
    fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        self,
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    ) {
        unsafe { avx2::lif::<L, A, F>(p, prev_count, io) }
    }
    #[inline]
    fn ltd_deltas<W: Wt>(self, y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
        unsafe { avx2::ltd_deltas(y, ltd, sh, span) }
    }
    #[inline]
    fn ltp_deltas<W: Wt>(self, x: &[u16], dp: &mut [W], dn: &mut [W], a: LtpArgs) -> u16 {
        unsafe { avx2::ltp_deltas(x, dp, dn, a) }
    }
    #[inline]
    fn sweep<W: Wt, F: Fn(W, W) -> W>(self, blk: &mut [W], dp: &[W], mask: &[W; C], f: F) {
        unsafe { avx2::sweep(blk, dp, mask, f) }
    }
    #[inline]
    fn sweep2<W: Wt>(self, blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W) {
        unsafe { avx2::sweep2(blk, dp, dn, mask, lo, hi) }
    }
}

// ----- one tick ----------------------------------------------------------------------------

#[inline(always)]
fn tick<I: Isa, W: Wt>(
    isa: I,
    c: &Consts,
    cfg: &Config,
    s: &mut State,
    m: &mut Mat<W>,
    events: &[u32],
) {
    std::mem::swap(&mut s.spikes, &mut s.prev_spikes);
    std::mem::swap(&mut s.fired, &mut s.prev_fired);
    decay(isa, c, s);
    integrate(isa, c, s, m, events);
    match &cfg.neuron {
        NeuronConfig::Lif(_) => neurons_lif(isa, c, s),
        NeuronConfig::Cuba(cu) => neurons_cuba(c, cu, s),
    }
    potentiate(isa, c, s, m);
    if s.learning
        && c.stdp
        && c.norm_target > 0
        && c.norm_every > 0
        && (s.t + 1) % c.norm_every == 0
    {
        scale(c, s, m);
    }
    s.t += 1;
}

/// Step 1: decay of x, y and theta (a shift of 0 means no decay; a shift of 16 or more leaves a
/// 16-bit trace unchanged).
#[inline(always)]
fn decay<I: Isa>(isa: I, c: &Consts, s: &mut State) {
    if c.stdp {
        if c.pre_decay > 0 && c.pre_decay < 16 {
            isa.decay16(&mut s.x, c.pre_decay);
        }
        if c.post_decay > 0 && c.post_decay < 16 {
            isa.decay16(&mut s.y, c.post_decay);
        }
    }
    if c.theta_decay > 0 {
        isa.decay32(&mut s.theta, c.theta_decay);
    }
}

/// `v -= v >> sh` for non-negative values.
#[inline(always)]
fn decay_kernel<T: Copy + Sub<Output = T> + Shr<u32, Output = T>>(v: &mut [T], sh: u32) {
    for x in v.iter_mut() {
        *x = *x - (*x >> sh);
    }
}

/// Step 2: integration, then depression, for each event in order (then the recurrent ones).
#[inline(always)]
fn integrate<I: Isa, W: Wt>(isa: I, c: &Consts, s: &mut State, m: &mut Mat<W>, events: &[u32]) {
    let State {
        x,
        y,
        events: rows,
        prev_spikes,
        dropped,
        ..
    } = s;
    rows.clear();
    let inputs = c.inputs as u32;
    rows.extend(events.iter().copied().filter(|&e| e < inputs));
    *dropped += (events.len() - rows.len()) as u64;
    if c.rows > c.inputs {
        rows.extend(prev_spikes.iter().map(|&i| inputs + i));
    }
    if c.stdp {
        let (tmax, inc) = (c.trace_max, c.pre_inc);
        for &j in rows.iter() {
            let xj = &mut x[j as usize];
            *xj = (*xj as u32 + inc).min(tmax) as u16;
        }
    }

    // The depression vector of this tick.
    let mut ltd = false;
    if c.stdp && s.learning && !rows.is_empty() && c.ltd_shift < 16 && c.span > 0 {
        ltd = isa.ltd_deltas(y, &mut m.ltd, c.ltd_shift, c.span);
    }
    let ltd = ltd.then_some((&m.ltd[..], c.symmetric));
    let (stride, lo, hi) = (m.stride, m.lo, m.hi);
    let w = m.w.as_slice_mut().expect("standard layout");

    // Pick the narrowest exact accumulator for this tick's number of events.
    let k = rows.len() as i64;
    let (pos, neg) = (k * c.w_pos, k * c.w_neg);
    let fits = |lo: i64, hi: i64| pos <= hi.min(c.acc_hi) && neg >= lo.max(c.acc_lo);
    let (acc32, acc64) = (&mut s.acc32[..], &mut s.acc64[..]);
    match c.acc_store {
        AccStore::I32 if k == 0 => acc32.fill(0),
        AccStore::I64 if k == 0 => acc64.fill(0),
        AccStore::I32 if fits(i16::MIN as i64, i16::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc32, ltd, lo, hi, Add16)
        }
        AccStore::I64 if fits(i16::MIN as i64, i16::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc64, ltd, lo, hi, Add16)
        }
        AccStore::I32 if fits(i32::MIN as i64, i32::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc32, ltd, lo, hi, Add32)
        }
        AccStore::I64 if fits(i32::MIN as i64, i32::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc64, ltd, lo, hi, Add32)
        }
        AccStore::I32 => {
            let p = Sat32 {
                lo: c.acc_lo as i32,
                hi: c.acc_hi as i32,
            };
            events_kernel(isa, w, stride, rows, acc32, ltd, lo, hi, p)
        }
        AccStore::I64 => {
            let p = Sat64 {
                lo: c.acc_lo,
                hi: c.acc_hi,
            };
            events_kernel(isa, w, stride, rows, acc64, ltd, lo, hi, p)
        }
    }
}

/// For each event row in order: add the row into the accumulator, then depress the row by `ltd`
/// (`Some((deltas, true))` adds them: the symmetric rule).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn events_kernel<I: Isa, W: Wt, A: AccAdd, O: Copy + From<A::T>>(
    isa: I,
    w: &mut [W],
    stride: usize,
    rows: &[u32],
    acc: &mut [O],
    ltd: Option<(&[W], bool)>,
    lo: W,
    hi: W,
    p: A,
) {
    match ltd {
        None => isa.events(w, stride, rows, acc, &[], p, None::<fn(W, W) -> W>),
        Some((d, false)) if W::SAT.is_some_and(|(min, _)| min == lo) => {
            isa.events(w, stride, rows, acc, d, p, Some(|x: W, d| x.sat_sub(d)))
        }
        Some((d, false)) => isa.events(
            w,
            stride,
            rows,
            acc,
            d,
            p,
            Some(|x: W, d| x.sub_floor(d, lo)),
        ),
        Some((d, true)) if W::SAT.is_some_and(|(_, max)| max == hi) => {
            isa.events(w, stride, rows, acc, d, p, Some(|x: W, d| x.sat_add(d)))
        }
        Some((d, true)) => isa.events(
            w,
            stride,
            rows,
            acc,
            d,
            p,
            Some(|x: W, d| x.add_ceil(d, hi)),
        ),
    }
}

/// [`events_kernel`] with the depression `f(weight, delta)` (or none), group by group of [`G`]
/// blocks: the columns of one group never interact with those of another, so this order gives
/// the reference's result, and a group's accumulators stay in registers across the events.
#[inline(always)]
fn event_groups<W: Wt, A: AccAdd, O: Copy + From<A::T>>(
    w: &mut [W],
    stride: usize,
    rows: &[u32],
    acc: &mut [O],
    ltd: &[W],
    p: A,
    f: Option<impl Fn(W, W) -> W>,
) {
    let mut groups = w.chunks_exact_mut(stride * G);
    let mut accs = acc.chunks_exact_mut(C * G);
    let mut b = 0;
    for (grp, acc) in (&mut groups).zip(&mut accs) {
        let (b01, b23) = grp.split_at_mut(2 * stride);
        let (b0, b1) = b01.split_at_mut(stride);
        let (b2, b3) = b23.split_at_mut(stride);
        let mut a = [A::T::default(); C * G];
        if let Some(f) = &f {
            let d: [W; C * G] = ltd[b * C..][..C * G].try_into().expect("C * G");
            for &j in rows {
                let r = j as usize * C..(j as usize + 1) * C;
                let (p0, p1, p2, p3) = (
                    &mut b0[r.clone()],
                    &mut b1[r.clone()],
                    &mut b2[r.clone()],
                    &mut b3[r],
                );
                let mut x = [W::default(); C * G];
                x[..C].copy_from_slice(p0);
                x[C..2 * C].copy_from_slice(p1);
                x[2 * C..3 * C].copy_from_slice(p2);
                x[3 * C..].copy_from_slice(p3);
                for k in 0..C * G {
                    a[k] = p.add(a[k], x[k]);
                    x[k] = f(x[k], d[k]);
                }
                p0.copy_from_slice(&x[..C]);
                p1.copy_from_slice(&x[C..2 * C]);
                p2.copy_from_slice(&x[2 * C..3 * C]);
                p3.copy_from_slice(&x[3 * C..]);
            }
        } else {
            // Read only: add straight from the four pieces (an unused copy would defeat the
            // vectorizer).
            for &j in rows {
                let r = j as usize * C..(j as usize + 1) * C;
                let pieces = [&b0[r.clone()], &b1[r.clone()], &b2[r.clone()], &b3[r]];
                for (q, pc) in pieces.into_iter().enumerate() {
                    let pc: &[W; C] = pc.try_into().expect("C");
                    for k in 0..C {
                        a[q * C + k] = p.add(a[q * C + k], pc[k]);
                    }
                }
            }
        }
        for (o, &v) in acc.iter_mut().zip(&a) {
            *o = v.into();
        }
        b += G;
    }
    // The blocks that do not fill a group, one by one.
    let rest = groups.into_remainder().chunks_exact_mut(stride);
    for (blk, acc) in rest.zip(accs.into_remainder().chunks_exact_mut(C)) {
        let mut a = [A::T::default(); C];
        let d: [W; C] = match &f {
            Some(_) => ltd[b * C..][..C].try_into().expect("C"),
            None => [W::default(); C],
        };
        for &j in rows {
            let x: &mut [W; C] = (&mut blk[j as usize * C..][..C]).try_into().expect("C");
            for k in 0..C {
                a[k] = p.add(a[k], x[k]);
            }
            if let Some(f) = &f {
                for k in 0..C {
                    x[k] = f(x[k], d[k]);
                }
            }
        }
        for (o, &v) in acc.iter_mut().zip(&a) {
            *o = v.into();
        }
        b += 1;
    }
}

/// Step 3 for `lif`.
#[inline(always)]
fn neurons_lif<I: Isa>(isa: I, c: &Consts, s: &mut State) {
    let pc = s.prev_spikes.len() as i32;
    let State {
        v,
        theta,
        refr,
        v2,
        theta2,
        refr2,
        prev_fired,
        fired,
        acc32,
        acc64,
        ..
    } = s;
    macro_rules! io {
        ($acc:expr) => {
            LifIo {
                v,
                theta,
                refr,
                acc: $acc,
                prev: prev_fired,
                v_out: v2,
                theta_out: theta2,
                refr_out: refr2,
                fired,
            }
        };
    }
    /// The kernel for these parameters, with the `LIF_*` flags as a constant.
    macro_rules! run {
        ($p:expr, $acc:expr) => {{
            let p = $p;
            match c.lif_flags {
                0 => isa.lif::<_, _, 0>(p, pc, io!($acc)),
                1 => isa.lif::<_, _, 1>(p, pc, io!($acc)),
                2 => isa.lif::<_, _, 2>(p, pc, io!($acc)),
                3 => isa.lif::<_, _, 3>(p, pc, io!($acc)),
                4 => isa.lif::<_, _, 4>(p, pc, io!($acc)),
                5 => isa.lif::<_, _, 5>(p, pc, io!($acc)),
                6 => isa.lif::<_, _, 6>(p, pc, io!($acc)),
                7 => isa.lif::<_, _, 7>(p, pc, io!($acc)),
                8 => isa.lif::<_, _, 8>(p, pc, io!($acc)),
                9 => isa.lif::<_, _, 9>(p, pc, io!($acc)),
                10 => isa.lif::<_, _, 10>(p, pc, io!($acc)),
                11 => isa.lif::<_, _, 11>(p, pc, io!($acc)),
                12 => isa.lif::<_, _, 12>(p, pc, io!($acc)),
                13 => isa.lif::<_, _, 13>(p, pc, io!($acc)),
                14 => isa.lif::<_, _, 14>(p, pc, io!($acc)),
                15 => isa.lif::<_, _, 15>(p, pc, io!($acc)),
                _ => unreachable!("four flags"),
            }
        }};
    }
    let lif = c.lif.as_ref().expect("lif parameters");
    match (c.acc_store, lif) {
        (AccStore::I32, LifParams::I32(p)) => run!(p, acc32),
        (AccStore::I32, LifParams::I64(p)) => run!(p, acc32),
        (AccStore::I64, LifParams::I64(p)) => run!(p, acc64),
        (AccStore::I64, LifParams::I32(_)) => unreachable!("i32 lanes need an i32 accumulator"),
    }
    let f = c.lif_flags;
    std::mem::swap(&mut s.v, &mut s.v2);
    if f & LIF_THETA != 0 {
        std::mem::swap(&mut s.theta, &mut s.theta2);
    }
    if f & LIF_REFR != 0 {
        std::mem::swap(&mut s.refr, &mut s.refr2);
    }
    collect_spikes(&s.fired, &mut s.spikes);
}

/// Step 3 for `cuba` (SPEC section 6), as the reference computes it.
#[inline(always)]
fn neurons_cuba(c: &Consts, cu: &crate::config::CubaConfig, s: &mut State) {
    let vmax = (1i64 << 23) - 1;
    let bias = cu.bias_mant << cu.bias_exp;
    let vth = cu.vth << 6;
    s.spikes.clear();
    for i in 0..c.n {
        let a = s.acc64[i];
        let a_in = if cu.weight_exp >= 0 {
            a << cu.weight_exp
        } else {
            asr(a, (-cu.weight_exp) as u32)
        };
        let u = wrap24_lava(div0(s.u[i] * (4096 - cu.du - 1), 4096) + (a_in << 6));
        s.u[i] = u;
        let v = clamp(
            div0(s.v[i] as i64 * (4096 - cu.dv), 4096) + u + bias,
            -vmax,
            vmax,
        );
        let spike = v > vth;
        s.v[i] = if spike { 0 } else { v as i32 };
        s.fired[i] = spike as u8;
        if spike {
            s.spikes.push(i as u32);
        }
    }
}

/// Step 4: potentiation of the spiking neurons' columns, then their y traces.
#[inline(always)]
fn potentiate<I: Isa, W: Wt>(isa: I, c: &Consts, s: &mut State, m: &mut Mat<W>) {
    if !c.stdp || s.spikes.is_empty() {
        return;
    }
    if s.learning && c.span > 0 {
        ltp(isa, c, s, m);
    }
    let (tmax, inc) = (c.trace_max, c.post_inc);
    for &i in &s.spikes {
        let y = &mut s.y[i as usize];
        *y = (*y as u32 + inc).min(tmax) as u16;
    }
}

/// `W[j][i] += (x[j] >> ltp_shift) - ltp_offset`, clamped, for every row j and spiking i.
///
/// The delta of each row is split into a potentiating part `dp` and a depressing part `dn` (one
/// of them 0), clipped to the weight span. Each block that holds a spiking neuron is swept once,
/// with the delta masked to the spiking columns (a delta of 0 leaves a weight unchanged), so the
/// sweep has no data-dependent branch and handles all the block's spiking neurons at once.
#[inline(always)]
fn ltp<I: Isa, W: Wt>(isa: I, c: &Consts, s: &mut State, m: &mut Mat<W>) {
    let rows = m.rows;
    let (dp, dn) = (&mut m.dp[..rows], &mut m.dn[..rows]);
    let (span, off) = (c.span, c.ltp_offset.min(u16::MAX as u32) as u16);
    // x >> ltp_shift is 0 for every 16-bit trace when ltp_shift >= 16.
    let sh = c.ltp_shift.min(15);
    let keep = if c.ltp_shift >= 16 { 0 } else { u16::MAX };
    let any_dn = isa.ltp_deltas(&s.x, dp, dn, (sh, keep, off, span));
    let (lo, hi, stride) = (m.lo, m.hi, m.stride);
    let spikes = &s.spikes[..];
    let mut k = 0;
    while k < spikes.len() {
        // The spiking neurons of one block (spikes are ascending).
        let b = spikes[k] as usize / C;
        let mut mask = [W::default(); C];
        while k < spikes.len() && spikes[k] as usize / C == b {
            mask[spikes[k] as usize % C] = W::ONES;
            k += 1;
        }
        let blk = &mut m.w.as_slice_mut().expect("standard layout")[b * stride..][..stride];
        if any_dn == 0 {
            if W::SAT.is_some_and(|(_, max)| max == hi) {
                isa.sweep(blk, dp, &mask, |w, p| w.sat_add(p));
            } else {
                isa.sweep(blk, dp, &mask, |w, p| w.add_ceil(p, hi));
            }
        } else {
            isa.sweep2(blk, dp, dn, &mask, lo, hi);
        }
    }
}

/// The deltas of step 2 per neuron: `y >> sh` clipped to the weight span. Returns whether
/// any is non-zero.
#[inline(always)]
fn ltd_deltas<W: Wt>(y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
    let mut any = 0u16;
    for (d, &yv) in ltd.iter_mut().zip(y.iter()) {
        let t = yv >> sh;
        any |= t;
        *d = W::delta(t, span);
    }
    any != 0
}

/// The deltas of step 4 per row: `dp = (x >> sh) - off` where positive, `dn = off - (x >> sh)`
/// where positive (`keep` = 0 zeroes the shift for `ltp_shift >= 16`), both clipped to the
/// weight span. Returns non-zero when some `dn` is.
#[inline(always)]
fn ltp_deltas<W: Wt>(x: &[u16], dp: &mut [W], dn: &mut [W], (sh, keep, off, span): LtpArgs) -> u16 {
    let mut any_dn = 0u16;
    if off == 0 {
        for (p, &xv) in dp.iter_mut().zip(x.iter()) {
            *p = W::delta((xv >> sh) & keep, span);
        }
    } else {
        for ((p, q), &xv) in dp.iter_mut().zip(dn.iter_mut()).zip(x.iter()) {
            let t = (xv >> sh) & keep;
            let neg = off.saturating_sub(t);
            any_dn |= neg;
            *p = W::delta(t.saturating_sub(off), span);
            *q = W::delta(neg, span);
        }
    }
    any_dn
}

/// `blk[j][k] = f(blk[j][k], dp[j] & mask[k])` over a block, `ROWS` rows per step.
#[inline(always)]
fn sweep<W: Wt>(blk: &mut [W], dp: &[W], mask: &[W; C], f: impl Fn(W, W) -> W) {
    let mut blocks = blk.chunks_exact_mut(C * ROWS);
    let mut ds = dp.chunks_exact(ROWS);
    for (ch, d) in (&mut blocks).zip(&mut ds) {
        let ch: &mut [W; C * ROWS] = ch.try_into().expect("chunk");
        let mut dx = [W::default(); C * ROWS];
        for r in 0..ROWS {
            for k in 0..C {
                dx[r * C + k] = d[r].and(mask[k]);
            }
        }
        for e in 0..C * ROWS {
            ch[e] = f(ch[e], dx[e]);
        }
    }
    for (row, &d) in blocks
        .into_remainder()
        .chunks_exact_mut(C)
        .zip(ds.remainder())
    {
        for k in 0..C {
            row[k] = f(row[k], d.and(mask[k]));
        }
    }
}

/// [`sweep`] with both parts of the delta: potentiate by `dp`, then depress by `dn`.
#[inline(always)]
fn sweep2<W: Wt>(blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W) {
    let mut blocks = blk.chunks_exact_mut(C * ROWS);
    let (mut ps, mut qs) = (dp.chunks_exact(ROWS), dn.chunks_exact(ROWS));
    for ((ch, p), q) in (&mut blocks).zip(&mut ps).zip(&mut qs) {
        let ch: &mut [W; C * ROWS] = ch.try_into().expect("chunk");
        let mut px = [W::default(); C * ROWS];
        let mut qx = [W::default(); C * ROWS];
        for r in 0..ROWS {
            for k in 0..C {
                px[r * C + k] = p[r].and(mask[k]);
                qx[r * C + k] = q[r].and(mask[k]);
            }
        }
        for e in 0..C * ROWS {
            ch[e] = ch[e].add_ceil(px[e], hi).sub_floor(qx[e], lo);
        }
    }
    let rest = blocks.into_remainder().chunks_exact_mut(C);
    for ((row, &p), &q) in rest.zip(ps.remainder()).zip(qs.remainder()) {
        for k in 0..C {
            row[k] = row[k]
                .add_ceil(p.and(mask[k]), hi)
                .sub_floor(q.and(mask[k]), lo);
        }
    }
}

/// Step 5: synaptic scaling of every neuron's column toward `normalize_target`. A neuron whose
/// column sum is not positive gets the ratio `2^16`, which leaves its weights as they are.
#[inline(always)]
fn scale<W: Wt>(c: &Consts, s: &mut State, m: &mut Mat<W>) {
    let (lo, hi) = (c.w_min, c.w_max);
    let target = c.norm_target;
    let stride = m.stride;
    for blk in m.flat().chunks_exact_mut(stride) {
        let mut r = [0i64; C];
        for row in blk.chunks_exact(C) {
            for k in 0..C {
                r[k] += row[k].to_i32() as i64;
            }
        }
        for v in r.iter_mut() {
            *v = if *v > 0 {
                ((target << 16) / *v).min(u32::MAX as i64)
            } else {
                1 << 16
            };
        }
        for row in blk.chunks_exact_mut(C) {
            for k in 0..C {
                row[k] = W::from_i32(clamp(asr(row[k].to_i32() as i64 * r[k], 16), lo, hi) as i32);
            }
        }
    }
    let _ = s;
}
