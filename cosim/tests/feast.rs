//! FEAST layers on Verilator against the golden model (cosim::feast): a shortened run of moving
//! oriented gratings on the gratings layer (examples/feast/edges.toml) MATCHes event by event
//! (output beats, cycles, thresholds, the winner's weights; counters per tick; all weights and
//! traces every few ticks), with host writes and out-of-grid addresses; a second layer (4
//! lanes, L1, border zero, tied initial weights) too; the gratings layer also under output
//! backpressure (`out_ready` low in 40 % or 30 % of the cycles, in runs of 2000 or 500 cycles on
//! average: every output beat in order, every cycle count exact with the cycles beats waited for
//! the output register, and they did wait); and six mutants are caught: a window bound one too
//! wide, ties won by the later neuron, a wrong threshold step, and, only under output
//! backpressure (each MATCHes with `out_ready` always high), an output register overwritten
//! while full, one whose hold is dropped, one that waits for `out_ready` while empty. Runtime:
//! about 60 s on one core for the first three tests (three Verilator builds, cached after the
//! first run); the two output backpressure tests 43 s from a cold cache on a busy 2-core machine
//! (four Verilator builds), under 1 s cached.

use cosim::feast::{FeastCosimOptions, FeastCosimReport, run};
use golden::feast::FeastConfig;
use golden::learn::feast::{EdgesParams, grating_tick};
use hdl::feast::Mutant;
use std::path::Path;

const EDGES: &str = include_str!("../../examples/feast/edges.toml");

fn config(extra: &[(&str, &str)]) -> FeastConfig {
    let mut text = EDGES.to_string();
    for (from, to) in extra {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    FeastConfig::from_toml_str(&text, Path::new(".")).unwrap()
}

/// `blocks` blocks of `len` ticks of gratings, directions 0, 3, 6, ... (mod 8), phase 0.
fn gratings(blocks: usize, len: usize) -> Vec<Vec<u32>> {
    let p = EdgesParams::default();
    let mut ticks = Vec::new();
    for b in 0..blocks {
        for t in 0..len {
            ticks.push(grating_tick(&p, (3 * b) % p.directions, 0.5 * b as f64, t));
        }
        ticks.push(Vec::new());
    }
    ticks
}

fn cosim(cfg: &FeastConfig, ticks: &[Vec<u32>], mutant: Option<Mutant>) -> FeastCosimReport {
    cosim_bp(cfg, ticks, mutant, (0, 1))
}

/// With `out_ready` low in `permille` / 1000 of the cycles, in runs of `burst` cycles on average
/// (seed 5).
fn cosim_bp(
    cfg: &FeastConfig,
    ticks: &[Vec<u32>],
    mutant: Option<Mutant>,
    (permille, burst): (u32, u32),
) -> FeastCosimReport {
    run(
        cfg,
        ticks,
        &FeastCosimOptions {
            mutant,
            full_every: 8,
            host_actions: true,
            out_backpressure_permille: permille,
            out_burst: burst,
            seed: 5,
            ..Default::default()
        },
    )
    .unwrap()
}

/// The gratings layer with thresholds starting near 1.0, so events are missed early on.
fn edges() -> FeastConfig {
    config(&[("threshold_init = 0", "threshold_init = 3900")])
}

/// 4 lanes, L1 norm, border zero, every neuron's initial weights equal (ties).
fn tied_lanes() -> FeastConfig {
    config(&[
        ("neurons = 16", "neurons = 16\nlanes = 4"),
        ("norm = \"l2\"", "norm = \"l1\""),
        ("border = \"skip\"", "border = \"zero\""),
        (
            "init = \"uniform\"\ninit_lo = 1\ninit_hi = 255\nseed = 2",
            "init = \"constant\"\ninit_value = 100",
        ),
        ("threshold_init = 0", "threshold_init = 2000"),
    ])
}

#[test]
fn gratings_layer_matches_event_by_event() {
    let r = cosim(&edges(), &gratings(3, 8), None);
    eprintln!("{r:?}");
    assert_eq!(r.mismatch, None, "{r:?}");
    assert!(
        r.won > 100 && r.missed > 20 && r.skipped > 100 && r.dropped > 0,
        "{r:?}"
    );
}

#[test]
fn four_lanes_with_l1_border_zero_and_ties_match() {
    let r = cosim(&tied_lanes(), &gratings(2, 6), None);
    eprintln!("{r:?}");
    assert_eq!(r.mismatch, None, "{r:?}");
    assert!(r.won > 50 && r.missed > 0 && r.skipped == 0, "{r:?}");
}

#[test]
fn mutants_are_caught() {
    let ticks = gratings(2, 8);
    for (cfg, mutant, what) in [
        (edges(), Mutant::WindowBound, "(Skipped"),
        (tied_lanes(), Mutant::TieBreak, "output beats (Won(0);"),
        (edges(), Mutant::WinStep, "threshold of neuron"),
    ] {
        let r = cosim(&cfg, &ticks, Some(mutant));
        let m = r
            .mismatch
            .clone()
            .unwrap_or_else(|| panic!("{mutant:?} not caught: {r:?}"));
        assert!(m.contains(what), "{mutant:?}: {m}");
    }
}

#[test]
fn output_backpressure_loses_nothing_and_keeps_cycles_exact() {
    let ticks = gratings(2, 8);
    // runs of out_ready low about as long as two events: beats wait for the register (short
    // runs would not: the host reads after each event empty it)
    for bp in [(400, 2000), (300, 500)] {
        let r = cosim_bp(&edges(), &ticks, None, bp);
        eprintln!("{bp:?}: {r:?}");
        assert_eq!(r.mismatch, None, "{bp:?}: {r:?}");
        assert!(r.won > 50 && r.missed > 10, "{r:?}");
        // every spike and end-of-tick beat taken, out_ready low in about 40 % of the cycles, and
        // the layer did wait for the register
        assert_eq!(r.out_beats, r.won + r.ticks, "{r:?}");
        let low = r.out_ready_low as f64 / r.cycles as f64;
        assert!((0.25..0.55).contains(&low), "{bp:?}: {low}");
        assert!(r.output_waits > 0, "{bp:?}: {r:?}");
    }
}

#[test]
fn output_register_mutants_are_caught_only_under_output_backpressure() {
    let ticks = gratings(1, 8);
    for (mutant, what) in [
        (Mutant::OutOverwrite, "output beats ("),
        (Mutant::OutHold, "output beats ("),
        (Mutant::OutWaitEmpty, "cycles"),
    ] {
        // the control: with out_ready always high the register never waits, nothing shows
        let r = cosim_bp(&edges(), &ticks, Some(mutant), (0, 1));
        assert_eq!(r.mismatch, None, "{mutant:?} without backpressure: {r:?}");
        let r = cosim_bp(&edges(), &ticks, Some(mutant), (400, 2000));
        let m = r
            .mismatch
            .clone()
            .unwrap_or_else(|| panic!("{mutant:?} not caught: {r:?}"));
        eprintln!("{mutant:?}: {m}");
        assert!(m.contains(what), "{mutant:?}: {m}");
    }
}
