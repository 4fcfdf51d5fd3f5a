//! Runs an exported testbench folder under Icarus Verilog or Verilator, through the folder's own
//! `run.sh`, and measures it: the toolchain runner of the exported testbenches (tests and the
//! `neurogen testbench --bench` figures).
//!
//! Key decisions:
//! - Everything goes through `run.sh`, so the script a user runs is the script the tests check.
//!   Building and running are separate `run.sh` steps, timed separately: the build of a Verilated
//!   binary costs seconds to minutes, and the run is what "simulated cycles per second" means.
//! - The verdict is read twice: `run.sh`'s exit status, and the testbench's own lines (exactly one
//!   `PASS` or `FAIL`) with the simulator's raw exit status, which `run.sh` reports on stderr.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The two simulators an exported testbench runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulator {
    /// Icarus Verilog (`iverilog -g2005` + `vvp`).
    Icarus,
    /// Verilator (`verilator --binary`).
    Verilator,
}

impl Simulator {
    /// Both, in the order figures are printed.
    pub const ALL: [Simulator; 2] = [Simulator::Icarus, Simulator::Verilator];

    /// The name `run.sh` takes.
    pub fn name(self) -> &'static str {
        match self {
            Simulator::Icarus => "icarus",
            Simulator::Verilator => "verilator",
        }
    }

    /// Whether the simulator's programs are on the `PATH`.
    pub fn available(self) -> bool {
        let probe = match self {
            Simulator::Icarus => "iverilog",
            Simulator::Verilator => "verilator",
        };
        Command::new(probe)
            .arg(if self == Simulator::Icarus {
                "-V"
            } else {
                "--version"
            })
            .output()
            .is_ok_and(|o| o.status.success() || !o.stdout.is_empty())
    }
}

/// What one `run.sh` step did.
#[derive(Debug, Clone)]
pub struct Step {
    /// `run.sh`'s exit status (None: killed by a signal).
    pub status: Option<i32>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// CPU time of the step's processes (user + system, all descendants), seconds, where the
    /// platform tells it (Linux). Only meaningful when no other thread of this process runs
    /// child processes at the same time.
    pub cpu_seconds: Option<f64>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Step {
    /// `run.sh` exited with status 0.
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }
}

/// The outcome of running a built testbench.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The `run.sh run` step.
    pub step: Step,
    /// The testbench's `PASS` lines.
    pub pass_lines: Vec<String>,
    /// The testbench's `FAIL` lines.
    pub fail_lines: Vec<String>,
    /// The simulator's own exit status, as `run.sh` reported it.
    pub sim_status: Option<i32>,
    /// Simulated clock cycles, from the `PASS` line.
    pub cycles: Option<u64>,
}

impl Outcome {
    /// Exactly one `PASS` line, no `FAIL` line, `run.sh` and simulator exit status 0.
    pub fn passed(&self) -> bool {
        self.step.ok()
            && self.pass_lines.len() == 1
            && self.fail_lines.is_empty()
            && self.sim_status == Some(0)
    }

    /// Exactly one `FAIL` line, no `PASS` line, and a non-zero exit status from both the
    /// simulator and `run.sh`.
    pub fn failed_cleanly(&self) -> bool {
        !self.step.ok()
            && self.fail_lines.len() == 1
            && self.pass_lines.is_empty()
            && self.sim_status.is_some_and(|s| s != 0)
    }

    /// Everything the run printed, for a test's failure message.
    pub fn transcript(&self) -> String {
        format!("{}{}", self.step.stdout, self.step.stderr)
    }
}

/// CPU time, seconds, of this process's waited-for descendants (Linux `/proc/self/stat` fields
/// `cutime` and `cstime`).
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); cutime and cstime are fields 16 and 17
    let ticks: u64 = f.get(13)?.parse::<u64>().ok()? + f.get(14)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    static TCK: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TCK.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t: &f64| *t > 0.0)
            .unwrap_or(100.0)
    })
}

fn run_sh(dir: &Path, args: &[&str]) -> Result<Step, String> {
    let dir = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let script = dir.join("run.sh");
    clock_ticks_per_second();
    let cpu0 = children_cpu_seconds();
    let t0 = Instant::now();
    let out = Command::new(&script)
        .args(args)
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu_seconds = match (cpu0, children_cpu_seconds()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Ok(Step {
        status: out.status.code(),
        seconds,
        cpu_seconds,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Compile the testbench in `dir` with `sim` (`run.sh SIM build`).
pub fn build(dir: &Path, sim: Simulator) -> Result<Step, String> {
    run_sh(dir, &[sim.name(), "build"])
}

/// Run the compiled testbench in `dir` (`run.sh SIM run PLUSARGS...`).
pub fn run(dir: &Path, sim: Simulator, plusargs: &[&str]) -> Result<Outcome, String> {
    let mut args = vec![sim.name(), "run"];
    args.extend_from_slice(plusargs);
    let step = run_sh(dir, &args)?;
    let lines = |prefix: &str| -> Vec<String> {
        step.stdout
            .lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_string)
            .collect()
    };
    let pass_lines = lines("PASS");
    let fail_lines = lines("FAIL");
    let sim_status = step.stderr.lines().find_map(|l| {
        let rest = l.split("simulator exit status ").nth(1)?;
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    });
    let cycles = pass_lines.first().and_then(|l| {
        let before = l.split(" cycles").next()?;
        before.rsplit(' ').next()?.parse().ok()
    });
    Ok(Outcome {
        step,
        pass_lines,
        fail_lines,
        sim_status,
        cycles,
    })
}

/// Build then run; the build's failure is an error naming its output.
pub fn build_and_run(dir: &Path, sim: Simulator, plusargs: &[&str]) -> Result<Outcome, String> {
    let b = build(dir, sim)?;
    if !b.ok() {
        return Err(format!(
            "{} build failed in {}:\n{}{}",
            sim.name(),
            dir.display(),
            b.stdout,
            b.stderr
        ));
    }
    run(dir, sim, plusargs)
}

/// Figures of one simulator on one testbench.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Simulator.
    pub sim: Simulator,
    /// The build (compile) step.
    pub build: Step,
    /// The run step (process start to exit, vector loading included).
    pub run: Step,
    /// Simulated clock cycles.
    pub cycles: u64,
    /// Whether the testbench passed.
    pub passed: bool,
}

impl Measured {
    /// Simulated clock cycles per second of run wall time.
    pub fn cycles_per_s(&self) -> f64 {
        self.cycles as f64 / self.run.seconds.max(1e-9)
    }

    /// Simulated clock cycles per second of run CPU time (steadier on a busy machine).
    pub fn cycles_per_cpu_s(&self) -> Option<f64> {
        self.run
            .cpu_seconds
            .filter(|s| *s > 0.0)
            .map(|s| self.cycles as f64 / s)
    }
}

/// Build and run the testbench once under each simulator and measure both.
pub fn measure(dir: &Path, sims: &[Simulator]) -> Result<Vec<Measured>, String> {
    let mut out = Vec::new();
    for &sim in sims {
        let b = build(dir, sim)?;
        if !b.ok() {
            return Err(format!(
                "{} build failed:\n{}{}",
                sim.name(),
                b.stdout,
                b.stderr
            ));
        }
        let r = run(dir, sim, &[])?;
        out.push(Measured {
            sim,
            build: b,
            cycles: r.cycles.unwrap_or(0),
            passed: r.passed(),
            run: r.step,
        });
    }
    Ok(out)
}

fn secs(s: Option<f64>) -> String {
    s.map_or("-".into(), |s| format!("{s:.2}"))
}

fn rate(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.0}"))
}

/// The benchmark table: one row per simulator, side by side; build and run times, wall and CPU.
pub fn table(rows: &[Measured]) -> String {
    let mut s = format!(
        "{:<10} {:>8} {:>8} {:>8} {:>8} {:>11} {:>13} {:>13}  {}\n",
        "simulator",
        "build s",
        "b cpu s",
        "run s",
        "r cpu s",
        "sim cycles",
        "cycles/s",
        "cycles/cpu-s",
        "result"
    );
    for m in rows {
        s.push_str(&format!(
            "{:<10} {:>8.2} {:>8} {:>8.2} {:>8} {:>11} {:>13.0} {:>13}  {}\n",
            m.sim.name(),
            m.build.seconds,
            secs(m.build.cpu_seconds),
            m.run.seconds,
            secs(m.run.cpu_seconds),
            m.cycles,
            m.cycles_per_s(),
            rate(m.cycles_per_cpu_s()),
            if m.passed { "PASS" } else { "FAIL" }
        ));
    }
    if let [a, b] = rows
        && a.cycles_per_s() > 0.0
    {
        s.push_str(&format!(
            "{} / {}: {:.1}x the simulated cycles per second of wall time",
            b.sim.name(),
            a.sim.name(),
            b.cycles_per_s() / a.cycles_per_s()
        ));
        if let (Some(x), Some(y)) = (a.cycles_per_cpu_s(), b.cycles_per_cpu_s()) {
            s.push_str(&format!(", {:.1}x of CPU time", y / x));
        }
        s.push('\n');
    }
    s
}
