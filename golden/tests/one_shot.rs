//! Supervised one-shot pattern detection (issue 15): one presentation of a pattern with its
//! teacher, then the taught readout detects it on held-out noisy samples. Runtime: well under a
//! second in release.

use golden::learn::patterns::{OneShotParams, PatternsParams, run_one_shot};

fn params(patterns: usize, seed: u64) -> PatternsParams {
    PatternsParams {
        patterns,
        seed,
        ..PatternsParams::default()
    }
}

#[test]
fn one_presentation_detects_a_single_pattern_without_false_positives() {
    // measured with the defaults (chosen on seeds 21-100): no false positive on seeds 1-20,
    // every test sample detected on 19 of them (seed 8 misses 1 of 50; docs/learning.md)
    let o = OneShotParams::default();
    let mut perfect = 0;
    for seed in 1..=20 {
        let r = run_one_shot(&params(1, seed), &o).unwrap();
        assert_eq!(r.false_positives, 0, "seed {seed}: {r:?}");
        assert!(r.detected[0] >= 0.98, "seed {seed}: {r:?}");
        assert_eq!(
            r.teacher_spikes[0], 20,
            "seed {seed}: a 1000 Hz teacher fires every tick"
        );
        perfect += r.perfect() as usize;
    }
    assert!(perfect >= 19, "{perfect} of 20 seeds perfect");
}

#[test]
fn without_the_teacher_nothing_is_learned_and_nothing_detected() {
    // control: a teacher rate of 0 leaves the weights at 0, so no test sample is detected
    let o = OneShotParams {
        teach_rate: 0.0,
        ..OneShotParams::default()
    };
    let r = run_one_shot(&params(1, 1), &o).unwrap();
    assert_eq!(r.detected, vec![0.0]);
    assert!(!r.perfect());
}

#[test]
fn a_teacher_rate_over_one_spike_per_tick_is_refused() {
    let o = OneShotParams {
        teach_rate: 2000.0,
        ..OneShotParams::default()
    };
    let e = run_one_shot(&params(1, 1), &o).unwrap_err().to_string();
    assert!(e.contains("teach_rate"), "{e}");
}

#[test]
fn the_sweep_finds_the_defaults_and_shows_a_too_low_threshold_fails() {
    let p = params(1, 1);
    let grid = golden::learn::patterns::one_shot_grid(
        &OneShotParams::default(),
        &[0],
        &[3],
        &[0],
        &[3000],
        &[3000, 6500],
    );
    let cells = golden::learn::patterns::one_shot_sweep(&p, &grid, 21..=40, 2).unwrap();
    // measured: threshold 3000 fires on noise (false positives on most seeds), 6500 is the
    // chosen value: every one of the search's seeds 21-40 perfect
    assert_eq!(cells[0].seeds, 20);
    assert!(cells[0].false_positives > 100, "{:?}", cells[0]);
    assert_eq!(cells[1].false_positives, 0, "{:?}", cells[1]);
    assert_eq!(cells[1].perfect, 20, "{:?}", cells[1]);
}
