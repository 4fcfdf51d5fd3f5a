//! The cycle model (docs/model.md, "The cycle model"): how many clock cycles the generated array
//! takes for a tick, and when each output beat is presented, given the tick's activity and no
//! backpressure.
//!
//! Key decision: the hardware is a sequence of phases with fixed rules (docs/model.md, "The
//! cycle model"; `ARCHITECTURE.md`, "One tick"), so the model is a closed-form sum over phases
//! plus a short walk over the input beats and the output scanner; it never simulates the
//! datapath. Every constant the RTL's timing depends on is a field of [`Arch`], which the
//! generator also uses to size the hardware, and which `manifest.json` lists.
//!
//! Cycle 0 of a tick is the first cycle the array is idle with `in_valid` high; the tick's count
//! ends with the cycle in which the output end-of-tick beat is accepted. The driver presents each
//! input beat in the cycle after the previous one was accepted, and `out_ready` is always high.

use crate::arith::bits_unsigned;
use crate::config::{ChainOutput, Config};
use serde::Serialize;

/// Everything the tick timing depends on: sizes of the array and latencies of its pipelines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arch {
    /// External inputs.
    pub inputs: u64,
    /// Presynaptic rows (inputs, plus neurons when recurrent).
    pub rows: u64,
    /// Neurons.
    pub neurons: u64,
    /// Lanes (synaptic operations per cycle in the event phase).
    pub lanes: u64,
    /// Neuron groups G = neurons / lanes: cycles per event; lane l handles neurons g*L + l.
    pub groups: u64,
    /// Clock cycles from presenting a memory read address to having the data (1 behavioural
    /// block RAM, 2 with the output register).
    pub read_latency: u64,
    /// Register stages between the sequencer and the lanes (every broadcast operation is
    /// registered at the lane boundary).
    pub bcast_stages: u64,
    /// Register stages of the event datapath after the read data (accumulate and depress).
    pub event_stages: u64,
    /// Register stages of the neuron update after the read data.
    pub neuron_stages: u64,
    /// Register stages between the output scanner and the output port (a skid buffer): every
    /// output beat is presented this many cycles after the scanner makes it.
    pub out_stages: u64,
    /// Register stages of the largest per-lane spike count, a maximum over the lanes taken at
    /// the end of the neuron phase: one 2:1 level per stage (1 up to 2 lanes, 2 up to 4, 4 up
    /// to 16, ...).
    pub reduce_stages: u64,
    /// Register stages of the scaling multiply after the read data.
    pub scale_stages: u64,
    /// Presynaptic traces x packed in one memory word.
    pub x_per_word: u64,
    /// Words of the x memory.
    pub x_words: u64,
    /// Cycles of the decay sweep (0 when nothing decays).
    pub decay_sweep: u64,
    /// Cycles of the reset / clear sweep.
    pub clear_sweep: u64,
    /// Quotient bits of the scaling divider.
    pub div_bits: u64,
    /// Whether the network has STDP (x, y and learning hardware).
    pub stdp: bool,
    /// Recurrent rows.
    pub recurrent: bool,
    /// Weights in single-port memory, two per word (iCE40 UP5K SPRAM): events start on even
    /// cycles of the tick, and potentiation and the scaling multiply take two cycles per weight.
    pub pair_mode: bool,
    /// Synaptic delays D (`synapse.max_delay`; 0: none, and the two fields below are 0):
    /// docs/model.md, "Synaptic delays in hardware".
    #[serde(skip_serializing_if = "is_zero")]
    pub max_delay: u64,
    /// Stages the accumulator ring adds to the event pipeline (with delays: the slot address
    /// comes from the delay read with the weight, registered, then the ring word is read:
    /// `read_latency + 1`).
    #[serde(skip_serializing_if = "is_zero")]
    pub ring_stages: u64,
    /// Stages the trace history adds to the potentiation pipeline (with delays: the history
    /// address from the delay, the history read, the step: `read_latency + 2`).
    #[serde(skip_serializing_if = "is_zero")]
    pub history_stages: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Arch {
    /// The architecture of `cfg` for memories of the given read latency (1 or 2).
    pub fn new(cfg: &Config, read_latency: u64) -> Arch {
        let lanes = cfg.array.lanes as u64;
        let neurons = cfg.array.neurons as u64;
        let rows = cfg.rows() as u64;
        let groups = neurons / lanes;
        let stdp = cfg.stdp.enabled;
        // x traces per word: the largest power of two <= lanes, so the decay sweep keeps pace
        // with the neuron-state sweep.
        let x_per_word = if stdp {
            1u64 << (63 - lanes.leading_zeros())
        } else {
            1
        };
        let x_words = if stdp { rows.div_ceil(x_per_word) } else { 0 };
        let theta_decays = cfg
            .lif()
            .is_some_and(|l| l.theta_plus > 0 && l.theta_decay_shift > 0);
        let y_decays = stdp && cfg.stdp.post_decay_shift > 0;
        // with delays the sweep also copies slot t-1 of the trace history to slot t, decaying
        // or not
        let x_decays = stdp && (cfg.stdp.pre_decay_shift > 0 || cfg.max_delay() > 0);
        let decay_sweep = if theta_decays || y_decays { groups } else { 0 }.max(if x_decays {
            x_words
        } else {
            0
        });
        let div_bits = bits_unsigned(cfg.stdp.normalize_target.max(1) as u64) as u64 + 16;
        let max_delay = cfg.max_delay() as u64;
        let delays = max_delay > 0;
        Arch {
            inputs: cfg.array.inputs as u64,
            rows,
            neurons,
            lanes,
            groups,
            read_latency,
            bcast_stages: cfg.array.bcast_stages as u64,
            event_stages: 2,
            neuron_stages: 4,
            reduce_stages: reduce_stages(lanes),
            out_stages: 1,
            scale_stages: 2,
            x_per_word,
            x_words,
            decay_sweep,
            // with delays the sweep zeroes every slot of the ring and of the trace history
            clear_sweep: groups.max(x_words) * max_delay.max(1),
            div_bits,
            stdp,
            recurrent: cfg.array.recurrent,
            pair_mode: false,
            max_delay,
            ring_stages: if delays { read_latency + 1 } else { 0 },
            history_stages: if delays && stdp { read_latency + 2 } else { 0 },
        }
    }

    /// Synaptic operations per cycle at steady state in the event phase.
    pub fn sop_per_cycle(&self) -> u64 {
        self.lanes
    }

    /// Cycles of the decay phase (0 when nothing decays).
    pub fn decay_cycles(&self) -> u64 {
        if self.decay_sweep == 0 {
            0
        } else {
            self.decay_sweep + self.read_latency + 1 + self.bcast_stages
        }
    }

    /// Cycles of the neuron phase: the groups, the pipeline, one cycle for the lanes' spike
    /// counts to take the last group's spikes, and the stages of their maximum over the lanes
    /// (the decision to potentiate and the potentiation's length read that maximum from a
    /// register; no path crosses all lanes in one cycle).
    pub fn neuron_cycles(&self) -> u64 {
        self.groups
            + self.read_latency
            + self.neuron_stages
            + self.bcast_stages
            + 1
            + self.reduce_stages
    }

    /// Cycles of the potentiation phase when `max_per_lane` is the largest number of spiking
    /// neurons in one lane (0 = no potentiation phase).
    pub fn ltp_cycles(&self, max_per_lane: u64) -> u64 {
        match (max_per_lane, self.pair_mode) {
            (0, _) => 0,
            (m, false) => {
                self.rows * m + 2 * self.read_latency + 2 + self.bcast_stages + self.history_stages
            }
            (m, true) => 2 * self.rows * m + 2 * self.read_latency + self.bcast_stages,
        }
    }

    /// Cycles of the scaling multiply sweep over one group's rows.
    fn scale_mul_cycles(&self) -> u64 {
        if self.pair_mode {
            2 * self.rows + self.read_latency + self.scale_stages + self.bcast_stages
        } else {
            self.rows + self.read_latency + self.scale_stages + self.bcast_stages
        }
    }

    /// Cycles of one synaptic-scaling pass (the periodic step 5 or the host's *normalize*).
    pub fn scale_cycles(&self) -> u64 {
        let rl = self.read_latency;
        // sums (the reads, then the last word's way through the lane), the divider over the
        // lanes, the multiply sweep
        let per_group = (self.rows + rl + self.bcast_stages)
            + (self.lanes * (self.div_bits + 1) + 1)
            + self.scale_mul_cycles();
        self.groups * per_group
    }

    /// Cycles of the reset or clear sweep.
    pub fn clear_cycles(&self) -> u64 {
        self.clear_sweep + self.read_latency + 1 + self.bcast_stages
    }
}

/// What happened in a tick, as far as timing is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickActivity {
    /// For each input beat before the end-of-tick beat: true when its address is in range.
    pub beats_in_range: Vec<bool>,
    /// Spikes of the previous tick (recurrent events of this tick).
    pub prev_spikes: u64,
    /// This tick's spiking neurons, ascending.
    pub spikes: Vec<u32>,
    /// Whether the potentiation phase runs (STDP on, learning enabled, some spike).
    pub ltp: bool,
    /// Whether periodic synaptic scaling runs at the end of this tick.
    pub scale: bool,
    /// Teacher beats of this tick before the teacher's end-of-tick beat, in range or not (the
    /// teacher stream of a layer with teach hardware; docs/model.md, "The teacher stream").
    pub teach_beats: u64,
}

/// The predicted timing of one tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TickTiming {
    /// Cycles from cycle 0 to the accepted end-of-tick beat, inclusive.
    pub cycles: u64,
    /// Cycle in which each spike beat is presented (and, with `out_ready` high, accepted).
    pub out_beats: Vec<u64>,
    /// Cycle of the end-of-tick beat.
    pub eot: u64,
    /// First cycle of the event phase (the first input beat is accepted then).
    pub events_start: u64,
    /// Cycles during which the event pipeline issued operations.
    pub event_issue_cycles: u64,
}

/// The event phase from its first cycle `e0`: returns the first cycle with nothing left to issue
/// (all beats accepted, slot A empty, the issue counter idle) and the cycles that issued.
///
/// Rules (the RTL's `top` module): an input beat is accepted when the end-of-tick beat has not
/// been, and slot A is empty or moving on this cycle; A moves when its beat is out of range
/// (dropped) or when the issue counter is in its last cycle or idle; a moving in-range beat
/// makes the counter issue G cycles from the next cycle. After the end-of-tick beat, the previous
/// tick's spikes enter A the same way, each `read_latency` cycles after the previous one at the
/// earliest (the spike list's read latency).
fn event_phase(a: &Arch, act: &TickActivity, arrivals: &[u64], e0: u64) -> (u64, u64) {
    let prev = if a.recurrent { act.prev_spikes } else { 0 };
    let w = event_issue_at(a, &act.beats_in_range, arrivals, prev, e0);
    (w.end, w.issued)
}

/// The event issuer walked from cycle `e0`: see [`event_phase`] for its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventIssue {
    /// The first cycle with nothing left to issue.
    pub end: u64,
    /// Cycles that issued (G per in-range or recurrent beat).
    pub issued: u64,
    /// The cycle in which each in-range beat, then each recurrent beat, issues its first of
    /// `G` operations.
    pub starts: Vec<u64>,
}

/// Walk the event issuer over `beats` (in range?, in arrival order, then the end-of-tick beat)
/// and `prev` recurrent beats from cycle `e0`, without input gaps: the event phase of
/// [`tick_timing`], and the issue cycles the coverage counter measures forwarding distances by.
pub fn event_issue(a: &Arch, beats: &[bool], prev: u64, e0: u64) -> EventIssue {
    event_issue_at(a, beats, &[], prev, e0)
}

/// [`event_issue`] with input beat `k` (the end-of-tick beat is `k = beats.len()`) offered from
/// cycle `arrivals[k]` on (a missing entry: from cycle 0), instead of all of them at once.
pub fn event_issue_at(
    a: &Arch,
    beats: &[bool],
    arrivals: &[u64],
    prev: u64,
    e0: u64,
) -> EventIssue {
    let arrival = |k: usize| arrivals.get(k).copied().unwrap_or(0);
    let g = a.groups;
    let rl = a.read_latency;
    let mut t = e0;
    let mut next = 0usize; // next input beat; beats.len() = the end-of-tick beat
    let mut eot_seen = false;
    let mut slot: Option<bool> = None; // Some(in range)
    let mut iss_left = 0u64;
    let mut rec_k = 0u64;
    let mut rec_wait = rl;
    let mut issued = 0u64;
    let mut starts = Vec::new();
    loop {
        if eot_seen && rec_k == prev && slot.is_none() && iss_left == 0 {
            return EventIssue {
                end: t,
                issued,
                starts,
            };
        }
        // in pair mode an event starts issuing only on an even cycle of the tick
        let a_move = match slot {
            Some(ok) => !ok || (iss_left <= 1 && (!a.pair_mode || t % 2 == 1)),
            None => false,
        };
        let a_free = slot.is_none() || a_move;
        let mut new_slot = if a_move { None } else { slot };
        let mut new_wait = rec_wait.saturating_sub(1);
        if !eot_seen && a_free && arrival(next) <= t {
            if next == beats.len() {
                eot_seen = true;
            } else {
                new_slot = Some(beats[next]);
            }
            next += 1;
        } else if eot_seen && rec_k < prev && a_free && rec_wait == 0 {
            new_slot = Some(true);
            rec_k += 1;
            new_wait = rl;
        }
        if a_move && slot == Some(true) {
            iss_left = g;
            issued += g;
            starts.push(t + 1);
        } else {
            iss_left = iss_left.saturating_sub(1);
        }
        slot = new_slot;
        rec_wait = new_wait;
        t += 1;
    }
}

/// The timing of one tick.
pub fn tick_timing(a: &Arch, act: &TickActivity) -> TickTiming {
    tick_timing_at(a, act, &[])
}

/// [`tick_timing`] with input beat `k` (the end-of-tick beat last) offered from cycle
/// `arrivals[k]` of the tick on (a missing entry: from cycle 0); cycle 0 is still the first
/// cycle a beat is offered, so `arrivals[0]` is 0.
pub fn tick_timing_at(a: &Arch, act: &TickActivity, arrivals: &[u64]) -> TickTiming {
    let rl = a.read_latency;
    // Cycle 0: idle, sees in_valid. Decay (if any), then events.
    let e0 = 1 + a.decay_cycles();
    // Event phase: a cycle-level walk of the two-stage issuer (slot A, issue counter B).
    let (f, issued) = event_phase(a, act, arrivals, e0);
    // the teacher stream: one beat per cycle from e0 (slot T, then its end-of-tick beat); the
    // event phase also waits until the teacher's end-of-tick beat was taken and slot T is empty
    let f = f.max(e0 + act.teach_beats + 1);
    // after the event pipeline (and with delays the accumulator ring's stages) drained
    let n0 = f + rl + a.event_stages + a.bcast_stages + a.ring_stages;
    let o0 = n0 + a.neuron_cycles(); // neuron phase done: output scanner and LTP start

    // Potentiation: rows x the largest per-lane spike count.
    let mut per_lane = vec![0u64; a.lanes as usize];
    for &i in &act.spikes {
        per_lane[(i as u64 % a.lanes) as usize] += 1;
    }
    let maxc = per_lane.iter().copied().max().unwrap_or(0);
    let ltp = if act.ltp { a.ltp_cycles(maxc) } else { 0 };
    let scale = if act.scale { a.scale_cycles() } else { 0 };
    let z = o0 + ltp + scale; // first cycle of FINISH

    // Output scanner: one word per group that has spikes, in ascending group order.
    let mut words: Vec<(u64, u64)> = Vec::new(); // (group, popcount)
    for &i in &act.spikes {
        let grp = i as u64 / a.lanes;
        match words.last_mut() {
            Some((gg, n)) if *gg == grp => *n += 1,
            _ => words.push((grp, 1)),
        }
    }
    let mut out_beats = Vec::with_capacity(act.spikes.len());
    let mut fetch = o0;
    for &(_, pc) in &words {
        for b in 0..pc {
            out_beats.push(fetch + rl + 1 + b + a.out_stages);
        }
        fetch += rl + 1 + pc;
    }
    let scan_done = fetch;
    let eot = z.max(scan_done) + a.out_stages;
    TickTiming {
        cycles: eot + 1,
        out_beats,
        eot,
        events_start: e0,
        event_issue_cycles: issued,
    }
}

/// Cycles from a beat's push into a link of a chain of layers to the first cycle the next layer
/// can take it (when the link's output queue is free: otherwise the cycle after the beat before
/// it was taken, which the next layer's one-beat-per-cycle input allows anyway): the write, the
/// fetch, and the memory's two read stages (its output is registered like every memory of the
/// arrays, so no path starts at a block RAM's clock-to-out).
pub const LINK_LATENCY: u64 = 4;

/// Cycles from a layer's end-of-tick beat entering its link to the first cycle the chip's
/// end-of-tick beat may leave (the link then offers the layer's beats at the next tick's start).
pub const LINK_FIN: u64 = 2;

/// Cycles from a chain's tick start (its cycle 0: every layer idle, `in_valid` high, no host
/// transaction) to the cycle its layers see the tick (layer 0's cycle 0; with `layer_delay = 1`
/// every layer's): the chain top registers its start, so no layer's idle state reaches another
/// layer within one cycle.
pub const CHIP_START: u64 = 1;

/// The predicted timing of one chip tick of a chain of layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainTiming {
    /// Cycles from the chip's cycle 0 to its accepted end-of-tick beat, inclusive.
    pub cycles: u64,
    /// Chip cycle in which each layer starts its tick (its cycle 0).
    pub starts: Vec<u64>,
    /// Each layer's tick, in the layer's own cycles (add `starts[k]` for chip cycles).
    pub layers: Vec<TickTiming>,
    /// With `[network] output = "all"`: the chip's output spike beats in stream order, each as
    /// (layer, chip cycle); layer k's beats carry its spikes in order. Empty otherwise (the
    /// stream is the last layer's, [`ChainTiming::out_beats`]).
    pub tagged: Vec<(usize, u64)>,
}

impl ChainTiming {
    /// Chip cycles of layer `k`'s output beats.
    pub fn out_beats(&self, k: usize) -> Vec<u64> {
        let s = self.starts[k];
        self.layers[k].out_beats.iter().map(|b| b + s).collect()
    }

    /// Chip cycle of layer `k`'s end-of-tick beat leaving the layer (for the last layer: the
    /// cycle it is first offered; the chip's end-of-tick beat is `cycles - 1`).
    pub fn eot(&self, k: usize) -> u64 {
        self.starts[k] + self.layers[k].eot
    }
}

/// The timing of one chip tick of a chain of layers (`hdl::array::chain`), given every layer's
/// activity in the tick, with no backpressure on the chip's output.
///
/// Rules (the chain top): the chip's cycle 0 is its tick start; layer 0's cycle 0 is
/// [`CHIP_START`] cycles later. Layer k's
/// output beats enter its link in the cycles the one-layer model gives and never wait (the link
/// has room for every beat of a tick). With `layer_delay = 0`, beat i of layer k+1's input is
/// offered from [`LINK_LATENCY`] cycles after layer k pushed it, and layer k+1's cycle 0 is the
/// first such cycle; with `layer_delay = 1` its input (the previous tick's) waits in the link
/// and every layer starts at chip cycle [`CHIP_START`] (one layer: its own array, every
/// layer's cycle 0 its tick start). The chip's end-of-tick beat is the last layer's, held
/// until every other layer's end-of-tick beat entered its link [`LINK_FIN`] cycles before.
pub fn chain_timing(archs: &[Arch], acts: &[TickActivity], layer_delay: u32) -> ChainTiming {
    chain_timing_out(archs, acts, layer_delay, ChainOutput::Last)
}

/// [`chain_timing`] with the chip's output stream `output`. With [`ChainOutput::All`] each
/// layer's output beats also enter the layer's tap (a FIFO like a link: a beat pushed in cycle
/// p is offered from p + [`LINK_LATENCY`], or the cycle after the tap's beat before it was
/// taken), and every cycle the output takes the offered spike of the lowest layer; the chip's
/// end-of-tick beat is presented in the first cycle every tap offers its layer's end-of-tick
/// beat (then every link's layer has pushed its own more than [`LINK_FIN`] cycles before).
pub fn chain_timing_out(
    archs: &[Arch],
    acts: &[TickActivity],
    layer_delay: u32,
    output: ChainOutput,
) -> ChainTiming {
    assert_eq!(archs.len(), acts.len(), "one activity per layer");
    let nl = archs.len();
    let mut starts = Vec::with_capacity(nl);
    let mut layers: Vec<TickTiming> = Vec::with_capacity(nl);
    // one layer is its own array, without a chain top
    let s0 = if nl == 1 { 0 } else { CHIP_START };
    for k in 0..nl {
        let (start, arrivals) = if k == 0 || layer_delay == 1 {
            (s0, Vec::new())
        } else {
            let up = &layers[k - 1];
            let s_up = starts[k - 1];
            let push: Vec<u64> = up
                .out_beats
                .iter()
                .chain(std::iter::once(&up.eot))
                .map(|p| s_up + p + LINK_LATENCY)
                .collect();
            let s = push[0];
            (s, push.into_iter().map(|p| p - s).collect())
        };
        layers.push(tick_timing_at(&archs[k], &acts[k], &arrivals));
        starts.push(start);
    }
    let last = nl - 1;
    if output == ChainOutput::All && nl > 1 {
        let (tagged, eot) = merge_taps(&starts, &layers);
        return ChainTiming {
            cycles: eot + 1,
            starts,
            layers,
            tagged,
        };
    }
    let mut eot = starts[last] + layers[last].eot;
    for k in 0..last {
        eot = eot.max(starts[k] + layers[k].eot + LINK_FIN);
    }
    ChainTiming {
        cycles: eot + 1,
        starts,
        layers,
        tagged: Vec::new(),
    }
}

/// The output stream of `output = "all"` (see [`chain_timing_out`]): the (layer, cycle) of
/// every spike beat in stream order, and the cycle of the end-of-tick beat.
fn merge_taps(starts: &[u64], layers: &[TickTiming]) -> (Vec<(usize, u64)>, u64) {
    let nl = layers.len();
    let push = |k: usize, i: usize| starts[k] + layers[k].out_beats[i];
    let mut next = vec![0usize; nl];
    // the cycle after each tap's last taken beat (0: none taken yet)
    let mut after = vec![0u64; nl];
    let offer = |k: usize, p: u64, after: &[u64]| (p + LINK_LATENCY).max(after[k]);
    let total: usize = layers.iter().map(|l| l.out_beats.len()).sum();
    let mut tagged = Vec::with_capacity(total);
    let mut c = 0u64;
    while tagged.len() < total {
        let offers: Vec<Option<u64>> = (0..nl)
            .map(|k| {
                (next[k] < layers[k].out_beats.len()).then(|| offer(k, push(k, next[k]), &after))
            })
            .collect();
        c = c.max(offers.iter().flatten().copied().min().unwrap());
        let k = (0..nl)
            .find(|&k| offers[k].is_some_and(|o| o <= c))
            .unwrap();
        tagged.push((k, c));
        next[k] += 1;
        after[k] = c + 1;
        c += 1;
    }
    let eot = (0..nl)
        .map(|k| offer(k, starts[k] + layers[k].eot, &after))
        .fold(c, u64::max);
    (tagged, eot)
}

/// The whole chip's cycles for one tick of a network of layers: `archs[k]` and `acts[k]` are
/// layer k's architecture and activity in that tick (from [`crate::run::step_chain`]):
/// [`chain_timing`]`.cycles`, the exact model of the generated chain (for one layer, exactly
/// that layer's [`tick_timing`] cycles), with the chip's output stream `output`.
pub fn chain_cycles(
    archs: &[Arch],
    acts: &[TickActivity],
    layer_delay: u32,
    output: ChainOutput,
) -> u64 {
    chain_timing_out(archs, acts, layer_delay, output).cycles
}

/// Register stages of a maximum over `lanes` values taken two at a time (at least one).
fn reduce_stages(lanes: u64) -> u64 {
    (64 - (lanes.max(2) - 1).leading_zeros()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn arch(toml: &str) -> Arch {
        Arch::new(&Config::from_toml_str(toml, Path::new(".")).unwrap(), 2)
    }

    #[test]
    fn event_phase_takes_groups_per_event_and_one_cycle_per_dropped_beat() {
        let a = arch("[array]\ninputs = 8\nneurons = 8\nlanes = 2\n[stdp]\nenabled = false\n");
        assert_eq!(a.groups, 4);
        assert_eq!(a.decay_sweep, 0);
        let quiet = tick_timing(&a, &TickActivity::default());
        let two = tick_timing(
            &a,
            &TickActivity {
                beats_in_range: vec![true, true],
                ..Default::default()
            },
        );
        let dropped = tick_timing(
            &a,
            &TickActivity {
                beats_in_range: vec![false],
                ..Default::default()
            },
        );
        // the second event waits in slot A while the first issues: back to back, after the
        // one-cycle slot of the first
        assert_eq!(two.cycles - quiet.cycles, 2 * 4 + 1);
        assert_eq!(two.event_issue_cycles, 8);
        assert_eq!(dropped.cycles - quiet.cycles, 1);
        // idle 1 + eot 1 + drain (RL + 2 stages + input register) + neuron (G + RL + 4 + input
        // register + the count cycle + 1 maximum stage for 2 lanes) + finish 1 + the output
        // stage 1, RL = 2
        assert_eq!(a.reduce_stages, 1);
        assert_eq!(quiet.cycles, 1 + 1 + 5 + (4 + 2 + 4 + 1 + 1 + 1) + 1 + 1);
    }

    #[test]
    fn the_all_layers_output_merges_the_taps_lowest_layer_first() {
        let t = |out_beats: Vec<u64>, eot: u64| TickTiming {
            cycles: eot + 1,
            out_beats,
            eot,
            events_start: 1,
            event_issue_cycles: 0,
        };
        // chip pushes: layer 0 at 11, 12, 13 (eot 15); layer 1 at 11, 12, 21 (eot 23). Offered
        // from push + 4: layer 0 takes 15, 16, 17 (it wins the ties); layer 1's first waits
        // until 18, its second is then offered the cycle after (19, not 16), its third at 25;
        // the end-of-tick beat when both taps offer theirs: layer 1's at 23 + 4
        assert_eq!(LINK_LATENCY, 4);
        let (tagged, eot) =
            merge_taps(&[1, 1], &[t(vec![10, 11, 12], 14), t(vec![10, 11, 20], 22)]);
        assert_eq!(
            tagged,
            [(0, 15), (0, 16), (0, 17), (1, 18), (1, 19), (1, 25)]
        );
        assert_eq!(eot, 27);
        // no spikes: the end-of-tick beat of the slower layer's tap
        let (tagged, eot) = merge_taps(&[1, 5], &[t(vec![], 9), t(vec![], 3)]);
        assert!(tagged.is_empty());
        assert_eq!(eot, 1 + 9 + LINK_LATENCY);
    }

    #[test]
    fn a_chain_of_one_layer_is_that_layer_and_delay_one_costs_the_slowest_plus_the_release() {
        let a = arch("[array]\ninputs = 8\nneurons = 8\nlanes = 2\n[stdp]\nenabled = false\n");
        let b = arch("[array]\ninputs = 8\nneurons = 4\nlanes = 1\n[stdp]\nenabled = false\n");
        let busy = TickActivity {
            beats_in_range: vec![true; 5],
            spikes: vec![1, 2, 7],
            ..Default::default()
        };
        let fed = TickActivity {
            beats_in_range: vec![true; 3],
            spikes: vec![0],
            ..Default::default()
        };
        let one = chain_timing(std::slice::from_ref(&a), std::slice::from_ref(&busy), 0);
        assert_eq!(one.cycles, tick_timing(&a, &busy).cycles);
        // delay 1: both start at 0; the first layer is the slower: its eot + LINK_FIN
        let d1 = chain_timing(&[a.clone(), b.clone()], &[busy.clone(), fed.clone()], 1);
        assert_eq!(d1.starts, [CHIP_START, CHIP_START]);
        let (ta, tb) = (tick_timing(&a, &busy), tick_timing(&b, &fed));
        assert!(ta.eot > tb.eot);
        assert_eq!(d1.cycles, CHIP_START + ta.eot + LINK_FIN + 1);
        // delay 0: the second layer starts LINK_LATENCY after the first's first beat and ends
        // after it
        let d0 = chain_timing(&[a, b], &[busy, fed], 0);
        assert_eq!(d0.starts[0], CHIP_START);
        assert_eq!(d0.starts[1], CHIP_START + ta.out_beats[0] + LINK_LATENCY);
        assert!(d0.cycles > ta.cycles + LINK_LATENCY);
        assert_eq!(d0.cycles, d0.eot(1) + 1);
    }

    #[test]
    fn the_event_phase_waits_for_the_teachers_end_of_tick_beat() {
        let a = arch("[array]\ninputs = 8\nneurons = 8\nlanes = 2\n[stdp]\nenabled = false\n");
        let with = |beats: Vec<bool>, teach_beats: u64| {
            tick_timing(
                &a,
                &TickActivity {
                    beats_in_range: beats,
                    teach_beats,
                    ..Default::default()
                },
            )
            .cycles
        };
        // a quiet tick: the teacher's beats are taken one per cycle from e0, so its end-of-tick
        // beat (e0 + T) and the last beat's slot (empty at e0 + T + 1) decide; one beat still
        // fits beside the input's end-of-tick beat's cycle
        assert_eq!(with(vec![], 0), with(vec![], 1) - 1);
        assert_eq!(with(vec![], 3) - with(vec![], 0), 3);
        // two events issue for 9 cycles: three teacher beats fit beside them
        assert_eq!(with(vec![true, true], 3), with(vec![true, true], 0));
        assert_eq!(
            with(vec![true, true], 12) - with(vec![true, true], 0),
            12 + 2 - 11
        );
    }

    #[test]
    fn the_lane_maximum_takes_one_stage_per_halving() {
        let stages: Vec<u64> = [1, 2, 3, 4, 5, 8, 9, 16, 17, 64]
            .into_iter()
            .map(reduce_stages)
            .collect();
        assert_eq!(stages, [1, 1, 2, 2, 3, 3, 4, 4, 5, 6]);
    }

    #[test]
    fn output_beats_follow_the_scanner_words() {
        let a = arch("[array]\ninputs = 8\nneurons = 8\nlanes = 2\n[stdp]\nenabled = false\n");
        let t = tick_timing(
            &a,
            &TickActivity {
                spikes: vec![0, 1, 6],
                ..Default::default()
            },
        );
        // words: group 0 (2 spikes), group 3 (1 spike); each word costs RL + 1 + popcount
        let o0 = t.out_beats[0] - 3;
        assert_eq!(t.out_beats, vec![o0 + 3, o0 + 4, o0 + 8]);
        assert_eq!(t.eot, o0 + 9);
    }

    #[test]
    fn potentiation_costs_rows_times_busiest_lane() {
        let a = arch("[array]\ninputs = 10\nneurons = 8\nlanes = 2\n");
        assert_eq!(a.ltp_cycles(0), 0);
        assert_eq!(a.ltp_cycles(3), 10 * 3 + 7);
        let base = TickActivity {
            spikes: vec![0, 2, 4],
            ltp: true,
            ..Default::default()
        };
        let spread = TickActivity {
            spikes: vec![0, 1, 2],
            ltp: true,
            ..Default::default()
        };
        assert_eq!(
            tick_timing(&a, &base).cycles - tick_timing(&a, &spread).cycles,
            a.ltp_cycles(3) - a.ltp_cycles(2)
        );
    }
}
