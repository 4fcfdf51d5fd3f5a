//! The reference model: the straightforward implementation of the tick of `docs/model.md`
//! (`lif` and `cuba`), kept as the oracle of the optimized [`crate::model::Network`].
//!
//! Key decision: this is the plain reading of the semantics, one step per method, every value
//! in `i64` and every weight in an `ndarray` matrix of `i32`; it is slow and obviously right. The
//! differential test (`golden/tests/differential.rs`) steps random networks through both models
//! and asserts identical spikes and state every tick, so any optimization of `model/` is judged
//! against this file. What the optimized model computes exactly as this file does (ranges, host
//! checks, the `cuba` neuron, the scaling ratio) is shared from [`crate::rules`]; change the
//! semantics here and in `model/` together, never one alone.

use crate::arith::{asr, clamp, decay, sat_inc};
use crate::config::{Config, NeuronConfig, Reset, Rule};
use crate::error::Result;
use crate::rules::{self, StateKind};
use ndarray::Array2;
use std::collections::VecDeque;

/// Constants of the tick loop, derived once from the config.
#[derive(Debug, Clone)]
struct Consts {
    inputs: usize,
    rows: usize,
    n: usize,
    recurrent: bool,
    stdp: bool,
    symmetric: bool,
    w_min: i32,
    w_max: i32,
    trace_bits: u32,
    pre_inc: i64,
    post_inc: i64,
    pre_decay: u32,
    post_decay: u32,
    ltp_shift: u32,
    ltd_shift: u32,
    ltp_offset: i64,
    norm_target: i64,
}

/// One neuron array and its complete state.
#[derive(Debug, Clone)]
pub struct ReferenceNetwork {
    cfg: Config,
    c: Consts,
    w: Array2<i32>,
    x: Vec<i64>,
    y: Vec<i64>,
    v: Vec<i64>,
    u: Vec<i64>,
    refr: Vec<i64>,
    theta: Vec<i64>,
    acc: Vec<i64>,
    prev_spiked: Vec<bool>,
    prev_spikes: Vec<u32>,
    spikes: Vec<u32>,
    ltd: Vec<i64>,
    t: u64,
    dropped: u64,
    learning: bool,
    teach: bool,
    teach_dropped: u64,
    /// Synaptic delays (`synapse.max_delay = D > 0`): `d[j][i]`.
    dly: Option<Array2<u8>>,
    /// `pending[k]`: the input of tick `t + k` gathered so far, `k = 0..D` (a shift register:
    /// the front is taken at each tick and an empty vector joins at the back).
    pending: VecDeque<Vec<i64>>,
    /// `xh[k]`: every row's x after step 2 of tick `t - 1 - k` between ticks, `k = 0..D` (the
    /// newest at the front).
    xh: VecDeque<Vec<i64>>,
}

impl ReferenceNetwork {
    /// A network in its start state: all state 0, weights from the config's `init`.
    pub fn new(cfg: &Config) -> ReferenceNetwork {
        let rows = cfg.rows();
        let n = cfg.neurons();
        let s = &cfg.stdp;
        let c = Consts {
            inputs: cfg.array.inputs as usize,
            rows,
            n,
            recurrent: cfg.array.recurrent,
            stdp: s.enabled,
            symmetric: s.rule == Rule::Symmetric,
            w_min: cfg.synapse.w_min as i32,
            w_max: cfg.synapse.w_max as i32,
            trace_bits: s.trace_bits,
            pre_inc: s.pre_inc,
            post_inc: s.post_inc,
            pre_decay: s.pre_decay_shift,
            post_decay: s.post_decay_shift,
            ltp_shift: s.ltp_shift,
            ltd_shift: s.ltd_shift,
            ltp_offset: s.ltp_offset,
            norm_target: s.normalize_target,
        };
        ReferenceNetwork {
            cfg: cfg.clone(),
            c,
            w: cfg.initial_weights(),
            x: vec![0; rows],
            y: vec![0; n],
            v: vec![0; n],
            u: vec![0; n],
            refr: vec![0; n],
            theta: cfg.initial_theta(),
            acc: vec![0; n],
            prev_spiked: vec![false; n],
            prev_spikes: Vec::with_capacity(n),
            spikes: Vec::with_capacity(n),
            ltd: vec![0; n],
            t: 0,
            dropped: 0,
            learning: true,
            teach: cfg.array.teach,
            teach_dropped: 0,
            dly: cfg.initial_delays(),
            pending: (0..cfg.max_delay()).map(|_| vec![0; n]).collect(),
            xh: (0..cfg.max_delay()).map(|_| vec![0; rows]).collect(),
        }
    }

    /// The config this network was built from.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Run one tick with the input events `events` (arrival order, duplicates processed,
    /// addresses `>= inputs` dropped and counted). Returns the spiking neurons, ascending.
    pub fn step(&mut self, events: &[u32]) -> &[u32] {
        self.step_taught(events, &[])
    }

    /// Run one tick with the input events and the teacher's neuron list (docs/model.md, "Teach
    /// mode"); teacher addresses `>= neurons` are dropped and counted.
    pub fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        for &a in teach {
            if a as usize >= self.c.n {
                self.teach_dropped += 1;
            }
        }
        self.decay();
        self.integrate(events);
        if self.teach {
            self.neurons_taught(teach);
        } else {
            match self.cfg.neuron {
                NeuronConfig::Lif(_) => self.neurons_lif(),
                NeuronConfig::Cuba(_) => self.neurons_cuba(),
            }
        }
        self.potentiate();
        if rules::scaling_due(&self.cfg, self.learning, self.t) {
            self.scale();
        }
        for &i in &self.prev_spikes {
            self.prev_spiked[i as usize] = false;
        }
        self.prev_spikes.clear();
        self.prev_spikes.extend_from_slice(&self.spikes);
        for &i in &self.prev_spikes {
            self.prev_spiked[i as usize] = true;
        }
        self.t += 1;
        &self.spikes
    }

    /// Step 1: decay of x, y and theta (a shift of 0 means no decay).
    fn decay(&mut self) {
        if self.c.stdp {
            if self.c.pre_decay > 0 {
                for x in self.x.iter_mut() {
                    *x = decay(*x, self.c.pre_decay);
                }
            }
            if self.c.post_decay > 0 {
                for y in self.y.iter_mut() {
                    *y = decay(*y, self.c.post_decay);
                }
            }
        }
        if let NeuronConfig::Lif(l) = &self.cfg.neuron
            && l.theta_decay_shift > 0
        {
            for th in self.theta.iter_mut() {
                *th = decay(*th, l.theta_decay_shift);
            }
        }
    }

    /// Step 2: integration, then depression, for each event in order (then the recurrent ones).
    fn integrate(&mut self, events: &[u32]) {
        let n = self.c.n;
        for a in self.acc.iter_mut() {
            *a = 0;
        }
        let depress = self.c.stdp && self.learning;
        let mut any_ltd = false;
        if depress {
            for i in 0..n {
                let d = asr(self.y[i], self.c.ltd_shift);
                self.ltd[i] = if self.c.symmetric { d } else { -d };
                any_ltd |= d != 0;
            }
        }
        let (acc_lo, acc_hi) = rules::acc_range(&self.cfg);
        let inputs = self.c.inputs;
        let one_event = |net: &mut ReferenceNetwork, j: usize| {
            let (w_min, w_max) = (net.c.w_min as i64, net.c.w_max as i64);
            let mut row = net.w.row_mut(j);
            let row = row.as_slice_mut().expect("row-major weights");
            match &net.dly {
                None => {
                    for (a, &w) in net.acc.iter_mut().zip(row.iter()) {
                        *a = clamp(a.saturating_add(w as i64), acc_lo, acc_hi);
                    }
                }
                // W[j][i] goes to the input of tick t + d[j][i]
                Some(dly) => {
                    for (i, &w) in row.iter().enumerate() {
                        let a = &mut net.pending[dly[[j, i]] as usize][i];
                        *a = clamp(a.saturating_add(w as i64), acc_lo, acc_hi);
                    }
                }
            }
            if depress && any_ltd {
                for (w, &d) in row.iter_mut().zip(net.ltd.iter()) {
                    *w = clamp(*w as i64 + d, w_min, w_max) as i32;
                }
            }
            if net.c.stdp {
                net.x[j] = sat_inc(net.x[j], net.c.pre_inc, net.c.trace_bits);
            }
        };
        for &e in events {
            let j = e as usize;
            if j >= inputs {
                self.dropped += 1;
                continue;
            }
            one_event(self, j);
        }
        if self.c.recurrent {
            for k in 0..self.prev_spikes.len() {
                let j = inputs + self.prev_spikes[k] as usize;
                one_event(self, j);
            }
        }
        if self.dly.is_some() {
            // this tick's input leaves the shift register; this tick's x joins the history
            self.acc = self.pending.pop_front().expect("D >= 1 slots");
            self.pending.push_back(vec![0; n]);
            self.xh.pop_back();
            self.xh.push_front(self.x.clone());
        }
    }

    /// Step 3 for `lif`.
    fn neurons_lif(&mut self) {
        let NeuronConfig::Lif(l) = &self.cfg.neuron else {
            unreachable!()
        };
        let (v_lo, v_hi) = rules::v_range(l);
        let prev_count = self.prev_spikes.len() as i64;
        self.spikes.clear();
        for i in 0..self.c.n {
            if self.refr[i] > 0 {
                self.refr[i] -= 1;
                continue;
            }
            let v = self.v[i];
            let leak = if l.leak_shift > 0 {
                asr(v, l.leak_shift)
            } else {
                0
            };
            let others = prev_count - self.prev_spiked[i] as i64;
            let vp = clamp(v - leak + self.acc[i] - l.inhibition * others, v_lo, v_hi);
            let thr = l.threshold + self.theta[i];
            if vp >= thr {
                self.spikes.push(i as u32);
                self.v[i] = match l.reset {
                    Reset::Zero => l.v_reset,
                    Reset::Subtract => clamp(vp - thr, v_lo, v_hi),
                };
                self.refr[i] = l.refractory as i64;
                self.theta[i] = sat_inc(self.theta[i], l.theta_plus, l.theta_bits);
            } else {
                self.v[i] = vp;
            }
        }
    }

    /// Step 3 in teach mode: the neurons named by the teacher spike (whatever v and the
    /// refractory counter say), v and u of every neuron go to 0, a spike loads the refractory
    /// counter and raises theta, a silent neuron's refractory counter counts down.
    fn neurons_taught(&mut self, teach: &[u32]) {
        self.spikes.clear();
        for i in 0..self.c.n {
            let forced = teach.contains(&(i as u32));
            self.v[i] = 0;
            self.u[i] = 0;
            if let NeuronConfig::Lif(l) = &self.cfg.neuron {
                if forced {
                    self.refr[i] = l.refractory as i64;
                    self.theta[i] = sat_inc(self.theta[i], l.theta_plus, l.theta_bits);
                } else if self.refr[i] > 0 {
                    self.refr[i] -= 1;
                }
            }
            if forced {
                self.spikes.push(i as u32);
            }
        }
    }

    /// Step 3 for `cuba` (docs/model.md, "The cuba model"): [`rules::cuba_neuron`] per neuron.
    fn neurons_cuba(&mut self) {
        let NeuronConfig::Cuba(c) = &self.cfg.neuron else {
            unreachable!()
        };
        self.spikes.clear();
        for i in 0..self.c.n {
            let (u, v, spike) = rules::cuba_neuron(c, c.bias(i), self.u[i], self.v[i], self.acc[i]);
            self.u[i] = u;
            self.v[i] = v;
            if spike {
                self.spikes.push(i as u32);
            }
        }
    }

    /// Step 4: potentiation of the spiking neurons' columns, then their y traces.
    fn potentiate(&mut self) {
        if !self.c.stdp || self.spikes.is_empty() {
            return;
        }
        if rules::potentiation_runs(&self.cfg, self.learning, self.spikes.len()) {
            let (w_min, w_max) = (self.c.w_min as i64, self.c.w_max as i64);
            let n = self.c.n;
            let w = self.w.as_slice_mut().expect("row-major weights");
            for j in 0..self.c.rows {
                let row = &mut w[j * n..(j + 1) * n];
                for &i in &self.spikes {
                    // the trace the event sees at its arrival: x of tick t - d[j][i]
                    let x = match &self.dly {
                        None => self.x[j],
                        Some(dly) => self.xh[dly[[j, i as usize]] as usize][j],
                    };
                    let d = asr(x, self.c.ltp_shift) - self.c.ltp_offset;
                    let cell = &mut row[i as usize];
                    *cell = clamp(*cell as i64 + d, w_min, w_max) as i32;
                }
            }
        }
        for &i in &self.spikes {
            let i = i as usize;
            self.y[i] = sat_inc(self.y[i], self.c.post_inc, self.c.trace_bits);
        }
    }

    /// Step 5: synaptic scaling of every neuron's column toward `normalize_target`.
    fn scale(&mut self) {
        let (w_min, w_max) = (self.c.w_min as i64, self.c.w_max as i64);
        for i in 0..self.c.n {
            let s: i64 = self.w.column(i).iter().map(|&w| w as i64).sum();
            let Some(r) = rules::scaling_ratio(self.c.norm_target, s) else {
                continue;
            };
            for w in self.w.column_mut(i) {
                *w = rules::scaled_weight(*w as i64, r, w_min, w_max) as i32;
            }
        }
    }

    // ----- host commands -------------------------------------------------------------------

    /// The host's *clear*: v, refractory, acc, x, y, u and the previous tick's spikes to 0, and
    /// with delays the pending inputs and the trace history; weights, delays, theta and the tick
    /// count are kept.
    pub fn clear(&mut self) {
        self.v.fill(0);
        self.u.fill(0);
        self.refr.fill(0);
        self.acc.fill(0);
        self.x.fill(0);
        self.y.fill(0);
        self.prev_spikes.clear();
        self.spikes.clear();
        self.prev_spiked.fill(false);
        for p in self.pending.iter_mut().chain(self.xh.iter_mut()) {
            p.fill(0);
        }
    }

    /// The host's *normalize*: step 5 on the current weights, now. It does nothing when STDP is
    /// disabled in the config or `normalize_target` is 0.
    pub fn normalize(&mut self) {
        if rules::normalize_allowed(&self.cfg) {
            self.scale();
        }
    }

    /// The `rst` input: v, refractory, theta, x, y, u, acc, previous spikes, the counters and the
    /// tick count to 0, learning enabled; weights kept.
    pub fn reset(&mut self) {
        self.clear();
        self.theta.fill(0);
        self.t = 0;
        self.dropped = 0;
        self.teach_dropped = 0;
        self.learning = true;
        self.teach = self.cfg.array.teach;
    }

    /// The teach-mode register.
    pub fn set_teach(&mut self, on: bool) {
        self.teach = on;
    }

    /// The teach-mode register.
    pub fn teach(&self) -> bool {
        self.teach
    }

    /// Teacher addresses dropped since start or reset.
    pub fn teach_dropped(&self) -> u64 {
        self.teach_dropped
    }

    /// The learning-enable register.
    pub fn set_learning(&mut self, on: bool) {
        self.learning = on;
    }

    /// The learning-enable register.
    pub fn learning(&self) -> bool {
        self.learning
    }

    // ----- state access ------------------------------------------------------------------

    /// Ticks run since start or reset.
    pub fn tick(&self) -> u64 {
        self.t
    }

    /// Events dropped since start or reset (address outside `0..inputs`).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The weight matrix `W[j][i]`.
    pub fn weights(&self) -> &Array2<i32> {
        &self.w
    }

    /// The spikes of the last tick, ascending.
    pub fn last_spikes(&self) -> &[u32] {
        &self.spikes
    }

    /// One state vector (v, refractory, theta, x, y or u).
    pub fn state(&self, kind: StateKind) -> &[i64] {
        match kind {
            StateKind::V => &self.v,
            StateKind::Refractory => &self.refr,
            StateKind::Theta => &self.theta,
            StateKind::X => &self.x,
            StateKind::Y => &self.y,
            StateKind::U => &self.u,
        }
    }

    /// Membrane potentials.
    pub fn v(&self) -> &[i64] {
        &self.v
    }

    /// Presynaptic traces, one per row.
    pub fn x(&self) -> &[i64] {
        &self.x
    }

    /// Postsynaptic traces.
    pub fn y(&self) -> &[i64] {
        &self.y
    }

    /// Adaptive thresholds.
    pub fn theta(&self) -> &[i64] {
        &self.theta
    }

    /// Refractory counters.
    pub fn refractory(&self) -> &[i64] {
        &self.refr
    }

    /// The accumulator of the last tick (input of step 3).
    pub fn acc(&self) -> &[i64] {
        &self.acc
    }

    /// Host write of one weight; the value must be within `[w_min, w_max]`.
    pub fn set_weight(&mut self, j: usize, i: usize, w: i64) -> Result<()> {
        rules::check_weight(&self.cfg, j, i, w)?;
        self.w[[j, i]] = w as i32;
        Ok(())
    }

    /// `synapse.max_delay` D (0: no delays).
    pub fn max_delay(&self) -> usize {
        self.pending.len()
    }

    /// The delay matrix `d[j][i]`, `None` without delays.
    pub fn delays(&self) -> Option<Array2<u8>> {
        self.dly.clone()
    }

    /// Host write of one delay `d[j][i]`, within `0..max_delay`.
    pub fn set_delay(&mut self, j: usize, i: usize, d: i64) -> Result<()> {
        rules::check_delay(&self.cfg, j, i, d)?;
        if let Some(dly) = &mut self.dly {
            dly[[j, i]] = d as u8;
        }
        Ok(())
    }

    /// The input already gathered for tick `tick() + k`; empty without delays or for `k >= D`.
    pub fn pending(&self, k: usize) -> Vec<i64> {
        self.pending.get(k).cloned().unwrap_or_default()
    }

    /// Every row's x after step 2 of tick `tick() - 1 - k`; empty without delays or `k >= D`.
    pub fn x_history(&self, k: usize) -> Vec<i64> {
        self.xh.get(k).cloned().unwrap_or_default()
    }

    /// Replace the whole weight matrix (same shape, values within `[w_min, w_max]`).
    pub fn set_weights(&mut self, w: &Array2<i32>) -> Result<()> {
        rules::check_weights(&self.cfg, w)?;
        self.w.assign(w);
        Ok(())
    }

    /// Host write of one state value, checked against the state's width.
    pub fn set_state(&mut self, kind: StateKind, index: usize, value: i64) -> Result<()> {
        rules::check_state(&self.cfg, kind, index, value)?;
        let slot = match kind {
            StateKind::V => &mut self.v[index],
            StateKind::Refractory => &mut self.refr[index],
            StateKind::Theta => &mut self.theta[index],
            StateKind::X => {
                if let Some(h) = self.xh.front_mut() {
                    h[index] = value;
                }
                &mut self.x[index]
            }
            StateKind::Y => &mut self.y[index],
            StateKind::U => &mut self.u[index],
        };
        *slot = value;
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
