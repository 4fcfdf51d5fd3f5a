//! The lockstep chip (`cosim::driver::lockstep`) runs a learning experiment of `golden::learn`
//! on the generated Verilog: the experiment's result must be the golden model's, a broken design
//! must be reported with its tick and state, and a tick budget must leave the rest of the
//! experiment to the golden model.
//!
//! Key decision: the experiment is a small pattern run (16 inputs, 8 neurons in 8 lanes, a few
//! samples), so each Verilator build takes seconds; with one neuron per lane every input event
//! of a tick hits the accumulator word the previous event is writing, so turning the
//! generator's forwarding off is a mutation the run must catch.

use cosim::driver::{LockstepReport, RunOptions, lockstep};
use golden::learn::patterns::{self, PatternsParams, PatternsResult};

fn small() -> PatternsParams {
    PatternsParams {
        inputs: 16,
        patterns: 2,
        active: 4,
        neurons: 8,
        train: 3,
        label: 2,
        test: 2,
        epochs: 1,
        raster_samples: 2,
        ..PatternsParams::default()
    }
}

fn on_hardware(
    p: &PatternsParams,
    opts: &RunOptions,
    max_ticks: Option<usize>,
) -> (PatternsResult, LockstepReport) {
    let cfg = p.config().expect("valid parameters");
    assert_eq!(cfg.array.lanes, 8, "one neuron per lane");
    let (r, rep) = lockstep(&cfg, opts, max_ticks, |chip| {
        patterns::run_on(p, chip, &mut |_| {})
    })
    .unwrap_or_else(|e| panic!("the co-simulation failed to run: {e}"));
    (r.expect("the experiment runs"), rep)
}

#[test]
fn a_pattern_run_on_the_hardware_equals_the_golden_run() {
    let p = small();
    let golden = patterns::run(&p, &mut |_| {}).unwrap();
    let (r, rep) = on_hardware(&p, &RunOptions::default(), None);
    assert!(rep.run.mismatch.is_none(), "{:?}", rep.run.mismatch);
    assert!(rep.complete);
    // 3 x 3 training samples, 2 x 3 labelling, 2 x 3 test
    assert_eq!(rep.samples, 21);
    assert_eq!(rep.run.ticks as u64, rep.total_ticks);
    assert_eq!(rep.run.ticks, 21 * p.ticks);
    assert!(rep.run.spikes > 0, "the network must fire to test anything");
    assert_eq!(r, golden);
}

#[test]
fn a_tick_budget_leaves_the_rest_to_the_golden_model() {
    let p = small();
    let golden = patterns::run(&p, &mut |_| {}).unwrap();
    let (r, rep) = on_hardware(&p, &RunOptions::default(), Some(50));
    assert!(rep.run.mismatch.is_none(), "{:?}", rep.run.mismatch);
    assert!(!rep.complete);
    assert_eq!(rep.run.ticks, 50);
    assert_eq!(rep.total_ticks, 21 * p.ticks as u64);
    assert_eq!(r, golden);
}

#[test]
fn a_design_without_forwarding_is_caught_and_the_experiment_still_ends() {
    let p = small();
    let golden = patterns::run(&p, &mut |_| {}).unwrap();
    let broken = RunOptions {
        forwarding: false,
        ..Default::default()
    };
    let (r, rep) = on_hardware(&p, &broken, None);
    let m = rep
        .run
        .mismatch
        .as_ref()
        .expect("the broken design is caught");
    let text = m.to_string();
    eprintln!("{text}");
    assert!(
        text.starts_with(&format!("MISMATCH at tick {}: ", m.tick)),
        "{text}"
    );
    assert!(
        ["spikes", "v", "weight", "x", "y", "theta"].contains(&m.what.as_str()),
        "{text}"
    );
    assert!(rep.mismatch_sample.is_some_and(|s| s >= 1));
    assert!(!rep.complete);
    assert!((rep.run.ticks as u64) < rep.total_ticks);
    // the golden model carried the experiment to its end
    assert_eq!(r, golden);
}

/// A design whose output scanner waits one cycle more before each spike word: the spikes, the
/// state and (with the learning phase after the spikes) the tick's length stay right, only the
/// output beats come late. The lockstep chip must compare the beat cycles with the cycle model.
#[test]
fn output_beats_one_cycle_late_are_caught() {
    let p = small();
    let cfg = p.config().expect("valid parameters");
    let g = hdl::array::generate(&cfg, &hdl::array::Options::default()).unwrap();
    let file = format!("{}.v", cfg.name);
    let top = &g.rtl.iter().find(|(n, _)| *n == file).unwrap().1;
    let line = top
        .lines()
        .find(|l| l.contains("if (scan_wait == ") && l.contains("'d0)"))
        .expect("the scanner's wait compare");
    let late = RunOptions {
        patches: vec![(file, line.into(), line.replace("'d0)", "'d1)"))],
        ..Default::default()
    };
    let golden = patterns::run(&p, &mut |_| {}).unwrap();
    let (r, rep) = on_hardware(&p, &late, None);
    let m = rep
        .run
        .mismatch
        .as_ref()
        .expect("the late beats are caught");
    eprintln!("{m}");
    assert_eq!(m.what, "output beat cycles", "{m}");
    // the beats are late, not wrong: same count, each at least as late as expected
    let parse = |s: &str| -> Vec<u64> {
        s.trim_matches(['[', ']'])
            .split(", ")
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap())
            .collect()
    };
    let (want, got) = (parse(&m.expected), parse(&m.actual));
    assert_eq!(want.len(), got.len(), "{m}");
    assert!(want.iter().zip(&got).all(|(w, g)| g > w), "{m}");
    assert!(!rep.complete);
    assert_eq!(r, golden);
}
