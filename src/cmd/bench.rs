//! `bench golden [--peer brian2]`: the golden model's benchmark, and Brian2's run of the same
//! network measured in the same invocation.
//!
//! Key decision: the peer is run, not quoted. With `--peer brian2` the command runs the
//! repository's `scripts/peers/brian2_stdp.py cpp_standalone SECONDS` with a Python that has
//! Brian2 (`scripts/peers/README.md` says how to install it), in a
//! fresh temporary folder (Brian2 writes its generated C++ project there), reads the script's
//! JSON line and prints both sets of figures and their ratios. A missing peer is not an error:
//! the command says how to install it and still prints the golden model's figures.

use super::CmdResult;
use super::common::{load_chip_config, write_file};
use crate::cli::{BenchArgs, BenchWhat, Peer};
use golden::bench::BenchResult;
use hdl::array::Target;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming the Python interpreter that has Brian2.
const ENV_PYTHON: &str = "NEUROGEN_BRIAN2_PYTHON";
/// Environment variable naming the peer script.
const ENV_SCRIPT: &str = "NEUROGEN_BRIAN2_SCRIPT";

pub fn bench(a: BenchArgs) -> CmdResult {
    match a.what {
        BenchWhat::Cosim {
            config,
            cycles,
            repeat,
            target,
        } => {
            return bench_cosim(&config, cycles, repeat, target.target);
        }
        BenchWhat::Golden {
            seconds,
            repeat,
            peer,
            python,
            peer_script,
        } => {
            if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
                return Err(format!("--seconds {seconds}: must be in (0, 3600]"));
            }
            if repeat == 0 {
                return Err("--repeat must be at least 1".into());
            }
            let ours = golden::bench::brian2_classic(seconds, repeat);
            println!("{}", ours.report());
            // networks of layers: time per tick with 1, 2 and 3 layers
            let layers: Vec<_> = (1..=3)
                .map(|n| golden::bench::brian2_layers(n, seconds, repeat))
                .collect();
            println!();
            print!("{}", golden::bench::layers_report(&layers));
            match peer {
                None => {}
                Some(Peer::Brian2) => {
                    let python = python
                        .or_else(|| std::env::var_os(ENV_PYTHON).map(PathBuf::from))
                        .unwrap_or_else(default_python);
                    let script = match peer_script
                        .or_else(|| std::env::var_os(ENV_SCRIPT).map(PathBuf::from))
                    {
                        Some(p) => p,
                        None => default_script()?,
                    };
                    println!();
                    match run_brian2(&python, &script, seconds) {
                        Ok(b) => println!("{}", compare(&ours, &b)),
                        Err(why) => println!("{}", missing_peer(&python, &script, &why)),
                    }
                }
            }
        }
    }
    Ok(())
}

/// `~/.venv-brian2/bin/python`, the interpreter `scripts/peers/README.md` installs.
fn default_python() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".venv-brian2").join("bin").join("python")
}

/// The peer script's place in a checkout.
const SCRIPT_IN_CHECKOUT: &str = "scripts/peers/brian2_stdp.py";

/// The peer script of the checkout this binary was built from (found through
/// `CARGO_MANIFEST_DIR` at build time), else of a checkout that holds the executable (for a copied
/// or moved checkout: `target/release/neurogen` looks two folders up, and so on).
fn default_script() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().ok();
    let candidates = script_candidates(Path::new(env!("CARGO_MANIFEST_DIR")), exe.as_deref());
    candidates
        .iter()
        .find(|p| p.is_file())
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .ok_or_else(|| {
            let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            format!(
                "cannot find the Brian2 peer script {SCRIPT_IN_CHECKOUT} of the neurogen checkout \
                 (tried {}); give --peer-script PATH or set {ENV_SCRIPT}",
                tried.join(", ")
            )
        })
}

/// Where the peer script may be: in the checkout at `manifest_dir`, then in every folder above
/// the executable.
fn script_candidates(manifest_dir: &Path, exe: Option<&Path>) -> Vec<PathBuf> {
    let mut c = vec![manifest_dir.join(SCRIPT_IN_CHECKOUT)];
    if let Some(exe) = exe {
        for dir in exe.ancestors().skip(1) {
            let p = dir.join(SCRIPT_IN_CHECKOUT);
            if !c.contains(&p) {
                c.push(p);
            }
        }
    }
    c
}

/// Brian2's figures, from the JSON line `brian2_stdp.py` prints.
#[derive(Debug)]
struct Brian2 {
    target: String,
    sim_s: f64,
    wall_run_s: f64,
    out_rate_hz: f64,
    pre_sop_per_s: f64,
    total_sop_per_s: f64,
    json: String,
}

impl Brian2 {
    fn ns_per_tick(&self) -> f64 {
        self.wall_run_s * 1e9 / (self.sim_s * 1000.0)
    }
}

/// Run the peer script with cpp_standalone for `seconds` in a temporary folder.
fn run_brian2(python: &Path, script: &Path, seconds: f64) -> Result<Brian2, String> {
    if !script.is_file() {
        return Err(format!(
            "the peer script {} does not exist",
            script.display()
        ));
    }
    let script = script
        .canonicalize()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let dir = std::env::temp_dir().join(format!("neurogen-brian2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!(
        "running Brian2 cpp_standalone ({} {} cpp_standalone {seconds}); it compiles its C++ first \
         (20-60 s, not counted)...",
        python.display(),
        script.display()
    );
    let out = Command::new(python)
        .arg(&script)
        .arg("cpp_standalone")
        .arg(seconds.to_string())
        .current_dir(&dir)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "the peer script failed ({}): {}",
            out.status,
            tail.join(" | ")
        ));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("the peer script printed no JSON line")?;
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("the peer's JSON line: {e}"))?;
    let num = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| format!("the peer's JSON line has no number \"{k}\""))
    };
    Ok(Brian2 {
        target: v
            .get("target")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?")
            .to_string(),
        sim_s: num("sim_s")?,
        wall_run_s: num("wall_run_s")?,
        out_rate_hz: num("out_rate_hz")?,
        pre_sop_per_s: num("pre_SOP_per_s")?,
        total_sop_per_s: num("total_SOP_per_s")?,
        json: line.trim().to_string(),
    })
}

/// Both figures side by side, with the ratios (golden's median against Brian2's run).
fn compare(g: &BenchResult, b: &Brian2) -> String {
    let med = g.wall_median_s;
    let rows = [
        (
            "ns per tick",
            format!("{:.1}", g.ns_per_tick(med)),
            format!("{:.1}", b.ns_per_tick()),
            b.ns_per_tick() / g.ns_per_tick(med),
        ),
        (
            "synaptic events/s",
            format!("{:.3e}", g.pre_sop_per_s(med)),
            format!("{:.3e}", b.pre_sop_per_s),
            g.pre_sop_per_s(med) / b.pre_sop_per_s,
        ),
        (
            "  with STDP updates",
            format!("{:.3e}", g.total_sop_per_s(med)),
            format!("{:.3e}", b.total_sop_per_s),
            g.total_sop_per_s(med) / b.total_sop_per_s,
        ),
        (
            "output rate (Hz)",
            format!("{:.1}", g.out_rate_hz),
            format!("{:.1}", b.out_rate_hz),
            f64::NAN,
        ),
    ];
    let mut s = format!(
        "Brian2 {} on the same network, this run: {:.1} ms for {} s\n{}\n\n\
         {:<24} {:>12} {:>12} {:>8}\n",
        b.target,
        b.wall_run_s * 1e3,
        b.sim_s,
        b.json,
        "",
        "golden",
        "Brian2",
        "ratio"
    );
    for (name, ours, theirs, ratio) in rows {
        let ratio = if ratio.is_nan() {
            String::new()
        } else {
            format!("{ratio:.1}x")
        };
        s += &format!("{name:<24} {ours:>12} {theirs:>12} {ratio:>8}\n");
    }
    s += &format!(
        "golden is {:.1}x faster than Brian2 {} per simulated tick (median of {} runs against \
         Brian2's run; best run {:.1}x)",
        b.ns_per_tick() / g.ns_per_tick(med),
        b.target,
        g.repeat,
        b.ns_per_tick() / g.ns_per_tick(g.wall_s)
    );
    s
}

/// What to say when the peer cannot run.
fn missing_peer(python: &Path, script: &Path, why: &str) -> String {
    format!(
        "Brian2 peer not measured: {why}\n\
         It needs a Python with Brian2 (interpreter {}, script {}). Install it as \
         scripts/peers/README.md says:\n\
         \x20   python3 -m venv ~/.venv-brian2 && ~/.venv-brian2/bin/pip install brian2 \"numpy<2.4\" cython\n\
         or name another interpreter with --python PATH (or {ENV_PYTHON}) and the script with \
         --peer-script PATH (or {ENV_SCRIPT}). The golden model's figures are above.",
        python.display(),
        script.display()
    )
}

/// `bench cosim`: the generated array with its inputs held so the event pipeline stays busy
/// (`in_valid` high with an in-range address and no end of tick, `out_ready` high), clocked
/// through the Rust binding and through a C++ main loop built from the same files.
fn bench_cosim(config: &Path, cycles: u64, repeat: u32, target: Target) -> CmdResult {
    if !(1..=1_000_000_000).contains(&cycles) {
        return Err(format!("--cycles {cycles}: must be in 1..=1000000000"));
    }
    if !(1..=100).contains(&repeat) {
        return Err(format!("--repeat {repeat}: must be in 1..=100"));
    }
    let cfg = load_chip_config(config)?;
    let dir = std::env::temp_dir().join(format!("neurogen-bench-cosim-{}", std::process::id()));
    let opts = hdl::array::Options {
        target,
        init_prefix: format!("{}/", dir.display()),
        ..Default::default()
    };
    // a network of layers: its chain top, layer 0 held busy (the later layers work on what
    // layer 0 sends them at the end of each tick)
    let (files, top, text) = if cfg.layer_count() > 1 {
        let g = hdl::array::chain::generate_network(&cfg, &opts)?;
        let text = g
            .layers
            .iter()
            .enumerate()
            .map(|(k, l)| format!("layer[{k}] {}", super::hw::summary(l)))
            .collect::<Vec<_>>()
            .join("\n");
        let files: Vec<(String, String)> = g.rtl.iter().chain(g.init.iter()).cloned().collect();
        (files, g.design.top.clone(), text)
    } else {
        let g = hdl::array::generate(&cfg, &opts)?;
        let files = g.rtl.iter().chain(g.init.iter()).cloned().collect();
        (files, g.design.top.clone(), super::hw::summary(&g))
    };
    let mut sources = Vec::new();
    for (n, t) in &files {
        write_file(&dir.join(n), t)?;
        if n.ends_with(".v") {
            sources.push(dir.join(n));
        }
    }
    let bench = cosim::bench::CosimBench {
        sources,
        top,
        clock: "clk".into(),
        inputs: vec![
            ("in_valid".into(), 1),
            ("in_addr".into(), 0),
            ("out_ready".into(), 1),
        ],
        flags: Vec::new(),
        cycles,
        repeats: repeat,
    };
    let r = cosim::bench::cosim_speed(&bench).map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    let r = r?;
    println!("{text}");
    print!("{r}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_script_is_found_in_this_checkout() {
        let p = default_script().unwrap();
        assert!(p.ends_with(SCRIPT_IN_CHECKOUT), "{}", p.display());
        assert!(
            p.starts_with(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .canonicalize()
                    .unwrap()
            )
        );
    }

    #[test]
    fn a_moved_checkout_is_found_above_the_executable() {
        let root = std::env::temp_dir().join(format!("neurogen-peer-test-{}", std::process::id()));
        let script = root.join("co").join(SCRIPT_IN_CHECKOUT);
        std::fs::create_dir_all(script.parent().unwrap()).unwrap();
        std::fs::write(&script, "").unwrap();
        let exe = root.join("co/target/release/neurogen");
        let gone = root.join("gone");
        let found = script_candidates(&gone, Some(&exe))
            .into_iter()
            .find(|p| p.is_file());
        // control: without the executable's folders nothing is found
        let without = script_candidates(&gone, None)
            .into_iter()
            .find(|p| p.is_file());
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(found, Some(script));
        assert_eq!(without, None);
    }
}
