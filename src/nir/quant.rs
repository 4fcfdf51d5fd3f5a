//! Quantisation of a NIR chain into a neurogen network of layers (docs/nir.md).
//!
//! Per layer, the NIR equations discretised with forward Euler at `dt` (see [`super::float`])
//! become the golden model's integer neuron:
//! - LIF and IF -> `lif`: `v' = v - (v >> leak_shift) + acc`, spike when `v' >= threshold`, reset
//!   to `v_reset`. `leak_shift` is the nearest `log2(tau / dt)` (IF: 0, no leak).
//! - CubaLIF (and LIF with `--lif-model cuba`) -> `cuba`: `du = round(4096 dt / tau_syn) - 1`
//!   (Lava's current decay is `4096 - du - 1`), `dv = round(4096 dt / tau_mem)`.
//!
//! The input gain of neuron i (LIF `dt/tau * r`, IF `dt * r`, CubaLIF `dt/tau_mem * r * dt/tau_syn *
//! w_in`) is folded into its weights, and each neuron gets its own voltage scale `S_i = C /
//! v_threshold_i`, so every neuron of the layer has the same integer threshold `C`. `C` is the
//! largest integer for which the largest scaled weight of the layer still fits the weight bits.

use super::graph::{Kind, Layer};
use golden::config::MAX_DELAY;
use std::fmt::Write as _;

/// How a NIR LIF layer becomes a neurogen layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifModel {
    /// `lif` with a leak shift (a power-of-two decay).
    Shift,
    /// `cuba` with `du = 4095` (u is this tick's input) and a 12-bit `dv`.
    Cuba,
}

/// Importer options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Seconds per tick.
    pub dt: f64,
    pub weight_bits: u32,
    /// Membrane width of `lif` layers (`cuba` has 24 bits).
    pub v_bits: u32,
    pub lif_model: LifModel,
}

/// The integer neuron of a layer.
#[derive(Debug, Clone, PartialEq)]
pub enum QNeuron {
    Lif {
        leak_shift: u32,
        threshold: i64,
        v_reset: i64,
        v_bits: u32,
    },
    Cuba {
        du: i64,
        dv: i64,
        vth: i64,
        /// Per neuron.
        bias_mant: Vec<i64>,
        bias_exp: Vec<u32>,
        weight_exp: i32,
    },
}

/// One quantised layer.
#[derive(Debug, Clone)]
pub struct QLayer {
    pub name: String,
    pub neuron: QNeuron,
    pub weight_bits: u32,
    pub signed: bool,
    /// `W[j][i]`: row j = presynaptic input, column i = neuron (the weight CSV's layout).
    pub weights: Vec<Vec<i64>>,
    pub clipped: usize,
    /// `d[j][i]` in ticks (the weight CSV's layout), `None` when every delay is 0.
    pub delays: Option<Vec<Vec<u32>>>,
}

/// The result: the layers and the report's text.
#[derive(Debug, Clone)]
pub struct Quantised {
    pub inputs: usize,
    pub layers: Vec<QLayer>,
    pub report: String,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn rel(f: f64, q: f64) -> f64 {
    if f == 0.0 {
        if q == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        ((q - f) / f).abs()
    }
}

/// Report lines for a per-neuron parameter: the float values, the fixed-point value and the
/// value it stands for, and the largest relative error.
fn param(rep: &mut String, name: &str, floats: &[f64], fixed: &str, stands_for: &[f64]) {
    let max_err = floats
        .iter()
        .zip(stands_for)
        .map(|(&f, &q)| rel(f, q))
        .fold(0.0, f64::max);
    let (lo, hi) = floats
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let range = if lo == hi {
        format!("{lo:.6}")
    } else {
        format!("{lo:.6}..{hi:.6}")
    };
    let _ = writeln!(
        rep,
        "  {name:<12} float {range:<24} fixed {fixed:<20} max relative error {:.2e}",
        max_err
    );
}

/// Quantise the chain `layers` (after `inputs` channels) with `opt`.
pub fn quantise(inputs: usize, layers: &[Layer], opt: &Options) -> Result<Quantised, String> {
    if !(opt.dt > 0.0 && opt.dt.is_finite()) {
        return Err(format!(
            "--dt {}: must be a positive number of seconds",
            opt.dt
        ));
    }
    if !(2..=16).contains(&opt.weight_bits) {
        return Err(format!("--weight-bits {}: allowed 2..=16", opt.weight_bits));
    }
    if !(4..=32).contains(&opt.v_bits) {
        return Err(format!("--v-bits {}: allowed 4..=32", opt.v_bits));
    }
    let mut rep = String::new();
    let _ = writeln!(
        rep,
        "NIR import: dt = {} s, weight_bits = {}, v_bits = {} (lif), LIF as {}",
        opt.dt,
        opt.weight_bits,
        opt.v_bits,
        match opt.lif_model {
            LifModel::Shift => "lif (leak shift)",
            LifModel::Cuba => "cuba (dv)",
        }
    );
    for l in layers {
        too_coarse(l, opt.dt)?;
    }
    let mut out = Vec::new();
    for (k, l) in layers.iter().enumerate() {
        let _ = writeln!(
            rep,
            "layer {k}: '{}' -> '{}' ({}), {} inputs -> {} neurons",
            l.weight_node,
            l.neuron_node,
            l.kind.name(),
            l.weight[0].len(),
            l.weight.len()
        );
        let cuba =
            l.kind == Kind::CubaLif || (l.kind == Kind::Lif && opt.lif_model == LifModel::Cuba);
        let mut q = if cuba {
            cuba_layer(k, l, opt, &mut rep)?
        } else {
            lif_layer(k, l, opt, &mut rep)?
        };
        q.delays = delay_ticks(l, opt.dt, &mut rep)?;
        out.push(q);
    }
    Ok(Quantised {
        inputs,
        layers: out,
        report: rep,
    })
}

/// A time constant shorter than `dt` (`dt / tau > 1`): forward Euler overshoots, and neither a
/// leak shift nor a 12-bit decay can stand for it. Such files come from tools whose NIR time
/// constants assume another step (snnTorch writes `tau = dt / (1 - beta)` with `dt = 1e-4 s` and
/// `r = tau / dt`; Norse writes `tau = dt / tau_mem_inv`), so the message says which `--dt`
/// those conventions imply.
fn too_coarse(l: &Layer, dt: f64) -> Result<(), String> {
    let n = &l.neuron;
    let taus: Vec<(&str, &[f64])> = match l.kind {
        Kind::If => vec![],
        Kind::Lif => vec![("tau", &n.tau_mem)],
        Kind::CubaLif => vec![("tau_mem", &n.tau_mem), ("tau_syn", &n.tau_syn)],
    };
    for (what, tau) in taus {
        if let Some(t) = tau
            .iter()
            .copied()
            .find(|&t| (dt / t).is_nan() || dt / t > 1.0)
        {
            let mut hint = String::new();
            if l.kind == Kind::Lif
                && let Some(r) = n.r.first().filter(|&&r| r > 1.0)
            {
                // snnTorch: r = tau / dt_snntorch
                hint = format!(
                    "; r = {r} suggests snnTorch's convention r = tau / dt, i.e. --dt {:.4e}",
                    t / r
                );
            } else if n.r.iter().all(|&r| r == 1.0) {
                hint = "; Norse writes tau = dt / tau_mem_inv, so with its dt = 1e-3 s the NIR file's time unit is dt^2: --dt 1e-6".into();
            }
            return Err(format!(
                "node '{}' ({}): {what} = {t:e} s is shorter than dt = {dt:e} s (dt/{what} = {:.3} > 1): choose a smaller --dt{hint}",
                l.neuron_node,
                l.kind.name(),
                dt / t
            ));
        }
    }
    Ok(())
}

/// The per-synapse delays of a layer in ticks, `d[j][i]`: each Delay node's seconds rounded to
/// ticks (`round(delay / dt)`), per input channel j before the weights, per neuron i after them;
/// several Delay nodes add. `None` when every delay is 0 (no delays at all).
pub fn delay_ticks(l: &Layer, dt: f64, rep: &mut String) -> Result<Option<Vec<Vec<u32>>>, String> {
    let (n_in, n) = (l.weight[0].len(), l.weight.len());
    let mut d = vec![vec![0u64; n]; n_in];
    for node in &l.delays {
        let ticks: Vec<u64> = node
            .seconds
            .iter()
            .map(|s| (s / dt).round() as u64)
            .collect();
        if let Some((c, (&t, s))) = ticks
            .iter()
            .zip(&node.seconds)
            .enumerate()
            .find(|(_, (t, _))| **t >= MAX_DELAY as u64)
        {
            return Err(format!(
                "node '{}' (Delay): delay[{c}] = {s} s is {t} ticks of dt = {dt} s; neurogen's delays are 0..={} ticks (synapse.max_delay <= {MAX_DELAY}): choose a larger --dt",
                node.name,
                MAX_DELAY - 1
            ));
        }
        let err = ticks
            .iter()
            .zip(&node.seconds)
            .map(|(&t, s)| (t as f64 * dt - s).abs())
            .fold(0.0, f64::max);
        // every channel's seconds and ticks for small nodes, the ranges for large ones
        let values = if ticks.len() <= 16 {
            format!("float {:?} s, ticks {:?}", node.seconds, ticks)
        } else {
            let (lo, hi) = node
                .seconds
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            format!(
                "float {lo:e}..{hi:e} s, ticks {}..{}",
                ticks.iter().min().unwrap_or(&0),
                ticks.iter().max().unwrap_or(&0)
            )
        };
        let _ = writeln!(
            rep,
            "  delay '{}' ({} {} channels): {values}, max rounding error {err:e} s",
            node.name,
            if node.on_output { "output" } else { "input" },
            node.seconds.len(),
        );
        for (j, row) in d.iter_mut().enumerate() {
            for (i, x) in row.iter_mut().enumerate() {
                *x += ticks[if node.on_output { i } else { j }];
            }
        }
    }
    let max = d.iter().flatten().copied().max().unwrap_or(0);
    if max >= MAX_DELAY as u64 {
        return Err(format!(
            "node '{}': its Delay nodes ({}) add up to {max} ticks; neurogen's delays are 0..={} ticks: choose a larger --dt",
            l.neuron_node,
            l.delays
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            MAX_DELAY - 1
        ));
    }
    if max == 0 {
        return Ok(None);
    }
    let _ = writeln!(
        rep,
        "  delays       max {max} ticks: synapse.max_delay = {}",
        max + 1
    );
    Ok(Some(
        d.into_iter()
            .map(|r| r.into_iter().map(|x| x as u32).collect())
            .collect(),
    ))
}

/// Largest |g_i W_ij| / vth_i over the layer, the signedness, and whether all are zero.
fn max_ratio(l: &Layer, gain: &[f64]) -> (f64, bool) {
    let mut m: f64 = 0.0;
    let mut neg = false;
    for (i, row) in l.weight.iter().enumerate() {
        for &w in row {
            let x = gain[i] * w;
            neg |= x < 0.0;
            m = m.max(x.abs() / l.neuron.v_threshold[i]);
        }
    }
    (m, neg)
}

fn w_range(bits: u32, signed: bool) -> (i64, i64) {
    if signed {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    } else {
        (0, (1i64 << bits) - 1)
    }
}

/// `W[j][i] = round(scale_i * g_i * W_nir[i][j] / div)`, clamped and counted.
fn int_weights(
    l: &Layer,
    gain: &[f64],
    scale: &[f64],
    div: f64,
    range: (i64, i64),
) -> (Vec<Vec<i64>>, usize) {
    let n_in = l.weight[0].len();
    let mut clipped = 0;
    let mut w = vec![vec![0i64; l.weight.len()]; n_in];
    for (i, row) in l.weight.iter().enumerate() {
        for (j, &x) in row.iter().enumerate() {
            let q = (scale[i] * gain[i] * x / div).round() as i64;
            let c = q.clamp(range.0, range.1);
            clipped += usize::from(c != q);
            w[j][i] = c;
        }
    }
    (w, clipped)
}

fn weight_report(
    rep: &mut String,
    l: &Layer,
    w: &[Vec<i64>],
    gain: &[f64],
    scale: &[f64],
    div: f64,
) {
    let mut worst: f64 = 0.0;
    let mut sum_err = 0.0;
    let mut sum = 0.0;
    for (i, row) in l.weight.iter().enumerate() {
        for (j, &x) in row.iter().enumerate() {
            let f = scale[i] * gain[i] * x / div;
            let e = (w[j][i] as f64 - f).abs();
            sum_err += e;
            sum += f.abs();
            if f.abs() >= 1.0 {
                worst = worst.max(e / f.abs());
            }
        }
    }
    let _ = writeln!(
        rep,
        "  weights      scale per neuron {:.4}..{:.4} (integer per NIR unit of v), mean |error| / mean |w| = {:.2e}, worst relative error of |w| >= 1: {:.2e}",
        scale
            .iter()
            .zip(gain)
            .map(|(s, g)| s * g / div)
            .fold(f64::INFINITY, f64::min),
        scale
            .iter()
            .zip(gain)
            .map(|(s, g)| s * g / div)
            .fold(0.0, f64::max),
        sum_err / sum.max(f64::MIN_POSITIVE),
        worst
    );
}

fn uniform_or_err(l: &Layer, what: &str, v: &[f64]) -> Result<(), String> {
    let m = mean(v);
    if v.iter().any(|x| (x - m).abs() > 1e-9 * m.abs().max(1e-30)) {
        return Err(format!(
            "node '{}' ({}): {what} differs between neurons; the layer's neurons share one value (supported: one {what} per layer)",
            l.neuron_node,
            l.kind.name()
        ));
    }
    Ok(())
}

fn lif_layer(k: usize, l: &Layer, opt: &Options, rep: &mut String) -> Result<QLayer, String> {
    let n = &l.neuron;
    let (alpha, gain): (Vec<f64>, Vec<f64>) = match l.kind {
        Kind::If => (vec![0.0; n.len()], n.r.iter().map(|r| opt.dt * r).collect()),
        _ => {
            let a: Vec<f64> = n.tau_mem.iter().map(|t| opt.dt / t).collect();
            let g = a.iter().zip(&n.r).map(|(a, r)| a * r).collect();
            (a, g)
        }
    };
    // lif has no bias: the Affine bias and v_leak must be 0
    for i in 0..n.len() {
        let b = gain[i] * l.bias[i] + alpha[i] * n.v_leak[i];
        if b != 0.0 {
            return Err(format!(
                "node '{}' ({}): neuron {i} has a constant input (bias {} of '{}', v_leak {}); the lif model has no bias (supported: zero bias and v_leak, or --lif-model cuba for LIF)",
                l.neuron_node,
                l.kind.name(),
                l.bias[i],
                l.weight_node,
                n.v_leak[i]
            ));
        }
    }
    let ratio: Vec<f64> = n
        .v_reset
        .iter()
        .zip(&n.v_threshold)
        .map(|(r, t)| r / t)
        .collect();
    uniform_or_err(l, "v_reset / v_threshold", &ratio)?;
    // leak shift: 2^-s nearest to dt/tau (mean over the layer)
    let leak_shift = if l.kind == Kind::If {
        0
    } else {
        let a = mean(&alpha);
        let s = (-a.log2()).round().clamp(1.0, opt.v_bits as f64) as u32;
        param(
            rep,
            "dt/tau",
            &alpha,
            &format!("leak_shift = {s}"),
            &vec![(0.5f64).powi(s as i32); n.len()],
        );
        if a > 0.5 {
            let _ = writeln!(
                rep,
                "  warning: dt/tau = {a:.3} > 0.5: choose a smaller --dt"
            );
        }
        s
    };
    let (m, neg) = max_ratio(l, &gain);
    if m == 0.0 {
        return Err(format!("node '{}': every weight is 0", l.weight_node));
    }
    let range = w_range(opt.weight_bits, neg);
    let vmax = (1i64 << (opt.v_bits - 1)) - 1;
    // the integer threshold C: v > C spikes; the largest that keeps every weight in range
    let c_w = (range.1 as f64 / m).floor();
    let mut c = c_w.min((vmax - 1) as f64) as i64;
    if c < 1 {
        c = 1;
    }
    if (c as f64) < c_w {
        let _ = writeln!(
            rep,
            "  note: the threshold is limited by v_bits ({c} < {c_w}): weights use less than their range"
        );
    }
    let scale: Vec<f64> = n.v_threshold.iter().map(|t| c as f64 / t).collect();
    let (w, clipped) = int_weights(l, &gain, &scale, 1.0, range);
    weight_report(rep, l, &w, &gain, &scale, 1.0);
    let threshold = c + 1;
    param(
        rep,
        "v_threshold",
        &n.v_threshold,
        &format!("threshold = {threshold} (v > {c})"),
        &n.v_threshold,
    );
    let v_reset = (ratio[0] * c as f64).round() as i64;
    let vr_back: Vec<f64> = scale.iter().map(|s| v_reset as f64 / s).collect();
    param(
        rep,
        "v_reset",
        &n.v_reset,
        &format!("v_reset = {v_reset}"),
        &vr_back,
    );
    let _ = writeln!(
        rep,
        "  layer {k}: {} weights clipped, signed = {neg}, weight range {}..={}",
        clipped, range.0, range.1
    );
    Ok(QLayer {
        name: l.neuron_node.clone(),
        neuron: QNeuron::Lif {
            leak_shift,
            threshold,
            v_reset: v_reset.clamp(-vmax - 1, vmax),
            v_bits: opt.v_bits,
        },
        weight_bits: opt.weight_bits,
        signed: neg,
        weights: w,
        clipped,
        delays: None,
    })
}

fn cuba_layer(k: usize, l: &Layer, opt: &Options, rep: &mut String) -> Result<QLayer, String> {
    let n = &l.neuron;
    let lif = l.kind == Kind::Lif;
    let a_m: Vec<f64> = n.tau_mem.iter().map(|t| opt.dt / t).collect();
    let a_s: Vec<f64> = if lif {
        vec![1.0; n.len()]
    } else {
        n.tau_syn.iter().map(|t| opt.dt / t).collect()
    };
    let gain: Vec<f64> = (0..n.len())
        .map(|i| a_m[i] * n.r[i] * a_s[i] * n.w_in[i])
        .collect();
    if let Some(i) = n.v_reset.iter().position(|&r| r != 0.0) {
        return Err(format!(
            "node '{}' ({}): v_reset[{i}] = {}; the cuba neuron resets to 0 (supported: v_reset = 0)",
            l.neuron_node,
            l.kind.name(),
            n.v_reset[i]
        ));
    }
    if !lif && let Some(i) = l.bias.iter().position(|&b| b != 0.0) {
        return Err(format!(
            "node '{}' (Affine): bias[{i}] = {} feeds the synaptic current of CubaLIF '{}'; supported: zero bias before a CubaLIF (use v_leak)",
            l.weight_node, l.bias[i], l.neuron_node
        ));
    }
    let du = if lif {
        4095
    } else {
        ((4096.0 * mean(&a_s)).round() as i64 - 1).clamp(0, 4095)
    };
    let dv = (4096.0 * mean(&a_m)).round().clamp(0.0, 4095.0) as i64;
    if !lif {
        param(
            rep,
            "dt/tau_syn",
            &a_s,
            &format!("du = {du}"),
            &vec![(du + 1) as f64 / 4096.0; n.len()],
        );
    }
    param(
        rep,
        "dt/tau_mem",
        &a_m,
        &format!("dv = {dv}"),
        &vec![dv as f64 / 4096.0; n.len()],
    );
    let (m, neg) = max_ratio(l, &gain);
    if m == 0.0 {
        return Err(format!("node '{}': every weight is 0", l.weight_node));
    }
    let range = w_range(opt.weight_bits, neg);
    // weight_exp: the largest for which vth = floor(w_max 2^(we+6) / m / 64) fits 17 bits
    let vth_max = (1i64 << 17) - 1;
    let mut pick = None;
    for we in (-8..=7).rev() {
        let vth = (range.1 as f64 * 2f64.powi(we + 6) / m / 64.0).floor();
        if vth <= vth_max as f64 && vth >= 1.0 {
            pick = Some((we, vth as i64));
            break;
        }
    }
    let (weight_exp, vth) = match pick {
        Some(p) => p,
        None => {
            let _ = writeln!(
                rep,
                "  note: vth limited to 2^17-1: weights use less than their range"
            );
            (-8, vth_max)
        }
    };
    let c = (vth * 64) as f64;
    let scale: Vec<f64> = n.v_threshold.iter().map(|t| c / t).collect();
    let div = 2f64.powi(weight_exp + 6);
    let (w, clipped) = int_weights(l, &gain, &scale, div, range);
    weight_report(rep, l, &w, &gain, &scale, div);
    param(
        rep,
        "v_threshold",
        &n.v_threshold,
        &format!("vth = {vth} (v > {}), weight_exp = {weight_exp}", vth * 64),
        &n.v_threshold,
    );
    // bias: scale_i * (a_m v_leak + a r b) per tick, one value per layer
    let bias: Vec<f64> = (0..n.len())
        .map(|i| {
            let lif_b = if lif {
                a_m[i] * n.r[i] * l.bias[i]
            } else {
                0.0
            };
            scale[i] * (a_m[i] * n.v_leak[i] + lif_b)
        })
        .collect();
    // per neuron: the smallest bias_exp whose mantissa fits 13 signed bits
    let mut bias_mant = Vec::with_capacity(n.len());
    let mut bias_exp = Vec::with_capacity(n.len());
    let mut back = Vec::with_capacity(n.len());
    for &b in &bias {
        let mut e = 0u32;
        while e < 7 && (b / 2f64.powi(e as i32)).abs() > 4095.0 {
            e += 1;
        }
        let m = (b / 2f64.powi(e as i32)).round().clamp(-4096.0, 4095.0) as i64;
        bias_mant.push(m);
        bias_exp.push(e);
        back.push((m << e) as f64);
    }
    let fixed = if bias_mant.iter().all(|&m| m == bias_mant[0])
        && bias_exp.iter().all(|&e| e == bias_exp[0])
    {
        format!("bias_mant = {}, bias_exp = {}", bias_mant[0], bias_exp[0])
    } else {
        "bias_mant/bias_exp per neuron".to_string()
    };
    param(rep, "bias", &bias, &fixed, &back);
    let _ = writeln!(
        rep,
        "  layer {k}: {clipped} weights clipped, signed = {neg}, weight range {}..={}",
        range.0, range.1
    );
    Ok(QLayer {
        name: l.neuron_node.clone(),
        neuron: QNeuron::Cuba {
            du,
            dv,
            vth,
            bias_mant,
            bias_exp,
            weight_exp,
        },
        weight_bits: opt.weight_bits,
        signed: neg,
        weights: w,
        clipped,
        delays: None,
    })
}

/// The weight CSV of a layer.
pub fn weights_csv(l: &QLayer) -> String {
    csv(&l.weights)
}

/// The delay CSV of a layer (docs/formats.md), `None` without delays.
pub fn delays_csv(l: &QLayer) -> Option<String> {
    l.delays.as_ref().map(|d| csv(d))
}

fn csv<T: ToString>(m: &[Vec<T>]) -> String {
    let mut s = String::new();
    for row in m {
        let line: Vec<String> = row.iter().map(T::to_string).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

/// The STDP step shifts `import nir --stdp` writes: a weight moves by at most `trace >> 7` (1 with
/// the default 8-bit traces) per spike pair. Measured on the snnTorch digits network, 300 ticks
/// of 10 test digits: the default shift 4 on every layer drops the accuracy to 11.6 %, shift 7
/// on the last layer changes 186 of 320 weights by 2.6 on average (docs/nir.md).
pub const FINE_TUNE_SHIFT: u32 = 7;

/// `net.toml`: the network of layers; layer k's weights in `weights_<k>.csv`. STDP is off, or,
/// with `stdp`, on in the last layer (on-chip fine-tuning of the readout) with `ltp_shift =
/// ltd_shift =` [`FINE_TUNE_SHIFT`] and the other defaults of docs/formats.md.
pub fn config_toml(name: &str, q: &Quantised, opt: &Options, source: &str, stdp: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Imported from {source} by neurogen import nir (docs/nir.md)."
    );
    let _ = writeln!(
        s,
        "# One tick = dt = {} s. The quantisation report is import_report.txt beside this file.",
        opt.dt
    );
    let _ = writeln!(s, "name = \"{name}\"\n\n[network]\nlayer_delay = 0");
    for (k, l) in q.layers.iter().enumerate() {
        let (head, pre) = if k == 0 {
            (String::new(), "")
        } else {
            ("[[layer]]\n".to_string(), "layer.")
        };
        let _ = writeln!(s, "\n# ---- layer {k}: NIR node '{}'", l.name);
        s.push_str(&head);
        if k == 0 {
            let _ = writeln!(s, "[array]\ninputs = {}", q.inputs);
        }
        let _ = writeln!(s, "neurons = {}\nlanes = 1", l.weights[0].len());
        if k > 0 {
            let _ = writeln!(s, "recurrent = false");
        }
        let _ = writeln!(s, "\n[{pre}neuron]");
        let weight_exp = match &l.neuron {
            QNeuron::Lif {
                leak_shift,
                threshold,
                v_reset,
                v_bits,
            } => {
                let _ = writeln!(
                    s,
                    "model = \"lif\"\nv_bits = {v_bits}\nthreshold = {threshold}\nreset = \"zero\"\nv_reset = {v_reset}\nleak_shift = {leak_shift}"
                );
                None
            }
            QNeuron::Cuba {
                du,
                dv,
                vth,
                bias_mant,
                bias_exp,
                weight_exp,
            } => {
                let _ = writeln!(
                    s,
                    "model = \"cuba\"\ndu = {du}\ndv = {dv}\nvth = {vth}\nbias_mant = {}\nbias_exp = {}",
                    one_or_array(bias_mant),
                    one_or_array(bias_exp)
                );
                Some(*weight_exp)
            }
        };
        let _ = writeln!(
            s,
            "\n[{pre}synapse]\nweight_bits = {}\nsigned = {}\ninit = \"file\"\ninit_file = \"weights_{k}.csv\"",
            l.weight_bits, l.signed
        );
        if let Some(we) = weight_exp {
            let _ = writeln!(s, "weight_exp = {we}");
        }
        if let Some(d) = &l.delays {
            let max = d.iter().flatten().copied().max().unwrap_or(0);
            let _ = writeln!(
                s,
                "max_delay = {}\ndelay_init = \"file\"\ndelay_file = \"delays_{k}.csv\"",
                max + 1
            );
        }
        if stdp && k + 1 == q.layers.len() {
            let _ = writeln!(
                s,
                "\n[{pre}stdp]\nenabled = true\nltp_shift = {FINE_TUNE_SHIFT}\nltd_shift = {FINE_TUNE_SHIFT}"
            );
        } else {
            let _ = writeln!(s, "\n[{pre}stdp]\nenabled = false");
        }
    }
    s
}

/// One TOML integer when all values are equal, else an array of them.
fn one_or_array<T: PartialEq + std::fmt::Display>(v: &[T]) -> String {
    if v.iter().all(|x| *x == v[0]) {
        v[0].to_string()
    } else {
        let items: Vec<String> = v.iter().map(T::to_string).collect();
        format!("[{}]", items.join(", "))
    }
}
