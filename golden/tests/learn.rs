//! The learning experiments (issue 7): the single-pattern detector is perfect, a short digits run
//! is deterministic and above a measured floor, and every experiment rejects bad parameters with
//! a message naming the parameter.

use golden::learn::digits::{self, Dataset, DigitsParams, RuleSet};
use golden::learn::patterns::{self, PatternsParams};
use std::path::Path;

fn shipped_digits() -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/digits.csv.gz");
    Dataset::from_file(&path).expect("the shipped data set loads")
}

#[test]
fn single_pattern_detector_is_perfect() {
    for seed in [1, 2, 3] {
        let p = PatternsParams {
            patterns: 1,
            seed,
            ..PatternsParams::default()
        };
        let r = patterns::run(&p, &mut |_| {}).unwrap();
        assert_eq!(r.accuracy, 1.0, "seed {seed}: {:?}", r.epochs);
        assert_eq!(r.detection, 1.0, "seed {seed}");
        assert_eq!(r.false_positive_rate, 0.0, "seed {seed}");
        assert_eq!(r.per_pattern[0].false_positives, 0, "seed {seed}");
        // the raster carries each recorded sample's predicted class: a perfect detector's are
        // the true ones (noise-only samples are class K = 1)
        assert_eq!(
            r.raster.sample_predicted.len(),
            r.raster.sample_starts.len()
        );
        assert!(!r.raster.sample_predicted.is_empty());
        assert_eq!(
            r.raster.sample_predicted, r.raster.sample_labels,
            "seed {seed}"
        );
    }
}

#[test]
fn patterns_are_disjoint_apart_from_the_requested_overlap() {
    let p = PatternsParams {
        patterns: 4,
        active: 8,
        overlap: 0.25,
        ..PatternsParams::default()
    };
    let ch = p.pattern_channels().unwrap();
    assert_eq!(p.shared(), 2);
    for a in 0..4 {
        assert_eq!(ch[a].len(), 8);
        for b in a + 1..4 {
            let common = ch[a].iter().filter(|c| ch[b].contains(c)).count();
            assert_eq!(common, 2, "patterns {a} and {b}");
        }
    }
}

/// A short digits run: 300 training images, 200 test images, 1 epoch, the `full` rule set.
fn short_digits() -> DigitsParams {
    DigitsParams {
        train: 300,
        test: 200,
        epochs: 1,
        ..DigitsParams::for_rules(RuleSet::Full)
    }
}

#[test]
fn short_digits_run_is_deterministic_and_above_its_floor() {
    let data = shipped_digits();
    let p = short_digits();
    let a = digits::run(&data, &p, &mut |_| {}).unwrap();
    let b = digits::run(&data, &p, &mut |_| {}).unwrap();
    assert_eq!(a.accuracy, b.accuracy);
    assert_eq!(a.weights, b.weights);
    assert_eq!(a.theta, b.theta);
    assert_eq!(a.raster, b.raster);
    // Measured 0.685 (seed 1) when this test was written (0.685 to 0.835 over seeds 1 to 5);
    // the floor leaves a margin for deliberate changes of the model or the protocol.
    assert!(a.accuracy >= 0.60, "accuracy {}", a.accuracy);
}

#[test]
fn shipped_digits_have_their_documented_shape_and_a_disjoint_split() {
    let d = shipped_digits();
    assert_eq!(d.len(), digits::DATASET_IMAGES);
    for k in 0..10u8 {
        let n = d.labels.iter().filter(|&&l| l == k).count();
        assert!((170..=190).contains(&n), "digit {k}: {n} images");
    }
    let (train, test) = d.split(1200, 597, 1);
    assert_eq!((train.len(), test.len()), (1200, 597));
    let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 1797);
    assert_eq!(d.split(1200, 597, 1), (train, test));
}

#[test]
fn malformed_digit_files_are_rejected_naming_the_line() {
    let row = |px: &str, label: &str| format!("{}{px},{label}\n", "0,".repeat(63));
    let cases = [
        (row("17", "3"), "line 1: pixel 63"),
        (row("5", "10"), "line 1: label"),
        ("1,2,3\n".to_string(), "line 1: 3 fields"),
        (format!("{}{}", row("1", "1"), row("x", "1")), "line 2"),
        (String::new(), "no images"),
    ];
    for (text, want) in cases {
        let e = Dataset::from_csv_str(&text).unwrap_err().to_string();
        assert!(e.contains(want), "{want}: {e}");
    }
    let e = Dataset::from_bytes(&[0x1f, 0x8b, 0, 1, 2])
        .unwrap_err()
        .to_string();
    assert!(e.contains("gzip"), "{e}");
}

#[test]
fn digits_parameters_are_validated_with_clear_errors() {
    let data = shipped_digits();
    let ok = short_digits();
    let cases: Vec<(DigitsParams, &str)> = vec![
        (
            DigitsParams {
                neurons: 0,
                ..ok.clone()
            },
            "neurons: 0 is out of range",
        ),
        (
            DigitsParams {
                train: 0,
                ..ok.clone()
            },
            "train: 0 is out of range",
        ),
        (
            DigitsParams {
                train: 1500,
                test: 500,
                ..ok.clone()
            },
            "train + test: 1500 + 500 images, but the data set has 1797",
        ),
        (
            DigitsParams {
                epochs: 0,
                ..ok.clone()
            },
            "epochs: 0",
        ),
        (
            DigitsParams {
                ticks: 0,
                ..ok.clone()
            },
            "ticks: 0",
        ),
        (
            DigitsParams {
                rate: 1.5,
                ..ok.clone()
            },
            "rate: 1.5 must be a probability",
        ),
        (
            DigitsParams {
                rate: f64::NAN,
                ..ok.clone()
            },
            "rate: NaN",
        ),
        (
            DigitsParams {
                rate: 0.0,
                ..ok.clone()
            },
            "rate: must be above 0",
        ),
        (
            DigitsParams {
                normalize_every: 0,
                ..ok.clone()
            },
            "normalize_every: 0",
        ),
        (
            DigitsParams {
                raster_images: 201,
                ..ok.clone()
            },
            "raster_images: 201",
        ),
    ];
    for (p, want) in cases {
        let e = digits::run(&data, &p, &mut |_| {}).unwrap_err().to_string();
        assert!(e.contains(want), "want \"{want}\", got \"{e}\"");
        assert!(e.starts_with("digits: "), "{e}");
    }
    // Network knobs are checked by the config validation and name the config key.
    let mut bad = ok.clone();
    bad.net.threshold = 1 << 20;
    let e = digits::run(&data, &bad, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("neuron.threshold"), "{e}");
}

#[test]
fn pattern_parameters_are_validated_with_clear_errors() {
    let ok = PatternsParams::default();
    let cases: Vec<(PatternsParams, &str)> = vec![
        (
            PatternsParams {
                patterns: 0,
                ..ok.clone()
            },
            "patterns: 0 is out of range",
        ),
        (
            PatternsParams {
                active: 0,
                ..ok.clone()
            },
            "active: 0 is out of range",
        ),
        (
            PatternsParams {
                active: 65,
                ..ok.clone()
            },
            "active: 65 is out of range",
        ),
        (
            PatternsParams {
                overlap: 1.0,
                ..ok.clone()
            },
            "overlap: 1 is out of range",
        ),
        (
            PatternsParams {
                overlap: -0.1,
                ..ok.clone()
            },
            "overlap: -0.1 is out of range",
        ),
        (
            PatternsParams {
                active: 2,
                overlap: 0.9,
                ..ok.clone()
            },
            "overlap: 0.9 shares all 2 channels",
        ),
        (
            PatternsParams {
                patterns: 9,
                active: 8,
                overlap: 0.0,
                ..ok.clone()
            },
            "9 patterns of 8 channels with overlap 0 need 72 inputs, but inputs = 64",
        ),
        (
            PatternsParams {
                p_on: 2.0,
                ..ok.clone()
            },
            "p_on: 2 must be a probability",
        ),
        (
            PatternsParams {
                p_noise: -1.0,
                ..ok.clone()
            },
            "p_noise: -1 must be a probability",
        ),
        (
            PatternsParams {
                drop: f64::INFINITY,
                ..ok.clone()
            },
            "drop: inf",
        ),
        (
            PatternsParams {
                neurons: 0,
                ..ok.clone()
            },
            "neurons: 0",
        ),
        (
            PatternsParams {
                epochs: 0,
                ..ok.clone()
            },
            "epochs: 0",
        ),
        (
            PatternsParams {
                ticks: 0,
                ..ok.clone()
            },
            "ticks: 0",
        ),
        (
            PatternsParams {
                test: 0,
                ..ok.clone()
            },
            "test: 0",
        ),
    ];
    for (p, want) in cases {
        let e = patterns::run(&p, &mut |_| {}).unwrap_err().to_string();
        assert!(e.contains(want), "want \"{want}\", got \"{e}\"");
        assert!(e.starts_with("patterns: "), "{e}");
    }
    let e = patterns::sweep(&ok, &[16], &[0.0], &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("need 128 inputs"), "{e}");
}

/// The per-pattern "false positives" are noise-only samples taken for the pattern (as
/// docs/learning.md defines them); samples of another pattern taken for it are counted apart.
#[test]
fn per_pattern_false_positives_count_noise_only_samples() {
    // heavily overlapping patterns: confusions between patterns happen (seed 1: K = 4 at
    // overlap 0.875 detects 68 %)
    let p = PatternsParams {
        patterns: 4,
        overlap: 0.875,
        ..PatternsParams::default()
    };
    let r = patterns::run(&p, &mut |_| {}).unwrap();
    let fps: usize = r.per_pattern.iter().map(|s| s.false_positives).sum();
    let confused: usize = r.per_pattern.iter().map(|s| s.confused).sum();
    assert!(
        r.confusions > 0,
        "the control needs confusions: {:?}",
        r.epochs
    );
    assert_eq!(confused, r.confusions);
    assert_eq!(
        fps,
        (r.false_positive_rate * p.test as f64).round() as usize,
        "noise-only samples taken for a pattern"
    );
}
