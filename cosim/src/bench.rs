//! Simulator benchmark: simulated cycles per second of a design driven through the Rust binding
//! against a plain C++ Verilator loop over the same build, in one run, plus the build times.
//!
//! Key decision: the comparison is apples to apples. The C++ loop is generated from the *same*
//! cache entry (same Verilated C++, same unity file, same `g++` flags, same runtime archive), holds
//! the same inputs, and toggles the same clock member the same number of times (`clk = 1; eval;
//! clk = 0; eval`) as the Rust side does, once with [`Clock::step`] (one call into the model per
//! cycle) and once with [`In::set`] and [`Model::eval`] per edge (two calls). Each side
//! runs `repeats` times from a fresh model, interleaved, and the best run counts; both sides must
//! end with identical port values, or the report says so. Rates are computed from the running
//! thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which on an idle machine equals wall time but,
//! unlike it, does not count time the thread spent descheduled by other load (CI machines are
//! shared); the wall-clock ratio is reported next to it. Build times are measured in a private
//! model cache: *cold* (Verilator + g++, with the shared runtime already compiled) and *warm*
//! (the same build again: a cache hit).

use std::fmt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::verilator::{
    self, Build, Design, Error, LINK_LIBS, bench_main_source, common_flags, ensure_runtime, run,
    summarize_gxx, toolchain,
};
#[cfg(doc)]
use crate::verilator::{Clock, In, Model};

/// What to measure.
#[derive(Debug, Clone)]
pub struct CosimBench {
    /// Verilog source files.
    pub sources: Vec<PathBuf>,
    /// Top module.
    pub top: String,
    /// Clock input port.
    pub clock: String,
    /// Inputs held at a constant value for the whole run (e.g. `en = 1`).
    pub inputs: Vec<(String, u64)>,
    /// Extra Verilator flags.
    pub flags: Vec<String>,
    /// Simulated cycles per run.
    pub cycles: u64,
    /// Runs of each side; the fastest counts.
    pub repeats: u32,
}

impl CosimBench {
    /// A benchmark of `top` in `sources`, clocked by `clock`, for 1,000,000 cycles, best of 3.
    pub fn new<P: Into<PathBuf>>(
        sources: impl IntoIterator<Item = P>,
        top: impl Into<String>,
        clock: impl Into<String>,
    ) -> Self {
        CosimBench {
            sources: sources.into_iter().map(Into::into).collect(),
            top: top.into(),
            clock: clock.into(),
            inputs: Vec::new(),
            flags: Vec::new(),
            cycles: 1_000_000,
            repeats: 3,
        }
    }
}

/// What was measured.
#[derive(Debug, Clone)]
pub struct CosimBenchReport {
    /// Top module.
    pub top: String,
    /// Simulated cycles per run.
    pub cycles: u64,
    /// Runs of each side.
    pub repeats: u32,
    /// Cycles per second through the Rust binding with [`Clock::step`] (best run).
    pub rust_cycles_per_sec: f64,
    /// Cycles per second through the Rust binding toggling the clock with [`In::set`] and
    /// calling [`Model::eval`] after each edge (best run): two crossings per cycle.
    pub rust_eval_cycles_per_sec: f64,
    /// Cycles per second of the plain C++ loop (best run).
    pub cpp_cycles_per_sec: f64,
    /// `rust_cycles_per_sec / cpp_cycles_per_sec`.
    pub ratio: f64,
    /// `rust_eval_cycles_per_sec / cpp_cycles_per_sec`.
    pub eval_ratio: f64,
    /// [`CosimBenchReport::ratio`] computed from wall time instead of thread CPU time.
    pub wall_ratio: f64,
    /// Model build with nothing cached but the runtime: Verilator, one g++ call, load.
    pub build_cold: Duration,
    /// The same build again: cache hit and load.
    pub build_warm: Duration,
    /// Time to compile the shared Verilator runtime, when this run had to (first use).
    pub runtime_build: Option<Duration>,
    /// Whether both sides ended with the same value on every port.
    pub outputs_match: bool,
}

impl fmt::Display for CosimBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        writeln!(
            f,
            "cosim bench `{}`: {} cycles, best of {}",
            self.top, self.cycles, self.repeats
        )?;
        writeln!(
            f,
            "  C++ loop                  {:>8.2} M cycles/s",
            self.cpp_cycles_per_sec / 1e6
        )?;
        writeln!(
            f,
            "  Rust, Clock::step         {:>8.2} M cycles/s   ratio {:.3}",
            self.rust_cycles_per_sec / 1e6,
            self.ratio
        )?;
        writeln!(
            f,
            "  Rust, set + eval per edge {:>8.2} M cycles/s   ratio {:.3}",
            self.rust_eval_cycles_per_sec / 1e6,
            self.eval_ratio
        )?;
        writeln!(
            f,
            "  (rates from thread CPU time; Clock::step ratio by wall time {:.3})",
            self.wall_ratio
        )?;
        writeln!(
            f,
            "  outputs                   {}",
            if self.outputs_match {
                "identical"
            } else {
                "DIFFER"
            }
        )?;
        writeln!(
            f,
            "  build                     cold {:.0} ms (runtime cached), warm {:.1} ms (cache hit)",
            ms(self.build_cold),
            ms(self.build_warm)
        )?;
        if let Some(r) = self.runtime_build {
            writeln!(
                f,
                "  runtime                   compiled in {:.0} ms (once per toolchain)",
                ms(r)
            )?;
        }
        Ok(())
    }
}

/// Measures `bench`: see the module documentation.
pub fn cosim_speed(bench: &CosimBench) -> Result<CosimBenchReport, Error> {
    if bench.cycles == 0 || bench.repeats == 0 {
        return Err(Error::unsupported(
            "cosim bench: cycles and repeats must be positive",
        ));
    }
    let tc = toolchain()?;
    let t = Instant::now();
    let (runtime, built) = ensure_runtime()?;
    let runtime_build = built.then(|| t.elapsed());

    let scratch = ScratchDir::new()?;
    let build = Build::new(&bench.top)
        .sources(&bench.sources)
        .flags(bench.flags.iter().cloned())
        .cache_dir(scratch.0.join("cache"));
    let cold = build.build()?;
    let warm = build.build()?;
    let build_cold = cold.build_info().elapsed();
    let build_warm = warm.build_info().elapsed();
    drop(cold);

    // Inputs as port indices, checked against the design.
    let mut held = Vec::new();
    for (name, value) in &bench.inputs {
        let i = port_index(&warm, name)?;
        held.push((i, name.as_str(), *value));
    }
    let clock_index = port_index(&warm, &bench.clock)?;
    let clock_cxx = warm.ports()[clock_index].cxx_name().to_string();

    // The C++ loop: same entry, same flags, same runtime.
    let exe = scratch.0.join("cpp_loop");
    let main_cpp = scratch.0.join("cpp_loop.cpp");
    std::fs::write(&main_cpp, bench_main_source(&clock_cxx))
        .map_err(|e| Error::io(format!("cannot write {}", main_cpp.display()), e))?;
    let root = tc.verilator_root()?;
    let mut cmd = Command::new(&tc.cxx);
    cmd.args(common_flags(root, warm.has_trace()))
        .arg(format!("-I{}", warm.entry_dir().display()))
        .arg(format!("-I{}", warm.entry_dir().join("obj").display()))
        .arg("-o")
        .arg(&exe)
        .arg(&main_cpp)
        .arg(&runtime)
        .args(LINK_LIBS);
    let out = run(&mut cmd, "g++")?;
    if !out.status.success() {
        return Err(verilator::ErrorKind::Compiler {
            what: "the C++ benchmark loop".to_string(),
            summary: summarize_gxx(&String::from_utf8_lossy(&out.stderr)),
            log: None,
        }
        .into());
    }

    let mut best_rust = Timing::MAX;
    let mut best_eval = Timing::MAX;
    let mut best_cpp = Timing::MAX;
    let mut outputs_match = true;
    for _ in 0..bench.repeats {
        let (cpp_time, cpp_ports) = run_cpp(&exe, bench.cycles, &held)?;
        let (rust_time, rust_ports) = run_rust(&warm, bench, &held, Drive::Step)?;
        let (eval_time, eval_ports) = run_rust(&warm, bench, &held, Drive::EvalPerEdge)?;
        best_cpp = best_cpp.min(cpp_time);
        best_rust = best_rust.min(rust_time);
        best_eval = best_eval.min(eval_time);
        outputs_match &= cpp_ports == rust_ports && cpp_ports == eval_ports;
    }
    let per_sec = |d: Duration| bench.cycles as f64 / d.as_secs_f64().max(1e-9);
    let (rust, eval, cpp) = (
        per_sec(best_rust.cpu),
        per_sec(best_eval.cpu),
        per_sec(best_cpp.cpu),
    );
    let wall_ratio = per_sec(best_rust.wall) / per_sec(best_cpp.wall);
    Ok(CosimBenchReport {
        top: bench.top.clone(),
        cycles: bench.cycles,
        repeats: bench.repeats,
        rust_cycles_per_sec: rust,
        rust_eval_cycles_per_sec: eval,
        cpp_cycles_per_sec: cpp,
        ratio: rust / cpp,
        eval_ratio: eval / cpp,
        wall_ratio,
        build_cold,
        build_warm,
        runtime_build,
        outputs_match,
    })
}

fn port_index(design: &Design, name: &str) -> Result<usize, Error> {
    match design.port(name) {
        Some(p) => Ok(design
            .ports()
            .iter()
            .position(|q| q.name() == p.name())
            .expect("port from the table")),
        None => Err(verilator::ErrorKind::UnknownPort {
            name: name.to_string(),
            available: design
                .ports()
                .iter()
                .map(|p| p.name().to_string())
                .collect(),
        }
        .into()),
    }
}

/// Wall and thread-CPU time of one run; each minimum is taken separately.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

impl Timing {
    const MAX: Timing = Timing {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    };

    fn min(self, other: Timing) -> Timing {
        Timing {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
        }
    }
}

/// CPU time of the calling thread.
fn thread_cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: libc's clock_gettime with a valid clock id and a writable timespec (64-bit Linux).
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// How the Rust side drives the clock.
#[derive(Clone, Copy)]
enum Drive {
    /// [`Clock::step`]: one call per cycle.
    Step,
    /// [`In::set`] and [`Model::eval`] per edge: two calls per cycle.
    EvalPerEdge,
}

/// One run of the Rust side: a fresh model, the held inputs, `clk = 0; eval` (done by
/// [`Model::clock`]), then the timed cycles. Returns the time and every port's words.
fn run_rust(
    design: &Design,
    bench: &CosimBench,
    held: &[(usize, &str, u64)],
    drive: Drive,
) -> Result<(Timing, Vec<Vec<u32>>), Error> {
    let model = design.model()?;
    for &(_, name, value) in held {
        model.input(name)?.set(value)?;
    }
    let mut clock = model.clock(&bench.clock)?;
    let clk = model.input(&bench.clock)?;
    let start = Instant::now();
    let cpu_start = thread_cpu_time();
    match drive {
        Drive::Step => clock.run(bench.cycles)?,
        Drive::EvalPerEdge => {
            for _ in 0..bench.cycles {
                clk.set(1)?;
                model.eval()?;
                clk.set(0)?;
                model.eval()?;
            }
        }
    }
    let elapsed = Timing {
        cpu: thread_cpu_time().saturating_sub(cpu_start),
        wall: start.elapsed(),
    };
    let ports = (0..design.ports().len())
        .map(|i| model.port_words(i))
        .collect();
    model.run_final()?;
    Ok((elapsed, ports))
}

/// One run of the C++ side; parses `ns WALL CPU` and `port I W0 W1 ...` lines.
fn run_cpp(
    exe: &std::path::Path,
    cycles: u64,
    held: &[(usize, &str, u64)],
) -> Result<(Timing, Vec<Vec<u32>>), Error> {
    let mut cmd = Command::new(exe);
    cmd.arg(cycles.to_string());
    for &(i, _, v) in held {
        cmd.arg(format!("{i}={v}"));
    }
    let out = run(&mut cmd, "the C++ benchmark loop")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bad = || {
        Error::unsupported(format!(
            "the C++ benchmark loop failed ({}): {}{}",
            out.status,
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    if !out.status.success() {
        return Err(bad());
    }
    let mut ns = None;
    let mut ports = Vec::new();
    for line in stdout.lines() {
        let mut f = line.split_whitespace();
        match f.next() {
            Some("ns") => {
                let mut num = || f.next().and_then(|v| v.parse::<u64>().ok());
                ns = num().zip(num());
            }
            Some("port") => {
                f.next();
                let words: Result<Vec<u32>, _> = f.map(|w| u32::from_str_radix(w, 16)).collect();
                ports.push(words.map_err(|_| bad())?);
            }
            _ => {}
        }
    }
    let (wall, cpu) = ns.ok_or_else(bad)?;
    let timing = Timing {
        wall: Duration::from_nanos(wall),
        cpu: Duration::from_nanos(cpu),
    };
    Ok((timing, ports))
}

/// A private directory under the system temp dir, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<Self, Error> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "neurogen-cosim-bench-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        Ok(ScratchDir(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A reference workload for [`cosim_speed`] that needs no generator: `lanes` free-running 32-bit
/// Galois LFSRs (`32 * lanes` flip-flops, each lane seeded differently by an initialiser, so no
/// reset is needed), their XOR on `fold` and their top bits on `msbs`. Top `lfsr_bank`, clock
/// `clk`, no other input.
pub fn lfsr_bank_verilog(lanes: u32) -> String {
    let lanes = lanes.max(1);
    format!(
        "// A bank of {lanes} free-running 32-bit Galois LFSRs (polynomial 0x80200003).
module lfsr_bank (
    input  wire              clk,
    output wire [31:0]       fold,
    output wire [{top}:0] msbs
);
    genvar i;
    generate
        for (i = 0; i < {lanes}; i = i + 1) begin : lane
            localparam [31:0] SEED = (32'h9E3779B9 * (i + 1)) | 32'h1;
            reg  [31:0] r = SEED;
            wire [31:0] x;
            always @(posedge clk)
                r <= r[0] ? ((r >> 1) ^ 32'h80200003) : (r >> 1);
            if (i == 0) begin : first
                assign x = r;
            end else begin : next
                assign x = r ^ lane[i - 1].x;
            end
            assign msbs[i] = r[31];
        end
    endgenerate
    assign fold = lane[{last}].x;
endmodule
",
        top = lanes - 1,
        last = lanes - 1
    )
}
