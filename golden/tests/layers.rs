//! Networks of layers (docs/model.md, "Networks of layers"): the config's `[network]` and
//! `[[layer]]` tables and their errors, the chain's semantics on hand-made networks whose spikes
//! are worked out by hand, the chain against one-layer reference networks fed by hand, the result
//! file's `layers`, and a property over random small networks of layers.
//!
//! Runtime: well under a second in release mode (the property runs 64 networks of at most 4
//! layers of at most 4 neurons for 12 ticks).

use golden::chain::Chain;
use golden::config::Config;
use golden::model::{HostCommand, Network};
use golden::reference::ReferenceNetwork;
use golden::rng::SplitMix64;
use golden::{Error, Stimulus};
use ndarray::Array2;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn parse(text: &str) -> Result<Config, Error> {
    Config::from_toml_str(text, Path::new("."))
}

/// `text` is rejected naming `key`, and the message contains every one of `want`.
#[track_caller]
fn rejects(text: &str, key: &str, want: &[&str]) {
    match parse(text) {
        Err(Error::Config { key: k, message }) => {
            assert_eq!(k, key, "wrong key for\n{text}\nmessage: {message}");
            for w in want {
                assert!(message.contains(w), "`{key}`: {message} lacks {w:?}");
            }
        }
        other => panic!("expected a config error for\n{text}\ngot {other:?}"),
    }
}

const BASE: &str = "[array]\ninputs = 4\nneurons = 3\n";

// ---- config --------------------------------------------------------------------------------

#[test]
fn errors_of_later_layers_name_the_layer_and_the_key() {
    let l = |rest: &str| format!("{BASE}[[layer]]\nneurons = 2\n{rest}");
    // a value out of range in every section of layer 1
    rejects(
        &l("[layer.neuron]\nthreshold = 40000\n"),
        "layer[1].neuron.threshold",
        &["-32768..=32767"],
    );
    rejects(
        &l("[layer.synapse]\nweight_bits = 17\n"),
        "layer[1].synapse.weight_bits",
        &["1..=16"],
    );
    rejects(
        &l("[layer.stdp]\ntrace_bits = 0\n"),
        "layer[1].stdp.trace_bits",
        &["1..=16"],
    );
    // the same value is fine in layer 0 and names layer 0's key as today
    rejects(
        &format!("{BASE}[neuron]\nthreshold = 40000\n[[layer]]\nneurons = 2\n"),
        "neuron.threshold",
        &["-32768..=32767"],
    );
    // sibling keys in messages carry the prefix too
    rejects(
        &l("[layer.synapse]\nw_min = 9\nw_max = 3\n"),
        "layer[1].synapse.w_min",
        &["layer[1].synapse.w_max = 3"],
    );
    rejects(
        &l("[layer.neuron]\nmodel = \"cuba\"\nthreshold = 5\n"),
        "layer[1].neuron.threshold",
        &["layer[1].neuron.vth"],
    );
    // the array keys of a [[layer]] table
    let two = format!("{BASE}[[layer]]\nneurons = 2\n");
    rejects(
        &format!("{two}[[layer]]\nlanes = 2\n"),
        "layer[2].neurons",
        &["missing"],
    );
    rejects(
        &format!("{two}[[layer]]\nneurons = 6\nlanes = 4\n"),
        "layer[2].lanes",
        &["does not divide layer[2].neurons = 6"],
    );
    rejects(
        &format!("{two}[[layer]]\nneurons = 70000\n"),
        "layer[2].neurons",
        &["1..=65536"],
    );
    // schema: unknown keys and wrong types, naming the layer
    rejects(
        &l("inputs = 3\n"),
        "layer[1].inputs",
        &["unknown key", "the previous layer's neurons"],
    );
    rejects(
        &l("[layer.neuron]\nthresh = 3\n"),
        "layer[1].neuron.thresh",
        &["allowed keys of [layer.neuron]", "threshold"],
    );
    rejects(&l("recurrent = 1\n"), "layer[1].recurrent", &["a boolean"]);
    rejects(
        &l("[layer.stdp]\nrule = 3\n"),
        "layer[1].stdp.rule",
        &["\"additive\" | \"symmetric\""],
    );
    rejects(
        &format!("layer = 3\n{BASE}"),
        "layer",
        &["[[layer]] tables"],
    );
    rejects(
        &format!("{BASE}[layer]\nneurons = 2\n"),
        "layer",
        &["[[layer]] tables"],
    );
    // [network]
    rejects(
        &format!("{BASE}[network]\nlayer_delay = 2\n"),
        "network.layer_delay",
        &["0..=1"],
    );
    rejects(
        &format!("{BASE}[network]\ndelay = 1\n"),
        "network.delay",
        &["layer_delay"],
    );
    // the output stream: "last" or "all", and "all" only with layers
    let two = format!("{BASE}[[layer]]\nneurons = 2\n");
    rejects(
        &format!("{two}[network]\noutput = \"every\"\n"),
        "network.output",
        &["unknown value \"every\"", "\"last\" | \"all\""],
    );
    rejects(
        &format!("{two}[network]\noutput = 1\n"),
        "network.output",
        &["\"last\""],
    );
    rejects(
        &format!("{BASE}[network]\noutput = \"all\"\n"),
        "network.output",
        &["needs a network of layers"],
    );
    use golden::config::ChainOutput;
    let out = |v: &str| parse(&format!("{two}[network]\noutput = \"{v}\"\n")).unwrap();
    assert_eq!(out("all").network.output, ChainOutput::All);
    assert_eq!(out("last").network.output, ChainOutput::Last);
    assert_eq!(parse(&two).unwrap().network.output, ChainOutput::Last);
    // at most 16 layers
    let mut many = BASE.to_string();
    for _ in 0..16 {
        many.push_str("[[layer]]\nneurons = 1\n");
    }
    rejects(&many, "layer", &["at most 15"]);
    many.truncate(many.len() - "[[layer]]\nneurons = 1\n".len());
    assert_eq!(parse(&many).unwrap().layer_count(), 16);
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("layers")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_later_layers_init_file_has_one_row_per_previous_layer_neuron() {
    let dir = scratch("init_file");
    // layer 1: 3 inputs (layer 0's neurons) x 2 neurons
    std::fs::write(dir.join("w1.csv"), "1,2\n3,4\n5,6\n").unwrap();
    std::fs::write(dir.join("w1_short.csv"), "1,2\n3,4\n").unwrap();
    let text = |file: &str| {
        format!(
            "{BASE}[[layer]]\nneurons = 2\n[layer.synapse]\ninit = \"file\"\ninit_file = \"{file}\"\n"
        )
    };
    let cfg = Config::from_toml_str(&text("w1.csv"), &dir).unwrap();
    let l1 = &cfg.layer_configs()[1];
    assert_eq!(l1.array.inputs, 3);
    assert_eq!(
        l1.initial_weights(),
        Array2::from_shape_vec((3, 2), vec![1, 2, 3, 4, 5, 6]).unwrap()
    );
    match Config::from_toml_str(&text("w1_short.csv"), &dir) {
        Err(Error::Config { key, message }) => {
            assert_eq!(key, "layer[1].synapse.init_file");
            assert!(
                message.contains("expected 3 (") && message.contains("layer 0's neurons"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn layer_configs_are_one_layer_configs_of_each_layer() {
    // a one-layer config is its own only layer, unchanged
    let one = parse(BASE).unwrap();
    assert_eq!(one.layer_count(), 1);
    assert_eq!(one.layer_configs(), vec![one.clone()]);
    // the serialization of a one-layer config has no trace of layers (fingerprints unchanged)
    let json = serde_json::to_value(&one).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["array", "name", "neuron", "stdp", "synapse"]);

    let cfg = parse(&format!(
        "name = \"deep\"\n[network]\nlayer_delay = 1\n{BASE}[neuron]\nthreshold = 77\n\
         [[layer]]\nneurons = 4\nlanes = 2\nrecurrent = true\n[layer.neuron]\nthreshold = 99\n\
         [layer.stdp]\nenabled = false\n[[layer]]\nneurons = 1\n"
    ))
    .unwrap();
    assert_eq!(cfg.layer_count(), 3);
    assert_eq!(cfg.network.layer_delay, 1);
    let ls = cfg.layer_configs();
    let names: Vec<&str> = ls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["deep_l0", "deep_l1", "deep_l2"]);
    let shape: Vec<(u32, u32, u32, bool)> = ls
        .iter()
        .map(|c| {
            (
                c.array.inputs,
                c.array.neurons,
                c.array.lanes,
                c.array.recurrent,
            )
        })
        .collect();
    assert_eq!(shape, [(4, 3, 1, false), (3, 4, 2, true), (4, 1, 1, false)]);
    assert!(
        ls.iter()
            .all(|c| c.layers.is_empty() && c.layer_count() == 1)
    );
    assert_eq!(ls[0].lif().unwrap().threshold, 77);
    assert_eq!(ls[1].lif().unwrap().threshold, 99);
    // defaults as in a one-layer config
    assert_eq!(ls[2].lif().unwrap().threshold, 256);
    assert!(!ls[1].stdp.enabled && ls[2].stdp.enabled);
    // each layer's config is the one-layer config of the same keys (independent of the parser's
    // layer code)
    let l1 = parse(
        "name = \"deep_l1\"\n[array]\ninputs = 3\nneurons = 4\nlanes = 2\nrecurrent = true\n\
         [neuron]\nthreshold = 99\n[stdp]\nenabled = false\n",
    )
    .unwrap();
    assert_eq!(ls[1], l1);
}

// ---- the chain's semantics -----------------------------------------------------------------

/// Three layers of 2 neurons; every weight is set by hand so that neuron i of a layer fires in
/// the tick it gets one event on its row p(i) and never otherwise: layers 0 and 2 pass input j to
/// neuron j, layer 1 swaps (input 0 -> neuron 1, input 1 -> neuron 0). No leak, no learning.
fn three_layers(delay: u32) -> Chain {
    let layer = "[neuron]\nthreshold = 100\nleak_shift = 0\n[synapse]\ninit = \"constant\"\n\
                 init_value = 0\n[stdp]\nenabled = false\n";
    let sub = layer.replace('[', "[layer.");
    let cfg = parse(&format!(
        "[network]\nlayer_delay = {delay}\n[array]\ninputs = 2\nneurons = 2\n{layer}\
         [[layer]]\nneurons = 2\n{sub}[[layer]]\nneurons = 2\n{sub}"
    ))
    .unwrap();
    let mut c = Chain::new(&cfg);
    let ident = Array2::from_shape_vec((2, 2), vec![200, 0, 0, 200]).unwrap();
    let swap = Array2::from_shape_vec((2, 2), vec![0, 200, 200, 0]).unwrap();
    c.layer_mut(0).set_weights(&ident).unwrap();
    c.layer_mut(1).set_weights(&swap).unwrap();
    c.layer_mut(2).set_weights(&ident).unwrap();
    c
}

/// Every layer's spikes of each tick.
fn run(c: &mut Chain, ticks: &[Vec<u32>]) -> Vec<Vec<Vec<u32>>> {
    ticks
        .iter()
        .map(|t| {
            c.step(t);
            (0..c.layer_count())
                .map(|k| c.spikes_of(k).to_vec())
                .collect()
        })
        .collect()
}

fn ticks() -> Vec<Vec<u32>> {
    vec![vec![0], vec![1], vec![], vec![0, 1], vec![], vec![], vec![]]
}

#[test]
fn with_layer_delay_0_spikes_cross_every_layer_in_the_same_tick() {
    let mut c = three_layers(0);
    let got = run(&mut c, &ticks());
    // by hand: layer 0 = input, layer 1 = swapped, layer 2 = layer 1, all in the same tick
    let want: Vec<Vec<Vec<u32>>> = vec![
        vec![vec![0], vec![1], vec![1]],
        vec![vec![1], vec![0], vec![0]],
        vec![vec![], vec![], vec![]],
        vec![vec![0, 1], vec![0, 1], vec![0, 1]],
        vec![vec![], vec![], vec![]],
        vec![vec![], vec![], vec![]],
        vec![vec![], vec![], vec![]],
    ];
    assert_eq!(got, want);
    assert_eq!(c.layer_inputs(1), &[] as &[u32]);
}

#[test]
fn with_layer_delay_1_each_layer_is_one_tick_behind_the_previous() {
    let mut c = three_layers(1);
    let got = run(&mut c, &ticks());
    // by hand: layer k fires at tick t what layer k-1 fired at t-1 (nothing reaches layer 1 in
    // tick 0, nor layer 2 before tick 2)
    let want: Vec<Vec<Vec<u32>>> = vec![
        vec![vec![0], vec![], vec![]],
        vec![vec![1], vec![1], vec![]],
        vec![vec![], vec![0], vec![1]],
        vec![vec![0, 1], vec![], vec![0]],
        vec![vec![], vec![0, 1], vec![]],
        vec![vec![], vec![], vec![0, 1]],
        vec![vec![], vec![], vec![]],
    ];
    assert_eq!(got, want);
}

#[test]
fn a_clear_of_a_layer_drops_the_spikes_it_would_pass_on_with_layer_delay_1() {
    let mut c = three_layers(1);
    c.step(&[0]);
    assert_eq!(c.spikes_of(0), &[0]);
    c.host(0, HostCommand::Clear);
    c.step(&[]);
    assert_eq!(c.layer_inputs(1), &[] as &[u32]);
    assert_eq!(c.spikes_of(1), &[] as &[u32]);
    // without the clear they arrive
    let mut c = three_layers(1);
    c.step(&[0]);
    c.step(&[]);
    assert_eq!(c.layer_inputs(1), &[0]);
}

#[test]
fn external_events_out_of_range_are_dropped_by_layer_0_only() {
    let mut c = three_layers(0);
    c.step(&[5, 0, 2]);
    assert_eq!(c.layer_inputs(0), &[5, 0, 2]);
    assert_eq!(c.dropped(), 2);
    assert_eq!(c.layer_inputs(1), &[0]);
    assert!(c.layers().iter().skip(1).all(|l| l.dropped() == 0));
    assert_eq!(c.spikes_of(2), &[1]);
}

// ---- against one-layer reference networks fed by hand ------------------------------------

/// A two-layer network with learning in both layers, recurrence and inhibition in the second.
fn two_layer_toml(delay: u32) -> String {
    format!(
        "[network]\nlayer_delay = {delay}\n[array]\ninputs = 12\nneurons = 8\nlanes = 2\n\
         [neuron]\nthreshold = 150\nleak_shift = 3\ntheta_plus = 5\ntheta_decay_shift = 4\n\
         [synapse]\ninit = \"uniform\"\ninit_hi = 90\nseed = 3\n[stdp]\nnormalize_target = 900\n\
         normalize_every = 7\n\
         [[layer]]\nneurons = 6\nlanes = 3\nrecurrent = true\n[layer.neuron]\nthreshold = 120\n\
         inhibition = 10\nrefractory = 1\n[layer.synapse]\nsigned = true\ninit = \"uniform\"\n\
         init_lo = -40\ninit_hi = 100\nseed = 9\n[layer.stdp]\nrule = \"symmetric\"\n"
    )
}

#[test]
fn a_two_layer_chain_is_two_reference_networks_with_the_spikes_fed_forward() {
    let stim = Stimulus::poisson(12, 150.0, 120, 1.0, 5);
    for delay in [0, 1] {
        let cfg = parse(&two_layer_toml(delay)).unwrap();
        let mut chain = Chain::new(&cfg);
        let ls = cfg.layer_configs();
        let mut a = ReferenceNetwork::new(&ls[0]);
        let mut b = ReferenceNetwork::new(&ls[1]);
        let (mut fired1, mut fired2) = (0, 0);
        for (t, events) in stim.ticks.iter().enumerate() {
            let before = a.last_spikes().to_vec();
            let s0 = a.step(events).to_vec();
            let into_b = if delay == 0 { s0.clone() } else { before };
            let s1 = b.step(&into_b).to_vec();
            chain.step(events);
            assert_eq!(
                chain.spikes_of(0),
                &s0[..],
                "delay {delay} tick {t} layer 0"
            );
            assert_eq!(
                chain.spikes_of(1),
                &s1[..],
                "delay {delay} tick {t} layer 1"
            );
            assert_eq!(chain.layer_inputs(1), &into_b[..], "delay {delay} tick {t}");
            assert_eq!(chain.layer(1).v(), b.v(), "delay {delay} tick {t}");
            assert_eq!(
                chain.layer(1).weights(),
                b.weights(),
                "delay {delay} tick {t}"
            );
            fired1 += s0.len();
            fired2 += s1.len();
        }
        assert_eq!(chain.layer(0).weights(), a.weights());
        assert_eq!(chain.layer(1).theta(), b.theta());
        // a run that exercises the second layer
        assert!(fired1 > 50 && fired2 > 20, "{fired1} {fired2}");
    }
}

// ---- the result file -----------------------------------------------------------------------

#[test]
fn the_result_lists_every_layer_and_its_top_level_is_the_last_layer() {
    let cfg = parse(&two_layer_toml(0)).unwrap();
    let stim = Stimulus::poisson(12, 150.0, 30, 1.0, 5);
    let r = golden::run::simulate(&cfg, &stim);
    assert_eq!(r.layers.len(), 2);
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let layers = json["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(json["spikes"], layers[1]["spikes"]);
    assert_eq!(json["final"], layers[1]["final"]);
    assert_ne!(layers[0]["spikes"], layers[1]["spikes"]);
    // every layer's final state has the documented keys and shapes (layer 1: 12 -> 8 -> 6,
    // recurrent: 8 + 6 rows)
    for (l, (rows, n)) in layers.iter().zip([(12, 8), (14, 6)]) {
        let f = &l["final"];
        for key in ["v", "y", "theta", "refractory"] {
            assert_eq!(f[key].as_array().unwrap().len(), n, "{key}");
        }
        assert_eq!(f["x"].as_array().unwrap().len(), rows);
        assert_eq!(f["weights"].as_array().unwrap().len(), rows);
        assert!(f.get("u").is_none());
        assert_eq!(l.as_object().unwrap().len(), 2);
    }
    // the chain's own states, by an independent run
    let mut chain = Chain::new(&cfg);
    for t in &stim.ticks {
        chain.step(t);
    }
    let w0: Vec<Vec<i32>> = serde_json::from_value(layers[0]["final"]["weights"].clone()).unwrap();
    assert_eq!(
        w0.concat(),
        chain.layer(0).weights().iter().copied().collect::<Vec<_>>()
    );
    // one-layer results have no "layers"
    let one = golden::run::simulate(&cfg.layer_configs()[0], &stim);
    assert!(one.layers.is_empty() && !one.to_json().contains("\"layers\""));
    assert_eq!(one.spikes, r.layers[0].spikes);
}

#[test]
fn cuba_layers_write_u() {
    let cfg = parse(
        "[array]\ninputs = 3\nneurons = 2\n[[layer]]\nneurons = 2\n[layer.neuron]\nmodel = \"cuba\"\n",
    )
    .unwrap();
    let r = golden::run::simulate(&cfg, &Stimulus::poisson(3, 300.0, 10, 1.0, 1));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert!(json["layers"][0]["final"].get("u").is_none());
    assert_eq!(json["layers"][1]["final"]["u"].as_array().unwrap().len(), 2);
    assert_eq!(json["final"]["u"], json["layers"][1]["final"]["u"]);
}

#[test]
fn the_result_cycles_are_the_chain_model_of_each_layers_activity() {
    use golden::cycle::{Arch, chain_cycles, tick_timing};
    let stim = Stimulus::poisson(12, 150.0, 40, 1.0, 5);
    for delay in [0, 1] {
        let cfg = parse(&two_layer_toml(delay)).unwrap();
        let r = golden::run::simulate(&cfg, &stim);
        let archs: Vec<Arch> = cfg
            .layer_configs()
            .iter()
            .map(|l| Arch::new(l, 1))
            .collect();
        let mut chain = Chain::new(&cfg);
        for (t, ev) in stim.ticks.iter().enumerate() {
            let acts = golden::run::step_chain(&mut chain, ev);
            assert_eq!(
                r.cycles[t],
                chain_cycles(&archs, &acts, delay, Default::default())
            );
            // one layer alone: its own tick
            assert_eq!(
                chain_cycles(&archs[..1], &acts[..1], delay, Default::default()),
                tick_timing(&archs[0], &acts[0]).cycles
            );
            // the second layer's activity is its own: the events it received, its spikes
            assert_eq!(acts[1].beats_in_range.len(), chain.layer_inputs(1).len());
            assert!(acts[1].beats_in_range.iter().all(|&b| b));
            assert_eq!(acts[1].spikes, chain.spikes_of(1));
            assert_eq!(acts[0].spikes, chain.spikes_of(0));
        }
    }
}

// ---- property over random networks of layers -----------------------------------------------

/// A random network of 1 to 4 layers of 1 to 4 neurons, as TOML.
fn random_network(seed: u64) -> String {
    let mut r = SplitMix64::new(seed);
    let mut int = |lo: u64, hi: u64| lo + r.below(hi - lo + 1);
    let layers = int(1, 4);
    let delay = int(0, 1);
    let mut s = format!("[network]\nlayer_delay = {delay}\n");
    for k in 0..layers {
        let neurons = int(1, 4);
        let lanes = [1, 2, 4].into_iter().filter(|l| neurons % l == 0).count() as u64;
        let lanes = [1, 2, 4][int(0, lanes - 1) as usize];
        let recurrent = int(0, 1) == 1;
        let (head, pre) = if k == 0 {
            (format!("[array]\ninputs = {}\n", int(1, 5)), "")
        } else {
            ("[[layer]]\n".to_string(), "layer.")
        };
        s.push_str(&format!(
            "{head}neurons = {neurons}\nlanes = {lanes}\nrecurrent = {recurrent}\n\
             [{pre}neuron]\nthreshold = {}\nleak_shift = {}\ninhibition = {}\n\
             [{pre}synapse]\nsigned = {}\ninit_lo = 0\ninit_hi = {}\nseed = {}\n\
             [{pre}stdp]\nenabled = {}\n",
            int(20, 300),
            int(0, 4),
            int(0, 30),
            int(0, 1) == 1,
            int(0, 120),
            int(0, 1000),
            int(0, 1) == 1,
        ));
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn each_layer_gets_the_previous_layers_spikes_shifted_by_the_delay(
        seed in any::<u64>(),
        ticks in proptest::collection::vec(proptest::collection::vec(0u32..7, 0..6), 12),
    ) {
        let toml = random_network(seed);
        let cfg = parse(&toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        let delay = cfg.network.layer_delay;
        let mut chain = Chain::new(&cfg);
        let mut nets: Vec<Network> = cfg.layer_configs().iter().map(Network::new).collect();
        let n = chain.layer_count();
        let mut prev: Vec<Vec<u32>> = vec![Vec::new(); n];
        for events in &ticks {
            chain.step(events);
            prop_assert_eq!(chain.layer_inputs(0), &events[..]);
            for k in 1..n {
                let want = if delay == 0 { chain.spikes_of(k - 1) } else { &prev[k - 1][..] };
                prop_assert_eq!(chain.layer_inputs(k), want, "layer {}\n{}", k, toml);
            }
            // and each layer is the one-layer model on those inputs
            for (k, net) in nets.iter_mut().enumerate() {
                prop_assert_eq!(net.step(chain.layer_inputs(k)), chain.spikes_of(k));
                prop_assert_eq!(net.v(), chain.layer(k).v());
            }
            for (k, p) in prev.iter_mut().enumerate() {
                *p = chain.spikes_of(k).to_vec();
            }
        }
    }
}
