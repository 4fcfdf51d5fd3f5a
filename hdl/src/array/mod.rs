//! The array generator: a validated [`Config`] in, the IR [`Design`] of the array, its memory
//! init files and its `manifest.json` out.
//!
//! Key decisions:
//! - The generator is a pure function of the config and the options: same input, byte-identical
//!   files (no timestamps, no hash-map order).
//! - Initial weights come from `Config::initial_weights`, the very matrix the golden model starts
//!   from, and are written to one `$readmemh` file per lane.

pub mod build;
pub mod chain;
pub mod div;
pub mod ecp5;
pub mod lane;
pub mod layout;
pub mod ops;
pub mod top;

use crate::emit;
use crate::ir::{Design, SigKind};
use build::MemUse;
pub use build::{MemKind, MemShape};
use golden::Config;
pub use layout::{CubaMul, Layout, Params, Region};
use serde::Serialize;
use std::collections::BTreeMap;

/// FPGA families whose memory primitives and patterns the generator can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Portable behavioural Verilog, memories preloaded from init files.
    Generic,
    /// Lattice iCE40 HX/LP (behavioural block RAM inferred as EBR).
    Ice40,
    /// Lattice iCE40 UP5K: weights in SPRAM, two per word, when the array allows it (see
    /// [`Layout::pair`]); everything else in EBR.
    Ice40Up5k,
    /// Lattice ECP5: weights in DP16KD instantiated with their output register (see
    /// [`ecp5`]), the other memories behavioural block RAM inferred as DP16KD.
    Ecp5,
}

impl Target {
    /// Parse a `--target` name.
    pub fn parse(s: &str) -> Result<Target, String> {
        match s {
            "generic" => Ok(Target::Generic),
            "ice40" | "ice40-hx8k" => Ok(Target::Ice40),
            "ice40-up5k" => Ok(Target::Ice40Up5k),
            "ecp5" | "ecp5-25k" | "ecp5-45k" | "ecp5-85k" => Ok(Target::Ecp5),
            other => Err(format!(
                "unknown target \"{other}\": allowed generic, ice40-up5k, ice40-hx8k, ecp5-25k, ecp5-45k, ecp5-85k"
            )),
        }
    }

    /// Memory read latency: every target registers the memory output, so no datapath stage
    /// starts at a RAM clock-to-out.
    pub fn read_latency(self) -> u64 {
        2
    }
}

/// Generator options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Target family.
    pub target: Target,
    /// Generate read-modify-write forwarding (turn off only to show that tests catch its absence).
    pub forwarding: bool,
    /// Prefix of the weight init file names in the Verilog (`$readmemh` resolves them against the
    /// simulator's or synthesizer's working directory; a folder path makes them absolute).
    pub init_prefix: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target: Target::Generic,
            forwarding: true,
            init_prefix: String::new(),
        }
    }
}

/// Everything `neurogen generate` writes.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Derived sizes.
    pub layout: Layout,
    /// The IR.
    pub design: Design,
    /// Verilog files: (file name, text), one module per file, top first.
    pub rtl: Vec<(String, String)>,
    /// Memory init files: (file name, text).
    pub init: Vec<(String, String)>,
    /// `manifest.json`.
    pub manifest: String,
    memories: Vec<MemoryCount>,
    lane_modules: Vec<LaneModule>,
}

/// One memory instance name of one memory module in a generated design, and how many such
/// instances the design holds (each lane's counts once per lane).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryCount {
    /// The memory module.
    pub module: String,
    /// The instance name (`u_wmem`, `u_x`, ...).
    pub instance: String,
    /// The module's shape and kind.
    pub shape: MemShape,
    /// Instances in the design.
    pub count: u64,
}

/// A lane module of a generated design and how many lanes instantiate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneModule {
    /// Module name.
    pub module: String,
    /// Lanes that are an instance of it.
    pub count: u64,
}

impl Generated {
    /// The memories, as the generator recorded them (not parsed from names): every memory
    /// module with each of its instance names, shape, kind and instance count.
    pub fn memories(&self) -> &[MemoryCount] {
        &self.memories
    }

    /// The lane modules with their multiplicity: one module for all lanes, or (ECP5 weights)
    /// one copy per lane.
    pub fn lane_modules(&self) -> &[LaneModule] {
        &self.lane_modules
    }
}

/// FNV-1a 64-bit hash, for the config fingerprint in headers.
///
/// Note: `cosim::fnv` is a second FNV-1a (128-bit, over length-prefixed fields) that keys the
/// co-simulation's build cache; this one only labels files, so the two need not agree, but one
/// shared helper could serve both.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Add `count` instances of each of `uses` to `into` (first-seen order).
fn count_memories(into: &mut Vec<MemoryCount>, uses: Vec<MemUse>, count: u64) {
    for u in uses {
        match into
            .iter_mut()
            .find(|m| m.module == u.module && m.instance == u.instance)
        {
            Some(m) => m.count += count,
            None => into.push(MemoryCount {
                module: u.module,
                instance: u.instance,
                shape: u.shape,
                count,
            }),
        }
    }
}

/// Generate the array for `cfg`.
pub fn generate(cfg: &Config, opts: &Options) -> Result<Generated, String> {
    generate_layer(cfg, opts, false)
}

/// Generate the array for `cfg`, as a layer after the first of a chain when `chained`
/// ([`Layout::chained`]: no input range check, no dropped, tick or cycle counters).
pub(crate) fn generate_layer(
    cfg: &Config,
    opts: &Options,
    chained: bool,
) -> Result<Generated, String> {
    let rl = opts.target.read_latency();
    // iCE40 block RAM registers the address itself, and its read data is slow: keep the data
    // register there; elsewhere the x memory registers its address (see `Layout::x_addr_reg`)
    let ice40 = matches!(opts.target, Target::Ice40 | Target::Ice40Up5k);
    let mut lay = Layout::new(
        cfg,
        rl,
        opts.forwarding,
        opts.target == Target::Ice40Up5k,
        !ice40,
    )?;
    lay.chained = chained;
    lay.choose_mul(match opts.target {
        Target::Ice40 => Some(0),
        Target::Ice40Up5k => Some(8),
        _ => None,
    });
    let p = Params::new(cfg);
    // single-port SPRAM weights cannot be preloaded: the host port writes them after reset
    let words = (!lay.pair).then(|| weight_words(cfg, &lay));
    let wdepth = lay.r * lay.g;
    // ECP5: each lane's weights in its own DP16KD module (the INITVALs differ), so each lane
    // gets its own copy of the lane module instantiating it
    let ecp5_words = words
        .as_ref()
        .filter(|_| opts.target == Target::Ecp5 && rl == 2)
        .filter(|_| ecp5::tiling(lay.w_ty.width, wdepth).is_some());
    let ecp5_dp16kd = ecp5_words.is_some();
    let lane_name = format!("{}_lane", lay.name);
    let lanes: Vec<(String, lane::WeightModule)> = match ecp5_words {
        Some(_) => (0..lay.l)
            .map(|k| {
                let wname = format!("{}_wmem_l{k}", lay.name);
                (
                    format!("{lane_name}_l{k}"),
                    lane::WeightModule::Own(wname, k),
                )
            })
            .collect(),
        None => vec![(lane_name, lane::WeightModule::Shared)],
    };
    let lane_of: Vec<String> = (0..lay.l as usize)
        .map(|k| lanes[k.min(lanes.len() - 1)].0.clone())
        .collect();
    let top = top::top_module(&lay, &p, &opts.init_prefix, &lane_of);
    let mut memories = Vec::new();
    count_memories(&mut memories, top.memories, 1);
    let mut modules = vec![top.module];
    let mut lane_modules = Vec::new();
    for (name, weights) in &lanes {
        let built = lane::lane_module(&lay, &p, name, weights);
        let count = lay.l / lanes.len() as u64;
        count_memories(&mut memories, built.memories, count);
        lane_modules.push(LaneModule {
            module: name.clone(),
            count,
        });
        modules.push(built.module);
    }
    if lay.scaling {
        let dw = lay.sum_ty.width - 1;
        modules.push(div::div_module(
            &format!("{}_div", lay.name),
            p.stdp.normalize_target,
            dw,
            lay.arch.div_bits as u32,
        ));
    }
    // memory modules, one per distinct shape, in name order; then the ECP5 weight memories
    let shapes: BTreeMap<&str, MemShape> = memories
        .iter()
        .filter(|m| m.shape.kind != MemKind::Ecp5Weights)
        .map(|m| (m.module.as_str(), m.shape))
        .collect();
    for (name, shape) in &shapes {
        let mut m = shape.module(name);
        if opts.target == Target::Generic {
            // portable output: no LUT RAM style (iCE40 has none); each tool chooses
            for mem in &mut m.memories {
                mem.attrs
                    .retain(|(k, v)| !(k == "ram_style" && v == "\"distributed\""));
            }
        }
        if opts.target == Target::Ice40Up5k && lay.chained {
            // a chain on the UP5K runs out of logic cells long before block RAM: a small memory
            // of a layer after the first (64 bits or less, which Yosys would build from
            // flip-flops and multiplexers, about two logic cells a bit) asks for an EBR too.
            // (Only there: a single array with many lanes would spend an EBR on each lane's
            // tiny lists and no longer fit, e.g. 16 x 16 cuba with 4 lanes.)
            for mem in &mut m.memories {
                let small = mem.depth <= 4 || mem.depth * mem.ty.width as u64 <= 64;
                if small && !mem.attrs.iter().any(|(k, _)| k == "ram_style") {
                    mem.attrs.push(("ram_style".into(), "\"block\"".into()));
                }
            }
        }
        modules.push(m);
    }
    if let Some(words) = ecp5_words {
        for (k, words) in words.iter().enumerate() {
            let wname = format!("{}_wmem_l{k}", lay.name);
            modules.push(ecp5::wmem_module(&wname, lay.w_ty, wdepth, rl, words));
        }
    }
    let design = Design {
        modules,
        top: lay.name.clone(),
    };
    design.check()?;
    let cfg_json = serde_json::to_string(cfg).map_err(|e| e.to_string())?;
    let header = vec![
        format!(
            "Generated by neurogen {} from network `{}` (config fingerprint {:016x}, target {:?}).",
            env!("CARGO_PKG_VERSION"),
            cfg.name,
            fnv1a(cfg_json.as_bytes()),
            opts.target
        ),
        "Do not edit: regenerate with `neurogen generate`.".to_string(),
    ];
    let rtl = emit::design(&design, &header)?;
    let mut init = words
        .map(|w| weight_init_files(&lay, w))
        .unwrap_or_default();
    init.extend(delay_init_files(cfg, &lay));
    let weights = WeightPlacement {
        memory: if lay.pair {
            "spram-pair"
        } else if ecp5_dp16kd {
            "dp16kd"
        } else {
            "block-ram"
        },
        reason: (opts.target == Target::Ice40Up5k)
            .then(|| {
                if lay.delay > 0 {
                    Some("synaptic delays: the weights stay in block RAM".to_string())
                } else {
                    lay.pair_refusal()
                }
            })
            .flatten(),
    };
    let manifest = manifest(cfg, &lay, &design, &rtl, &init, opts, weights)?;
    Ok(Generated {
        layout: lay,
        design,
        rtl,
        init,
        manifest,
        memories,
        lane_modules,
    })
}

/// Initial weight words per lane (two's complement, `w_ty.width` bits): lane l holds
/// `W[j][g*L + l]` at address `j*G + g`.
pub fn weight_words(cfg: &Config, lay: &Layout) -> Vec<Vec<u64>> {
    let w = cfg.initial_weights();
    let mask = (1u64 << lay.w_ty.width) - 1;
    (0..lay.l as usize)
        .map(|lane| {
            let mut v = Vec::with_capacity((lay.r * lay.g) as usize);
            for j in 0..lay.r as usize {
                for g in 0..lay.g as usize {
                    v.push(w[[j, g * lay.l as usize + lane]] as i64 as u64 & mask);
                }
            }
            v
        })
        .collect()
}

/// `$readmemh` files of the lanes' [`weight_words`], one per lane.
pub fn weight_init_files(lay: &Layout, words: Vec<Vec<u64>>) -> Vec<(String, String)> {
    let digits = lay.w_ty.width.div_ceil(4) as usize;
    words
        .into_iter()
        .enumerate()
        .map(|(lane, words)| {
            let mut s = String::with_capacity(words.len() * (digits + 1));
            for v in words {
                s.push_str(&format!("{v:0digits$x}\n"));
            }
            (format!("{}_w{lane}.hex", lay.name), s)
        })
        .collect()
}

/// `$readmemh` files of the lanes' delays (designs with delays; none without): lane l holds
/// `d[j][g*L + l]` at address `j*G + g`, as its weights.
pub fn delay_init_files(cfg: &Config, lay: &Layout) -> Vec<(String, String)> {
    let Some(d) = cfg.initial_delays() else {
        return Vec::new();
    };
    let digits = lay.db.div_ceil(4) as usize;
    (0..lay.l as usize)
        .map(|lane| {
            let mut s = String::new();
            for j in 0..lay.r as usize {
                for g in 0..lay.g as usize {
                    s.push_str(&format!(
                        "{:0digits$x}\n",
                        d[[j, g * lay.l as usize + lane]]
                    ));
                }
            }
            (format!("{}_d{lane}.hex", lay.name), s)
        })
        .collect()
}

#[derive(Serialize)]
struct PortDesc {
    name: String,
    direction: &'static str,
    width: u32,
}

#[derive(Serialize)]
struct RegionDesc {
    region: Region,
    base: String,
    index: &'static str,
    count: u64,
    width: u32,
    signed: bool,
}

#[derive(Serialize)]
struct Manifest<'a> {
    generator: String,
    top: &'a str,
    target: Target,
    config: &'a Config,
    rtl_files: Vec<&'a str>,
    init_files: Vec<&'a str>,
    ports: Vec<PortDesc>,
    host: HostDesc,
    cycle_model: &'a golden::cycle::Arch,
    forwarding: bool,
    sop_per_cycle: u64,
    /// True when the initial weights must be written through the host port after reset.
    weights_via_host: bool,
    weights: WeightPlacement,
}

/// Where the weights of a generated design are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeightPlacement {
    /// `"spram-pair"` (UP5K SPRAM, two weights per 16-bit word), `"dp16kd"` (ECP5 DP16KD
    /// instances with the contents in `INITVAL_*`) or `"block-ram"` (an inferred memory
    /// preloaded from the lane's init file).
    pub memory: &'static str,
    /// Why the UP5K weights are not in SPRAM pair mode ([`Layout::pair_refusal`]); `None`
    /// elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize)]
struct HostDesc {
    address_bits: u32,
    region_shift: u32,
    index_fields: IndexFields,
    registers: Vec<(&'static str, u64)>,
    register_bits: Vec<layout::regs::RegBit>,
    regions: Vec<RegionDesc>,
    /// The most cycles from an accepted request to its `wb_ack` ([`Layout::host_ack_max`]).
    max_ack_cycles: u64,
}

#[derive(Serialize)]
struct IndexFields {
    lane_bits: u32,
    group_bits: u32,
    row_bits: u32,
}

fn manifest(
    cfg: &Config,
    lay: &Layout,
    d: &Design,
    rtl: &[(String, String)],
    init: &[(String, String)],
    opts: &Options,
    weights: WeightPlacement,
) -> Result<String, String> {
    let top = d.modules.iter().find(|m| m.name == d.top).unwrap();
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
    let base = |r: Region| format!("0x{:x}", (r as u64) << lay.host_ib);
    let mut regions = vec![RegionDesc {
        region: Region::W,
        base: base(Region::W),
        index: "(j << (group_bits + lane_bits)) | ((i / lanes) << lane_bits) | (i % lanes)",
        count: lay.r * lay.n,
        width: lay.w_ty.width,
        signed: lay.w_ty.signed,
    }];
    let neuron = "((i / lanes) << lane_bits) | (i % lanes)";
    for (r, f) in [
        (Region::V, Some(lay.f_v)),
        (Region::Ref, lay.f_ref),
        (Region::Theta, lay.f_theta),
        (Region::Y, lay.f_y),
        (Region::U, lay.f_u),
    ] {
        if let Some(f) = f {
            regions.push(RegionDesc {
                region: r,
                base: base(r),
                index: neuron,
                count: lay.n,
                width: f.width,
                signed: f.signed,
            });
        }
    }
    if lay.delay > 0 {
        regions.push(RegionDesc {
            region: Region::Delay,
            base: base(Region::Delay),
            index: "(j << (group_bits + lane_bits)) | ((i / lanes) << lane_bits) | (i % lanes)",
            count: lay.r * lay.n,
            width: lay.db,
            signed: false,
        });
    }
    if lay.f_y.is_some() {
        regions.push(RegionDesc {
            region: Region::X,
            base: base(Region::X),
            index: "j",
            count: lay.r,
            width: lay.tb,
            signed: false,
        });
    }
    use layout::regs::*;
    let mut registers = vec![
        ("ID", ID),
        ("INPUTS", INPUTS),
        ("NEURONS", NEURONS),
        ("LANES", LANES),
        ("ROWS", ROWS),
        ("CONTROL", CONTROL),
        ("COMMAND", COMMAND),
        ("STATUS", STATUS),
        ("TICK_LO", TICK_LO),
        ("TICK_HI", TICK_HI),
        ("CYCLE_LO", CYCLE_LO),
        ("CYCLE_HI", CYCLE_HI),
        ("DROPPED", DROPPED),
        ("TICK_CYCLES", TICK_CYCLES),
        ("LAST_SPIKES", LAST_SPIKES),
    ];
    if lay.chained {
        // a chained layer's counters are the chip's (layer 0's): absent here, reading 0
        registers.retain(|(_, i)| {
            ![TICK_LO, TICK_HI, CYCLE_LO, CYCLE_HI, DROPPED, TICK_CYCLES].contains(i)
        });
    }
    if lay.teach {
        registers.extend([("TEACH", TEACH), ("TEACH_DROPPED", TEACH_DROPPED)]);
    }
    let register_bits: Vec<RegBit> = BITS
        .iter()
        .filter(|b| lay.teach || b.index != TEACH)
        .copied()
        .collect();
    let m = Manifest {
        generator: format!("neurogen {}", env!("CARGO_PKG_VERSION")),
        top: &d.top,
        target: opts.target,
        config: cfg,
        rtl_files: rtl.iter().map(|(n, _)| n.as_str()).collect(),
        init_files: init.iter().map(|(n, _)| n.as_str()).collect(),
        ports,
        host: HostDesc {
            address_bits: lay.aw,
            region_shift: lay.host_ib,
            index_fields: IndexFields {
                lane_bits: lay.host_lb,
                group_bits: lay.host_gb,
                row_bits: lay.host_rb,
            },
            registers,
            register_bits,
            regions,
            max_ack_cycles: lay.host_ack_max(),
        },
        cycle_model: &lay.arch,
        forwarding: lay.forwarding,
        sop_per_cycle: lay.arch.sop_per_cycle(),
        weights_via_host: lay.pair,
        weights,
    };
    serde_json::to_string_pretty(&m)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const NET: &str = r#"
name = "mems"
[array]
inputs = 8
neurons = 16
lanes = 4
recurrent = true
[stdp]
normalize_target = 100
"#;

    fn generated(target: Target) -> Generated {
        let cfg = Config::from_toml_str(NET, Path::new(".")).unwrap();
        generate(
            &cfg,
            &Options {
                target,
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn count(g: &Generated, instance: &str) -> u64 {
        g.memories()
            .iter()
            .filter(|m| m.instance == instance)
            .map(|m| m.count)
            .sum()
    }

    #[test]
    fn memories_are_recorded_with_their_lane_multiplicity() {
        let g = generated(Target::Generic);
        assert_eq!(
            g.lane_modules(),
            &[LaneModule {
                module: "mems_lane".into(),
                count: 4
            }]
        );
        for (inst, n) in [("u_wmem", 4), ("u_accmem", 4), ("u_stmem", 4)] {
            assert_eq!(count(&g, inst), n, "{inst}");
        }
        for (inst, n) in [("u_listmem", 4), ("u_x", 1), ("u_spk", 1), ("u_prev", 1)] {
            assert_eq!(count(&g, inst), n, "{inst}");
        }
        // every recorded module is in the design, with the recorded shape
        for m in g.memories() {
            let module = g
                .design
                .modules
                .iter()
                .find(|x| x.name == m.module)
                .unwrap();
            let mem = &module.memories[0];
            assert_eq!(
                (mem.depth, mem.ty),
                (m.shape.depth, m.shape.ty),
                "{}",
                m.module
            );
        }
    }

    #[test]
    fn ecp5_lanes_are_copies_each_with_its_own_weight_memory() {
        let g = generated(Target::Ecp5);
        let lanes: Vec<_> = g
            .lane_modules()
            .iter()
            .map(|l| (l.module.as_str(), l.count))
            .collect();
        assert_eq!(
            lanes,
            [
                ("mems_lane_l0", 1),
                ("mems_lane_l1", 1),
                ("mems_lane_l2", 1),
                ("mems_lane_l3", 1)
            ]
        );
        let w: Vec<_> = g
            .memories()
            .iter()
            .filter(|m| m.instance == "u_wmem")
            .collect();
        assert_eq!(w.len(), 4);
        for (k, m) in w.iter().enumerate() {
            assert_eq!(
                (m.module.clone(), m.shape.kind, m.count),
                (format!("mems_wmem_l{k}"), MemKind::Ecp5Weights, 1)
            );
        }
        let top = &g.design.modules[0];
        let lane2 = top.instances.iter().find(|i| i.name == "u_lane2").unwrap();
        assert_eq!(lane2.module, "mems_lane_l2");
    }
}
