//! Functional coverage: which corners of the hardware a run of the golden model reaches, so a
//! random test suite can show (and CI can insist) that every corner was exercised, not only that
//! nothing differed.
//!
//! A [`Coverage`] steps a [`Network`] and counts, per tick, the corners that only the tick's
//! internals show: an accumulator saturating at either bound, a weight clamped at `w_min` or at
//! `w_max` by depression or potentiation, each read-modify-write forwarding path the hardware
//! takes (two operations on one accumulator or weight word closer than its pipeline, by the cycle
//! model's event schedule), a scaling step meeting a signed column that sums to exactly 0, an
//! address outside the inputs, an adaptive threshold above 0 and a refractory neuron skipped.
//! The caller counts what the model cannot see (backpressure, host commands) with
//! [`Coverage::hit`].
//!
//! Key decisions:
//! - The hot path of `model.rs` is not touched: a tick is stepped by the model as usual and the
//!   corners are found by replaying its event and potentiation steps on the side, from the state
//!   before the tick (the plain reading of docs/model.md's tick, as in `reference.rs`). The replay
//!   checks itself: its accumulators, traces and weights must equal the model's after the tick,
//!   else [`Coverage::step`] returns an error, so a replay that drifted from the semantics cannot
//!   count corners that did not happen.
//! - Forwarding distances come from the cycle model's rules for a tick without input gaps
//!   (`cycle::tick_timing`: an in-range beat issues `G` operations, one group per cycle, after
//!   the previous one; a dropped beat leaves slot A in one cycle; recurrent beats follow at
//!   least `read_latency` cycles apart). UP5K pair mode (events on even cycles, two weights a
//!   word) is not counted.

use crate::arith::{asr, clamp, decay, sat_inc};
use crate::config::{Config, Rule};
use crate::cycle::Arch;
use crate::model::{Network, StateKind};
use std::collections::BTreeMap;

/// Corners a random suite must reach. `fwd ... d=k`: an accumulator or weight word forwarded
/// from the operation `k` cycles older (the hardware forwards up to `read_latency + 2` back).
pub const CORNERS: &[&str] = &[
    "acc saturates at max",
    "acc saturates at min",
    "weight clamped at w_min",
    "weight clamped at w_max",
    "fwd acc d=1",
    "fwd acc d=2",
    "fwd acc d=3",
    "fwd acc d=4",
    "fwd weight d=1 (depression on)",
    "fwd weight d=2 (depression on)",
    "fwd weight d=3 (depression on)",
    "fwd weight d=4 (depression on)",
    "scaling, signed column sum 0",
    "address out of range",
    "theta above 0",
    "refractory neuron skipped",
    "cuba a_in clamped",
    "cuba u wraps down",
    "cuba u wraps up",
    "cuba v saturates at max",
    "cuba v saturates at min",
];

/// Counts of corners over a run (or many).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    counts: BTreeMap<String, u64>,
}

impl Coverage {
    /// No corner seen yet.
    pub fn new() -> Coverage {
        Coverage::default()
    }

    /// Count `n` of `corner`.
    pub fn hit(&mut self, corner: &str, n: u64) {
        if n > 0 {
            *self.counts.entry(corner.to_string()).or_default() += n;
        }
    }

    /// The count of `corner`.
    pub fn count(&self, corner: &str) -> u64 {
        self.counts.get(corner).copied().unwrap_or(0)
    }

    /// Add the counts of `other`.
    pub fn merge(&mut self, other: &Coverage) {
        for (k, v) in &other.counts {
            self.hit(k, *v);
        }
    }

    /// The corners of [`CORNERS`] and `extra` never hit.
    pub fn missing<'a>(&self, extra: &[&'a str]) -> Vec<&'a str>
    where
        'static: 'a,
    {
        CORNERS
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .filter(|c| self.count(c) == 0)
            .collect()
    }

    /// A table of [`CORNERS`], then `extra`, then anything else counted, one line each.
    pub fn table(&self, extra: &[&str]) -> String {
        let mut names: Vec<&str> = CORNERS
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect();
        for k in self.counts.keys() {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
        let w = names.iter().map(|n| n.len()).max().unwrap_or(0);
        let mut s = format!("{:<w$}  {:>10}\n", "corner", "count");
        for n in names {
            let c = self.count(n);
            let flag = if c == 0 { "  NEVER HIT" } else { "" };
            s.push_str(&format!("{n:<w$}  {c:>10}{flag}\n"));
        }
        s
    }

    /// Before the host's *normalize* on `net`: count a scaling step that meets a signed zero
    /// column (the command does nothing without STDP or a target).
    pub fn normalize(&mut self, net: &Network) {
        let cfg = net.config();
        if cfg.stdp.enabled && cfg.stdp.normalize_target > 0 {
            let w: Vec<Vec<i64>> = (0..cfg.rows())
                .map(|j| {
                    (0..cfg.neurons())
                        .map(|i| net.weight(j, i) as i64)
                        .collect()
                })
                .collect();
            self.zero_columns(cfg, &w);
        }
    }

    fn zero_columns(&mut self, cfg: &Config, w: &[Vec<i64>]) {
        if !cfg.synapse.signed {
            return;
        }
        for i in 0..cfg.neurons() {
            let col = w.iter().map(|row| row[i]);
            if col.clone().sum::<i64>() == 0 && col.clone().any(|x| x != 0) {
                self.hit("scaling, signed column sum 0", 1);
            }
        }
    }

    /// Step `net` through one tick of `events` and count its corners. An error means the
    /// side replay of the tick differs from the model (a bug of this module).
    pub fn step(&mut self, net: &mut Network, arch: &Arch, events: &[u32]) -> Result<(), String> {
        self.step_taught(net, arch, events, &[])
    }

    /// [`Coverage::step`] with the teacher's list of the tick ([`Network::step_taught`]; the
    /// replay's potentiation takes the tick's spikes, forced or not).
    pub fn step_taught(
        &mut self,
        net: &mut Network,
        arch: &Arch,
        events: &[u32],
        teach: &[u32],
    ) -> Result<(), String> {
        let cfg = net.config().clone();
        let (rows, n) = (cfg.rows(), cfg.neurons());
        let inputs = cfg.array.inputs as usize;
        let s = &cfg.stdp;
        let lif = cfg.lif().cloned();
        let mut w: Vec<Vec<i64>> = (0..rows)
            .map(|j| (0..n).map(|i| net.weight(j, i) as i64).collect())
            .collect();
        let mut x = net.x().to_vec();
        let mut y = net.y().to_vec();
        let prev: Vec<u32> = net.last_spikes().to_vec();
        let learning = net.learning();
        if net.refractory().iter().any(|&r| r > 0) && lif.is_some() {
            self.hit("refractory neuron skipped", 1);
        }
        let bad = events.iter().filter(|&&e| e as usize >= inputs).count();
        self.hit("address out of range", bad as u64);

        // step 1 for the traces
        if s.enabled {
            if s.pre_decay_shift > 0 {
                x.iter_mut().for_each(|v| *v = decay(*v, s.pre_decay_shift));
            }
            if s.post_decay_shift > 0 {
                y.iter_mut()
                    .for_each(|v| *v = decay(*v, s.post_decay_shift));
            }
        }
        // step 2: accumulate (saturating), depress (clamped), count both
        let depress = s.enabled && learning;
        let ltd: Vec<i64> = y
            .iter()
            .map(|&v| {
                let d = asr(v, s.ltd_shift);
                if s.rule == Rule::Symmetric { d } else { -d }
            })
            .collect();
        let depressing = depress && ltd.iter().any(|&d| d != 0);
        let (lo, hi) = crate::rules::acc_range(&cfg);
        let (w_min, w_max) = (cfg.synapse.w_min, cfg.synapse.w_max);
        let mut acc = vec![0i64; n];
        let mut ops: Vec<usize> = Vec::new(); // rows of the in-range and recurrent beats
        let rec = prev.iter().map(|&i| inputs + i as usize);
        let in_range = events.iter().map(|&e| e as usize).filter(|&j| j < inputs);
        for j in in_range.chain(
            if cfg.array.recurrent { Some(rec) } else { None }
                .into_iter()
                .flatten(),
        ) {
            ops.push(j);
            for i in 0..n {
                let sum = acc[i].saturating_add(w[j][i]);
                if sum > hi {
                    self.hit("acc saturates at max", 1);
                } else if sum < lo {
                    self.hit("acc saturates at min", 1);
                }
                acc[i] = clamp(sum, lo, hi);
            }
            if depressing {
                for i in 0..n {
                    w[j][i] = self.clamped(w[j][i] + ltd[i], w_min, w_max);
                }
            }
            if s.enabled {
                x[j] = sat_inc(x[j], s.pre_inc, s.trace_bits);
            }
        }
        self.forwarding(arch, events, inputs, &ops, depressing);

        let tick = net.tick();
        let (u0, v0) = (net.state(StateKind::U).to_vec(), net.v().to_vec());
        let taught = net.teach();
        let spikes = net.step_taught(events, teach).to_vec();
        if let Some(c) = cfg.cuba()
            && !taught
        {
            self.cuba(c, &u0, &v0, net.acc());
        }

        // step 4: potentiation of the spiking columns
        if s.enabled && learning && !spikes.is_empty() {
            for j in 0..rows {
                let d = asr(x[j], s.ltp_shift) - s.ltp_offset;
                if d != 0 {
                    for &i in &spikes {
                        let i = i as usize;
                        w[j][i] = self.clamped(w[j][i] + d, w_min, w_max);
                    }
                }
            }
        }
        if net.acc() != acc.as_slice() {
            return Err(format!(
                "coverage replay: acc {acc:?}, the model {:?}",
                net.acc()
            ));
        }
        if s.enabled && net.x() != x.as_slice() {
            return Err(format!("coverage replay: x {x:?}, the model {:?}", net.x()));
        }
        let scaled =
            learning && cfg.periodic_scaling() && (tick + 1).is_multiple_of(s.normalize_every);
        if scaled {
            self.zero_columns(&cfg, &w);
        } else {
            for (j, row) in w.iter().enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    if net.weight(j, i) as i64 != v {
                        return Err(format!(
                            "coverage replay: weight ({j}, {i}) {v}, the model {}",
                            net.weight(j, i)
                        ));
                    }
                }
            }
        }
        if net.theta().iter().any(|&t| t > 0) {
            self.hit("theta above 0", 1);
        }
        Ok(())
    }

    /// The `cuba` corners of step 3 (`rules::cuba_neuron`) from the state before the tick.
    fn cuba(&mut self, c: &crate::config::CubaConfig, u0: &[i64], v0: &[i64], acc: &[i64]) {
        use crate::rules::{CUBA_A_MAX, CUBA_V_MAX};
        const M: i64 = 1 << 23;
        for i in 0..acc.len() {
            let a = if c.weight_exp >= 0 {
                acc[i] << c.weight_exp
            } else {
                asr(acc[i], (-c.weight_exp) as u32)
            };
            self.hit("cuba a_in clamped", (a.abs() > CUBA_A_MAX) as u64);
            let a = clamp(a, -CUBA_A_MAX, CUBA_A_MAX);
            let pre = crate::arith::div0(u0[i] * (4095 - c.du), 4096) + (a << 6);
            self.hit("cuba u wraps down", (pre > M) as u64);
            self.hit("cuba u wraps up", (pre <= -M) as u64);
            let u = crate::arith::wrap24_lava(pre);
            let v = crate::arith::div0(v0[i] * (4096 - c.dv), 4096) + u + c.bias(i);
            self.hit("cuba v saturates at max", (v > CUBA_V_MAX) as u64);
            self.hit("cuba v saturates at min", (v < -CUBA_V_MAX) as u64);
        }
    }

    fn clamped(&mut self, v: i64, lo: i64, hi: i64) -> i64 {
        if v < lo {
            self.hit("weight clamped at w_min", 1);
        } else if v > hi {
            self.hit("weight clamped at w_max", 1);
        }
        clamp(v, lo, hi)
    }

    /// Count the forwarding paths of one tick's event phase: `ops` are the rows of the in-range
    /// input beats then the recurrent ones, in issue order; `weights`: depression writes the
    /// weights back (else only the accumulator words are read-modify-written).
    fn forwarding(
        &mut self,
        a: &Arch,
        events: &[u32],
        inputs: usize,
        ops: &[usize],
        weights: bool,
    ) {
        if a.pair_mode {
            return;
        }
        let beats: Vec<bool> = events.iter().map(|&e| (e as usize) < inputs).collect();
        let in_range = beats.iter().filter(|b| **b).count();
        let starts = issue_starts(a, &beats, (ops.len() - in_range) as u64);
        debug_assert_eq!(starts.len(), ops.len());
        let depth = a.read_latency + 2;
        for k in 1..ops.len().min(starts.len()) {
            let d = starts[k] - starts[k - 1];
            if d <= depth {
                self.hit(&format!("fwd acc d={d}"), 1);
            }
            if weights && let Some(p) = (0..k).rev().find(|&p| ops[p] == ops[k]) {
                let d = starts[k] - starts[p];
                if d <= depth {
                    self.hit(&format!("fwd weight d={d} (depression on)"), 1);
                }
            }
        }
    }
}

/// The cycle in which each in-range beat, then each of `prev` recurrent beats, starts issuing
/// its `G` operations, counted from the first event cycle: the cycle model's event issuer
/// ([`crate::cycle::event_issue`]) without pair mode (forwarding distances of pair mode are not
/// counted).
fn issue_starts(a: &Arch, beats: &[bool], prev: u64) -> Vec<u64> {
    let plain = Arch {
        pair_mode: false,
        ..a.clone()
    };
    crate::cycle::event_issue(&plain, beats, prev, 0).starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn net(extra: &str) -> (Network, Arch) {
        let t = format!(
            "name = \"c\"\n[array]\ninputs = 4\nneurons = 2\nlanes = 2\n\
             [neuron]\nthreshold = 30\nacc_bits = 6\nrefractory = 1\ntheta_plus = 1\n\
             [synapse]\ninit = \"constant\"\ninit_value = 20\n{extra}"
        );
        let cfg = Config::from_toml_str(&t, Path::new(".")).unwrap();
        let arch = Arch::new(&cfg, 2);
        (Network::new(&cfg), arch)
    }

    #[test]
    fn back_to_back_events_of_one_group_forward_at_distance_one() {
        // G = 1: consecutive beats issue one cycle apart; a dropped beat between costs a cycle
        let (_, a) = net("");
        assert_eq!(
            issue_starts(&a, &[true, true, false, true], 0),
            vec![2, 3, 5]
        );
        let (mut n, a) = net("[stdp]\npost_inc = 200\n");
        let mut c = Coverage::new();
        // tick 0: both fire (20 + 20 saturates the 6-bit accumulator at 31 >= 30); tick 1 (y
        // > 0, depression on): row 2 twice back to back, then once more three beats later
        c.step(&mut n, &a, &[0, 1, 9]).unwrap();
        assert_eq!(c.count("acc saturates at max"), 2);
        assert_eq!(c.count("address out of range"), 1);
        assert_eq!(c.count("theta above 0"), 1);
        assert_eq!(c.count("fwd acc d=1"), 1);
        assert_eq!(c.count("fwd weight d=1 (depression on)"), 0);
        c.step(&mut n, &a, &[2, 2, 0, 1, 2]).unwrap();
        assert_eq!(c.count("refractory neuron skipped"), 1);
        assert_eq!(c.count("fwd acc d=1"), 5);
        assert_eq!(c.count("fwd weight d=1 (depression on)"), 1);
        assert_eq!(c.count("fwd weight d=3 (depression on)"), 1);
        assert!(c.table(&[]).contains("NEVER HIT"));
        assert!(c.missing(&["extra"]).contains(&"extra"));
    }

    #[test]
    fn clamps_and_a_signed_zero_column_are_counted() {
        let (mut n, a) = net("[stdp]\npre_inc = 255\nltp_shift = 0\n");
        let mut c = Coverage::new();
        // weights 20 + x (255) clamp at w_max = 255 after the spikes of tick 0
        c.step(&mut n, &a, &[0, 1]).unwrap();
        assert!(c.count("weight clamped at w_max") > 0);
        let t = "name = \"z\"\n[array]\ninputs = 2\nneurons = 1\n\
                 [synapse]\nweight_bits = 4\nsigned = true\ninit = \"constant\"\ninit_value = 0\n\
                 [stdp]\nnormalize_target = 10\n";
        let cfg = Config::from_toml_str(t, Path::new(".")).unwrap();
        let mut z = Network::new(&cfg);
        c.normalize(&z);
        assert_eq!(
            c.count("scaling, signed column sum 0"),
            0,
            "all-zero columns do not count"
        );
        z.set_weight(0, 0, 3).unwrap();
        z.set_weight(1, 0, -3).unwrap();
        c.normalize(&z);
        assert_eq!(c.count("scaling, signed column sum 0"), 1);
    }

    #[test]
    fn the_replay_is_checked_against_the_model() {
        // a run of a random-ish recurrent network: the replay never differs
        let (mut n, a) = net("[stdp]\npost_inc = 90\nltd_shift = 1\n");
        let mut c = Coverage::new();
        let mut r = crate::rng::SplitMix64::new(3);
        for _ in 0..200 {
            let ev: Vec<u32> = (0..r.below(6)).map(|_| r.below(5) as u32).collect();
            c.step(&mut n, &a, &ev).unwrap();
        }
        assert!(c.count("weight clamped at w_min") > 0, "{}", c.table(&[]));
    }
}
