//! Running a whole stimulus through the model and collecting a [`SimResult`], with the cycle
//! model's prediction for every tick.
//!
//! A network of layers runs as a [`Chain`]; the result's top-level `spikes` and `final_state`
//! are the last layer's and `layers` lists every layer. The chip's cycles per tick come from
//! [`chain_cycles`] over the layers' [`TickActivity`] (for one layer: that layer's
//! [`crate::cycle::tick_timing`]).

use crate::chain::Chain;
use crate::config::Config;
use crate::cycle::{Arch, TickActivity, chain_cycles};
use crate::model::Network;
use crate::result::{FinalState, LayerResult, SimResult};
use crate::rules;
use crate::stimulus::Stimulus;

/// The timing-relevant activity of the tick `net` is about to run with `events`: call before
/// [`Network::step`]; complete `spikes` and `ltp` after it with [`finish_activity`].
pub fn begin_activity(net: &Network, events: &[u32]) -> TickActivity {
    let cfg = net.config();
    TickActivity {
        beats_in_range: beats_in_range(cfg, events),
        prev_spikes: if cfg.array.recurrent {
            net.last_spikes().len() as u64
        } else {
            0
        },
        spikes: Vec::new(),
        ltp: false,
        scale: rules::scaling_due(cfg, net.learning(), net.tick()),
        teach_beats: 0,
    }
}

/// For each event: whether its address is in range (`< inputs`) of the layer `cfg`.
fn beats_in_range(cfg: &Config, events: &[u32]) -> Vec<bool> {
    let inputs = cfg.array.inputs;
    events.iter().map(|&e| e < inputs).collect()
}

/// Complete the activity with the tick's spikes.
pub fn finish_activity(net: &Network, act: &mut TickActivity) {
    act.spikes = net.last_spikes().to_vec();
    act.ltp = rules::potentiation_runs(net.config(), net.learning(), act.spikes.len());
}

/// Run one tick of `chain` with the external `events` and return every layer's activity, first
/// to last (each layer's input beats are the events it received: [`Chain::layer_inputs`]).
pub fn step_chain(chain: &mut Chain, events: &[u32]) -> Vec<TickActivity> {
    step_chain_taught(chain, events, &[])
}

/// [`step_chain`] with the teacher's list of the tick ([`Chain::step_taught`]).
pub fn step_chain_taught(chain: &mut Chain, events: &[u32], teach: &[u32]) -> Vec<TickActivity> {
    // everything but the beats and the spikes is known before the tick
    let mut acts: Vec<TickActivity> = chain
        .layers()
        .iter()
        .map(|l| begin_activity(l, &[]))
        .collect();
    chain.step_taught(events, teach);
    let teacher = chain.teacher_layer();
    acts[teacher].teach_beats = teach.len() as u64;
    for (k, act) in acts.iter_mut().enumerate() {
        let layer = chain.layer(k);
        act.beats_in_range = beats_in_range(layer.config(), chain.layer_inputs(k));
        finish_activity(layer, act);
    }
    acts
}

/// Run `stim` from the start state of `cfg`; cycles are predicted for memories of read latency 1
/// (the portable, untargeted Verilog).
pub fn simulate(cfg: &Config, stim: &Stimulus) -> SimResult {
    simulate_with_latency(cfg, stim, 1)
}

/// Run `stim`, predicting cycles for the given memory read latency.
pub fn simulate_with_latency(cfg: &Config, stim: &Stimulus, read_latency: u64) -> SimResult {
    let archs: Vec<Arch> = cfg
        .layer_configs()
        .iter()
        .map(|l| Arch::new(l, read_latency))
        .collect();
    simulate_with_archs(cfg, stim, &archs)
}

/// Run `stim` on a one-layer network, predicting cycles for the hardware `arch` describes (the
/// generator's `Layout::arch` of a target: its read latency, pair mode and stage counts).
///
/// # Panics
/// When `cfg` has several layers (use [`simulate_with_archs`]).
pub fn simulate_with_arch(cfg: &Config, stim: &Stimulus, arch: &Arch) -> SimResult {
    assert_eq!(
        cfg.layer_count(),
        1,
        "simulate_with_arch takes a one-layer config; use simulate_with_archs"
    );
    simulate_with_archs(cfg, stim, std::slice::from_ref(arch))
}

/// Run `stim`, predicting cycles for the hardware of every layer (`archs[k]`: layer k's, one per
/// layer of [`Config::layer_configs`]).
///
/// # Panics
/// When `archs` does not have one entry per layer.
pub fn simulate_with_archs(cfg: &Config, stim: &Stimulus, archs: &[Arch]) -> SimResult {
    assert_eq!(archs.len(), cfg.layer_count(), "one Arch per layer");
    let mut chain = Chain::new(cfg);
    let n = chain.layer_count();
    let mut spikes: Vec<Vec<Vec<u32>>> = vec![Vec::with_capacity(stim.ticks.len()); n];
    let mut cycles = Vec::with_capacity(stim.ticks.len());
    for (t, tick) in stim.ticks.iter().enumerate() {
        let acts = step_chain_taught(&mut chain, tick, stim.teach_at(t));
        for (k, s) in spikes.iter_mut().enumerate() {
            s.push(chain.spikes_of(k).to_vec());
        }
        cycles.push(chain_cycles(
            archs,
            &acts,
            chain.layer_delay(),
            cfg.network.output,
        ));
    }
    let layers: Vec<LayerResult> = if n > 1 {
        spikes
            .iter()
            .zip(chain.layers())
            .map(|(s, l)| LayerResult {
                spikes: s.clone(),
                final_state: FinalState::of(l),
            })
            .collect()
    } else {
        Vec::new()
    };
    SimResult {
        spikes: spikes.pop().unwrap_or_default(),
        final_state: FinalState::of(chain.last()),
        dropped: chain.dropped(),
        cycles,
        layers,
    }
}
