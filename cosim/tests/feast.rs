//! FEAST layers on Verilator against the golden model (cosim::feast): a shortened run of moving
//! oriented gratings on the gratings layer (examples/feast/edges.toml) MATCHes event by event
//! (output beat, cycles, thresholds, the winner's weights; counters per tick; all weights and
//! traces every few ticks), with host writes and out-of-grid addresses; a second layer (4
//! lanes, L1, border zero, tied initial weights) too; and three mutants are caught (a window
//! bound one too wide, ties won by the later neuron, a wrong threshold step). Runtime: about
//! 60 s on one core (four Verilator builds, cached after the first run).

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
    run(
        cfg,
        ticks,
        &FeastCosimOptions {
            mutant,
            full_every: 8,
            host_actions: true,
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
        (edges(), Mutant::WindowBound, "(Skipped)"),
        (tied_lanes(), Mutant::TieBreak, "output beats (Won(0))"),
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
