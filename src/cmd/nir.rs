//! `import nir` and `export nir` (docs/nir.md).

use super::CmdResult;
use super::common::{load_network_config, write_file};
use crate::cli::{ExportArgs, ExportWhat, ImportArgs, ImportNirArgs, ImportWhat, LifModelArg};
use crate::nir::{export, float, graph, quant, samples};
use golden::Stimulus;
use golden::chain::Chain;
use std::collections::BTreeSet;
use std::path::Path;

pub fn import(a: ImportArgs) -> CmdResult {
    match a.what {
        ImportWhat::Nir(a) => import_nir(a),
    }
}

pub fn export(a: ExportArgs) -> CmdResult {
    match a.what {
        ExportWhat::Nir(a) => {
            let cfg = load_network_config(&a.config)?;
            let weights: Vec<Vec<Vec<i32>>> = match &a.result {
                Some(r) => result_weights(r)?,
                None => cfg
                    .layer_configs()
                    .iter()
                    .map(|l| {
                        let n = golden::model::Network::new(l);
                        n.weights().outer_iter().map(|r| r.to_vec()).collect()
                    })
                    .collect(),
            };
            let g = export::graph(&cfg, &weights, a.dt)
                .map_err(|e| format!("{}: {e}", a.config.display()))?;
            let bytes = export::to_bytes(&g)?;
            if let Some(dir) = a.output.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&a.output, bytes).map_err(|e| format!("{}: {e}", a.output.display()))?;
            println!(
                "{}: {} layers, {} nodes, dt = {} s -> {}",
                cfg.name,
                cfg.layer_count(),
                g.nodes.len(),
                a.dt,
                a.output.display()
            );
            Ok(())
        }
    }
}

/// Every layer's final weights of a result JSON (`layers[k].final.weights`, or `final.weights`
/// for one layer).
fn result_weights(path: &Path) -> Result<Vec<Vec<Vec<i32>>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let parse = |w: &serde_json::Value| -> Result<Vec<Vec<i32>>, String> {
        serde_json::from_value(w.clone())
            .map_err(|e| format!("{}: final.weights: {e}", path.display()))
    };
    match v.get("layers").and_then(|l| l.as_array()) {
        Some(layers) => layers
            .iter()
            .enumerate()
            .map(|(k, l)| {
                parse(l.pointer("/final/weights").ok_or_else(|| {
                    format!("{}: layers[{k}] has no final.weights", path.display())
                })?)
            })
            .collect(),
        None => Ok(vec![parse(v.pointer("/final/weights").ok_or_else(
            || {
                format!(
                    "{}: no final.weights (not a result of simulate)",
                    path.display()
                )
            },
        )?)?]),
    }
}

fn import_nir(a: ImportNirArgs) -> CmdResult {
    let g = graph::read(&a.model)?;
    let (inputs, layers) = graph::chain(&g).map_err(|e| format!("{}: {e}", a.model.display()))?;
    let opt = quant::Options {
        dt: a.dt,
        weight_bits: a.weight_bits,
        v_bits: a.v_bits,
        lif_model: match a.lif_model {
            LifModelArg::Shift => quant::LifModel::Shift,
            LifModelArg::Cuba => quant::LifModel::Cuba,
        },
    };
    let q = quant::quantise(inputs, &layers, &opt)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    let name = a
        .model
        .file_stem()
        .and_then(|s| s.to_str())
        .map(sanitize)
        .unwrap_or_else(|| "nir".into());
    let toml = quant::config_toml(&name, &q, &opt, &a.model.display().to_string(), a.stdp);
    write_file(&a.output.join("net.toml"), &toml)?;
    for (k, l) in q.layers.iter().enumerate() {
        write_file(
            &a.output.join(format!("weights_{k}.csv")),
            &quant::weights_csv(l),
        )?;
        if let Some(d) = quant::delays_csv(l) {
            write_file(&a.output.join(format!("delays_{k}.csv")), &d)?;
        }
    }
    let mut report = q.report.clone();
    // the written config must load: the golden model's own validation
    let cfg = load_network_config(&a.output.join("net.toml"))?;
    if let Some(stim) = &a.check {
        let s = Stimulus::from_file(stim).map_err(|e| e.to_string())?;
        report.push_str(&check(&cfg, &layers, a.dt, &s.ticks));
    }
    if let Some(path) = &a.samples {
        let mut samples = samples::read(path)?;
        if let Some(n) = a.limit {
            samples.truncate(n);
        }
        let reference = a
            .reference
            .as_deref()
            .map(samples::read_reference)
            .transpose()?;
        let e = samples::evaluate(&cfg, &layers, a.dt, &samples, reference.as_deref())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        report.push_str(&e.report());
    }
    write_file(&a.output.join("import_report.txt"), &report)?;
    print!("{report}");
    let clipped: usize = q.layers.iter().map(|l| l.clipped).sum();
    println!(
        "{} layers ({clipped} weights clipped), {inputs} inputs -> {} -> {}",
        q.layers.len(),
        q.layers
            .iter()
            .map(|l| l.weights[0].len().to_string())
            .collect::<Vec<_>>()
            .join(" -> "),
        a.output.join("net.toml").display()
    );
    Ok(())
}

fn sanitize(s: &str) -> String {
    let mut n: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !n.starts_with(|c: char| c.is_ascii_alphabetic()) {
        n.insert_str(0, "nir_");
    }
    n
}

/// Spikes per layer and tick of the quantised network (golden model).
pub fn golden_spikes(cfg: &golden::Config, stim: &[Vec<u32>]) -> Vec<Vec<Vec<u32>>> {
    let mut chain = Chain::new(cfg);
    let mut out = vec![Vec::with_capacity(stim.len()); chain.layer_count()];
    for ev in stim {
        chain.step(ev);
        for (k, o) in out.iter_mut().enumerate() {
            o.push(chain.spikes_of(k).to_vec());
        }
    }
    out
}

/// Spike agreement of two runs of one layer: (count a, count b, common (tick, neuron) pairs).
pub fn agreement(a: &[Vec<u32>], b: &[Vec<u32>]) -> (usize, usize, usize) {
    let set = |x: &[Vec<u32>]| -> BTreeSet<(usize, u32)> {
        x.iter()
            .enumerate()
            .flat_map(|(t, s)| s.iter().map(move |&i| (t, i)))
            .collect()
    };
    let (sa, sb) = (set(a), set(b));
    (sa.len(), sb.len(), sa.intersection(&sb).count())
}

fn check(cfg: &golden::Config, layers: &[graph::Layer], dt: f64, stim: &[Vec<u32>]) -> String {
    let f = float::run(layers, dt, stim);
    let q = golden_spikes(cfg, stim);
    let mut s = format!(
        "check: {} ticks, float reference (NIR equations, Euler at dt) vs quantised golden model\n",
        stim.len()
    );
    for k in 0..layers.len() {
        let (nf, nq, c) = agreement(&f[k], &q[k]);
        let dice = if nf + nq == 0 {
            1.0
        } else {
            2.0 * c as f64 / (nf + nq) as f64
        };
        s.push_str(&format!(
            "  layer {k} ('{}'): float {nf} spikes, quantised {nq}, same (tick, neuron) {c}, agreement 2*same/(float+quantised) = {:.3}\n",
            layers[k].neuron_node, dice
        ));
    }
    s
}
