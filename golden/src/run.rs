//! Running a whole stimulus through the model and collecting a [`SimResult`].

use crate::config::Config;
use crate::model::Network;
use crate::result::{FinalState, SimResult};
use crate::stimulus::Stimulus;

/// Run `stim` from the start state of `cfg`.
pub fn simulate(cfg: &Config, stim: &Stimulus) -> SimResult {
    let mut net = Network::new(cfg);
    let mut spikes = Vec::with_capacity(stim.ticks.len());
    for tick in &stim.ticks {
        spikes.push(net.step(tick).to_vec());
    }
    SimResult {
        spikes,
        final_state: FinalState::of(&net),
        dropped: net.dropped(),
        cycles: Vec::new(),
    }
}
