//! Synaptic delays in the optimized model (docs/model.md, "Synaptic delays"): the per-neuron
//! ring of D future inputs, the per-row history of D presynaptic traces, and the step-2 and
//! step-4 kernels of a layer with `synapse.max_delay = D > 0`.
//!
//! Key decisions (the layout the hardware mirrors):
//! - **Ring indexed by the tick count.** The input of tick `t` lives in slot `t mod D` of each
//!   neuron's ring (`ring[slot * n + i]`); an event of tick t on row j adds `W[j][i]` to slot
//!   `(t + d[j][i]) mod D` (saturating to `acc_bits` after every addition, as the accumulator
//!   does); after the tick's events, slot `t mod D` is the tick's accumulator and is zeroed for
//!   tick `t + D`. A delay is at most `D - 1`, so an event never writes the slot being consumed
//!   by a later tick than it targets. `rst` sets t to 0 and zeroes the ring, so the hardware's slot
//!   counter (reset with t) names the same slot.
//! - **Trace history.** Potentiation sees a presynaptic event at its arrival: the trace of
//!   synapse (j, i) at tick t is row j's trace `x` as it was after step 2 of tick `t - d[j][i]`
//!   (the arrivals are the emissions shifted by d, and the trace's decay and saturation do not
//!   depend on the tick number, so this is exact). Slot `t mod D` of `xh` holds row j's x after
//!   step 2 of tick t (`xh[slot * rows + j]`), so `D` slots cover delays `0..D`. Depression stays
//!   at emission (step 2 with this tick's y): depressing at arrival would need every past event
//!   replayed at its arrival tick.
//! - **A plain loop, not the vector kernels.** With delays the accumulator of one event spreads
//!   over D slots, so the per-tick narrow accumulator and the block-group kernels of `events` do
//!   not apply; this loop is the reference's arithmetic over the blocked weight layout (exact by
//!   construction), used only when D > 0, so a layer without delays runs exactly the code it ran
//!   before.

use super::weights::{Mat, Wt};
use super::{AccStore, Consts, State};
use crate::arith::clamp;
use ndarray::Array2;

/// The delays of one layer and their state.
#[derive(Debug, Clone)]
pub(super) struct DelayState {
    /// D (`synapse.max_delay`, at least 1).
    pub(super) dmax: usize,
    /// `d[j][i]` at `j * n + i`.
    pub(super) d: Vec<u8>,
    /// The ring: slot s (`ring[s * n..(s + 1) * n]`) holds the input of the next tick t with
    /// `t mod D = s`.
    pub(super) ring: Vec<i64>,
    /// The trace history: slot s (`xh[s * rows..(s + 1) * rows]`) holds every row's x after step
    /// 2 of the last tick t with `t mod D = s`.
    pub(super) xh: Vec<u16>,
}

impl DelayState {
    pub(super) fn new(d: &Array2<u8>, dmax: usize) -> DelayState {
        let (rows, n) = d.dim();
        DelayState {
            dmax,
            d: d.iter().copied().collect(),
            ring: vec![0; dmax * n],
            xh: vec![0; dmax * rows],
        }
    }

    /// The slot of tick `t + k` (`k` may be negative, at least `-D`).
    #[inline(always)]
    pub(super) fn slot(&self, t: u64, k: i64) -> usize {
        ((t % self.dmax as u64) as i64 + k).rem_euclid(self.dmax as i64) as usize
    }

    /// *clear* and `rst`: pending inputs and the trace history to 0.
    pub(super) fn clear(&mut self) {
        self.ring.fill(0);
        self.xh.fill(0);
    }
}

/// Step 2 with delays, after the tick's event rows are in `s.events` and x has been incremented:
/// for each event in order, add its row into the ring slots its delays name, then depress the
/// row (at emission); then record x in the history and move this tick's slot to the accumulator.
pub(super) fn integrate<W: Wt>(c: &Consts, s: &mut State, m: &mut Mat<W>) {
    let n = c.n;
    let dl = s.delays.as_mut().expect("a layer with delays");
    let base = dl.slot(s.t, 0);
    let dmax = dl.dmax;
    // The depression of this tick: -(y >> ltd_shift) (or + with the symmetric rule).
    let depress = c.stdp && s.learning && c.span > 0;
    let sh = c.ltd_shift.min(63);
    let ltd: Vec<i64> =
        s.y.iter()
            .map(|&y| {
                let d = (y as i64) >> sh;
                if c.symmetric { d } else { -d }
            })
            .collect();
    let depress = depress && ltd.iter().any(|&d| d != 0);
    for &j in &s.events {
        let j = j as usize;
        let drow = &dl.d[j * n..(j + 1) * n];
        for i in 0..n {
            let w = m.get(j, i).to_i32() as i64;
            let mut k = base + drow[i] as usize;
            if k >= dmax {
                k -= dmax;
            }
            let a = &mut dl.ring[k * n + i];
            *a = clamp(*a + w, c.acc_lo, c.acc_hi);
            if depress {
                let w2 = clamp(w + ltd[i], c.w_min, c.w_max);
                m.set(j, i, W::from_i32(w2 as i32));
            }
        }
    }
    let rows = c.rows;
    dl.xh[base * rows..(base + 1) * rows].copy_from_slice(&s.x);
    let slot = &mut dl.ring[base * n..(base + 1) * n];
    match c.acc_store {
        AccStore::I32 => {
            for (a, r) in s.acc32.iter_mut().zip(slot.iter()) {
                *a = *r as i32;
            }
        }
        AccStore::I64 => s.acc64[..n].copy_from_slice(slot),
    }
    slot.fill(0);
}

/// Step 4's weight update with delays: for every spiking neuron i and every row j,
/// `W[j][i] += (x_j(t - d[j][i]) >> ltp_shift) - ltp_offset`, clamped, where `x_j(t - d)` is
/// row j's trace after step 2 of tick `t - d` (the history).
pub(super) fn ltp<W: Wt>(c: &Consts, s: &State, m: &mut Mat<W>) {
    let n = c.n;
    let dl = s.delays.as_ref().expect("a layer with delays");
    let sh = c.ltp_shift.min(63);
    let off = c.ltp_offset as i64;
    for &i in &s.spikes {
        let i = i as usize;
        for j in 0..c.rows {
            let k = dl.slot(s.t, -(dl.d[j * n + i] as i64));
            let x = dl.xh[k * c.rows + j] as i64;
            let delta = (x >> sh) - off;
            if delta != 0 {
                let w = m.get(j, i).to_i32() as i64;
                m.set(j, i, W::from_i32(clamp(w + delta, c.w_min, c.w_max) as i32));
            }
        }
    }
}
