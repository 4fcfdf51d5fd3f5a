//! The FEAST layer's config: the network TOML with a `[feast]` section (docs/formats.md, docs/model.md
//! "FEAST layers").
//!
//! Key decision: a FEAST config is read by its own small parser, not by [`Config::from_toml_str`],
//! which refuses a `[feast]` section (so `generate`, `simulate`, `cosim` and the rest cannot take a
//! FEAST layer for an STDP array by mistake). This parser first checks that only the keys a FEAST
//! layer uses are present (`[array]` inputs/neurons/lanes, `[synapse]` weight_bits and the seeded
//! init, `[stdp]` the presynaptic trace keys), hands those to [`Config`] for their usual ranges, and
//! validates `[feast]` itself.

use crate::arith::unsigned_max;
use crate::config::{Config, WeightInit};
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where a window that leaves the grid is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Border {
    /// An event whose window leaves the grid is skipped (no match, no output, no adaptation), as
    /// the published implementations do.
    Skip,
    /// Positions outside the grid read as context 0.
    Zero,
}

/// The norm that weights and contexts are normalised to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Sum of the values (the scaling unit's column sum).
    L1,
    /// Integer square root of the sum of squares.
    L2,
}

/// `[feast]`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeastParams {
    /// Grid width: input `j` is at `(j % width, j / width)`.
    pub width: u32,
    /// Grid height (`array.inputs = width * height`).
    pub height: u32,
    /// Window radius r: the context is the `(2r+1)^2` window around the event.
    pub radius: u32,
    /// Windows that leave the grid.
    pub border: Border,
    /// Norm of weights and contexts.
    pub norm: Norm,
    /// Every weight column and every context is scaled to norm `T = 2^norm_shift`.
    pub norm_shift: u32,
    /// Matches and thresholds are fractions in units of `2^-match_bits` (`2^match_bits` = 1.0).
    pub match_bits: u32,
    /// Every neuron's threshold at reset.
    pub threshold_init: i64,
    /// Missed event: every threshold is lowered by this.
    pub miss_step: i64,
    /// Won event: the winner's threshold is raised by this.
    pub win_step: i64,
    /// The winner moves by `(c - w) >> eta_shift`.
    pub eta_shift: u32,
}

impl FeastParams {
    /// Side of the window, `2r + 1`.
    pub fn side(&self) -> usize {
        2 * self.radius as usize + 1
    }

    /// Context positions (weight rows) per neuron, `(2r + 1)^2`.
    pub fn window(&self) -> usize {
        self.side() * self.side()
    }

    /// The norm target `T = 2^norm_shift`.
    pub fn target(&self) -> i64 {
        1 << self.norm_shift
    }

    /// A match or threshold of 1.0, `2^match_bits`.
    pub fn one(&self) -> i64 {
        1 << self.match_bits
    }
}

/// A FEAST layer's config: the array, synapse and trace keys (as a one-layer [`Config`], whose
/// other keys keep their defaults and are unused) and `[feast]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeastConfig {
    /// `name`, `[array]`, `[synapse]` and `[stdp]`'s trace keys.
    pub base: Config,
    /// `[feast]`.
    pub feast: FeastParams,
}

/// Keys a FEAST layer takes from each of the array's sections; everything else is refused.
const BASE_KEYS: &[(&str, &[&str])] = &[
    ("array", &["inputs", "neurons", "lanes"]),
    (
        "synapse",
        &[
            "weight_bits",
            "init",
            "init_lo",
            "init_hi",
            "init_value",
            "seed",
        ],
    ),
    ("stdp", &["trace_bits", "pre_inc", "pre_decay_shift"]),
];

/// Keys of `[feast]`.
const FEAST_KEYS: &[&str] = &[
    "width",
    "height",
    "radius",
    "border",
    "norm",
    "norm_shift",
    "match_bits",
    "threshold_init",
    "miss_step",
    "win_step",
    "eta_shift",
];

/// What exists for FEAST layers, for the messages of commands that cannot take one.
pub const FEAST_STATUS: &str = "FEAST layers (issue 19) are read by golden::feast::FeastConfig \
    (docs/model.md \"FEAST layers\"): `neurogen generate`, `cosim`, `synth` and `testbench` take \
    them, and `neurogen learn feast-edges|feast-digits --config FILE`; `simulate`, `sweep`, \
    `board` and networks of layers do not";

/// Whether the TOML file at `path` has a `[feast]` section (false when it cannot be read or
/// parsed: the usual config reader then reports why).
pub fn is_feast_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("feast"))
}

impl FeastConfig {
    /// Read, parse and validate a FEAST config file.
    pub fn from_file(path: &Path) -> Result<FeastConfig> {
        crate::config::parse_file(path, Self::from_toml_str)
    }

    /// Parse and validate TOML text with a `[feast]` section.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<FeastConfig> {
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Parse {
            path: PathBuf::from("<config>"),
            message: e.message().trim().to_string(),
        })?;
        let feast = match table.remove("feast") {
            Some(toml::Value::Table(t)) => t,
            Some(_) => return Err(Error::config("feast", "expected a table [feast]")),
            None => {
                return Err(Error::config(
                    "feast",
                    "missing section [feast] (feast.width and feast.height are required)",
                ));
            }
        };
        for (key, value) in &table {
            if key == "name" {
                continue;
            }
            let Some((_, allowed)) = BASE_KEYS.iter().find(|(s, _)| s == key) else {
                return Err(Error::config(
                    key.as_str(),
                    "does not apply to a FEAST layer: allowed are name, [array], [synapse], \
                     [stdp] and [feast] (one layer; no [neuron], [network] or [[layer]])",
                ));
            };
            let toml::Value::Table(inner) = value else {
                return Err(Error::config(
                    key.as_str(),
                    format!("expected a table [{key}]"),
                ));
            };
            for k in inner.keys() {
                if !allowed.contains(&k.as_str()) {
                    return Err(Error::config(
                        format!("{key}.{k}"),
                        format!(
                            "does not apply to a FEAST layer: allowed in [{key}] are {}",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
        if let Some(toml::Value::Table(s)) = table.get("synapse")
            && s.get("init").and_then(toml::Value::as_str) == Some("file")
        {
            return Err(Error::config(
                "synapse.init",
                "\"file\" does not apply to a FEAST layer: allowed \"constant\" | \"uniform\"",
            ));
        }
        let width = req_int(&feast, "width", 1, 256, "")?;
        let height = req_int(&feast, "height", 1, 256, "")?;
        let inputs = width * height;
        // array.inputs is the grid; it may be left out.
        let array = table
            .entry("array")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(a) = array {
            match a.get("inputs") {
                None => {
                    a.insert("inputs".into(), toml::Value::Integer(inputs));
                }
                Some(toml::Value::Integer(n)) if *n != inputs => {
                    return Err(Error::config(
                        "array.inputs",
                        format!(
                            "{n} is not feast.width x feast.height = {width} x {height} = {inputs} \
                             (leave it out, or make it equal)"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let text = toml::to_string(&table).map_err(|e| Error::Parse {
            path: PathBuf::from("<config>"),
            message: e.to_string(),
        })?;
        let base = Config::from_toml_str(&text, base)?;
        if base.stdp.pre_inc < 1 {
            return Err(Error::config(
                "stdp.pre_inc",
                "0 is out of range for a FEAST layer: at least 1 (the event's own trace is the \
                 centre of its context; 2^trace_bits - 1 makes the traces a time surface)",
            ));
        }
        let feast = parse_feast(&feast, &base, width as u32, height as u32)?;
        Ok(FeastConfig { base, feast })
    }

    /// Neurons of the layer.
    pub fn neurons(&self) -> usize {
        self.base.neurons()
    }

    /// Inputs (grid positions), `width * height`.
    pub fn inputs(&self) -> usize {
        self.base.array.inputs as usize
    }

    /// Largest weight, `2^weight_bits - 1` (weights are unsigned).
    pub fn w_max(&self) -> i64 {
        unsigned_max(self.base.synapse.weight_bits)
    }

    /// Largest trace, `2^trace_bits - 1`.
    pub fn x_max(&self) -> i64 {
        unsigned_max(self.base.stdp.trace_bits)
    }

    /// The initial weights before normalisation, `window` rows x `neurons` (row-major from
    /// [`crate::rng::SplitMix64`] seeded with `synapse.seed`, like [`Config::initial_weights`]).
    pub fn raw_initial_weights(&self) -> ndarray::Array2<i32> {
        let shape = (self.feast.window(), self.neurons());
        match &self.base.synapse.init {
            WeightInit::Constant { value } => ndarray::Array2::from_elem(shape, *value as i32),
            WeightInit::Uniform { lo, hi, seed } => {
                let mut rng = crate::rng::SplitMix64::new(*seed);
                let span = (*hi - *lo + 1) as u64;
                ndarray::Array2::from_shape_fn(shape, |_| (*lo + rng.below(span) as i64) as i32)
            }
            WeightInit::File { .. } => unreachable!("refused by the FEAST parser"),
        }
    }
}

fn int_of(t: &toml::Table, key: &str) -> Result<Option<i64>> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(v)) => Ok(Some(*v)),
        Some(other) => Err(Error::config(
            format!("feast.{key}"),
            format!("expected an integer, found {}", other.type_str()),
        )),
    }
}

fn in_range(key: &str, v: i64, lo: i64, hi: i64, why: &str) -> Result<i64> {
    if v < lo || v > hi {
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(" ({why})")
        };
        return Err(Error::config(
            format!("feast.{key}"),
            format!("{v} is out of range: allowed {lo}..={hi}{why}"),
        ));
    }
    Ok(v)
}

fn req_int(t: &toml::Table, key: &str, lo: i64, hi: i64, why: &str) -> Result<i64> {
    let v = int_of(t, key)?
        .ok_or_else(|| Error::config(format!("feast.{key}"), "missing (required)"))?;
    in_range(key, v, lo, hi, why)
}

fn opt_int(t: &toml::Table, key: &str, default: i64, lo: i64, hi: i64, why: &str) -> Result<i64> {
    let v = int_of(t, key)?.unwrap_or(default);
    in_range(key, v, lo, hi, why)
}

fn opt_choice<'a>(
    t: &toml::Table,
    key: &str,
    default: &'a str,
    allowed: &[&'a str],
) -> Result<&'a str> {
    let v = match t.get(key) {
        None => default,
        Some(toml::Value::String(s)) => allowed
            .iter()
            .find(|a| **a == s.as_str())
            .copied()
            .ok_or_else(|| {
                Error::config(
                    format!("feast.{key}"),
                    format!(
                        "unknown value \"{s}\": allowed {}",
                        allowed
                            .iter()
                            .map(|a| format!("\"{a}\""))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ),
                )
            })?,
        Some(other) => {
            return Err(Error::config(
                format!("feast.{key}"),
                format!("expected a string, found {}", other.type_str()),
            ));
        }
    };
    Ok(v)
}

fn parse_feast(t: &toml::Table, base: &Config, width: u32, height: u32) -> Result<FeastParams> {
    for k in t.keys() {
        if !FEAST_KEYS.contains(&k.as_str()) {
            return Err(Error::config(
                format!("feast.{k}"),
                format!(
                    "unknown key: allowed in [feast] are {}",
                    FEAST_KEYS.join(", ")
                ),
            ));
        }
    }
    let short = width.min(height) as i64;
    let radius = opt_int(
        t,
        "radius",
        2.min((short - 1) / 2),
        0,
        7.min((short - 1) / 2),
        "the window 2r+1 must fit the grid's shorter side",
    )? as u32;
    let border = match opt_choice(t, "border", "skip", &["skip", "zero"])? {
        "skip" => Border::Skip,
        _ => Border::Zero,
    };
    let norm = match opt_choice(t, "norm", "l2", &["l1", "l2"])? {
        "l1" => Norm::L1,
        _ => Norm::L2,
    };
    let wb = base.synapse.weight_bits as i64;
    let norm_shift = opt_int(
        t,
        "norm_shift",
        wb,
        1,
        20,
        "the norm target is 2^norm_shift",
    )? as u32;
    let match_bits = opt_int(t, "match_bits", 12, 1, 16, "a match of 1.0 is 2^match_bits")? as u32;
    let one = 1i64 << match_bits;
    let why = format!("in units of 2^-match_bits: 0..=1.0 is 0..={one}");
    Ok(FeastParams {
        width,
        height,
        radius,
        border,
        norm,
        norm_shift,
        match_bits,
        threshold_init: opt_int(t, "threshold_init", 0, 0, one, &why)?,
        miss_step: opt_int(t, "miss_step", (one / 100).max(1), 0, one, &why)?,
        win_step: opt_int(t, "win_step", (one / 1000).max(1), 0, one, &why)?,
        eta_shift: opt_int(t, "eta_shift", 5, 0, 16, "eta = 2^-eta_shift")? as u32,
    })
}
