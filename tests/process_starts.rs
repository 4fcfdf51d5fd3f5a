//! The architecture invariant on external processes (ARCHITECTURE.md, "Architecture
//! Invariant: every external process is started by one of a few named modules"): no library or
//! CLI source outside the allowed files starts a process, and every allowed file still does (so
//! the list stays exact). Tests may start processes (the CLI binary, simulators, tools) freely.
//!
//! Runtime: reads the workspace's `src/` folders, well under a second.

use std::path::{Path, PathBuf};

/// The files that may start external processes, relative to the workspace root, and why.
const ALLOWED: &[(&str, &str)] = &[
    (
        "cosim/src/verilator/toolchain.rs",
        "finds verilator and g++",
    ),
    (
        "cosim/src/verilator/build.rs",
        "verilates and compiles models",
    ),
    ("cosim/src/bench.rs", "the C++ main loop of `bench cosim`"),
    ("testbenches/src/sim.rs", "runs exported testbenches"),
    (
        "testbenches/src/configspace.rs",
        "lints, compiles and synthesizes the config-space networks",
    ),
    ("src/flow/tool.rs", "the FPGA toolchain runner"),
    ("src/cmd/bench.rs", "the Brian2 peer of `bench golden`"),
];

/// The source folders the invariant covers (tests, examples and benches are outside it).
const SOURCE_DIRS: &[&str] = &[
    "golden/src",
    "hdl/src",
    "cosim/src",
    "testbenches/src",
    "src",
];

/// Whether a source text starts a process: `std::process::Command` named or constructed.
fn starts_process(text: &str) -> bool {
    text.lines().any(|l| {
        let code = l.split("//").next().unwrap_or("");
        code.contains("Command::new") || code.contains("process::Command")
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn only_the_named_modules_start_processes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in SOURCE_DIRS {
        rust_files(&root.join(d), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut starting: Vec<String> = files
        .iter()
        .filter(|p| starts_process(&std::fs::read_to_string(p).unwrap()))
        .map(|p| {
            p.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    starting.sort();
    let mut allowed: Vec<String> = ALLOWED.iter().map(|(f, _)| f.to_string()).collect();
    allowed.sort();
    let extra: Vec<&String> = starting.iter().filter(|f| !allowed.contains(f)).collect();
    let stale: Vec<&String> = allowed.iter().filter(|f| !starting.contains(f)).collect();
    assert!(
        extra.is_empty(),
        "these files start processes but are not among the modules ARCHITECTURE.md names: \
         {extra:?}; route the process start through one of {allowed:?} or update both"
    );
    assert!(
        stale.is_empty(),
        "these files no longer start processes: remove them from ALLOWED and ARCHITECTURE.md: \
         {stale:?}"
    );
}

#[test]
fn the_detector_sees_a_process_start_and_ignores_comments() {
    assert!(starts_process(
        "    let out = std::process::Command::new(\"ls\").output();"
    ));
    assert!(starts_process("use std::process::Command;\nfn f() {}"));
    assert!(!starts_process(
        "// Command::new is not called here\nfn f() {}"
    ));
    assert!(!starts_process("fn command_new() {}"));
}
