//! FEAST layers: event-based feature extraction with adaptive selection thresholds (Afshar et al.,
//! Sensors 2020), as exact integer semantics for hardware (docs/model.md, "FEAST layers").
//!
//! Key decisions:
//! - The context of an event is read from the layer's presynaptic traces `x` (the same traces
//!   as the `lif` model's: decayed once per tick by `pre_decay_shift`, incremented by `pre_inc`
//!   on an event and saturating), over the `(2r+1)^2` window around the event in a `width` x
//!   `height` grid. With `pre_inc = 2^trace_bits - 1` an event sets its trace to the maximum, so
//!   the traces are the published time surface `exp(-dt / tau)` with `tau = -1 / ln(1 -
//!   2^-pre_decay_shift)` ticks, in integers.
//! - No division per neuron: weights are kept at the norm `T = 2^norm_shift` (the winner's column
//!   is renormalised after its update, with the scaling unit's ratio `R = T * 2^16 / norm`), and
//!   the context is brought to the same norm by one ratio per event, `Rc = T * 2^16 / norm(c)`.
//!   A neuron's match is then one multiply and a shift, `m = (w . c * Rc) >> (16 + 2 norm_shift -
//!   match_bits)`, a fraction with `2^match_bits` = 1.0 that the thresholds are compared with.
//! - The winner is the neuron with the largest match among those whose match reaches their
//!   threshold; ties go to the lowest index (the hardware's reduction keeps the first).
//! - [`float`] is the published algorithm in `f64`, the reference the integer version is
//!   measured against (feature cosine similarity, missed-event rate).

pub mod config;
pub mod cycle;
pub mod float;

pub use config::{Border, FeastConfig, FeastParams, Norm, is_feast_file};
pub use cycle::{EventCycles, FeastArch, event_cycles};

use crate::arith::{decay, sat_inc};
use ndarray::Array2;
use serde::Serialize;

/// What one input event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The address was not an input (`>= inputs`): dropped and counted, nothing else happens.
    Dropped,
    /// `border = "skip"` and the window leaves the grid: the trace was updated, nothing else.
    Skipped,
    /// No neuron's match reached its threshold: every threshold lowered by `miss_step`.
    Missed,
    /// This neuron won (its output spike); it learned when learning is on.
    Won(u32),
}

/// Event counts of a FEAST layer since reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Events with an input address (not dropped).
    pub events: u64,
    /// Addresses `>= inputs`.
    pub dropped: u64,
    /// Events skipped at the border.
    pub skipped: u64,
    /// Missed events (the hardware's missed-event counter).
    pub missed: u64,
    /// Events with a winner (output spikes).
    pub won: u64,
}

impl Counters {
    /// Missed events over matched events (missed + won), 0 when none.
    pub fn missed_rate(&self) -> f64 {
        let n = self.missed + self.won;
        if n == 0 {
            0.0
        } else {
            self.missed as f64 / n as f64
        }
    }
}

/// Floor of the square root (`isqrt(n)^2 <= n < (isqrt(n) + 1)^2`), the hardware's
/// shift-subtract square root.
pub fn isqrt(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let mut x = (n as f64).sqrt() as u64;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}

/// The ratio that scales values of norm `norm` to norm `2^norm_shift`: `floor(2^(norm_shift + 16)
/// / norm)`, or `None` when `norm = 0` (nothing to scale).
pub fn ratio(norm: u64, norm_shift: u32) -> Option<u64> {
    (norm > 0).then(|| (1u64 << (norm_shift + 16)) / norm)
}

/// A FEAST layer's state and its per-event step.
#[derive(Debug, Clone)]
pub struct Feast {
    cfg: FeastConfig,
    /// `x[j]`, one presynaptic trace per grid position.
    x: Vec<i64>,
    /// `w[k * neurons + i]`: neuron i's weight for window position k (row-major, rows = window).
    w: Vec<i64>,
    /// Each neuron's threshold, in `0..=2^match_bits`.
    theta: Vec<i64>,
    /// The learning-enable register: when off, weights and thresholds do not change.
    learning: bool,
    counters: Counters,
    ticks: u64,
    /// Scratch: the context of the current event.
    ctx: Vec<i64>,
    /// Scratch: every neuron's match of the current event.
    matches: Vec<i64>,
    /// The winners of the current tick, in event order.
    winners: Vec<u32>,
}

impl Feast {
    /// A layer at reset: traces 0, thresholds `threshold_init`, each weight column of the
    /// config's initial weights normalised (the same rule as after a win).
    pub fn new(cfg: &FeastConfig) -> Feast {
        let n = cfg.neurons();
        let k = cfg.feast.window();
        let raw = cfg.raw_initial_weights();
        let mut f = Feast {
            cfg: cfg.clone(),
            x: vec![0; cfg.inputs()],
            w: raw.iter().map(|&v| v as i64).collect(),
            theta: vec![cfg.feast.threshold_init; n],
            learning: true,
            counters: Counters::default(),
            ticks: 0,
            ctx: vec![0; k],
            matches: vec![0; n],
            winners: Vec::new(),
        };
        for i in 0..n {
            f.normalise(i);
        }
        f
    }

    /// The config.
    pub fn config(&self) -> &FeastConfig {
        &self.cfg
    }

    /// Weights as `window` rows x `neurons` (row k = window position `(k % side, k / side)`).
    pub fn weights(&self) -> Array2<i32> {
        let n = self.cfg.neurons();
        Array2::from_shape_fn((self.cfg.feast.window(), n), |(k, i)| {
            self.w[k * n + i] as i32
        })
    }

    /// Each neuron's threshold.
    pub fn thresholds(&self) -> &[i64] {
        &self.theta
    }

    /// The traces.
    pub fn traces(&self) -> &[i64] {
        &self.x
    }

    /// Counters since reset.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Ticks run since reset.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// The learning-enable register.
    pub fn set_learning(&mut self, on: bool) {
        self.learning = on;
    }

    /// Host write of neuron i's threshold (clamped to `0..=2^match_bits`).
    pub fn set_threshold(&mut self, i: usize, v: i64) {
        self.theta[i] = v.clamp(0, self.cfg.feast.one());
    }

    /// Host write of neuron i's weight at window position k (clamped to `0..=2^weight_bits -
    /// 1`; not renormalised).
    pub fn set_weight(&mut self, k: usize, i: usize, v: i64) {
        let n = self.cfg.neurons();
        self.w[k * n + i] = v.clamp(0, self.cfg.w_max());
    }

    /// The host's *clear*: every trace to 0 (weights, thresholds and counters stay).
    pub fn clear(&mut self) {
        self.x.iter_mut().for_each(|x| *x = 0);
    }

    /// The matches of the last event that was not dropped or skipped.
    pub fn last_matches(&self) -> &[i64] {
        &self.matches
    }

    /// One tick: decay every trace, then each event in order ([`Feast::event`]); the winners of
    /// the tick in event order (a neuron may win several events).
    pub fn step(&mut self, events: &[u32]) -> &[u32] {
        let s = self.cfg.base.stdp.pre_decay_shift;
        for x in &mut self.x {
            *x = decay(*x, s);
        }
        self.winners.clear();
        for &e in events {
            if let Outcome::Won(i) = self.event(e) {
                self.winners.push(i);
            }
        }
        self.ticks += 1;
        &self.winners
    }

    /// One event at address `j` (within a tick, after the tick's decay).
    pub fn event(&mut self, j: u32) -> Outcome {
        let p = self.cfg.feast.clone();
        let inputs = self.cfg.inputs();
        if j as usize >= inputs {
            self.counters.dropped += 1;
            return Outcome::Dropped;
        }
        self.counters.events += 1;
        let st = &self.cfg.base.stdp;
        self.x[j as usize] = sat_inc(self.x[j as usize], st.pre_inc, st.trace_bits);
        let (w, h, r) = (p.width as i64, p.height as i64, p.radius as i64);
        let (px, py) = (j as i64 % w, j as i64 / w);
        let inside = px >= r && py >= r && px + r < w && py + r < h;
        if !inside && p.border == Border::Skip {
            self.counters.skipped += 1;
            return Outcome::Skipped;
        }
        // the context: the window's traces (0 outside the grid)
        let side = p.side() as i64;
        for k in 0..p.window() as i64 {
            let (gx, gy) = (px + k % side - r, py + k / side - r);
            self.ctx[k as usize] = if gx >= 0 && gy >= 0 && gx < w && gy < h {
                self.x[(gy * w + gx) as usize]
            } else {
                0
            };
        }
        let cnorm = norm(&self.ctx, p.norm);
        // cnorm >= pre_inc >= 1: the event's own trace is in the window
        let rc = ratio(cnorm, p.norm_shift).expect("the event's own trace is positive") as u128;
        let shift = 16 + 2 * p.norm_shift - p.match_bits;
        let n = self.cfg.neurons();
        let mut best: Option<(usize, i64)> = None;
        for i in 0..n {
            let dot: u128 = self
                .ctx
                .iter()
                .enumerate()
                .map(|(k, &c)| (c as u128) * (self.w[k * n + i] as u128))
                .sum();
            let m = ((dot * rc) >> shift) as i64;
            self.matches[i] = m;
            if m >= self.theta[i] && best.is_none_or(|(_, b)| m > b) {
                best = Some((i, m));
            }
        }
        match best {
            None => {
                self.counters.missed += 1;
                if self.learning {
                    for t in &mut self.theta {
                        *t = (*t - p.miss_step).max(0);
                    }
                }
                Outcome::Missed
            }
            Some((i, _)) => {
                self.counters.won += 1;
                if self.learning {
                    let w_max = self.cfg.w_max();
                    for k in 0..p.window() {
                        let c = ((self.ctx[k] as u128 * rc) >> 16) as i64;
                        let wk = &mut self.w[k * n + i];
                        *wk = (*wk + round_shift(c - *wk, p.eta_shift)).clamp(0, w_max);
                    }
                    self.normalise(i);
                    self.theta[i] = (self.theta[i] + p.win_step).min(p.one());
                }
                Outcome::Won(i as u32)
            }
        }
    }

    /// Scale neuron i's column to the norm target: `R = ratio(norm(w_i))`, `w = min((w * R) >>
    /// 16, w_max)`; a column of zeros stays.
    fn normalise(&mut self, i: usize) {
        let n = self.cfg.neurons();
        let p = &self.cfg.feast;
        let col: Vec<i64> = (0..p.window()).map(|k| self.w[k * n + i]).collect();
        let Some(r) = ratio(norm(&col, p.norm), p.norm_shift) else {
            return;
        };
        let w_max = self.cfg.w_max();
        for (k, v) in col.iter().enumerate() {
            self.w[k * n + i] = (((*v as u128 * r as u128) >> 16) as i64).min(w_max);
        }
    }
}

/// `v / 2^s` rounded to nearest, ties up: `(v + 2^(s-1)) >> s` (`v` itself when `s = 0`). A
/// floor shift would move a weight down by 1 whenever its context is below it and never up by
/// less than `2^s`: a bias that measurably sharpens the features (docs/learning.md).
pub fn round_shift(v: i64, s: u32) -> i64 {
    if s == 0 { v } else { (v + (1 << (s - 1))) >> s }
}

/// The L1 norm (sum) or L2 norm (isqrt of the sum of squares) of non-negative values.
pub fn norm(v: &[i64], n: Norm) -> u64 {
    match n {
        Norm::L1 => v.iter().map(|&a| a as u64).sum(),
        Norm::L2 => isqrt(v.iter().map(|&a| (a * a) as u64).sum()),
    }
}
