//! Formal proofs of the generated array's port protocols, for all depths: the Wishbone B4
//! pipelined-slave rules of the host port and the valid/ready rules of the AER output stream,
//! written as property modules in `hdl/formal/` (`nf_wb_slave_check.v`, `nf_stream_check.v`,
//! harness `nf_formal.v`; their headers list every property and cover).
//!
//! For each network of [`NETS`] the test generates the RTL, builds two AIGER models of the
//! harness with Yosys (one output per property, one per cover), proves every property with
//! `yosys-abc`'s `pdr` (IC3: a proof for all depths, "Proved" for each output) and reaches every
//! cover with `bmc3`, which shows the properties are not vacuous (an acknowledge happens, an
//! aborted access is followed by a new one, a reset comes during an access, an output beat is
//! held under backpressure, ...). [`MUTANTS`] patch the generated Verilog of the first network;
//! on each, `bmc3` must find a counterexample to the property the mutant targets (read from the
//! output index).
//!
//! Key decisions:
//! - The flow is Yosys 0.23 -> AIGER -> `yosys-abc` (SymbiYosys is not a Debian package, and
//!   `yosys-smtbmc` needs a solver Debian does not have in a working version). The tools are
//!   required: a missing `yosys` or `yosys-abc` fails the test with the setup command.
//! - Properties are outputs of the harness (`bad`, `hit`), not `assert` cells: AIGER outputs keep
//!   their order and the `.aim` map names them, so a failing output names its property. The one
//!   assumption (the input stream's rule) is an `assume` cell, an AIGER constraint that `fold`
//!   folds into every output.
//! - Nothing is assumed of the Wishbone master, `out_ready` or `rst`: reset may come in any
//!   cycle, the master may drop `wb_cyc` at any time, the power-up state is undefined. The
//!   acknowledge bound is the manifest's `host.max_ack_cycles`, and cover C4 shows it is reached.
//! - Memories are expanded into flip-flops (`memory_map`), so the networks are small: each
//!   model has about 1,000-3,000 latches and proves in well under a second.
//!
//! Cost (`cargo test --release -p hdl --test formal -- --nocapture` prints each figure): about
//! 40 s of CPU for the proofs and covers of five networks and 50 s for seven mutants (91 s
//! together, measured), almost all of it Yosys building the models (5-8 s each); `pdr` proves
//! each network in about 0.1 s. The two tests run in parallel.

use golden::Config;
use hdl::array::{Options, Target, generate};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;
use common::tool;

/// The properties, in the order of the harness output `bad`.
const PROPS: [&str; 7] = [
    "P0 wb ack_cyc",
    "P1 wb ack_reset",
    "P2 wb ack_outstanding",
    "P3 wb stall_one",
    "P4 wb ack_latency",
    "S0 out hold",
    "S1 out reset",
];

/// The covers, in the order of the harness output `hit`.
const COVERS: [&str; 8] = [
    "C0 wb ack",
    "C1 wb reset_access",
    "C2 wb abort_new",
    "C3 wb stall_busy",
    "C4 wb latency_max",
    "C5 wb ack_in_reset",
    "SC0 out held_taken",
    "SC1 out valid_reset",
];

/// Frames `bmc3` unrolls to reach a cover or break a mutant's property (the deepest, SC0 and
/// the output mutant, need a reset, the clearing sweep and a whole tick: 39 frames for `f4x4`).
const COVER_FRAMES: u32 = 80;

/// The networks: (label, TOML, target). Small, and together they reach 1 and 2 lanes, STDP with
/// the scaling divider, recurrence, refractory periods and homeostasis (theta), STDP off, and the
/// UP5K pair mode (two weights per SPRAM word).
const NETS: &[(&str, &str, Target)] = &[
    (
        "f4x4",
        "name = \"f4x4\"\n[array]\ninputs = 4\nneurons = 4\n",
        Target::Generic,
    ),
    (
        "f3x2_scaling",
        r#"name = "f3x2_scaling"
[array]
inputs = 3
neurons = 2
[neuron]
threshold = 40
[stdp]
normalize_target = 60
normalize_every = 2
"#,
        Target::Generic,
    ),
    (
        "f2lanes_recurrent",
        r#"name = "f2lanes_recurrent"
[array]
inputs = 2
neurons = 4
lanes = 2
recurrent = true
[neuron]
threshold = 30
"#,
        Target::Generic,
    ),
    (
        "ftheta_refractory",
        r#"name = "ftheta_refractory"
[array]
inputs = 2
neurons = 2
[neuron]
v_bits = 10
threshold = 20
refractory = 2
inhibition = 4
theta_plus = 3
theta_decay_shift = 2
theta_bits = 6
[synapse]
weight_bits = 4
[stdp]
enabled = false
"#,
        Target::Generic,
    ),
    (
        "fup5k_pair",
        r#"name = "fup5k_pair"
[array]
inputs = 2
neurons = 4
lanes = 2
[synapse]
weight_bits = 6
"#,
        Target::Ice40Up5k,
    ),
];

/// A text patch of a generated top module.
type Patch = fn(&str) -> Result<String, String>;

/// A text patch of the first network's top module, and the property that must fail on it.
struct Mutant {
    what: &'static str,
    /// Index into [`PROPS`].
    breaks: usize,
    patch: Patch,
}

const MUTANTS: &[Mutant] = &[
    Mutant {
        what: "wb_ack not gated by wb_cyc",
        breaks: 0,
        patch: |v| {
            replace_once(
                v,
                "assign wb_ack = h_ack & wb_cyc;",
                "assign wb_ack = h_ack;",
            )
        },
    },
    Mutant {
        what: "the acknowledge register left out of the reset branch (the reported bug)",
        breaks: 1,
        patch: |v| replace_once(v, "\n            h_ack <= 1'd0;\n", "\n"),
    },
    Mutant {
        what: "an access whose master dropped wb_cyc is finished and acknowledged",
        breaks: 2,
        patch: |v| replace_once(v, "if ((~h_idle) & (~wb_cyc)) begin", "if (1'd0) begin"),
    },
    Mutant {
        what: "wb_stall ignores the host state machine (a second request is taken)",
        breaks: 3,
        patch: |v| {
            let line = line_starting(v, "    assign wb_stall = ")?;
            replace_once(v, &line, &replace_once(&line, " & h_idle)", ")")?)
        },
    },
    Mutant {
        what: "one more wait cycle before the response",
        breaks: 4,
        patch: |v| {
            // `(h_cnt == W'dK)` -> `(h_cnt == W'd(K+1))`
            let key = "(h_cnt == ";
            let at = v.find(key).ok_or("no h_cnt compare")? + key.len();
            let end = at + v[at..].find(')').ok_or("unterminated compare")?;
            let (w, k) = v[at..end].split_once("'d").ok_or("not a W'dK literal")?;
            let k: u64 = k.parse().map_err(|e| format!("{e}"))?;
            let old = format!("{key}{w}'d{k})");
            replace_once(v, &old, &format!("{key}{w}'d{})", k + 1))
        },
    },
    Mutant {
        what: "the output register is loaded under backpressure",
        breaks: 5,
        patch: |v| {
            let line = line_starting(v, "    assign out_free = ")?;
            replace_once(v, &line, "    assign out_free = 1'd1;")
        },
    },
    Mutant {
        what: "out_v left out of the reset branch",
        breaks: 6,
        patch: |v| replace_once(v, "\n            out_v <= 1'd0;\n", "\n"),
    },
];

fn replace_once(text: &str, from: &str, to: &str) -> Result<String, String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!(
            "the mutant's pattern {from:?} occurs {n} times (must be once): the generated \
             Verilog changed; update the mutant"
        )),
    }
}

fn line_starting(text: &str, prefix: &str) -> Result<String, String> {
    let mut it = text.lines().filter(|l| l.starts_with(prefix));
    match (it.next(), it.next()) {
        (Some(l), None) => Ok(l.to_string()),
        _ => Err(format!("no single line starts with {prefix:?}")),
    }
}

/// A generated network written to a folder, with the harness parameters from its manifest.
struct Design {
    dir: PathBuf,
    top: String,
    rtl: Vec<String>,
    /// `wb_adr` bits.
    aw: u64,
    /// `out_addr` bits.
    nb: u64,
    /// The acknowledge bound (`host.max_ack_cycles`).
    ack_max: u64,
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("neurogen-formal-{}", std::process::id()))
}

/// Generate `toml` for `target` into `work_dir()/tag`, the top module patched by `patch`.
fn write_design(
    tag: &str,
    toml: &str,
    target: Target,
    patch: Option<Patch>,
) -> Result<Design, String> {
    let cfg = Config::from_toml_str(toml, Path::new(".")).map_err(|e| format!("{e}\n{toml}"))?;
    let opts = Options {
        target,
        ..Options::default()
    };
    let g = generate(&cfg, &opts)?;
    let dir = work_dir().join(tag);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let top_file = format!("{}.v", cfg.name);
    let mut rtl = Vec::new();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        let text = match patch {
            Some(p) if *n == top_file => p(t)?,
            _ => t.clone(),
        };
        std::fs::write(dir.join(n), text).map_err(|e| format!("{n}: {e}"))?;
        if n.ends_with(".v") {
            rtl.push(n.clone());
        }
    }
    let m: serde_json::Value = serde_json::from_str(&g.manifest).map_err(|e| e.to_string())?;
    let num = |v: &serde_json::Value, what: &str| {
        v.as_u64()
            .ok_or_else(|| format!("manifest.json: {what} is not a number"))
    };
    let out_addr = m["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "out_addr"))
        .ok_or("manifest.json: no out_addr port")?;
    if target == Target::Ice40Up5k && m["weights_via_host"] != true {
        return Err(format!("{tag}: the UP5K network is not in pair mode"));
    }
    Ok(Design {
        dir,
        top: cfg.name.clone(),
        rtl,
        aw: num(&m["host"]["address_bits"], "host.address_bits")?,
        nb: num(&out_addr["width"], "the out_addr width")?,
        ack_max: num(&m["host"]["max_ack_cycles"], "host.max_ack_cycles")?,
    })
}

/// Build `prove.aig` (outputs: the properties) and, with `covers`, `cover.aig` (outputs: the
/// covers) in the design's folder. Memories become flip-flops; undriven values (uninitialised
/// registers) are free; the property modules' own registers start at their initial values.
fn build_models(d: &Design, covers: bool) -> Result<(), String> {
    let h = Path::new(env!("CARGO_MANIFEST_DIR")).join("formal");
    let harness: Vec<String> = ["nf_wb_slave_check.v", "nf_stream_check.v", "nf_formal.v"]
        .iter()
        .map(|f| h.join(f).display().to_string())
        .collect();
    let mut s = format!(
        "read_verilog -formal -sv -DNF_TOP={} {}\n\
         read_verilog -formal {}\n\
         hierarchy -top nf_formal -chparam AW {} -chparam NB {} -chparam ACK_MAX {}\n",
        d.top,
        harness.join(" "),
        d.rtl.join(" "),
        d.aw,
        d.nb,
        d.ack_max
    );
    s.push_str(
        "prep -top nf_formal\nflatten\nmemory_nordff\nmemory_map\nopt -fast\nasync2sync\n\
         setundef -anyseq\nopt -keepdc -fast\nsetattr -unset keep\ndffunmap\nopt -full\n\
         techmap\nopt -fast\ndffunmap\nabc -g AND -fast\nopt_clean\ndesign -save mapped\n\
         delete -port nf_formal/hit\nopt_clean\nwrite_aiger -zinit -map prove.aim prove.aig\n",
    );
    if covers {
        s.push_str(
            "design -load mapped\ndelete -port nf_formal/bad\nopt_clean\n\
             write_aiger -zinit -map cover.aim cover.aig\n",
        );
    }
    std::fs::write(d.dir.join("models.ys"), s).map_err(|e| e.to_string())?;
    tool(&d.dir, "yosys", &["-q", "-l", "yosys.log", "models.ys"])?;
    // the outputs are the harness port, bit k = property / cover k
    for (aim, port, n) in [
        ("prove.aim", "bad", PROPS.len()),
        ("cover.aim", "hit", COVERS.len()),
    ]
    .into_iter()
    .take(if covers { 2 } else { 1 })
    {
        let map = std::fs::read_to_string(d.dir.join(aim)).map_err(|e| e.to_string())?;
        let outs: Vec<&str> = map.lines().filter(|l| l.starts_with("output ")).collect();
        let want: Vec<String> = (0..n).map(|k| format!("output {k} {k} {port}")).collect();
        if outs != want {
            return Err(format!("{aim}: outputs {outs:?}, expected {want:?}"));
        }
    }
    Ok(())
}

/// What `yosys-abc` reported: the outputs asserted (index, frame), the count of proved outputs,
/// latches, seconds.
#[derive(Debug, Default)]
struct Abc {
    asserted: Vec<(usize, u64)>,
    proved: Option<usize>,
    undecided: Option<usize>,
    latches: u64,
    seconds: f64,
    log: String,
}

fn abc(dir: &Path, aig: &str, engine: &str) -> Result<Abc, String> {
    let script = format!("read_aiger {aig}; fold; strash; print_stats; {engine}");
    let (log, _) = tool(dir, "yosys-abc", &["-c", &script])?;
    let mut r = Abc::default();
    for line in log.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        // "Output 3 was asserted in frame 14 (14) (solved 1 out of 7 outputs)."
        if w.len() >= 6 && w[0] == "Output" && w[2] == "was" && w[3] == "asserted" {
            let k = w[1].parse().map_err(|_| format!("bad line {line:?}"))?;
            let f = w[6].trim_end_matches('.').parse().unwrap_or(u64::MAX);
            r.asserted.push((k, f));
        }
        // "Properties:  All = 7. Proved = 7. Disproved = 0. Undecided = 0.   Time = 0.11 sec"
        if w.first() == Some(&"Properties:") {
            let val = |key: &str| -> Option<usize> {
                let i = w.iter().position(|x| *x == key)?;
                w.get(i + 2)?.trim_end_matches('.').parse().ok()
            };
            r.proved = val("Proved");
            r.undecided = val("Undecided");
            r.seconds = w
                .iter()
                .position(|x| *x == "Time")
                .and_then(|i| w.get(i + 2)?.parse().ok())
                .unwrap_or(f64::NAN);
        }
        if let Some(i) = line.find("lat =") {
            r.latches = line[i + 5..]
                .split_whitespace()
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
        }
    }
    r.log = log;
    Ok(r)
}

fn prove(d: &Design) -> Result<Abc, String> {
    abc(&d.dir, "prove.aig", "pdr -a -T 120")
}

/// Bounded model checking of each output of `aig` on its own (`cone`; one `yosys-abc` run, the
/// model read again for each output): the frame each output is first asserted in, or None if it
/// holds for [`COVER_FRAMES`] frames. (`bmc3 -a`, all outputs at once, crashed on one model.)
fn bmc_each(dir: &Path, aig: &str, outputs: usize) -> Result<Vec<Option<u64>>, String> {
    let script: String = (0..outputs)
        .map(|k| {
            format!(
                "read_aiger {aig}; fold; strash; cone -s -O {k}; bmc3 -F {COVER_FRAMES} -T 60; "
            )
        })
        .collect();
    let (log, _) = tool(dir, "yosys-abc", &["-c", &script])?;
    let mut frames = Vec::new();
    for line in log.lines() {
        // "Output 0 of miter "x" was asserted in frame 17. Time = ..."
        if let Some(i) = line.find("was asserted in frame ") {
            let f = line[i + 22..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| format!("bad line {line:?}"))?;
            frames.push(Some(f));
        } else if line.starts_with("No output asserted in") {
            frames.push(None);
        }
    }
    if frames.len() != outputs {
        return Err(format!(
            "yosys-abc gave {} results for {outputs} outputs:\n{log}",
            frames.len()
        ));
    }
    Ok(frames)
}

#[test]
fn every_property_is_proved_and_every_cover_reached() {
    let t0 = Instant::now();
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for (label, toml, target) in NETS {
        let t = Instant::now();
        let d = match write_design(label, toml, *target, None) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{label}: {e}"));
                continue;
            }
        };
        let run = || -> Result<String, String> {
            build_models(&d, true)?;
            let built = t.elapsed().as_secs_f64();
            let p = prove(&d)?;
            if p.proved != Some(PROPS.len()) || !p.asserted.is_empty() {
                let broken: Vec<String> = p
                    .asserted
                    .iter()
                    .map(|(k, f)| format!("{} fails in frame {f}", PROPS[*k]))
                    .collect();
                return Err(format!(
                    "pdr proved {:?} of {} properties (undecided {:?}); {}\n{}",
                    p.proved,
                    PROPS.len(),
                    p.undecided,
                    broken.join(", "),
                    p.log
                ));
            }
            let frames = bmc_each(&d.dir, "cover.aig", COVERS.len())?;
            let missed: Vec<&str> = (0..COVERS.len())
                .filter(|k| frames[*k].is_none())
                .map(|k| COVERS[k])
                .collect();
            if !missed.is_empty() {
                return Err(format!(
                    "covers not reached in {COVER_FRAMES} frames: {missed:?}"
                ));
            }
            let hits: Vec<String> = (0..COVERS.len())
                .map(|k| format!("{} @{}", COVERS[k], frames[k].unwrap()))
                .collect();
            Ok(format!(
                "{label}: {} latches, ACK_MAX {}; pdr proved {}/{} in {:.2} s; covers {}; \
                 yosys {built:.1} s, total {:.1} s",
                p.latches,
                d.ack_max,
                PROPS.len(),
                PROPS.len(),
                p.seconds,
                hits.join(", "),
                t.elapsed().as_secs_f64()
            ))
        };
        match run() {
            Ok(r) => report.push(r),
            Err(e) => failures.push(format!("{label}: {e}")),
        }
    }
    println!("{}", report.join("\n"));
    println!("proofs and covers: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {} networks fail (files kept in {}):\n\n{}",
        failures.len(),
        NETS.len(),
        work_dir().display(),
        failures.join("\n\n")
    );
    for (label, ..) in NETS {
        let _ = std::fs::remove_dir_all(work_dir().join(label));
    }
}

#[test]
fn each_property_fails_on_its_mutant() {
    let t0 = Instant::now();
    let (label, toml, target) = NETS[0];
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for (i, m) in MUTANTS.iter().enumerate() {
        let tag = format!("{label}_mutant{i}");
        let run = || -> Result<String, String> {
            let d = write_design(&tag, toml, target, Some(m.patch))?;
            build_models(&d, false)?;
            // counterexamples from bounded model checking, each property on its own (pdr
            // finds the deep ones slowly)
            let frames = bmc_each(&d.dir, "prove.aig", PROPS.len())?;
            let broken: Vec<String> = (0..PROPS.len())
                .filter_map(|k| Some(format!("{} (frame {})", PROPS[k], frames[k]?)))
                .collect();
            if frames[m.breaks].is_some() {
                Ok(format!(
                    "mutant {i} \"{}\": {} fails; all failing: {}",
                    m.what,
                    PROPS[m.breaks],
                    broken.join(", ")
                ))
            } else {
                Err(format!(
                    "{} holds for {COVER_FRAMES} frames (failing: {broken:?})",
                    PROPS[m.breaks]
                ))
            }
        };
        match run() {
            Ok(r) => report.push(r),
            Err(e) => failures.push(format!("mutant {i} \"{}\": {e}", m.what)),
        }
    }
    println!("{}", report.join("\n"));
    println!("mutants: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {} mutants not caught (files kept in {}):\n\n{}",
        failures.len(),
        MUTANTS.len(),
        work_dir().display(),
        failures.join("\n\n")
    );
    for i in 0..MUTANTS.len() {
        let _ = std::fs::remove_dir_all(work_dir().join(format!("{label}_mutant{i}")));
    }
}
