//! Running a whole stimulus through the model and collecting a [`SimResult`], with the cycle
//! model's prediction for every tick.

use crate::config::Config;
use crate::cycle::{Arch, TickActivity, tick_timing};
use crate::model::Network;
use crate::result::{FinalState, SimResult};
use crate::rules;
use crate::stimulus::Stimulus;

/// The timing-relevant activity of the tick `net` is about to run with `events`: call before
/// [`Network::step`]; complete `spikes` and `ltp` after it with [`finish_activity`].
pub fn begin_activity(net: &Network, events: &[u32]) -> TickActivity {
    let cfg = net.config();
    let inputs = cfg.array.inputs;
    TickActivity {
        beats_in_range: events.iter().map(|&e| e < inputs).collect(),
        prev_spikes: if cfg.array.recurrent {
            net.last_spikes().len() as u64
        } else {
            0
        },
        spikes: Vec::new(),
        ltp: false,
        scale: rules::scaling_due(cfg, net.learning(), net.tick()),
    }
}

/// Complete the activity with the tick's spikes.
pub fn finish_activity(net: &Network, act: &mut TickActivity) {
    act.spikes = net.last_spikes().to_vec();
    act.ltp = rules::potentiation_runs(net.config(), net.learning(), act.spikes.len());
}

/// Run `stim` from the start state of `cfg`; cycles are predicted for memories of read latency 1
/// (the portable, untargeted Verilog).
pub fn simulate(cfg: &Config, stim: &Stimulus) -> SimResult {
    simulate_with_latency(cfg, stim, 1)
}

/// Run `stim`, predicting cycles for the given memory read latency.
pub fn simulate_with_latency(cfg: &Config, stim: &Stimulus, read_latency: u64) -> SimResult {
    simulate_with_arch(cfg, stim, &Arch::new(cfg, read_latency))
}

/// Run `stim`, predicting cycles for the hardware `arch` describes (the generator's
/// `Layout::arch` of a target: its read latency, pair mode and stage counts).
pub fn simulate_with_arch(cfg: &Config, stim: &Stimulus, arch: &Arch) -> SimResult {
    let mut net = Network::new(cfg);
    let mut spikes = Vec::with_capacity(stim.ticks.len());
    let mut cycles = Vec::with_capacity(stim.ticks.len());
    for tick in &stim.ticks {
        let mut act = begin_activity(&net, tick);
        spikes.push(net.step(tick).to_vec());
        finish_activity(&net, &mut act);
        cycles.push(tick_timing(arch, &act).cycles);
    }
    SimResult {
        spikes,
        final_state: FinalState::of(&net),
        dropped: net.dropped(),
        cycles,
    }
}
