//! Write a network of layers (its config, and the weights of a result) as a NIR graph:
//! `input -> fc0 -> lif0 -> fc1 -> lif1 -> ... -> output`, in integer units of v (the inverse of
//! [`super::quant`] with a voltage scale of 1), so that importing the file again gives the same
//! integer network when the weights span their range.
//!
//! `lif` layers become NIR `LIF` (leak shift s: `tau = dt * 2^s`, `r = 1`, weights `w * 2^s`
//! so that `dt/tau * r * W = w`; no leak: `IF` with `r = 1/dt`), spiking at `v > threshold - 1`;
//! `cuba` layers become `CubaLIF` (`tau_syn = 4096 dt / (du + 1)`, `tau_mem = 4096 dt / dv`,
//! weights `w 2^(weight_exp+6) / (dt/tau_mem * dt/tau_syn)`, `v_threshold = vth * 64`, `v_leak`
//! from the bias).

use super::graph::{Array, Graph, Neuron, Node};
use golden::Config;
use golden::config::NeuronConfig;
use hdf5_pure::FileBuilder;
use std::collections::BTreeMap;

/// The NIR graph of `cfg` with the weights `weights[k]` (`W[j][i]`) of each layer.
pub fn graph(cfg: &Config, weights: &[Vec<Vec<i32>>], dt: f64) -> Result<Graph, String> {
    let layers = cfg.layer_configs();
    if weights.len() != layers.len() {
        return Err(format!(
            "the result has {} layers, the config {}",
            weights.len(),
            layers.len()
        ));
    }
    let mut nodes = BTreeMap::new();
    let mut edges = Vec::new();
    let inputs = layers[0].array.inputs as usize;
    nodes.insert(
        "input".to_string(),
        Node::Input {
            shape: vec![inputs],
        },
    );
    let mut prev = "input".to_string();
    for (k, (l, w)) in layers.iter().zip(weights).enumerate() {
        let n = l.array.neurons as usize;
        let rows = l.array.inputs as usize;
        if l.array.recurrent {
            return Err(format!(
                "layer {k} is recurrent; NIR export supports feed-forward chains"
            ));
        }
        if l.max_delay() > 0 {
            return Err(format!(
                "layer {k} has synaptic delays (synapse.max_delay = {}); NIR export does not write Delay nodes yet (NIR's Delay has one delay per channel, ours one per synapse): export supports networks without delays",
                l.max_delay()
            ));
        }
        if w.len() != rows || w.iter().any(|r| r.len() != n) {
            return Err(format!(
                "layer {k}: the result's weights are not {rows} rows of {n} values"
            ));
        }
        let (gain, neuron, node): (f64, Neuron, fn(Neuron) -> Node) = match &l.neuron {
            NeuronConfig::Lif(c) => {
                if c.theta_plus != 0 || c.inhibition != 0 || c.refractory != 0 {
                    return Err(format!(
                        "layer {k}: theta_plus, inhibition and refractory have no NIR equivalent (they must be 0)"
                    ));
                }
                let th = (c.threshold - 1) as f64;
                let vr = c.v_reset as f64;
                if c.leak_shift == 0 {
                    let nn = Neuron {
                        tau_mem: vec![f64::INFINITY; n],
                        tau_syn: vec![0.0; n],
                        r: vec![1.0 / dt; n],
                        v_leak: vec![0.0; n],
                        v_reset: vec![vr; n],
                        v_threshold: vec![th; n],
                        w_in: vec![1.0; n],
                    };
                    (1.0, nn, Node::If)
                } else {
                    let s = 2f64.powi(c.leak_shift as i32);
                    let nn = Neuron {
                        tau_mem: vec![dt * s; n],
                        tau_syn: vec![0.0; n],
                        r: vec![1.0; n],
                        v_leak: vec![0.0; n],
                        v_reset: vec![vr; n],
                        v_threshold: vec![th; n],
                        w_in: vec![1.0; n],
                    };
                    (s, nn, Node::Lif)
                }
            }
            NeuronConfig::Cuba(c) => {
                if c.dv == 0 {
                    return Err(format!(
                        "layer {k}: dv = 0 (no leak) has no CubaLIF time constant"
                    ));
                }
                let a_s = (c.du + 1) as f64 / 4096.0;
                let a_m = c.dv as f64 / 4096.0;
                if c.bias_mant.len() != n && c.bias_mant.len() != 1 {
                    return Err(format!(
                        "layer {k}: {} biases for {n} neurons",
                        c.bias_mant.len()
                    ));
                }
                let bias = |i: usize| {
                    let at = |v: usize| if v == 1 { 0 } else { i };
                    (c.bias_mant[at(c.bias_mant.len())] << c.bias_exp[at(c.bias_exp.len())]) as f64
                };
                let nn = Neuron {
                    tau_mem: vec![dt / a_m; n],
                    tau_syn: vec![dt / a_s; n],
                    r: vec![1.0; n],
                    v_leak: (0..n).map(|i| bias(i) / a_m).collect(),
                    v_reset: vec![0.0; n],
                    v_threshold: vec![(c.vth * 64) as f64; n],
                    w_in: vec![1.0; n],
                };
                (2f64.powi(c.weight_exp + 6) / (a_m * a_s), nn, Node::CubaLif)
            }
        };
        // NIR's weight is [out, in] = W^T
        let mut data = Vec::with_capacity(n * rows);
        for i in 0..n {
            for row in w {
                data.push(row[i] as f64 * gain);
            }
        }
        let fc = format!("fc{k}");
        let lif = format!("layer{k}");
        nodes.insert(
            fc.clone(),
            Node::Linear {
                weight: Array {
                    shape: vec![n, rows],
                    data,
                },
            },
        );
        nodes.insert(lif.clone(), node(neuron));
        edges.push((prev, fc.clone()));
        edges.push((fc, lif.clone()));
        prev = lif;
    }
    let out = layers.last().unwrap().array.neurons as usize;
    nodes.insert("output".into(), Node::Output { shape: vec![out] });
    edges.push((prev, "output".into()));
    Ok(Graph { nodes, edges })
}

/// The bytes of a `.nir` file holding `g` (the `nir` package's layout, gzip-compressed arrays).
pub fn to_bytes(g: &Graph) -> Result<Vec<u8>, String> {
    let mut b = FileBuilder::new();
    b.create_dataset("version")
        .with_vlen_strings(&["1.0.8"])
        .with_shape(&[]);
    let mut node = b.create_group("node");
    write_graph(&mut node, g)?;
    b.add_group(node.finish());
    b.finish().map_err(|e| format!("HDF5 writer: {e}"))
}

fn string(g: &mut hdf5_pure::GroupBuilder, name: &str, v: &str) {
    g.create_dataset(name)
        .with_vlen_strings(&[v])
        .with_shape(&[]);
}

fn array(g: &mut hdf5_pure::GroupBuilder, name: &str, shape: &[usize], data: &[f64]) {
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    g.create_dataset(name)
        .with_f64_data(data)
        .with_shape(&shape)
        .with_chunks(&shape)
        .with_deflate(4);
}

fn write_graph(g: &mut hdf5_pure::GroupBuilder, graph: &Graph) -> Result<(), String> {
    string(g, "type", "NIRGraph");
    let flat: Vec<&str> = graph
        .edges
        .iter()
        .flat_map(|(s, t)| [s.as_str(), t.as_str()])
        .collect();
    g.create_dataset("edges")
        .with_vlen_strings(&flat)
        .with_shape(&[graph.edges.len() as u64, 2]);
    let mut nodes = g.create_group("nodes");
    for (name, node) in &graph.nodes {
        let mut ng = nodes.create_group(name);
        string(&mut ng, "type", node.type_name());
        match node {
            Node::Input { shape } | Node::Output { shape } => {
                let d: Vec<f64> = shape.iter().map(|&x| x as f64).collect();
                // the nir package stores shapes as int64
                let d: Vec<i64> = d.iter().map(|&x| x as i64).collect();
                ng.create_dataset("shape")
                    .with_i64_data(&d)
                    .with_shape(&[d.len() as u64]);
            }
            Node::Linear { weight } => array(&mut ng, "weight", &weight.shape, &weight.data),
            Node::Affine { weight, bias } => {
                array(&mut ng, "weight", &weight.shape, &weight.data);
                array(&mut ng, "bias", &bias.shape, &bias.data);
            }
            Node::Lif(n) | Node::If(n) | Node::CubaLif(n) => {
                let len = [n.len()];
                if matches!(node, Node::Lif(_)) {
                    array(&mut ng, "tau", &len, &n.tau_mem);
                }
                if matches!(node, Node::CubaLif(_)) {
                    array(&mut ng, "tau_mem", &len, &n.tau_mem);
                    array(&mut ng, "tau_syn", &len, &n.tau_syn);
                    array(&mut ng, "w_in", &len, &n.w_in);
                }
                if !matches!(node, Node::If(_)) {
                    array(&mut ng, "v_leak", &len, &n.v_leak);
                }
                array(&mut ng, "r", &len, &n.r);
                array(&mut ng, "v_reset", &len, &n.v_reset);
                array(&mut ng, "v_threshold", &len, &n.v_threshold);
            }
            other => {
                return Err(format!(
                    "node '{name}': export of {} is not supported",
                    other.type_name()
                ));
            }
        }
        nodes.add_group(ng.finish());
    }
    g.add_group(nodes.finish());
    Ok(())
}
