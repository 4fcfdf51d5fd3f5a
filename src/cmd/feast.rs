//! `learn feast-edges|feast-digits`: the FEAST experiments of `golden::learn::feast`, a report
//! (or one JSON object with `--json`) and PNG plots.
//!
//! Key decision: as for `learn patterns|digits`, the experiments are pure computations in the
//! golden crate and every default lives there (`EdgesParams::default`,
//! `FeastDigitsParams::default`); this command parses, runs seeds, prints and plots.

use super::CmdResult;
use crate::cli::{FeastCommon, FeastDigitsArgs, FeastEdgesArgs};
use crate::plot;
use golden::feast::{FeastConfig, event_cycles};
use golden::learn::digits::Dataset;
use golden::learn::feast::{
    CurvePoint, EdgesParams, EdgesResult, FeastDigitsParams, FeastDigitsResult, Knobs, run_digits,
    run_edges,
};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn out_dir(c: &FeastCommon, name: &str) -> PathBuf {
    c.output
        .clone()
        .unwrap_or_else(|| Path::new("build").join("learn").join(name))
}

/// The built-in layer's knobs with the command's overrides.
fn knobs(c: &FeastCommon, mut k: Knobs) -> Result<Knobs, String> {
    if let Some(n) = c.neurons {
        if n == 0 {
            return Err("--neurons: at least 1".into());
        }
        k.neurons = n;
    }
    if let Some(n) = c.norm {
        k.norm = n.key().into();
    }
    if let Some(s) = c.norm_shift {
        k.norm_shift = s;
        k.weight_bits = s.clamp(1, 16);
        k.init_hi = (1 << k.weight_bits) - 1;
    }
    if let Some(s) = c.eta_shift {
        k.eta_shift = s;
    }
    Ok(k)
}

/// The user's FEAST layer (`--config`), when given; the built-in layer's knob options do not
/// apply to it.
fn user_layer(c: &FeastCommon) -> Result<Option<FeastConfig>, String> {
    let Some(path) = &c.config else {
        return Ok(None);
    };
    if c.neurons.is_some() || c.norm.is_some() || c.norm_shift.is_some() || c.eta_shift.is_some() {
        return Err(
            "--neurons, --norm, --norm-shift and --eta-shift set the built-in layer: with \
             --config, set them in the file"
                .into(),
        );
    }
    FeastConfig::from_file(path)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn planned(cfg: &FeastConfig) -> String {
    let c = event_cycles(cfg);
    format!(
        "hardware (docs/model.md, FEAST hardware; the cycle model): {} lanes: {} cycles per missed \
         event, {} per won event with learning",
        cfg.base.array.lanes, c.missed, c.won
    )
}

fn curve_plots(
    curve: &[CurvePoint],
    x_label: &str,
    dir: &Path,
    name: &str,
) -> Result<Vec<PathBuf>, String> {
    let xs: Vec<f64> = curve.iter().map(|p| p.done as f64).collect();
    let neurons = curve.first().map_or(0, |p| p.thresholds.len());
    let thr: Vec<(String, Vec<f64>)> = (0..neurons)
        .map(|i| {
            (
                format!("n{i}"),
                curve.iter().map(|p| p.thresholds[i]).collect(),
            )
        })
        .collect();
    let t = dir.join(format!("{name}_thresholds.png"));
    plot::line_series(
        &xs,
        &thr,
        false,
        None,
        (x_label, "threshold (1.0 = match of 1)"),
        &format!("{name}: thresholds of every neuron (integer layer)"),
        &t,
    )?;
    let miss = vec![
        (
            "integer layer".to_string(),
            curve.iter().map(|p| p.missed).collect(),
        ),
        (
            "float reference".to_string(),
            curve.iter().map(|p| p.float_missed).collect(),
        ),
    ];
    let m = dir.join(format!("{name}_missed.png"));
    plot::line_series(
        &xs,
        &miss,
        true,
        None,
        (x_label, "missed events / matched events"),
        &format!("{name}: missed-event rate per interval"),
        &m,
    )?;
    Ok(vec![t, m])
}

/// `learn feast-edges`.
pub fn edges(a: FeastEdgesArgs) -> CmdResult {
    let d = EdgesParams::default();
    if a.seeds == 0 || a.seeds > 100 {
        return Err("--seeds: allowed 1..=100".into());
    }
    let mut p0 = EdgesParams {
        blocks: a.blocks.unwrap_or(d.blocks),
        directions: a.directions.unwrap_or(d.directions),
        knobs: knobs(&a.common, d.knobs.clone())?,
        ..d
    };
    p0.samples = p0.samples.min(p0.blocks);
    let user = user_layer(&a.common)?;
    let mut results: Vec<EdgesResult> = Vec::new();
    for seed in 1..=a.seeds {
        let p = EdgesParams { seed, ..p0.clone() };
        let cfg = match &user {
            Some(c) => c.clone(),
            None => p.config().map_err(|e| e.to_string())?,
        };
        results.push(run_edges(&p, &cfg).map_err(|e| e.to_string())?);
    }
    let dirs = p0.directions;
    let n = results.len() as f64;
    let mean = |f: &dyn Fn(&EdgesResult) -> &Vec<f64>| -> Vec<f64> {
        (0..dirs)
            .map(|k| results.iter().map(|r| f(r)[k]).sum::<f64>() / n)
            .collect()
    };
    let best = mean(&|r| &r.best);
    let float_best = mean(&|r| &r.float_best);
    let ff = mean(&|r| &r.fixed_vs_float);
    let missed = results.iter().map(|r| r.final_missed.0).sum::<f64>() / n;
    let float_missed = results.iter().map(|r| r.final_missed.1).sum::<f64>() / n;
    let pass = best.iter().all(|&c| c >= 0.9);
    let cfg1 = match &user {
        Some(c) => c.clone(),
        None => p0.config().map_err(|e| e.to_string())?,
    };
    let dir = out_dir(&a.common, "feast-edges");
    let r1 = &results[0];
    let side = cfg1.feast.side();
    let feats = dir.join("feast_edges_features.png");
    let labels: Vec<Option<usize>> = (0..r1.weights.ncols())
        .map(|i| r1.best_neuron.iter().position(|&b| b == i))
        .collect();
    let deg = 360 / dirs;
    plot::receptive_fields(
        &r1.weights,
        side,
        &labels,
        &|l| l.map_or(String::new(), |k| format!("{}", k * deg)),
        "FEAST learned features, seed 1 (label: the direction it matches best)",
        &feats,
    )?;
    let truth = dir.join("feast_edges_true.png");
    let tl: Vec<Option<usize>> = (0..dirs).map(Some).collect();
    plot::receptive_fields(
        &r1.truth,
        side,
        &tl,
        &|l| l.map_or(String::new(), |k| format!("{}", k * deg)),
        "true features: mean time surface per direction (degrees)",
        &truth,
    )?;
    let mut plots = vec![feats, truth];
    plots.extend(curve_plots(
        &r1.curve,
        "training blocks",
        &dir,
        "feast_edges",
    )?);
    if a.common.json {
        let v = json!({
            "seeds": a.seeds,
            "params": p0,
            "config": cfg1,
            "best_per_direction": best,
            "float_best_per_direction": float_best,
            "fixed_vs_float": ff,
            "final_missed": missed,
            "float_final_missed": float_missed,
            "target_met": pass,
            "per_seed": results,
            "cycles_per_event": event_cycles(&cfg1),
            "plots": plots,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "FEAST on moving gratings: {0}x{0} grid, r = {1}, {2} neurons, norm {3:?}, {4} directions, \
         {5} blocks, seeds 1..={6}",
        p0.side,
        cfg1.feast.radius,
        cfg1.neurons(),
        cfg1.feast.norm,
        dirs,
        p0.blocks,
        a.seeds
    );
    let _ = writeln!(
        o,
        "direction  best cosine (integer)  (float)  integer vs float feature"
    );
    for k in 0..dirs {
        let _ = writeln!(
            o,
            "{:>6} deg  {:>20.3}  {:>7.3}  {:>24.3}",
            k * deg,
            best[k],
            float_best[k],
            ff[k]
        );
    }
    let _ = writeln!(
        o,
        "missed-event rate, last tenth of training: integer {:.2} %, float {:.2} %",
        missed * 100.0,
        float_missed * 100.0
    );
    let _ = writeln!(
        o,
        "target (every direction >= 0.9, mean over seeds): {}",
        if pass { "met" } else { "NOT met" }
    );
    let _ = writeln!(o, "{}", planned(&cfg1));
    let _ = writeln!(o, "plots:");
    for p in &plots {
        let _ = writeln!(o, "  {}", p.display());
    }
    print!("{o}");
    Ok(())
}

fn load_digits(path: Option<&Path>) -> Result<Dataset, String> {
    match path {
        Some(p) => Dataset::from_file(p),
        None => Dataset::from_bytes(super::learn::DIGITS_GZ),
    }
    .map_err(|e| e.to_string())
}

/// `learn feast-digits`.
pub fn digits(a: FeastDigitsArgs) -> CmdResult {
    let data = load_digits(a.data.as_deref())?;
    let d = FeastDigitsParams::default();
    let p = FeastDigitsParams {
        train: a.train.unwrap_or(d.train),
        test: a.test.unwrap_or(d.test),
        epochs: a.epochs.unwrap_or(d.epochs),
        pool: a.pool.unwrap_or(d.pool),
        seed: a.seed,
        knobs: knobs(&a.common, d.knobs.clone())?,
        ..d
    };
    let user = user_layer(&a.common)?;
    if a.search {
        return search(&a, &p, user.as_ref(), &data);
    }
    let cfg = match &user {
        Some(c) => c.clone(),
        None => p.config().map_err(|e| e.to_string())?,
    };
    let r = run_digits(&p, &cfg, &data).map_err(|e| e.to_string())?;
    let dir = out_dir(&a.common, "feast-digits");
    let feats = dir.join("feast_digits_features.png");
    plot::receptive_fields(
        &r.weights,
        cfg.feast.side(),
        &[],
        &|_| String::new(),
        &format!(
            "FEAST features learned on digits as events, seed {}",
            p.seed
        ),
        &feats,
    )?;
    let mut plots = vec![feats];
    plots.extend(curve_plots(
        &r.curve,
        "training images",
        &dir,
        "feast_digits",
    )?);
    if a.common.json {
        let v = json!({
            "result": r,
            "config": cfg,
            "cycles_per_event": event_cycles(&cfg),
            "plots": plots,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    print!("{}", digits_report(&r, &cfg, &plots));
    Ok(())
}

fn digits_report(r: &FeastDigitsResult, cfg: &FeastConfig, plots: &[PathBuf]) -> String {
    let p = &r.params;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "FEAST on digits as events: {0}x{0} grid, r = {1}, {2} neurons, norm {3:?}, {4} train / \
         {5} held-out images (split seed {6}), {7} epoch(s), seed {8}, histogram {9}x{9} regions",
        p.side(),
        cfg.feast.radius,
        cfg.neurons(),
        cfg.feast.norm,
        p.train,
        p.test,
        p.split_seed,
        p.epochs,
        p.seed,
        p.pool
    );
    let _ = writeln!(
        o,
        "nearest class mean on winner histograms, held-out: integer {:.1} % (float reference {:.1} \
         %); training images {:.1} %",
        r.accuracy * 100.0,
        r.float_accuracy * 100.0,
        r.train_accuracy * 100.0
    );
    let _ = writeln!(
        o,
        "missed-event rate on held-out images (learning off): integer {:.2} %, float {:.2} %",
        r.test_missed.0 * 100.0,
        r.test_missed.1 * 100.0
    );
    let _ = writeln!(o, "{}", planned(cfg));
    let _ = writeln!(o, "plots:");
    for p in plots {
        let _ = writeln!(o, "  {}", p.display());
    }
    o
}

/// `--search`: every pool x neurons on the validation part of the training images.
fn search(
    a: &FeastDigitsArgs,
    p: &FeastDigitsParams,
    user: Option<&FeastConfig>,
    data: &Dataset,
) -> CmdResult {
    if user.is_some() {
        return Err("--search tunes the built-in layer: leave out --config".into());
    }
    let mut rows = Vec::new();
    let mut o = String::from(
        "validation (first 3/4 of the training images train, last 1/4 validate; held-out unused)\n\
         pool  neurons  integer   float\n",
    );
    for &pool in &a.pools {
        for &n in &a.neurons_list {
            let q = FeastDigitsParams {
                pool,
                validation: true,
                knobs: Knobs {
                    neurons: n,
                    ..p.knobs.clone()
                },
                ..p.clone()
            };
            let cfg = q.config().map_err(|e| e.to_string())?;
            let r = run_digits(&q, &cfg, data).map_err(|e| e.to_string())?;
            let _ = writeln!(
                o,
                "{pool:>4}  {n:>7}  {:>6.1} %  {:>5.1} %",
                r.accuracy * 100.0,
                r.float_accuracy * 100.0
            );
            rows.push(json!({"pool": pool, "neurons": n, "accuracy": r.accuracy,
                "float_accuracy": r.float_accuracy}));
        }
    }
    if a.common.json {
        println!("{}", json!({ "search": rows }));
    } else {
        print!("{o}");
    }
    Ok(())
}

/// A FEAST config file, with its path in the error.
pub fn load(path: &Path) -> Result<FeastConfig, String> {
    FeastConfig::from_file(path).map_err(|e| e.to_string())
}

/// `synth` of a FEAST config: the layer in its synthesis harness, pins placed freely.
pub fn synth(a: &crate::cli::SynthArgs) -> CmdResult {
    let f = &a.flow;
    let cfg = load(&f.config)?;
    if f.board.as_deref().is_some_and(|b| b != "none") || a.seeds != 1 {
        return Err(format!(
            "{}: a FEAST layer is synthesized alone, pins placed freely (no --board, one --seeds)",
            f.config.display()
        ));
    }
    let device = f.target;
    let dir = f.output.clone().unwrap_or_else(|| {
        PathBuf::from(format!("build/synth/{}-{}", cfg.base.name, device.name()))
    });
    let mhz = f.clock_mhz.unwrap_or(device.default_mhz());
    if !(mhz > 0.0 && mhz < 1000.0) {
        return Err(format!(
            "--clock-mhz {mhz}: must be a clock in MHz in (0, 1000)"
        ));
    }
    let rep = crate::flow::feast::synth(&cfg, device, &dir, mhz, f.seed)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rep).map_err(|e| e.to_string())?
        );
    } else {
        println!("{}", rep.text());
    }
    Ok(())
}

/// `generate` of a FEAST config: the layer's Verilog, init files and manifest.
pub fn generate(a: &crate::cli::GenerateArgs) -> CmdResult {
    let cfg = load(&a.config)?;
    let g = hdl::feast::generate(
        &cfg,
        &hdl::feast::FeastOptions {
            target: Some(a.target.target),
            init_prefix: "rtl/".into(),
            mutant: None,
        },
    )?;
    let rtl = a.output.join("rtl");
    super::common::write_files(&rtl, g.rtl.iter().chain(&g.init))?;
    super::common::write_file(&a.output.join("manifest.json"), &g.manifest)?;
    let c = event_cycles(&cfg);
    let lay = &g.layout;
    println!(
        "{}: FEAST layer, {} x {} grid, r = {} ({} window positions), {} neurons in {} lanes, \
         {}-bit weights, {}-bit traces",
        cfg.base.name,
        cfg.feast.width,
        cfg.feast.height,
        cfg.feast.radius,
        lay.arch.k,
        lay.n,
        lay.arch.lanes,
        lay.weight_bits,
        lay.trace_bits
    );
    println!(
        "cycles per event: {} missed, {} won (learning), {} won (learning off), {} skipped, {} \
         dropped; {} before a tick's first event (the decay sweep)",
        c.missed, c.won, c.won_frozen, c.skipped, c.dropped, c.tick_start
    );
    println!(
        "host port: Wishbone B4 pipelined, 32-bit data, {}-bit word address (map in manifest.json)",
        lay.aw
    );
    println!(
        "wrote {} Verilog files and {} init files to {}, manifest {} (run tools from {}: \
         $readmemh paths start with rtl/)",
        g.rtl.len(),
        g.init.len(),
        rtl.display(),
        a.output.join("manifest.json").display(),
        a.output.display()
    );
    Ok(())
}

/// `cosim` of a FEAST config: Verilator against the golden model, event by event.
pub fn cosim(a: &crate::cli::CosimArgs) -> CmdResult {
    let cfg = load(&a.config)?;
    if a.rtl.is_some() || a.vcd.is_some() || a.sample.is_some() {
        return Err(format!(
            "{}: a FEAST layer's co-simulation takes --stimulus or --poisson/--ticks, --target, \
             --calm, --backpressure (no --rtl, --vcd or --sample)",
            a.config.display()
        ));
    }
    super::common::check_backpressure(a.backpressure)?;
    let permille = (a.backpressure * 1000.0).round() as u32;
    if permille > 999 {
        return Err(format!(
            "--backpressure {}: the resolution is 1/1000; at most 0.999",
            a.backpressure
        ));
    }
    let stim = super::common::load_stimulus(&a.source, &cfg.base)?;
    let opts = cosim::feast::FeastCosimOptions {
        target: Some(a.target.target),
        mutant: None,
        full_every: 8,
        host_actions: !a.calm,
        // output backpressure: out_ready low in runs of about an event's length
        out_backpressure_permille: permille,
        out_burst: 1000,
        seed: a.stress_seed,
    };
    let r = cosim::feast::run(&cfg, &stim.ticks, &opts)?;
    let line = format!(
        "{} ticks, {} input beats: {} won, {} missed, {} skipped, {} dropped; {} cycles ({} in \
         events, {} waiting for the output register with out_ready low in {} of them), {} host \
         reads compared{}",
        r.ticks,
        r.events,
        r.won,
        r.missed,
        r.skipped,
        r.dropped,
        r.cycles,
        r.event_cycles,
        r.output_waits,
        r.out_ready_low,
        r.reads,
        if a.calm {
            ""
        } else {
            "; host writes and out-of-grid addresses added (--calm: none)"
        }
    );
    match r.mismatch {
        None => {
            println!("MATCH: {line}");
            Ok(())
        }
        Some(m) => Err(format!("MISMATCH: {m}")),
    }
}
