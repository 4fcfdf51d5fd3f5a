//! What is compared after each tick, and how a difference is reported: one place for both the
//! stimulus runner ([`super::run`]) and the lockstep chip ([`super::lockstep`]), so the two check
//! the same things.
//!
//! Key decisions:
//! - [`compare_tick`] checks what the tick itself produced: the spike list, and, when the streams
//!   run without backpressure, the tick's cycle count and every output beat's cycle against the
//!   cycle model ([`golden::cycle::tick_timing`]).
//! - [`compare_state`] reads the state back through the host port: the dropped and tick
//!   counters, v, refractory, theta, y, x and the weights (all, or a seeded sample), and with
//!   synaptic delays every delay when all weights are compared.
//! - The first difference becomes a [`Mismatch`] naming the tick, the state, the index, expected
//!   and actual.

use super::error::Result;
use super::harness::{Harness, TickObs};
use golden::cycle::{TickActivity, TickTiming};
use golden::model::{Network, StateKind};
use golden::rng::SplitMix64;
use hdl::array::Region;
use std::path::PathBuf;

/// How much state to compare after each tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Every weight and every state value.
    Full,
    /// Every neuron state and trace, and this many seeded random weights per tick (every weight
    /// after the last tick).
    Sample(usize),
}

/// The first difference between RTL and golden model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Tick (0-based) after which the difference was seen.
    pub tick: usize,
    /// What differs (`spikes`, `v`, `weight`, `cycles`, ...).
    pub what: String,
    /// Index (neuron, row, `j,i`, beat), if any.
    pub index: String,
    /// Golden value.
    pub expected: String,
    /// RTL value.
    pub actual: String,
    /// VCD of the tick, when written.
    pub vcd: Option<PathBuf>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MISMATCH at tick {}: {}{} expected {} got {}",
            self.tick,
            self.what,
            if self.index.is_empty() {
                String::new()
            } else {
                format!("[{}]", self.index)
            },
            self.expected,
            self.actual
        )?;
        if let Some(v) = &self.vcd {
            write!(f, " (waveform of the tick: {})", v.display())?;
        }
        Ok(())
    }
}

/// Compare what tick `t` produced on the RTL (`obs`) with the golden model: the spikes
/// (`expected`, in output order), then, when `timed` (no backpressure on either stream), the
/// tick's cycle count and the cycle of every output beat against the cycle model's `timing` of
/// the tick's activity `act`.
pub fn compare_tick(
    t: usize,
    expected: &[u32],
    act: &TickActivity,
    timing: &TickTiming,
    obs: &TickObs,
    timed: bool,
) -> Option<Mismatch> {
    if obs.spikes != expected {
        return mm(
            t,
            "spikes",
            String::new(),
            format!("{expected:?}"),
            format!("{:?}", obs.spikes),
        );
    }
    if !timed {
        return None;
    }
    if obs.cycles != timing.cycles {
        let dropped = act.beats_in_range.iter().filter(|ok| !**ok).count();
        let what = format!(
            "cycles (tick with {} events, {} dropped, {} previous spikes, {} spikes, ltp {}, scaling {}, {} teacher beats)",
            act.beats_in_range.len() - dropped,
            dropped,
            act.prev_spikes,
            act.spikes.len(),
            act.ltp,
            act.scale,
            act.teach_beats
        );
        return mm(t, &what, String::new(), timing.cycles, obs.cycles);
    }
    if obs.beat_cycles != timing.out_beats {
        return mm(
            t,
            "output beat cycles",
            String::new(),
            format!("{:?}", timing.out_beats),
            format!("{:?}", obs.beat_cycles),
        );
    }
    None
}

/// Compare counters, neuron state, traces and weights (all, or a sample).
pub fn compare_state(
    h: &mut Harness<'_>,
    net: &Network,
    t: usize,
    full: bool,
    compare: Compare,
    rng: &mut SplitMix64,
) -> Result<Option<Mismatch>> {
    use hdl::array::layout::regs;
    let lay = h.lay.clone();
    let dropped = h.read(regs::DROPPED)? as u64;
    if dropped != net.dropped() & 0xFFFF_FFFF {
        return Ok(mm(
            t,
            "dropped counter",
            String::new(),
            net.dropped(),
            dropped,
        ));
    }
    if lay.teach {
        let got = h.read(lay.reg_addr(regs::TEACH_DROPPED))? as u64;
        if got != net.teach_dropped() & 0xFFFF_FFFF {
            return Ok(mm(
                t,
                "teacher dropped counter",
                String::new(),
                net.teach_dropped(),
                got,
            ));
        }
        let mode = h.read(lay.reg_addr(regs::TEACH))? & 1 == 1;
        if mode != net.teach() {
            return Ok(mm(t, "teach mode", String::new(), net.teach(), mode));
        }
    }
    // (a chained layer has no tick counter of its own: the chip's is layer 0's)
    if !lay.chained {
        let ticks = h.read(regs::TICK_LO)? as u64 | (h.read(regs::TICK_HI)? as u64) << 32;
        if ticks != net.tick() {
            return Ok(mm(t, "tick counter", String::new(), net.tick(), ticks));
        }
    }
    let regions = [
        (Region::V, StateKind::V, "v"),
        (Region::Ref, StateKind::Refractory, "refractory"),
        (Region::Theta, StateKind::Theta, "theta"),
        (Region::Y, StateKind::Y, "y"),
        (Region::U, StateKind::U, "u"),
    ];
    for (region, kind, name) in regions {
        if lay.region_field(region).is_none() {
            continue;
        }
        let gold = net.state(kind);
        for i in 0..lay.n {
            let got = h.neuron_state(region, i)?;
            if got != gold[i as usize] {
                return Ok(mm(t, name, i.to_string(), gold[i as usize], got));
            }
        }
    }
    if lay.f_y.is_some() {
        for j in 0..lay.r {
            let got = h.x(j)?;
            if got != net.x()[j as usize] {
                return Ok(mm(t, "x", j.to_string(), net.x()[j as usize], got));
            }
        }
    }
    let w = net.weights();
    let check = |h: &mut Harness<'_>, j: u64, i: u64| -> Result<Option<Mismatch>> {
        let got = h.weight(j, i)?;
        let want = w[[j as usize, i as usize]] as i64;
        Ok(if got != want {
            mm(t, "weight", format!("{j},{i}"), want, got)
        } else {
            None
        })
    };
    if let (Some(d), true) = (net.delays(), full) {
        // delays change only by host writes: compared with the full weight comparison
        for j in 0..lay.r {
            for i in 0..lay.n {
                let got = h.read(lay.delay_addr(j, i))? as i64;
                let want = d[[j as usize, i as usize]] as i64;
                if got != want {
                    return Ok(mm(t, "delay", format!("{j},{i}"), want, got));
                }
            }
        }
    }
    match (full, compare) {
        (false, Compare::Sample(n)) => {
            for _ in 0..n {
                let j = rng.below(lay.r);
                let i = rng.below(lay.n);
                if let Some(m) = check(h, j, i)? {
                    return Ok(Some(m));
                }
            }
        }
        _ => {
            for j in 0..lay.r {
                for i in 0..lay.n {
                    if let Some(m) = check(h, j, i)? {
                        return Ok(Some(m));
                    }
                }
            }
        }
    }
    Ok(None)
}

pub(crate) fn mm(
    tick: usize,
    what: &str,
    index: String,
    expected: impl ToString,
    actual: impl ToString,
) -> Option<Mismatch> {
    Some(Mismatch {
        tick,
        what: what.into(),
        index,
        expected: expected.to_string(),
        actual: actual.to_string(),
        vcd: None,
    })
}
