//! The counters the host reads: cycles and ticks since reset (64 bits as two 32-bit halves),
//! dropped input beats, the cycles of the running and of the last tick, and the last tick's
//! spikes.
//!
//! Key decisions:
//! - A 64-bit counter's high half adds the low half's wrap one cycle later, so no 64-bit carry
//!   chain limits the clock.
//! - A layer after the first of a chain ([`Layout::chained`]) has no cycle, tick, tick-cycle or
//!   dropped counter: the chip's cycles and ticks are layer 0's (every layer runs every chip
//!   tick, all reset by `rst`), and its input addresses come from the previous layer, never out
//!   of range.

use crate::array::build::B;
use crate::array::layout::Layout;
use crate::ir::stmt::*;
use crate::ir::*;

/// The counters.
pub(super) struct Counters {
    /// Clock cycles since reset (low, high); none in a chained layer.
    pub cycles: Option<(Sig, Sig)>,
    /// The end-of-tick beat leaves the output stage (driven by the output stage).
    pub tick_end: Sig,
    /// Ticks since reset (low, high); none in a chained layer.
    pub ticks: Option<(Sig, Sig)>,
    /// Input beats dropped (counted by the event issuer); none in a chained layer.
    pub dropped: Option<Sig>,
    /// Cycles of the running tick and of the last tick; none in a chained layer.
    pub tick_cycles: Option<(Sig, Sig)>,
    /// Spikes of the previous tick.
    pub prev_count: Sig,
}

impl Counters {
    pub fn declare(b: &mut B, lay: &Layout) -> Counters {
        let own = !lay.chained;
        let cycles = own.then(|| wide_counter(b, "cycle_count", Expr::bit(true)));
        let tick_end = b.m.wire("tick_end", Ty::BIT);
        let ticks = own.then(|| wide_counter(b, "tick_count", tick_end.e()));
        let dropped = own.then(|| b.ctl_reg("dropped_count", Ty::u(32), 0));
        let tick_cycles = own.then(|| {
            (
                b.ctl_reg("tick_cycles_run", Ty::u(32), 0),
                b.ctl_reg("tick_cycles_last", Ty::u(32), 0),
            )
        });
        let prev_count = b.ctl_reg("prev_count", Ty::u(lay.nb + 1), 0);
        b.m.comment(&prev_count, "spikes of the previous tick");
        Counters {
            cycles,
            tick_end,
            ticks,
            dropped,
            tick_cycles,
            prev_count,
        }
    }
}

/// A 64-bit event counter as two 32-bit registers: `lo` counts `inc`, `hi` adds the carry of
/// `lo` one cycle after `lo` wraps.
fn wide_counter(b: &mut B, name: &str, inc: Expr) -> (Sig, Sig) {
    let lo = b.ctl_reg(&format!("{name}_lo"), Ty::u(32), 0);
    let hi = b.ctl_reg(&format!("{name}_hi"), Ty::u(32), 0);
    let carry = b.ctl_reg(&format!("{name}_carry"), Ty::BIT, 0);
    let wraps = inc.clone().and(lo.e().all());
    b.ctl(when(inc, vec![set(&lo, lo.e().inc())]));
    b.ctl(set(&carry, wraps));
    b.ctl(when(carry.e(), vec![set(&hi, hi.e().inc())]));
    (lo, hi)
}
