//! Step 3 of `lif` in the optimized model: the branch-free neuron update over all neurons.
//!
//! Key decision: the update runs in `i32` lanes when a bound over `v_bits`, `acc_bits`,
//! `inhibition`, `neurons` and `theta_bits` proves no intermediate leaves `i32`, else in `i64`;
//! inhibition, subtractive reset, the adaptive threshold and the refractory period are
//! compile-time variants (the `LIF_*` flags). It reads the state from one buffer and writes every
//! lane of another (an update in place that keeps some lanes compiles to masked stores, slow on
//! AMD CPUs), and spikes are read from a byte mask eight at a time.

use super::isa::Isa;
use super::{AccStore, Consts, State};
use crate::config::Reset;
use crate::rules;
use std::ops::{Add, BitAnd, Mul, Shr, Sub};

/// The integer type the LIF update is computed in.
pub(super) trait Lane:
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
pub(super) struct LifK<L> {
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
    pub(super) fn flags(&self) -> u8 {
        let zero = L::from(0);
        (self.inhibition != zero) as u8 * LIF_INH
            + self.subtract as u8 * LIF_SUB
            + (self.theta_plus != zero) as u8 * LIF_THETA
            + (self.refractory > 0) as u8 * LIF_REFR
    }

    pub(super) fn new(l: &crate::config::LifConfig) -> LifK<L> {
        let (v_lo, v_hi) = rules::v_range(l);
        let c = |v: i64| L::from(v as i32);
        LifK {
            v_lo: c(v_lo),
            v_hi: c(v_hi),
            leak_shift: l.leak_shift.min(L::BITS - 1),
            leak_mask: c(if l.leak_shift > 0 { -1 } else { 0 }),
            inhibition: c(l.inhibition),
            threshold: c(l.threshold),
            v_reset: c(l.v_reset),
            subtract: l.reset == Reset::Subtract,
            refractory: l.refractory as i32,
            theta_plus: c(l.theta_plus),
            theta_max: c(rules::theta_max(l)),
        }
    }
}

/// The per-neuron state the LIF update reads and writes (`v`, `theta`, `refractory`).
pub(super) struct LifIo<'a, A> {
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
pub(super) const LIF_INH: u8 = 1;
pub(super) const LIF_SUB: u8 = 2;
pub(super) const LIF_THETA: u8 = 4;
pub(super) const LIF_REFR: u8 = 8;

/// Step 3 of `lif` for every neuron, without branches; `fired[i]` = 1 for a spike. It reads the
/// state from one buffer and writes every lane of another: an update in place that keeps some
/// lanes would be compiled to masked stores, which are slow on some CPUs.
#[inline(always)]
pub(super) fn lif_kernel<L: Lane, A: Copy + Into<L>, const F: u8>(
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
pub(super) fn collect_spikes(fired: &[u8], spikes: &mut Vec<u32>) {
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

/// The LIF parameters in the lane type of the update.
#[derive(Debug, Clone, Copy)]
pub(super) enum LifParams {
    I32(LifK<i32>),
    I64(LifK<i64>),
}

/// Step 3 for `lif`.
#[inline(always)]
pub(super) fn neurons_lif<I: Isa>(isa: I, c: &Consts, s: &mut State) {
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
