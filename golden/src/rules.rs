//! The rules both models share: every range derived from a config, the host port's checks, the
//! `cuba` neuron update and the synaptic-scaling arithmetic, each written once.
//!
//! Key decision: the optimized model ([`crate::model`]) and the reference model
//! ([`crate::reference`]) keep separate copies only of what the optimized model computes
//! differently (the event, LIF, potentiation and decay kernels): those copies are what the
//! differential test compares. Everything else (a bound, a host-port check, a per-neuron formula
//! that the optimized model computes exactly as the reference does) lives here, so the two cannot
//! drift apart. The named hardware operations themselves (saturate, shift, clamp) are in
//! [`crate::arith`]; docs/model.md states each rule in words.

use crate::arith::{
    asr, clamp, div0, sat_signed, signed_max, signed_min, unsigned_max, wrap24_lava,
};
use crate::config::{Config, CubaConfig, LifConfig, NeuronConfig, StdpConfig};
use crate::error::{Error, Result};
use ndarray::Array2;

/// Which state a host access names (the regions of the hardware's memory map).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    /// Membrane potential v (per neuron).
    V,
    /// Refractory counter (per neuron).
    Refractory,
    /// Adaptive threshold theta (per neuron).
    Theta,
    /// Presynaptic trace x (per row).
    X,
    /// Postsynaptic trace y (per neuron).
    Y,
    /// `cuba` current u (per neuron).
    U,
}

// ----- ranges ------------------------------------------------------------------------------

/// The range of a `lif` membrane potential: `[max(v_min, -2^(v_bits-1)), 2^(v_bits-1) - 1]`
/// (what `sat_v` clamps to).
pub fn v_range(l: &LifConfig) -> (i64, i64) {
    (l.v_min.max(signed_min(l.v_bits)), signed_max(l.v_bits))
}

/// The range of the accumulator: signed `acc_bits` of either model (it saturates after every
/// addition).
pub fn acc_range(cfg: &Config) -> (i64, i64) {
    match &cfg.neuron {
        NeuronConfig::Lif(l) => (signed_min(l.acc_bits), signed_max(l.acc_bits)),
        NeuronConfig::Cuba(c) => (signed_min(c.acc_bits), signed_max(c.acc_bits)),
    }
}

/// The largest trace value `2^trace_bits - 1` (x and y saturate there).
pub fn trace_max(s: &StdpConfig) -> i64 {
    unsigned_max(s.trace_bits)
}

/// The largest adaptive threshold `2^theta_bits - 1` (theta saturates there).
pub fn theta_max(l: &LifConfig) -> i64 {
    unsigned_max(l.theta_bits)
}

/// The largest magnitude of a `cuba` v: v is clamped to `[-CUBA_V_MAX, CUBA_V_MAX]`.
pub const CUBA_V_MAX: i64 = (1 << 23) - 1;

/// The largest magnitude of a `cuba` input `a_in` (after the `weight_exp` shift): `a_in` is
/// clamped to `[-CUBA_A_MAX, CUBA_A_MAX]`, so `|a_in << 6| < 2^24` and Lava's single wrap keeps
/// u within [`CUBA_U_RANGE`]: from u in `(-2^23, 2^23]`, the decayed u plus `a_in << 6` lies
/// within `(-2^23 - 2^24, 2^23 + 2^24)`, and one move by `2^24` brings it back.
pub const CUBA_A_MAX: i64 = (1 << 18) - 1;

/// Bits of a signed `cuba` u: [`CUBA_U_RANGE`] needs 25 (`2^23` itself is in it).
pub const CUBA_U_BITS: u32 = 25;

/// The range of a `cuba` u after Lava's 24-bit wrap: `(-2^23, 2^23]`.
pub const CUBA_U_RANGE: (i64, i64) = (-(1 << 23) + 1, 1 << 23);

/// The range a state value can hold (what a host write may store), or an error when the model
/// has no such state (u of `lif`; v's refractory counter or theta of `cuba`).
pub fn state_range(cfg: &Config, kind: StateKind) -> Result<(i64, i64)> {
    match (&cfg.neuron, kind) {
        (_, StateKind::X | StateKind::Y) => Ok((0, trace_max(&cfg.stdp))),
        (NeuronConfig::Lif(l), StateKind::V) => Ok(v_range(l)),
        (NeuronConfig::Lif(l), StateKind::Refractory) => Ok((0, l.refractory as i64)),
        (NeuronConfig::Lif(l), StateKind::Theta) => Ok((0, theta_max(l))),
        (NeuronConfig::Cuba(_), StateKind::V) => Ok((-CUBA_V_MAX, CUBA_V_MAX)),
        (NeuronConfig::Cuba(_), StateKind::U) => Ok(CUBA_U_RANGE),
        (m, k) => Err(Error::Range {
            message: format!(
                "{k:?} is not a state of model {}",
                if matches!(m, NeuronConfig::Lif(_)) {
                    "lif"
                } else {
                    "cuba"
                }
            ),
        }),
    }
}

/// Saturate `v` to the membrane range of the config's model (used by tests and importers).
pub fn sat_v(cfg: &Config, v: i64) -> i64 {
    match &cfg.neuron {
        NeuronConfig::Lif(l) => {
            let (lo, hi) = v_range(l);
            clamp(v, lo, hi)
        }
        NeuronConfig::Cuba(_) => sat_signed(v, 24),
    }
}

// ----- host port checks ----------------------------------------------------------------------

/// Check a host write of one weight `W[j][i] = w`: indices in range, value within
/// `[w_min, w_max]`.
pub fn check_weight(cfg: &Config, j: usize, i: usize, w: i64) -> Result<()> {
    let (rows, n) = (cfg.rows(), cfg.neurons());
    let (lo, hi) = (cfg.synapse.w_min, cfg.synapse.w_max);
    if j >= rows || i >= n {
        return Err(Error::Range {
            message: format!("weight ({j}, {i}) is outside {rows} rows x {n} neurons"),
        });
    }
    if w < lo || w > hi {
        return Err(Error::Range {
            message: format!("weight {w} is outside {lo}..={hi}"),
        });
    }
    Ok(())
}

/// Check a host write of one delay `d[j][i] = d`: the layer has delays (`synapse.max_delay >
/// 0`), indices in range, value within `0..max_delay`.
pub fn check_delay(cfg: &Config, j: usize, i: usize, d: i64) -> Result<()> {
    let (rows, n, dmax) = (cfg.rows(), cfg.neurons(), cfg.max_delay() as i64);
    if dmax == 0 {
        return Err(Error::Range {
            message: "this layer has no delays (synapse.max_delay = 0)".into(),
        });
    }
    if j >= rows || i >= n {
        return Err(Error::Range {
            message: format!("delay ({j}, {i}) is outside {rows} rows x {n} neurons"),
        });
    }
    if d < 0 || d >= dmax {
        return Err(Error::Range {
            message: format!(
                "delay {d} is outside 0..={} (synapse.max_delay = {dmax})",
                dmax - 1
            ),
        });
    }
    Ok(())
}

/// Check a whole weight matrix written by the host: shape `rows x neurons`, every value within
/// `[w_min, w_max]`.
pub fn check_weights(cfg: &Config, w: &Array2<i32>) -> Result<()> {
    let dim = (cfg.rows(), cfg.neurons());
    if w.dim() != dim {
        return Err(Error::Range {
            message: format!("weight matrix is {:?}, expected {:?}", w.dim(), dim),
        });
    }
    let (lo, hi) = (cfg.synapse.w_min, cfg.synapse.w_max);
    if let Some(bad) = w.iter().find(|&&v| (v as i64) < lo || (v as i64) > hi) {
        return Err(Error::Range {
            message: format!("weight {bad} is outside {lo}..={hi}"),
        });
    }
    Ok(())
}

/// Check a host write of one state value: the model has the state, the index is in range (x
/// has one entry per row, every other state one per neuron) and the value within
/// [`state_range`].
pub fn check_state(cfg: &Config, kind: StateKind, index: usize, value: i64) -> Result<()> {
    let (lo, hi) = state_range(cfg, kind)?;
    let len = match kind {
        StateKind::X => cfg.rows(),
        _ => cfg.neurons(),
    };
    if index >= len {
        return Err(Error::Range {
            message: format!("{kind:?} index {index} is outside 0..{len}"),
        });
    }
    if value < lo || value > hi {
        return Err(Error::Range {
            message: format!("{kind:?} value {value} is outside {lo}..={hi}"),
        });
    }
    Ok(())
}

// ----- when steps run --------------------------------------------------------------------------

/// Whether periodic synaptic scaling (step 5) runs at the end of tick `t` (counted from 0):
/// scaling configured, learning enabled, and `(t + 1) % normalize_every == 0`.
pub fn scaling_due(cfg: &Config, learning: bool, t: u64) -> bool {
    learning && cfg.periodic_scaling() && (t + 1).is_multiple_of(cfg.stdp.normalize_every)
}

/// Whether the weights are potentiated in step 4 of a tick with `spikes` spiking neurons: STDP
/// enabled, learning enabled and some spike (the hardware's potentiation phase runs exactly then).
pub fn potentiation_runs(cfg: &Config, learning: bool, spikes: usize) -> bool {
    cfg.stdp.enabled && learning && spikes > 0
}

/// Whether the host's *normalize* command does anything: STDP enabled and a non-zero
/// `normalize_target` (a target of 0 would zero every weight).
pub fn normalize_allowed(cfg: &Config) -> bool {
    cfg.stdp.enabled && cfg.stdp.normalize_target > 0
}

// ----- step 5: synaptic scaling ----------------------------------------------------------------

/// The scaling ratio of a column whose weights sum to `sum`: `floor(target * 2^16 / sum)` held
/// as an unsigned 32-bit value, or `None` when the sum is not positive (the column is left as
/// it is).
#[inline]
pub fn scaling_ratio(target: i64, sum: i64) -> Option<i64> {
    (sum > 0).then(|| ((target << 16) / sum).min(u32::MAX as i64))
}

/// One weight scaled by the ratio `r`: `clampw((w * r) >> 16)`. A ratio of `2^16` leaves every
/// weight unchanged.
#[inline(always)]
pub fn scaled_weight(w: i64, r: i64, lo: i64, hi: i64) -> i64 {
    clamp(asr(w * r, 16), lo, hi)
}

// ----- step 3 of `cuba` --------------------------------------------------------------------------

/// The new `(u, v, spike)` of one `cuba` neuron with bias `bias` (`bias_mant << bias_exp`, per
/// neuron) whose accumulated weights this tick are `acc`, bit-exact with Lava 0.10's
/// `PyLifModelBitAcc` (docs/model.md, "The cuba model"): `a_in` (clamped to `CUBA_A_MAX`) is
/// added to the decayed u as `a_in << 6` with Lava's 24-bit wrap, v decays and takes u and the
/// bias, clamped to `CUBA_V_MAX`; a spike (`v > vth << 6`) resets v to 0 and leaves u.
#[inline]
pub fn cuba_neuron(c: &CubaConfig, bias: i64, u: i64, v: i64, acc: i64) -> (i64, i64, bool) {
    let a_in = if c.weight_exp >= 0 {
        acc << c.weight_exp
    } else {
        asr(acc, (-c.weight_exp) as u32)
    };
    let a_in = clamp(a_in, -CUBA_A_MAX, CUBA_A_MAX);
    let u = wrap24_lava(div0(u * (4096 - c.du - 1), 4096) + (a_in << 6));
    let v = clamp(
        div0(v * (4096 - c.dv), 4096) + u + bias,
        -CUBA_V_MAX,
        CUBA_V_MAX,
    );
    if v > c.vth << 6 {
        (u, 0, true)
    } else {
        (u, v, false)
    }
}
