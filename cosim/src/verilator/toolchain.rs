//! The external tools: finding `verilator` and `g++`, their versions, and running them.
//!
//! Key decision: tools are looked up on `PATH` once per process and their version strings become
//! part of every cache key, so a Verilator or compiler upgrade never loads a stale model. A tool
//! that is missing is reported with the setup command, not as "No such file or directory".

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use super::cache::KeyHasher;
use super::error::{Error, ErrorKind};

/// The tools, their versions, and Verilator's runtime sources.
#[derive(Debug)]
pub(crate) struct Toolchain {
    pub verilator: PathBuf,
    pub cxx: PathBuf,
    pub verilator_version: String,
    pub cxx_version: String,
    root: OnceLock<PathBuf>,
}

static TOOLCHAIN: OnceLock<Toolchain> = OnceLock::new();

/// The toolchain of this process (probed on first use; a failed probe is retried next time).
///
/// Running `verilator --version` (a Perl script) and `g++ --version` costs ~70 ms, which would
/// be most of a warm build in a new process; so the answers are kept in the cache directory,
/// keyed by the path, size and modification time of both executables, and re-probed when either
/// changes (an upgrade).
pub(crate) fn toolchain() -> Result<&'static Toolchain, Error> {
    if let Some(t) = TOOLCHAIN.get() {
        return Ok(t);
    }
    let verilator = which("verilator")?;
    let cxx = which("g++")?;
    let stamp = |p: &Path| -> String {
        let meta = std::fs::metadata(p).ok();
        let mtime = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{}:{}:{mtime}", p.display(), meta.map_or(0, |m| m.len()))
    };
    let key = KeyHasher::new("toolchain")
        .str(&stamp(&verilator))
        .str(&stamp(&cxx))
        .hex();
    let memo = super::cache::default_dir().join(format!("toolchain-{key}.txt"));
    let remembered = std::fs::read_to_string(&memo).ok().and_then(|text| {
        let mut lines = text.lines();
        let (v, c) = (lines.next()?, lines.next()?);
        (!v.is_empty() && !c.is_empty()).then(|| (v.to_string(), c.to_string()))
    });
    let (verilator_version, cxx_version) = match remembered {
        Some(vc) => vc,
        None => {
            // The two probes are independent: run them together.
            let (vv, cv) = std::thread::scope(|s| {
                let v = s.spawn(|| run_ok(Command::new(&verilator).arg("--version"), "verilator"));
                let c = run_ok(Command::new(&cxx).arg("--version"), "g++");
                (v.join().expect("version probe panicked"), c)
            });
            let vc = (first_line(&vv?.stdout), first_line(&cv?.stdout));
            // Best effort, written whole then renamed so that readers never see half of it.
            if let Some(dir) = memo.parent()
                && std::fs::create_dir_all(dir).is_ok()
            {
                let tmp = memo.with_extension(format!("tmp-{}", std::process::id()));
                if std::fs::write(&tmp, format!("{}\n{}\n", vc.0, vc.1)).is_ok() {
                    let _ = std::fs::rename(&tmp, &memo);
                }
            }
            vc
        }
    };
    let t = Toolchain {
        verilator,
        cxx,
        verilator_version,
        cxx_version,
        root: OnceLock::new(),
    };
    Ok(TOOLCHAIN.get_or_init(|| t))
}

impl Toolchain {
    /// `VERILATOR_ROOT`, the directory holding `include/verilated.cpp`.
    pub fn verilator_root(&self) -> Result<&Path, Error> {
        if let Some(r) = self.root.get() {
            return Ok(r);
        }
        let out = run_ok(
            Command::new(&self.verilator).args(["--getenv", "VERILATOR_ROOT"]),
            "verilator",
        )?;
        let root = PathBuf::from(first_line(&out.stdout));
        if !root.join("include").join("verilated.cpp").is_file() {
            return Err(Error::unsupported(format!(
                "Verilator's runtime sources are not in {}/include (from `verilator --getenv \
                 VERILATOR_ROOT`); reinstall Verilator with `{}`",
                root.display(),
                super::error::SETUP_COMMAND
            )));
        }
        Ok(self.root.get_or_init(|| root))
    }
}

/// The first line of a tool's output, trimmed.
fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Finds `program` on `PATH`.
pub(crate) fn which(program: &str) -> Result<PathBuf, Error> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(ErrorKind::ToolMissing {
        tool: program.to_string(),
    }
    .into())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Runs a command to completion, capturing its output; a command that cannot start is reported as
/// a missing tool.
pub(crate) fn run(cmd: &mut Command, tool: &str) -> Result<Output, Error> {
    cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::ToolMissing {
                tool: tool.to_string(),
            }
            .into()
        } else {
            Error::io(format!("cannot run `{}`", describe(cmd)), e)
        }
    })
}

/// Like [`run`], but a non-zero exit is an error showing the tail of stderr.
fn run_ok(cmd: &mut Command, tool: &str) -> Result<Output, Error> {
    let out = run(cmd, tool)?;
    if !out.status.success() {
        return Err(Error::unsupported(format!(
            "`{}` failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out)
}

/// A command as a shell-like line, for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&quote(a));
    }
    s
}

fn quote(a: &OsStr) -> String {
    let s = a.to_string_lossy();
    if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        format!("'{}'", s.replace('\'', "'\\''"))
    } else {
        s.into_owned()
    }
}
