//! Issue 19: the exported testbench of a FEAST layer (`testbenches::export_feast`). A shortened
//! run of moving oriented gratings on the gratings layer (examples/feast/edges.toml, thresholds
//! starting near 1.0 so events are missed early on), with the co-simulation's host writes and
//! out-of-grid addresses, PASSes under Icarus and under Verilator, under Icarus with gaps before
//! input beats, and under both with output backpressure too (`+obp=400 +oburst=2000`: every
//! output beat checked in order when taken, every cycle count exact with the cycles beats waited
//! for the output register, and they did wait), as does a 4-lane L1 layer with border zero and
//! tied weights; and it can fail: a corrupted expected winner, a corrupted expected cycle count,
//! a corrupted expected threshold and five mutated designs (a wrong threshold step, a window
//! bound one too wide, and under output backpressure an output register overwritten while full,
//! one whose hold is dropped, one that waits for `out_ready` while empty; these three PASS
//! without it) each give exactly one FAIL line naming what differs and a non-zero exit status.
//! Runtime: 114-137 s wall on a busy 2-core machine (load 11; one Verilator and seven Icarus
//! builds, the three tests in parallel).

use golden::feast::FeastConfig;
use golden::learn::feast::{EdgesParams, grating_tick};
use hdl::feast::Mutant;
use std::path::{Path, PathBuf};
use testbenches::export_feast::{FeastExportOptions, FeastExported, export_feast};
use testbenches::sim::{Outcome, Simulator, build, build_and_run, run};

const EDGES: &str = include_str!("../../examples/feast/edges.toml");

/// The gratings layer with thresholds starting near 1.0.
fn edges() -> FeastConfig {
    let text = EDGES.replace("threshold_init = 0", "threshold_init = 3900");
    assert_ne!(text, EDGES);
    FeastConfig::from_toml_str(&text, Path::new(".")).unwrap()
}

/// `blocks` blocks of `len` ticks of gratings, directions 0, 3, 6, ... (mod 8), then a quiet tick.
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

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("export_feast")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn exported(mutant: Option<Mutant>) -> FeastExported {
    let opts = FeastExportOptions {
        mutant,
        ..Default::default()
    };
    export_feast(&edges(), &gratings(2, 8), &opts).unwrap()
}

/// Output backpressure: out_ready low in about 40 % of the cycles, in runs of 2000 cycles on
/// average (longer than an event, so beats wait for the output register), with input gaps.
const OUT_BP: [&str; 4] = ["+obp=400", "+oburst=2000", "+bp=200", "+seed=3"];

/// The cycles beats waited for the output register, from a PASS line.
fn waits(pass: &str) -> u64 {
    let end = pass
        .find(" cycles waiting for the output register")
        .unwrap_or_else(|| panic!("{pass}"));
    let start = pass[..end].rfind(' ').unwrap() + 1;
    pass[start..end].parse().unwrap()
}

#[track_caller]
fn assert_fails(o: &Outcome, what: &str, want: &str) {
    assert!(
        o.failed_cleanly(),
        "{what}: expected one FAIL line and a non-zero exit status:\n{}",
        o.transcript()
    );
    assert!(
        o.fail_lines[0].contains(want),
        "{what}: the FAIL line lacks {want:?}: {}",
        o.fail_lines[0]
    );
}

/// The first line of `exp.hex` with outcome `kind` (2 hex digits), and that line changed by `f`.
fn mutate_exp(e: &mut FeastExported, kind: &str, f: impl Fn(u128) -> u128) {
    let text = e.files["vectors/exp.hex"].clone();
    let line = text
        .lines()
        .find(|l| l.starts_with(kind))
        .unwrap_or_else(|| panic!("no beat of kind {kind}"))
        .to_string();
    let v = u128::from_str_radix(&line, 16).unwrap();
    let new = format!("{:026x}", f(v));
    e.patch("vectors/exp.hex", &line, &new).unwrap();
}

#[test]
fn gratings_pass_under_both_simulators_and_with_gaps() {
    let e = exported(None);
    let s = &e.summary;
    eprintln!("{s:?}");
    assert!(
        s.won > 50 && s.missed > 10 && s.skipped > 50 && s.dropped > 0 && s.actions > 0,
        "{s:?}"
    );
    let dir = scratch("pass");
    e.write(&dir).unwrap();
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert!(o.passed(), "{}:\n{}", sim.name(), o.transcript());
        assert!(
            o.pass_lines[0].contains(&format!("{} output spikes", s.won)),
            "{}",
            o.pass_lines[0]
        );
    }
    // gaps before input beats leave every cycle count exact
    let o = run(&dir, Simulator::Icarus, &["+bp=300", "+seed=7"]).unwrap();
    assert!(o.passed(), "gaps:\n{}", o.transcript());
    // so does out_ready low in runs (40 % of the cycles), with gaps; beats do wait
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        let o = run(&dir, sim, &OUT_BP).unwrap();
        assert!(o.passed(), "{} {OUT_BP:?}:\n{}", sim.name(), o.transcript());
        let waited = waits(&o.pass_lines[0]);
        assert!(waited > 100, "{}", o.pass_lines[0]);
    }

    // corrupted expectations, on the same builds ($readmemh reads the vectors at run time)
    let mut bad = e.clone();
    mutate_exp(&mut bad, "03", |v| {
        (v & !0xFFFF_FFFF) | (((v & 0xFFFF_FFFF) + 1) % 16)
    });
    bad.write(&dir).unwrap();
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        let o = run(&dir, sim, &[]).unwrap();
        assert_fails(&o, "expected winner", "expected a win of neuron");
    }
    let mut bad = e.clone();
    mutate_exp(&mut bad, "02", |v| v + (1 << 32));
    bad.write(&dir).unwrap();
    let o = run(&dir, Simulator::Icarus, &[]).unwrap();
    assert_fails(&o, "expected cycles", "from acceptance to idle");
    let mut bad = e.clone();
    // the first threshold read back (kind 8): expected word + 1
    let chk = bad.files["vectors/chk.hex"].clone();
    let line = chk
        .lines()
        .find(|l| l.len() == 40 && &l[8..10] == "08")
        .unwrap()
        .to_string();
    let word = u32::from_str_radix(&line[32..], 16).unwrap();
    let new = format!("{}{:08x}", &line[..32], word.wrapping_add(1));
    bad.patch("vectors/chk.hex", &line, &new).unwrap();
    bad.write(&dir).unwrap();
    let o = run(&dir, Simulator::Icarus, &[]).unwrap();
    assert_fails(&o, "expected threshold", "after tick 0: threshold[");
}

/// 4 lanes, L1 norm, border zero, every neuron's initial weights equal (ties).
fn tied_lanes() -> FeastConfig {
    let mut text = EDGES.to_string();
    for (from, to) in [
        ("neurons = 16", "neurons = 16\nlanes = 4"),
        ("norm = \"l2\"", "norm = \"l1\""),
        ("border = \"skip\"", "border = \"zero\""),
        (
            "init = \"uniform\"\ninit_lo = 1\ninit_hi = 255\nseed = 2",
            "init = \"constant\"\ninit_value = 100",
        ),
        ("threshold_init = 0", "threshold_init = 2000"),
    ] {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    FeastConfig::from_toml_str(&text, Path::new(".")).unwrap()
}

#[test]
fn four_lanes_l1_border_zero_pass_under_icarus() {
    let e = export_feast(
        &tied_lanes(),
        &gratings(1, 6),
        &FeastExportOptions::default(),
    )
    .unwrap();
    let s = &e.summary;
    assert!(s.won > 20 && s.missed > 0 && s.skipped == 0, "{s:?}");
    let dir = scratch("lanes");
    e.write(&dir).unwrap();
    let o = build_and_run(&dir, Simulator::Icarus, &["+bp=200"]).unwrap();
    assert!(o.passed(), "{}", o.transcript());
}

#[test]
fn mutated_designs_fail() {
    for (mutant, want, plusargs) in [
        (Mutant::WinStep, "threshold[", &[][..]),
        (Mutant::WindowBound, "skipped", &[]),
        // output register mutants, under output backpressure
        (Mutant::OutOverwrite, "output beats", &OUT_BP),
        (Mutant::OutHold, "taken: expected", &OUT_BP),
        (
            Mutant::OutWaitEmpty,
            "waiting for the output register",
            &OUT_BP,
        ),
    ] {
        // the output register mutants show in the first ticks
        let ticks = if plusargs.is_empty() {
            gratings(2, 8)
        } else {
            gratings(1, 4)
        };
        let opts = FeastExportOptions {
            mutant: Some(mutant),
            ..Default::default()
        };
        let e = export_feast(&edges(), &ticks, &opts).unwrap();
        let dir = scratch(&format!("{mutant:?}"));
        e.write(&dir).unwrap();
        let b = build(&dir, Simulator::Icarus).unwrap();
        assert!(b.ok(), "{mutant:?}: {}{}", b.stdout, b.stderr);
        let o = run(&dir, Simulator::Icarus, plusargs).unwrap();
        assert_fails(&o, &format!("{mutant:?}"), want);
        if !plusargs.is_empty() {
            // the control: with out_ready always high nothing shows
            let o = run(&dir, Simulator::Icarus, &[]).unwrap();
            assert!(o.passed(), "{mutant:?} without +obp:\n{}", o.transcript());
        }
    }
}
