//! Synaptic delays (docs/model.md, "Synaptic delays"): hand-computed delayed spikes and
//! potentiation at arrival in both models, clear and reset dropping pending input, layer chains,
//! the equivalence of zero delays with no delays, and the config keys' errors (row, column,
//! range, layer prefix). Runtime: well under a second.

use golden::Error;
use golden::chain::Chain;
use golden::config::{Config, DelayInit};
use golden::model::Network;
use golden::reference::ReferenceNetwork;
use golden::rng::SplitMix64;
use golden::stimulus::Stimulus;
use std::path::{Path, PathBuf};

fn parse(text: &str) -> Config {
    Config::from_toml_str(text, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A fresh folder for the files of one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("delays")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `ticks` through both models; the spikes of every tick (asserting they agree).
fn run_both(cfg: &Config, ticks: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut fast = Network::new(cfg);
    let mut slow = ReferenceNetwork::new(cfg);
    let mut out = Vec::new();
    for (t, ev) in ticks.iter().enumerate() {
        let a = fast.step(ev).to_vec();
        let b = slow.step(ev).to_vec();
        assert_eq!(a, b, "tick {t}: model and reference differ");
        assert_eq!(fast.weights(), slow.weights(), "tick {t}: weights");
        out.push(a);
    }
    out
}

/// Two inputs, two neurons, weights 10, threshold 10, no leak, no STDP, delays as given.
fn two_by_two(delays: &str) -> String {
    format!(
        "[array]\ninputs = 2\nneurons = 2\n[neuron]\nthreshold = 10\nleak_shift = 0\n\
         [synapse]\ninit = \"constant\"\ninit_value = 10\nmax_delay = 4\n{delays}\n\
         [stdp]\nenabled = false\n"
    )
}

#[test]
fn an_event_reaches_each_neuron_after_its_own_delay() {
    // d = [[0, 3], [1, 2]]: row 0 at tick 0 reaches neuron 0 at 0 and neuron 1 at 3; row 1 at
    // tick 2 reaches neuron 0 at 3 and neuron 1 at 4.
    let dir = scratch("hand");
    std::fs::write(dir.join("d.csv"), "0, 3\n1, 2\n").unwrap();
    let text = two_by_two("delay_file = \"d.csv\"");
    let cfg = Config::from_toml_str(&text, &dir).unwrap();
    assert_eq!(cfg.max_delay(), 4);
    let d = cfg.initial_delays().unwrap();
    assert_eq!(d.row(0).to_vec(), vec![0, 3]);
    let ticks = vec![vec![0], vec![], vec![1], vec![], vec![], vec![]];
    let spikes = run_both(&cfg, &ticks);
    assert_eq!(
        spikes,
        vec![vec![0], vec![], vec![], vec![0, 1], vec![1], vec![]]
    );
    // two arrivals in one tick add up: both rows reach neuron 1 at tick 3 (threshold 20 needs
    // both); neuron 0 (no leak) sums row 0 at tick 0 and row 1 at tick 3
    std::fs::write(dir.join("d2.csv"), "0, 3\n1, 1\n").unwrap();
    let text = two_by_two("delay_file = \"d2.csv\"").replace("threshold = 10", "threshold = 20");
    let cfg = Config::from_toml_str(&text, &dir).unwrap();
    let spikes = run_both(&cfg, &[vec![0], vec![], vec![1], vec![], vec![]]);
    assert_eq!(spikes, vec![vec![], vec![], vec![], vec![0, 1], vec![]]);
}

#[test]
fn the_ring_wraps_around_every_max_delay_ticks() {
    // D = 4, every delay 3: an event of tick t arrives at t + 3, for many ticks (the ring's slot
    // index wraps around several times).
    let cfg = parse(&two_by_two("delay_init = \"constant\"\ndelay_value = 3"));
    let ticks: Vec<Vec<u32>> = (0..20)
        .map(|t| if t % 5 == 1 { vec![0] } else { vec![] })
        .collect();
    let spikes = run_both(&cfg, &ticks);
    for (t, s) in spikes.iter().enumerate() {
        let want: Vec<u32> = if t >= 3 && (t - 3) % 5 == 1 {
            vec![0, 1]
        } else {
            vec![]
        };
        assert_eq!(*s, want, "tick {t}");
    }
}

#[test]
fn pending_input_is_visible_and_clear_and_reset_drop_it() {
    let cfg = parse(&two_by_two("delay_init = \"constant\"\ndelay_value = 2"));
    for cmd in ["clear", "reset", "none"] {
        let mut fast = Network::new(&cfg);
        let mut slow = ReferenceNetwork::new(&cfg);
        fast.step(&[0, 1]);
        slow.step(&[0, 1]);
        // after tick 0: the input of tick 2 (k = 1 from tick 1) holds both rows' weights
        assert_eq!(fast.pending(1), vec![20, 20]);
        assert_eq!(slow.pending(1), vec![20, 20]);
        assert_eq!(fast.pending(0), vec![0, 0]);
        match cmd {
            "clear" => {
                fast.clear();
                slow.clear();
            }
            "reset" => {
                fast.reset();
                slow.reset();
            }
            _ => {}
        }
        let mut seen = Vec::new();
        for _ in 0..3 {
            let a = fast.step(&[]).to_vec();
            assert_eq!(a, slow.step(&[]).to_vec());
            seen.push(a);
        }
        if cmd == "none" {
            assert_eq!(seen, vec![vec![], vec![0, 1], vec![]], "{cmd}");
        } else {
            assert!(seen.iter().all(|s| s.is_empty()), "{cmd}: {seen:?}");
        }
    }
}

/// One neuron, two inputs, STDP without decay: pre_inc 64, ltp_shift 0, no depression.
fn stdp_net(delays_csv: &str, dir: &Path) -> Config {
    std::fs::write(dir.join("d.csv"), delays_csv).unwrap();
    let text = "[array]\ninputs = 2\nneurons = 1\n[neuron]\nthreshold = 50\nleak_shift = 0\n\
                refractory = 0\n[synapse]\ninit = \"file\"\ninit_file = \"w.csv\"\nmax_delay = 4\n\
                delay_file = \"d.csv\"\n[stdp]\ntrace_bits = 8\npre_inc = 64\npost_inc = 0\n\
                pre_decay_shift = 0\npost_decay_shift = 0\nltp_shift = 0\nltd_shift = 8\n";
    std::fs::write(dir.join("w.csv"), "0\n60\n").unwrap();
    Config::from_toml_str(text, dir).unwrap()
}

#[test]
fn potentiation_sees_a_delayed_event_at_its_arrival() {
    // Row 0 (weight 0, delay 3) fires at tick 0; row 1 (weight 60, delay 0) makes the neuron
    // spike at ticks 1 and 4. At tick 1 row 0's event has not arrived (arrival tick 3): its
    // trace at arrival, x0(1 - 3), is 0, so W[0][0] stays 0 (at emission it would grow by 64).
    // At tick 4 it has: x0(4 - 3) = x0(1) = 64, W[0][0] = 64. Row 1 (delay 0) grows by its own
    // trace each time: 60 + 64, then + 128 (saturating at 255).
    let dir = scratch("arrival");
    let cfg = stdp_net("3\n0\n", &dir);
    let ticks = vec![vec![0], vec![1], vec![], vec![], vec![1]];
    let mut fast = Network::new(&cfg);
    let mut slow = ReferenceNetwork::new(&cfg);
    let mut w0 = Vec::new();
    for ev in &ticks {
        let a = fast.step(ev).to_vec();
        assert_eq!(a, slow.step(ev).to_vec());
        assert_eq!(fast.weights(), slow.weights());
        w0.push((a, fast.weight(0, 0), fast.weight(1, 0)));
    }
    assert_eq!(
        w0,
        vec![
            (vec![], 0, 60),
            (vec![0], 0, 124),
            (vec![], 0, 124),
            (vec![], 0, 124),
            (vec![0], 64, 252),
        ]
    );
    // the control: with delay 0 on row 0 the same stimulus grows W[0][0] already at tick 1
    let dir = scratch("arrival0");
    let cfg0 = stdp_net("0\n0\n", &dir);
    let mut net = Network::new(&cfg0);
    net.step(&[0]);
    net.step(&[1]);
    assert_eq!(net.weight(0, 0), 64);
    // the history the host can read: x after tick 1, 2, 3 (k = 0, 1, 2 before tick 4)
    let mut net = Network::new(&cfg);
    for ev in &ticks[..4] {
        net.step(ev);
    }
    assert_eq!(net.x_history(0), vec![64, 64]);
    assert_eq!(net.x_history(3), vec![64, 0], "x after tick 0");
}

#[test]
fn zero_delays_compute_exactly_what_no_delays_compute() {
    // Random networks (recurrent, STDP, inhibition, scaling): D = 1, and D = 5 with every delay
    // 0, give the spikes, weights and traces of the same network without delays.
    let mut g = SplitMix64::new(17);
    for case in 0..12 {
        let seed = g.below(1000);
        let base = format!(
            "[array]\ninputs = 12\nneurons = 9\nrecurrent = {}\n[neuron]\nthreshold = 90\n\
             inhibition = {}\nrefractory = {}\n[synapse]\nseed = {seed}\ninit_hi = 60\n#D\n\
             [stdp]\nltp_offset = {}\nnormalize_target = 400\nnormalize_every = 7\n",
            case % 2 == 0,
            g.below(5),
            g.below(3),
            g.below(3)
        );
        let stim = Stimulus::poisson(12, 300.0, 80, 1.0, seed);
        let plain = golden::run::simulate(&parse(&base.replace("#D", "")), &stim);
        for d in ["max_delay = 1", "max_delay = 5\ndelay_init = \"constant\""] {
            let cfg = parse(&base.replace("#D", d));
            let r = golden::run::simulate(&cfg, &stim);
            assert_eq!(r.spikes, plain.spikes, "case {case} {d}");
            assert_eq!(r.final_state.weights, plain.final_state.weights, "{d}");
            assert_eq!(r.final_state.x, plain.final_state.x, "{d}");
            assert!(!r.final_state.delays.is_empty());
            run_both(&cfg, &stim.ticks);
        }
        assert!(
            plain.spikes.iter().any(|s| !s.is_empty()),
            "case {case} spikes"
        );
    }
}

#[test]
fn a_layer_of_a_chain_delays_what_it_receives() {
    // Layer 0 relays input i to neuron i at once; layer 1 (delay 2 everywhere) fires 2 ticks
    // later, plus the layer_delay.
    for layer_delay in [0u64, 1] {
        let text = format!(
            "[network]\nlayer_delay = {layer_delay}\n[array]\ninputs = 2\nneurons = 2\n\
             [neuron]\nthreshold = 10\nleak_shift = 0\n[synapse]\ninit = \"constant\"\ninit_value = 10\n\
             [stdp]\nenabled = false\n\
             [[layer]]\nneurons = 1\n[layer.neuron]\nthreshold = 10\nleak_shift = 0\n\
             [layer.synapse]\ninit = \"constant\"\ninit_value = 10\nmax_delay = 3\n\
             delay_init = \"constant\"\ndelay_value = 2\n[layer.stdp]\nenabled = false\n"
        );
        let cfg = parse(&text);
        assert_eq!(cfg.layer_configs()[1].max_delay(), 3);
        let mut chain = Chain::new(&cfg);
        let mut out = Vec::new();
        for t in 0..7 {
            let ev = if t == 1 { vec![0] } else { vec![] };
            chain.step(&ev);
            out.push(chain.spikes_of(1).to_vec());
        }
        let fire = 1 + 2 + layer_delay as usize;
        for (t, s) in out.iter().enumerate() {
            assert_eq!(
                s.is_empty(),
                t != fire,
                "layer_delay {layer_delay} tick {t}: {out:?}"
            );
        }
    }
}

#[test]
fn delays_are_drawn_seeded_and_reported_in_the_result() {
    let text = "[array]\ninputs = 30\nneurons = 20\n[synapse]\nmax_delay = 6\ndelay_lo = 1\ndelay_hi = 4\n";
    let cfg = parse(text);
    match &cfg.synapse.delays.as_ref().unwrap().init {
        DelayInit::Uniform { lo, hi, seed } => assert_eq!((*lo, *hi, *seed), (1, 4, 2)),
        other => panic!("{other:?}"),
    }
    let d = cfg.initial_delays().unwrap();
    assert_eq!(d.dim(), (30, 20));
    assert_eq!(*d.iter().min().unwrap(), 1);
    assert_eq!(*d.iter().max().unwrap(), 4);
    assert_eq!(d, parse(text).initial_delays().unwrap(), "reproducible");
    let other = parse(&format!("{text}delay_seed = 9\n"));
    assert_ne!(d, other.initial_delays().unwrap(), "the seed matters");
    // the result lists them; a config without delays has no such key (unchanged results)
    let r = golden::run::simulate(&cfg, &Stimulus::poisson(30, 50.0, 5, 1.0, 1));
    assert!(r.to_json().contains("\"delays\": [\n"));
    let plain = parse("[array]\ninputs = 30\nneurons = 20\n");
    assert!(plain.initial_delays().is_none());
    let r = golden::run::simulate(&plain, &Stimulus::poisson(30, 50.0, 5, 1.0, 1));
    assert!(!r.to_json().contains("delays"));
}

#[test]
fn host_writes_of_delays_are_checked() {
    let cfg = parse(&two_by_two("delay_init = \"constant\""));
    let mut net = Network::new(&cfg);
    let mut slow = ReferenceNetwork::new(&cfg);
    net.set_delay(1, 0, 3).unwrap();
    slow.set_delay(1, 0, 3).unwrap();
    assert_eq!(net.delays().unwrap()[[1, 0]], 3);
    assert_eq!(net.delays(), slow.delays());
    for (j, i, d) in [(0, 0, 4), (0, 0, -1), (2, 0, 1), (0, 2, 1)] {
        assert!(net.set_delay(j, i, d).is_err(), "({j}, {i}) = {d}");
        assert!(slow.set_delay(j, i, d).is_err(), "({j}, {i}) = {d}");
    }
    let plain = parse("[array]\ninputs = 2\nneurons = 2\n");
    let e = Network::new(&plain).set_delay(0, 0, 0).unwrap_err();
    assert!(e.to_string().contains("max_delay = 0"), "{e}");
}

// ---- config errors --------------------------------------------------------------------------

/// `text` (read from `dir`) is rejected naming `key`, with every one of `want` in the message.
#[track_caller]
fn rejects(dir: &Path, text: &str, key: &str, want: &[&str]) {
    match Config::from_toml_str(text, dir) {
        Err(Error::Config { key: k, message }) => {
            assert_eq!(k, key, "message: {message}\n{text}");
            for w in want {
                assert!(
                    message.contains(w),
                    "`{key}` message lacks {w:?}: {message}"
                );
            }
        }
        other => panic!("expected a config error for\n{text}\ngot {other:?}"),
    }
}

#[test]
fn delay_keys_out_of_range_or_misplaced_are_rejected() {
    let dir = scratch("errors");
    let a = "[array]\ninputs = 2\nneurons = 3\n[synapse]\n";
    let cases: &[(&str, &str, &[&str])] = &[
        ("max_delay = -1", "synapse.max_delay", &["0..=256"]),
        ("max_delay = 257", "synapse.max_delay", &["0..=256"]),
        ("delay_value = 1", "synapse.delay_value", &["max_delay = 0"]),
        (
            "delay_file = \"d.csv\"",
            "synapse.delay_file",
            &["max_delay = 0"],
        ),
        (
            "max_delay = 4\ndelay_init = \"constant\"\ndelay_value = 4",
            "synapse.delay_value",
            &["0..=3"],
        ),
        (
            "max_delay = 4\ndelay_hi = 9",
            "synapse.delay_hi",
            &["0..=3"],
        ),
        (
            "max_delay = 4\ndelay_lo = 3\ndelay_hi = 1",
            "synapse.delay_lo",
            &["greater than synapse.delay_hi"],
        ),
        (
            "max_delay = 4\ndelay_init = \"constant\"\ndelay_lo = 1",
            "synapse.delay_lo",
            &["delay_init = \"constant\""],
        ),
        (
            "max_delay = 4\ndelay_init = \"file\"",
            "synapse.delay_file",
            &["missing"],
        ),
        (
            "max_delay = 4\ndelay_init = \"poisson\"",
            "synapse.delay_init",
            &["\"constant\" | \"uniform\" | \"file\""],
        ),
        (
            "max_delay = 4\ndelay_file = \"nope.csv\"",
            "synapse.delay_file",
            &["nope.csv"],
        ),
    ];
    for (rest, key, want) in cases {
        rejects(&dir, &format!("{a}{rest}\n"), key, want);
    }
}

#[test]
fn delay_files_name_the_row_column_and_range() {
    let dir = scratch("files");
    let text = |key_prefix: &str| {
        if key_prefix.is_empty() {
            "[array]\ninputs = 2\nneurons = 3\n[synapse]\nmax_delay = 8\ndelay_file = \"d.csv\"\n"
                .to_string()
        } else {
            "[array]\ninputs = 5\nneurons = 2\n[[layer]]\nneurons = 3\n[layer.synapse]\n\
             max_delay = 8\ndelay_file = \"d.csv\"\n"
                .to_string()
        }
    };
    let cases: &[(&str, &[&str])] = &[
        (
            "0, 1, 2\n3, 4, 9\n",
            &["row 2 column 3", "delay 9", "0..=7", "max_delay = 8"],
        ),
        (
            "0, 1, 2\n3, -1, 5\n",
            &["row 2 column 2", "delay -1", "0..=7"],
        ),
        ("0, 1, 2\n", &["has 1 rows, expected 2"]),
        ("0, 1\n1, 2\n", &["row 1", "has 2 values, expected 3"]),
        (
            "0, 1, x\n1, 2, 3\n",
            &["row 1 column 3", "\"x\" is not an integer"],
        ),
    ];
    for prefix in ["", "layer[1]."] {
        for (csv, want) in cases {
            std::fs::write(dir.join("d.csv"), csv).unwrap();
            rejects(
                &dir,
                &text(prefix),
                &format!("{prefix}synapse.delay_file"),
                want,
            );
        }
    }
    std::fs::write(dir.join("d.csv"), "0, 1, 2\n3, 4, 7\n").unwrap();
    let cfg = Config::from_toml_str(&text(""), &dir).unwrap();
    assert_eq!(cfg.initial_delays().unwrap()[[1, 2]], 7);
}
