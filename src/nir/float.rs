//! The float reference: the NIR equations of a chain, discretised with forward Euler at `dt`
//! (the same discretisation as scripts/peers/nir_fixtures.py). Per layer and step, with the
//! previous layer's spikes `s` of the same step and `I = W s + b`:
//! - LIF: `v += dt/tau * (v_leak - v + r I)`
//! - IF: `v += dt * r * I`
//! - CubaLIF: `i += dt/tau_syn * (-i + w_in I)`, then `v += dt/tau_mem * (v_leak - v + r i)`
//!
//! then a neuron spikes where `v > v_threshold` and its v becomes `v_reset`.

use super::graph::{Kind, Layer};

/// Spikes of each layer, per step, ascending neuron indices.
pub fn run(layers: &[Layer], dt: f64, stim: &[Vec<u32>]) -> Vec<Vec<Vec<u32>>> {
    let mut v: Vec<Vec<f64>> = layers.iter().map(|l| vec![0.0; l.neuron.len()]).collect();
    let mut cur: Vec<Vec<f64>> = v.clone();
    let mut out = vec![Vec::with_capacity(stim.len()); layers.len()];
    let n_in = layers[0].weight[0].len();
    for events in stim {
        let mut s = vec![0.0; n_in];
        for &e in events {
            if (e as usize) < n_in {
                s[e as usize] += 1.0;
            }
        }
        for (k, l) in layers.iter().enumerate() {
            let n = &l.neuron;
            let mut spikes = Vec::new();
            let mut next = vec![0.0; n.len()];
            for i in 0..n.len() {
                // the same summation order as numpy's W @ s for a vector: a dot product
                let input: f64 =
                    l.weight[i].iter().zip(&s).map(|(w, x)| w * x).sum::<f64>() + l.bias[i];
                let vi = &mut v[k][i];
                match l.kind {
                    Kind::Lif => *vi += dt / n.tau_mem[i] * (n.v_leak[i] - *vi + n.r[i] * input),
                    Kind::If => *vi += dt * n.r[i] * input,
                    Kind::CubaLif => {
                        let c = &mut cur[k][i];
                        *c += dt / n.tau_syn[i] * (-*c + n.w_in[i] * input);
                        *vi += dt / n.tau_mem[i] * (n.v_leak[i] - *vi + n.r[i] * *c);
                    }
                }
                if *vi > n.v_threshold[i] {
                    *vi = n.v_reset[i];
                    spikes.push(i as u32);
                    next[i] = 1.0;
                }
            }
            out[k].push(spikes);
            s = next;
        }
    }
    out
}
