//! Supervised one-shot pattern detection (issue 15): one presentation of a pattern with its
//! teacher, then the taught readout detects it on held-out noisy samples. Runtime: well under a
//! second in release.

use golden::learn::patterns::{OneShotParams, PatternsParams, Presentation, run_one_shot};

fn params(patterns: usize, seed: u64) -> PatternsParams {
    PatternsParams {
        patterns,
        seed,
        ..PatternsParams::default()
    }
}

#[test]
fn one_presentation_of_the_pattern_detects_it_without_false_positives_on_every_seed() {
    // measured with the defaults (the pattern itself presented; chosen on seeds 21-420): every
    // test sample detected and no false positive on each of seeds 1-20 (docs/learning.md)
    let o = OneShotParams::default();
    assert_eq!(o.presentation, Presentation::Pattern);
    for seed in 1..=20 {
        let r = run_one_shot(&params(1, seed), &o).unwrap();
        assert!(r.perfect(), "seed {seed}: {r:?}");
        assert_eq!(
            r.teacher_spikes[0], 20,
            "seed {seed}: a 1000 Hz teacher fires every tick"
        );
    }
}

#[test]
fn one_noisy_sample_as_the_presentation_misses_one_test_sample_of_seed_8() {
    // the harder protocol (one training sample: a dropped channel and noise): no false positive
    // on seeds 1-20, every test sample detected on 19 of them; seed 8's training sample dropped
    // a channel that one of its test samples needs (docs/learning.md)
    let o = OneShotParams::for_presentation(Presentation::Sample);
    let mut imperfect = Vec::new();
    for seed in 1..=20 {
        let r = run_one_shot(&params(1, seed), &o).unwrap();
        assert_eq!(r.false_positives, 0, "seed {seed}: {r:?}");
        if !r.perfect() {
            imperfect.push((seed, r.detected[0]));
        }
    }
    assert_eq!(imperfect, vec![(8, 0.98)]);
    // the same seed is perfect when the pattern itself is presented: the presentation is what
    // differs (same test samples, same readout rule)
    assert!(
        run_one_shot(&params(1, 8), &OneShotParams::default())
            .unwrap()
            .perfect()
    );
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
    use golden::learn::patterns::{one_shot_grid, one_shot_sweep, one_shot_windows};
    let p = params(1, 1);
    let base = OneShotParams::default();
    let grid = one_shot_grid(&base, &[0], &[4], &[0], &[3000], &[3000, 5500, 5750, 6000]);
    let cells = one_shot_sweep(&p, &grid, 21..=40, 2).unwrap();
    // measured: threshold 3000 fires on noise (false positives on most seeds); 5500-6000 are
    // perfect on the search's seeds 21-40, and the window's middle is the default
    assert_eq!(cells[0].seeds, 20);
    assert!(cells[0].false_positives > 50, "{:?}", cells[0]);
    for c in &cells[1..] {
        assert_eq!((c.false_positives, c.perfect), (0, 20), "{c:?}");
    }
    let w = one_shot_windows(&cells, &base);
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].first, w[0].last, w[0].thresholds), (5500, 6000, 3));
    assert_eq!(w[0].params, base);
}

#[test]
fn the_widest_window_wins_and_ties_go_to_the_setting_closest_to_the_readout() {
    use golden::learn::patterns::{OneShotCell, one_shot_windows};
    let base = OneShotParams::default();
    let cell = |ltp_shift: u32, threshold: i64, perfect: usize| OneShotCell {
        params: OneShotParams {
            ltp_shift,
            threshold,
            ..base.clone()
        },
        perfect,
        seeds: 10,
        false_positives: 0,
        misses: 0,
    };
    // ltp_shift 1: runs of 2 and 3 (the widest run counts, not the sum); ltp_shift 2: a run of 3
    // too, and both differ from the readout in one parameter, so grid order decides; ltp_shift 4
    // (the readout's): 2 wide; ltp_shift 3: never perfect
    // (ltp_shift, threshold, perfect seeds of 10)
    #[rustfmt::skip]
    let table: [(u32, i64, usize); 12] = [
        (1, 100, 10), (1, 200, 10), (1, 300, 9), (1, 400, 10), (1, 500, 10), (1, 600, 10),
        (2, 100, 10), (2, 200, 10), (2, 300, 10),
        (4, 100, 10), (4, 200, 10),
        (3, 100, 0),
    ];
    let cells: Vec<OneShotCell> = table.iter().map(|&(l, t, p)| cell(l, t, p)).collect();
    let w = one_shot_windows(&cells, &base);
    let got: Vec<_> = w
        .iter()
        .map(|w| {
            (
                w.params.ltp_shift,
                w.first,
                w.last,
                w.params.threshold,
                w.thresholds,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, 400, 600, 500, 3),
            (2, 100, 300, 200, 3),
            (4, 100, 200, 100, 2),
            (3, 0, 0, 0, 0)
        ]
    );
    // an equally wide window on the readout's own setting comes first
    let mut more = cells.clone();
    more.push(cell(4, 300, 10));
    let w = one_shot_windows(&more, &base);
    assert_eq!((w[0].params.ltp_shift, w[0].thresholds), (4, 3));
}

#[test]
fn the_raster_holds_the_first_test_samples_of_each_class_with_their_classes() {
    // raster_samples 10 with one pattern: the first 5 pattern samples, then the first 5
    // noise-only ones ("no pattern" is class K = 1), 20 ticks each; seed 1 is perfect, so each
    // was given its own class
    let r = run_one_shot(&params(1, 1), &OneShotParams::default()).unwrap();
    let raster = &r.raster;
    assert_eq!(
        raster.sample_starts,
        (0..10).map(|k| 20 * k).collect::<Vec<_>>()
    );
    let want: Vec<Option<usize>> = [Some(0); 5].into_iter().chain([Some(1); 5]).collect();
    assert_eq!(raster.sample_labels, want);
    assert_eq!(raster.sample_predicted, want);
    assert_eq!((raster.ticks, raster.inputs, raster.neurons), (200, 64, 1));
    // every spike and event within its ticks, and the pattern samples fired the readout
    assert!(
        raster.spikes.iter().all(|&(t, i)| t < 100 && i == 0),
        "{raster:?}"
    );
    assert!(!raster.spikes.is_empty());
    assert!(raster.input_events.iter().all(|&(t, j)| t < 200 && j < 64));
    // the weights read after training: the pattern's 8 channels only, scaled up to the 8-bit
    // top (measured: 7 of them at 255, one at 208)
    let strong: Vec<i32> = r.weights.iter().copied().filter(|&w| w > 0).collect();
    assert_eq!(
        strong,
        vec![255, 255, 255, 255, 255, 255, 208, 255],
        "{:?}",
        r.weights
    );
}
