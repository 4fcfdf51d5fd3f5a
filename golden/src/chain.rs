//! A network of layers (docs/model.md, "Networks of layers"): one [`Network`] per layer, chained.
//!
//! Key decisions:
//! - **Each layer is an ordinary one-layer [`Network`]** built from [`Config::layer_configs`], so
//!   every rule of a layer (its tick, host commands, state access) is the one-layer model's; the
//!   chain only decides which events each layer gets.
//! - Within a tick the layers are stepped first to last. Layer 0 gets the external events (an
//!   address `>= inputs` is dropped and counted by layer 0, as in a one-layer network). Layer
//!   k > 0 gets layer k-1's spikes, in increasing neuron order: with `layer_delay = 0` those of
//!   this tick, with `layer_delay = 1` those of the previous tick (none in tick 0).
//! - **The delayed spikes are layer k-1's "previous tick's spikes"** ([`Network::last_spikes`]
//!   before the tick runs), the same state its own recurrent rows read: there is no separate
//!   buffer, so a host *clear* or *reset* of layer k-1 also drops the spikes layer k would have
//!   received in the next tick (as it drops layer k-1's own recurrent events).
//! - Host commands ([`HostCommand`]: clear, normalize, reset, learning enable) apply to every
//!   layer with [`Chain::host_all`], or to one layer with [`Chain::host`]; state and weight
//!   access and host writes go through [`Chain::layer`] / [`Chain::layer_mut`].
//! - **The teacher** ([`Chain::step_taught`]): a tick's teacher list goes to the layer
//!   `[network] teacher_layer` names (default the last); the other layers get none. Whether it
//!   forces anything is that layer's teach-mode register ([`HostCommand::Teach`]).

use crate::config::Config;
use crate::model::{HostCommand, Network};

/// A chain of layers and the events each received in the last tick.
#[derive(Debug, Clone)]
pub struct Chain {
    layers: Vec<Network>,
    layer_delay: u32,
    teacher_layer: usize,
    /// The events each layer received in the tick just run (layer 0: the external events as
    /// given, out-of-range addresses included).
    inputs: Vec<Vec<u32>>,
}

impl Chain {
    /// Every layer of `cfg` in its start state (a one-layer config gives a chain of one).
    pub fn new(cfg: &Config) -> Chain {
        let mut chain = Chain::of_layers(&cfg.layer_configs(), cfg.network.layer_delay);
        chain.teacher_layer = cfg.teacher_layer();
        chain
    }

    /// The chain of the one-layer configs `layers` (layer k+1's inputs being layer k's neurons,
    /// as [`Config::layer_configs`] gives them), each in its start state; the teacher layer is the
    /// last.
    pub fn of_layers(layers: &[Config], layer_delay: u32) -> Chain {
        let layers: Vec<Network> = layers.iter().map(Network::new).collect();
        let inputs = layers
            .iter()
            .map(|n| Vec::with_capacity(n.config().array.inputs as usize))
            .collect();
        Chain {
            teacher_layer: layers.len() - 1,
            layers,
            layer_delay,
            inputs,
        }
    }

    /// Send the teacher lists to layer `k` instead (`[network] teacher_layer`).
    ///
    /// # Panics
    /// When `k` is not a layer.
    pub fn set_teacher_layer(&mut self, k: usize) {
        assert!(k < self.layers.len(), "teacher layer {k} is not a layer");
        self.teacher_layer = k;
    }

    /// `network.layer_delay`: 0 or 1.
    pub fn layer_delay(&self) -> u32 {
        self.layer_delay
    }

    /// Number of layers (at least 1).
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Run one tick with the external events `events` (layer 0's input, as
    /// [`Network::step`] takes them). Returns the last layer's spikes of this tick, ascending.
    pub fn step(&mut self, events: &[u32]) -> &[u32] {
        self.step_taught(events, &[])
    }

    /// The layer the teacher lists go to (`[network] teacher_layer`, default the last).
    pub fn teacher_layer(&self) -> usize {
        self.teacher_layer
    }

    /// Run one tick with the external events and the teacher's list `teach` (neuron indices of
    /// the teacher layer; [`Network::step_taught`]). Returns the last layer's spikes.
    pub fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        let n = self.layers.len();
        let (layers, inputs) = (&mut self.layers, &mut self.inputs);
        inputs[0].clear();
        inputs[0].extend_from_slice(events);
        if self.layer_delay == 1 {
            // the previous tick's spikes, taken before any layer runs this tick
            for k in 1..n {
                inputs[k].clear();
                inputs[k].extend_from_slice(layers[k - 1].last_spikes());
            }
        }
        for k in 0..n {
            if self.layer_delay == 0 && k > 0 {
                inputs[k].clear();
                inputs[k].extend_from_slice(layers[k - 1].last_spikes());
            }
            let t = if k == self.teacher_layer { teach } else { &[] };
            layers[k].step_taught(&inputs[k], t);
        }
        layers[n - 1].last_spikes()
    }

    /// Layer `k` (panics when out of range).
    pub fn layer(&self, k: usize) -> &Network {
        &self.layers[k]
    }

    /// Layer `k`, for host writes and per-layer host commands (panics when out of range).
    pub fn layer_mut(&mut self, k: usize) -> &mut Network {
        &mut self.layers[k]
    }

    /// Every layer, first to last.
    pub fn layers(&self) -> &[Network] {
        &self.layers
    }

    /// The last layer (the chain's output).
    pub fn last(&self) -> &Network {
        &self.layers[self.layers.len() - 1]
    }

    /// Layer `k`'s spikes of the tick just run, ascending.
    pub fn spikes_of(&self, k: usize) -> &[u32] {
        self.layers[k].last_spikes()
    }

    /// The events layer `k` received in the tick just run: for layer 0 the external events as
    /// given, for a later layer the previous layer's spikes (of this tick with `layer_delay = 0`,
    /// of the tick before with `layer_delay = 1`). Empty before the first tick.
    pub fn layer_inputs(&self, k: usize) -> &[u32] {
        &self.inputs[k]
    }

    /// Ticks run since start or reset (every layer runs every tick; layer 0's count).
    pub fn tick(&self) -> u64 {
        self.layers[0].tick()
    }

    /// External events dropped since start or reset (layer 0's count; later layers' inputs are
    /// always in range).
    pub fn dropped(&self) -> u64 {
        self.layers[0].dropped()
    }

    /// A host command on every layer.
    pub fn host_all(&mut self, cmd: HostCommand) {
        for l in &mut self.layers {
            l.host(cmd);
        }
    }

    /// A host command on layer `k` only (panics when out of range).
    pub fn host(&mut self, k: usize, cmd: HostCommand) {
        self.layers[k].host(cmd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn chain(toml: &str) -> Chain {
        Chain::new(&Config::from_toml_str(toml, Path::new(".")).unwrap())
    }

    const ONE: &str = "[array]\ninputs = 3\nneurons = 2\n[synapse]\ninit = \"constant\"\n\
                       init_value = 200\n[neuron]\nthreshold = 100\nleak_shift = 0\n";

    #[test]
    fn a_one_layer_chain_is_the_network() {
        let cfg = Config::from_toml_str(ONE, Path::new(".")).unwrap();
        let mut c = Chain::new(&cfg);
        let mut n = Network::new(&cfg);
        for ev in [&[0u32, 7][..], &[], &[2, 2]] {
            assert_eq!(c.step(ev), n.step(ev));
            assert_eq!(c.layer_inputs(0), ev);
            assert_eq!(c.layer(0).v(), n.v());
        }
        assert_eq!(c.dropped(), 1);
        assert_eq!(c.tick(), 3);
    }

    #[test]
    fn host_all_reaches_every_layer_and_host_one_layer_only() {
        let mut c = chain(&format!(
            "{ONE}[[layer]]\nneurons = 2\n[layer.neuron]\nthreshold = 1000\nleak_shift = 0\n\
             [layer.synapse]\ninit = \"constant\"\ninit_value = 200\n"
        ));
        c.step(&[0]);
        // layer 0 fired both neurons; layer 1 integrated 2 x 200 below its threshold
        assert_eq!(c.spikes_of(0), &[0, 1]);
        assert_eq!(c.layer(1).v(), &[400, 400]);
        c.host(1, HostCommand::Learning(false));
        assert!(c.layer(0).learning() && !c.layer(1).learning());
        c.host(1, HostCommand::Clear);
        assert_eq!(c.layer(1).v(), &[0, 0]);
        c.step(&[0]);
        assert_eq!(c.layer(1).v(), &[400, 400]);
        c.host_all(HostCommand::Reset);
        assert!(c.layers().iter().all(|l| l.tick() == 0 && l.learning()));
        assert!(c.layers().iter().all(|l| l.v().iter().all(|&v| v == 0)));
    }

    const TAUGHT: &str = "[array]\ninputs = 3\nneurons = 3\nteach = true\n[synapse]\n\
                          init = \"constant\"\ninit_value = 50\n[neuron]\nthreshold = 100\n\
                          leak_shift = 0\nrefractory = 2\ntheta_plus = 5\n";

    #[test]
    fn teach_mode_spikes_are_the_teachers_and_drive_stdp_theta_and_refractory() {
        let cfg = Config::from_toml_str(TAUGHT, Path::new(".")).unwrap();
        let mut n = Network::new(&cfg);
        let mut r = crate::reference::ReferenceNetwork::new(&cfg);
        assert!(n.teach() && r.teach());
        // acc = 150 >= 100 for every neuron: each would fire on its own
        assert_eq!(n.step_taught(&[0, 1, 2], &[1, 7, 1]), &[1]);
        assert_eq!(r.step_taught(&[0, 1, 2], &[1, 7, 1]), &[1]);
        for (v, rf, th, x, y) in [
            (n.v(), n.refractory(), n.theta(), n.x(), n.y()),
            (r.v(), r.refractory(), r.theta(), r.x(), r.y()),
        ] {
            assert_eq!(v, &[0, 0, 0]);
            assert_eq!(rf, &[0, 2, 0]);
            assert_eq!(th, &[0, 5, 0]);
            assert_eq!(x, &[64, 64, 64]);
            assert_eq!(y, &[0, 64, 0]);
        }
        // the forced column potentiated by x >> ltp_shift = 64 >> 4 = 4, the others kept
        for j in 0..3 {
            assert_eq!(
                [n.weight(j, 0), n.weight(j, 1), n.weight(j, 2)],
                [50, 54, 50]
            );
        }
        assert_eq!(n.weights(), r.weights());
        assert_eq!((n.teach_dropped(), r.teach_dropped()), (1, 1));
        // teach mode off: the neurons fire on their own again, neuron 1 is refractory
        n.set_teach(false);
        r.set_teach(false);
        assert_eq!(n.step_taught(&[0, 1, 2], &[1]), &[0, 2]);
        assert_eq!(r.step_taught(&[0, 1, 2], &[1]), &[0, 2]);
        assert_eq!(n.refractory(), &[2, 1, 2]);
        // reset restores the config's teach mode and clears the teacher's drop count
        n.reset();
        assert!(n.teach() && n.teach_dropped() == 0);
        // control: the same tick without teach mode fires every neuron
        let mut free = Network::new(&cfg);
        free.host(HostCommand::Teach(false));
        assert_eq!(free.step_taught(&[0, 1, 2], &[1]), &[0, 1, 2]);
    }

    #[test]
    fn a_silent_tick_in_teach_mode_holds_v_at_zero_and_counts_refractory_down() {
        let cfg = Config::from_toml_str(TAUGHT, Path::new(".")).unwrap();
        let mut n = Network::new(&cfg);
        n.set_teach(false);
        n.step(&[0]); // v = 50 each, no spike
        assert_eq!(n.v(), &[50, 50, 50]);
        n.set_teach(true);
        assert_eq!(n.step_taught(&[0], &[2]), &[2]);
        assert_eq!(n.v(), &[0, 0, 0]);
        assert!(n.step(&[0, 1, 2]).is_empty());
        assert_eq!(n.refractory(), &[0, 0, 1]);
        assert_eq!(n.theta(), &[0, 0, 5]);
    }

    #[test]
    fn the_teacher_reaches_the_teacher_layer_only_and_its_spikes_feed_the_next() {
        let two = |extra: &str| {
            chain(&format!(
                "[network]\n{extra}\n{TAUGHT}[[layer]]\nneurons = 2\nteach = true\n\
                 [layer.synapse]\ninit = \"constant\"\ninit_value = 200\n\
                 [layer.neuron]\nthreshold = 100\nleak_shift = 0\n"
            ))
        };
        // default: the last layer; layer 0 is in teach mode too but gets no teacher: silent
        let mut c = two("");
        assert_eq!(c.teacher_layer(), 1);
        assert_eq!(c.step_taught(&[0, 1, 2], &[0]), &[0]);
        assert!(c.spikes_of(0).is_empty());
        // teacher_layer = 0: layer 0 fires the teacher's neurons, which drive layer 1
        let mut c = two("teacher_layer = 0");
        c.host(1, HostCommand::Teach(false));
        assert_eq!(c.teacher_layer(), 0);
        c.step_taught(&[], &[2]);
        assert_eq!(c.spikes_of(0), &[2]);
        assert_eq!(c.layer_inputs(1), &[2]);
        assert_eq!(c.spikes_of(1), &[0, 1]);
        let e = Config::from_toml_str(
            &format!("[network]\nteacher_layer = 2\n{TAUGHT}[[layer]]\nneurons = 2\n"),
            Path::new("."),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("network.teacher_layer"), "{e}");
    }
}
