//! One synthesis run: generate the board top of a network for a device, run Yosys, nextpnr and
//! the bitstream packer, and gather the report.
//!
//! Key decisions:
//! - What is synthesized is the board top (array + UART host link + LEDs,
//!   [`hdl::board`]): the bare array has ~130 ports, more than a UP5K package has pins, and the
//!   board top is what runs on a board. Its pins follow the device's board (UP5K: iCEBreaker,
//!   ECP5: ULX3S) or are placed freely (HX8K, or `board: None`).
//! - Yosys per family, chosen by measurement (`docs/board.md`, "Toolchain choice"): Debian's
//!   0.23 for iCE40 (higher Fmax than 0.70), YoWASP 0.70 for ECP5 (fewer LUTs and higher Fmax);
//!   [`YosysChoice`] overrides it.
//! - The clock target is the board clock: on a board, the PLL's output (`clock_mhz` must be a
//!   clock the PLL makes); the constraint file gives the oscillator's frequency on the pin and
//!   nextpnr derives the PLL output's constraint from its parameters, so timing is checked at
//!   the clock the board really runs. With pins placed freely there is no PLL and the clock pin
//!   is timed at `clock_mhz` itself. The report gives the Fmax, the board clock and the SOP/s
//!   at the board clock ([`report::BoardClock`]).
//! - nextpnr runs with `--timing-allow-fail` so a design that misses the clock target still
//!   gets its Fmax reported, and with a fixed seed so runs repeat.
//! - Several seeds (`seeds`): Yosys runs once, then nextpnr once per seed on the same netlist,
//!   as many at a time as there are cores; the seed with the highest Fmax is kept (its report,
//!   log and bitstream under the usual names) and every seed's Fmax is reported. On a nearly
//!   full device placement alone moves Fmax by several MHz (docs/board.md).
//! - An early fit check on the Yosys netlist skips place and route for a design that cannot fit
//!   (the hard blocks, or a lower bound of the logic), and names the resource and the excess.

use super::device::{Device, Family};
use super::report::{
    self, BoardClock, MemoryMap, PathSummary, PnrReport, Resources, SeedSpread, Shortfall, Use,
};
use super::tool::{self, Tool};
use golden::Config;
use hdl::board::{self, Board, BoardOptions};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which Yosys to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YosysChoice {
    /// The measured best for the family (iCE40: Debian 0.23; ECP5: YoWASP 0.70).
    Auto,
    /// Debian's Yosys 0.23.
    Debian,
    /// YoWASP Yosys 0.70 from PyPI.
    Yowasp,
}

impl YosysChoice {
    /// Parse `--yosys`.
    pub fn parse(s: &str) -> Result<YosysChoice, String> {
        match s {
            "auto" => Ok(YosysChoice::Auto),
            "debian" => Ok(YosysChoice::Debian),
            "yowasp" => Ok(YosysChoice::Yowasp),
            o => Err(format!("--yosys \"{o}\": allowed auto, debian, yowasp")),
        }
    }

    fn tool(self, family: Family) -> Tool {
        match (self, family) {
            (YosysChoice::Debian, _) | (YosysChoice::Auto, Family::Ice40) => Tool::Yosys,
            _ => Tool::YowaspYosys,
        }
    }
}

/// A synthesis request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The network.
    pub config: Config,
    /// The device.
    pub device: Device,
    /// The board whose pins to use (`None`: free placement).
    pub board: Option<Board>,
    /// The board clock, MHz: on a board the PLL's output (one the PLL makes), with pins placed
    /// freely the clock pin's; nextpnr's timing target either way.
    pub freq_mhz: f64,
    /// Which Yosys.
    pub yosys: YosysChoice,
    /// Work folder (created; the tools run inside it).
    pub dir: PathBuf,
    /// nextpnr seed (the first of `seeds`).
    pub seed: u64,
    /// How many nextpnr seeds to run: `seed`, `seed + 1`, ... (1 to [`MAX_SEEDS`]).
    pub seeds: u32,
    /// UART baud rate of the board top.
    pub baud: u64,
}

impl Request {
    /// A request with the device's defaults.
    pub fn new(config: Config, device: Device, dir: PathBuf) -> Request {
        Request {
            config,
            device,
            board: device.default_board(),
            freq_mhz: device
                .default_board()
                .map_or(device.default_mhz(), |b| b.default_clock_hz() as f64 / 1e6),
            yosys: YosysChoice::Auto,
            dir,
            seed: 1,
            seeds: 1,
            baud: 1_000_000,
        }
    }
}

/// The most seeds one run accepts (each is a full place and route).
pub const MAX_SEEDS: u32 = 32;

/// Used and available units with the percentage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Utilisation {
    /// Used.
    pub used: u64,
    /// Available.
    pub available: u64,
    /// `100 * used / available`.
    pub percent: f64,
}

impl From<Use> for Utilisation {
    fn from(u: Use) -> Self {
        Utilisation {
            used: u.used,
            available: u.available,
            percent: if u.available == 0 {
                0.0
            } else {
                u.used as f64 * 100.0 / u.available as f64
            },
        }
    }
}

/// Seconds per step.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Seconds {
    /// Yosys.
    pub yosys: f64,
    /// nextpnr (wall time of all seeds).
    pub nextpnr: f64,
    /// icepack / ecppack.
    pub pack: f64,
}

/// One nextpnr seed of a run.
#[derive(Debug, Clone, Serialize)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// Its Fmax, MHz (`None`: not routed or not analysed).
    pub fmax_mhz: Option<f64>,
    /// Whether the Fmax reaches the target.
    pub met: bool,
    /// nextpnr's wall time, seconds.
    pub seconds: f64,
    /// Why it has no Fmax (nextpnr failed, or the design did not fit).
    pub error: Option<String>,
}

/// What a synthesis run found.
#[derive(Debug, Clone, Serialize)]
pub struct SynthReport {
    /// The `--target` name.
    pub target: &'static str,
    /// Family.
    pub family: Family,
    /// Board whose pins were used.
    pub board: Option<Board>,
    /// Synthesized top module (the board top).
    pub top: String,
    /// Network name.
    pub network: String,
    /// A network of layers: each layer's cost (Yosys, the layer's module and what it holds) and
    /// SOP/s at the Fmax; the totals are the whole top's (layers, links and the board link). Empty for one layer.
    pub layers: Vec<LayerCost>,
    /// Inputs x neurons, lanes.
    pub inputs: u32,
    /// Neurons.
    pub neurons: u32,
    /// Lanes.
    pub lanes: u32,
    /// Weight bits.
    pub weight_bits: u32,
    /// LUT4s (Yosys).
    pub luts: u64,
    /// Flip-flops (Yosys).
    pub ffs: u64,
    /// Carry cells (Yosys).
    pub carry: u64,
    /// Block RAMs (Yosys).
    pub bram: u64,
    /// SPRAMs (Yosys).
    pub spram: u64,
    /// Multipliers (Yosys).
    pub dsp: u64,
    /// Distributed RAM cells (ECP5, Yosys).
    pub lutram: u64,
    /// Logic cells as placed (nextpnr: ICESTORM_LC or TRELLIS_COMB).
    pub logic_cells: Option<u64>,
    /// Utilisation per resource (nextpnr's when it ran, else Yosys' counts against the
    /// datasheet).
    pub utilisation: BTreeMap<String, Utilisation>,
    /// Fmax of the clock from nextpnr's timing analysis, MHz.
    pub fmax_mhz: Option<f64>,
    /// The clock target given to nextpnr, MHz.
    pub target_mhz: f64,
    /// Synaptic operations per clock in the event phase (= lanes).
    pub sop_per_cycle: u64,
    /// Fmax x SOP/cycle, millions per second.
    pub msops: Option<f64>,
    /// The clock the board top runs at and the SOP/s there.
    pub board_clock: BoardClock,
    /// Whether it fits the device (placed and routed).
    pub fits: bool,
    /// What does not fit.
    pub shortfalls: Vec<Shortfall>,
    /// Latches Yosys inferred (should be 0).
    pub latches: usize,
    /// Where each memory went.
    pub memories: Vec<MemoryMap>,
    /// Critical paths from nextpnr.
    pub critical_paths: Vec<PathSummary>,
    /// The nextpnr seed kept (the best of `seeds`).
    pub seed: u64,
    /// Every seed run, in seed order (empty when place and route was skipped).
    pub seeds: Vec<SeedRun>,
    /// The seeds' Fmax: min, mean, max, how many met the target.
    pub spread: Option<SeedSpread>,
    /// The bitstream written.
    pub bitstream: Option<PathBuf>,
    /// The work folder (logs, netlist, reports).
    pub dir: PathBuf,
    /// Tool versions.
    pub tools: BTreeMap<&'static str, String>,
    /// Seconds per step.
    pub seconds: Seconds,
}

impl SynthReport {
    /// One line saying why it does not fit, if it does not.
    pub fn misfit(&self) -> Option<String> {
        (!self.fits).then(|| {
            let what: Vec<String> = self.shortfalls.iter().map(|s| s.to_string()).collect();
            format!(
                "{} does not fit {}: {}",
                self.network,
                self.target,
                if what.is_empty() {
                    "place and route failed".to_string()
                } else {
                    what.join("; ")
                }
            )
        })
    }

    /// A text report for people.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} on {} ({}{}): {} inputs x {} neurons, {} lanes, {}-bit weights",
            self.network,
            self.target,
            self.top,
            self.board
                .map(|b| format!(", {} pins", b.name()))
                .unwrap_or_else(|| ", pins placed freely".into()),
            self.inputs,
            self.neurons,
            self.lanes,
            self.weight_bits
        );
        if let Some(last) = self.layers.last() {
            // a chain: the line above is layer 0's; the whole network here
            let sizes: Vec<String> = std::iter::once(self.inputs)
                .chain(self.layers.iter().map(|l| l.neurons))
                .map(|n| n.to_string())
                .collect();
            let lanes: Vec<String> = self.layers.iter().map(|l| l.lanes.to_string()).collect();
            let _ = writeln!(
                s,
                "  network of {} layers: {} neurons, {} lanes (last layer {}-bit weights)",
                self.layers.len(),
                sizes.join(" -> "),
                lanes.join(" + "),
                last.weight_bits
            );
        }
        let _ = writeln!(
            s,
            "  yosys:   {} LUT4, {} FF, {} carry, {} block RAM, {} SPRAM, {} DSP{}",
            self.luts,
            self.ffs,
            self.carry,
            self.bram,
            self.spram,
            self.dsp,
            if self.lutram > 0 {
                format!(", {} distributed RAM (16x4)", self.lutram)
            } else {
                String::new()
            }
        );
        if !self.layers.is_empty() {
            let _ = writeln!(
                s,
                "  per layer (Yosys, each layer's module before flattening; the totals above are the flattened design's):"
            );
            let _ = writeln!(
                s,
                "    layer  inputs x neurons  lanes     LUT4       FF  carry  BRAM  SPRAM  DSP   M SOP/s"
            );
            for l in &self.layers {
                let r = &l.resources;
                let _ = writeln!(
                    s,
                    "    {:>5}  {:>16}  {:>5}  {:>7}  {:>7}  {:>5}  {:>4}  {:>5}  {:>3}  {:>8}",
                    l.layer,
                    format!("{} x {}", l.inputs, l.neurons),
                    l.lanes,
                    r.luts,
                    r.ffs,
                    r.carry,
                    r.bram,
                    r.spram,
                    r.dsp,
                    l.msops.map_or("-".into(), |m| format!("{m:.1}"))
                );
            }
            let _ = writeln!(
                s,
                "    total  {:>16}  {:>5}  {:>7}  {:>7}  {:>5}  {:>4}  {:>5}  {:>3}  {:>8}",
                format!("{} layers", self.layers.len()),
                self.layers.iter().map(|l| l.lanes).sum::<u32>(),
                self.luts,
                self.ffs,
                self.carry,
                self.bram,
                self.spram,
                self.dsp,
                self.msops.map_or("-".into(), |m| format!("{m:.1}"))
            );
        }
        let _ = writeln!(s, "  utilisation:");
        for (k, u) in &self.utilisation {
            let _ = writeln!(
                s,
                "    {k:<16} {:>7} / {:<7} {:>5.1} %{}",
                u.used,
                u.available,
                u.percent,
                if u.used > u.available { "  OVER" } else { "" }
            );
        }
        match self.fmax_mhz {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "  timing:  Fmax {f:.2} MHz (target {} MHz {}), {} SOP/cycle -> {:.1} M synaptic ops/s",
                    self.target_mhz,
                    if f >= self.target_mhz {
                        "met"
                    } else {
                        "not met"
                    },
                    self.sop_per_cycle,
                    f * self.sop_per_cycle as f64
                );
            }
            None => {
                let _ = writeln!(s, "  timing:  not analysed (not placed)");
            }
        }
        let _ = writeln!(s, "{}", self.board_clock.line(self.fmax_mhz));
        if self.seeds.len() > 1 {
            let list: Vec<String> = self
                .seeds
                .iter()
                .map(|r| match r.fmax_mhz {
                    Some(f) => format!("{}: {f:.2}", r.seed),
                    None => format!("{}: -", r.seed),
                })
                .collect();
            let _ = writeln!(
                s,
                "  seeds:   {} MHz; kept seed {}",
                list.join(", "),
                self.seed
            );
            if let Some(p) = &self.spread {
                let _ = writeln!(
                    s,
                    "           min {:.2}, mean {:.2}, max {:.2} MHz; {} of {} meet {} MHz",
                    p.min_mhz, p.mean_mhz, p.max_mhz, p.met, p.runs, self.target_mhz
                );
            }
        }
        if let Some(p) = self.critical_paths.first() {
            let _ = writeln!(
                s,
                "  critical path: {:.1} ns ({:.1} logic, {:.1} routing, {} levels): {}",
                p.delay_ns,
                p.logic_ns,
                p.routing_ns,
                p.levels,
                p.signals.join(" -> ")
            );
        }
        let logic: Vec<&str> = self
            .memories
            .iter()
            .filter(|m| m.kind == "logic")
            .map(|m| m.name.as_str())
            .collect();
        if !logic.is_empty() {
            let _ = writeln!(
                s,
                "  memories in flip-flops and logic: {}",
                logic.join(", ")
            );
        }
        if self.latches > 0 {
            let _ = writeln!(s, "  WARNING: {} latches inferred", self.latches);
        }
        match (&self.bitstream, self.misfit()) {
            (_, Some(m)) => {
                let _ = writeln!(s, "  DOES NOT FIT: {m}");
            }
            (Some(b), None) => {
                let _ = writeln!(s, "  fits; bitstream {}", b.display());
            }
            (None, None) => {
                let _ = writeln!(s, "  fits");
            }
        }
        let _ = write!(
            s,
            "  tools: {}; logs in {}",
            self.tools
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.dir.display()
        );
        s
    }
}

/// On ECP5, the Yosys command that keeps each lane's flip-flops its own. The lanes register
/// the same broadcast inputs and pipeline the same control bits; merged after flattening, one
/// flip-flop drives all the lanes across the chip and the lane-boundary registers lose their
/// point. Measured on the 256x256, 16-lane array (docs/board.md): 11,590 flip-flops kept against
/// 7,264 merged, 132.4 and 125.3 MHz against 129.7 and 121.2 MHz on nextpnr seeds 1 and 2. Not
/// on iCE40: the UP5K array fills over 90 % of the device already.
fn keep_lane_registers(fam: Family, array: &str) -> Option<String> {
    (fam == Family::Ecp5).then(|| format!("setattr -set keep 1 *{array}_lane*/t:$dff"))
}

/// One layer of a synthesized network of layers.
#[derive(Debug, Clone, Serialize)]
pub struct LayerCost {
    /// Layer index, first = 0.
    pub layer: usize,
    /// Its array module in the netlist.
    pub module: String,
    /// Inputs.
    pub inputs: u32,
    /// Neurons.
    pub neurons: u32,
    /// Lanes.
    pub lanes: u32,
    /// Weight bits.
    pub weight_bits: u32,
    /// Synaptic operations per clock in its event phase.
    pub sop_per_cycle: u64,
    /// Cells of its module and everything under it (Yosys).
    #[serde(flatten)]
    pub resources: Resources,
    /// Fmax x its SOP/cycle, millions per second.
    pub msops: Option<f64>,
}

/// What the flow synthesizes: the board top of one layer or of a network of layers.
struct Sources {
    /// Top module.
    top: String,
    /// Verilog and memory init files.
    files: Vec<(String, String)>,
    /// Pin constraints (`None`: pins placed freely).
    constraints: Option<(String, String)>,
    /// The PLL making the clock.
    pll: Option<hdl::board::pll::Pll>,
    /// The clock, MHz.
    clock_mhz: f64,
    /// SOP per cycle of the whole design (summed over layers).
    sop_per_cycle: u64,
    /// Array module names (one per layer).
    arrays: Vec<String>,
    /// A network of layers: the layers (resources filled after Yosys).
    layers: Vec<LayerCost>,
}

/// The board top on `pins_of`'s pins (used only with `req.board`; else pins placed freely, the
/// clock pin timed at `req.freq_mhz`), around one layer's array or a network's chain top.
fn board_sources(req: &Request, pins_of: Board) -> Result<Sources, String> {
    let mut opts = BoardOptions::new(pins_of);
    opts.baud = req.baud;
    opts.array.target = req.device.target();
    // a board's top runs on its PLL; pins placed freely: no oscillator, the pin is the clock
    opts.pll = req.board.is_some();
    opts.clock_hz = Some((req.freq_mhz * 1e6).round() as u64);
    let bd = board::generate(&req.config, pins_of, &opts)?;
    let cfgs = req.config.layer_configs();
    let layers: Vec<LayerCost> = match bd.array.chain() {
        None => Vec::new(),
        Some(g) => g
            .layers
            .iter()
            .zip(&cfgs)
            .enumerate()
            .map(|(k, (l, c))| LayerCost {
                layer: k,
                module: c.name.clone(),
                inputs: c.array.inputs,
                neurons: c.array.neurons,
                lanes: c.array.lanes,
                weight_bits: c.synapse.weight_bits,
                sop_per_cycle: l.layout.arch.sop_per_cycle(),
                resources: Resources::default(),
                msops: None,
            })
            .collect(),
    };
    Ok(Sources {
        top: bd.top.clone(),
        files: bd
            .rtl
            .iter()
            .chain(bd.array.init().iter())
            .cloned()
            .collect(),
        constraints: req.board.map(|_| bd.constraints.clone()),
        pll: bd.pll,
        clock_mhz: bd.clock_hz_exact() / 1e6,
        sop_per_cycle: bd.array.sop_per_cycle(),
        arrays: cfgs.iter().map(|c| c.name.clone()).collect(),
        layers,
    })
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    let p = dir.join(name);
    std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
}

fn read(dir: &Path, name: &str) -> Result<String, String> {
    let p = dir.join(name);
    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
}

/// Run the flow.
pub fn synth(req: &Request) -> Result<SynthReport, String> {
    synth_with_progress(req, &|_| {})
}

/// Run the flow; `progress` is called as each nextpnr seed finishes (from the thread that ran
/// it).
pub fn synth_with_progress(
    req: &Request,
    progress: &(dyn Fn(&SeedRun) + Sync),
) -> Result<SynthReport, String> {
    let dev = req.device;
    let fam = dev.family();
    let yosys = req.yosys.tool(fam);
    let (pnr, pack) = match fam {
        Family::Ice40 => (Tool::NextpnrIce40, Tool::Icepack),
        Family::Ecp5 => (Tool::YowaspNextpnrEcp5, Tool::YowaspEcppack),
    };
    for t in [yosys, pnr, pack] {
        tool::find(t)?;
    }
    if !(req.freq_mhz > 0.0 && req.freq_mhz < 1000.0) {
        return Err(format!(
            "clock target {} MHz: must be in (0, 1000)",
            req.freq_mhz
        ));
    }
    if !(1..=MAX_SEEDS).contains(&req.seeds) {
        return Err(format!(
            "{} seeds: allowed 1 to {MAX_SEEDS} (each is a full place and route)",
            req.seeds
        ));
    }
    if req.seed.checked_add(u64::from(req.seeds)).is_none() {
        return Err(format!("seed {} + {} seeds overflows", req.seed, req.seeds));
    }
    let dir = &req.dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    // ------------------------------------------------------------ generate
    // HX8K (no board): the iCEBreaker top, pins left to nextpnr
    let pins_of = req.board.unwrap_or(match fam {
        Family::Ice40 => Board::Icebreaker,
        Family::Ecp5 => Board::Ulx3s,
    });
    if pins_of.is_ecp5() != (fam == Family::Ecp5) {
        return Err(format!(
            "board {} has an {} FPGA, not an {}",
            pins_of.name(),
            pins_of.device(),
            dev.name()
        ));
    }
    let chain = req.config.layer_count() > 1;
    let src = board_sources(req, pins_of)?;
    let clock_mhz = src.clock_mhz;
    let mut sources = Vec::new();
    for (n, t) in &src.files {
        write(dir, n, t)?;
        if n.ends_with(".v") {
            sources.push(n.clone());
        }
    }
    let constraints = src.constraints.clone();
    if let Some((n, t)) = &constraints {
        write(dir, n, t)?;
    }

    // ------------------------------------------------------------ yosys
    let top = &src.top;
    // a chain is first synthesized keeping each layer's module, so Yosys counts each layer's
    // cells; then, from the design saved before, flattened like one layer for nextpnr (the
    // flattened synthesis propagates constants across the layers' ports: measured on
    // examples/two_layer.toml with 1 + 1 lanes, 5,570 logic cells against 5,933 for the
    // hierarchical netlist flattened afterwards)
    let synth_cmd = |hier: &str| match dev {
        Device::Up5k => format!("synth_ice40 -top {top} -spram -dsp{hier}"),
        Device::Hx8k => format!("synth_ice40 -top {top}{hier}"),
        _ => format!("synth_ecp5 -top {top}{hier}"),
    };
    // ECP5 weights instantiate DP16KD and board tops a PLL: the cell library must be known to
    // `hierarchy -check` (synth_* reads it again; a black box may be redefined)
    let cells = match fam {
        Family::Ice40 => src
            .pll
            .map(|_| "read_verilog -lib -specify +/ice40/cells_sim.v"),
        Family::Ecp5 => Some(hdl::array::ecp5::YOSYS_READ_CELLS),
    };
    // every module's own cells, before flattening; each layer's total is summed from it
    // (`stat -top LAYER` aborts Yosys 0.70 when LAYER is not the design's top)
    let per_layer: Vec<String> = if chain {
        vec![
            "design -save elaborated".to_string(),
            synth_cmd(" -noflatten"),
            "tee -q -o stat_modules.json stat -json".into(),
            "design -load elaborated".into(),
        ]
    } else {
        Vec::new()
    };
    let script = cells
        .map(String::from)
        .into_iter()
        .chain([
            format!("read_verilog {}", sources.join(" ")),
            format!("hierarchy -check -top {top}"),
            "proc".into(),
            "tee -q -o latches.txt select -list t:$dlatch t:$adlatch t:$dlatchsr".into(),
        ])
        .chain(
            src.arrays
                .iter()
                .filter_map(|a| keep_lane_registers(fam, a)),
        )
        .chain(per_layer)
        .chain([
            synth_cmd(""),
            // Yosys 0.70 scope cells are unknown to older nextpnr
            "delete t:$scopeinfo".into(),
            "tee -q -o stat.json stat -json".into(),
            "tee -q -o instantiated_brams.txt select -list t:DP16KD".into(),
            "write_json netlist.json".into(),
        ])
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    write(dir, "synth.ys", &script)?;
    let mut seconds = Seconds::default();
    let ran = tool::run_yosys_script(yosys, dir)?;
    seconds.yosys = ran.seconds;
    let cells = report::yosys_cells(&read(dir, "stat.json")?)?;
    let res: Resources = report::resources(fam, &cells);
    let latches = report::latch_count(&read(dir, "latches.txt").unwrap_or_default());
    let mut memories = report::memory_mapping(&read(dir, "yosys.log")?);
    memories.extend(report::instantiated_brams(
        &read(dir, "instantiated_brams.txt").unwrap_or_default(),
    ));
    let cap = dev.capacity();
    let mut tools = BTreeMap::new();
    tools.insert("yosys", tool::version(yosys));
    let mut layers = Vec::new();
    let modules = if src.layers.is_empty() {
        String::new()
    } else {
        read(dir, "stat_modules.json")?
    };
    for (k, l) in src.layers.iter().enumerate() {
        let cells = report::yosys_module_cells(&modules, &l.module)
            .map_err(|e| format!("layer {k} ({}): {e}", l.module))?;
        let mut l = l.clone();
        l.resources = report::resources(fam, &cells);
        layers.push(l);
    }
    let mut rep = SynthReport {
        target: dev.name(),
        family: fam,
        board: req.board,
        top: top.clone(),
        network: req.config.name.clone(),
        layers,
        inputs: req.config.array.inputs,
        neurons: req.config.array.neurons,
        lanes: req.config.array.lanes,
        weight_bits: req.config.synapse.weight_bits,
        luts: res.luts,
        ffs: res.ffs,
        carry: res.carry,
        bram: res.bram,
        spram: res.spram,
        dsp: res.dsp,
        lutram: res.lutram,
        logic_cells: None,
        utilisation: BTreeMap::new(),
        fmax_mhz: None,
        target_mhz: clock_mhz,
        sop_per_cycle: src.sop_per_cycle,
        msops: None,
        board_clock: BoardClock {
            mhz: clock_mhz,
            source: match &src.pll {
                Some(p) => format!("PLL: {}", p.describe()),
                None => "from the clock pin, no PLL".into(),
            },
            constraint_mhz: None,
            met: None,
            msops: clock_mhz * src.sop_per_cycle as f64,
            fastest_mhz: None,
        },
        fits: false,
        shortfalls: Vec::new(),
        latches,
        memories,
        critical_paths: Vec::new(),
        seed: req.seed,
        seeds: Vec::new(),
        spread: None,
        bitstream: None,
        dir: dir.clone(),
        tools,
        seconds,
    };
    let logic = match fam {
        Family::Ice40 => res.luts.max(res.ffs),
        Family::Ecp5 => res.luts + 2 * res.carry,
    };
    for (k, used, available) in [
        ("logic", logic, cap.logic),
        ("flip-flops", res.ffs, cap.ffs),
        ("block RAM", res.bram, cap.bram),
        ("SPRAM", res.spram, cap.spram),
        ("DSP", res.dsp, cap.dsp),
    ] {
        if available > 0 {
            rep.utilisation
                .insert(k.to_string(), Use { used, available }.into());
        }
    }
    rep.shortfalls = report::precheck(fam, &res, &cap);
    if !rep.shortfalls.is_empty() {
        return Ok(rep);
    }

    // ------------------------------------------------------------ nextpnr
    let suffix = match fam {
        Family::Ice40 => "asc",
        Family::Ecp5 => "config",
    };
    let packed = match fam {
        Family::Ice40 => format!("{top}.bin"),
        Family::Ecp5 => format!("{top}.bit"),
    };
    let mut common: Vec<String> = dev.nextpnr_args().iter().map(|s| s.to_string()).collect();
    common.extend(dev.placer_args().iter().map(|s| s.to_string()));
    common.extend(["--json".into(), "netlist.json".into()]);
    if let Some((n, _)) = &constraints {
        common.push(
            if fam == Family::Ice40 {
                "--pcf"
            } else {
                "--lpf"
            }
            .into(),
        );
        common.push(n.clone());
    }
    common.extend(
        [
            "--freq",
            &format!("{clock_mhz}"),
            "--timing-allow-fail",
            "-q",
            if fam == Family::Ice40 {
                "--asc"
            } else {
                "--textcfg"
            },
        ]
        .map(String::from),
    );
    // one seed: the usual file names; several: each seed's own, the best copied to the usual
    let canonical = PnrFiles::named(top, suffix, "");
    let seeds: Vec<(u64, PnrFiles)> = (0..u64::from(req.seeds))
        .map(|i| {
            let seed = req.seed + i;
            let files = if req.seeds == 1 {
                canonical.clone()
            } else {
                PnrFiles::named(top, suffix, &format!("-s{seed}"))
            };
            (seed, files)
        })
        .collect();
    rep.tools.insert("nextpnr", tool::version(pnr));
    let start = std::time::Instant::now();
    let outcomes = run_seeds(pnr, &common, dir, &seeds, clock_mhz, progress);
    rep.seconds.nextpnr = start.elapsed().as_secs_f64();
    rep.seeds = outcomes
        .iter()
        .zip(&seeds)
        .map(|(o, (seed, _))| o.run(*seed, clock_mhz))
        .collect();
    let fmax: Vec<Option<f64>> = rep.seeds.iter().map(|r| r.fmax_mhz).collect();
    rep.spread = report::seed_spread(&fmax, clock_mhz);
    let routed: Vec<usize> = (0..outcomes.len())
        .filter(|&i| matches!(outcomes[i].outcome, Outcome::Routed(..)))
        .collect();
    let routed_fmax: Vec<Option<f64>> = routed.iter().map(|&i| fmax[i]).collect();
    let Some(best) = report::best_seed(&routed_fmax).map(|i| routed[i]) else {
        // no seed routed: a full device is a result, anything else an error
        for o in &outcomes {
            if let Outcome::Full(over) = &o.outcome {
                rep.shortfalls = over.clone();
                return Ok(rep);
            }
        }
        let errors: Vec<String> = outcomes
            .iter()
            .zip(&seeds)
            .filter_map(|(o, (seed, _))| match &o.outcome {
                Outcome::Failed(e) if seeds.len() > 1 => Some(format!("seed {seed}: {e}")),
                Outcome::Failed(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        return Err(errors.join("\n"));
    };
    let (seed, files) = &seeds[best];
    rep.seed = *seed;
    if files.placed != canonical.placed {
        for (from, to) in files.all().into_iter().zip(canonical.all()) {
            std::fs::copy(dir.join(from), dir.join(to))
                .map_err(|e| format!("{}: {e}", dir.join(from).display()))?;
        }
    }
    let Outcome::Routed(pnr_rep, log_fmax) = &outcomes[best].outcome else {
        unreachable!("the kept seed was routed")
    };
    fill_from_pnr(&mut rep, pnr_rep, fam);
    if rep.fmax_mhz.is_none() {
        rep.fmax_mhz = *log_fmax;
    }
    rep.msops = rep.fmax_mhz.map(|f| f * rep.sop_per_cycle as f64);
    for l in &mut rep.layers {
        l.msops = rep.fmax_mhz.map(|f| f * l.sop_per_cycle as f64);
    }
    rep.board_clock.met = rep.fmax_mhz.map(|f| f >= clock_mhz);
    rep.board_clock.constraint_mhz = main_clock(pnr_rep).map(|c| c.2);
    rep.board_clock.fastest_mhz = match (&src.pll, rep.fmax_mhz) {
        (Some(p), Some(f)) => {
            hdl::board::pll::highest_at_most(p.family(), p.in_hz, f * 1e6).map(|q| q.out_hz() / 1e6)
        }
        _ => None,
    };
    rep.shortfalls = report::pnr_shortfalls(&pnr_rep.utilisation);
    rep.fits = rep.shortfalls.is_empty();
    let placed = canonical.placed;

    // ------------------------------------------------------------ bitstream
    let pack_args: Vec<String> = match fam {
        Family::Ice40 => vec![placed, packed.clone()],
        Family::Ecp5 => vec!["--compress".into(), placed, packed.clone()],
    };
    let ran = tool::run(pack, &pack_args, dir, "pack.out", None)?;
    rep.seconds.pack = ran.seconds;
    rep.bitstream = Some(dir.join(packed));
    Ok(rep)
}

/// The files one nextpnr seed writes, in the work folder.
#[derive(Debug, Clone)]
struct PnrFiles {
    /// The placed and routed design (`.asc` / `.config`).
    placed: String,
    /// `--report` JSON.
    report: String,
    /// `-l` log.
    log: String,
    /// stdout and stderr.
    out: String,
}

impl PnrFiles {
    fn named(top: &str, suffix: &str, tag: &str) -> PnrFiles {
        PnrFiles {
            placed: format!("{top}{tag}.{suffix}"),
            report: format!("pnr{tag}.json"),
            log: format!("nextpnr{tag}.log"),
            out: format!("nextpnr{tag}.out"),
        }
    }

    fn all(&self) -> [&str; 4] {
        [&self.placed, &self.report, &self.log, &self.out]
    }
}

/// How one nextpnr seed ended.
#[derive(Debug)]
enum Outcome {
    /// Routed: nextpnr's report, and the Fmax from its log (used when the report has none).
    Routed(PnrReport, Option<f64>),
    /// Placement failed because the device is full.
    Full(Vec<Shortfall>),
    /// Anything else.
    Failed(String),
}

#[derive(Debug)]
struct SeedOutcome {
    outcome: Outcome,
    seconds: f64,
}

impl SeedOutcome {
    fn run(&self, seed: u64, target_mhz: f64) -> SeedRun {
        let (fmax_mhz, error) = match &self.outcome {
            Outcome::Routed(p, log) => (main_clock_fmax(p).or(*log), None),
            Outcome::Full(over) => (
                None,
                Some(
                    over.iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
            Outcome::Failed(e) => (None, Some(e.lines().next().unwrap_or("").to_string())),
        };
        SeedRun {
            seed,
            fmax_mhz,
            met: fmax_mhz.is_some_and(|f| f >= target_mhz),
            seconds: self.seconds,
            error,
        }
    }
}

/// Place and route one seed.
fn place_route(pnr: Tool, common: &[String], dir: &Path, seed: u64, f: &PnrFiles) -> SeedOutcome {
    let mut args = common.to_vec();
    args.push(f.placed.clone());
    args.extend([
        "--seed".into(),
        seed.to_string(),
        "--report".into(),
        f.report.clone(),
        "-l".into(),
        f.log.clone(),
    ]);
    let _ = std::fs::remove_file(dir.join(&f.report));
    let start = std::time::Instant::now();
    let ran = tool::run(pnr, &args, dir, &f.out, Some(&f.log));
    let seconds = start.elapsed().as_secs_f64();
    let log = read(dir, &f.log).unwrap_or_default();
    let outcome = match ran {
        Err(e) => {
            let over = report::pnr_shortfalls(&report::nextpnr_log_utilisation(&log));
            if over.is_empty() {
                Outcome::Failed(e)
            } else {
                Outcome::Full(over)
            }
        }
        Ok(_) => match read(dir, &f.report).and_then(|j| report::nextpnr_report(&j)) {
            Ok(p) => Outcome::Routed(p, report::nextpnr_log_fmax(&log).map(|f| f.0)),
            Err(e) => Outcome::Failed(e),
        },
    };
    SeedOutcome { outcome, seconds }
}

/// Every seed, as many at a time as there are cores; the outcomes in the seeds' order.
fn run_seeds(
    pnr: Tool,
    common: &[String],
    dir: &Path,
    seeds: &[(u64, PnrFiles)],
    target_mhz: f64,
    progress: &(dyn Fn(&SeedRun) + Sync),
) -> Vec<SeedOutcome> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let jobs = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, seeds.len().max(1));
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, SeedOutcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for _ in 0..jobs {
            sc.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((seed, files)) = seeds.get(i) else {
                        break;
                    };
                    let o = place_route(pnr, common, dir, *seed, files);
                    progress(&o.run(*seed, target_mhz));
                    done.lock().unwrap().push((i, o));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

/// The main clock's Fmax: the lowest of the clocks nextpnr analysed.
fn main_clock_fmax(p: &PnrReport) -> Option<f64> {
    main_clock(p).map(|c| c.1)
}

/// The main clock: (name, Fmax, constraint) of the clock with the lowest Fmax.
fn main_clock(p: &PnrReport) -> Option<&(String, f64, f64)> {
    p.fmax.iter().min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Utilisation, Fmax and paths from nextpnr's report.
fn fill_from_pnr(rep: &mut SynthReport, p: &PnrReport, fam: Family) {
    rep.utilisation.clear();
    let logic_bel = match fam {
        Family::Ice40 => "ICESTORM_LC",
        Family::Ecp5 => "TRELLIS_COMB",
    };
    rep.logic_cells = p.utilisation.get(logic_bel).map(|u| u.used);
    for (bel, u) in &p.utilisation {
        let name = report::bel_name(bel);
        // the resources people size designs by; the rest are unused odds and ends
        if name != bel || u.used > 0 {
            rep.utilisation.insert(name.to_string(), (*u).into());
        }
    }
    // the main clock: the one with the lowest achieved frequency
    rep.fmax_mhz = main_clock_fmax(p);
    rep.critical_paths = p.paths.clone();
    // clock-to-clock paths first
    rep.critical_paths
        .sort_by_key(|x| x.from_clock.contains("async") || x.to_clock.contains("async"));
}
