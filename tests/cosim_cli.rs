//! `neurogen cosim`: an RTL folder written by `generate` (`--rtl DIR`) co-simulated against the
//! golden model of its config, unedited (MATCH), as exported with a testbench (the same files,
//! MATCH) and with a real bug edited into the copy (the first difference reported); a folder of another network refused; `--vcd` writing the whole
//! run when it matches.
//!
//! Key decision: one small network (4 inputs, 2 neurons, 1 lane, no learning) whose leak shows
//! from the second tick on, so each Verilator build takes seconds; four builds in all (the
//! folder as generated, the exported testbench's, the edited copy, the traced model of
//! `--vcd`), about half a minute together, a couple of minutes on a loaded machine.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{copy_dir, neurogen, succeeded};

const NET: &str = "name = \"rtl_leak\"\n[array]\ninputs = 4\nneurons = 2\nlanes = 1\n\
                   [neuron]\nthreshold = 5000\nleak_shift = 3\n\
                   [synapse]\ninit = \"constant\"\ninit_value = 50\n[stdp]\nenabled = false\n";

const STIM: &str = "{\"ticks\": [[0, 1, 2, 3], [0, 1], [], [2]]}";

/// A folder with the network and the stimulus.
fn setup(test: &str) -> PathBuf {
    let dir = common::scratch("cosim_cli", test);
    std::fs::write(dir.join("net.toml"), NET).unwrap();
    std::fs::write(dir.join("stim.json"), STIM).unwrap();
    dir
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `neurogen generate net.toml -o DIR/gen`.
fn generate(dir: &Path, config: &str) -> PathBuf {
    let out_dir = dir.join("gen");
    let out = neurogen(&["generate", p(&dir.join(config)), "-o", p(&out_dir)]);
    let (so, se) = text(&out);
    assert!(out.status.success(), "generate failed: {so}{se}");
    out_dir
}

/// `neurogen cosim net.toml --stimulus stim.json ARGS`.
fn cosim(dir: &Path, args: &[&str]) -> Output {
    let cfg = dir.join("net.toml");
    let stim = dir.join("stim.json");
    let mut all = vec!["cosim", p(&cfg), "--stimulus", p(&stim)];
    all.extend_from_slice(args);
    neurogen(&all)
}

#[test]
fn an_rtl_folder_matches_as_generated_and_an_edited_copy_shows_its_first_difference() {
    let dir = setup("edit");
    let gen_dir = generate(&dir, "net.toml");
    // generate's $readmemh paths are those of an exported testbench: rtl/<file>
    let top = std::fs::read_to_string(gen_dir.join("rtl/rtl_leak.v")).unwrap();
    assert!(top.contains("\"rtl/rtl_leak_w0.hex\""), "{top}");

    let out = cosim(&dir, &["--rtl", p(&gen_dir)]);
    let so = succeeded(&out);
    assert!(
        so.contains(&format!("RTL from {}", gen_dir.display())),
        "{so}"
    );
    assert!(so.trim_end().ends_with("MATCH"), "{so}");

    // the exported testbench holds the same Verilog and init files (so the same $readmemh
    // paths), its manifest in rtl/; `--rtl` takes that folder too
    let tb = dir.join("tb");
    let out = neurogen(
        &["testbench", p(&dir.join("net.toml")), "--stimulus"]
            .into_iter()
            .chain([p(&dir.join("stim.json")), "-o", p(&tb)])
            .collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{:?}", text(&out));
    for e in std::fs::read_dir(gen_dir.join("rtl")).unwrap() {
        let name = e.unwrap().file_name();
        let (a, b) = (gen_dir.join("rtl").join(&name), tb.join("rtl").join(&name));
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{}",
            b.display()
        );
    }
    let out = cosim(&dir, &["--rtl", p(&tb)]);
    let so = succeeded(&out);
    assert!(so.trim_end().ends_with("MATCH"), "{so}");

    // a hand-edited copy: the leak shift one too small in the lane
    let copy = dir.join("edited");
    copy_dir(&gen_dir, &copy);
    let lane = copy.join("rtl/rtl_leak_lane.v");
    let v = std::fs::read_to_string(&lane).unwrap();
    assert_eq!(v.matches(">>> 3;").count(), 1, "one leak shift in the lane");
    std::fs::write(&lane, v.replace(">>> 3;", ">>> 2;")).unwrap();
    // --calm: the stimulus as given (the default stresses it), so the first difference is known
    let out = cosim(&dir, &["--rtl", p(&copy), "--calm"]);
    let (so, se) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{so}{se}");
    assert!(!so.contains("MATCH"), "{so}");
    // tick 0 has nothing to leak yet; the first difference is v of neuron 0 after tick 1
    assert!(
        se.starts_with("error: MISMATCH at tick 1: v[0] expected "),
        "{se}"
    );
}

#[test]
fn an_rtl_folder_of_another_network_is_refused_naming_the_difference() {
    let dir = setup("other");
    std::fs::write(
        dir.join("other.toml"),
        NET.replace("threshold = 5000", "threshold = 4000"),
    )
    .unwrap();
    let gen_dir = generate(&dir, "other.toml");
    let out = cosim(&dir, &["--rtl", p(&gen_dir)]);
    let (so, se) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{so}{se}");
    assert!(se.starts_with("error: "), "{se}");
    assert!(
        se.contains("another network") && se.contains("neuron.threshold: config 5000, folder 4000"),
        "{se}"
    );
    // and a folder without a manifest
    let out = cosim(&dir, &["--rtl", p(&dir)]);
    let (_, se) = text(&out);
    assert!(se.contains("no manifest.json"), "{se}");
    // --target belongs to the manifest then
    let out = cosim(&dir, &["--rtl", p(&gen_dir), "--target", "ice40"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn vcd_of_a_matching_run_holds_the_whole_run() {
    let dir = setup("vcd");
    let vcd = dir.join("run.vcd");
    let out = cosim(&dir, &["--vcd", p(&vcd)]);
    let so = succeeded(&out);
    assert!(so.trim_end().ends_with("MATCH"), "{so}");
    assert!(
        so.contains(&format!("waveform of the whole run: {}", vcd.display())),
        "{so}"
    );
    let v = std::fs::read_to_string(&vcd).unwrap_or_else(|e| panic!("{}: {e}", vcd.display()));
    assert!(v.contains("$enddefinitions"), "a VCD header");
    // the whole run: the clock toggles at least twice per simulated cycle, from time 0 to past
    // the four ticks (each longer than 10 cycles)
    let times = v.lines().filter(|l| l.starts_with('#')).count();
    assert!(times > 2 * 4 * 10, "{times} time steps");
    assert!(v.lines().any(|l| l == "#0"), "from time 0");
}
