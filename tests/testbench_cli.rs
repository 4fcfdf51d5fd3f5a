//! `neurogen testbench`: a bad request writes nothing and says why in one line; a good one writes
//! a folder whose `run.sh` passes under Icarus; `--bench` prints both simulators' figures side by
//! side.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{copy_dir, succeeded};

const NET: &str = "name = \"cli\"\n[array]\ninputs = 4\nneurons = 2\nlanes = 2\n\
                   [neuron]\nthreshold = 40\n[synapse]\ninit = \"constant\"\ninit_value = 30\n";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("testbench_cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("net.toml"), NET).unwrap();
    std::fs::write(
        dir.join("stim.json"),
        r#"{"ticks": [[0, 1], [2, 2, 3], [], [9]]}"#,
    )
    .unwrap();
    dir
}

fn neurogen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurogen"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run neurogen")
}

#[track_caller]
fn refused(out: &Output, dir: &Path, want: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a failure: {err}");
    assert!(
        err.starts_with("error: ") && !err.contains("panicked"),
        "{err}"
    );
    assert!(err.contains(want), "stderr lacks {want:?}: {err}");
    assert!(!dir.join("tb").exists(), "a refused request wrote output");
}

#[test]
fn bad_requests_write_nothing() {
    let dir = scratch("bad");
    let base = ["testbench", "net.toml", "-o", "tb"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        neurogen(&dir, &a)
    };
    refused(
        &run(with(&["--stimulus", "stim.json", "--backpressure", "1.5"])),
        &dir,
        "--backpressure",
    );
    refused(
        &run(with(&["--stimulus", "stim.json", "--target", "asic"])),
        &dir,
        "unknown target",
    );
    std::fs::write(dir.join("empty.json"), r#"{"ticks": []}"#).unwrap();
    refused(&run(with(&["--stimulus", "empty.json"])), &dir, "no ticks");
    refused(&run(with(&[])), &dir, "--stimulus");
}

/// `tb/run.sh icarus` succeeds and prints exactly one PASS line.
#[track_caller]
fn passes_under_icarus(tb: &Path) {
    let run = Command::new(tb.join("run.sh"))
        .arg("icarus")
        .output()
        .unwrap();
    let log = succeeded(&run);
    assert_eq!(
        log.lines().filter(|l| l.starts_with("PASS")).count(),
        1,
        "{log}"
    );
}

#[test]
fn the_exported_folder_passes_under_icarus() {
    let dir = scratch("good");
    let out = neurogen(
        &dir,
        &[
            "testbench",
            "net.toml",
            "--stimulus",
            "stim.json",
            "-o",
            "tb",
        ],
    );
    let stdout = succeeded(&out);
    assert!(stdout.contains("4 ticks"), "{stdout}");
    for f in [
        "run.sh",
        "files.f",
        "tb/cli_tb.v",
        "rtl/cli.v",
        "vectors/out.hex",
    ] {
        assert!(dir.join("tb").join(f).exists(), "{f} missing");
    }
    passes_under_icarus(&dir.join("tb"));
}

/// On the UP5K the weights sit in SPRAM, which cannot be preloaded: the default export writes
/// them through the host port and passes (it used to export no host action and time out).
#[test]
fn the_up5k_export_passes_with_default_flags() {
    let dir = scratch("up5k");
    std::fs::write(
        dir.join("pair.toml"),
        "name = \"pair\"\n[array]\ninputs = 6\nneurons = 4\nlanes = 2\n",
    )
    .unwrap();
    let out = neurogen(
        &dir,
        &[
            "testbench",
            "pair.toml",
            "--poisson",
            "300",
            "--ticks",
            "6",
            "--target",
            "ice40-up5k",
            "-o",
            "tb",
        ],
    );
    let stdout = succeeded(&out);
    assert!(stdout.contains("through the host port"), "{stdout}");
    passes_under_icarus(&dir.join("tb"));
}

#[test]
fn bench_prints_both_simulators_side_by_side() {
    let dir = scratch("bench");
    let out = neurogen(
        &dir,
        &[
            "testbench",
            "net.toml",
            "--poisson",
            "200",
            "--ticks",
            "20",
            "-o",
            "tb",
            "--bench",
        ],
    );
    let stdout = succeeded(&out);
    for want in ["cycles/s", "build s", "run s"] {
        assert!(stdout.contains(want), "{want:?} missing: {stdout}");
    }
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("icarus ") || l.starts_with("verilator "))
        .filter(|l| l.ends_with("PASS") || l.ends_with("FAIL"))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows.iter().all(|r| r.ends_with("PASS")), "{stdout}");
    assert!(stdout.contains("verilator / icarus: "), "{stdout}");
}

/// Two lanes of two groups, STDP with depression, neurons that fire under 200 Hz Poisson input.
const USER_NET: &str = "name = \"user\"\n[array]\ninputs = 16\nneurons = 4\nlanes = 2\n\
                        [neuron]\nthreshold = 40\nleak_shift = 2\n\
                        [synapse]\ninit = \"uniform\"\ninit_lo = 5\ninit_hi = 30\nseed = 4\n\
                        [stdp]\npre_inc = 100\npost_inc = 120\nltp_shift = 3\nltd_shift = 2\n";

/// Export `user.toml` with a Poisson stimulus and `extra` flags to `dir/name`, replace the one
/// line of `file` that contains `needle` (trimmed) by `edit(line)` unless `needle` is empty,
/// and run its `run.sh icarus`: (passed, the run's stdout).
fn export_patch_run(
    dir: &Path,
    name: &str,
    extra: &[&str],
    file: &str,
    needle: &str,
    edit: &dyn Fn(&str) -> String,
) -> (bool, String) {
    let mut args = vec![
        "testbench",
        "user.toml",
        "--poisson",
        "200",
        "--ticks",
        "40",
        "-o",
        name,
    ];
    args.extend_from_slice(extra);
    let out = neurogen(dir, &args);
    let stdout = succeeded(&out);
    assert_eq!(
        stdout.contains("stress seed 1: "),
        !extra.contains(&"--calm"),
        "{stdout}"
    );
    if !needle.is_empty() {
        let p = dir.join(name).join("rtl").join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(lines.len(), 1, "{needle} in {file}: {lines:?}");
        let line = lines[0].trim();
        let to = edit(line);
        assert_ne!(line, to);
        std::fs::write(&p, text.replacen(line, &to, 1)).unwrap();
    }
    let run = Command::new(dir.join(name).join("run.sh"))
        .arg("icarus")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stdout).to_string();
    if run.status.success() {
        assert!(log.lines().any(|l| l.starts_with("PASS")), "{log}");
    } else {
        assert_eq!(
            log.lines().filter(|l| l.starts_with("FAIL")).count(),
            1,
            "{log}"
        );
    }
    (run.status.success(), log)
}

#[test]
fn the_default_export_catches_mutants_that_pass_a_plain_poisson_stimulus() {
    // m1 no weight forwarding, m2 an output skid buffer that never holds a beat, m3 host writes
    // to CONTROL ignored: each passes the `--calm` export of a Poisson stimulus and fails the
    // default (stressed) one; the unmutated design passes the default export.
    let dir = scratch("survivors");
    std::fs::write(dir.join("user.toml"), USER_NET).unwrap();
    let none = |l: &str| l.to_string();
    let (ok, log) = export_patch_run(&dir, "clean", &[], "", "", &none);
    assert!(ok, "the unmutated design must pass: {log}");
    type Edit = Box<dyn Fn(&str) -> String>;
    let mutants: [(&str, &str, &str, Edit); 3] = [
        (
            "m1",
            "user_lane.v",
            "assign e_w_in = ",
            Box::new(|_| "assign e_w_in = x0_w;".to_string()),
        ),
        (
            "m2",
            "user.v",
            "out_skid_v <= 1'd1;",
            Box::new(|l| l.replace("1'd1", "1'd0")),
        ),
        (
            "m3",
            "user.v",
            "learn_en <= h_dat[0];",
            Box::new(|l| l.replace("h_dat[0]", "learn_en")),
        ),
    ];
    for (name, file, needle, edit) in &mutants {
        let calm = format!("{name}_calm");
        let (ok, log) = export_patch_run(&dir, &calm, &["--calm"], file, needle, edit);
        assert!(ok, "{name} was meant to pass the plain export: {log}");
        let (ok, log) = export_patch_run(&dir, name, &[], file, needle, edit);
        assert!(!ok, "{name} passed the default export: {log}");
        eprintln!(
            "{name}: {}",
            log.lines().find(|l| l.starts_with("FAIL")).unwrap()
        );
    }
}

#[test]
fn cosim_stresses_by_default_and_calm_turns_it_off() {
    let dir = scratch("cosim");
    std::fs::write(dir.join("user.toml"), USER_NET).unwrap();
    let base = ["cosim", "user.toml", "--poisson", "200", "--ticks", "20"];
    let out = neurogen(&dir, &base);
    let stdout = succeeded(&out);
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("stress seed 1: "), "{stdout}");
    for want in [
        "repeated",
        "out-of-range",
        "learning off",
        "backpressure in ",
    ] {
        assert!(first.contains(want), "{want:?} missing: {first}");
    }
    assert!(
        stdout.contains("pass 1 of 2, no backpressure: user: 20 ticks"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pass 2 of 2, with backpressure: user: 20 ticks"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| *l == "MATCH").count(),
        2,
        "{stdout}"
    );
    // another seed, another stress; --calm: the plain stimulus, one pass
    let mut args = base.to_vec();
    args.extend(["--stress-seed", "9"]);
    let out = neurogen(&dir, &args);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("stress seed 9: "));
    let mut args = base.to_vec();
    args.push("--calm");
    let out = neurogen(&dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        !stdout.contains("stress") && !stdout.contains("pass 1"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| *l == "MATCH").count(),
        1,
        "{stdout}"
    );
}

#[test]
fn cosim_by_default_catches_mutants_that_pass_a_plain_poisson_stimulus() {
    // the user's path: `generate -o DIR`, edit a copy of DIR, `cosim --rtl COPY`. m1 (no weight
    // forwarding), m2 (a skid buffer that never holds a beat), m3 (CONTROL writes ignored) match
    // with --calm and differ by default.
    let dir = scratch("cosim_survivors");
    std::fs::write(dir.join("user.toml"), USER_NET).unwrap();
    let out = neurogen(&dir, &["generate", "user.toml", "-o", "gen"]);
    succeeded(&out);
    let mutants: [(&str, &str, &str, &str); 3] = [
        (
            "m1",
            "user_lane.v",
            "assign e_w_in = ",
            "assign e_w_in = x0_w;",
        ),
        ("m2", "user.v", "out_skid_v <= 1'd1;", "out_skid_v <= 1'd0;"),
        (
            "m3",
            "user.v",
            "learn_en <= h_dat[0];",
            "learn_en <= learn_en;",
        ),
    ];
    for (name, file, needle, to) in mutants {
        let copy = dir.join(name);
        copy_dir(&dir.join("gen"), &copy);
        let p = copy.join("rtl").join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(lines.len(), 1, "{needle} in {file}: {lines:?}");
        std::fs::write(&p, text.replacen(lines[0].trim(), to, 1)).unwrap();
        let rtl = copy.display().to_string();
        let base = [
            "cosim",
            "user.toml",
            "--poisson",
            "200",
            "--ticks",
            "40",
            "--rtl",
            &rtl,
        ];
        let mut calm = base.to_vec();
        calm.push("--calm");
        let out = neurogen(&dir, &calm);
        let so = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name} with --calm: {so}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = neurogen(&dir, &base);
        let se = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} passed the default cosim: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            se.starts_with("error: pass ")
                && se.contains("MISMATCH at tick ")
                && se.contains("stress seed 1"),
            "{se}"
        );
        eprintln!("{name}: {}", se.trim_end());
    }
}

/// Issue 15: a network with teach hardware exports a testbench that drives the teacher stream
/// with the stimulus's `teach` (and the default stress's out-of-range teacher beats and teach
/// toggles) and passes under Icarus; a teacher for a network without teach hardware is refused.
#[test]
fn a_teach_network_exports_a_passing_testbench_and_a_teacher_needs_teach_hardware() {
    let dir = scratch("teach");
    std::fs::write(
        dir.join("teach.toml"),
        "name = \"clit\"\n[array]\ninputs = 4\nneurons = 3\nlanes = 1\nteach = true\n\
         [neuron]\nthreshold = 40\n[synapse]\ninit = \"constant\"\ninit_value = 30\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("taught.json"),
        r#"{"ticks": [[0, 1], [2, 2, 3], [], [9], [1]], "teach": [[2], [0, 0, 7], [], [1]]}"#,
    )
    .unwrap();
    let out = neurogen(
        &dir,
        &[
            "testbench",
            "teach.toml",
            "--stimulus",
            "taught.json",
            "-o",
            "tb",
        ],
    );
    let stdout = succeeded(&out);
    assert!(stdout.contains("teacher beats"), "{stdout}");
    assert!(dir.join("tb/vectors/teach.hex").exists());
    passes_under_icarus(&dir.join("tb"));

    let dir = scratch("teach_refused");
    std::fs::write(
        dir.join("taught.json"),
        r#"{"ticks": [[0, 1]], "teach": [[1]]}"#,
    )
    .unwrap();
    let args = [
        "testbench",
        "net.toml",
        "--stimulus",
        "taught.json",
        "-o",
        "tb",
    ];
    refused(&neurogen(&dir, &args), &dir, "no teach hardware");
}
