//! The float reference: the NIR equations of a chain, discretised with forward Euler at `dt`
//! (the same discretisation as scripts/peers/nir_fixtures.py). Per layer and step, with the
//! previous layer's spikes `s` of the same step and `I = W s + b`:
//! - LIF: `v += dt/tau * (v_leak - v + r I)`
//! - IF: `v += dt * r * I`
//! - CubaLIF: `i += dt/tau_syn * (-i + w_in I)`, then `v += dt/tau_mem * (v_leak - v + r i)`
//!
//! then a neuron spikes where `v > v_threshold` and its v becomes `v_reset`.
//!
//! With Delay nodes on a layer, `W[i][j] s_j` of step t is added to neuron i's input of step
//! `t + d[j][i]` (the ticks of [`super::quant::delay_ticks`]): a ring of future inputs per neuron,
//! as the golden model's. Without delays the input is the dot product as before.

use super::graph::{Kind, Layer};

/// A layer's delays `d[j][i]` and its ring of future inputs, one slot per tick of delay.
type Ring = (Vec<Vec<u32>>, Vec<Vec<f64>>);

/// Spikes of each layer, per step, ascending neuron indices.
pub fn run(layers: &[Layer], dt: f64, stim: &[Vec<u32>]) -> Vec<Vec<Vec<u32>>> {
    let mut v: Vec<Vec<f64>> = layers.iter().map(|l| vec![0.0; l.neuron.len()]).collect();
    let mut cur: Vec<Vec<f64>> = v.clone();
    let mut out = vec![Vec::with_capacity(stim.len()); layers.len()];
    let n_in = layers[0].weight[0].len();
    // per layer: d[j][i] and a ring of D future inputs per neuron (None: no delays)
    let mut rings: Vec<Option<Ring>> = layers
        .iter()
        .map(|l| {
            let d = super::quant::delay_ticks(l, dt, &mut String::new()).ok()??;
            let slots = d.iter().flatten().copied().max().unwrap_or(0) as usize + 1;
            Some((d, vec![vec![0.0; l.neuron.len()]; slots]))
        })
        .collect();
    for (t, events) in stim.iter().enumerate() {
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
            if let Some((d, ring)) = &mut rings[k] {
                let slots = ring.len();
                for (j, &x) in s.iter().enumerate() {
                    if x != 0.0 {
                        for (i, w) in l.weight.iter().enumerate() {
                            ring[(t + d[j][i] as usize) % slots][i] += w[j] * x;
                        }
                    }
                }
            }
            let arrived = rings[k].as_mut().map(|(_, ring)| {
                let slot = t % ring.len();
                std::mem::replace(&mut ring[slot], vec![0.0; n.len()])
            });
            for i in 0..n.len() {
                // the same summation order as numpy's W @ s for a vector: a dot product
                let input: f64 = match &arrived {
                    Some(a) => a[i],
                    None => l.weight[i].iter().zip(&s).map(|(w, x)| w * x).sum::<f64>(),
                } + l.bias[i];
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
