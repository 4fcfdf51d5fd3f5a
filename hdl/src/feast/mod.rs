//! The FEAST layer generator: a validated [`FeastConfig`] in, the IR [`Design`] of one FEAST
//! layer, its memory init files and its `manifest.json` out (docs/model.md, "FEAST layers").
//!
//! Key decisions:
//! - One state machine ([`top`]) runs an event's steps in sequence, each state a fixed number of
//!   cycles given by `golden::feast::FeastArch` (the cycle model), so the cycles per event
//!   depend only on the outcome.
//! - The match sweep uses the lanes: lane `l` holds neurons `g * lanes + l` (weights at `k * G +
//!   g`), and each lane does one multiply-accumulate per cycle with the context value broadcast.
//!   The arithmetic is written as plain products (`*`): Yosys maps them to SB_MAC16 (UP5K,
//!   `-dsp`) or MULT18X18D (ECP5), or to logic on the iCE40 HX.
//! - The norm (integer square root, one iteration per result bit) and the ratio (the array's
//!   restoring divider, [`crate::array::div`]) are the golden model's integer algorithms.
//! - Initial weights (normalised, as `golden::feast::Feast::new`) and thresholds are preloaded
//!   from init files; the traces are cleared by a sweep after reset.

pub mod harness;
pub mod top;

use crate::array::build::{MemKind, MemShape};
use crate::array::{Target, div};
use crate::emit;
use crate::ir::{Design, SigKind};
use golden::arith::addr_bits;
use golden::feast::{Feast, FeastArch, FeastConfig, Norm};
use serde::Serialize;
use std::collections::BTreeMap;

/// A deliberately wrong design, to show that the co-simulation catches each kind of error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutant {
    /// The window's inside test is one position too wide on the right (`px + r <= width`).
    WindowBound,
    /// Ties of the winner-take-all go to the later neuron (`>=` instead of `>`).
    TieBreak,
    /// A win raises the threshold by `win_step + 1`.
    WinStep,
    /// The output register is taken as free even while it holds an untaken beat (`out_free`
    /// ignores `out_valid`): under output backpressure a beat is overwritten and lost. Without
    /// backpressure the register is always taken in the cycle after it fills, and nothing shows.
    OutOverwrite,
    /// The output register's address and end-of-tick bit are loaded in every Emit cycle, also
    /// while the layer waits for the register (the hold dropped): under output backpressure the
    /// waiting beat is replaced by the next one, which is then sent twice.
    OutHold,
    /// The output register is taken as free only with `out_ready` high, also when it is empty:
    /// no beat is lost, but a beat waits for `out_ready` when the cycle model says it need not.
    OutWaitEmpty,
}

/// Generator options of a FEAST layer.
#[derive(Debug, Clone, Default)]
pub struct FeastOptions {
    /// Target family (the memories are behavioural block RAM on every target; the products are
    /// mapped to the target's multipliers by synthesis).
    pub target: Option<Target>,
    /// Prefix of the init file names in the Verilog (`$readmemh` paths).
    pub init_prefix: String,
    /// A deliberate error (tests only).
    pub mutant: Option<Mutant>,
}

/// Register indices of the host port's region 0.
pub mod regs {
    /// Identification, [`super::ID`].
    pub const ID: u64 = 0;
    /// Bit 0: learning enabled (1 after reset).
    pub const CONTROL: u64 = 1;
    /// Write bit 0: clear the traces.
    pub const COMMAND: u64 = 2;
    /// Ticks since reset (end-of-tick beats).
    pub const TICKS: u64 = 3;
    /// Events with an address in the grid.
    pub const EVENTS: u64 = 4;
    /// Events dropped (address out of the grid).
    pub const DROPPED: u64 = 5;
    /// Events skipped at the border.
    pub const SKIPPED: u64 = 6;
    /// Missed events.
    pub const MISSED: u64 = 7;
    /// Won events (output spikes).
    pub const WON: u64 = 8;
    /// Registers.
    pub const COUNT: u64 = 9;
}

/// The value of register ID ("FEA5" and the format version).
pub const ID: u32 = 0xFEA5_0001;

/// Host port regions (the top two bits of the word address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeastRegion {
    /// Registers ([`regs`]).
    Regs = 0,
    /// Weights: index `(k << (gb + lb)) | (g << lb) | l` for neuron `g * lanes + l`.
    Weights = 1,
    /// Thresholds: index `(g << lb) | l`.
    Thresholds = 2,
    /// Traces (read only): index `j`.
    Traces = 3,
}

/// Derived sizes of the FEAST hardware.
#[derive(Debug, Clone, Serialize)]
pub struct FeastLayout {
    /// Top module name.
    pub name: String,
    /// The cycle model's sizes.
    pub arch: FeastArch,
    /// Grid width and height, radius.
    pub width: u32,
    /// Grid height.
    pub height: u32,
    /// Window radius.
    pub radius: u32,
    /// Neurons.
    pub n: u64,
    /// Trace and weight bits.
    pub trace_bits: u32,
    /// Weight bits.
    pub weight_bits: u32,
    /// Threshold bits (`match_bits + 1`).
    pub theta_bits: u32,
    /// Host index fields: window position, group, lane bits.
    pub kb: u32,
    /// Group bits.
    pub gb: u32,
    /// Lane bits.
    pub lb: u32,
    /// Index bits of a host word address (the region is above them).
    pub ib: u32,
    /// Host word address bits.
    pub aw: u32,
    /// Output address bits (neuron index).
    pub nb: u32,
    /// `py = (j * div_mul) >> div_shift` is `j / width` for every input `j`.
    pub div_mul: u64,
    /// See `div_mul`.
    pub div_shift: u32,
}

impl FeastLayout {
    /// Sizes for `cfg`, or why the hardware cannot be built.
    pub fn new(cfg: &FeastConfig) -> Result<FeastLayout, String> {
        let p = &cfg.feast;
        if p.norm_shift > 15 {
            return Err(format!(
                "feast.norm_shift = {}: the hardware's ratio divider gives 32-bit quotients, so \
                 norm_shift must be at most 15 (the ratio is below 2^(norm_shift + 17))",
                p.norm_shift
            ));
        }
        let arch = FeastArch::new(cfg);
        let (kb, gb, lb) = (addr_bits(arch.k), addr_bits(arch.g), addr_bits(arch.lanes));
        let ib = (kb + gb + lb)
            .max(addr_bits(arch.inputs))
            .max(addr_bits(regs::COUNT));
        let (div_mul, div_shift) = reciprocal(p.width as u64, arch.inputs);
        Ok(FeastLayout {
            name: cfg.base.name.clone(),
            arch,
            width: p.width,
            height: p.height,
            radius: p.radius,
            n: cfg.neurons() as u64,
            trace_bits: cfg.base.stdp.trace_bits,
            weight_bits: cfg.base.synapse.weight_bits,
            theta_bits: p.match_bits + 1,
            kb,
            gb,
            lb,
            ib,
            aw: ib + 2,
            nb: addr_bits(cfg.neurons() as u64),
            div_mul,
            div_shift,
        })
    }

    /// The host word address of a weight (window position k, neuron i).
    pub fn weight_addr(&self, k: u64, i: u64) -> u64 {
        let (g, l) = (i / self.arch.lanes, i % self.arch.lanes);
        (FeastRegion::Weights as u64) << self.ib | k << (self.gb + self.lb) | g << self.lb | l
    }

    /// The host word address of neuron i's threshold.
    pub fn theta_addr(&self, i: u64) -> u64 {
        let (g, l) = (i / self.arch.lanes, i % self.arch.lanes);
        (FeastRegion::Thresholds as u64) << self.ib | g << self.lb | l
    }

    /// The host word address of trace j.
    pub fn trace_addr(&self, j: u64) -> u64 {
        (FeastRegion::Traces as u64) << self.ib | j
    }

    /// The host word address of register `r` ([`regs`]).
    pub fn reg_addr(&self, r: u64) -> u64 {
        r
    }
}

/// `(m, s)` with `(j * m) >> s == j / d` for every `j < n`: the smallest shift that works with
/// `m = ceil(2^s / d)` (checked over every `j`).
fn reciprocal(d: u64, n: u64) -> (u64, u32) {
    for s in 0..48 {
        let m = (1u64 << s).div_ceil(d);
        if (0..n).all(|j| (j * m) >> s == j / d) {
            return (m, s);
        }
    }
    unreachable!("a 48-bit reciprocal divides every 16-bit value exactly")
}

/// Everything `neurogen generate` writes for a FEAST layer.
#[derive(Debug, Clone)]
pub struct FeastGenerated {
    /// Derived sizes.
    pub layout: FeastLayout,
    /// The IR.
    pub design: Design,
    /// Verilog files: (file name, text), top first.
    pub rtl: Vec<(String, String)>,
    /// Memory init files: (file name, text).
    pub init: Vec<(String, String)>,
    /// `manifest.json`.
    pub manifest: String,
}

/// Per-lane words of the initial (normalised) weights: lane l holds neuron `g * lanes + l`'s
/// weight of window position k at `k * G + g`.
pub fn weight_words(cfg: &FeastConfig, lay: &FeastLayout) -> Vec<Vec<u64>> {
    let w = Feast::new(cfg).weights();
    let (k, g, l) = (
        lay.arch.k as usize,
        lay.arch.g as usize,
        lay.arch.lanes as usize,
    );
    (0..l)
        .map(|lane| {
            (0..k * g)
                .map(|a| w[[a / g, (a % g) * l + lane]] as u64)
                .collect()
        })
        .collect()
}

fn hex(words: &[u64], bits: u32) -> String {
    let digits = bits.div_ceil(4) as usize;
    words.iter().map(|v| format!("{v:0digits$x}\n")).collect()
}

/// Generate the FEAST layer of `cfg`.
pub fn generate(cfg: &FeastConfig, opts: &FeastOptions) -> Result<FeastGenerated, String> {
    let lay = FeastLayout::new(cfg)?;
    let target = opts.target.unwrap_or(Target::Generic);
    let words = weight_words(cfg, &lay);
    let theta0 = vec![cfg.feast.threshold_init as u64; lay.arch.g as usize];
    let mut init = Vec::new();
    for (l, w) in words.iter().enumerate() {
        init.push((format!("{}_w{l}.hex", lay.name), hex(w, lay.weight_bits)));
        init.push((
            format!("{}_theta{l}.hex", lay.name),
            hex(&theta0, lay.theta_bits),
        ));
    }
    let built = top::top_module(cfg, &lay, &opts.init_prefix, opts.mutant);
    let mut modules = vec![built.module];
    let dw = match cfg.feast.norm {
        Norm::L1 => lay.arch.sum_bits,
        Norm::L2 => lay.arch.sqrt_iters as u32,
    };
    modules.push(div::div_module(
        &format!("{}_div", lay.name),
        1 << cfg.feast.norm_shift,
        dw,
        lay.arch.quot_bits as u32,
    ));
    let shapes: BTreeMap<String, MemShape> = built
        .memories
        .iter()
        .map(|m| (m.module.clone(), m.shape))
        .collect();
    for (name, shape) in &shapes {
        modules.push(shape.module(name));
    }
    let design = Design {
        modules,
        top: lay.name.clone(),
    };
    design.check()?;
    let cfg_json = serde_json::to_string(cfg).map_err(|e| e.to_string())?;
    let header = vec![
        format!(
            "Generated by neurogen {} from FEAST layer `{}` (config fingerprint {:016x}, target {:?}).",
            env!("CARGO_PKG_VERSION"),
            cfg.base.name,
            fnv1a(cfg_json.as_bytes()),
            target
        ),
        "Do not edit: regenerate with `neurogen generate`.".to_string(),
    ];
    let rtl = emit::design(&design, &header)?;
    let manifest = manifest(cfg, &lay, &design, &rtl, &init, target, &built.memories)?;
    Ok(FeastGenerated {
        layout: lay,
        design,
        rtl,
        init,
        manifest,
    })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[derive(Serialize)]
struct PortDesc {
    name: String,
    direction: &'static str,
    width: u32,
}

#[derive(Serialize)]
struct MemDesc {
    instance: String,
    module: String,
    width: u32,
    depth: u64,
    preloaded: bool,
}

#[derive(Serialize)]
struct Manifest<'a> {
    generator: String,
    kind: &'static str,
    top: &'a str,
    target: Target,
    config: &'a FeastConfig,
    rtl_files: Vec<&'a str>,
    init_files: Vec<&'a str>,
    ports: Vec<PortDesc>,
    memories: Vec<MemDesc>,
    host: HostMap,
    layout: &'a FeastLayout,
    cycles_per_event: golden::feast::EventCycles,
}

#[derive(Serialize)]
struct HostMap {
    address_bits: u32,
    region_shift: u32,
    regions: Vec<(FeastRegion, &'static str)>,
    registers: Vec<(&'static str, u64)>,
    id: String,
}

fn manifest(
    cfg: &FeastConfig,
    lay: &FeastLayout,
    design: &Design,
    rtl: &[(String, String)],
    init: &[(String, String)],
    target: Target,
    mems: &[crate::array::build::MemUse],
) -> Result<String, String> {
    let top = &design.modules[0];
    let ports = top
        .ports()
        .map(|s| PortDesc {
            name: s.name.clone(),
            direction: if s.kind == SigKind::Input {
                "input"
            } else {
                "output"
            },
            width: s.ty.width,
        })
        .collect();
    let m = Manifest {
        generator: format!("neurogen {}", env!("CARGO_PKG_VERSION")),
        kind: "feast",
        top: &lay.name,
        target,
        config: cfg,
        rtl_files: rtl.iter().map(|(n, _)| n.as_str()).collect(),
        init_files: init.iter().map(|(n, _)| n.as_str()).collect(),
        ports,
        memories: mems
            .iter()
            .map(|u| MemDesc {
                instance: u.instance.clone(),
                module: u.module.clone(),
                width: u.shape.ty.width,
                depth: u.shape.depth,
                preloaded: matches!(u.shape.kind, MemKind::Ram { init: true, .. }),
            })
            .collect(),
        host: HostMap {
            address_bits: lay.aw,
            region_shift: lay.ib,
            regions: vec![
                (FeastRegion::Regs, "register index"),
                (FeastRegion::Weights, "(k << (gb + lb)) | (g << lb) | l"),
                (FeastRegion::Thresholds, "(g << lb) | l"),
                (FeastRegion::Traces, "j (read only)"),
            ],
            registers: vec![
                ("ID", regs::ID),
                ("CONTROL", regs::CONTROL),
                ("COMMAND", regs::COMMAND),
                ("TICKS", regs::TICKS),
                ("EVENTS", regs::EVENTS),
                ("DROPPED", regs::DROPPED),
                ("SKIPPED", regs::SKIPPED),
                ("MISSED", regs::MISSED),
                ("WON", regs::WON),
            ],
            id: format!("{ID:#010x}"),
        },
        layout: lay,
        cycles_per_event: golden::feast::event_cycles(cfg),
    };
    serde_json::to_string_pretty(&m).map_err(|e| e.to_string())
}
