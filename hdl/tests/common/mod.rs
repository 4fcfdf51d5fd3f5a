//! Helpers shared by the tests that run the open tools on generated Verilog (toolchain,
//! ecp5_bram, formal).
//!
//! Key decision: each test file includes this module (`mod common;`) and uses only part of it,
//! so unused helpers are allowed here.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// Run `program` with `args` in `dir`: Ok((stdout, stderr)) when it exits with 0, else an error
/// with its exit status and the last 40 lines of its output. A tool that cannot be started
/// names the setup script (the tools are required, not optional).
pub fn tool<S: AsRef<OsStr>>(
    dir: &Path,
    program: &str,
    args: &[S],
) -> Result<(String, String), String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!("cannot run {program}: {e}; install the toolchain with scripts/setup.sh")
        })?;
    let so = String::from_utf8_lossy(&out.stdout).into_owned();
    let se = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        Ok((so, se))
    } else {
        let tail: Vec<&str> = so.lines().chain(se.lines()).collect();
        let tail = tail[tail.len().saturating_sub(40)..].join("\n");
        Err(format!("{program} failed ({}):\n{tail}", out.status))
    }
}
