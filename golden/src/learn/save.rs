//! Writing a trained network (`neurogen learn --save DIR`): the network's config with its
//! initial weights and theta replaced by the learned ones, as a config TOML, a weight CSV and a
//! theta CSV (docs/formats.md), which every command that takes a config accepts.
//!
//! Key decisions:
//! - The config is the network's own TOML (the user's file, or the built-in network's) with
//!   only the initial state changed: `synapse.init = "file"` and `synapse.init_file` name the
//!   weight CSV (the other `init_*` keys are removed), and `neuron.theta_file` names the theta
//!   CSV when the network has an adaptive threshold (`theta_plus > 0`). Every other key is kept
//!   as written, so the saved network is the same network (comments are not kept).
//! - The file names are relative, so the folder can be moved as a whole.
//! - A network with synaptic delays also gets `<name>_delays.csv` (`synapse.delay_init =
//!   "file"`), after the theta CSV.

use crate::config::Config;
use crate::error::{Error, Result};
use ndarray::Array2;

/// The files of a trained network, (file name, text): `<name>.toml`, `<name>_weights.csv` and,
/// when the network has an adaptive threshold, `<name>_theta.csv`.
///
/// `source` is the TOML text `cfg` was read from, `weights` the learned `W[row][neuron]`,
/// `theta` the learned theta of each neuron, `header` a comment put at the top of the TOML
/// (each line gets `# `).
pub fn trained_files(
    source: &str,
    cfg: &Config,
    weights: &Array2<i32>,
    theta: &[i64],
    header: &str,
) -> Result<Vec<(String, String)>> {
    let bad = |m: String| Error::Range {
        message: format!("saving the trained network: {m}"),
    };
    if weights.dim() != (cfg.rows(), cfg.neurons()) {
        return Err(bad(format!(
            "{} x {} weights for a network of {} rows x {} neurons",
            weights.nrows(),
            weights.ncols(),
            cfg.rows(),
            cfg.neurons()
        )));
    }
    let mut table: toml::Table = source
        .parse()
        .map_err(|e| bad(format!("the network's TOML does not parse: {e}")))?;
    let name = &cfg.name;
    let weight_file = format!("{name}_weights.csv");
    let theta_file = format!("{name}_theta.csv");
    let section = |t: &mut toml::Table, key: &str| -> Result<toml::Table> {
        match t.remove(key) {
            None => Ok(toml::Table::new()),
            Some(toml::Value::Table(s)) => Ok(s),
            Some(_) => Err(bad(format!("`{key}` is not a section"))),
        }
    };
    let mut syn = section(&mut table, "synapse")?;
    for k in ["init_lo", "init_hi", "init_value", "init_file"] {
        syn.remove(k);
    }
    syn.insert("init".into(), "file".into());
    syn.insert("init_file".into(), weight_file.clone().into());
    // the delays (fixed: STDP does not change them) as a delay CSV beside the weights, so the
    // folder stands alone whatever the source said (a delay file relative to another folder)
    let delays = cfg.initial_delays();
    let delay_file = format!("{name}_delays.csv");
    if delays.is_some() {
        for k in ["delay_value", "delay_lo", "delay_hi", "delay_seed"] {
            syn.remove(k);
        }
        syn.insert("delay_init".into(), "file".into());
        syn.insert("delay_file".into(), delay_file.clone().into());
    }
    table.insert("synapse".into(), syn.into());
    let adaptive = cfg.lif().is_some_and(|l| l.theta_plus > 0);
    let mut neuron = section(&mut table, "neuron")?;
    neuron.remove("theta_file");
    if adaptive {
        if theta.len() != cfg.neurons() {
            return Err(bad(format!(
                "{} theta values for {} neurons",
                theta.len(),
                cfg.neurons()
            )));
        }
        neuron.insert("theta_file".into(), theta_file.clone().into());
    }
    if !neuron.is_empty() {
        table.insert("neuron".into(), neuron.into());
    }
    let body = toml::to_string(&table).map_err(|e| bad(e.to_string()))?;
    let mut toml_text = String::new();
    for line in header.lines() {
        toml_text.push_str(&format!("# {line}\n"));
    }
    toml_text.push_str(&body);
    let mut files = vec![
        (format!("{name}.toml"), toml_text),
        (weight_file, weight_csv(weights)),
    ];
    if adaptive {
        files.push((theta_file, theta_csv(theta)));
    }
    if let Some(d) = delays {
        files.push((delay_file, weight_csv(&d.mapv(i32::from))));
    }
    Ok(files)
}

/// The files of a trained two-layer network (the supervised digits): the first layer as
/// [`trained_files`] writes it (`source`, `cfg`, `weights`, `theta`), followed by a
/// `[network]` table (`layer_delay = 0`) and one `[[layer]]` from the one-layer TOML
/// `second_source` (its `[neuron]` and `[stdp]`, teach mode off) starting from
/// `second_weights` (`<name>_readout_weights.csv`, 8-bit weights).
pub fn two_layer_files(
    source: &str,
    cfg: &Config,
    weights: &Array2<i32>,
    theta: &[i64],
    second_source: &str,
    second_weights: &Array2<i32>,
    header: &str,
) -> Result<Vec<(String, String)>> {
    let bad = |m: String| Error::Range {
        message: format!("saving the trained network: {m}"),
    };
    let files = trained_files(source, cfg, weights, theta, header)?;
    if second_weights.nrows() != cfg.neurons() {
        return Err(bad(format!(
            "{} second-layer rows for a first layer of {} neurons",
            second_weights.nrows(),
            cfg.neurons()
        )));
    }
    let readout_file = format!("{}_readout_weights.csv", cfg.name);
    let mut table: toml::Table = files[0]
        .1
        .parse()
        .map_err(|e| bad(format!("the first layer's TOML does not parse: {e}")))?;
    let mut second: toml::Table = second_source
        .parse()
        .map_err(|e| bad(format!("the second layer's TOML does not parse: {e}")))?;
    let mut layer = toml::Table::new();
    layer.insert("neurons".into(), (second_weights.ncols() as i64).into());
    layer.insert("teach".into(), false.into());
    for key in ["neuron", "stdp"] {
        if let Some(v) = second.remove(key) {
            layer.insert(key.into(), v);
        }
    }
    let mut syn = toml::Table::new();
    syn.insert("weight_bits".into(), 8.into());
    syn.insert("init".into(), "file".into());
    syn.insert("init_file".into(), readout_file.clone().into());
    layer.insert("synapse".into(), syn.into());
    let mut network = toml::Table::new();
    network.insert("layer_delay".into(), 0.into());
    table.insert("network".into(), network.into());
    table.insert(
        "layer".into(),
        toml::Value::Array(vec![toml::Value::Table(layer)]),
    );
    let mut text = String::new();
    for line in header.lines() {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(&toml::to_string(&table).map_err(|e| bad(e.to_string()))?);
    let mut out = vec![(files[0].0.clone(), text)];
    out.extend(files[1..].iter().cloned());
    out.push((readout_file, weight_csv(second_weights)));
    Ok(out)
}

/// A weight CSV (docs/formats.md): one line per row, `neurons` comma-separated values.
pub fn weight_csv(w: &Array2<i32>) -> String {
    let mut s = String::new();
    for row in w.rows() {
        let line: Vec<String> = row.iter().map(i32::to_string).collect();
        s.push_str(&line.join(", "));
        s.push('\n');
    }
    s
}

/// A theta CSV (docs/formats.md): one line of `neurons` comma-separated values.
pub fn theta_csv(theta: &[i64]) -> String {
    let line: Vec<String> = theta.iter().map(i64::to_string).collect();
    line.join(", ") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const NET: &str = r#"
name = "tiny"
[array]
inputs = 3
neurons = 2
lanes = 2
[neuron]
threshold = 300
theta_plus = 5
[synapse]
init = "uniform"
init_lo = 1
init_hi = 9
seed = 4
[stdp]
ltp_offset = 1
"#;

    #[test]
    fn saved_network_reads_back_with_the_learned_state() {
        let cfg = Config::from_toml_str(NET, Path::new(".")).unwrap();
        let w = Array2::from_shape_fn((3, 2), |(j, i)| (10 * j + i) as i32);
        let theta = [7, 0];
        let files = trained_files(NET, &cfg, &w, &theta, "trained\nby a test").unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["tiny.toml", "tiny_weights.csv", "tiny_theta.csv"]);
        assert!(files[0].1.starts_with("# trained\n# by a test\n"));
        let dir = std::env::temp_dir().join(format!("neurogen-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (n, t) in &files {
            std::fs::write(dir.join(n), t).unwrap();
        }
        let back = Config::from_file(&dir.join("tiny.toml")).unwrap();
        assert_eq!(back.initial_weights(), w);
        assert_eq!(back.initial_theta(), theta);
        // the same network otherwise
        assert_eq!(back.array, cfg.array);
        assert_eq!(back.stdp, cfg.stdp);
        let (mut a, mut b) = (back.lif().unwrap().clone(), cfg.lif().unwrap().clone());
        (a.theta_file, b.theta_file) = (None, None);
        assert_eq!(a, b);
        std::fs::remove_dir_all(&dir).unwrap();
        // no theta file without an adaptive threshold
        let plain = NET.replace("theta_plus = 5", "theta_plus = 0");
        let cfg = Config::from_toml_str(&plain, Path::new(".")).unwrap();
        let files = trained_files(&plain, &cfg, &w, &theta, "").unwrap();
        assert_eq!(files.len(), 2);
        assert!(!files[0].1.contains("theta_file"));
        let wrong = Array2::zeros((2, 2));
        assert!(trained_files(NET, &cfg, &wrong, &theta, "").is_err());
    }

    #[test]
    fn saved_network_keeps_its_delays_in_a_delay_file() {
        let net = NET.replace("seed = 4\n", "seed = 4\nmax_delay = 5\ndelay_hi = 3\n");
        let cfg = Config::from_toml_str(&net, Path::new(".")).unwrap();
        let w = Array2::from_elem((3, 2), 2);
        let files = trained_files(&net, &cfg, &w, &[0, 0], "").unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "tiny.toml",
                "tiny_weights.csv",
                "tiny_theta.csv",
                "tiny_delays.csv"
            ]
        );
        assert!(!files[0].1.contains("delay_hi"), "{}", files[0].1);
        let dir = std::env::temp_dir().join(format!("neurogen-save-d-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (n, t) in &files {
            std::fs::write(dir.join(n), t).unwrap();
        }
        let back = Config::from_file(&dir.join("tiny.toml")).unwrap();
        assert_eq!(back.max_delay(), 5);
        assert_eq!(back.initial_delays(), cfg.initial_delays());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
