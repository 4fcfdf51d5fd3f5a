//! The golden model: the tick of `docs/model.md` (`lif` and `cuba`), bit for bit, one tick at a
//! time, fast.
//!
//! Files: this one holds the network, its constants and state, the tick and steps 1 (decay) and
//! 3 of `cuba`; `weights` the weight storage, `events` step 2, `lif` step 3 of `lif`,
//! `potentiation` step 4, `scaling` step 5, `delays` steps 2 and 4 of a layer with synaptic
//! delays (its ring of future inputs and its trace history), `isa` the portable and AVX2 copies of the hot
//! kernels, `host` the host commands and state access. What both models compute the same way
//! (ranges, host checks, the `cuba` neuron, the scaling ratio) is in [`crate::rules`].
//!
//! Key decisions:
//! - **Oracle.** [`crate::reference::ReferenceNetwork`] is the plain reading of the semantics;
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

mod delays;
mod events;
mod host;
mod isa;
mod lif;
mod potentiation;
mod scaling;
mod weights;

pub use crate::rules::StateKind;
pub use host::HostCommand;

use crate::config::{Config, NeuronConfig, Rule};
use crate::rules;
use events::integrate;
use isa::{Isa, Kernels, Portable, best_kernels};
use lif::{LifK, LifParams, neurons_lif};
use ndarray::Array2;
use potentiation::potentiate;
use scaling::scale;
use std::ops::{Shr, Sub};
use std::sync::OnceLock;
use weights::{C, Mat, Store, Wt, with_mat};

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
    /// The teach-mode register (docs/model.md, "Teach mode") and the teacher's out-of-range
    /// addresses dropped since start or reset.
    teach: bool,
    teach_dropped: u64,
    /// The delays and their ring and trace history (`synapse.max_delay > 0`).
    delays: Option<delays::DelayState>,
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
    /// A network in its start state: all state 0 but theta (`neuron.theta_file`, else 0),
    /// weights from the config's `init`.
    pub fn new(cfg: &Config) -> Network {
        let rows = cfg.rows();
        let n = cfg.neurons();
        let st = &cfg.stdp;
        let (w_min, w_max) = (cfg.synapse.w_min, cfg.synapse.w_max);
        let (acc_store, lif, theta_decay) = match &cfg.neuron {
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
                (store, Some(params), l.theta_decay_shift)
            }
            NeuronConfig::Cuba(_) => (AccStore::I64, None, 0),
        };
        let (acc_lo, acc_hi) = rules::acc_range(cfg);
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
            trace_max: rules::trace_max(st) as u32,
            pre_inc: st.pre_inc as u32,
            post_inc: st.post_inc as u32,
            pre_decay: st.pre_decay_shift,
            post_decay: st.post_decay_shift,
            theta_decay,
            ltp_shift: st.ltp_shift,
            ltd_shift: st.ltd_shift,
            ltp_offset: st.ltp_offset as u32,
            norm_target: st.normalize_target,
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
            theta: cfg.initial_theta().iter().map(|&t| t as i32).collect(),
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
            teach: cfg.array.teach,
            teach_dropped: 0,
            delays: cfg
                .initial_delays()
                .map(|d| delays::DelayState::new(&d, cfg.max_delay() as usize)),
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
        self.step_taught(events, &[])
    }

    /// Run one tick with the input events `events` and the teacher's list `teach` (neuron
    /// indices; docs/model.md, "Teach mode"): in teach mode the spikes of this tick are exactly
    /// the in-range addresses of `teach`; out of teach mode `teach` is ignored. Addresses
    /// `>= neurons` are dropped and counted ([`Network::teach_dropped`]) in either mode.
    pub fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        self.touch();
        let n = self.c.n as u32;
        self.s.teach_dropped += teach.iter().filter(|&&a| a >= n).count() as u64;
        let (c, s, cfg) = (&self.c, &mut self.s, &self.cfg);
        match self.kernels {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(isa) => {
                with_mat!(&mut self.store, m => tick(isa, c, cfg, s, m, events, teach))
            }
            Kernels::Portable => {
                with_mat!(&mut self.store, m => tick(Portable, c, cfg, s, m, events, teach))
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
    teach: &[u32],
) {
    std::mem::swap(&mut s.spikes, &mut s.prev_spikes);
    std::mem::swap(&mut s.fired, &mut s.prev_fired);
    decay(isa, c, s);
    integrate(isa, c, s, m, events);
    match &cfg.neuron {
        _ if s.teach => neurons_taught(cfg, s, teach),
        NeuronConfig::Lif(_) => neurons_lif(isa, c, s),
        NeuronConfig::Cuba(cu) => neurons_cuba(c, cu, s),
    }
    potentiate(isa, c, s, m);
    if rules::scaling_due(cfg, s.learning, s.t) {
        scale(c, m);
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

/// Step 3 in teach mode (docs/model.md, "Teach mode"): the spikes are the teacher's in-range
/// addresses; every neuron's v (and u) is held at 0; a forced neuron loads its refractory
/// counter and raises theta as a spike does, an unforced one counts its refractory period down.
fn neurons_taught(cfg: &Config, s: &mut State, teach: &[u32]) {
    let n = s.fired.len();
    s.fired.fill(0);
    for &a in teach {
        if (a as usize) < n {
            s.fired[a as usize] = 1;
        }
    }
    s.v.fill(0);
    s.u.fill(0);
    if let NeuronConfig::Lif(l) = &cfg.neuron {
        let theta_max = rules::theta_max(l);
        for i in 0..n {
            let spike = s.fired[i] != 0;
            let r = s.refr[i];
            s.refr[i] = if spike {
                l.refractory as i32
            } else {
                r - (r > 0) as i32
            };
            if spike && l.theta_plus > 0 {
                s.theta[i] = (s.theta[i] as i64 + l.theta_plus).min(theta_max) as i32;
            }
        }
    }
    lif::collect_spikes(&s.fired, &mut s.spikes);
}

/// Step 3 for `cuba`: [`rules::cuba_neuron`] per neuron, as the reference computes it.
#[inline(always)]
fn neurons_cuba(c: &Consts, cu: &crate::config::CubaConfig, s: &mut State) {
    s.spikes.clear();
    for i in 0..c.n {
        let (u, v, spike) = rules::cuba_neuron(cu, cu.bias(i), s.u[i], s.v[i] as i64, s.acc64[i]);
        s.u[i] = u;
        s.v[i] = v as i32;
        s.fired[i] = spike as u8;
        if spike {
            s.spikes.push(i as u32);
        }
    }
}
