//! Issue 6: the exported testbench can fail. A mutated design (a text patch of the generated
//! Verilog, or the generator's forwarding turned off) and a mutated expected-vector file each make
//! it print exactly one `FAIL` line naming the tick and the index, and exit with a non-zero status
//! from the simulator and from `run.sh`, under Icarus and under Verilator.
//!
//! Key decision: the vector mutations reuse one build per simulator (`$readmemh` reads the
//! vectors at run time), so only the design mutations cost a compile.

use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use std::path::{Path, PathBuf};
use testbenches::export::{ExportOptions, Exported, export};
use testbenches::sim::{Outcome, Simulator, build, build_and_run, run};

/// Two lanes, two groups (so the generator forwards read-modify-write hazards), STDP on.
const NET: &str = "name = \"mut\"\n[array]\ninputs = 8\nneurons = 4\nlanes = 2\n\
                   [neuron]\nthreshold = 30\nleak_shift = 3\n\
                   [synapse]\ninit_lo = 4\ninit_hi = 30\n\
                   [stdp]\npre_inc = 80\npost_inc = 80\nltp_shift = 2\nltd_shift = 2\n";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("export_mutation")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stim() -> Stimulus {
    let mut r = SplitMix64::new(42);
    Stimulus {
        ticks: (0..20)
            .map(|_| (0..1 + r.below(6)).map(|_| r.below(8) as u32).collect())
            .collect(),
    }
}

fn exported(opts: &ExportOptions) -> Exported {
    let cfg = Config::from_toml_str(NET, Path::new(".")).unwrap();
    let e = export(&cfg, &stim(), opts).unwrap();
    assert!(e.summary.spikes > 0, "the stimulus makes no spike");
    e
}

#[track_caller]
fn assert_fails(o: &Outcome, what: &str, want: &[&str]) {
    assert!(
        o.failed_cleanly(),
        "{what}: expected one FAIL line and a non-zero exit status:\n{}",
        o.transcript()
    );
    for w in want {
        assert!(
            o.fail_lines[0].contains(w),
            "{what}: the FAIL line lacks {w:?}: {}",
            o.fail_lines[0]
        );
    }
}

/// Replace line `n` (0-based) of a vector file in `dir`.
fn set_line(dir: &Path, file: &str, n: usize, text: &str) {
    let p = dir.join(file);
    let mut lines: Vec<String> = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines[n] = text.to_string();
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
}

/// The line of the lane module that adds a weight to the accumulator, with `+` turned into `-`.
fn accumulate_patch(e: &Exported) -> (String, String, String) {
    let file = "rtl/mut_lane.v".to_string();
    let line = e.files[&file]
        .lines()
        .find(|l| l.trim_start().starts_with("assign e_acc_sum = "))
        .expect("the lane has an accumulator adder")
        .to_string();
    assert!(line.contains(" + "), "{line}");
    let mutated = line.replacen(" + ", " - ", 1);
    (file, line, mutated)
}

#[test]
fn a_mutated_accumulator_fails_under_both_simulators() {
    let mut e = exported(&ExportOptions::default());
    let (file, from, to) = accumulate_patch(&e);
    e.patch(&file, &from, &to).unwrap();
    let dir = scratch("accumulator");
    e.write(&dir).unwrap();
    for sim in Simulator::ALL {
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert_fails(
            &o,
            &format!("accumulator mutant under {}", sim.name()),
            &["tick "],
        );
    }
}

#[test]
fn a_mutated_threshold_comparison_fails_under_icarus() {
    // constant weights of 10, no leak, threshold 30: every neuron lands exactly on its threshold
    let toml = NET.replace("leak_shift = 3", "leak_shift = 0").replace(
        "init_lo = 4\ninit_hi = 30",
        "init = \"constant\"\ninit_value = 10",
    ) + "enabled = false\n";
    let cfg = Config::from_toml_str(&toml, Path::new(".")).unwrap();
    let mut e = export(&cfg, &stim(), &ExportOptions::default()).unwrap();
    assert!(e.summary.spikes > 0, "the stimulus makes no spike");
    let dir = scratch("threshold");
    e.write(&dir).unwrap();
    let clean = build_and_run(&dir, Simulator::Icarus, &[]).unwrap();
    assert!(clean.passed(), "unmutated: {}", clean.transcript());
    let file = "rtl/mut_lane.v";
    let line = e.files[file]
        .lines()
        .find(|l| l.trim_start().starts_with("assign n3_fire = "))
        .expect("the lane compares v with the threshold")
        .to_string();
    // `v' >= threshold + theta` becomes `>`: a neuron that lands exactly on its threshold
    // no longer spikes
    let mutated = line.replacen(">=", ">", 1);
    assert_ne!(line, mutated);
    e.patch(file, &line, &mutated).unwrap();
    e.write(&dir).unwrap();
    let o = build_and_run(&dir, Simulator::Icarus, &[]).unwrap();
    assert_fails(&o, "threshold mutant", &["tick "]);
}

#[test]
fn the_design_without_forwarding_fails_under_icarus() {
    let e = exported(&ExportOptions {
        forwarding: false,
        ..Default::default()
    });
    assert!(!e.generated.layout.forwarding);
    let dir = scratch("no_forwarding");
    e.write(&dir).unwrap();
    let o = build_and_run(&dir, Simulator::Icarus, &[]).unwrap();
    assert_fails(&o, "design without forwarding", &["tick "]);
}

#[test]
fn mutated_expected_vectors_fail_under_both_simulators() {
    let e = exported(&ExportOptions::default());
    assert!(e.generated.layout.forwarding);
    let dir = scratch("vectors");
    e.write(&dir).unwrap();
    let out: Vec<String> = e.files["vectors/out.hex"]
        .lines()
        .map(str::to_string)
        .collect();
    let chk: Vec<String> = e.files["vectors/chk.hex"]
        .lines()
        .map(str::to_string)
        .collect();
    // the first expected spike beat, and its tick (the end-of-tick beats before it)
    let spike = out.iter().position(|l| l.starts_with('0')).unwrap();
    let tick = out[..spike].iter().filter(|l| l.starts_with('8')).count();
    let eot = out.iter().position(|l| l.starts_with('8')).unwrap();
    // chk lines: 8 hex digits of ticks done, then the kind: the first v is read after tick 0
    let v0 = chk.iter().position(|l| l[8..].starts_with("05")).unwrap();
    assert!(chk[v0].starts_with("00000001"));
    let w_last = chk.len() - 2; // the last weight (the last line is the end marker)

    let flip_last = |l: &str| {
        let (head, last) = l.split_at(l.len() - 1);
        let d = u8::from_str_radix(last, 16).unwrap() ^ 1;
        format!("{head}{d:x}")
    };
    let tick_s = format!("tick {tick}");
    let mutations: Vec<(&str, usize, String, Vec<&str>)> = vec![
        (
            "vectors/out.hex",
            spike,
            flip_last(&out[spike]),
            vec![tick_s.as_str(), "output beat 0", "expected spike"],
        ),
        (
            "vectors/out.hex",
            spike,
            format!("8{}", &out[spike][1..]),
            vec![tick_s.as_str(), "expected end-of-tick, got spike"],
        ),
        (
            "vectors/out.hex",
            eot,
            format!(
                "{:016x}",
                u64::from_str_radix(&out[eot], 16).unwrap() + (1 << 32)
            ),
            vec!["tick 0", "the cycle model says"],
        ),
        (
            "vectors/chk.hex",
            w_last,
            flip_last(&chk[w_last]),
            vec!["after tick 19", "weight[j=7][i=3]"],
        ),
        (
            "vectors/chk.hex",
            v0,
            flip_last(&chk[v0]),
            vec!["after tick 0", "v[0]"],
        ),
    ];
    for sim in Simulator::ALL {
        let b = build(&dir, sim).unwrap();
        assert!(b.ok(), "{} build: {}{}", sim.name(), b.stdout, b.stderr);
        let clean = run(&dir, sim, &[]).unwrap();
        assert!(clean.passed(), "unmutated: {}", clean.transcript());
        for (file, line, text, want) in &mutations {
            let original = if file.ends_with("out.hex") {
                &out[*line]
            } else {
                &chk[*line]
            };
            set_line(&dir, file, *line, text);
            let what = format!("{} line {line} = {text} under {}", file, sim.name());
            assert_fails(&run(&dir, sim, &[]).unwrap(), &what, want);
            if want.contains(&"the cycle model says") {
                // cycles are checked only without backpressure
                let o = run(&dir, sim, &["+bp=200"]).unwrap();
                assert!(o.passed(), "{what} with backpressure: {}", o.transcript());
            }
            set_line(&dir, file, *line, original);
        }
    }
}

#[test]
fn a_state_error_that_heals_before_the_end_is_caught_at_its_tick() {
    // An off-by-one leak makes v wrong from tick 1 on; a *clear* after the last tick sets v to 0
    // on both sides, so the final read-back alone sees nothing (the control below), while the
    // read-back after every tick names the first tick and neuron.
    let toml = "name = \"heal\"\n[array]\ninputs = 4\nneurons = 2\nlanes = 1\n\
                [neuron]\nthreshold = 5000\nleak_shift = 3\n\
                [synapse]\ninit = \"constant\"\ninit_value = 50\n[stdp]\nenabled = false\n";
    let cfg = Config::from_toml_str(toml, Path::new(".")).unwrap();
    let s = Stimulus {
        ticks: vec![vec![0, 1, 2, 3], vec![0, 1], vec![], vec![2]],
    };
    let opts = ExportOptions {
        actions: vec![(4, cosim::driver::HostAction::Clear)],
        ..Default::default()
    };
    let mut e = export(&cfg, &s, &opts).unwrap();
    let file = "rtl/heal_lane.v";
    let lines: Vec<&str> = e.files[file]
        .lines()
        .filter(|l| l.contains(">>> 3;"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = lines[0].to_string();
    e.patch(file, &line, &line.replacen(">>> 3;", ">>> 2;", 1))
        .unwrap();
    let dir = scratch("heal");
    e.write(&dir).unwrap();
    let o = build_and_run(&dir, Simulator::Icarus, &[]).unwrap();
    assert_fails(&o, "healing leak mutant", &["after tick 1: v["]);
    // control: with only the final read-back (tag 5 = after the last tick and its actions;
    // every earlier check becomes an end marker) the same mutant passes
    let chk = &e.files["vectors/chk.hex"];
    let marker = format!("ffffffff{}", "0".repeat(32));
    let mut lines: Vec<&str> = chk.lines().filter(|l| l.starts_with("00000005")).collect();
    assert!(lines.len() > 4, "the final read-back has v and the weights");
    lines.resize(chk.lines().count(), &marker);
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("vectors/chk.hex"), text).unwrap();
    let o = run(&dir, Simulator::Icarus, &[]).unwrap();
    assert!(
        o.passed(),
        "the error must heal by the end: {}",
        o.transcript()
    );
}

#[test]
fn a_mutated_u_vector_of_a_cuba_network_fails_naming_u() {
    // u is read back after every tick (check kind 11): one expected u flipped must fail there
    let toml = "name = \"mutc\"\n[array]\ninputs = 8\nneurons = 4\nlanes = 2\n\
                [neuron]\nmodel = \"cuba\"\ndu = 100\ndv = 50\nvth = 1000\n\
                [synapse]\ninit_lo = 4\ninit_hi = 30\nweight_exp = 3\n";
    let cfg = Config::from_toml_str(toml, Path::new(".")).unwrap();
    let e = export(&cfg, &stim(), &ExportOptions::default()).unwrap();
    let dir = scratch("cuba_u");
    e.write(&dir).unwrap();
    let chk: Vec<String> = e.files["vectors/chk.hex"]
        .lines()
        .map(str::to_string)
        .collect();
    // the first u read after tick 0 (u of neuron 0 is non-zero once an input arrived)
    let u0 = chk
        .iter()
        .position(|l| l[8..].starts_with("0b") && !l.ends_with("00000000"))
        .expect("a non-zero u is checked");
    let l = &chk[u0];
    let (head, last) = l.split_at(l.len() - 1);
    let flipped = format!("{head}{:x}", u8::from_str_radix(last, 16).unwrap() ^ 1);
    set_line(&dir, "vectors/chk.hex", u0, &flipped);
    for sim in Simulator::ALL {
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert_fails(&o, &format!("u vector under {}", sim.name()), &[": u["]);
    }
}
