//! `learn patterns|digits`: the unsupervised learning experiments of `golden::learn`, with a
//! progress bar, a report (or one JSON object with `--json`) and PNG plots.
//!
//! Key decisions:
//! - The experiments are pure computations in `golden::learn`; this command only parses, shows
//!   progress, prints and plots. Its options are `Option`s so every default lives once, in the
//!   golden crate's parameter types.
//! - The digits data set (57 kB) is compiled into the binary, so the command works from any
//!   folder; `--data FILE` reads another copy of the same format.
//! - The progress bar is drawn on stderr only when stderr is a terminal, so logs and pipes get
//!   nothing but the report.
//! - `--hardware` runs the same experiment code (`run_on` with the same parameters, seeds and
//!   host commands) on `cosim::driver::Lockstep`, the generated Verilog in Verilator driven in
//!   lockstep with the golden model; only the defaults are shorter
//!   (`PatternsParams::shortened`, `DigitsParams::shortened`). It fails at the first difference.
//!   `learn digits --rules supervised --hardware` runs `readout::run_supervised_on` with
//!   `HardwareChips`: each chip the experiment asks for is a lockstep chip, the two-layer
//!   network the generated chain top (`cosim::driver::chain_lockstep`).

use super::CmdResult;
use super::common::{Bar, load_config, load_network_config, write_files};
use crate::cli::{
    Common, DigitsArgs, HiddenKind, LearnArgs, LearnWhat, PatternsArgs, Rules, SweepReadout,
    TemporalArgs,
};
use crate::plot;
use cosim::driver::{Compare, Lockstep, LockstepReport, RunOptions};
use golden::Config;
use golden::learn::Progress;
use golden::learn::digits::{self, Dataset, DigitsParams, DigitsResult, RuleSet};
use golden::learn::patterns::{self, OneShotParams, PatternsParams, PatternsResult, SweepCell};
use golden::learn::temporal;
use hdl::array::Target;
use serde_json::json;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The shipped data set (`data/digits.csv.gz`, see `data/README.md` for its attribution).
pub(crate) static DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// Append a line (or nothing but a newline) to a report being built.
macro_rules! outln {
    ($o:ident) => {
        $o.push('\n')
    };
    ($o:ident, $($t:tt)*) => {{
        let _ = writeln!($o, $($t)*);
    }};
}

/// Append text to a report being built.
macro_rules! outp {
    ($o:ident, $($t:tt)*) => {{
        let _ = write!($o, $($t)*);
    }};
}

/// Write the report to stdout in one go; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> CmdResult {
    let mut so = std::io::stdout().lock();
    match so.write_all(text.as_bytes()).and_then(|()| so.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// Run `learn`.
pub fn learn(a: LearnArgs) -> CmdResult {
    match a.what {
        LearnWhat::Patterns(p) => learn_patterns(p),
        LearnWhat::Digits(d) => learn_digits(d),
        LearnWhat::Temporal(t) => learn_temporal(t),
        LearnWhat::FeastEdges(f) => super::feast::edges(f),
        LearnWhat::FeastDigits(f) => super::feast::digits(f),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn out_dir(common: &Common, name: &str) -> PathBuf {
    common
        .output
        .clone()
        .unwrap_or_else(|| Path::new("build").join("learn").join(name))
}

// ---------------------------------------------------------------------------------------------
// patterns

fn pattern_params(a: &PatternsArgs, network: Option<&Config>) -> Result<PatternsParams, String> {
    let d = PatternsParams::default();
    let d = if a.common.hardware { d.shortened() } else { d };
    let seed = a.common.seed;
    let (inputs, neurons) = match network {
        None => (
            a.inputs.unwrap_or(d.inputs),
            a.common.neurons.unwrap_or(d.neurons),
        ),
        Some(c) => (
            given_matches(
                "--inputs",
                a.inputs,
                "array.inputs",
                c.array.inputs as usize,
            )?,
            given_matches("--neurons", a.common.neurons, "array.neurons", c.neurons())?,
        ),
    };
    let mut p = PatternsParams {
        inputs,
        patterns: a.patterns.unwrap_or(d.patterns),
        active: a.active.unwrap_or(d.active),
        overlap: a.overlap.unwrap_or(d.overlap),
        p_on: a.p_on.unwrap_or(d.p_on),
        p_noise: a.p_noise.unwrap_or(d.p_noise),
        drop: a.drop.unwrap_or(d.drop),
        neurons,
        train: a.train.unwrap_or(d.train),
        test: a.test.unwrap_or(d.test),
        epochs: a.common.epochs.unwrap_or(d.epochs),
        seed,
        net: golden::learn::NetParams {
            weight_seed: seed,
            ..d.net.clone()
        },
        network: network.cloned(),
        ..d
    };
    p.raster_samples = p.raster_samples.min(p.test * (p.patterns + 1));
    Ok(p)
}

/// A seed range `FIRST-LAST` (both included, FIRST <= LAST).
fn seed_range(text: &str) -> Result<std::ops::RangeInclusive<u64>, String> {
    let bad = || format!("--sweep-seeds \"{text}\": expected FIRST-LAST, e.g. 21-100");
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let (a, b): (u64, u64) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b {
        return Err(bad());
    }
    Ok(a..=b)
}

/// `learn patterns --supervised`: the one-shot readout on seeds 1..=--seeds, and with --sweep
/// the parameter search behind its defaults.
fn learn_one_shot(a: PatternsArgs) -> CmdResult {
    use golden::learn::patterns::{one_shot_grid, one_shot_sweep, one_shot_windows, run_one_shot};
    if a.common.config.is_some() {
        return Err("--supervised runs the built-in readout: leave out --config".into());
    }
    if a.common.hardware {
        return one_shot_hardware(&a);
    }
    if a.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    let p = pattern_params(&a, None)?;
    p.validate().map_err(|e| e.to_string())?;
    let o = one_shot_params(&a);
    if a.table {
        if a.sweep {
            return Err("--table and --sweep are two runs: give one of them".into());
        }
        return one_shot_table(&a, &p, &o);
    }
    let mut out = String::new();
    out.push_str(&format!(
        "supervised one-shot: {} patterns of {} channels (overlap {}), one taught presentation \
         ({}) of {} ticks each (teacher {} Hz), readout threshold {}, leak_shift {}, ltp_shift {}, \
         ltp_offset {}, normalize {}; {} test samples per class\n",
        p.patterns,
        p.active,
        p.overlap,
        o.presentation.name(),
        p.ticks,
        o.teach_rate,
        o.threshold,
        o.leak_shift,
        o.ltp_shift,
        o.ltp_offset,
        o.normalize_target,
        p.test
    ));
    out.push_str("seed  detected (per pattern)              false_pos  confusions\n");
    let mut perfect = 0;
    let mut rows = Vec::new();
    let mut results = Vec::new();
    for seed in 1..=a.seeds {
        let r =
            run_one_shot(&PatternsParams { seed, ..p.clone() }, &o).map_err(|e| e.to_string())?;
        perfect += r.perfect() as usize;
        let det: Vec<String> = r.detected.iter().map(|&d| pct(d)).collect();
        out.push_str(&format!(
            "{seed:>4}  {:<36} {:>9}  {:>10}\n",
            det.join(" "),
            r.false_positives,
            r.confusions
        ));
        rows.push(json!({"seed": seed, "result": r}));
        results.push(r);
    }
    out.push_str(&format!(
        "perfect (every test sample detected, no false positive): {perfect} of {} seeds\n",
        a.seeds
    ));
    let dir = out_dir(&a.common, "patterns_supervised");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let plots = one_shot_plots(&p, &o, &results, &dir)?;
    out.push_str(&format!("plots: {}\n", plots.join(", ")));
    let mut sweep = None;
    if a.sweep {
        let range = seed_range(&a.sweep_seeds)?;
        let threads = match a.threads {
            Some(0) => return Err("--threads: at least 1".into()),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let thresholds: Vec<i64> = if a.thresholds.is_empty() {
            (2000..=14000).step_by(250).collect()
        } else {
            a.thresholds.clone()
        };
        let grid = one_shot_grid(
            &o,
            &a.leaks,
            &a.ltp_shifts,
            &a.ltp_offsets,
            &a.normalize_targets,
            &thresholds,
        );
        let cells = one_shot_sweep(&p, &grid, range.clone(), threads).map_err(|e| e.to_string())?;
        out.push_str(&format!(
            "\nparameter search over seeds {}-{}, {} cells (perfect seeds / false positives / \
             missed samples):\n",
            range.start(),
            range.end(),
            cells.len()
        ));
        out.push_str(
            "leak_shift  ltp_shift  ltp_offset  normalize  threshold  perfect  false_pos  missed\n",
        );
        for c in &cells {
            let q = &c.params;
            out.push_str(&format!(
                "{:>10}  {:>9}  {:>10}  {:>9}  {:>9}  {:>4}/{:<2}  {:>9}  {:>6}\n",
                q.leak_shift,
                q.ltp_shift,
                q.ltp_offset,
                q.normalize_target,
                q.threshold,
                c.perfect,
                c.seeds,
                c.false_positives,
                c.misses
            ));
        }
        let windows = one_shot_windows(&cells, &o);
        out.push_str(&format!(
            "\nperfect windows (consecutive thresholds of the grid perfect on all {} seeds), the \
             widest first:\n",
            range.clone().count()
        ));
        out.push_str("leak_shift  ltp_shift  ltp_offset  normalize  window        thresholds\n");
        for w in &windows {
            let q = &w.params;
            let span = if w.thresholds > 0 {
                format!("{}-{}", w.first, w.last)
            } else {
                "none".to_string()
            };
            out.push_str(&format!(
                "{:>10}  {:>9}  {:>10}  {:>9}  {:<12}  {:>10}\n",
                q.leak_shift, q.ltp_shift, q.ltp_offset, q.normalize_target, span, w.thresholds
            ));
        }
        match windows.first().filter(|w| w.thresholds > 0) {
            Some(w) => out.push_str(&format!(
                "choice (the widest window, its middle): leak_shift {}, ltp_shift {}, ltp_offset \
                 {}, normalize_target {}, threshold {}\n",
                w.params.leak_shift,
                w.params.ltp_shift,
                w.params.ltp_offset,
                w.params.normalize_target,
                w.params.threshold
            )),
            None => out.push_str("choice: none (no threshold perfect on every seed)\n"),
        }
        sweep = Some(json!({"cells": cells, "windows": windows}));
    }
    if a.common.json {
        let o = json!({"params": p, "one_shot": o, "seeds": rows, "perfect": perfect,
                       "sweep": sweep, "plots": plots});
        return emit(&format!("{o}\n"));
    }
    emit(&out)
}

/// The plots of `learn patterns --supervised` in `dir` (their paths): the first seed's taught
/// weights and test raster, and detection and noise rejection per seed (`results[i]` is seed
/// i + 1).
fn one_shot_plots(
    p: &PatternsParams,
    o: &OneShotParams,
    results: &[golden::learn::patterns::OneShotResult],
    dir: &Path,
) -> Result<Vec<String>, String> {
    let first = results.first().ok_or("no seed run")?;
    let name = pattern_label(p.patterns);
    let side = (p.inputs as f64).sqrt().ceil() as usize;
    let mut out = Vec::new();
    let f = dir.join("receptive_fields.png");
    let labels: Vec<Option<usize>> = (0..p.patterns).map(Some).collect();
    plot::receptive_fields(
        &first.weights,
        side,
        &labels,
        &name,
        &format!(
            "ONE-SHOT READOUT, SEED 1: WEIGHTS AFTER ONE TAUGHT PRESENTATION ({}) OF EACH OF {} \
             PATTERNS",
            o.presentation.name().to_uppercase(),
            p.patterns
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("raster.png");
    plot::raster(
        &first.raster,
        &name,
        &format!(
            "ONE-SHOT READOUT, SEED 1: TEST SAMPLES, TEACHER AND LEARNING OFF, THRESHOLD {}",
            o.threshold
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("seeds.png");
    let series = [
        (
            "detection".to_string(),
            results
                .iter()
                .map(|r| r.detected.iter().sum::<f64>() / r.detected.len().max(1) as f64)
                .collect(),
        ),
        (
            "noise rejected".to_string(),
            results
                .iter()
                .map(|r| 1.0 - r.false_positives as f64 / r.per_class.max(1) as f64)
                .collect(),
        ),
    ];
    plot::accuracy_curves_over(
        &series,
        "SEED",
        "ONE-SHOT READOUT: TEST DETECTION AND NOISE REJECTED PER SEED",
        &f,
    )?;
    out.push(f.display().to_string());
    Ok(out)
}

/// The one-shot readout chosen for the command line's `--presentation`.
fn one_shot_params(a: &PatternsArgs) -> OneShotParams {
    use golden::learn::patterns::Presentation as P;
    OneShotParams::for_presentation(match a.presentation {
        crate::cli::Presentation::Pattern => P::Pattern,
        crate::cli::Presentation::Sample => P::Sample,
    })
}

/// `learn patterns --supervised --table`: the K x overlap table on seeds 1..=--seeds, the
/// one-shot readout `o` beside the unsupervised network of `learn patterns` (its `--sweep`
/// table, here averaged over the same seeds).
fn one_shot_table(a: &PatternsArgs, p: &PatternsParams, o: &OneShotParams) -> CmdResult {
    use golden::learn::patterns::one_shot_table as table;
    for &k in &a.ks {
        for &f in &a.overlaps {
            PatternsParams {
                patterns: k,
                overlap: f,
                ..p.clone()
            }
            .validate()
            .map_err(|e| format!("--table, K = {k}, overlap = {f}: {e}"))?;
        }
    }
    let t0 = Instant::now();
    let sup = table(p, o, &a.ks, &a.overlaps, 1..=a.seeds).map_err(|e| e.to_string())?;
    // the unsupervised network on the same seeds: (accuracy, detection, false-positive rate,
    // perfect seeds) per cell, means over the seeds
    let mut unsup = vec![(0.0, 0.0, 0.0, 0usize); a.ks.len() * a.overlaps.len()];
    let mut bar = Bar::new();
    for seed in 1..=a.seeds {
        let q = PatternsParams {
            seed,
            net: golden::learn::NetParams {
                weight_seed: seed,
                ..p.net.clone()
            },
            ..p.clone()
        };
        let cells = patterns::sweep(&q, &a.ks, &a.overlaps, &mut |pr| bar.update(pr))
            .map_err(|e| e.to_string())?;
        for (u, c) in unsup.iter_mut().zip(&cells) {
            let n = a.seeds as f64;
            u.0 += c.accuracy / n;
            u.1 += c.detection / n;
            u.2 += c.false_positive_rate / n;
            u.3 += (c.accuracy == 1.0) as usize;
        }
    }
    bar.finish();
    let secs = t0.elapsed().as_secs_f64();
    let dir = out_dir(&a.common, "patterns_supervised");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let rows: Vec<String> = a.ks.iter().map(|k| format!("K={k}")).collect();
    let cols: Vec<String> = a.overlaps.iter().map(|o| format!("{o}")).collect();
    let per_k = |v: Vec<f64>| -> Vec<Vec<f64>> {
        v.chunks(a.overlaps.len().max(1))
            .map(<[f64]>::to_vec)
            .collect()
    };
    let mut plots = Vec::new();
    for (file, title, values) in [
        (
            "table_supervised.png",
            format!(
                "ONE-SHOT READOUT ({}), MEAN TEST ACCURACY, SEEDS 1-{}",
                o.presentation.name().to_uppercase(),
                a.seeds
            ),
            per_k(sup.iter().map(|c| c.accuracy).collect()),
        ),
        (
            "table_unsupervised.png",
            format!(
                "UNSUPERVISED NETWORK, MEAN TEST ACCURACY, SEEDS 1-{}",
                a.seeds
            ),
            per_k(unsup.iter().map(|u| u.0).collect()),
        ),
    ] {
        let f = dir.join(file);
        plot::heat_map(&rows, &cols, &values, &title, "PATTERNS", "OVERLAP", &f)?;
        plots.push(f.display().to_string());
    }
    if a.common.json {
        let unsup: Vec<_> =
            a.ks.iter()
                .flat_map(|&k| a.overlaps.iter().map(move |&f| (k, f)))
                .zip(&unsup)
                .map(|((k, f), u)| {
                    json!({"patterns": k, "overlap": f, "seeds": a.seeds, "accuracy": u.0,
                       "detection": u.1, "false_positive_rate": u.2, "perfect": u.3})
                })
                .collect();
        let j = json!({"params": p, "one_shot": o, "seeds": a.seeds, "supervised": sup,
                       "unsupervised": unsup, "plots": plots, "seconds": secs});
        return emit(&format!("{j}\n"));
    }
    let mut out = String::new();
    outln!(
        out,
        "K x overlap on seeds 1-{}: mean accuracy % (mean detection % / false-positive rate %) \
         and perfect seeds (every test sample right)",
        a.seeds
    );
    let head = |out: &mut String, title: &str| {
        outln!(out, "\n{title}");
        outp!(out, "{:>8}", "K \\ ovl");
        for f in &a.overlaps {
            outp!(out, "  {:>26}", format!("{f}"));
        }
        outln!(out);
    };
    head(
        &mut out,
        &format!(
            "supervised one-shot readout (presentation: {}, threshold {}, ltp_shift {}, \
             ltp_offset {}, normalize {}):",
            o.presentation.name(),
            o.threshold,
            o.ltp_shift,
            o.ltp_offset,
            o.normalize_target
        ),
    );
    let mut n = 0;
    for &k in &a.ks {
        outp!(out, "{k:>8}");
        for _ in &a.overlaps {
            let c = &sup[n];
            let fp = c.false_positives as f64 / (c.seeds * p.test).max(1) as f64;
            outp!(
                out,
                "  {:>26}",
                format!(
                    "{:.1} ({:.1}/{:.1}) {}/{}",
                    c.accuracy * 100.0,
                    c.detection * 100.0,
                    fp * 100.0,
                    c.perfect,
                    c.seeds
                )
            );
            n += 1;
        }
        outln!(out);
    }
    head(
        &mut out,
        "unsupervised network (`learn patterns`, labelling), same seeds:",
    );
    let mut n = 0;
    for &k in &a.ks {
        outp!(out, "{k:>8}");
        for _ in &a.overlaps {
            let u = &unsup[n];
            outp!(
                out,
                "  {:>26}",
                format!(
                    "{:.1} ({:.1}/{:.1}) {}/{}",
                    u.0 * 100.0,
                    u.1 * 100.0,
                    u.2 * 100.0,
                    u.3,
                    a.seeds
                )
            );
            n += 1;
        }
        outln!(out);
    }
    outln!(
        out,
        "\nconfusions of the supervised readout (pattern samples taken for another pattern), \
         summed over the seeds:"
    );
    let mut n = 0;
    for &k in &a.ks {
        outp!(out, "{k:>8}");
        for _ in &a.overlaps {
            outp!(out, "  {:>26}", sup[n].confusions);
            n += 1;
        }
        outln!(out);
    }
    outln!(out, "\nplots: {}", plots.join(", "));
    outln!(out, "{secs:.1} s");
    emit(&out)
}

/// `learn patterns --supervised --hardware`: the one-shot experiment of `--seed`, shortened
/// (`PatternsParams::shortened`), on the generated Verilog of the readout in lockstep with the
/// golden model: the teacher goes through the teacher stream, teach mode and learning are
/// turned off through the host port, and every tick is compared.
fn one_shot_hardware(a: &PatternsArgs) -> CmdResult {
    use golden::learn::patterns::run_one_shot_on;
    if a.sweep {
        return Err("--sweep runs in the golden model only: leave out --hardware".into());
    }
    let p = pattern_params(a, None)?;
    p.validate().map_err(|e| e.to_string())?;
    let o = one_shot_params(a);
    let cfg = o.config(&p).map_err(|e| e.to_string())?;
    let (r, rep) = on_hardware(&cfg, Target::Generic, None, |chip| {
        run_one_shot_on(&p, &o, chip)
    })?;
    let r = r.map_err(|e| e.to_string())?;
    if a.common.json {
        let j = json!({"params": p, "one_shot": o, "seed": p.seed, "result": r,
            "hardware": hardware_json(&rep)});
        emit(&format!("{j}\n"))?;
        return hardware_verdict(&rep);
    }
    let mut out = String::new();
    outln!(
        out,
        "supervised one-shot on the hardware, seed {}: {} patterns of {} channels, one taught \
         presentation ({}) of {} ticks each (teacher {} Hz), {} test samples per class",
        p.seed,
        p.patterns,
        p.active,
        o.presentation.name(),
        p.ticks,
        o.teach_rate,
        p.test
    );
    let det: Vec<String> = r.detected.iter().map(|&d| pct(d)).collect();
    outln!(
        out,
        "detected per pattern {}, false positives {}, confusions {}",
        det.join(" "),
        r.false_positives,
        r.confusions
    );
    out.push_str(&hardware_text(&cfg, &rep));
    emit(&out)?;
    hardware_verdict(&rep)
}

/// With `--config`, a size option may be left out or must equal the config's.
fn given_matches(
    flag: &str,
    given: Option<usize>,
    key: &str,
    config: usize,
) -> Result<usize, String> {
    match given {
        Some(v) if v != config => Err(format!(
            "{flag} {v} conflicts with the config's {key} = {config} (leave {flag} out with --config)"
        )),
        _ => Ok(config),
    }
}

/// The `--config` network and its TOML text, if given.
fn user_network(common: &Common) -> Result<Option<(Config, String)>, String> {
    let Some(path) = &common.config else {
        return Ok(None);
    };
    let layers = load_network_config(path)?.layer_count();
    if layers > 1 {
        return Err(format!(
            "{}: a network of {layers} layers: `learn patterns` and `learn digits` train one layer \
             (its neurons are labelled by their responses), in the golden model and with \
             --hardware; `learn digits --rules supervised` trains the built-in two-layer network \
             (hidden layer + taught readout), on the generated chain top with --hardware",
            path.display()
        ));
    }
    let cfg = load_config(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some((cfg, text)))
}

/// `--save DIR`: write the trained network, read it back (it must load and start from the
/// learned weights and theta), and say where it is.
fn save_trained(
    dir: &Path,
    source: &str,
    cfg: &Config,
    weights: &ndarray::Array2<i32>,
    theta: &[i64],
    header: &str,
) -> Result<Vec<String>, String> {
    let files = golden::learn::save::trained_files(source, cfg, weights, theta, header)
        .map_err(|e| e.to_string())?;
    let paths = write_files(dir, &files)?;
    let saved = load_config(&dir.join(&files[0].0))
        .map_err(|e| format!("the saved network does not load back: {e}"))?;
    if saved.initial_weights() != weights
        || (saved.lif().is_some_and(|l| l.theta_plus > 0) && saved.initial_theta() != theta)
    {
        return Err(format!(
            "{}: the saved network does not start from the learned weights and theta",
            paths[0]
        ));
    }
    Ok(paths)
}

/// The report lines of a saved network.
fn saved_text(paths: &[String]) -> String {
    format!(
        "saved the trained network: {} (weights {}{}); deploy it with `neurogen generate {} -o DIR` \
         or `neurogen board generate {} --board icebreaker -o DIR`",
        paths[0],
        paths[1],
        paths
            .iter()
            .find(|t| t.ends_with("_theta.csv"))
            .map_or(String::new(), |t| format!(", theta {t}")),
        paths[0],
        paths[0]
    )
}

fn pattern_label(k: usize) -> impl Fn(Option<usize>) -> String {
    move |l| match l {
        Some(i) if i < k => format!("P{i}"),
        Some(_) => "NOISE".into(),
        None => "-".into(),
    }
}

fn learn_patterns(a: PatternsArgs) -> CmdResult {
    if a.supervised {
        return learn_one_shot(a);
    }
    if a.table {
        return Err("--table belongs to --supervised (the unsupervised table is --sweep)".into());
    }
    let user = user_network(&a.common)?;
    let p = pattern_params(&a, user.as_ref().map(|(c, _)| c))?;
    p.validate().map_err(|e| match &a.common.config {
        Some(path) => format!("{}: {e}", path.display()),
        None => e.to_string(),
    })?;
    if a.sweep && a.common.hardware {
        return Err("--sweep runs in the golden model only: leave out --hardware".into());
    }
    if a.sweep {
        for &k in &a.ks {
            for &o in &a.overlaps {
                let q = PatternsParams {
                    patterns: k,
                    overlap: o,
                    raster_samples: 0,
                    ..p.clone()
                };
                q.validate()
                    .map_err(|e| format!("--sweep, K = {k}, overlap = {o}: {e}"))?;
            }
        }
    }
    let dir = out_dir(&a.common, "patterns");
    let mut bar = Bar::new();
    let t0 = Instant::now();
    let (r, hw) = if a.common.hardware {
        let cfg = p.config().map_err(|e| e.to_string())?;
        let (r, rep) = on_hardware(&cfg, Target::Generic, None, |chip| {
            patterns::run_on(&p, chip, &mut |pr| bar.update(pr))
        })?;
        (r.map_err(|e| e.to_string())?, Some((cfg, rep)))
    } else {
        let r = patterns::run(&p, &mut |pr| bar.update(pr)).map_err(|e| e.to_string())?;
        (r, None)
    };
    let table = if a.sweep {
        Some(
            patterns::sweep(&p, &a.ks, &a.overlaps, &mut |pr| bar.update(pr))
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    bar.finish();
    let secs = t0.elapsed().as_secs_f64();
    let sweep = table.as_deref().map(|t| (t, &a.ks[..], &a.overlaps[..]));
    let plots = pattern_plots(&r, sweep, &dir)?;
    let saved = match &a.common.save {
        None => None,
        Some(save) => {
            let cfg = p.config().map_err(|e| e.to_string())?;
            let source = user
                .as_ref()
                .map_or_else(|| p.builtin_toml(), |(_, t)| t.clone());
            let header = format!(
                "trained by `neurogen learn patterns` (seed {}, {} epochs, test accuracy {}): the \
                 network `{}` starting from the learned weights and theta",
                p.seed,
                p.epochs,
                pct(r.accuracy),
                cfg.name
            );
            Some(save_trained(
                save, &source, &cfg, &r.weights, &r.theta, &header,
            )?)
        }
    };
    if a.common.json {
        let mut o = json!({
            "accuracy": r.accuracy,
            "detection": r.detection,
            "false_positive_rate": r.false_positive_rate,
            "confusions": r.confusions,
            "misses": r.misses,
            "per_pattern": r.per_pattern,
            "per_epoch": r.epochs,
            "params": r.params,
            "seconds": secs,
            "plots": plots,
        });
        if let Some(t) = &table {
            o["sweep"] = json!(t);
        }
        if let Some((_, rep)) = &hw {
            o["hardware"] = hardware_json(rep);
        }
        if let Some(paths) = &saved {
            o["saved"] = json!(paths);
        }
        emit(&format!("{o}\n"))?;
        return hw.map_or(Ok(()), |(_, rep)| hardware_verdict(&rep));
    }
    let mut out = pattern_report(&r);
    if let Some(t) = &table {
        sweep_table(&mut out, t, &a.ks, &a.overlaps);
    }
    if let Some((cfg, rep)) = &hw {
        outln!(out);
        out.push_str(&hardware_text(cfg, rep));
    }
    outln!(out, "\n{:.1} s; plots: {}", secs, plots.join(", "));
    if let Some(paths) = &saved {
        outln!(out, "{}", saved_text(paths));
    }
    emit(&out)?;
    hw.map_or(Ok(()), |(_, rep)| hardware_verdict(&rep))
}

/// The report of a pattern run: the experiment, the per-pattern table, the accuracy.
pub(crate) fn pattern_report(r: &PatternsResult) -> String {
    let p = &r.params;
    let mut out = String::new();
    outln!(
        out,
        "patterns: K = {} patterns of {} of {} channels, overlap {} ({} shared), p_on {}, \
         p_noise {}, drop {}",
        p.patterns,
        p.active,
        p.inputs,
        p.overlap,
        p.shared(),
        p.p_on,
        p.p_noise,
        p.drop
    );
    let net = match &p.network {
        Some(c) => format!(
            "the config's network `{}` ({} neurons)",
            c.name,
            c.neurons()
        ),
        None => format!(
            "{} neurons, 8-bit weights, STDP + inhibition + adaptive threshold + scaling",
            p.neurons
        ),
    };
    outln!(
        out,
        "network: {net}; {} epochs of {} samples per pattern (+ as many noise-only), seed {}",
        p.epochs,
        p.train,
        p.seed
    );
    outln!(
        out,
        "held-out test: {} noisy samples per pattern + {} noise-only",
        p.test,
        p.test
    );
    outln!(
        out,
        "\npattern  neurons  detected  false positives  confused  channels"
    );
    for s in &r.per_pattern {
        let ch: Vec<String> = s.channels.iter().map(u32::to_string).collect();
        outln!(
            out,
            "P{:<7} {:>7}  {:>8}  {:>15}  {:>8}  {}",
            s.pattern,
            s.neurons,
            pct(s.detected),
            s.false_positives,
            s.confused,
            ch.join(" ")
        );
    }
    outln!(
        out,
        "\nnoise-only samples taken for a pattern: {}; pattern samples missed: {}, taken for \
         another pattern: {}",
        pct(r.false_positive_rate),
        r.misses,
        r.confusions
    );
    outln!(
        out,
        "accuracy: {} (all test samples, noise-only included); mean detection {}",
        pct(r.accuracy),
        pct(r.detection)
    );
    out
}

/// Append the K x overlap table.
fn sweep_table(out: &mut String, t: &[SweepCell], ks: &[usize], overlaps: &[f64]) {
    outln!(
        out,
        "\naccuracy (detection / false-positive rate) against K and overlap:"
    );
    outp!(out, "{:>8}", "K \\ ovl");
    for o in overlaps {
        outp!(out, "  {:>19}", format!("{o}"));
    }
    outln!(out);
    for &k in ks {
        outp!(out, "{k:>8}");
        for &o in overlaps {
            let c = t
                .iter()
                .find(|c| c.patterns == k && c.overlap == o)
                .expect("every cell was run");
            outp!(
                out,
                "  {:>19}",
                format!(
                    "{:.1} ({:.0}/{:.0})",
                    c.accuracy * 100.0,
                    c.detection * 100.0,
                    c.false_positive_rate * 100.0
                )
            );
        }
        outln!(out);
    }
}

/// The plots of a pattern run (and of its K x overlap table), in `dir`; their paths.
pub(crate) fn pattern_plots(
    r: &PatternsResult,
    sweep: Option<(&[SweepCell], &[usize], &[f64])>,
    dir: &Path,
) -> Result<Vec<String>, String> {
    let p = &r.params;
    let name = pattern_label(p.patterns);
    let side = (p.inputs as f64).sqrt().ceil() as usize;
    let mut out = Vec::new();
    let f = dir.join("receptive_fields.png");
    plot::receptive_fields(
        &r.weights,
        side,
        &r.neuron_labels,
        &name,
        &format!(
            "LEARNED WEIGHTS, {} NEURONS ({}X{} INPUTS), K={} OVERLAP {}",
            p.neurons, side, side, p.patterns, p.overlap
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("raster.png");
    plot::raster(
        &r.raster,
        &name,
        &format!(
            "SPIKE RASTER, FIRST {} TEST SAMPLES (LEARNING OFF)",
            r.raster.sample_starts.len()
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("accuracy.png");
    plot::accuracy_curves(
        &[
            (
                "accuracy".into(),
                r.epochs.iter().map(|e| e.accuracy).collect(),
            ),
            (
                "detection".into(),
                r.epochs.iter().map(|e| e.detection).collect(),
            ),
            (
                "noise rejected".into(),
                r.epochs
                    .iter()
                    .map(|e| 1.0 - e.false_positive_rate)
                    .collect(),
            ),
        ],
        "PATTERNS: TEST FIGURES PER EPOCH",
        &f,
    )?;
    out.push(f.display().to_string());
    if let Some((t, ks, overlaps)) = sweep {
        let f = dir.join("sweep.png");
        let rows: Vec<String> = ks.iter().map(|k| format!("K={k}")).collect();
        let cols: Vec<String> = overlaps.iter().map(|o| format!("{o}")).collect();
        let values: Vec<Vec<f64>> = ks
            .iter()
            .map(|&k| {
                overlaps
                    .iter()
                    .map(|&o| {
                        t.iter()
                            .find(|c| c.patterns == k && c.overlap == o)
                            .map_or(0.0, |c| c.accuracy)
                    })
                    .collect()
            })
            .collect();
        plot::heat_map(
            &rows,
            &cols,
            &values,
            "PATTERN TEST ACCURACY",
            "PATTERNS",
            "OVERLAP",
            &f,
        )?;
        out.push(f.display().to_string());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// digits

fn digits_params(
    a: &DigitsArgs,
    rules: RuleSet,
    network: Option<&Config>,
) -> Result<DigitsParams, String> {
    let d = DigitsParams::for_rules(rules);
    let d = if a.common.hardware { d.shortened() } else { d };
    let seed = a.common.seed;
    let neurons = match network {
        None => a.common.neurons.unwrap_or(d.neurons),
        Some(c) => {
            if c.array.inputs as usize != digits::PIXELS {
                return Err(format!(
                    "the config `{}` has array.inputs = {}, but the digits are {} pixels (8x8), one \
                     input each: set array.inputs = {}",
                    c.name,
                    c.array.inputs,
                    digits::PIXELS,
                    digits::PIXELS
                ));
            }
            given_matches("--neurons", a.common.neurons, "array.neurons", c.neurons())?
        }
    };
    let mut p = DigitsParams {
        neurons,
        train: a.train.unwrap_or(d.train),
        test: a.test.unwrap_or(d.test),
        epochs: a.common.epochs.unwrap_or(d.epochs),
        seed,
        net: golden::learn::NetParams {
            weight_seed: seed,
            ..d.net.clone()
        },
        learn_spikes: a.learn_spikes.clone().unwrap_or_default(),
        network: network.cloned(),
        ..d
    };
    p.raster_images = p.raster_images.min(p.test);
    Ok(p)
}

fn learn_digits(a: DigitsArgs) -> CmdResult {
    let data = match &a.data {
        Some(path) => Dataset::from_file(path),
        None => Dataset::from_bytes(DIGITS_GZ),
    }
    .map_err(|e| e.to_string())?;
    if a.rules == Some(Rules::Supervised) {
        return learn_digits_supervised(a, &data);
    }
    if a.sweep
        || a.readout_epochs.is_some()
        || a.hidden != HiddenKind::Trained
        || a.threads.is_some()
        || a.sweep_hidden_epochs.is_some()
        || a.sweep_learn_spikes.is_some()
    {
        return Err(
            "--sweep, --sweep-hidden-epochs, --sweep-learn-spikes, --readout-epochs, --hidden and \
             --threads belong to --rules supervised"
                .into(),
        );
    }
    let user = user_network(&a.common)?;
    if user.is_some() && a.rules.is_some() {
        return Err(
            "--rules switches features of the built-in network; with --config the network is \
             yours (switch features in its [stdp] section)"
                .into(),
        );
    }
    let rules = a.rules.unwrap_or(if a.common.hardware || user.is_some() {
        Rules::Full
    } else {
        Rules::All
    });
    let sets: Vec<RuleSet> = match rules {
        Rules::All => RuleSet::ALL.to_vec(),
        Rules::Fixed => vec![RuleSet::Fixed],
        Rules::Pair => vec![RuleSet::Pair],
        Rules::PairOffset => vec![RuleSet::PairOffset],
        Rules::Full => vec![RuleSet::Full],
        Rules::Supervised => unreachable!("handled above"),
    };
    let params = sets
        .iter()
        .map(|&r| digits_params(&a, r, user.as_ref().map(|(c, _)| c)))
        .collect::<Result<Vec<DigitsParams>, String>>()?;
    for p in &params {
        p.validate(data.len()).map_err(|e| match &a.common.config {
            Some(path) => format!("{}: {e}", path.display()),
            None => e.to_string(),
        })?;
    }
    let dir = out_dir(&a.common, "digits");
    let mut bar = Bar::new();
    let t0 = Instant::now();
    let mut results = Vec::new();
    let mut hws = Vec::new();
    for p in &params {
        let name = p.rules.name();
        let mut tagged = |pr: Progress| {
            let s = format!("{name}: {}", pr.stage);
            bar.update(Progress { stage: &s, ..pr })
        };
        let r = if a.common.hardware {
            let cfg = p.config().map_err(|e| e.to_string())?;
            let (r, rep) = on_hardware(&cfg, Target::Generic, None, |chip| {
                digits::run_on(&data, p, chip, &mut tagged)
            })?;
            hws.push((cfg, rep));
            r
        } else {
            digits::run(&data, p, &mut tagged)
        };
        results.push(r.map_err(|e| e.to_string())?);
    }
    bar.finish();
    let secs = t0.elapsed().as_secs_f64();
    let main = results.last().expect("at least one rule set");
    let plots = digit_plots(&results, &dir)?;
    let p = &main.params;
    let saved = match &a.common.save {
        None => None,
        Some(save) => {
            let cfg = p.config().map_err(|e| e.to_string())?;
            let source = user
                .as_ref()
                .map_or_else(|| p.builtin_toml(), |(_, t)| t.clone());
            let header = format!(
                "trained by `neurogen learn digits` ({} rule set, seed {}, {} epochs, test \
                 accuracy {}): the network `{}` starting from the learned weights and theta",
                p.rules.name(),
                p.seed,
                p.epochs,
                pct(main.accuracy),
                cfg.name
            );
            Some(save_trained(
                save,
                &source,
                &cfg,
                &main.weights,
                &main.theta,
                &header,
            )?)
        }
    };
    if a.common.json {
        let sets: Vec<_> = results
            .iter()
            .map(|r| {
                json!({
                    "rules": r.params.rules,
                    "description": r.params.rules.description(),
                    "accuracy": r.accuracy,
                    "per_epoch": r.epochs,
                    "unanswered": r.unanswered,
                    "params": r.params,
                })
            })
            .collect();
        let mut o = json!({
            "accuracy": main.accuracy,
            "rules": p.rules,
            "neurons": p.neurons,
            "weight_bits": 8,
            "train": p.train,
            "test": p.test,
            "epochs": p.epochs,
            "seed": p.seed,
            "per_epoch": main.epochs.iter().map(|e| e.accuracy).collect::<Vec<_>>(),
            "confusion": main.confusion,
            "rule_sets": sets,
            "seconds": secs,
            "plots": plots,
        });
        if a.common.hardware {
            o["hardware"] = hws.iter().map(|(_, rep)| hardware_json(rep)).collect();
        }
        if let Some(paths) = &saved {
            o["saved"] = json!(paths);
        }
        emit(&format!("{o}\n"))?;
        return hws.iter().try_for_each(|(_, rep)| hardware_verdict(rep));
    }
    let mut out = String::new();
    outln!(
        out,
        "digits: {} images of 8x8 (UCI optical digits, CC BY 4.0), seeded split {} train / {} \
         test (seed {})",
        data.len(),
        p.train,
        p.test,
        p.seed
    );
    outln!(
        out,
        "network: {}, 64 rate-coded inputs; training epochs: {}; labels from responses on the \
         training images, learning off",
        match &p.network {
            Some(c) => format!("the config's network `{}` ({} neurons)", c.name, p.neurons),
            None => format!("{} neurons, 8-bit weights", p.neurons),
        },
        p.epochs
    );
    outln!(
        out,
        "\n{:<12} {:<56} {:>8}  per epoch",
        "rule set",
        "features",
        "test"
    );
    for r in &results {
        let per: Vec<String> = r
            .epochs
            .iter()
            .map(|e| format!("{:.1}", e.accuracy * 100.0))
            .collect();
        let (name, description) = match &r.params.network {
            Some(c) => (
                "config".to_string(),
                format!("the network `{}` of --config", c.name),
            ),
            None => (
                r.params.rules.name().to_string(),
                r.params.rules.description().to_string(),
            ),
        };
        outln!(
            out,
            "{:<12} {:<56} {:>8}  {}",
            name,
            description,
            pct(r.accuracy),
            per.join(" ")
        );
    }
    outln!(
        out,
        "\naccuracy: {} ({}, {} of {} test images unanswered)",
        pct(main.accuracy),
        match &p.network {
            Some(c) => format!("the network `{}`", c.name),
            None => format!("{} rule set", p.rules.name()),
        },
        main.unanswered,
        p.test
    );
    for (cfg, rep) in &hws {
        outln!(out);
        out.push_str(&hardware_text(cfg, rep));
    }
    outln!(out, "\n{:.1} s; plots: {}", secs, plots.join(", "));
    if let Some(paths) = &saved {
        outln!(out, "{}", saved_text(paths));
    }
    emit(&out)?;
    hws.iter().try_for_each(|(_, rep)| hardware_verdict(rep))
}

/// `learn digits --rules supervised`: hidden layer as `--rules full` (or a baseline front),
/// then the taught readout (and an untaught control); with --sweep the readout search on a
/// validation part.
fn learn_digits_supervised(a: DigitsArgs, data: &Dataset) -> CmdResult {
    use golden::learn::readout::{
        Front, HiddenSchedule, ReadoutParams, baseline_grid, readout_sweep, run_supervised,
        sweep_grid,
    };
    if a.common.config.is_some() {
        return Err(
            "--rules supervised runs the built-in two-layer network: leave out --config".into(),
        );
    }
    if a.sweep && a.common.hardware {
        return Err("--sweep runs in the golden model only: leave out --hardware".into());
    }
    let front = match a.hidden {
        HiddenKind::Trained => Front::Trained,
        HiddenKind::Random => Front::Random,
        HiddenKind::None => Front::Inputs,
    };
    let p = DigitsParams {
        epochs: a.common.epochs.unwrap_or(if a.common.hardware {
            // the shortened run's (DigitsParams::shortened)
            1
        } else {
            golden::learn::readout::HIDDEN_EPOCHS
        }),
        learn_spikes: match &a.learn_spikes {
            Some(list) => list.clone(),
            None => golden::learn::readout::HIDDEN_LEARN_SPIKES.to_vec(),
        },
        ..digits_params(&a, RuleSet::Full, None)?
    };
    p.validate(data.len()).map_err(|e| e.to_string())?;
    let base = ReadoutParams::for_front(front);
    let o = ReadoutParams {
        epochs: a.readout_epochs.unwrap_or(base.epochs),
        ..base
    };
    let threads = match a.threads {
        Some(0) => return Err("--threads: at least 1".into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut bar = Bar::new();
    let t0 = Instant::now();
    if a.sweep {
        if a.common.save.is_some() {
            return Err("--save saves a trained network: leave out --sweep".into());
        }
        let hidden_epochs: Vec<HiddenSchedule> =
            match (&a.sweep_learn_spikes, &a.sweep_hidden_epochs) {
                (Some(_), Some(_)) => {
                    return Err(
                        "--sweep-learn-spikes gives each schedule's epochs: leave out \
                     --sweep-hidden-epochs"
                            .into(),
                    );
                }
                (Some(list), None) => list
                    .iter()
                    .map(|text| {
                        let learn_spikes = text
                        .split(',')
                        .map(|x| x.trim().parse::<u32>())
                        .collect::<Result<Vec<u32>, _>>()
                        .map_err(|e| {
                            format!(
                                "--sweep-learn-spikes: `{text}`: {e} (a comma list of spikes per \
                                 epoch, schedules separated by `;`)"
                            )
                        })?;
                        Ok(HiddenSchedule {
                            epochs: learn_spikes.len(),
                            learn_spikes,
                        })
                    })
                    .collect::<Result<_, String>>()?,
                (None, Some(list)) => list
                    .iter()
                    .map(|&epochs| HiddenSchedule {
                        epochs,
                        learn_spikes: p.learn_spikes.clone(),
                    })
                    .collect(),
                (None, None) => vec![HiddenSchedule {
                    epochs: p.epochs,
                    learn_spikes: p.learn_spikes.clone(),
                }],
            };
        let grid = match a.sweep_readout {
            SweepReadout::Grid => match front {
                Front::Trained => sweep_grid(front, &o),
                Front::Random | Front::Inputs => baseline_grid(front, &o),
            },
            SweepReadout::Default => vec![o.clone()],
            SweepReadout::Windows => golden::learn::readout::windows_grid(&o),
        };
        let cells = readout_sweep(
            data,
            &p,
            front,
            &hidden_epochs,
            &grid,
            &a.sweep_seeds,
            a.validation,
            threads,
            &mut |pr| bar.update(pr),
        )
        .map_err(|e| e.to_string())?;
        bar.finish();
        let secs = t0.elapsed().as_secs_f64();
        let mut sorted = cells.clone();
        sorted.sort_by(|x, y| y.validation.total_cmp(&x.validation));
        if a.common.json {
            return emit(&format!(
                "{}\n",
                json!({"sweep": cells, "hidden": front, "seeds": a.sweep_seeds,
                       "validation": a.validation, "hidden_epochs": hidden_epochs,
                       "threads": threads, "seconds": secs})
            ));
        }
        let mut out = String::new();
        outln!(
            out,
            "readout search ({} front, hidden epochs {:?}): {} cells, seeds {:?}, trained on the \
             first {} training images, scored on the last {} (the test part is not used), {} \
             threads\n",
            front.name(),
            hidden_epochs.iter().map(|h| h.epochs).collect::<Vec<_>>(),
            cells.len(),
            a.sweep_seeds,
            p.train - a.validation,
            a.validation,
            threads
        );
        outln!(
            out,
            "{:>6} {:>10} {:>5} {:>4} {:>6} {:>5} {:>9} {:>6} {:>7} {:>6} {:>6} {:>5} {:>10} {:>6} \
             {:>8} {:>10} {:>10}  {}",
            "h.ep",
            "hidden inh",
            "ticks",
            "win",
            "epochs",
            "leak",
            "threshold",
            "r.inh",
            "pre_inc",
            "pre_d",
            "ltp_sh",
            "off",
            "scaling",
            "norm",
            "teach Hz",
            "validation",
            "labelling",
            "learn spikes per epoch"
        );
        for c in &sorted {
            let r = &c.params;
            outln!(
                out,
                "{:>6} {:>10} {:>5} {:>4} {:>6} {:>5} {:>9} {:>6} {:>7} {:>6} {:>6} {:>5} {:>10} \
                 {:>6} {:>8} {:>10} {:>10}  {}",
                c.hidden_epochs,
                r.hidden_inhibition.map_or(
                    match front {
                        Front::Trained => "trained",
                        Front::Random => "own",
                        Front::Inputs => "-",
                    }
                    .to_string(),
                    |i| i.to_string()
                ),
                r.ticks,
                r.windows,
                r.epochs,
                r.leak_shift,
                r.threshold,
                r.inhibition,
                r.pre_inc,
                r.pre_decay_shift,
                r.ltp_shift,
                r.ltp_offset,
                format!("{:?}", r.scaling),
                r.normalize_target,
                r.teach_rate,
                pct(c.validation),
                pct(c.labelling),
                if c.learn_spikes.is_empty() {
                    "-".to_string()
                } else {
                    c.learn_spikes
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                }
            );
        }
        outln!(out, "\n{secs:.1} s");
        return emit(&out);
    }
    let mut hw = a.common.hardware.then(HardwareChips::default);
    let r = match &mut hw {
        Some(chips) => {
            golden::learn::readout::run_supervised_on(data, &p, &o, front, chips, &mut |pr| {
                bar.update(pr)
            })
        }
        None => run_supervised(data, &p, &o, front, threads, &mut |pr| bar.update(pr)),
    }
    .map_err(|e| e.to_string())?;
    bar.finish();
    let secs = t0.elapsed().as_secs_f64();
    let dir = out_dir(&a.common, "digits");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let f = dir.join(format!("confusion_supervised_{}.png", front.name()));
    plot::confusion_matrix(
        &r.test.confusion,
        &r.test.unanswered_by_class,
        &format!(
            "DIGITS, SUPERVISED READOUT ({} FRONT, SEED {}): TEST {:.1}%, ROWS TRUE, COLUMNS \
             PREDICTED",
            front.name().to_uppercase(),
            p.seed,
            r.test.accuracy * 100.0
        ),
        &f,
    )?;
    let mut plots = vec![f.display().to_string()];
    if let Some(h) = &r.hidden {
        // the hidden layer's own plots, as `learn digits` draws them (its labels and accuracy
        // are its unsupervised labelling run's)
        plots.extend(digit_plots(std::slice::from_ref(h), &dir)?);
    }
    let saved = match &a.common.save {
        None => None,
        Some(dir) => Some(save_supervised(dir, &p, &o, &r)?),
    };
    if a.common.json {
        let mut j = json!({
            "accuracy": r.test.accuracy,
            "rules": "supervised",
            "hidden_front": front,
            "unsupervised_accuracy": r.unsupervised_accuracy,
            "untaught_accuracy": r.untaught_accuracy,
            "unanswered": r.test.unanswered,
            "ties": r.test.ties,
            "confusion": r.test.confusion,
            "unanswered_by_class": r.test.unanswered_by_class,
            "teacher_spikes": r.test.teacher_spikes,
            "test_spikes": r.test.test_spikes,
            "hidden": if front == Front::Inputs { 0 } else { p.neurons },
            "train": p.train,
            "test": p.test,
            "epochs": p.epochs,
            "seed": p.seed,
            "readout": o,
            "plots": plots,
            "seconds": secs,
        });
        if let Some(paths) = &saved {
            j["saved"] = json!(paths);
        }
        if let Some(chips) = &hw {
            j["hardware"] = chips.json();
        }
        emit(&format!("{j}\n"))?;
        return hw.map_or(Ok(()), |c| c.verdict());
    }
    let mut out = String::new();
    outln!(
        out,
        "digits, supervised: {} images of 8x8, seeded split {} train / {} test (seed {})",
        data.len(),
        p.train,
        p.test,
        p.seed
    );
    let front_text = match front {
        Front::Trained => format!(
            "{} hidden (full rule set, {} unsupervised epochs, frozen)",
            p.neurons, p.epochs
        ),
        Front::Random => format!(
            "{} hidden (baseline: the fixed rule set's random weights, {} epochs of theta, \
             frozen)",
            p.neurons, p.epochs
        ),
        Front::Inputs => "no hidden layer (baseline)".to_string(),
    };
    outln!(
        out,
        "network: 64 inputs -> {front_text} -> 10 readout neurons taught by the teacher ({} Hz \
         Poisson on the label neuron, symmetric STDP, {} readout epoch(s), {} ticks per image \
         in {} window(s))",
        o.teach_rate,
        o.epochs,
        o.ticks,
        o.windows
    );
    outln!(
        out,
        "\naccuracy (readout, class = the readout neuron that fires most): {} ({} of {} test \
         images unanswered, {} of them ties)",
        pct(r.test.accuracy),
        r.test.unanswered,
        p.test,
        r.test.ties
    );
    if let Some(u) = r.unsupervised_accuracy {
        outln!(
            out,
            "same hidden layer, unsupervised with labelling: {}",
            pct(u)
        );
    }
    outln!(
        out,
        "control, readout trained with the teacher off: {}",
        pct(r.untaught_accuracy)
    );
    outln!(out, "confusion matrix: {}", plots[0]);
    if plots.len() > 1 {
        outln!(out, "the hidden layer's plots: {}", plots[1..].join(", "));
    }
    if let Some(paths) = &saved {
        outln!(
            out,
            "saved the trained two-layer network: {} (files: {}); switch learning off \
             (learning enable) to classify with it",
            paths[0],
            paths[1..].join(", ")
        );
    }
    if let Some(chips) = &hw {
        outln!(out);
        out.push_str(&chips.text());
    }
    outln!(out, "\n{secs:.1} s");
    emit(&out)?;
    hw.map_or(Ok(()), |c| c.verdict())
}

/// `--save DIR` of `learn digits --rules supervised`: one two-layer network (the hidden layer
/// as it runs under the readout, then the readout with teach mode off), starting from the
/// learned weights and theta, read back and checked.
fn save_supervised(
    dir: &Path,
    p: &DigitsParams,
    o: &golden::learn::readout::ReadoutParams,
    r: &golden::learn::readout::SupervisedResult,
) -> Result<Vec<String>, String> {
    use golden::learn::readout::Front;
    if r.front != Front::Trained {
        return Err(
            "--save saves the trained hidden layer and its readout: leave out --hidden".into(),
        );
    }
    let h = r
        .hidden
        .as_ref()
        .expect("a trained front has a hidden layer");
    let (hw, theta) = (&h.weights, &h.theta);
    let hp = DigitsParams {
        net: golden::learn::NetParams {
            inhibition: o.hidden_inhibition.unwrap_or(p.net.inhibition),
            ..p.net.clone()
        },
        ..p.clone()
    };
    let hcfg = hp.config().map_err(|e| e.to_string())?;
    let header = format!(
        "trained by `neurogen learn digits --rules supervised` (seed {}, {} hidden epochs, {} \
         readout epoch(s), test accuracy {}): 64 -> {} hidden -> 10 readout, from the \
         learned weights and theta; the class of a sample is the readout neuron that fires most",
        p.seed,
        p.epochs,
        o.epochs,
        pct(r.test.accuracy),
        p.neurons
    );
    let written = golden::learn::save::two_layer_files(
        &hp.builtin_toml(),
        &hcfg,
        hw,
        theta,
        &o.toml(hw.ncols()),
        &r.test.weights,
        &header,
    )
    .map_err(|e| e.to_string())?;
    let paths = write_files(dir, &written)?;
    let saved = load_network_config(&dir.join(&written[0].0))
        .map_err(|e| format!("the saved network does not load back: {e}"))?;
    let layers = saved.layer_configs();
    if layers.len() != 2
        || layers[0].initial_weights() != *hw
        || layers[0].initial_theta() != *theta
        || layers[1].initial_weights() != r.test.weights
    {
        return Err(format!(
            "{}: the saved network does not start from the learned weights and theta",
            paths[0]
        ));
    }
    Ok(paths)
}

fn digit_label(l: Option<usize>) -> String {
    l.map_or("-".into(), |d| d.to_string())
}

fn digit_plots(results: &[DigitsResult], dir: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for r in results {
        let name = r.params.rules.name();
        let f = dir.join(format!("receptive_fields_{name}.png"));
        plot::receptive_fields(
            &r.weights,
            8,
            &r.neuron_labels,
            &digit_label,
            &format!(
                "DIGITS, RULE SET {}: LEARNED WEIGHTS OF {} NEURONS, LABEL BELOW, TEST {:.1}%",
                name.to_uppercase(),
                r.params.neurons,
                r.accuracy * 100.0
            ),
            &f,
        )?;
        out.push(f.display().to_string());
    }
    let main = results.last().expect("at least one rule set");
    let f = dir.join("raster.png");
    plot::raster(
        &main.raster,
        &digit_label,
        &format!(
            "DIGITS ({}): SPIKES OF THE FIRST {} TEST IMAGES, COLOUR = NEURON LABEL",
            main.params.rules.name().to_uppercase(),
            main.raster.sample_starts.len()
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("accuracy.png");
    let series: Vec<(String, Vec<f64>)> = results
        .iter()
        .map(|r| {
            (
                r.params.rules.name().to_string(),
                r.epochs.iter().map(|e| e.accuracy).collect(),
            )
        })
        .collect();
    plot::accuracy_curves(&series, "DIGITS: TEST ACCURACY PER EPOCH", &f)?;
    out.push(f.display().to_string());
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// --hardware

/// Weights compared after every tick of a hardware run, besides every weight after each training
/// sample.
const WEIGHTS_PER_TICK: usize = 8;

/// Run `f` (an experiment's `run_on`) on the generated Verilog of `cfg` for `target`, in
/// lockstep with the golden model; the first `max_ticks` ticks (all when `None`) on the
/// hardware.
pub(crate) fn on_hardware<R>(
    cfg: &Config,
    target: Target,
    max_ticks: Option<usize>,
    f: impl FnOnce(&mut Lockstep<'_>) -> R,
) -> Result<(R, LockstepReport), String> {
    let opts = RunOptions {
        target,
        compare: Compare::Sample(WEIGHTS_PER_TICK),
        ..Default::default()
    };
    Ok(cosim::driver::lockstep(cfg, &opts, max_ticks, f)?)
}

/// The first difference of a hardware run, with its sample.
fn mismatch_line(rep: &LockstepReport) -> Option<String> {
    let m = rep.run.mismatch.as_ref()?;
    Some(format!(
        "{m} (in or after sample {} of the hardware run)",
        rep.mismatch_sample.unwrap_or(0)
    ))
}

/// The shape of a network: `64 inputs x 10 neurons, 2 lanes` for one layer, `64 -> 100 (4 lanes)
/// -> 10 (1 lane), layer_delay 0` for layers.
fn network_shape(cfg: &Config) -> String {
    if cfg.layer_count() == 1 {
        return format!(
            "{} inputs x {} neurons, {} lanes",
            cfg.array.inputs, cfg.array.neurons, cfg.array.lanes
        );
    }
    let layers: Vec<String> = cfg
        .layer_configs()
        .iter()
        .map(|l| {
            format!(
                "{} ({} lane{})",
                l.array.neurons,
                l.array.lanes,
                if l.array.lanes == 1 { "" } else { "s" }
            )
        })
        .collect();
    format!(
        "{} -> {}, layer_delay {}",
        cfg.array.inputs,
        layers.join(" -> "),
        cfg.network.layer_delay
    )
}

/// What a hardware run did and found: figures, what was compared, then `MATCH` or the first
/// difference.
pub(crate) fn hardware_text(cfg: &Config, rep: &LockstepReport) -> String {
    let r = &rep.run;
    let mut out = String::new();
    outln!(
        out,
        "hardware: the generated Verilog of `{}` ({}) in Verilator, in lockstep with the golden \
         model",
        cfg.name,
        network_shape(cfg)
    );
    let of = if rep.complete || r.mismatch.is_some() {
        String::new()
    } else {
        format!(
            " (the first {} of the run's {} ticks)",
            r.ticks, rep.total_ticks
        )
    };
    outln!(
        out,
        "  {} ticks{of}, {} samples, {} input events, {} synaptic events, {} output spikes",
        r.ticks,
        rep.samples,
        r.events,
        r.sops,
        r.spikes
    );
    outln!(
        out,
        "  {:.2} synaptic operations per event-phase cycle; {} clock cycles simulated (host \
         reads included) at {:.2} M cycles/s in {:.1} s; model build {:.1} s{}",
        r.sop_per_cycle(),
        r.sim_cycles,
        r.sim_cycles as f64 / r.wall_s.max(1e-9) / 1e6,
        r.wall_s,
        r.build_s,
        if r.cached { " (cached)" } else { "" }
    );
    if cfg.layer_count() == 1 {
        outln!(
            out,
            "  compared: every tick's spikes and cycle count, every neuron's v, refractory count, \
             theta and traces and {WEIGHTS_PER_TICK} random weights after each tick, every weight \
             after each training sample and at the end"
        );
    } else {
        outln!(
            out,
            "  compared: every tick's spikes of every layer, their output beat cycles and the \
             chip's cycle count (against the chain cycle model), every layer's v, refractory \
             count, theta and traces and {WEIGHTS_PER_TICK} random weights per layer after each \
             tick, every weight of every layer after each training sample and at the end; host \
             commands (clear, learning enable and teach mode per layer, theta and weight writes) \
             through the chip's Wishbone port"
        );
    }
    match mismatch_line(rep) {
        Some(m) => outln!(out, "{m}"),
        None => outln!(
            out,
            "MATCH: the hardware fired the same spikes and learned the same weights as the \
             golden model"
        ),
    }
    out
}

/// The figures of a hardware run as JSON.
pub(crate) fn hardware_json(rep: &LockstepReport) -> serde_json::Value {
    let r = &rep.run;
    json!({
        "match": r.mismatch.is_none(),
        "mismatch": mismatch_line(rep),
        "ticks": r.ticks,
        "total_ticks": rep.total_ticks,
        "samples": rep.samples,
        "events": r.events,
        "synaptic_events": r.sops,
        "spikes": r.spikes,
        "sop_per_cycle": r.sop_per_cycle(),
        "sim_cycles": r.sim_cycles,
        "sim_cycles_per_s": r.sim_cycles as f64 / r.wall_s.max(1e-9),
        "build_s": r.build_s,
    })
}

/// `Err` with the first difference, if any.
pub(crate) fn hardware_verdict(rep: &LockstepReport) -> CmdResult {
    mismatch_line(rep).map_or(Ok(()), Err)
}

/// One chip of a hardware run of several chips: its network, what it ran, its report and
/// (for layers) each layer's spikes.
struct ChipRun {
    cfg: Config,
    rep: LockstepReport,
    layer_spikes: Vec<usize>,
}

/// The chips of `learn digits --rules supervised --hardware`
/// ([`golden::learn::readout::Chips`]): each chip the experiment asks for is the generated
/// Verilog of its network in lockstep with the golden model (a one-layer network on
/// [`Lockstep`], layers on [`cosim::driver::ChainLockstep`]). After a difference the remaining
/// chips are golden models only (the first difference is the verdict).
#[derive(Default)]
struct HardwareChips {
    runs: Vec<ChipRun>,
}

impl HardwareChips {
    fn failed(&self) -> bool {
        self.runs.iter().any(|c| c.rep.run.mismatch.is_some())
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for (n, c) in self.runs.iter().enumerate() {
            if n > 0 {
                outln!(out);
            }
            outp!(out, "chip {} of {}: ", n + 1, self.runs.len());
            out.push_str(&hardware_text(&c.cfg, &c.rep));
            if c.layer_spikes.len() > 1 {
                outln!(out, "  spikes per layer: {:?}", c.layer_spikes);
            }
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        self.runs
            .iter()
            .map(|c| {
                let mut j = hardware_json(&c.rep);
                j["network"] = json!(c.cfg.name);
                j["shape"] = json!(network_shape(&c.cfg));
                j["layer_spikes"] = json!(c.layer_spikes);
                j
            })
            .collect()
    }

    fn verdict(&self) -> CmdResult {
        self.runs.iter().try_for_each(|c| hardware_verdict(&c.rep))
    }
}

fn range_error(e: impl std::fmt::Display) -> golden::Error {
    golden::Error::Range {
        message: e.to_string(),
    }
}

impl golden::learn::readout::Chips for HardwareChips {
    fn one_layer(
        &mut self,
        cfg: &Config,
        f: &mut dyn FnMut(&mut dyn golden::learn::Chip),
    ) -> golden::error::Result<()> {
        if self.failed() {
            return golden::learn::readout::GoldenChips.one_layer(cfg, f);
        }
        let ((), rep) =
            on_hardware(cfg, Target::Generic, None, |chip| f(chip)).map_err(range_error)?;
        self.runs.push(ChipRun {
            cfg: cfg.clone(),
            layer_spikes: vec![rep.run.spikes],
            rep,
        });
        Ok(())
    }

    fn network(
        &mut self,
        cfg: &Config,
        f: &mut dyn FnMut(&mut dyn golden::learn::ChainChip),
    ) -> golden::error::Result<()> {
        if self.failed() {
            return golden::learn::readout::GoldenChips.network(cfg, f);
        }
        if cfg.layer_count() == 1 {
            return self.one_layer(cfg, &mut |chip| f(&mut golden::learn::OneLayer(chip)));
        }
        let opts = RunOptions {
            target: Target::Generic,
            compare: Compare::Sample(WEIGHTS_PER_TICK),
            ..Default::default()
        };
        let ((), rep) =
            cosim::driver::chain_lockstep(cfg, &opts, None, |chip| f(chip)).map_err(range_error)?;
        self.runs.push(ChipRun {
            cfg: cfg.clone(),
            rep: rep.lockstep,
            layer_spikes: rep.layer_spikes,
        });
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// temporal (issue 17)

/// The parameters of `learn temporal` from its options (defaults: `TemporalParams::default`).
fn temporal_params(a: &TemporalArgs) -> temporal::TemporalParams {
    let d = temporal::TemporalParams::default();
    temporal::TemporalParams {
        max_delay: a.max_delay.unwrap_or(d.max_delay),
        channels: a.channels.unwrap_or(d.channels),
        gap: a.gap.unwrap_or(d.gap),
        copies: a.copies.unwrap_or(d.copies),
        neurons: a.neurons.unwrap_or(d.neurons),
        epochs: a.epochs.unwrap_or(d.epochs),
        train: a.train.unwrap_or(d.train),
        test: a.test.unwrap_or(d.test),
        jitter: a.jitter.unwrap_or(d.jitter),
        drop: a.drop.unwrap_or(d.drop),
        net: golden::learn::NetParams {
            inhibition: a.inhibition.unwrap_or(d.net.inhibition),
            theta_plus: a.theta_plus.unwrap_or(d.net.theta_plus),
            normalize_target: a.normalize_target.unwrap_or(d.net.normalize_target),
            threshold: a.threshold.unwrap_or(d.net.threshold),
            leak_shift: a.leak_shift.unwrap_or(d.net.leak_shift),
            ltp_offset: a.ltp_offset.unwrap_or(d.net.ltp_offset),
            ..d.net.clone()
        },
        ..d
    }
}

fn temporal_label(l: Option<usize>) -> String {
    l.map_or("-".into(), |k| format!("P{k}"))
}

/// `learn temporal`: every K of `--ks`, seeds 1..=`--seeds`, with delays and without (D = 0);
/// or the parameter search (`--sweep`).
fn learn_temporal(a: TemporalArgs) -> CmdResult {
    let base = temporal_params(&a);
    if a.seeds == 0 || a.ks.is_empty() {
        return Err("temporal: --seeds and --ks need at least one value".into());
    }
    for &k in &a.ks {
        for d in [base.max_delay, 0] {
            temporal::TemporalParams {
                patterns: k,
                max_delay: d,
                ..base.clone()
            }
            .validate()
            .map_err(|e| format!("K = {k}, max_delay = {d}: {e}"))?;
        }
    }
    let t0 = Instant::now();
    if a.sweep {
        return temporal_sweep(&a, &base, t0);
    }
    let dir = a
        .output
        .clone()
        .unwrap_or_else(|| Path::new("build").join("learn").join("temporal"));
    let mut bar = Bar::new();
    // (K, D) -> the runs of seeds 1..=N
    let mut table: Vec<(usize, u32, Vec<temporal::TemporalResult>)> = Vec::new();
    let total = a.ks.len() * 2 * a.seeds as usize;
    let mut n = 0;
    for &k in &a.ks {
        for d in [base.max_delay, 0] {
            let mut runs = Vec::new();
            for seed in 1..=a.seeds {
                let p = temporal::TemporalParams {
                    patterns: k,
                    max_delay: d,
                    seed,
                    ..base.clone()
                };
                let stage = format!("K={k} D={d} seed {seed}");
                runs.push(
                    temporal::run(&p, &mut |done, all| {
                        bar.update(Progress {
                            stage: &stage,
                            done: n * all + done,
                            total: total * all,
                        })
                    })
                    .map_err(|e| e.to_string())?,
                );
                n += 1;
            }
            table.push((k, d, runs));
        }
    }
    bar.finish();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut plots = Vec::new();
    for (k, d, runs) in &table {
        if *k != *a.ks.last().expect("ks") {
            continue;
        }
        let r = &runs[0];
        let f = dir.join(format!("raster_k{k}_d{d}.png"));
        plot::raster(
            &r.raster,
            &temporal_label,
            &format!(
                "TEMPORAL PATTERNS K={k}, MAX_DELAY={d}, SEED 1: FIRST {} TEST SAMPLES (LEARNING OFF)",
                r.raster.sample_starts.len()
            ),
            &f,
        )?;
        plots.push(f.display().to_string());
    }
    let f = dir.join("detection.png");
    let rows: Vec<String> = a.ks.iter().map(|k| format!("K={k}")).collect();
    let cols = vec![format!("D={}", base.max_delay), "D=0".to_string()];
    let mean = |runs: &[temporal::TemporalResult]| {
        runs.iter().map(|r| r.detection).sum::<f64>() / runs.len() as f64
    };
    let values: Vec<Vec<f64>> =
        a.ks.iter()
            .map(|&k| {
                table
                    .iter()
                    .filter(|(kk, _, _)| *kk == k)
                    .map(|(_, _, runs)| mean(runs))
                    .collect()
            })
            .collect();
    plot::heat_map(
        &rows,
        &cols,
        &values,
        "TEMPORAL PATTERNS: HELD-OUT DETECTION, MEAN OF SEEDS",
        "PATTERNS",
        "DELAYS",
        &f,
    )?;
    plots.push(f.display().to_string());
    let secs = t0.elapsed().as_secs_f64();
    if a.json {
        let rows: Vec<_> = table
            .iter()
            .map(|(k, d, runs)| {
                json!({
                    "patterns": k,
                    "max_delay": d,
                    "detection": mean(runs),
                    "per_seed": runs.iter().map(|r| r.detection).collect::<Vec<_>>(),
                    "validation": runs.iter().map(|r| r.validation).sum::<f64>() / runs.len() as f64,
                    "spikes_per_sample": runs.iter().map(|r| r.spikes_per_sample).sum::<f64>() / runs.len() as f64,
                    "silent": runs.iter().map(|r| r.silent).sum::<usize>(),
                })
            })
            .collect();
        let o = json!({
            "experiment": "temporal",
            "runs": rows,
            "params": base,
            "seeds": a.seeds,
            "seconds": secs,
            "plots": plots,
        });
        return emit(&format!("{o}\n"));
    }
    let mut out = String::new();
    let p = &base;
    outln!(
        out,
        "temporal: {} channels firing once each, {} ticks apart, in K orders (P0 forward, P1 \
         reverse, then seeded permutations); each channel drives {} rows; jitter {}, drop {}, \
         p_noise {}",
        p.channels,
        p.gap,
        p.copies,
        p.jitter,
        p.drop,
        p.p_noise
    );
    outln!(
        out,
        "network: {} neurons, {} input rows, threshold {}, leak_shift {}, inhibition {}, STDP \
         (ltp_offset {}); {} epochs of {} samples per pattern; {} ticks per sample",
        p.neurons,
        p.inputs(),
        p.net.threshold,
        p.net.leak_shift,
        p.net.inhibition,
        p.net.ltp_offset,
        p.epochs,
        p.train,
        p.ticks()
    );
    outln!(
        out,
        "held-out test: {} samples per pattern; chance = 1/K\n",
        p.test
    );
    outln!(
        out,
        "K  max_delay  detection (mean of seeds 1..={})  per seed                     spikes/sample  silent",
        a.seeds
    );
    for (k, d, runs) in &table {
        let per: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.0}", r.detection * 100.0))
            .collect();
        outln!(
            out,
            "{:<2} {:>9}  {:>33}  {:<28} {:>13.1}  {:>6}",
            k,
            d,
            pct(mean(runs)),
            per.join(" "),
            runs.iter().map(|r| r.spikes_per_sample).sum::<f64>() / runs.len() as f64,
            runs.iter().map(|r| r.silent).sum::<usize>()
        );
    }
    outln!(out, "\n{:.1} s; plots: {}", secs, plots.join(", "));
    emit(&out)
}

/// `learn temporal --sweep`: the grid of `temporal::SweepGrid::default()`, with and without
/// delays, scored on the validation samples.
fn temporal_sweep(a: &TemporalArgs, base: &temporal::TemporalParams, t0: Instant) -> CmdResult {
    let grid = temporal::SweepGrid::default();
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut all = Vec::new();
    for d in [base.max_delay, 0] {
        let p = temporal::TemporalParams {
            max_delay: d,
            ..base.clone()
        };
        let on = std::io::stderr().is_terminal();
        let pts = temporal::sweep(&p, &grid, &a.ks, a.seeds, threads, &|n, t| {
            if on {
                eprint!("\r\x1b[2Ksweep D={d}: {n}/{t} points");
            }
        })
        .map_err(|e| e.to_string())?;
        if on {
            eprintln!();
        }
        all.push((d, pts));
    }
    let secs = t0.elapsed().as_secs_f64();
    if a.json {
        let o = json!({
            "experiment": "temporal sweep",
            "grid": grid,
            "ks": a.ks,
            "seeds": a.seeds,
            "results": all.iter().map(|(d, pts)| json!({"max_delay": d, "points": pts})).collect::<Vec<_>>(),
            "seconds": secs,
        });
        return emit(&format!("{o}\n"));
    }
    let mut out = String::new();
    outln!(
        out,
        "temporal --sweep: mean VALIDATION detection over seeds 1..={} (the test samples are not \
         used); threads {threads}",
        a.seeds
    );
    for (d, pts) in &all {
        let ks: Vec<String> = a.ks.iter().map(|k| format!("K={k:<5}")).collect();
        outln!(
            out,
            "\nmax_delay = {d}\nthreshold  leak_shift  ltp_offset  copies  {}",
            ks.join("  ")
        );
        let mut sorted: Vec<&temporal::SweepPoint> = pts.iter().collect();
        sorted.sort_by(|x, y| {
            let m = |p: &temporal::SweepPoint| p.validation.iter().sum::<f64>();
            m(y).total_cmp(&m(x))
        });
        for pt in sorted {
            let v: Vec<String> = pt
                .validation
                .iter()
                .map(|&v| format!("{:>7}", pct(v)))
                .collect();
            outln!(
                out,
                "{:>9}  {:>10}  {:>10}  {:>6}  {}",
                pt.threshold,
                pt.leak_shift,
                pt.ltp_offset,
                pt.copies,
                v.join("  ")
            );
        }
    }
    outln!(out, "\n{secs:.1} s");
    emit(&out)
}
