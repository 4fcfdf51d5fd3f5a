//! A network of layers as the host of an experiment sees it ([`ChainChip`]): one tick at a
//! time, the host port's commands for every layer at once or for one layer, and per-layer
//! reads and writes of theta and weights. The golden [`Chain`] is one; a one-layer [`Chip`]
//! is one through [`OneLayer`]; the co-simulation's chain lockstep chip
//! (`cosim::driver::ChainLockstep`) is another, which runs the generated chain top tick by tick
//! against a golden [`Chain`] (`neurogen learn digits --rules supervised --hardware`).
//!
//! Key decision: a command names its layer (`Some(k)`) or goes to every layer (`None`, the
//! chain top's broadcast address), as the host port of a chain offers both (docs/model.md,
//! "Networks of layers").

use super::{Chip, Weights};
use crate::chain::Chain;
use crate::model::{HostCommand, StateKind};

/// A network of layers as the host of an experiment drives it.
pub trait ChainChip {
    /// Layers (at least 1).
    fn layer_count(&self) -> usize;
    /// Neurons of layer `k`.
    fn neurons(&self, k: usize) -> usize;
    /// Run one tick with these input events (ascending, to layer 0) and the teacher's list of
    /// the tick (to the teacher layer); the last layer's spikes of the tick.
    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32];
    /// The host's *clear* on layer `k`, or on every layer (`None`).
    fn clear(&mut self, layer: Option<usize>);
    /// The host's *normalize* on layer `k`, or on every layer (`None`).
    fn normalize(&mut self, layer: Option<usize>);
    /// The learning-enable register of layer `k`, or of every layer (`None`).
    fn set_learning(&mut self, layer: Option<usize>, on: bool);
    /// The teach-mode register of layer `k`, or of every layer (`None`).
    fn set_teach(&mut self, layer: Option<usize>, on: bool);
    /// Host read of every theta of layer `k`.
    fn theta(&mut self, k: usize) -> Vec<i64>;
    /// Host write of neuron `i`'s theta in layer `k` (a value read from the same layer).
    fn set_theta(&mut self, k: usize, i: usize, theta: i64);
    /// Host read of layer `k`'s weight matrix `W[input][neuron]`.
    fn weights(&mut self, k: usize) -> Weights;
    /// Host write of every weight of layer `k` (values within the layer's weight range).
    fn set_weights(&mut self, k: usize, w: &Weights);
}

/// The layers a command reaches.
fn reached(layer: Option<usize>, n: usize) -> std::ops::Range<usize> {
    match layer {
        Some(k) => k..k + 1,
        None => 0..n,
    }
}

impl ChainChip for Chain {
    fn layer_count(&self) -> usize {
        Chain::layer_count(self)
    }

    fn neurons(&self, k: usize) -> usize {
        self.layer(k).config().neurons()
    }

    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        Chain::step_taught(self, events, teach)
    }

    fn clear(&mut self, layer: Option<usize>) {
        for k in reached(layer, Chain::layer_count(self)) {
            self.host(k, HostCommand::Clear);
        }
    }

    fn normalize(&mut self, layer: Option<usize>) {
        for k in reached(layer, Chain::layer_count(self)) {
            self.host(k, HostCommand::Normalize);
        }
    }

    fn set_learning(&mut self, layer: Option<usize>, on: bool) {
        for k in reached(layer, Chain::layer_count(self)) {
            self.layer_mut(k).set_learning(on);
        }
    }

    fn set_teach(&mut self, layer: Option<usize>, on: bool) {
        for k in reached(layer, Chain::layer_count(self)) {
            self.layer_mut(k).set_teach(on);
        }
    }

    fn theta(&mut self, k: usize) -> Vec<i64> {
        self.layer(k).theta().to_vec()
    }

    fn set_theta(&mut self, k: usize, i: usize, theta: i64) {
        self.layer_mut(k)
            .set_state(StateKind::Theta, i, theta)
            .expect("theta read from the same layer is in range");
    }

    fn weights(&mut self, k: usize) -> Weights {
        self.layer(k).weights().clone()
    }

    fn set_weights(&mut self, k: usize, w: &Weights) {
        self.layer_mut(k)
            .set_weights(w)
            .expect("weights within the layer's range");
    }
}

/// A one-layer [`Chip`] as a chain of one layer (layer 0; a command for every layer is the
/// layer's command).
pub struct OneLayer<'c, C: Chip + ?Sized>(pub &'c mut C);

impl<C: Chip + ?Sized> OneLayer<'_, C> {
    fn only(layer: Option<usize>) {
        assert!(
            layer.is_none_or(|k| k == 0),
            "layer {layer:?} of a one-layer chip"
        );
    }
}

impl<C: Chip + ?Sized> ChainChip for OneLayer<'_, C> {
    fn layer_count(&self) -> usize {
        1
    }

    fn neurons(&self, k: usize) -> usize {
        Self::only(Some(k));
        self.0.neurons()
    }

    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        self.0.step_taught(events, teach)
    }

    fn clear(&mut self, layer: Option<usize>) {
        Self::only(layer);
        self.0.clear();
    }

    fn normalize(&mut self, layer: Option<usize>) {
        Self::only(layer);
        self.0.normalize();
    }

    fn set_learning(&mut self, layer: Option<usize>, on: bool) {
        Self::only(layer);
        self.0.set_learning(on);
    }

    fn set_teach(&mut self, layer: Option<usize>, on: bool) {
        Self::only(layer);
        self.0.set_teach(on);
    }

    fn theta(&mut self, k: usize) -> Vec<i64> {
        Self::only(Some(k));
        self.0.theta()
    }

    fn set_theta(&mut self, k: usize, i: usize, theta: i64) {
        Self::only(Some(k));
        self.0.set_theta(i, theta);
    }

    fn weights(&mut self, k: usize) -> Weights {
        Self::only(Some(k));
        self.0.weights()
    }

    fn set_weights(&mut self, k: usize, w: &Weights) {
        Self::only(Some(k));
        self.0.set_weights(w);
    }
}
