//! FEAST layers (docs/model.md, "FEAST layers"): the `[feast]` config's errors, one event worked
//! by hand, the integer layer against the published float algorithm, and shortened experiments.
//! Runtime: about 10 s in release on one core (the gratings run and the digits run dominate).

use golden::Config;
use golden::feast::float::{FloatFeast, cosine};
use golden::feast::{Feast, FeastConfig, Outcome, event_cycles, isqrt, round_shift};
use golden::learn::digits::Dataset;
use golden::learn::feast::{
    EdgesParams, FeastDigitsParams, digit_events, nearest_mean_accuracy, run_digits, run_edges,
    true_features,
};
use golden::rng::SplitMix64;
use std::path::Path;

const BASE: &str = r#"
name = "f"
[array]
neurons = 2
[synapse]
weight_bits = 8
init = "constant"
init_value = 10
[stdp]
trace_bits = 8
pre_inc = 255
pre_decay_shift = 2
[feast]
width = 3
height = 3
radius = 1
norm = "l2"
norm_shift = 8
match_bits = 12
eta_shift = 1
miss_step = 100
win_step = 7
"#;

fn parse(text: &str) -> golden::Result<FeastConfig> {
    FeastConfig::from_toml_str(text, Path::new("."))
}

/// Replace the line starting with `key =` (or append `line` to the section `[section]`).
fn with(text: &str, section: &str, line: &str) -> String {
    let key = line.split('=').next().unwrap().trim();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut cur = "";
    let mut done = false;
    for l in &lines {
        if l.starts_with('[') {
            if cur == section && !done {
                out.push(line.to_string());
                done = true;
            }
            cur = l.trim_matches(|c| c == '[' || c == ']');
        }
        if cur == section && l.split('=').next().unwrap().trim() == key && l.contains('=') {
            out.push(line.to_string());
            done = true;
            continue;
        }
        out.push(l.to_string());
    }
    if !done {
        if cur != section {
            out.push(format!("[{section}]"));
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

#[test]
fn config_errors_name_the_key() {
    let ok = parse(BASE).expect("the base config is valid");
    assert_eq!(ok.inputs(), 9);
    assert_eq!(ok.feast.window(), 9);
    let cases: &[(&str, &str, &str)] = &[
        ("feast", "width = 0", "feast.width"),
        ("feast", "height = 300", "feast.height"),
        ("feast", "radius = 2", "feast.radius"),
        ("feast", "border = \"wrap\"", "feast.border"),
        ("feast", "norm = \"l3\"", "feast.norm"),
        ("feast", "norm_shift = 0", "feast.norm_shift"),
        ("feast", "match_bits = 17", "feast.match_bits"),
        ("feast", "threshold_init = 5000", "feast.threshold_init"),
        ("feast", "miss_step = -1", "feast.miss_step"),
        ("feast", "win_step = 4097", "feast.win_step"),
        ("feast", "eta_shift = 17", "feast.eta_shift"),
        ("feast", "eta = 3", "feast.eta"),
        ("feast", "radius = \"3\"", "feast.radius"),
        ("array", "inputs = 10", "array.inputs"),
        ("array", "recurrent = true", "array.recurrent"),
        ("synapse", "signed = true", "synapse.signed"),
        ("synapse", "init = \"file\"", "synapse.init"),
        ("stdp", "ltp_shift = 3", "stdp.ltp_shift"),
        ("stdp", "pre_inc = 0", "stdp.pre_inc"),
        ("neuron", "threshold = 3", "neuron"),
        ("array", "neurons = 0", "array.neurons"),
    ];
    for (section, line, key) in cases {
        let text = with(BASE, section, line);
        match parse(&text) {
            Ok(_) => panic!("{section}: `{line}` was accepted"),
            Err(e) => {
                let m = e.to_string();
                assert!(m.contains(&format!("`{key}`")), "{line}: {m}");
            }
        }
    }
    // without width
    let no_width = BASE.replace("width = 3\n", "");
    assert!(
        parse(&no_width)
            .unwrap_err()
            .to_string()
            .contains("feast.width")
    );
    assert!(
        parse("[array]\nneurons = 2\n")
            .unwrap_err()
            .to_string()
            .contains("missing section [feast]")
    );
}

#[test]
fn stdp_array_config_refuses_feast_naming_the_issue() {
    let e = Config::from_toml_str(BASE, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("issue 19") && e.contains("FEAST"), "{e}");
    // control: the same text without [feast] is an ordinary array config
    let plain = BASE
        .split("[feast]")
        .next()
        .unwrap()
        .replace("neurons = 2", "inputs = 9\nneurons = 2");
    Config::from_toml_str(&plain, Path::new(".")).expect("plain config");
}

#[test]
fn one_event_by_hand() {
    let cfg = parse(BASE).unwrap();
    let mut f = Feast::new(&cfg);
    // constant 10: L2 norm isqrt(9 * 100) = 30, R = 2^24 / 30 = 559240, w = (10 R) >> 16 = 85
    assert!(f.weights().iter().all(|&w| w == 85), "{:?}", f.weights());
    // a corner event is skipped (its window leaves the 3 x 3 grid); an address >= 9 is dropped
    f.step(&[0, 9]);
    assert_eq!(f.counters().skipped, 1);
    assert_eq!(f.counters().dropped, 1);
    assert_eq!(f.traces()[0], 255);
    // next tick: x[0] decays to 255 - (255 >> 2) = 192; the centre event sets x[4] = 255
    let won = f.step(&[4]).to_vec();
    assert_eq!(f.traces()[0], 192);
    // context [192, 0, 0, 0, 255, 0, 0, 0, 0]: L2 norm isqrt(192^2 + 255^2) = 319,
    // Rc = 2^24 / 319 = 52593; dot = 85 * (192 + 255) = 37995;
    // m = (37995 * 52593) >> (16 + 16 - 12) = 1905 for both neurons: a tie, neuron 0 wins
    assert_eq!(isqrt(192 * 192 + 255 * 255), 319);
    assert_eq!(f.last_matches(), &[1905, 1905]);
    assert_eq!(won, vec![0]);
    // update of neuron 0 with eta_shift 1: c' = (c * Rc) >> 16 = [154, 0.., 204, 0..];
    // w = 85 + round((c' - 85) / 2): 120 at 0, 145 at the centre, 43 elsewhere;
    // renormalised: sum of squares 120^2 + 145^2 + 7 * 43^2 = 48368, isqrt 219,
    // R = 2^24 / 219 = 76608: 140, 169, 50
    let w = f.weights();
    let col: Vec<i32> = w.column(0).to_vec();
    assert_eq!(col, vec![140, 50, 50, 50, 169, 50, 50, 50, 50]);
    assert!(
        w.column(1).iter().all(|&v| v == 85),
        "the loser did not move"
    );
    assert_eq!(f.thresholds(), &[7, 0]);
    // a miss: both thresholds at 1.0 (host write), lowered by miss_step, weights unchanged
    f.set_threshold(0, 4096);
    f.set_threshold(1, 4096);
    assert_eq!(f.event(4), Outcome::Missed);
    assert_eq!(f.thresholds(), &[3996, 3996]);
    assert_eq!(f.weights(), w);
    assert_eq!(f.counters().missed, 1);
    assert_eq!(f.counters().won, 1);
    // learning off: a win changes neither weights nor thresholds
    f.set_threshold(1, 0);
    f.set_learning(false);
    assert_eq!(f.event(4), Outcome::Won(1));
    assert_eq!(f.thresholds(), &[3996, 0]);
    assert_eq!(f.weights(), w);
}

#[test]
fn isqrt_and_round_shift() {
    for n in [
        0u64,
        1,
        2,
        3,
        4,
        15,
        16,
        17,
        99,
        100,
        1 << 40,
        (1 << 40) - 1,
        4_294_967_295,
    ] {
        let r = isqrt(n);
        assert!(r * r <= n && (r + 1) * (r + 1) > n, "{n}");
    }
    assert_eq!(round_shift(-1, 1), 0);
    assert_eq!(round_shift(-2, 1), -1);
    assert_eq!(round_shift(15, 5), 0);
    assert_eq!(round_shift(16, 5), 1);
    assert_eq!(round_shift(-16, 5), 0);
    assert_eq!(round_shift(-17, 5), -1);
    assert_eq!(round_shift(7, 0), 7);
}

#[test]
fn cycle_model_of_the_gratings_layer_by_hand() {
    // K = 49, RL = 2, L2 sums below 49 * 255^2 = 3,186,225 (22 bits): 11 root iterations;
    // quotient 8 + 17 = 25 bits
    let p = EdgesParams::default();
    let cfg = p.config().unwrap();
    let c = event_cycles(&cfg);
    let (xread, ctx, sqrt, div) = (3, 49 + 3, 11 + 1, 25 + 2);
    let matched = |g: u64, lanes: u64| 1 + xread + ctx + sqrt + div + g * (49 + 3 + 2) + lanes;
    let learn = (49 + 5) + sqrt + div + (49 + 3) + 1;
    assert_eq!(c.dropped, 1);
    assert_eq!(c.skipped, 1 + xread);
    assert_eq!(c.missed, matched(16, 1) + 16 + 2);
    assert_eq!(c.won, matched(16, 1) + learn);
    assert_eq!(c.won_frozen, matched(16, 1) + 1);
    assert_eq!(c.tick_start, 1 + 256 + 2);
    assert_eq!((c.missed, c.won), (978, 1106));
    let four = event_cycles(&FeastConfig {
        base: Config {
            array: golden::config::ArrayConfig {
                lanes: 4,
                ..cfg.base.array.clone()
            },
            ..cfg.base.clone()
        },
        feast: cfg.feast.clone(),
    });
    assert_eq!(four.missed, matched(4, 4) + 4 + 2);
    assert_eq!(four.won, matched(4, 4) + learn);
}

/// A shortened gratings run (seed 1, 200 blocks, 4 directions): the integer layer's features
/// match every direction and stay close to the float reference's; the untrained features do not
/// (the control that shows the bound can fail).
#[test]
fn edges_learn_directions_close_to_float() {
    let p = EdgesParams {
        directions: 4,
        blocks: 200,
        samples: 10,
        ..EdgesParams::default()
    };
    let cfg = p.config().unwrap();
    let r = run_edges(&p, &cfg).unwrap();
    assert!(r.worst() >= 0.9, "best per direction {:?}", r.best);
    assert!(r.float_best.iter().all(|&c| c >= 0.9), "{:?}", r.float_best);
    let mean_ff = r.fixed_vs_float.iter().sum::<f64>() / 4.0;
    assert!(mean_ff >= 0.9, "fixed vs float {:?}", r.fixed_vs_float);
    assert!(
        (r.final_missed.0 - r.final_missed.1).abs() < 0.05,
        "{:?}",
        r.final_missed
    );
    assert_eq!(r.curve.len(), 10);
    // control: the initial (untrained) features
    let truth = true_features(&p, &cfg).unwrap();
    let w0 = Feast::new(&cfg).weights();
    for t in &truth {
        let best0 = (0..w0.ncols())
            .map(|i| {
                cosine(
                    &w0.column(i).iter().map(|&v| v as f64).collect::<Vec<_>>(),
                    t,
                )
            })
            .fold(0.0, f64::max);
        assert!(best0 < 0.9, "untrained feature already matches: {best0}");
    }
}

/// The float reference reproduces the published rule on a hand-sized case.
#[test]
fn float_reference_one_event() {
    let cfg = parse(BASE).unwrap();
    let mut f = FloatFeast::new(&cfg);
    f.step(&[0]);
    assert_eq!(f.step(&[4]), vec![0]);
    // context [0.75, 0, 0, 0, 1, ...] / 1.25; w = 1/3 each; d = (0.6 + 0.8) / 3
    let w = f.weights();
    let third: f64 = 1.0 / 3.0;
    let (a, b, c) = (
        third + 0.5 * (0.6 - third),
        third + 0.5 * (0.8 - third),
        0.5 * third,
    );
    let n = (a * a + b * b + 7.0 * c * c).sqrt();
    assert!((w[[0, 0]] - a / n).abs() < 1e-12 && (w[[4, 0]] - b / n).abs() < 1e-12);
    assert!((w[[1, 1]] - third).abs() < 1e-12);
    assert!((f.thresholds()[0] - 7.0 / 4096.0).abs() < 1e-15);
}

#[test]
fn digit_events_are_pixel_changes() {
    let mut img = [0u8; 64];
    img[0] = 16; // (0, 0)
    img[9] = 8; // (1, 1)
    img[2] = 7; // below the binarising level
    let ticks = digit_events(&img, 1, &mut SplitMix64::new(3));
    assert_eq!(ticks.len(), 9);
    let side = 10;
    let at = |x: u32, y: u32| y * side + x;
    let mut first = ticks[0].clone();
    first.sort();
    assert_eq!(first, vec![at(1, 1), at(2, 2)]);
    // shift (1, 0): (1,1) off, (2,1) on, (2,2) off, (3,2) on
    let mut second = ticks[1].clone();
    second.sort();
    assert_eq!(second, vec![at(1, 1), at(2, 1), at(2, 2), at(3, 2)]);
}

#[test]
fn nearest_mean_on_a_toy_case() {
    let train = vec![
        (vec![1.0, 0.0], 0),
        (vec![0.9, 0.1], 0),
        (vec![0.0, 1.0], 1),
    ];
    let test = vec![
        (vec![0.8, 0.2], 0),
        (vec![0.2, 0.8], 1),
        (vec![0.7, 0.3], 1),
    ];
    assert!((nearest_mean_accuracy(&train, &test, 2) - 2.0 / 3.0).abs() < 1e-12);
}

/// Digits as events, shortened (400 training images, 200 held out, seed 1): the integer layer's
/// histograms classify well above chance and close to the float reference's.
#[test]
fn digits_shortened() {
    let data = Dataset::from_file(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/digits.csv.gz"
    )))
    .unwrap();
    let p = FeastDigitsParams {
        train: 400,
        test: 200,
        ..FeastDigitsParams::default()
    };
    let cfg = p.config().unwrap();
    let r = run_digits(&p, &cfg, &data).unwrap();
    assert!(r.accuracy >= 0.7, "{}", r.accuracy);
    assert!(
        r.accuracy >= r.float_accuracy - 0.1,
        "{} vs {}",
        r.accuracy,
        r.float_accuracy
    );
}

/// `examples/feast/edges.toml` is exactly the built-in gratings layer of seed 1.
#[test]
fn example_config_is_the_builtin_edges_layer() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/feast/edges.toml"
    ));
    let file = FeastConfig::from_file(path).unwrap();
    assert_eq!(file, EdgesParams::default().config().unwrap());
    // control: seed 2's layer differs (its initial weights)
    let p2 = EdgesParams {
        seed: 2,
        ..EdgesParams::default()
    };
    assert_ne!(file, p2.config().unwrap());
}
