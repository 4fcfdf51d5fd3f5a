//! The temporal-pattern experiment (`golden::learn::temporal`, docs/learning.md): a short seeded
//! run learns K = 4 orders of the same 8 channels with delays and stays far below that without
//! them; the parameter search runs on several threads with the same result as on one. Runtime:
//! about a second.

use golden::learn::temporal::{self, SweepGrid, TemporalParams};

fn short(k: usize, max_delay: u32) -> TemporalParams {
    TemporalParams {
        patterns: k,
        max_delay,
        neurons: 24,
        train: 30,
        epochs: 1,
        label: 10,
        valid: 10,
        test: 20,
        ..TemporalParams::default()
    }
}

#[test]
fn delays_tell_orders_apart_that_the_same_network_without_delays_does_not() {
    // measured: 96.25 % with delays, 25 % without (chance 25 %)
    let with = temporal::run(&short(4, 16), &mut |_, _| {}).unwrap();
    let without = temporal::run(&short(4, 0), &mut |_, _| {}).unwrap();
    eprintln!(
        "detection with delays {}, without {}",
        with.detection, without.detection
    );
    assert!(with.detection >= 0.85, "with delays: {}", with.detection);
    assert!(
        without.detection <= 0.7,
        "without delays: {}",
        without.detection
    );
    assert_eq!(with.orders[1], (0..8).rev().collect::<Vec<_>>());
    assert!(with.delays.is_some() && without.delays.is_none());
    assert_eq!(with.raster.sample_starts.len(), with.params.raster_samples);
}

#[test]
fn the_sweep_scores_validation_the_same_on_any_number_of_threads() {
    let grid = SweepGrid {
        thresholds: vec![200, 300],
        leak_shifts: vec![1],
        ltp_offsets: vec![2],
        copies: vec![2],
    };
    let base = short(2, 16);
    let one = temporal::sweep(&base, &grid, &[2], 1, 1, &|_, _| {}).unwrap();
    let two = temporal::sweep(&base, &grid, &[2], 1, 2, &|_, _| {}).unwrap();
    assert_eq!(one, two);
    assert_eq!(one.len(), 2);
    assert_eq!((one[0].threshold, one[1].threshold), (200, 300));
    let direct = temporal::run(
        &TemporalParams {
            copies: 2,
            seed: 1,
            raster_samples: 0,
            ..base.clone()
        },
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(one[0].validation, vec![direct.validation]);
}

#[test]
fn bad_parameters_are_named() {
    for (p, name) in [
        (
            TemporalParams {
                patterns: 1,
                ..TemporalParams::default()
            },
            "patterns",
        ),
        (
            TemporalParams {
                channels: 2,
                patterns: 3,
                ..TemporalParams::default()
            },
            "patterns",
        ),
        (
            TemporalParams {
                max_delay: 300,
                ..TemporalParams::default()
            },
            "max_delay",
        ),
        (
            TemporalParams {
                jitter: 1.5,
                ..TemporalParams::default()
            },
            "jitter",
        ),
    ] {
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains(&format!("temporal: {name}")), "{e}");
    }
}
