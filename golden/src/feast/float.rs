//! The published FEAST algorithm in `f64`: the reference the integer layer is measured against.
//!
//! Per event: the time surface `exp(-dt / tau)` over the window (here `a^dt` with `a = 1 -
//! 2^-pre_decay_shift` per tick, the integer traces' decay, `dt` in ticks since each position's
//! last event, the event's own position first set to now), L2-normalised; `d_i = w_i . c` with
//! unit-norm weights; no `d_i >= theta_i`: every theta lowered by `miss_step`; else the largest
//! such `d_i` wins, `w <- w + eta (c - w)`, renormalised, and its theta raised by `win_step`.
//! Thresholds are not clamped (the published rule). The parameters are the integer config's, as
//! fractions (`eta = 2^-eta_shift`, steps and thresholds over `2^match_bits`), and the initial
//! weights are the same integers, L2-normalised.

use super::{Border, Counters, FeastConfig, Outcome};
use ndarray::Array2;

/// The float layer.
#[derive(Debug, Clone)]
pub struct FloatFeast {
    width: i64,
    height: i64,
    radius: i64,
    border: Border,
    neurons: usize,
    /// Decay per tick.
    a: f64,
    eta: f64,
    miss_step: f64,
    win_step: f64,
    /// `w[k * neurons + i]`.
    w: Vec<f64>,
    theta: Vec<f64>,
    /// Tick of each position's last event.
    last: Vec<Option<u64>>,
    tick: u64,
    learning: bool,
    counters: Counters,
    ctx: Vec<f64>,
}

impl FloatFeast {
    /// The float layer of a FEAST config, from the same initial weights.
    pub fn new(cfg: &FeastConfig) -> FloatFeast {
        let p = &cfg.feast;
        let n = cfg.neurons();
        let one = p.one() as f64;
        let raw = cfg.raw_initial_weights();
        let mut f = FloatFeast {
            width: p.width as i64,
            height: p.height as i64,
            radius: p.radius as i64,
            border: p.border,
            neurons: n,
            a: 1.0 - (-(cfg.base.stdp.pre_decay_shift as f64)).exp2(),
            eta: (-(p.eta_shift as f64)).exp2(),
            miss_step: p.miss_step as f64 / one,
            win_step: p.win_step as f64 / one,
            w: raw.iter().map(|&v| v as f64).collect(),
            theta: vec![p.threshold_init as f64 / one; n],
            last: vec![None; cfg.inputs()],
            tick: 0,
            learning: true,
            counters: Counters::default(),
            ctx: vec![0.0; p.window()],
        };
        if cfg.base.stdp.pre_decay_shift == 0 {
            f.a = 1.0;
        }
        for i in 0..n {
            f.normalise(i);
        }
        f
    }

    /// Weights, `window` rows x `neurons`.
    pub fn weights(&self) -> Array2<f64> {
        let n = self.neurons;
        Array2::from_shape_fn((self.w.len() / n, n), |(k, i)| self.w[k * n + i])
    }

    /// Thresholds.
    pub fn thresholds(&self) -> &[f64] {
        &self.theta
    }

    /// Counters since the start.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Learning on or off (off: weights and thresholds stay).
    pub fn set_learning(&mut self, on: bool) {
        self.learning = on;
    }

    /// Forget every position's last event (the integer layer's *clear*).
    pub fn clear(&mut self) {
        self.last.iter_mut().for_each(|l| *l = None);
    }

    /// One tick of events; the winners in event order.
    pub fn step(&mut self, events: &[u32]) -> Vec<u32> {
        let mut out = Vec::new();
        for &e in events {
            if let Outcome::Won(i) = self.event(e) {
                out.push(i);
            }
        }
        self.tick += 1;
        out
    }

    /// The L2-normalised time surface around `j` as it is now (after `j`'s own event), or `None`
    /// when the window leaves the grid and the border is skipped.
    pub fn context(&self, j: u32) -> Option<Vec<f64>> {
        let (w, h, r) = (self.width, self.height, self.radius);
        let (px, py) = (j as i64 % w, j as i64 / w);
        let inside = px >= r && py >= r && px + r < w && py + r < h;
        if !inside && self.border == Border::Skip {
            return None;
        }
        let side = 2 * r + 1;
        let mut c: Vec<f64> = (0..side * side)
            .map(|k| {
                let (gx, gy) = (px + k % side - r, py + k / side - r);
                if gx < 0 || gy < 0 || gx >= w || gy >= h {
                    return 0.0;
                }
                match self.last[(gy * w + gx) as usize] {
                    Some(t) => self.a.powi((self.tick - t) as i32),
                    None => 0.0,
                }
            })
            .collect();
        let nrm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
        c.iter_mut().for_each(|v| *v /= nrm);
        Some(c)
    }

    /// Mark an event at `j` without matching (for reading contexts of a stream).
    pub fn touch(&mut self, j: u32) {
        if (j as usize) < self.last.len() {
            self.last[j as usize] = Some(self.tick);
        }
    }

    /// Move to the next tick without events of the layer (for reading contexts of a stream).
    pub fn next_tick(&mut self) {
        self.tick += 1;
    }

    /// One event at address `j`.
    pub fn event(&mut self, j: u32) -> Outcome {
        if j as usize >= self.last.len() {
            self.counters.dropped += 1;
            return Outcome::Dropped;
        }
        self.counters.events += 1;
        self.last[j as usize] = Some(self.tick);
        let Some(c) = self.context(j) else {
            self.counters.skipped += 1;
            return Outcome::Skipped;
        };
        self.ctx = c;
        let n = self.neurons;
        let mut best: Option<(usize, f64)> = None;
        for i in 0..n {
            let d: f64 = self
                .ctx
                .iter()
                .enumerate()
                .map(|(k, c)| c * self.w[k * n + i])
                .sum();
            if d >= self.theta[i] && best.is_none_or(|(_, b)| d > b) {
                best = Some((i, d));
            }
        }
        match best {
            None => {
                self.counters.missed += 1;
                if self.learning {
                    self.theta.iter_mut().for_each(|t| *t -= self.miss_step);
                }
                Outcome::Missed
            }
            Some((i, _)) => {
                self.counters.won += 1;
                if self.learning {
                    for k in 0..self.ctx.len() {
                        let wk = &mut self.w[k * n + i];
                        *wk += self.eta * (self.ctx[k] - *wk);
                    }
                    self.normalise(i);
                    self.theta[i] += self.win_step;
                }
                Outcome::Won(i as u32)
            }
        }
    }

    fn normalise(&mut self, i: usize) {
        let n = self.neurons;
        let k = self.w.len() / n;
        let nrm = (0..k)
            .map(|r| self.w[r * n + i].powi(2))
            .sum::<f64>()
            .sqrt();
        if nrm > 0.0 {
            (0..k).for_each(|r| self.w[r * n + i] /= nrm);
        }
    }
}

/// Cosine similarity of two vectors (0 when either is all zeros).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        d / (na * nb)
    }
}
