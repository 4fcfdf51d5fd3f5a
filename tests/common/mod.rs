//! Helpers shared by the CLI integration tests: a scratch folder per test, running the
//! `neurogen` binary, and checks of what it wrote.
//!
//! Key decision: each test file includes this module (`mod common;`) and uses only part of it,
//! so unused helpers are allowed here.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty folder `group/name` under Cargo's per-target temporary folder.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `neurogen` with a backtrace requested (so that a panic would show one) and extra
/// environment variables.
pub fn neurogen_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurogen"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run neurogen")
}

/// Run `neurogen` with a backtrace requested.
pub fn neurogen(args: &[&str]) -> Output {
    neurogen_env(args, &[])
}

/// The file at `path` is a PNG image.
#[track_caller]
pub fn is_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
}
