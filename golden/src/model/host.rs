//! The host-visible side of the optimized model: the host commands (*clear*, *normalize*, the
//! `rst` input, the learning-enable register) and every state access and host write, as the
//! hardware's Wishbone port offers them.
//!
//! Key decision: the accessors keep the reference's types (`&[i64]`, `&Array2<i32>`); they are
//! built lazily from the narrow state on first access after a change (a `OnceLock` per view,
//! dropped by every mutation), so the tick loop never pays for them. Every check of a host write
//! is in [`crate::rules`], shared with the reference.

use super::weights::{Wt, with_mat};
use super::{AccStore, Network, StateKind};
use crate::error::Result;
use crate::rules;
use ndarray::Array2;
use std::sync::OnceLock;

/// A host command without arguments, as the hardware's register port offers them (docs/model.md,
/// "Host commands and reset"); a network of layers applies one to every layer or to one layer
/// ([`crate::chain::Chain::host_all`], [`crate::chain::Chain::host`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCommand {
    /// [`Network::clear`].
    Clear,
    /// [`Network::normalize`].
    Normalize,
    /// [`Network::reset`] (the `rst` input).
    Reset,
    /// [`Network::set_learning`].
    Learning(bool),
    /// [`Network::set_teach`].
    Teach(bool),
}

impl Network {
    /// Apply a host command.
    pub fn host(&mut self, cmd: HostCommand) {
        match cmd {
            HostCommand::Clear => self.clear(),
            HostCommand::Normalize => self.normalize(),
            HostCommand::Reset => self.reset(),
            HostCommand::Learning(on) => self.set_learning(on),
            HostCommand::Teach(on) => self.set_teach(on),
        }
    }

    /// The host's *clear*: v, refractory, acc, x, y, u and the previous tick's spikes to 0, and
    /// with delays the pending delayed inputs and the trace history; weights, delays, theta and
    /// the tick count are kept.
    pub fn clear(&mut self) {
        self.touch();
        let s = &mut self.s;
        s.v.fill(0);
        s.u.fill(0);
        s.refr.fill(0);
        s.acc32.fill(0);
        s.acc64.fill(0);
        s.x.fill(0);
        s.y.fill(0);
        s.prev_spikes.clear();
        s.spikes.clear();
        s.fired.fill(0);
        s.prev_fired.fill(0);
        if let Some(dl) = &mut s.delays {
            dl.clear();
        }
    }

    /// The host's *normalize*: step 5 on the current weights, now. It does nothing when STDP is
    /// disabled in the config or `normalize_target` is 0.
    pub fn normalize(&mut self) {
        if rules::normalize_allowed(&self.cfg) {
            self.touch();
            let c = &self.c;
            with_mat!(&mut self.store, m => super::scaling::scale(c, m));
        }
    }

    /// The `rst` input: v, refractory, theta, x, y, u, acc, previous spikes, the counters and the
    /// tick count to 0, learning enabled, teach mode to the config's `array.teach`; weights kept.
    pub fn reset(&mut self) {
        self.clear();
        self.s.theta.fill(0);
        self.s.t = 0;
        self.s.dropped = 0;
        self.s.teach_dropped = 0;
        self.s.learning = true;
        self.s.teach = self.cfg.array.teach;
    }

    /// The teach-mode register (docs/model.md, "Teach mode"): while on, the neurons do not fire
    /// on their own and the teacher's list of each tick is the layer's spikes.
    pub fn set_teach(&mut self, on: bool) {
        self.s.teach = on;
    }

    /// The teach-mode register.
    pub fn teach(&self) -> bool {
        self.s.teach
    }

    /// Teacher addresses dropped since start or reset (outside `0..neurons`).
    pub fn teach_dropped(&self) -> u64 {
        self.s.teach_dropped
    }

    /// The learning-enable register.
    pub fn set_learning(&mut self, on: bool) {
        self.s.learning = on;
    }

    /// The learning-enable register.
    pub fn learning(&self) -> bool {
        self.s.learning
    }

    // ----- state access ------------------------------------------------------------------

    /// Ticks run since start or reset.
    pub fn tick(&self) -> u64 {
        self.s.t
    }

    /// Events dropped since start or reset (address outside `0..inputs`).
    pub fn dropped(&self) -> u64 {
        self.s.dropped
    }

    /// The weight matrix `W[j][i]`.
    pub fn weights(&self) -> &Array2<i32> {
        self.views
            .w
            .get_or_init(|| with_mat!(&self.store, m => m.to_array(self.c.n)))
    }

    /// One weight `W[j][i]` (panics when out of range), without building the whole matrix.
    pub fn weight(&self, j: usize, i: usize) -> i32 {
        assert!(
            j < self.c.rows && i < self.c.n,
            "weight ({j}, {i}) out of range"
        );
        with_mat!(&self.store, m => m.get(j, i).to_i32())
    }

    /// The spikes of the last tick, ascending.
    pub fn last_spikes(&self) -> &[u32] {
        &self.s.spikes
    }

    /// One state vector (v, refractory, theta, x, y or u).
    pub fn state(&self, kind: StateKind) -> &[i64] {
        fn widen<'a, T: Copy + Into<i64>>(cell: &'a OnceLock<Vec<i64>>, src: &[T]) -> &'a [i64] {
            cell.get_or_init(|| src.iter().map(|&v| v.into()).collect())
        }
        match kind {
            StateKind::V => widen(&self.views.v, &self.s.v),
            StateKind::Refractory => widen(&self.views.refr, &self.s.refr),
            StateKind::Theta => widen(&self.views.theta, &self.s.theta),
            StateKind::X => widen(&self.views.x, &self.s.x),
            StateKind::Y => widen(&self.views.y, &self.s.y),
            StateKind::U => &self.s.u,
        }
    }

    /// Membrane potentials.
    pub fn v(&self) -> &[i64] {
        self.state(StateKind::V)
    }

    /// Presynaptic traces, one per row.
    pub fn x(&self) -> &[i64] {
        self.state(StateKind::X)
    }

    /// Postsynaptic traces.
    pub fn y(&self) -> &[i64] {
        self.state(StateKind::Y)
    }

    /// Adaptive thresholds.
    pub fn theta(&self) -> &[i64] {
        self.state(StateKind::Theta)
    }

    /// Refractory counters.
    pub fn refractory(&self) -> &[i64] {
        self.state(StateKind::Refractory)
    }

    /// The accumulator of the last tick (input of step 3).
    pub fn acc(&self) -> &[i64] {
        self.views.acc.get_or_init(|| match self.c.acc_store {
            AccStore::I32 => self.s.acc32[..self.c.n].iter().map(|&a| a as i64).collect(),
            AccStore::I64 => self.s.acc64[..self.c.n].to_vec(),
        })
    }

    /// Host write of one weight; the value must be within `[w_min, w_max]`.
    pub fn set_weight(&mut self, j: usize, i: usize, w: i64) -> Result<()> {
        rules::check_weight(&self.cfg, j, i, w)?;
        self.touch();
        with_mat!(&mut self.store, m => {
            m.set(j, i, Wt::from_i32(w as i32));
        });
        Ok(())
    }

    /// `synapse.max_delay` D (0: no delays).
    pub fn max_delay(&self) -> usize {
        self.s.delays.as_ref().map_or(0, |d| d.dmax)
    }

    /// The delay matrix `d[j][i]`, `None` without delays.
    pub fn delays(&self) -> Option<Array2<u8>> {
        let dl = self.s.delays.as_ref()?;
        Some(Array2::from_shape_vec((self.c.rows, self.c.n), dl.d.clone()).expect("rows x n"))
    }

    /// Host write of one delay `d[j][i]`, within `0..max_delay` ([`rules::check_delay`]); the
    /// inputs already in the ring stay where they are.
    pub fn set_delay(&mut self, j: usize, i: usize, d: i64) -> Result<()> {
        rules::check_delay(&self.cfg, j, i, d)?;
        let n = self.c.n;
        let dl = self
            .s
            .delays
            .as_mut()
            .expect("checked: the layer has delays");
        dl.d[j * n + i] = d as u8;
        Ok(())
    }

    /// The input already accumulated for tick `tick() + k` (`k < max_delay`): the ring slot the
    /// next tick's neurons read when `k = 0`. Empty without delays.
    pub fn pending(&self, k: usize) -> Vec<i64> {
        match &self.s.delays {
            Some(dl) if k < dl.dmax => {
                let s = dl.slot(self.s.t, k as i64);
                dl.ring[s * self.c.n..(s + 1) * self.c.n].to_vec()
            }
            _ => Vec::new(),
        }
    }

    /// Every row's presynaptic trace after step 2 of tick `tick() - 1 - k` (`k < max_delay`;
    /// 0 before the start or the last *clear*): `k = 0` is [`Network::x`]. Empty without delays.
    pub fn x_history(&self, k: usize) -> Vec<i64> {
        match &self.s.delays {
            Some(dl) if k < dl.dmax => {
                let s = dl.slot(self.s.t, -1 - k as i64);
                let r = self.c.rows;
                dl.xh[s * r..(s + 1) * r]
                    .iter()
                    .map(|&x| x as i64)
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Replace the whole weight matrix (same shape, values within `[w_min, w_max]`).
    pub fn set_weights(&mut self, w: &Array2<i32>) -> Result<()> {
        rules::check_weights(&self.cfg, w)?;
        self.touch();
        with_mat!(&mut self.store, m => m.assign(w));
        Ok(())
    }

    /// Host write of one state value, checked against the state's width.
    pub fn set_state(&mut self, kind: StateKind, index: usize, value: i64) -> Result<()> {
        rules::check_state(&self.cfg, kind, index, value)?;
        self.touch();
        let s = &mut self.s;
        match kind {
            StateKind::V => s.v[index] = value as i32,
            StateKind::Refractory => s.refr[index] = value as i32,
            StateKind::Theta => s.theta[index] = value as i32,
            StateKind::X => {
                s.x[index] = value as u16;
                // x between ticks is the history's entry of the last tick (docs/model.md)
                if let Some(dl) = &mut s.delays {
                    let k = dl.slot(s.t, -1);
                    dl.xh[k * self.c.rows + index] = value as u16;
                }
            }
            StateKind::Y => s.y[index] = value as u16,
            StateKind::U => s.u[index] = value,
        }
        Ok(())
    }

    /// The range a state value can hold (what a host write may store): [`rules::state_range`].
    pub fn state_range(&self, kind: StateKind) -> Result<(i64, i64)> {
        rules::state_range(&self.cfg, kind)
    }

    /// Saturate `v` to the membrane range (used by tests and importers): [`rules::sat_v`].
    pub fn sat_v(&self, v: i64) -> i64 {
        rules::sat_v(&self.cfg, v)
    }
}
