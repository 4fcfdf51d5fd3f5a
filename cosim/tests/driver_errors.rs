//! The co-simulation driver's errors keep their kind: a design Verilator rejects, a patch that
//! finds nothing, an RTL folder that is not there each come back as their own
//! `cosim::driver::Error` variant, with the binding's error inside for the first.
//!
//! Key decision: one tiny network; the rejected design fails in Verilator's parser (about a
//! second), the others before any tool runs.

use cosim::driver::{Error, RunOptions, run};
use cosim::verilator::ErrorKind;
use golden::{Config, Stimulus};
use std::path::Path;

fn tiny() -> Config {
    let toml = "name = \"err_tiny\"\n[array]\ninputs = 2\nneurons = 2\nlanes = 1\n\
                [stdp]\nenabled = false\n";
    Config::from_toml_str(toml, Path::new(".")).unwrap()
}

fn stim() -> Stimulus {
    Stimulus {
        ticks: vec![vec![0, 1]],
        ..Default::default()
    }
}

fn patched(from: &str, to: &str) -> RunOptions {
    RunOptions {
        patches: vec![("err_tiny.v".into(), from.into(), to.into())],
        ..Default::default()
    }
}

#[test]
fn a_design_verilator_rejects_is_a_verilator_error() {
    let e = run(&tiny(), &stim(), &patched("endmodule", "endmodule_oops"))
        .expect_err("broken Verilog must not run");
    match e.root() {
        Error::Verilator(v) => assert!(matches!(v.kind(), ErrorKind::Verilator { .. }), "{v}"),
        other => panic!("expected a Verilator error, got {other:?}"),
    }
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn a_patch_that_finds_nothing_and_a_missing_rtl_folder_are_their_own_errors() {
    let e = run(&tiny(), &stim(), &patched("no such text", "x")).unwrap_err();
    assert!(matches!(e, Error::Patch(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("`no such text` not found in err_tiny.v"),
        "{e}"
    );
    let opts = RunOptions {
        rtl: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-folder")),
        ..Default::default()
    };
    let e = run(&tiny(), &stim(), &opts).unwrap_err();
    assert!(matches!(e, Error::Rtl(_)), "{e:?}");
    assert!(e.to_string().contains("no manifest.json"), "{e}");
}
