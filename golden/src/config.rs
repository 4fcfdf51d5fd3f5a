//! Network config: the TOML file of docs/formats.md, its defaults, and its validation.
//!
//! Key decision: the file is parsed as a TOML table and checked against one key/type schema
//! (`SCHEMA`: an unknown key or a value of the wrong type is an error naming the dotted key), then
//! read into a *raw* form where every key is optional ([`RawConfig`]; serde's `deny_unknown_fields`
//! stays as a backstop), then [`Config::from_raw`] resolves the defaults
//! (several depend on other keys: `acc_bits`, `v_min`, `w_min`, `w_max`, `init_hi`) and checks every
//! range, returning one [`Error::Config`] naming the key and the allowed range. Everything after
//! this module takes a [`Config`], which cannot hold an impossible network. The allowed ranges are
//! documented in `docs/model.md` and enforced only here.

use crate::arith::{addr_bits, signed_max, signed_min, unsigned_max};
use crate::error::{Error, Result, read_text};
use crate::rng::SplitMix64;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Most synapses (rows x neurons) a config may have: 2^24 (64 MiB of weights in the model).
pub const MAX_SYNAPSES: u64 = 1 << 24;
/// Most presynaptic inputs and most neurons.
pub const MAX_UNITS: u64 = 65536;
/// Most lanes.
pub const MAX_LANES: u64 = 64;
/// Most register stages between a layer's sequencer and its lanes (`array.bcast_stages`).
pub const MAX_BCAST_STAGES: i64 = 2;

// ---------------------------------------------------------------------------------------------
// Raw form: what the TOML file says.

/// The config file as written: every key optional, unknown keys rejected.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawConfig {
    pub name: Option<String>,
    pub network: Option<RawNetwork>,
    pub array: Option<RawArray>,
    pub neuron: Option<RawNeuron>,
    pub synapse: Option<RawSynapse>,
    pub stdp: Option<RawStdp>,
    /// The `[[layer]]` tables: layers 1, 2, ...
    pub layer: Option<Vec<RawLayer>>,
}

/// `[network]` as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawNetwork {
    pub layer_delay: Option<i64>,
    pub teacher_layer: Option<i64>,
    pub output: Option<String>,
}

/// One `[[layer]]` table as written: the array keys but `inputs` (the previous layer's neurons),
/// and the layer's own `[layer.neuron]`, `[layer.synapse]` and `[layer.stdp]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawLayer {
    pub neurons: Option<i64>,
    pub lanes: Option<i64>,
    pub recurrent: Option<bool>,
    pub teach: Option<bool>,
    pub bcast_stages: Option<i64>,
    pub neuron: Option<RawNeuron>,
    pub synapse: Option<RawSynapse>,
    pub stdp: Option<RawStdp>,
}

/// `[array]` as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawArray {
    pub inputs: Option<i64>,
    pub neurons: Option<i64>,
    pub lanes: Option<i64>,
    pub recurrent: Option<bool>,
    pub teach: Option<bool>,
    pub bcast_stages: Option<i64>,
}

/// `[neuron]` as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawNeuron {
    pub model: Option<String>,
    pub v_bits: Option<i64>,
    pub acc_bits: Option<i64>,
    pub threshold: Option<i64>,
    pub reset: Option<String>,
    pub v_reset: Option<i64>,
    pub v_min: Option<i64>,
    pub leak_shift: Option<i64>,
    pub refractory: Option<i64>,
    pub inhibition: Option<i64>,
    pub theta_plus: Option<i64>,
    pub theta_decay_shift: Option<i64>,
    pub theta_bits: Option<i64>,
    pub theta_file: Option<String>,
    // cuba (docs/model.md, "The cuba model")
    pub du: Option<i64>,
    pub dv: Option<i64>,
    pub vth: Option<i64>,
    pub bias_mant: Option<IntOrList>,
    pub bias_exp: Option<IntOrList>,
}

/// A per-neuron key as written: one integer for every neuron, or one per neuron.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum IntOrList {
    One(i64),
    List(Vec<i64>),
}

impl IntOrList {
    /// The `n` per-neuron values, each within `lo..=hi`: an error names the key, the index of a
    /// value out of range, and the range (`why` says why the range is what it is).
    pub fn per_neuron(&self, key: &str, n: usize, lo: i64, hi: i64, why: &str) -> Result<Vec<i64>> {
        match self {
            IntOrList::One(v) => Ok(vec![ranged(key, *v, lo, hi, why)?; n]),
            IntOrList::List(vs) if vs.len() != n => Err(Error::config(
                key,
                format!(
                    "has {} values: expected one integer or an array of array.neurons = {n}",
                    vs.len()
                ),
            )),
            IntOrList::List(vs) => vs
                .iter()
                .enumerate()
                .map(|(i, &v)| ranged(&format!("{key}[{i}]"), v, lo, hi, why))
                .collect(),
        }
    }
}

/// `[synapse]` as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSynapse {
    pub weight_bits: Option<i64>,
    pub signed: Option<bool>,
    pub w_min: Option<i64>,
    pub w_max: Option<i64>,
    pub init: Option<String>,
    pub init_lo: Option<i64>,
    pub init_hi: Option<i64>,
    pub init_value: Option<i64>,
    pub init_file: Option<String>,
    pub seed: Option<i64>,
    pub weight_exp: Option<i64>,
    pub lava_weight_bits: Option<i64>,
    pub max_delay: Option<i64>,
    pub delay_init: Option<String>,
    pub delay_value: Option<i64>,
    pub delay_lo: Option<i64>,
    pub delay_hi: Option<i64>,
    pub delay_file: Option<String>,
    pub delay_seed: Option<i64>,
}

/// `[stdp]` as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawStdp {
    pub enabled: Option<bool>,
    pub rule: Option<String>,
    pub trace_bits: Option<i64>,
    pub pre_inc: Option<i64>,
    pub post_inc: Option<i64>,
    pub pre_decay_shift: Option<i64>,
    pub post_decay_shift: Option<i64>,
    pub ltp_shift: Option<i64>,
    pub ltd_shift: Option<i64>,
    pub ltp_offset: Option<i64>,
    pub normalize_target: Option<i64>,
    pub normalize_every: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Validated form.

/// Neuron model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NeuronModel {
    /// The LIF neuron of docs/model.md, "One tick of the lif model".
    Lif,
    /// docs/model.md, "The cuba model" (Loihi / Lava bit-accurate current-based LIF).
    Cuba,
}

/// What happens to v after a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reset {
    /// `v = v_reset`.
    Zero,
    /// `v = sat_v(v' - threshold - theta)`.
    Subtract,
}

/// Depression sign of step 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// Pre-after-post depresses: `W -= y >> ltd_shift`.
    Additive,
    /// Both orders potentiate: `W += y >> ltd_shift`.
    Symmetric,
}

/// `[array]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArrayConfig {
    /// External presynaptic channels, addresses `0..inputs`.
    pub inputs: u32,
    /// LIF neurons.
    pub neurons: u32,
    /// Parallel lanes of the datapath (`neurons % lanes == 0`).
    pub lanes: u32,
    /// Neurons' spikes of t-1 are events `inputs + i` at t.
    pub recurrent: bool,
    /// Teach mode after reset (the layer's teach-mode host register; docs/model.md, "Teach
    /// mode"). Not serialized when off, so configs without it serialize as before.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub teach: bool,
    /// Register stages between the layer's sequencer and its lanes (docs/model.md, "Cycle
    /// model"): 1, or 2 for wide layers on large devices, where the broadcast crosses the chip
    /// (each stage adds a cycle to every phase that waits for the lanes). Not serialized when
    /// 1, so configs without it serialize as before.
    #[serde(skip_serializing_if = "is_one")]
    pub bcast_stages: u32,
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

/// `[neuron]` for `model = "lif"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct LifConfig {
    pub v_bits: u32,
    pub acc_bits: u32,
    pub threshold: i64,
    pub reset: Reset,
    pub v_reset: i64,
    pub v_min: i64,
    pub leak_shift: u32,
    pub refractory: u32,
    pub inhibition: i64,
    pub theta_plus: i64,
    pub theta_decay_shift: u32,
    pub theta_bits: u32,
    /// `neuron.theta_file`: each neuron's theta at start (a trained network's), else 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theta_file: Option<ThetaFile>,
}

/// A theta CSV (`neuron.theta_file`): one line of `neurons` values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThetaFile {
    /// The file, resolved relative to the config file's folder.
    pub path: PathBuf,
    /// Its contents, validated: theta of each neuron.
    #[serde(skip)]
    pub values: Vec<i64>,
}

/// `[neuron]` for `model = "cuba"` (docs/model.md, "The cuba model").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct CubaConfig {
    pub du: i64,
    pub dv: i64,
    pub vth: i64,
    /// Per neuron (`neurons` values).
    pub bias_mant: Vec<i64>,
    /// Per neuron (`neurons` values), each 0..=7.
    pub bias_exp: Vec<u32>,
    pub weight_exp: i32,
    /// Width of the saturating input accumulator.
    pub acc_bits: u32,
}

impl CubaConfig {
    /// Neuron `i`'s bias `bias_mant[i] << bias_exp[i]`.
    pub fn bias(&self, i: usize) -> i64 {
        self.bias_mant[i] << self.bias_exp[i]
    }
}

/// Neuron parameters of either model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum NeuronConfig {
    /// docs/model.md, "One tick of the lif model".
    Lif(LifConfig),
    /// docs/model.md, "The cuba model".
    Cuba(CubaConfig),
}

/// How the initial weights are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "init", rename_all = "lowercase")]
pub enum WeightInit {
    /// Every weight `value`.
    Constant {
        /// The value.
        value: i64,
    },
    /// Uniform integers in `lo..=hi` from [`SplitMix64`] seeded with `seed`, row-major.
    Uniform {
        /// Lowest value.
        lo: i64,
        /// Highest value.
        hi: i64,
        /// Generator seed.
        seed: u64,
    },
    /// A CSV file, one row per presynaptic address.
    File {
        /// The file, resolved relative to the config file's folder.
        path: PathBuf,
        /// Its contents, validated.
        #[serde(skip)]
        weights: Array2<i32>,
    },
}

/// `[synapse]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct SynapseConfig {
    pub weight_bits: u32,
    pub signed: bool,
    pub w_min: i64,
    pub w_max: i64,
    pub init: WeightInit,
    /// `synapse.max_delay` D and the delays (docs/model.md, "Synaptic delays"); `None` when
    /// D = 0 (no delays; then not serialized, so configs without delays serialize as before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delays: Option<DelayConfig>,
}

/// Most slots of the delay ring (`synapse.max_delay`): delays are `0..=255`.
pub const MAX_DELAY: u32 = 256;

/// `synapse.max_delay` (D >= 1) and how the per-synapse delays `0..D` are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DelayConfig {
    /// D: every delay is in `0..D`, and each neuron has a ring of D future inputs.
    pub max_delay: u32,
    /// Where the delays come from.
    pub init: DelayInit,
}

/// How the initial delays `d[j][i]` are made (`synapse.delay_init`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "delay_init", rename_all = "lowercase")]
pub enum DelayInit {
    /// Every delay `value` (`synapse.delay_value`).
    Constant {
        /// The delay.
        value: u32,
    },
    /// Uniform integers in `lo..=hi` from [`SplitMix64`] seeded with `seed`, row-major
    /// (`synapse.delay_lo`, `delay_hi`, `delay_seed`).
    Uniform {
        /// Lowest delay.
        lo: u32,
        /// Highest delay.
        hi: u32,
        /// Generator seed.
        seed: u64,
    },
    /// A CSV file shaped like the weight file (`synapse.delay_file`).
    File {
        /// The file, resolved relative to the config file's folder.
        path: PathBuf,
        /// Its contents, validated.
        #[serde(skip)]
        delays: Array2<u8>,
    },
}

impl DelayConfig {
    /// The delay matrix `d[j][i]` (`rows x neurons`).
    pub fn matrix(&self, rows: usize, neurons: usize) -> Array2<u8> {
        let shape = (rows, neurons);
        match &self.init {
            DelayInit::Constant { value } => Array2::from_elem(shape, *value as u8),
            DelayInit::Uniform { lo, hi, seed } => {
                let mut rng = SplitMix64::new(*seed);
                let span = (*hi - *lo + 1) as u64;
                Array2::from_shape_fn(shape, |_| (*lo as u64 + rng.below(span)) as u8)
            }
            DelayInit::File { delays, .. } => delays.clone(),
        }
    }
}

/// `[stdp]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct StdpConfig {
    pub enabled: bool,
    pub rule: Rule,
    pub trace_bits: u32,
    pub pre_inc: i64,
    pub post_inc: i64,
    pub pre_decay_shift: u32,
    pub post_decay_shift: u32,
    pub ltp_shift: u32,
    pub ltd_shift: u32,
    pub ltp_offset: i64,
    pub normalize_target: i64,
    pub normalize_every: u64,
}

/// `[network]`: how the layers of a network of layers are connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NetworkConfig {
    /// 0: layer k's spikes of tick t are layer k+1's input events of tick t; 1: of tick t+1.
    pub layer_delay: u32,
    /// The layer the stimulus `teach` lists are addressed to; `None`: the last layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teacher_layer: Option<u32>,
    /// What the chip's output stream carries: the last layer's spikes, or every layer's tagged
    /// with the layer.
    #[serde(skip_serializing_if = "ChainOutput::is_last")]
    pub output: ChainOutput,
}

/// `[network] output`: what the output stream of a network of layers carries
/// (docs/model.md, "A network of layers").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainOutput {
    /// `"last"`: the last layer's spikes (the default).
    #[default]
    Last,
    /// `"all"`: every layer's spikes, each beat tagged with its layer (`out_layer`).
    All,
}

impl ChainOutput {
    /// The default, `"last"`.
    pub fn is_last(&self) -> bool {
        *self == ChainOutput::Last
    }
}

impl NetworkConfig {
    /// True for the defaults (then a config serializes as it did before networks of layers).
    pub fn is_default(&self) -> bool {
        *self == NetworkConfig::default()
    }
}

/// One layer after the first (a `[[layer]]` table), validated: `array.inputs` is the previous
/// layer's neurons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct LayerConfig {
    pub array: ArrayConfig,
    pub neuron: NeuronConfig,
    pub synapse: SynapseConfig,
    pub stdp: StdpConfig,
}

/// A validated network: every value in range, every default resolved.
///
/// The top-level `array`, `neuron`, `synapse` and `stdp` are layer 0 (the only layer of a
/// one-layer network); `layers` holds the layers after it, `[[layer]]` tables in order.
/// [`Config::layer_configs`] gives every layer as a one-layer config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// Verilog top module name.
    pub name: String,
    /// `[array]`.
    pub array: ArrayConfig,
    /// `[neuron]`.
    pub neuron: NeuronConfig,
    /// `[synapse]`.
    pub synapse: SynapseConfig,
    /// `[stdp]`.
    pub stdp: StdpConfig,
    /// `[network]` (not serialized when default, so one-layer configs serialize as before).
    #[serde(skip_serializing_if = "NetworkConfig::is_default")]
    pub network: NetworkConfig,
    /// Layers 1.. (`[[layer]]`); empty for a one-layer network (and then not serialized).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerConfig>,
}

const VERILOG_KEYWORDS: &[&str] = &[
    "always",
    "and",
    "assign",
    "automatic",
    "begin",
    "buf",
    "bufif0",
    "bufif1",
    "case",
    "casex",
    "casez",
    "cell",
    "cmos",
    "config",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "edge",
    "else",
    "end",
    "endcase",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endmodule",
    "endprimitive",
    "endspecify",
    "endtable",
    "endtask",
    "event",
    "for",
    "force",
    "forever",
    "fork",
    "function",
    "generate",
    "genvar",
    "highz0",
    "highz1",
    "if",
    "ifnone",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "instance",
    "integer",
    "join",
    "large",
    "liblist",
    "library",
    "localparam",
    "macromodule",
    "medium",
    "module",
    "nand",
    "negedge",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "or",
    "output",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_onevent",
    "pulsestyle_ondetect",
    "rcmos",
    "real",
    "realtime",
    "reg",
    "release",
    "repeat",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "scalared",
    "showcancelled",
    "signed",
    "small",
    "specify",
    "specparam",
    "strong0",
    "strong1",
    "supply0",
    "supply1",
    "table",
    "task",
    "time",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "unsigned",
    "use",
    "uwire",
    "vectored",
    "wait",
    "wand",
    "weak0",
    "weak1",
    "while",
    "wire",
    "wor",
    "xnor",
    "xor",
    "bit",
    "logic",
    "int",
    "byte",
    "shortint",
    "longint",
    "interface",
    "class",
    "package",
    "program",
    "property",
    "sequence",
    "string",
    "type",
    "typedef",
    "struct",
    "union",
    "enum",
];

/// Check an integer key against an inclusive range, naming it in the error.
fn ranged(key: &str, v: i64, lo: i64, hi: i64, why: &str) -> Result<i64> {
    if v < lo || v > hi {
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(" ({why})")
        };
        Err(Error::config(
            key,
            format!("{v} is out of range: allowed {lo}..={hi}{why}"),
        ))
    } else {
        Ok(v)
    }
}

/// [`ranged`] for a key that may be unset: when the default is out of range, the message says
/// that the value is the default, so the user knows which key to set.
fn ranged_default(
    key: &str,
    given: Option<i64>,
    default: i64,
    lo: i64,
    hi: i64,
    why: &str,
) -> Result<i64> {
    match given {
        Some(v) => ranged(key, v, lo, hi, why),
        None => {
            let why = if why.is_empty() {
                format!("the default; set {key}")
            } else {
                format!("{why}; the default, set {key}")
            };
            ranged(key, default, lo, hi, &why)
        }
    }
}

fn choice<'a>(key: &str, v: &'a str, allowed: &[&str]) -> Result<&'a str> {
    if allowed.contains(&v) {
        Ok(v)
    } else {
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(" | ");
        Err(Error::config(
            key,
            format!("unknown value \"{v}\": allowed {list}"),
        ))
    }
}

/// Reject keys of the other neuron model instead of ignoring them.
fn reject_if_set(key: &str, v: Option<i64>, model: &str, instead: &str) -> Result<()> {
    match v {
        Some(_) => Err(Error::config(
            key,
            format!("does not apply to model = \"{model}\"{instead}"),
        )),
        None => Ok(()),
    }
}

/// Read the file at `path` and parse its text with `parse` (relative paths resolving against
/// the file's folder); a parse error names the file.
pub(crate) fn parse_file<T>(
    path: &Path,
    parse: impl FnOnce(&str, &Path) -> Result<T>,
) -> Result<T> {
    let text = read_text(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, &base).map_err(|e| match e {
        Error::Parse { message, .. } => Error::Parse {
            path: path.to_path_buf(),
            message,
        },
        other => other,
    })
}

impl Config {
    /// Read, parse and validate a config file; relative paths in it resolve against its folder.
    pub fn from_file(path: &Path) -> Result<Config> {
        parse_file(path, Self::from_toml_str)
    }

    /// Parse and validate TOML text; `base` is the folder relative paths resolve against.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<Config> {
        let table: toml::Table = text.parse().map_err(|e| Error::Parse {
            path: PathBuf::from("<config>"),
            message: toml_message(text, &e),
        })?;
        check_schema(&table)?;
        // The schema check has named every unknown key and wrong type; serde stays as a backstop.
        let raw: RawConfig =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| Error::Parse {
                    path: PathBuf::from("<config>"),
                    message: e.message().trim().to_string(),
                })?;
        Self::from_raw(&raw, base)
    }

    /// Resolve defaults and validate every key of a raw config: the name, `[network]`, layer 0
    /// (`[array]`, `[neuron]`, `[synapse]`, `[stdp]`) and every `[[layer]]`, each through the
    /// same section parsers with its key prefix.
    pub fn from_raw(raw: &RawConfig, base: &Path) -> Result<Config> {
        let name = parse_name(raw.name.as_deref())?;
        let nw = raw.network.clone().unwrap_or_default();
        let network = NetworkConfig {
            layer_delay: ranged(
                "network.layer_delay",
                nw.layer_delay.unwrap_or(0),
                0,
                1,
                "0: a layer's spikes reach the next layer in the same tick, 1: in the next tick",
            )? as u32,
            teacher_layer: None,
            output: match choice(
                "network.output",
                nw.output.as_deref().unwrap_or("last"),
                &["last", "all"],
            )? {
                "all" => ChainOutput::All,
                _ => ChainOutput::Last,
            },
        };
        let a = raw.array.clone().ok_or_else(|| {
            Error::config(
                "array",
                "missing section [array] (array.inputs and array.neurons are required)",
            )
        })?;
        let first = parse_layer(
            &Keys::layer(0),
            &a,
            None,
            RawSections {
                neuron: raw.neuron.as_ref(),
                synapse: raw.synapse.as_ref(),
                stdp: raw.stdp.as_ref(),
            },
            base,
        )?;
        let extra = raw.layer.as_deref().unwrap_or_default();
        if extra.len() + 1 > MAX_LAYERS {
            return Err(Error::config(
                "layer",
                format!(
                    "{} [[layer]] tables: at most {} allowed ({MAX_LAYERS} layers in all)",
                    extra.len(),
                    MAX_LAYERS - 1
                ),
            ));
        }
        let mut layers: Vec<LayerConfig> = Vec::with_capacity(extra.len());
        let mut prev_neurons = first.array.neurons;
        for (i, l) in extra.iter().enumerate() {
            let keys = Keys::layer(i + 1);
            let a = RawArray {
                inputs: None,
                neurons: l.neurons,
                lanes: l.lanes,
                recurrent: l.recurrent,
                teach: l.teach,
                bcast_stages: l.bcast_stages,
            };
            let layer = parse_layer(
                &keys,
                &a,
                Some(prev_neurons),
                RawSections {
                    neuron: l.neuron.as_ref(),
                    synapse: l.synapse.as_ref(),
                    stdp: l.stdp.as_ref(),
                },
                base,
            )?;
            prev_neurons = layer.array.neurons;
            layers.push(layer);
        }
        let mut network = network;
        if network.output == ChainOutput::All && layers.is_empty() {
            return Err(Error::config(
                "network.output",
                "\"all\" tags every layer's spikes with its layer: it needs a network of layers \
                 (add [[layer]] tables, or leave the key out: a one-layer network's output is its \
                 own spikes)",
            ));
        }
        if let Some(t) = nw.teacher_layer {
            let last = layers.len() as i64;
            network.teacher_layer = Some(ranged(
                "network.teacher_layer",
                t,
                0,
                last,
                "the layer (0 = the first) the stimulus teach lists address; default the last",
            )? as u32);
        }
        Ok(Config {
            name,
            array: first.array,
            neuron: first.neuron,
            synapse: first.synapse,
            stdp: first.stdp,
            network,
            layers,
        })
    }

    /// The layer the stimulus `teach` lists address: `[network] teacher_layer`, default the last.
    pub fn teacher_layer(&self) -> usize {
        self.network
            .teacher_layer
            .map_or(self.layers.len(), |t| t as usize)
    }

    /// Whether the generated hardware has teach mode (docs/model.md, "Teach mode in hardware"):
    /// some layer starts in teach mode (`teach = true`) or `[network] teacher_layer` is given.
    /// Then every layer has the teach-mode register and a teacher stream, and the chip's
    /// teacher stream reaches [`Config::teacher_layer`]. The layer configs of such a network
    /// ([`Config::layer_configs`]) say so too (their `teacher_layer` is 0, themselves).
    pub fn teach_hardware(&self) -> bool {
        self.network.teacher_layer.is_some()
            || self.array.teach
            || self.layers.iter().any(|l| l.array.teach)
    }

    /// Layers of the network: 1 plus the `[[layer]]` tables.
    pub fn layer_count(&self) -> usize {
        1 + self.layers.len()
    }

    /// One valid one-layer config per layer, first to last (each with `layers` empty). For a
    /// one-layer config this is the config itself; for a network of layers the k-th is named
    /// `{name}_l{k}` (so the generated modules' names are unique; the chain keeps `name`), its
    /// `array.inputs` are the previous layer's neurons and its initial weights have one row per
    /// previous-layer neuron (plus its own neurons when recurrent); each has teach hardware
    /// when the network has ([`Config::teach_hardware`]).
    pub fn layer_configs(&self) -> Vec<Config> {
        if self.layers.is_empty() {
            return vec![self.clone()];
        }
        let teach_hw = self.teach_hardware();
        let first = LayerConfig {
            array: self.array.clone(),
            neuron: self.neuron.clone(),
            synapse: self.synapse.clone(),
            stdp: self.stdp.clone(),
        };
        std::iter::once(&first)
            .chain(self.layers.iter())
            .enumerate()
            .map(|(k, l)| Config {
                name: format!("{}_l{k}", self.name),
                array: l.array.clone(),
                neuron: l.neuron.clone(),
                synapse: l.synapse.clone(),
                stdp: l.stdp.clone(),
                network: NetworkConfig {
                    teacher_layer: teach_hw.then_some(0),
                    ..NetworkConfig::default()
                },
                layers: Vec::new(),
            })
            .collect()
    }

    /// Presynaptic rows of W: `inputs`, plus `neurons` when recurrent.
    pub fn rows(&self) -> usize {
        self.array.inputs as usize
            + if self.array.recurrent {
                self.array.neurons as usize
            } else {
                0
            }
    }

    /// Number of neurons.
    pub fn neurons(&self) -> usize {
        self.array.neurons as usize
    }

    /// The LIF parameters, when the model is `lif`.
    pub fn lif(&self) -> Option<&LifConfig> {
        match &self.neuron {
            NeuronConfig::Lif(l) => Some(l),
            NeuronConfig::Cuba(_) => None,
        }
    }

    /// The `cuba` parameters, when the model is `cuba`.
    pub fn cuba(&self) -> Option<&CubaConfig> {
        match &self.neuron {
            NeuronConfig::Cuba(c) => Some(c),
            NeuronConfig::Lif(_) => None,
        }
    }

    /// True when step 5 runs on its own every `normalize_every` ticks.
    pub fn periodic_scaling(&self) -> bool {
        self.stdp.enabled && self.stdp.normalize_target > 0 && self.stdp.normalize_every > 0
    }

    /// Bits of a presynaptic row index.
    pub fn row_bits(&self) -> u32 {
        addr_bits(self.rows() as u64)
    }

    /// Each neuron's theta at start: `neuron.theta_file`'s values, else 0.
    pub fn initial_theta(&self) -> Vec<i64> {
        match self.lif().and_then(|l| l.theta_file.as_ref()) {
            Some(f) => f.values.clone(),
            None => vec![0; self.neurons()],
        }
    }

    /// The initial weight matrix `W[j][i]` (rows x neurons), from constant, seeded uniform or file.
    pub fn initial_weights(&self) -> Array2<i32> {
        let shape = (self.rows(), self.neurons());
        match &self.synapse.init {
            WeightInit::Constant { value } => Array2::from_elem(shape, *value as i32),
            WeightInit::Uniform { lo, hi, seed } => {
                let mut rng = SplitMix64::new(*seed);
                let span = (*hi - *lo + 1) as u64;
                Array2::from_shape_fn(shape, |_| (*lo + rng.below(span) as i64) as i32)
            }
            WeightInit::File { weights, .. } => weights.clone(),
        }
    }

    /// `synapse.max_delay` D (0: no delays).
    pub fn max_delay(&self) -> u32 {
        self.synapse.delays.as_ref().map_or(0, |d| d.max_delay)
    }

    /// The initial delay matrix `d[j][i]` (rows x neurons), `None` when `max_delay = 0`.
    pub fn initial_delays(&self) -> Option<Array2<u8>> {
        let d = self.synapse.delays.as_ref()?;
        Some(d.matrix(self.rows(), self.neurons()))
    }
}

/// Most layers of a network (`[[layer]]` tables + 1).
pub const MAX_LAYERS: usize = 16;

/// How the keys of one layer are named in errors: layer 0's as today (`array.inputs`,
/// `neuron.threshold`), layer k's with the prefix `layer[k].` (`layer[1].neurons`,
/// `layer[1].neuron.threshold`).
#[derive(Debug, Clone)]
struct Keys {
    /// The layer, 0 = the top-level sections.
    layer: usize,
    /// Prefix of the `[neuron]`, `[synapse]` and `[stdp]` keys.
    sections: String,
    /// Prefix of the array keys (`array.` or `layer[k].`).
    array: String,
    /// The array as a whole (`array` or `layer[k]`).
    whole: String,
}

impl Keys {
    fn layer(k: usize) -> Keys {
        if k == 0 {
            Keys {
                layer: 0,
                sections: String::new(),
                array: "array.".into(),
                whole: "array".into(),
            }
        } else {
            Keys {
                layer: k,
                sections: format!("layer[{k}]."),
                array: format!("layer[{k}]."),
                whole: format!("layer[{k}]"),
            }
        }
    }

    /// A key of the neuron, synapse or stdp section: `k("neuron.threshold")`.
    fn k(&self, key: &str) -> String {
        format!("{}{key}", self.sections)
    }

    /// An array key: `a("neurons")`.
    fn a(&self, key: &str) -> String {
        format!("{}{key}", self.array)
    }
}

/// One layer's `[neuron]`, `[synapse]` and `[stdp]` as written (each may be absent).
#[derive(Debug, Clone, Copy)]
struct RawSections<'a> {
    neuron: Option<&'a RawNeuron>,
    synapse: Option<&'a RawSynapse>,
    stdp: Option<&'a RawStdp>,
}

/// The name: a Verilog identifier that is not a keyword.
fn parse_name(name: Option<&str>) -> Result<String> {
    let name = name.unwrap_or("net").to_string();
    let ident_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident_ok {
        return Err(Error::config(
            "name",
            format!(
                "\"{name}\" is not a Verilog identifier: allowed 1 to 64 characters of \
                 [A-Za-z0-9_], not starting with a digit"
            ),
        ));
    }
    if VERILOG_KEYWORDS.contains(&name.as_str()) {
        return Err(Error::config(
            "name",
            format!("\"{name}\" is a Verilog keyword"),
        ));
    }
    Ok(name)
}

/// One layer: its array (`inputs` given for layers after the first: the previous layer's
/// neurons), then synapse (before neuron: cuba's `weight_exp` lives there), neuron and stdp.
fn parse_layer(
    keys: &Keys,
    a: &RawArray,
    inputs: Option<u32>,
    raw: RawSections<'_>,
    base: &Path,
) -> Result<LayerConfig> {
    let array = parse_array(keys, a, inputs)?;
    let default_synapse = RawSynapse::default();
    let s = raw.synapse.unwrap_or(&default_synapse);
    let synapse = parse_synapse(keys, s, &array, base)?;
    let neuron = parse_neuron(keys, raw.neuron.cloned().unwrap_or_default(), s, &array)?;
    let neuron = with_theta_file(keys, neuron, raw.neuron, array.neurons, base)?;
    let stdp = parse_stdp(keys, raw.stdp.cloned().unwrap_or_default())?;
    Ok(LayerConfig {
        array,
        neuron,
        synapse,
        stdp,
    })
}

/// `[array]` (layer 0) or the array keys of a `[[layer]]` table.
fn parse_array(keys: &Keys, a: &RawArray, given_inputs: Option<u32>) -> Result<ArrayConfig> {
    let inputs = match given_inputs {
        Some(n) => n,
        None => {
            let inputs = a
                .inputs
                .ok_or_else(|| Error::config(keys.a("inputs"), "missing (required)"))?;
            ranged(&keys.a("inputs"), inputs, 1, MAX_UNITS as i64, "")? as u32
        }
    };
    let neurons = a
        .neurons
        .ok_or_else(|| Error::config(keys.a("neurons"), "missing (required)"))?;
    let neurons = ranged(&keys.a("neurons"), neurons, 1, MAX_UNITS as i64, "")? as u32;
    let lanes = ranged(
        &keys.a("lanes"),
        a.lanes.unwrap_or(1),
        1,
        MAX_LANES as i64,
        "",
    )? as u32;
    if !neurons.is_multiple_of(lanes) {
        return Err(Error::config(
            keys.a("lanes"),
            format!(
                "{lanes} does not divide {} = {neurons} (neurons % lanes must be 0)",
                keys.a("neurons")
            ),
        ));
    }
    let bcast_stages = ranged(
        &keys.a("bcast_stages"),
        a.bcast_stages.unwrap_or(1),
        1,
        MAX_BCAST_STAGES,
        "register stages between the sequencer and the lanes",
    )? as u32;
    let recurrent = a.recurrent.unwrap_or(false);
    let rows = inputs as u64 + if recurrent { neurons as u64 } else { 0 };
    if rows * neurons as u64 > MAX_SYNAPSES {
        return Err(Error::config(
            keys.whole.as_str(),
            format!(
                "{rows} rows x {neurons} neurons = {} synapses: at most {MAX_SYNAPSES} allowed",
                rows * neurons as u64
            ),
        ));
    }
    Ok(ArrayConfig {
        inputs,
        neurons,
        lanes,
        recurrent,
        teach: a.teach.unwrap_or(false),
        bcast_stages,
    })
}

/// `[synapse]` of one layer.
fn parse_synapse(
    keys: &Keys,
    s: &RawSynapse,
    array: &ArrayConfig,
    base: &Path,
) -> Result<SynapseConfig> {
    let k = |key: &str| keys.k(key);
    let rows = array.inputs as usize
        + if array.recurrent {
            array.neurons as usize
        } else {
            0
        };
    let weight_bits = ranged(
        &k("synapse.weight_bits"),
        s.weight_bits.unwrap_or(8),
        1,
        16,
        "",
    )? as u32;
    let signed = s.signed.unwrap_or(false);
    let (full_lo, full_hi) = if signed {
        (signed_min(weight_bits), signed_max(weight_bits))
    } else {
        (0, unsigned_max(weight_bits))
    };
    let range_why = format!(
        "{} weight_bits = {weight_bits}",
        if signed { "signed" } else { "unsigned" }
    );
    let w_min = ranged(
        &k("synapse.w_min"),
        s.w_min.unwrap_or(full_lo),
        full_lo,
        full_hi,
        &range_why,
    )?;
    let w_max = ranged(
        &k("synapse.w_max"),
        s.w_max.unwrap_or(full_hi),
        full_lo,
        full_hi,
        &range_why,
    )?;
    if w_min > w_max {
        return Err(Error::config(
            k("synapse.w_min"),
            format!("{w_min} is greater than {} = {w_max}", k("synapse.w_max")),
        ));
    }
    let wr = format!("within {}..={}", k("synapse.w_min"), k("synapse.w_max"));
    let init_kind = s.init.clone().unwrap_or_else(|| "uniform".to_string());
    let init_kind = choice(
        &k("synapse.init"),
        &init_kind,
        &["constant", "uniform", "file"],
    )?;
    let seed = ranged(&k("synapse.seed"), s.seed.unwrap_or(1), 0, i64::MAX, "")? as u64;
    let check_unused = |key: &str, set: bool, kind: &str| -> Result<()> {
        if set {
            Err(Error::config(
                key,
                format!("does not apply to {} = \"{kind}\"", k("synapse.init")),
            ))
        } else {
            Ok(())
        }
    };
    let rows_label = match (keys.layer, array.recurrent) {
        (0, false) => "inputs".to_string(),
        (0, true) => "inputs + neurons".to_string(),
        (l, false) => format!("layer {}'s neurons", l - 1),
        (l, true) => format!("layer {}'s neurons + this layer's neurons", l - 1),
    };
    let init = match init_kind {
        "constant" => {
            check_unused(&k("synapse.init_lo"), s.init_lo.is_some(), "constant")?;
            check_unused(&k("synapse.init_hi"), s.init_hi.is_some(), "constant")?;
            check_unused(&k("synapse.init_file"), s.init_file.is_some(), "constant")?;
            check_unused(
                &k("synapse.lava_weight_bits"),
                s.lava_weight_bits.is_some(),
                "constant",
            )?;
            let v = ranged_default(&k("synapse.init_value"), s.init_value, 0, w_min, w_max, &wr)?;
            WeightInit::Constant { value: v }
        }
        "uniform" => {
            check_unused(&k("synapse.init_value"), s.init_value.is_some(), "uniform")?;
            check_unused(&k("synapse.init_file"), s.init_file.is_some(), "uniform")?;
            check_unused(
                &k("synapse.lava_weight_bits"),
                s.lava_weight_bits.is_some(),
                "uniform",
            )?;
            let lo = ranged_default(&k("synapse.init_lo"), s.init_lo, 0, w_min, w_max, &wr)?;
            let hi = ranged_default(
                &k("synapse.init_hi"),
                s.init_hi,
                w_max / 4,
                w_min,
                w_max,
                &wr,
            )?;
            if lo > hi {
                return Err(Error::config(
                    k("synapse.init_lo"),
                    format!("{lo} is greater than {} = {hi}", k("synapse.init_hi")),
                ));
            }
            WeightInit::Uniform { lo, hi, seed }
        }
        _ => {
            check_unused(&k("synapse.init_value"), s.init_value.is_some(), "file")?;
            check_unused(&k("synapse.init_lo"), s.init_lo.is_some(), "file")?;
            check_unused(&k("synapse.init_hi"), s.init_hi.is_some(), "file")?;
            let rel = s.init_file.clone().ok_or_else(|| {
                Error::config(
                    k("synapse.init_file"),
                    format!("missing: required when {} = \"file\"", k("synapse.init")),
                )
            })?;
            let path = base.join(&rel);
            let weights = read_weights(
                &k("synapse.init_file"),
                &path,
                rows,
                array.neurons as usize,
                (w_min, w_max),
                &rows_label,
            )?;
            let weights = match s.lava_weight_bits {
                None => weights,
                Some(b) => {
                    let key = k("synapse.lava_weight_bits");
                    let b = ranged(&key, b, 1, 8, "Lava's num_weight_bits")? as u32;
                    let w = crate::lava::dense_weights(&weights, b);
                    if let Some(((j, i), v)) = w
                        .indexed_iter()
                        .find(|(_, v)| (**v as i64) < w_min || (**v as i64) > w_max)
                    {
                        return Err(Error::config(
                            key,
                            format!(
                                "Lava's preprocessing turns W[{j}][{i}] = {} into {v}, \
                                 outside {w_min}..={w_max} (widen synapse.w_min / w_max)",
                                weights[[j, i]]
                            ),
                        ));
                    }
                    w
                }
            };
            WeightInit::File { path, weights }
        }
    };
    let delays = parse_delays(
        keys,
        s,
        (rows, array.neurons as usize),
        seed,
        base,
        &rows_label,
    )?;
    Ok(SynapseConfig {
        weight_bits,
        signed,
        w_min,
        w_max,
        init,
        delays,
    })
}

/// `synapse.max_delay` and the delay keys of one layer (docs/formats.md): `None` when
/// `max_delay = 0`, and then no other delay key may be set.
fn parse_delays(
    keys: &Keys,
    s: &RawSynapse,
    (rows, cols): (usize, usize),
    weight_seed: u64,
    base: &Path,
    rows_label: &str,
) -> Result<Option<DelayConfig>> {
    let k = |key: &str| keys.k(key);
    let key_d = k("synapse.max_delay");
    let dmax = ranged(&key_d, s.max_delay.unwrap_or(0), 0, MAX_DELAY as i64, "")?;
    let set = [
        ("delay_init", s.delay_init.is_some()),
        ("delay_value", s.delay_value.is_some()),
        ("delay_lo", s.delay_lo.is_some()),
        ("delay_hi", s.delay_hi.is_some()),
        ("delay_file", s.delay_file.is_some()),
        ("delay_seed", s.delay_seed.is_some()),
    ];
    let key_init = k("synapse.delay_init");
    let unused = |kind: &str, allowed: &[&str]| -> Result<()> {
        match set.iter().find(|(n, on)| *on && !allowed.contains(n)) {
            Some((n, _)) if dmax == 0 => Err(Error::config(
                k(&format!("synapse.{n}")),
                format!("does not apply when {key_d} = 0 (no delays)"),
            )),
            Some((n, _)) => Err(Error::config(
                k(&format!("synapse.{n}")),
                format!("does not apply to {key_init} = \"{kind}\""),
            )),
            None => Ok(()),
        }
    };
    if dmax == 0 {
        unused("", &[])?;
        return Ok(None);
    }
    let top = dmax - 1;
    let why = format!("delays are 0..{key_d} - 1 = {top}");
    let kind = s.delay_init.clone().unwrap_or_else(|| {
        if s.delay_file.is_some() {
            "file"
        } else {
            "uniform"
        }
        .to_string()
    });
    let init = match choice(&key_init, &kind, &["constant", "uniform", "file"])? {
        "constant" => {
            unused("constant", &["delay_init", "delay_value"])?;
            let v = ranged(
                &k("synapse.delay_value"),
                s.delay_value.unwrap_or(0),
                0,
                top,
                &why,
            )?;
            DelayInit::Constant { value: v as u32 }
        }
        "uniform" => {
            unused(
                "uniform",
                &["delay_init", "delay_lo", "delay_hi", "delay_seed"],
            )?;
            let lo = ranged(
                &k("synapse.delay_lo"),
                s.delay_lo.unwrap_or(0),
                0,
                top,
                &why,
            )?;
            let hi = ranged(
                &k("synapse.delay_hi"),
                s.delay_hi.unwrap_or(top),
                0,
                top,
                &why,
            )?;
            if lo > hi {
                return Err(Error::config(
                    k("synapse.delay_lo"),
                    format!("{lo} is greater than {} = {hi}", k("synapse.delay_hi")),
                ));
            }
            let default_seed = weight_seed.wrapping_add(1) as i64 & i64::MAX;
            let seed = s.delay_seed.unwrap_or(default_seed);
            let seed = ranged(&k("synapse.delay_seed"), seed, 0, i64::MAX, "")? as u64;
            DelayInit::Uniform {
                lo: lo as u32,
                hi: hi as u32,
                seed,
            }
        }
        _ => {
            unused("file", &["delay_init", "delay_file"])?;
            let key = k("synapse.delay_file");
            let rel = s.delay_file.clone().ok_or_else(|| {
                Error::config(
                    &key,
                    format!("missing: required when {key_init} = \"file\""),
                )
            })?;
            let path = base.join(&rel);
            let what = ("delay", format!("{key_d} = {dmax}"));
            let d = read_matrix(&key, &path, (rows, cols), (0, top), rows_label, &what)?;
            DelayInit::File {
                path,
                delays: d.mapv(|v| v as u8),
            }
        }
    };
    Ok(Some(DelayConfig {
        max_delay: dmax as u32,
        init,
    }))
}

/// `neuron.theta_file` of one layer, read into its LIF parameters: only with `theta_plus > 0`
/// (otherwise the array has no theta) and not with `cuba`.
fn with_theta_file(
    keys: &Keys,
    neuron: NeuronConfig,
    raw: Option<&RawNeuron>,
    neurons: u32,
    base: &Path,
) -> Result<NeuronConfig> {
    let Some(rel) = raw.and_then(|n| n.theta_file.as_ref()) else {
        return Ok(neuron);
    };
    let key = keys.k("neuron.theta_file");
    match neuron {
        NeuronConfig::Cuba(_) => Err(Error::config(
            key,
            "does not apply to model = \"cuba\" (it has no adaptive threshold)",
        )),
        NeuronConfig::Lif(l) if l.theta_plus == 0 => Err(Error::config(
            key,
            "does not apply when neuron.theta_plus = 0: the array has no adaptive threshold \
             (theta is always 0)",
        )),
        NeuronConfig::Lif(mut l) => {
            let path = base.join(rel);
            let values = read_theta_csv(&path, &key, neurons as usize, unsigned_max(l.theta_bits))?;
            l.theta_file = Some(ThetaFile { path, values });
            Ok(NeuronConfig::Lif(l))
        }
    }
}

/// `[neuron]` of one layer (`s` for cuba's `synapse.weight_exp`).
fn parse_neuron(
    keys: &Keys,
    n: RawNeuron,
    s: &RawSynapse,
    array: &ArrayConfig,
) -> Result<NeuronConfig> {
    let k = |key: &str| keys.k(key);
    let model = n.model.clone().unwrap_or_else(|| "lif".to_string());
    let model = choice(&k("neuron.model"), &model, &["lif", "cuba"])?;
    let neuron = if model == "lif" {
        let cuba_hint = "";
        reject_if_set(&k("neuron.du"), n.du, "lif", cuba_hint)?;
        reject_if_set(&k("neuron.dv"), n.dv, "lif", cuba_hint)?;
        reject_if_set(
            &k("neuron.vth"),
            n.vth,
            "lif",
            &format!("; use {}", k("neuron.threshold")),
        )?;
        reject_if_set(
            &k("neuron.bias_mant"),
            n.bias_mant.as_ref().map(|_| 0),
            "lif",
            cuba_hint,
        )?;
        reject_if_set(
            &k("neuron.bias_exp"),
            n.bias_exp.as_ref().map(|_| 0),
            "lif",
            cuba_hint,
        )?;
        reject_if_set(&k("synapse.weight_exp"), s.weight_exp, "lif", cuba_hint)?;
        let v_bits = ranged(&k("neuron.v_bits"), n.v_bits.unwrap_or(16), 2, 32, "")? as u32;
        let acc_bits = ranged(
            &k("neuron.acc_bits"),
            n.acc_bits.unwrap_or((v_bits + 4) as i64),
            2,
            40,
            "",
        )? as u32;
        let vlo = signed_min(v_bits);
        let vhi = signed_max(v_bits);
        let vw = format!("signed v_bits = {v_bits}");
        let threshold = ranged_default(&k("neuron.threshold"), n.threshold, 256, vlo, vhi, &vw)?;
        let reset = n.reset.clone().unwrap_or_else(|| "zero".to_string());
        let reset = match choice(&k("neuron.reset"), &reset, &["zero", "subtract"])? {
            "zero" => Reset::Zero,
            _ => Reset::Subtract,
        };
        let v_min = ranged(
            &k("neuron.v_min"),
            n.v_min.unwrap_or(vlo),
            vlo,
            0,
            &format!("{vw}; the start value 0 must be legal"),
        )?;
        let v_reset = ranged(
            &k("neuron.v_reset"),
            n.v_reset.unwrap_or(0),
            v_min,
            vhi,
            &format!("within {} and the largest v", k("neuron.v_min")),
        )?;
        let leak_shift = ranged(
            &k("neuron.leak_shift"),
            n.leak_shift.unwrap_or(4.min(v_bits as i64)),
            0,
            v_bits as i64,
            "at most v_bits",
        )? as u32;
        let refractory = ranged(
            &k("neuron.refractory"),
            n.refractory.unwrap_or(0),
            0,
            65535,
            "",
        )? as u32;
        let inhibition = ranged(
            &k("neuron.inhibition"),
            n.inhibition.unwrap_or(0),
            0,
            vhi,
            &vw,
        )?;
        let theta_bits = ranged(
            &k("neuron.theta_bits"),
            n.theta_bits.unwrap_or(16),
            1,
            31,
            "",
        )? as u32;
        let tw = format!("unsigned theta_bits = {theta_bits}");
        let theta_plus = ranged(
            &k("neuron.theta_plus"),
            n.theta_plus.unwrap_or(0),
            0,
            unsigned_max(theta_bits),
            &tw,
        )?;
        let theta_decay_shift = ranged(
            &k("neuron.theta_decay_shift"),
            n.theta_decay_shift.unwrap_or(0),
            0,
            theta_bits as i64,
            "at most theta_bits",
        )? as u32;
        NeuronConfig::Lif(LifConfig {
            v_bits,
            acc_bits,
            threshold,
            reset,
            v_reset,
            v_min,
            leak_shift,
            refractory,
            inhibition,
            theta_plus,
            theta_decay_shift,
            theta_bits,
            theta_file: None,
        })
    } else {
        reject_if_set(
            &k("neuron.v_bits"),
            n.v_bits,
            "cuba",
            "; cuba has 24-bit u and v",
        )?;
        reject_if_set(
            &k("neuron.threshold"),
            n.threshold,
            "cuba",
            &format!("; use {}", k("neuron.vth")),
        )?;
        if n.reset.is_some() {
            return Err(Error::config(
                k("neuron.reset"),
                "does not apply to model = \"cuba\" (v resets to 0)",
            ));
        }
        reject_if_set(&k("neuron.v_reset"), n.v_reset, "cuba", "")?;
        reject_if_set(&k("neuron.v_min"), n.v_min, "cuba", "")?;
        reject_if_set(
            &k("neuron.leak_shift"),
            n.leak_shift,
            "cuba",
            &format!("; use {} and {}", k("neuron.du"), k("neuron.dv")),
        )?;
        reject_if_set(&k("neuron.refractory"), n.refractory, "cuba", "")?;
        reject_if_set(&k("neuron.inhibition"), n.inhibition, "cuba", "")?;
        reject_if_set(&k("neuron.theta_plus"), n.theta_plus, "cuba", "")?;
        reject_if_set(
            &k("neuron.theta_decay_shift"),
            n.theta_decay_shift,
            "cuba",
            "",
        )?;
        reject_if_set(&k("neuron.theta_bits"), n.theta_bits, "cuba", "")?;
        let nn = array.neurons as usize;
        NeuronConfig::Cuba(CubaConfig {
            du: ranged(&k("neuron.du"), n.du.unwrap_or(0), 0, 4095, "12-bit decay")?,
            dv: ranged(&k("neuron.dv"), n.dv.unwrap_or(0), 0, 4095, "12-bit decay")?,
            vth: ranged(
                &k("neuron.vth"),
                n.vth.unwrap_or(10),
                0,
                (1 << 17) - 1,
                "17-bit threshold mantissa",
            )?,
            bias_mant: (n.bias_mant.clone().unwrap_or(IntOrList::One(0))).per_neuron(
                &k("neuron.bias_mant"),
                nn,
                -4096,
                4095,
                "13-bit signed",
            )?,
            bias_exp: (n.bias_exp.clone().unwrap_or(IntOrList::One(0)))
                .per_neuron(&k("neuron.bias_exp"), nn, 0, 7, "")?
                .into_iter()
                .map(|e| e as u32)
                .collect(),
            weight_exp: ranged(
                &k("synapse.weight_exp"),
                s.weight_exp.unwrap_or(0),
                -8,
                7,
                "",
            )? as i32,
            acc_bits: ranged(&k("neuron.acc_bits"), n.acc_bits.unwrap_or(24), 2, 40, "")? as u32,
        })
    };
    Ok(neuron)
}

/// `[stdp]` of one layer.
fn parse_stdp(keys: &Keys, t: RawStdp) -> Result<StdpConfig> {
    let k = |key: &str| keys.k(key);
    let enabled = t.enabled.unwrap_or(true);
    let rule = t.rule.clone().unwrap_or_else(|| "additive".to_string());
    let rule = match choice(&k("stdp.rule"), &rule, &["additive", "symmetric"])? {
        "additive" => Rule::Additive,
        _ => Rule::Symmetric,
    };
    let trace_bits = ranged(&k("stdp.trace_bits"), t.trace_bits.unwrap_or(8), 1, 16, "")? as u32;
    let trw = format!("unsigned trace_bits = {trace_bits}");
    let tmax = unsigned_max(trace_bits);
    let tb = trace_bits as i64;
    let stdp = StdpConfig {
        enabled,
        rule,
        trace_bits,
        pre_inc: ranged(
            &k("stdp.pre_inc"),
            t.pre_inc.unwrap_or(64.min(tmax)),
            0,
            tmax,
            &trw,
        )?,
        post_inc: ranged(
            &k("stdp.post_inc"),
            t.post_inc.unwrap_or(64.min(tmax)),
            0,
            tmax,
            &trw,
        )?,
        pre_decay_shift: ranged(
            &k("stdp.pre_decay_shift"),
            t.pre_decay_shift.unwrap_or(3.min(tb)),
            0,
            tb,
            "at most trace_bits",
        )? as u32,
        post_decay_shift: ranged(
            &k("stdp.post_decay_shift"),
            t.post_decay_shift.unwrap_or(3.min(tb)),
            0,
            tb,
            "at most trace_bits",
        )? as u32,
        ltp_shift: ranged(
            &k("stdp.ltp_shift"),
            t.ltp_shift.unwrap_or(4.min(tb)),
            0,
            tb,
            "at most trace_bits",
        )? as u32,
        ltd_shift: ranged(
            &k("stdp.ltd_shift"),
            t.ltd_shift.unwrap_or(4.min(tb)),
            0,
            tb,
            "at most trace_bits",
        )? as u32,
        ltp_offset: ranged(
            &k("stdp.ltp_offset"),
            t.ltp_offset.unwrap_or(0),
            0,
            65535,
            "",
        )?,
        normalize_target: ranged(
            &k("stdp.normalize_target"),
            t.normalize_target.unwrap_or(0),
            0,
            (1i64 << 32) - 1,
            "0 = off",
        )?,
        normalize_every: ranged(
            &k("stdp.normalize_every"),
            t.normalize_every.unwrap_or(0),
            0,
            (1i64 << 32) - 1,
            "0 = only on a host command",
        )? as u64,
    };
    Ok(stdp)
}

/// The first line of a TOML syntax error with its line and column, without the source excerpt.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let msg = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("invalid TOML at line {line}, column {column}: {msg}")
        }
        None => format!("invalid TOML: {msg}"),
    }
}

/// The TOML type a key takes.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Bool,
    Str,
    /// A string out of a fixed list (the value itself is checked by [`choice`] later).
    Choice(&'static [&'static str]),
    /// An integer or an array of integers (a per-neuron key).
    IntOrInts,
}

use Kind::{Bool, Choice, Int, IntOrInts, Str};

/// Every key of the config file and its type, per section (top-level keys under ""). Must list
/// exactly the fields of [`RawConfig`] (a unit test checks both directions).
const SCHEMA: &[(&str, &[(&str, Kind)])] = &[
    ("", &[("name", Str)]),
    (
        "network",
        &[
            ("layer_delay", Int),
            ("teacher_layer", Int),
            ("output", Choice(&["last", "all"])),
        ],
    ),
    (
        "array",
        &[
            ("inputs", Int),
            ("neurons", Int),
            ("lanes", Int),
            ("recurrent", Bool),
            ("teach", Bool),
            ("bcast_stages", Int),
        ],
    ),
    (
        "neuron",
        &[
            ("model", Choice(&["lif", "cuba"])),
            ("v_bits", Int),
            ("acc_bits", Int),
            ("threshold", Int),
            ("reset", Choice(&["zero", "subtract"])),
            ("v_reset", Int),
            ("v_min", Int),
            ("leak_shift", Int),
            ("refractory", Int),
            ("inhibition", Int),
            ("theta_plus", Int),
            ("theta_decay_shift", Int),
            ("theta_bits", Int),
            ("theta_file", Str),
            ("du", Int),
            ("dv", Int),
            ("vth", Int),
            ("bias_mant", IntOrInts),
            ("bias_exp", IntOrInts),
        ],
    ),
    (
        "synapse",
        &[
            ("weight_bits", Int),
            ("signed", Bool),
            ("w_min", Int),
            ("w_max", Int),
            ("init", Choice(&["constant", "uniform", "file"])),
            ("init_lo", Int),
            ("init_hi", Int),
            ("init_value", Int),
            ("init_file", Str),
            ("seed", Int),
            ("weight_exp", Int),
            ("lava_weight_bits", Int),
            ("max_delay", Int),
            ("delay_init", Choice(&["constant", "uniform", "file"])),
            ("delay_value", Int),
            ("delay_lo", Int),
            ("delay_hi", Int),
            ("delay_file", Str),
            ("delay_seed", Int),
        ],
    ),
    (
        "stdp",
        &[
            ("enabled", Bool),
            ("rule", Choice(&["additive", "symmetric"])),
            ("trace_bits", Int),
            ("pre_inc", Int),
            ("post_inc", Int),
            ("pre_decay_shift", Int),
            ("post_decay_shift", Int),
            ("ltp_shift", Int),
            ("ltd_shift", Int),
            ("ltp_offset", Int),
            ("normalize_target", Int),
            ("normalize_every", Int),
        ],
    ),
];

/// What a TOML value is, for messages.
fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the string \"{s}\""),
        toml::Value::Integer(i) => format!("the integer {i}"),
        toml::Value::Float(f) => format!("the float {f:?}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date-time {d}"),
        toml::Value::Array(_) => "an array".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

/// The keys of a `[[layer]]` table besides its sub-tables `neuron`, `synapse` and `stdp` (which
/// take the keys of the top-level sections of [`SCHEMA`]).
const LAYER_KEYS: &[(&str, Kind)] = &[
    ("neurons", Int),
    ("lanes", Int),
    ("recurrent", Bool),
    ("teach", Bool),
    ("bcast_stages", Int),
];

/// The sub-tables of a `[[layer]]` table.
const LAYER_SECTIONS: &[&str] = &["neuron", "synapse", "stdp"];

/// The keys of a section of [`SCHEMA`].
fn section_keys(section: &str) -> &'static [(&'static str, Kind)] {
    SCHEMA
        .iter()
        .find(|(s, _)| *s == section)
        .map(|(_, k)| *k)
        .unwrap_or_default()
}

/// Check every key of a parsed config against [`SCHEMA`]: unknown keys and values of the wrong
/// type become an [`Error::Config`] naming the dotted key (serde's messages name neither the
/// section nor, for a wrong type, the key). `[[layer]]` tables are checked by [`check_layer`].
fn check_schema(table: &toml::Table) -> Result<()> {
    let sections: Vec<&str> = SCHEMA
        .iter()
        .map(|s| s.0)
        .filter(|s| !s.is_empty())
        .collect();
    let top = SCHEMA[0].1;
    for (key, value) in table {
        if let Some((_, kind)) = top.iter().find(|(k, _)| k == key) {
            check_kind(key, *kind, value)?;
            continue;
        }
        if key == "layer" {
            let toml::Value::Array(layers) = value else {
                return Err(Error::config(
                    "layer",
                    format!(
                        "expected [[layer]] tables (an array of tables), found {}",
                        describe(value)
                    ),
                ));
            };
            for (i, l) in layers.iter().enumerate() {
                check_layer(i + 1, l)?;
            }
            continue;
        }
        if key == "feast" {
            // A FEAST layer is read by golden::feast::FeastConfig, never as an STDP array.
            return Err(Error::config(
                "feast",
                format!(
                    "a FEAST layer, not an STDP array: {}",
                    crate::feast::config::FEAST_STATUS
                ),
            ));
        }
        if !sections.contains(&key.as_str()) {
            let allowed = top
                .iter()
                .map(|(k, _)| k.to_string())
                .chain(sections.iter().map(|s| format!("[{s}]")))
                .chain(std::iter::once("[[layer]]".to_string()))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::config(
                key.as_str(),
                format!("unknown key: allowed at the top level are {allowed}"),
            ));
        }
        check_section("", key, &format!("[{key}]"), value)?;
    }
    Ok(())
}

/// Check one section's table against its keys: `prefix` is put before the dotted keys in errors
/// (`layer[1].`), `shown` names the section in messages (`[layer.neuron]`).
fn check_section(prefix: &str, section: &str, shown: &str, value: &toml::Value) -> Result<()> {
    let keys = section_keys(section);
    let toml::Value::Table(inner) = value else {
        return Err(Error::config(
            format!("{prefix}{section}"),
            format!("expected a table {shown}, found {}", describe(value)),
        ));
    };
    for (k, v) in inner {
        let dotted = format!("{prefix}{section}.{k}");
        match keys.iter().find(|(name, _)| name == k) {
            Some((_, kind)) => check_kind(&dotted, *kind, v)?,
            None => {
                let allowed = keys.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
                return Err(Error::config(
                    dotted,
                    format!("unknown key: allowed keys of {shown} are {allowed}"),
                ));
            }
        }
    }
    Ok(())
}

/// Check the `[[layer]]` table of layer `k` (the first table is layer 1).
fn check_layer(k: usize, value: &toml::Value) -> Result<()> {
    let prefix = format!("layer[{k}].");
    let toml::Value::Table(table) = value else {
        return Err(Error::config(
            format!("layer[{k}]"),
            format!("expected a [[layer]] table, found {}", describe(value)),
        ));
    };
    for (key, v) in table {
        if let Some((_, kind)) = LAYER_KEYS.iter().find(|(n, _)| n == key) {
            check_kind(&format!("{prefix}{key}"), *kind, v)?;
        } else if LAYER_SECTIONS.contains(&key.as_str()) {
            check_section(&prefix, key, &format!("[layer.{key}]"), v)?;
        } else {
            let allowed = LAYER_KEYS
                .iter()
                .map(|(n, _)| n.to_string())
                .chain(LAYER_SECTIONS.iter().map(|s| format!("[layer.{s}]")))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = if key == "inputs" {
                " (a layer's inputs are the previous layer's neurons)"
            } else {
                ""
            };
            return Err(Error::config(
                format!("{prefix}{key}"),
                format!("unknown key: allowed in a [[layer]] table are {allowed}{hint}"),
            ));
        }
    }
    Ok(())
}

fn check_kind(key: &str, kind: Kind, v: &toml::Value) -> Result<()> {
    let ok = matches!(
        (kind, v),
        (Int | IntOrInts, toml::Value::Integer(_))
            | (Bool, toml::Value::Boolean(_))
            | (Str | Choice(_), toml::Value::String(_))
    );
    if ok {
        return Ok(());
    }
    if let (IntOrInts, toml::Value::Array(items)) = (kind, v) {
        return match items.iter().position(|x| !x.is_integer()) {
            None => Ok(()),
            Some(i) => Err(Error::config(
                format!("{key}[{i}]"),
                format!("expected an integer, found {}", describe(&items[i])),
            )),
        };
    }
    let expected = match kind {
        Int => "an integer".to_string(),
        IntOrInts => "an integer or an array of integers (one per neuron)".to_string(),
        Bool => "a boolean (true or false)".to_string(),
        Str => "a string".to_string(),
        Choice(list) => format!(
            "a string, one of {}",
            list.iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
    };
    Err(Error::config(
        key,
        format!("expected {expected}, found {}", describe(v)),
    ))
}

/// Read a weight CSV: exactly `rows` lines of `cols` integers within `[lo, hi]`.
pub fn read_weight_csv(
    path: &Path,
    rows: usize,
    cols: usize,
    lo: i64,
    hi: i64,
    rows_label: &str,
) -> Result<Array2<i32>> {
    read_weights("synapse.init_file", path, rows, cols, (lo, hi), rows_label)
}

/// [`read_weight_csv`] with the errors naming `key` (`layer[1].synapse.init_file`).
fn read_weights(
    key: &str,
    path: &Path,
    rows: usize,
    cols: usize,
    (lo, hi): (i64, i64),
    rows_label: &str,
) -> Result<Array2<i32>> {
    let range_keys = key.replace("init_file", "w_min..=") + &key.replace("init_file", "w_max");
    let what = ("weight", range_keys);
    read_matrix(key, path, (rows, cols), (lo, hi), rows_label, &what)
}

/// Read a CSV of `rows` lines of `cols` integers within `[lo, hi]` (a weight or a delay file);
/// the errors name `key`, the row and column, and `what` (the value's name and where its range
/// comes from).
fn read_matrix(
    key: &str,
    path: &Path,
    (rows, cols): (usize, usize),
    (lo, hi): (i64, i64),
    rows_label: &str,
    (what, range_keys): &(&str, String),
) -> Result<Array2<i32>> {
    let text = read_text(path).map_err(|e| Error::config(key, e.to_string()))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() != rows {
        return Err(Error::config(
            key,
            format!(
                "{}: has {} rows, expected {rows} (one per presynaptic address, {rows_label})",
                path.display(),
                lines.len()
            ),
        ));
    }
    let mut w = Array2::<i32>::zeros((rows, cols));
    for (r, line) in lines.iter().enumerate() {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != cols {
            return Err(Error::config(
                key,
                format!(
                    "{} row {}: has {} values, expected {cols} (one per neuron)",
                    path.display(),
                    r + 1,
                    fields.len()
                ),
            ));
        }
        for (c, f) in fields.iter().enumerate() {
            let v: i64 = f.parse().map_err(|_| {
                Error::config(
                    key,
                    format!(
                        "{} row {} column {}: \"{f}\" is not an integer",
                        path.display(),
                        r + 1,
                        c + 1
                    ),
                )
            })?;
            if v < lo || v > hi {
                return Err(Error::config(
                    key,
                    format!(
                        "{} row {} column {}: {what} {v} is out of range: allowed {lo}..={hi} ({range_keys})",
                        path.display(),
                        r + 1,
                        c + 1
                    ),
                ));
            }
            w[[r, c]] = v as i32;
        }
    }
    Ok(w)
}

/// Read a theta CSV (`neuron.theta_file`): one line of `neurons` integers within `0..=max`.
pub fn read_theta_csv(path: &Path, key: &str, neurons: usize, max: i64) -> Result<Vec<i64>> {
    let text = read_text(path).map_err(|e| Error::config(key, e.to_string()))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() != 1 {
        return Err(Error::config(
            key,
            format!(
                "{}: has {} lines, expected 1 (theta of every neuron, comma-separated)",
                path.display(),
                lines.len()
            ),
        ));
    }
    let fields: Vec<&str> = lines[0].split(',').map(str::trim).collect();
    if fields.len() != neurons {
        return Err(Error::config(
            key,
            format!(
                "{}: has {} values, expected {neurons} (one per neuron)",
                path.display(),
                fields.len()
            ),
        ));
    }
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let v: i64 = f.parse().map_err(|_| {
                Error::config(
                    key,
                    format!(
                        "{} value {}: \"{f}\" is not an integer",
                        path.display(),
                        i + 1
                    ),
                )
            })?;
            if !(0..=max).contains(&v) {
                return Err(Error::config(
                    key,
                    format!(
                        "{} value {}: theta {v} is out of range: allowed 0..={max} (unsigned \
                         neuron.theta_bits)",
                        path.display(),
                        i + 1
                    ),
                ));
            }
            Ok(v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn theta_file_is_read_and_checked() {
        let dir = std::env::temp_dir().join(format!("neurogen-theta-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = |theta_plus: i64, text: &str| {
            std::fs::write(dir.join("th.csv"), text).unwrap();
            Config::from_toml_str(
                &format!(
                    "[array]\ninputs = 2\nneurons = 3\n[neuron]\ntheta_plus = {theta_plus}\n\
                     theta_bits = 4\ntheta_file = \"th.csv\"\n"
                ),
                &dir,
            )
        };
        let c = cfg(2, "1, 0, 15\n").unwrap();
        assert_eq!(c.initial_theta(), vec![1, 0, 15]);
        let err = |tp, text| cfg(tp, text).unwrap_err().to_string();
        assert!(err(2, "1, 0, 16\n").contains("theta 16 is out of range: allowed 0..=15"));
        assert!(err(2, "1, 0\n").contains("has 2 values, expected 3"));
        assert!(err(2, "1, x, 2\n").contains("\"x\" is not an integer"));
        assert!(err(2, "1,2,3\n4,5,6\n").contains("has 2 lines, expected 1"));
        assert!(err(0, "1, 0, 1\n").contains("does not apply when neuron.theta_plus = 0"));
        let none = Config::from_toml_str("[array]\ninputs = 2\nneurons = 3\n", &dir).unwrap();
        assert_eq!(none.initial_theta(), vec![0, 0, 0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn schema_keys_are_exactly_the_raw_config_fields() {
        // serde_json writes every field, `null` for None: the set of RawConfig's dotted keys
        let raw = RawConfig {
            name: None,
            network: Some(RawNetwork::default()),
            array: Some(RawArray::default()),
            neuron: Some(RawNeuron::default()),
            synapse: Some(RawSynapse::default()),
            stdp: Some(RawStdp::default()),
            layer: None,
        };
        let json = serde_json::to_value(&raw).unwrap();
        let mut fields = BTreeSet::new();
        for (k, v) in json.as_object().unwrap() {
            match v.as_object() {
                Some(inner) => fields.extend(inner.keys().map(|f| format!("{k}.{f}"))),
                None if k == "layer" => {}
                None => {
                    fields.insert(k.clone());
                }
            }
        }
        let schema: BTreeSet<String> = SCHEMA
            .iter()
            .flat_map(|(s, keys)| {
                keys.iter().map(move |(k, _)| {
                    if s.is_empty() {
                        k.to_string()
                    } else {
                        format!("{s}.{k}")
                    }
                })
            })
            .collect();
        assert_eq!(fields, schema);
    }
}
