//! Tests on the committed fixtures (testdata/nir, written by scripts/peers/nir_fixtures.py with
//! the `nir` Python package). About 1 s in all.

use super::graph::{self, Array, Graph, Layer, Node};
use super::quant::{self, LifModel, Options, QNeuron};
use super::{export, float};
use golden::Config;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/nir")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neurogen-nir-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Reference {
    dt: f64,
    stimulus: Vec<Vec<u32>>,
    layers: Vec<Vec<Vec<u32>>>,
}

fn reference(name: &str) -> Reference {
    let text = std::fs::read_to_string(fixture(&format!("{name}.ref.json"))).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    Reference {
        dt: v["dt"].as_f64().unwrap(),
        stimulus: serde_json::from_value(v["stimulus"].clone()).unwrap(),
        layers: v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| serde_json::from_value(l["spikes"].clone()).unwrap())
            .collect(),
    }
}

fn chain_of(name: &str) -> (usize, Vec<Layer>) {
    graph::chain(&graph::read(&fixture(&format!("{name}.nir"))).unwrap()).unwrap()
}

fn opts(weight_bits: u32) -> Options {
    Options {
        dt: 1e-3,
        weight_bits,
        v_bits: 16,
        lif_model: LifModel::Shift,
    }
}

/// Quantise and write DIR/net.toml + weights, load it with the golden model's parser.
fn import(name: &str, q: &quant::Quantised, opt: &Options) -> Config {
    let dir = tmp(name);
    std::fs::write(
        dir.join("net.toml"),
        quant::config_toml("t", q, opt, name, false),
    )
    .unwrap();
    for (k, l) in q.layers.iter().enumerate() {
        std::fs::write(dir.join(format!("weights_{k}.csv")), quant::weights_csv(l)).unwrap();
        if let Some(d) = quant::delays_csv(l) {
            std::fs::write(dir.join(format!("delays_{k}.csv")), d).unwrap();
        }
    }
    Config::from_file(&dir.join("net.toml")).unwrap()
}

fn agreement(a: &[Vec<u32>], b: &[Vec<u32>]) -> f64 {
    let (na, nb, c) = crate::cmd::nir_agreement(a, b);
    if na + nb == 0 {
        1.0
    } else {
        2.0 * c as f64 / (na + nb) as f64
    }
}

#[test]
fn float_reference_equals_the_python_script_on_every_fixture() {
    for name in ["lif_chain", "cuba_chain", "if_nested"] {
        let r = reference(name);
        let (_, layers) = chain_of(name);
        assert_eq!(layers.len(), r.layers.len(), "{name}");
        let ours = float::run(&layers, r.dt, &r.stimulus);
        assert_eq!(ours, r.layers, "{name}");
        // control: another dt gives other spikes, so the comparison can fail
        assert_ne!(
            float::run(&layers, r.dt * 1.25, &r.stimulus),
            r.layers,
            "{name}"
        );
    }
}

#[test]
fn the_graphs_are_read_as_written() {
    let (n_in, l) = chain_of("lif_chain");
    assert_eq!((n_in, l.len()), (16, 2));
    assert_eq!((l[0].weight.len(), l[0].weight[0].len()), (12, 16));
    assert_eq!(
        (l[1].weight_node.as_str(), l[1].neuron_node.as_str()),
        ("fc2", "lif2")
    );
    assert_eq!(l[0].neuron.tau_mem, vec![8e-3; 12]);
    // Flatten of a 3x4 input, the Scale (2.0) folded into the Linear weights
    let (n_in, c) = chain_of("cuba_chain");
    assert_eq!(n_in, 12);
    assert_eq!(c[0].kind, graph::Kind::CubaLif);
    let g = graph::read(&fixture("cuba_chain.nir")).unwrap();
    let Some(Node::Linear { weight }) = g.nodes.get("fc") else {
        panic!("no Linear fc")
    };
    assert_eq!(c[0].weight[0][0], 2.0 * weight.data[0]);
    // the nested subgraph is inlined
    let (_, i) = chain_of("if_nested");
    assert_eq!(i[0].neuron_node, "block.if");
}

#[test]
fn quantised_network_agrees_with_the_float_reference() {
    for (name, bits, min) in [
        ("lif_chain", 16, [1.0, 1.0]),
        ("lif_chain", 8, [0.95, 0.75]),
        ("cuba_chain", 16, [0.99, 0.0]),
        ("cuba_chain", 8, [0.7, 0.0]),
        ("if_nested", 8, [0.9, 0.0]),
    ] {
        let r = reference(name);
        let (n_in, layers) = chain_of(name);
        let opt = opts(bits);
        let q = quant::quantise(n_in, &layers, &opt).unwrap();
        let cfg = import(&format!("{name}{bits}"), &q, &opt);
        let got = crate::cmd::nir_golden_spikes(&cfg, &r.stimulus);
        for k in 0..layers.len() {
            let a = agreement(&got[k], &r.layers[k]);
            assert!(
                a >= min[k],
                "{name} {bits} bits layer {k}: agreement {a} < {}",
                min[k]
            );
        }
        // mutant: one more leak shift (or a 12 % larger dv) must lose the exact agreement
        let mut m = q.clone();
        match &mut m.layers[0].neuron {
            QNeuron::Lif { leak_shift, .. } if *leak_shift > 0 => *leak_shift += 1,
            QNeuron::Lif { threshold, .. } => *threshold += *threshold / 8,
            QNeuron::Cuba { dv, .. } => *dv += *dv / 8,
        }
        let cfg = import(&format!("{name}{bits}m"), &m, &opt);
        let bad = crate::cmd::nir_golden_spikes(&cfg, &r.stimulus);
        let a = agreement(&bad[0], &r.layers[0]);
        assert!(
            a < 0.9 * min[0].max(0.8),
            "{name} {bits}: the mutant still agrees ({a})"
        );
    }
}

#[test]
fn export_then_import_gives_the_same_network() {
    for (name, lif_model) in [
        ("lif_chain", LifModel::Shift),
        ("lif_chain", LifModel::Cuba),
        ("cuba_chain", LifModel::Shift),
        ("if_nested", LifModel::Shift),
    ] {
        let (n_in, layers) = chain_of(name);
        let opt = Options {
            lif_model,
            ..opts(8)
        };
        let q = quant::quantise(n_in, &layers, &opt).unwrap();
        let cfg = import(&format!("rt-{name}"), &q, &opt);
        let w: Vec<Vec<Vec<i32>>> = q
            .layers
            .iter()
            .map(|l| {
                l.weights
                    .iter()
                    .map(|r| r.iter().map(|&x| x as i32).collect())
                    .collect()
            })
            .collect();
        let g = export::graph(&cfg, &w, opt.dt).unwrap();
        let path = tmp(&format!("rt-{name}")).join("export.nir");
        std::fs::write(&path, export::to_bytes(&g).unwrap()).unwrap();
        let back = graph::read(&path).unwrap();
        assert_eq!(back, g, "{name}: the file reads back as written");
        let (n2, l2) = graph::chain(&back).unwrap();
        let q2 = quant::quantise(n2, &l2, &opt).unwrap();
        for (a, b) in q.layers.iter().zip(&q2.layers) {
            assert_eq!(a.weights, b.weights, "{name}");
            assert_eq!(a.neuron, b.neuron, "{name}");
        }
    }
}

fn err_of(g: &Graph) -> String {
    graph::chain(g).unwrap_err()
}

fn lin(out: usize, inp: usize) -> Node {
    Node::Linear {
        weight: Array {
            shape: vec![out, inp],
            data: vec![0.5; out * inp],
        },
    }
}

fn lif(n: usize) -> Node {
    Node::Lif(graph::Neuron {
        tau_mem: vec![8e-3; n],
        tau_syn: vec![0.0; n],
        r: vec![1.0; n],
        v_leak: vec![0.0; n],
        v_reset: vec![0.0; n],
        v_threshold: vec![1.0; n],
        w_in: vec![1.0; n],
    })
}

fn g(nodes: Vec<(&str, Node)>, edges: &[(&str, &str)]) -> Graph {
    Graph {
        nodes: nodes.into_iter().map(|(k, n)| (k.to_string(), n)).collect(),
        edges: edges
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

#[test]
fn unsupported_and_malformed_graphs_are_refused_with_the_node_named() {
    let e = graph::chain(&graph::read(&fixture("bad_conv.nir")).unwrap()).unwrap_err();
    assert!(
        e.contains("'conv'") && e.contains("Conv1d") && e.contains("supported:"),
        "{e}"
    );

    let ok = || {
        g(
            vec![
                ("in", Node::Input { shape: vec![3] }),
                ("fc", lin(2, 3)),
                ("n", lif(2)),
                ("out", Node::Output { shape: vec![2] }),
            ],
            &[("in", "fc"), ("fc", "n"), ("n", "out")],
        )
    };
    assert!(graph::chain(&ok()).is_ok(), "control");
    let mut c = ok();
    c.nodes
        .insert("out2".into(), Node::Output { shape: vec![2] });
    c.edges.push(("n".into(), "out2".into()));
    let e = err_of(&c);
    assert!(e.contains("'n'") && e.contains("feeds 2"), "{e}");
    let mut c = ok();
    c.edges.push(("n".into(), "fc".into()));
    let e = err_of(&c);
    assert!(e.contains("cycle") && e.contains("fc, n"), "{e}");
    let mut c = ok();
    c.edges[2] = ("n".into(), "fc".into());
    c.nodes.remove("out");
    let e = err_of(&c);
    assert!(e.contains("cycle") && e.contains("fc"), "{e}");
    let mut c = ok();
    c.nodes.insert("fc".into(), lin(2, 4));
    let e = err_of(&c);
    assert!(e.contains("'fc'") && e.contains("shape mismatch"), "{e}");
    let mut c = ok();
    c.nodes.insert("n".into(), lif(5));
    let e = err_of(&c);
    assert!(
        e.contains("'n' (LIF)") && e.contains("shape mismatch"),
        "{e}"
    );
    let mut c = ok();
    c.nodes.insert("fc".into(), Node::Other("SumPool2d".into()));
    let e = err_of(&c);
    assert!(
        e.contains("'fc' (SumPool2d)") && e.contains("not supported"),
        "{e}"
    );
    let mut c = ok();
    c.edges[2] = ("n".into(), "missing".into());
    let e = err_of(&c);
    assert!(e.contains("no node 'missing'"), "{e}");
}

#[test]
fn bad_files_are_refused_with_the_file_named() {
    let dir = tmp("bad");
    // truncated
    let bytes = std::fs::read(fixture("lif_chain.nir")).unwrap();
    let p = dir.join("trunc.nir");
    std::fs::write(&p, &bytes[..bytes.len() / 3]).unwrap();
    let e = graph::read(&p).unwrap_err();
    assert!(e.contains("trunc.nir"), "{e}");
    // not HDF5
    let p = dir.join("text.nir");
    std::fs::write(&p, "name = 1\n").unwrap();
    let e = graph::read(&p).unwrap_err();
    assert!(e.contains("not a readable HDF5 file"), "{e}");
    // HDF5 without the NIR layout
    let mut b = hdf5_pure::FileBuilder::new();
    b.create_dataset("x").with_f64_data(&[1.0]);
    let p = dir.join("plain.h5");
    std::fs::write(&p, b.finish().unwrap()).unwrap();
    let e = graph::read(&p).unwrap_err();
    assert!(e.contains("no root dataset 'version'"), "{e}");
    // a parameter of the wrong type: v_threshold as a string
    let mut b = hdf5_pure::FileBuilder::new();
    b.create_dataset("version")
        .with_vlen_strings(&["1.0.8"])
        .with_shape(&[]);
    let mut node = b.create_group("node");
    node.create_dataset("type")
        .with_vlen_strings(&["NIRGraph"])
        .with_shape(&[]);
    node.create_dataset("edges")
        .with_vlen_strings(&["a", "b"])
        .with_shape(&[1, 2]);
    let mut nodes = node.create_group("nodes");
    let mut n = nodes.create_group("lif");
    n.create_dataset("type")
        .with_vlen_strings(&["LIF"])
        .with_shape(&[]);
    n.create_dataset("v_threshold")
        .with_vlen_strings(&["high"])
        .with_shape(&[1]);
    nodes.add_group(n.finish());
    node.add_group(nodes.finish());
    b.add_group(node.finish());
    let p = dir.join("types.nir");
    std::fs::write(&p, b.finish().unwrap()).unwrap();
    let e = graph::read(&p).unwrap_err();
    assert!(
        e.contains("nodes/lif/v_threshold") && e.contains("not a numeric array"),
        "{e}"
    );
}

#[test]
fn samples_file_parses_hex_words_and_refuses_bad_lines() {
    use super::samples;
    let d = tmp("samples");
    let f = d.join("s.csv");
    // bit i of a word = input i: 0x5 -> 0 and 2; 0x100 -> 8
    std::fs::write(&f, "7,3,5,0,100\n").unwrap();
    let s = samples::read(&f).unwrap();
    assert_eq!(
        s,
        vec![samples::Sample {
            index: 7,
            label: 3,
            ticks: vec![vec![0, 2], vec![], vec![8]]
        }]
    );
    std::fs::write(&f, "7,3,5g\n").unwrap();
    let e = samples::read(&f).unwrap_err();
    assert!(e.contains("line 1: tick 0: \"5g\""), "{e}");
    std::fs::write(&f, "7,x,5\n").unwrap();
    let e = samples::read(&f).unwrap_err();
    assert!(e.contains("label \"x\""), "{e}");
    // the class: most spikes, the lowest index among equals
    assert_eq!(samples::class(&[1, 3, 3, 0]), 1);
    assert_eq!(samples::class(&[0, 0]), 0);
}

#[test]
fn time_constant_shorter_than_dt_is_refused() {
    let g = graph::read(&fixture("cuba_chain.nir")).unwrap();
    let (inputs, layers) = graph::chain(&g).unwrap();
    let opt = |dt| Options {
        dt,
        weight_bits: 8,
        v_bits: 16,
        lif_model: LifModel::Shift,
    };
    // tau_syn = 4 ms: dt = 4 ms passes, 5 ms does not
    assert!(quant::quantise(inputs, &layers, &opt(4e-3)).is_ok());
    let e = quant::quantise(inputs, &layers, &opt(5e-3)).unwrap_err();
    assert!(
        e.contains("node 'cuba' (CubaLIF): tau_syn = 4e-3 s is shorter than dt = 5e-3 s"),
        "{e}"
    );
}

fn delay(d: &[f64]) -> Node {
    Node::Delay {
        delay: Array {
            shape: vec![d.len()],
            data: d.to_vec(),
        },
    }
}

/// Input -> Delay(in) -> Linear -> Delay(out) -> LIF -> Output, 3 inputs, 2 neurons.
fn delayed(din: &[f64], dout: &[f64]) -> Graph {
    g(
        vec![
            ("in", Node::Input { shape: vec![3] }),
            ("din", delay(din)),
            ("fc", lin(2, 3)),
            ("dout", delay(dout)),
            ("lif", lif(2)),
            ("out", Node::Output { shape: vec![2] }),
        ],
        &[
            ("in", "din"),
            ("din", "fc"),
            ("fc", "dout"),
            ("dout", "lif"),
            ("lif", "out"),
        ],
    )
}

fn quantise_graph(gr: &Graph) -> Result<quant::Quantised, String> {
    let (n_in, layers) = graph::chain(gr)?;
    quant::quantise(n_in, &layers, &opts(8))
}

#[test]
fn delay_nodes_become_per_synapse_delays() {
    // the fixture written by the nir package: input delays 0,1,2,0,3,0 ticks, output delays
    // 0, 0.4, 2.2, 1 ticks (rounded 0, 0, 2, 1): d[j][i] = din[j] + round(dout[i])
    let (n_in, layers) = chain_of("delay_chain");
    let q = quant::quantise(n_in, &layers, &opts(8)).unwrap();
    let din = [0, 1, 2, 0, 3, 0];
    let dout = [0, 0, 2, 1];
    let want: Vec<Vec<u32>> = din
        .iter()
        .map(|a| dout.iter().map(|b| a + b).collect())
        .collect();
    assert_eq!(q.layers[0].delays.as_ref(), Some(&want));
    assert!(
        q.report.contains("delay 'dout' (output 4 channels)"),
        "{}",
        q.report
    );
    let cfg = import("delay_chain", &q, &opts(8));
    assert_eq!(cfg.max_delay(), 6);
    // export refuses delays (NIR's Delay is per channel, ours per synapse)
    let w: Vec<Vec<Vec<i32>>> = q
        .layers
        .iter()
        .map(|l| {
            l.weights
                .iter()
                .map(|r| r.iter().map(|&x| x as i32).collect())
                .collect()
        })
        .collect();
    let e = export::graph(&cfg, &w, 1e-3).unwrap_err();
    assert!(e.contains("layer 0 has synaptic delays"), "{e}");
    // neuron i takes input i alone (neuron 0 also input 4) and fires on one spike: a spike of
    // input j at tick t fires its neuron at t + d[j][i], in the golden model and the float one
    let stim: Vec<Vec<u32>> = [vec![0, 1, 2, 3], vec![], vec![], vec![], vec![], vec![4]]
        .into_iter()
        .chain(std::iter::repeat_n(vec![], 6))
        .collect();
    let mut want_spikes = vec![vec![]; 12];
    want_spikes[0] = vec![0];
    want_spikes[1] = vec![1, 3];
    want_spikes[4] = vec![2];
    want_spikes[8] = vec![0];
    assert_eq!(crate::cmd::nir_golden_spikes(&cfg, &stim)[0], want_spikes);
    assert_eq!(float::run(&layers, 1e-3, &stim)[0], want_spikes);
    // control: without the Delay nodes every spike comes in its input's tick
    let mut plain = layers.clone();
    plain[0].delays.clear();
    assert_ne!(float::run(&plain, 1e-3, &stim)[0], want_spikes);
}

#[test]
fn zero_delays_give_the_network_without_delays() {
    let with = quantise_graph(&delayed(&[0.0; 3], &[0.0, 0.0])).unwrap();
    let without = quantise_graph(&g(
        vec![
            ("in", Node::Input { shape: vec![3] }),
            ("fc", lin(2, 3)),
            ("lif", lif(2)),
            ("out", Node::Output { shape: vec![2] }),
        ],
        &[("in", "fc"), ("fc", "lif"), ("lif", "out")],
    ))
    .unwrap();
    let toml = |q: &quant::Quantised| quant::config_toml("t", q, &opts(8), "x", false);
    assert_eq!(toml(&with), toml(&without));
    assert!(with.layers[0].delays.is_none());
    // control: one delay of 1 tick writes max_delay = 2
    let one = quantise_graph(&delayed(&[0.0, 1e-3, 0.0], &[0.0, 0.0])).unwrap();
    assert_ne!(toml(&one), toml(&without));
    assert!(toml(&one).contains("max_delay = 2\n"), "{}", toml(&one));
    // several Delays add: 1 tick on input 1 plus 2 on neuron 0
    let two = quantise_graph(&delayed(&[0.0, 1e-3, 0.0], &[2e-3, 0.0])).unwrap();
    assert_eq!(
        two.layers[0].delays,
        Some(vec![vec![2, 0], vec![3, 1], vec![2, 0]])
    );
}

#[test]
fn bad_delays_are_refused_with_the_node_named() {
    let e = err_of(&delayed(&[0.0; 2], &[0.0, 0.0]));
    assert!(
        e.contains("node 'din' (Delay): shape mismatch: 2 delays"),
        "{e}"
    );
    let e = err_of(&delayed(&[0.0; 3], &[0.0, -1e-3]));
    assert!(
        e.contains("node 'dout' (Delay): delay[1] = -0.001 s"),
        "{e}"
    );
    // 255 ticks is the largest delay, 256 too many
    assert!(quantise_graph(&delayed(&[0.0, 0.255, 0.0], &[0.0, 0.0])).is_ok());
    let e = quantise_graph(&delayed(&[0.0, 0.2562, 0.0], &[0.0, 0.0])).unwrap_err();
    assert!(
        e.contains("node 'din' (Delay): delay[1] = 0.2562 s is 256 ticks"),
        "{e}"
    );
    // each below the limit, their sum above it
    let e = quantise_graph(&delayed(&[0.0, 0.2, 0.0], &[0.1, 0.0])).unwrap_err();
    assert!(e.contains("add up to 300 ticks"), "{e}");
    // a Delay after the last neuron layer has no synapse
    let e = err_of(&g(
        vec![
            ("in", Node::Input { shape: vec![3] }),
            ("fc", lin(2, 3)),
            ("lif", lif(2)),
            ("d", delay(&[0.0, 0.0])),
            ("out", Node::Output { shape: vec![2] }),
        ],
        &[("in", "fc"), ("fc", "lif"), ("lif", "d"), ("d", "out")],
    ));
    assert!(e.contains("node 'd' (Delay): no weights"), "{e}");
}
