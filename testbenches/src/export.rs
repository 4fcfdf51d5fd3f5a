//! The testbench exporter behind `neurogen testbench`: a folder that checks the generated Verilog
//! of a network against the golden model with nothing but a Verilog simulator.
//!
//! What a folder holds (all paths relative to it; `run.sh` runs from it):
//! - `rtl/`: the generated Verilog and memory init files (`$readmemh` paths start with `rtl/`),
//!   and `manifest.json`;
//! - `tb/<top>_tb.v`: the self-checking Verilog-2005 testbench, the template
//!   `testbenches/templates/array_tb.v` filled in with sizes and file names, and the two
//!   includes it shares with the FEAST layer's (`tb_common.vh`, `nf_dut.vh`: [`crate::folder`]);
//! - `vectors/`: what the golden model says, as `$readmemh` files: input beats with end-of-tick
//!   markers (`in.hex`), expected output beats with the cycle the cycle model predicts for each
//!   (`out.hex`; for a chain with `[network] output = "all"` also each beat's layer, the
//!   `out_layer` the testbench checks), host actions between ticks (`act.hex`), and the state to read back through the
//!   Wishbone port after every tick and at the end (`chk.hex`); with teach hardware also the
//!   teacher's beats with an end-of-tick beat per tick (`teach.hex`, the stimulus's `teach`);
//! - `files.f` (the compile list both simulators read, with the include folder `tb`) and
//!   `run.sh` (the template
//!   `testbenches/templates/run.sh`).
//!
//! Key decisions:
//! - The testbench knows no layout rule: every host access is a vector entry with its word
//!   address computed here by [`Layout::weight_addr`] and friends and its expected 32-bit word
//!   (sign-extended for signed fields, as the host port returns it). One generic template then
//!   serves every config, and the memory map has exactly one implementation.
//! - Verilog comes from templates with `{{NAME}}` holes filled by [`fill`]; only numbers and file
//!   names go into the holes, never Verilog fragments.
//! - The expected vectors come from [`Network`] and [`tick_timing`] exactly as the co-simulation
//!   driver computes them (`cosim::driver`), so the two checks agree on what is correct.
//! - Like the co-simulation, the testbench compares state after every tick, not only at the end:
//!   the counters, every neuron state and trace, a seeded sample of weights, and every weight
//!   every [`ExportOptions::full_every`] ticks and after the last; so an error is reported at the
//!   tick it appears, and an error that heals before the end is still caught.

use crate::folder::{act_word, bench_files, chk_word, index_bits, rtl_header};
use cosim::driver::HostAction;
use golden::chain::Chain;
use golden::cycle::chain_timing_out;
use golden::cycle::tick_timing;
use golden::model::{Network, StateKind};
use golden::run::step_chain_taught;
use golden::run::{begin_activity, finish_activity};
use golden::{Config, Stimulus};
use hdl::array::chain::{ChainGenerated, generate_network};
use hdl::array::layout::regs;
use hdl::array::{Generated, Layout, Options as GenOptions, Region, Target, generate};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The testbench template.
pub const TB_TEMPLATE: &str = include_str!("../templates/array_tb.v");
/// The run script template.
pub const RUN_TEMPLATE: &str = include_str!("../templates/run.sh");

/// Read-back check kinds of `chk.hex` (the testbench names them in its messages).
mod kind {
    pub const ID: u8 = 1;
    pub const DROPPED: u8 = 2;
    pub const TICK_LO: u8 = 3;
    pub const TICK_HI: u8 = 4;
    pub const V: u8 = 5;
    pub const REF: u8 = 6;
    pub const THETA: u8 = 7;
    pub const Y: u8 = 8;
    pub const X: u8 = 9;
    pub const WEIGHT: u8 = 10;
    pub const U: u8 = 11;
    pub const TEACH_DROPPED: u8 = 12;
    pub const TEACH: u8 = 13;
}

/// Host action kinds of `act.hex`.
const ACT_WRITE: u8 = 1;
const ACT_RESET: u8 = 2;
/// Not a host action: backpressure on (data 1) or off (data 0) from this tick on.
const ACT_BP: u8 = 3;

/// Settings of an export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Target family of the generated Verilog.
    pub target: Target,
    /// Default backpressure of the testbench (overridden by `+bp=`): probability of a gap before
    /// each input beat and of `out_ready` low in each cycle, in 1/1000, at most 999.
    pub backpressure_permille: u32,
    /// Default seed of the testbench's backpressure generator (overridden by `+seed=`).
    pub seed: u32,
    /// Host actions: before tick `k` (or, for `k` = the number of ticks, before the read-back).
    pub actions: Vec<(usize, HostAction)>,
    /// Write every initial weight through the host port before tick 0, and leave the weight init
    /// files zero, as a target whose memories cannot be preloaded requires.
    pub host_weights: bool,
    /// Generate read-modify-write forwarding (tests turn it off).
    pub forwarding: bool,
    /// For each tick, whether the backpressure applies to it (the others check every output
    /// beat's cycle against the cycle model); empty = every tick.
    pub bp_ticks: Vec<bool>,
    /// Weights read back after each tick, drawn from a generator seeded by `seed`.
    pub weight_samples: usize,
    /// Every weight is read back after every `full_every`-th tick (0 = only after the last).
    pub full_every: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            target: Target::Generic,
            backpressure_permille: 0,
            seed: 1,
            actions: Vec::new(),
            host_weights: false,
            forwarding: true,
            bp_ticks: Vec::new(),
            weight_samples: 8,
            full_every: 32,
        }
    }
}

/// Figures of an exported testbench.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Teacher beats (end-of-tick beats included; 0 without teach hardware).
    pub teach_beats: usize,
    /// Top module of the array.
    pub top: String,
    /// Testbench module (`<top>_tb`).
    pub tb: String,
    /// Ticks.
    pub ticks: usize,
    /// Input beats, end-of-tick beats included.
    pub input_beats: usize,
    /// Expected output spikes.
    pub spikes: usize,
    /// Host actions (Wishbone writes and resets).
    pub actions: usize,
    /// Values read back and compared, after every tick and at the end.
    pub checks: usize,
    /// Sum of the cycle model's tick lengths (without backpressure).
    pub tick_cycles: u64,
    /// The initial weights are written through the host port before the first tick (asked
    /// for, or forced because the memories cannot be preloaded: UP5K SPRAM pair mode).
    pub weights_via_host: bool,
    /// Longest tick, in cycles, by the cycle model.
    pub max_tick_cycles: u64,
}

/// An exported testbench, in memory: relative path and contents of every file.
#[derive(Debug, Clone)]
pub struct Exported {
    /// Files, by path relative to the folder.
    pub files: BTreeMap<String, String>,
    /// Figures.
    pub summary: Summary,
    /// The generated array (layout, IR, files); for a network of layers, layer 0's.
    pub generated: Generated,
    /// The network of layers, if the config has more than one layer.
    pub chain: Option<ChainGenerated>,
}

impl Exported {
    /// Write every file under `dir` (created if needed); `run.sh` is made executable.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        crate::folder::write_files(&self.files, dir)
    }

    /// Replace the first occurrence of `from` by `to` in file `rel` (mutation tests); an error
    /// when the file or the text is missing, so a mutation never silently tests nothing.
    pub fn patch(&mut self, rel: &str, from: &str, to: &str) -> Result<(), String> {
        crate::folder::patch_file(&mut self.files, rel, from, to)
    }

    /// Path of the testbench file.
    pub fn tb_file(&self) -> String {
        format!("tb/{}.v", self.summary.tb)
    }
}

/// What every exported testbench is filled in with: the holes both testbench templates have
/// (what `tb_common.vh` needs, and the vectors every testbench reads: `in`, `out`, `act`, `chk`)
/// and those of the run script ([`RUN_TEMPLATE`]).
pub(crate) struct Bench<'a> {
    /// The design's Verilog files; the first one's first line is the header the testbench and
    /// the run script repeat.
    pub rtl: &'a [(String, String)],
    /// What the design is ("array", "FEAST layer").
    pub what: &'a str,
    /// The design's top module.
    pub top: &'a str,
    /// The testbench module.
    pub tb: &'a str,
    /// Ticks of the stimulus.
    pub ticks: usize,
    /// Input beats (end-of-tick beats included).
    pub n_in: usize,
    /// Expected output beats (end-of-tick beats included).
    pub n_out: usize,
    /// Host actions, plus the end marker.
    pub n_act: usize,
    /// Read-back checks, plus the end marker.
    pub n_chk: usize,
    /// Width of `wb_adr`.
    pub aw: u32,
    /// Width of `out_addr`.
    pub ob: u32,
    /// Default `+bp` (1/1000).
    pub bp_permille: u32,
    /// Default `+seed`.
    pub seed: u32,
    /// Default `+watchdog` (cycles without progress; capped to a Verilog integer).
    pub watchdog: u64,
    /// The backpressure plusargs of the run script's usage lines.
    pub bp_args: &'a str,
    /// What else `+bp` (or other plusargs) make wait, after "a gap before each input beat".
    pub out_bp: String,
}

impl Bench<'_> {
    /// The folder's files besides the vectors and the init files ([`bench_files`]): the
    /// testbench, `template` with the holes every testbench has and `holes`, the ones only it
    /// has; the run script; the RTL, the shared includes and the compile list.
    pub fn files(
        &self,
        template: &str,
        holes: &[(&str, String)],
    ) -> Result<BTreeMap<String, String>, String> {
        let header = rtl_header(self.rtl);
        let mut all = vec![
            ("TOP", self.top.to_string()),
            ("TB", self.tb.to_string()),
            ("HEADER", header.clone()),
            ("TICKS", self.ticks.to_string()),
            ("N_IN", self.n_in.to_string()),
            ("N_OUT", self.n_out.to_string()),
            ("N_ACT", self.n_act.to_string()),
            ("N_CHK", self.n_chk.to_string()),
            ("IW_IN", index_bits(self.n_in).to_string()),
            ("IW_OUT", index_bits(self.n_out).to_string()),
            ("IW_ACT", index_bits(self.n_act).to_string()),
            ("IW_CHK", index_bits(self.n_chk).to_string()),
            ("AW", self.aw.to_string()),
            ("OB", self.ob.to_string()),
            ("BP", self.bp_permille.to_string()),
            ("SEED", self.seed.to_string()),
            ("WATCHDOG", self.watchdog.min(i32::MAX as u64).to_string()),
            ("IN_FILE", vector_file("in.hex")),
            ("OUT_FILE", vector_file("out.hex")),
            ("ACT_FILE", vector_file("act.hex")),
            ("CHK_FILE", vector_file("chk.hex")),
        ];
        all.extend(holes.iter().cloned());
        let tb = fill(template, &all)?;
        let run = fill(
            RUN_TEMPLATE,
            &[
                ("WHAT", self.what.to_string()),
                ("TOP", self.top.to_string()),
                ("TB", self.tb.to_string()),
                ("HEADER", header),
                ("BP", self.bp_permille.to_string()),
                ("SEED", self.seed.to_string()),
                ("BP_ARGS", self.bp_args.to_string()),
                ("OUT_BP", self.out_bp.clone()),
            ],
        )?;
        Ok(bench_files(self.rtl, self.tb, tb, run))
    }
}

/// The path of vector file `name` in an exported folder.
pub(crate) fn vector_file(name: &str) -> String {
    format!("vectors/{name}")
}

/// Fill the `{{NAME}}` holes of a template. Every hole must be filled and every value used.
pub fn fill(template: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = template.to_string();
    for (k, v) in values {
        let hole = format!("{{{{{k}}}}}");
        if !out.contains(&hole) {
            return Err(format!("template has no hole {hole}"));
        }
        out = out.replace(&hole, v);
    }
    // a hole is `{{` + upper-case name + `}}`; Verilog replications like `{{(32 - OB){...}}`
    // are not holes
    let mut rest = out.as_str();
    while let Some(at) = rest.find("{{") {
        let tail = &rest[at + 2..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_' || c.is_ascii_digit())
            .collect();
        if !name.is_empty() && tail[name.len()..].starts_with("}}") {
            return Err(format!("template hole {{{{{name}}}}} not filled"));
        }
        rest = tail;
    }
    Ok(out)
}

/// The vectors of one run, as hex lines.
#[derive(Default)]
struct Vectors {
    input: String,
    teach: String,
    output: String,
    act: String,
    chk: String,
    n_in: usize,
    n_teach: usize,
    n_out: usize,
    n_act: usize,
    n_chk: usize,
    n_bp: usize,
    /// Added to every host address (a layer's base address in a network of layers).
    base: u64,
    /// Width of the output stream's layer tag `out_layer` (a chain with `output = "all"`).
    tag_bits: Option<u32>,
}

impl Vectors {
    fn input(&mut self, eot: bool, addr: u32) {
        let w = (eot as u64) << 32 | addr as u64;
        let _ = writeln!(self.input, "{w:09x}");
        self.n_in += 1;
    }

    /// The teacher's list of a tick, then its end-of-tick beat (designs with teach hardware).
    fn teach(&mut self, list: &[u32]) {
        for &a in list {
            let _ = writeln!(self.teach, "{:09x}", a as u64);
        }
        let _ = writeln!(self.teach, "{:09x}", 1u64 << 32);
        self.n_teach += list.len() + 1;
    }

    /// An expected output beat; `layer`: its `out_layer` tag (a chain with `output = "all"`:
    /// the line gets the tag's byte in front, 18 hex digits; else 16).
    fn output(
        &mut self,
        eot: bool,
        cycle: u64,
        addr: u32,
        layer: Option<usize>,
    ) -> Result<(), String> {
        if cycle >= 1 << 31 {
            return Err(format!(
                "a tick of {cycle} cycles does not fit the testbench's 31-bit cycle field"
            ));
        }
        let w = (eot as u64) << 63 | cycle << 32 | addr as u64;
        match layer {
            Some(k) => {
                let k = u8::try_from(k)
                    .map_err(|_| format!("layer {k}: the testbench's layer tag has 8 bits"))?;
                let _ = writeln!(self.output, "{k:02x}{w:016x}");
            }
            None => {
                let _ = writeln!(self.output, "{w:016x}");
            }
        }
        self.n_out += 1;
        Ok(())
    }

    fn act(&mut self, tick: u32, kind: u8, addr: u64, data: u32) {
        let addr = if kind == ACT_WRITE {
            addr + self.base
        } else {
            addr
        };
        act_word(&mut self.act, tick, kind, addr, data);
        self.n_act += 1;
    }

    /// A read-back check made when `tag` ticks are done (`TICKS + 1`: at the end, after the
    /// last host actions).
    fn chk(&mut self, tag: u32, kind: u8, j: u64, i: u64, addr: u64, word: u32) {
        let addr = if kind == 0 { addr } else { addr + self.base };
        chk_word(&mut self.chk, tag, kind, j, i, addr, word);
        self.n_chk += 1;
    }
}

/// The host word of a value: 32-bit two's complement (sign-extended, as the host port returns
/// signed fields).
fn word(v: i64) -> u32 {
    v as i32 as u32
}

/// Export the testbench of `cfg` driven by `stim`.
pub fn export(cfg: &Config, stim: &Stimulus, opts: &ExportOptions) -> Result<Exported, String> {
    if stim.ticks.is_empty() {
        return Err("the stimulus has no ticks; a testbench needs at least one".into());
    }
    if opts.backpressure_permille > 999 {
        return Err(format!(
            "backpressure {}/1000: allowed 0..=999",
            opts.backpressure_permille
        ));
    }
    let ticks = stim.ticks.len();
    if ticks >= u32::MAX as usize {
        return Err(format!("{ticks} ticks: at most {} fit", u32::MAX - 1));
    }
    if !opts.bp_ticks.is_empty() && opts.bp_ticks.len() != ticks {
        return Err(format!(
            "backpressure given for {} ticks: the stimulus has {ticks}",
            opts.bp_ticks.len()
        ));
    }
    if let Some((k, _)) = opts.actions.iter().find(|(k, _)| *k > ticks) {
        return Err(format!(
            "host action before tick {k}: the stimulus has {ticks} ticks"
        ));
    }
    if !stim.teach.is_empty() && !cfg.teach_hardware() {
        return Err(no_teach_hardware(
            "the stimulus has a teacher (key \"teach\")",
        ));
    }
    if !cfg.teach_hardware()
        && let Some((k, _)) = opts
            .actions
            .iter()
            .find(|(_, a)| matches!(a, HostAction::Teach(_)))
    {
        return Err(no_teach_hardware(&format!(
            "host action before tick {k} sets teach mode"
        )));
    }
    if cfg.layer_count() > 1 {
        return export_chain(cfg, stim, opts);
    }
    let mut g = generate(
        cfg,
        &GenOptions {
            target: opts.target,
            forwarding: opts.forwarding,
            init_prefix: "rtl/".into(),
        },
    )?;
    let lay = g.layout.clone();
    let arch = lay.arch.clone();
    let mut v = Vectors::default();
    let mut net = Network::new(cfg);
    let mut sum = Summary {
        top: lay.name.clone(),
        tb: format!("{}_tb", lay.name),
        ticks,
        ..Default::default()
    };

    // host actions, in tick order (stable within a tick)
    let mut actions: Vec<(usize, HostAction)> = Vec::new();
    // memories that cannot be preloaded (UP5K SPRAM) always get their weights from the host
    let via_host = opts.host_weights || lay.pair;
    sum.weights_via_host = via_host;
    if via_host {
        let w = cfg.initial_weights();
        for j in 0..lay.r {
            for i in 0..lay.n {
                let w = w[[j as usize, i as usize]] as i64;
                actions.push((0, HostAction::WriteWeight { j, i, w }));
            }
        }
        for (_, text) in g.init.iter_mut() {
            *text = text
                .lines()
                .map(|l| "0".repeat(l.len()) + "\n")
                .collect::<String>();
        }
    }
    // the initial theta (`neuron.theta_file`): the reset sweep leaves theta 0
    for (i, &th) in cfg.initial_theta().iter().enumerate() {
        if th != 0 {
            let (kind, index, value) = (golden::model::StateKind::Theta, i as u64, th);
            actions.push((0, HostAction::WriteState { kind, index, value }));
        }
    }
    actions.extend(opts.actions.iter().cloned());
    actions.sort_by_key(|(k, _)| *k);
    let mut next_action = 0;
    let mut apply_actions = |t: usize, net: &mut Network, v: &mut Vectors| -> Result<(), String> {
        while next_action < actions.len() && actions[next_action].0 == t {
            let act = &actions[next_action].1;
            next_action += 1;
            host_vector(&lay, net, act, v, t)?;
        }
        Ok(())
    };

    let mut bp_on = true;
    let mut sample_rng = golden::rng::SplitMix64::new(opts.seed as u64 ^ 0xC4EC_4ED5);
    for (t, events) in stim.ticks.iter().enumerate() {
        apply_actions(t, &mut net, &mut v)?;
        if let Some(&on) = opts.bp_ticks.get(t)
            && on != bp_on
        {
            v.act(t as u32, ACT_BP, 0, on as u32);
            v.n_bp += 1;
            bp_on = on;
        }
        let teach = stim.teach_at(t);
        let mut activity = begin_activity(&net, events);
        activity.teach_beats = teach.len() as u64;
        let spikes = net.step_taught(events, teach).to_vec();
        finish_activity(&net, &mut activity);
        let timing = tick_timing(&arch, &activity);
        for &e in events {
            v.input(false, e);
        }
        v.input(true, 0);
        if lay.teach {
            v.teach(teach);
        }
        for (k, &s) in spikes.iter().enumerate() {
            v.output(false, timing.out_beats[k], s, None)?;
        }
        v.output(true, timing.eot, 0, None)?;
        sum.spikes += spikes.len();
        sum.tick_cycles += timing.cycles;
        sum.max_tick_cycles = sum.max_tick_cycles.max(timing.cycles);
        let all = opts.full_every > 0 && (t + 1) % opts.full_every == 0;
        let tag = t as u32 + 1;
        read_state(&lay, &net, &mut v, tag);
        read_weights(
            &lay,
            &net,
            &mut v,
            tag,
            all,
            opts.weight_samples,
            &mut sample_rng,
        );
    }
    apply_actions(ticks, &mut net, &mut v)?;
    sum.actions = v.n_act - v.n_bp;
    v.act(u32::MAX, 0, 0, 0); // end marker

    let tag = ticks as u32 + 1;
    v.chk(
        tag,
        kind::ID,
        0,
        0,
        lay.reg_addr(regs::ID),
        regs::ID_VALUE as u32,
    );
    read_state(&lay, &net, &mut v, tag);
    read_weights(&lay, &net, &mut v, tag, true, 0, &mut sample_rng);
    sum.checks = v.n_chk;
    v.chk(u32::MAX, 0, 0, 0, 0, 0); // end marker
    sum.input_beats = v.n_in;
    sum.teach_beats = v.n_teach;

    let watchdog = 1000
        + 2 * sum.max_tick_cycles
        + 4 * arch.scale_cycles()
        + 4 * arch.ltp_cycles(arch.groups)
        + 64 * (arch.groups + arch.rows + arch.x_words);
    let mut files = template_files(&sum, &v, opts, &g.rtl, lay.aw, lay.nb, watchdog)?;
    add_init_and_manifest(&mut files, &g.init, &g.manifest);
    Ok(Exported {
        files,
        summary: sum,
        generated: g,
        chain: None,
    })
}

/// The testbench, the run script, the compile list and the vectors of an export: the
/// template's holes filled with the sizes of the top (`aw` bits of `wb_adr`, `ob` of
/// `out_addr`) and `rtl`'s Verilog files; with teach hardware (teacher beats in `v`) the
/// testbench drives the teacher stream from `teach.hex`.
fn template_files(
    sum: &Summary,
    v: &Vectors,
    opts: &ExportOptions,
    rtl: &[(String, String)],
    aw: u32,
    ob: u32,
    watchdog: u64,
) -> Result<BTreeMap<String, String>, String> {
    let teach = v.n_teach > 0;
    let bench = Bench {
        rtl,
        what: "array",
        top: &sum.top,
        tb: &sum.tb,
        ticks: sum.ticks,
        n_in: v.n_in,
        n_out: v.n_out,
        n_act: v.n_act,
        n_chk: v.n_chk,
        aw,
        ob,
        bp_permille: opts.backpressure_permille,
        seed: opts.seed,
        watchdog,
        bp_args: "[+bp=P]",
        out_bp: "and of out_ready low in each cycle".into(),
    };
    let mut files = bench.files(
        TB_TEMPLATE,
        &[
            ("TEACH", (teach as u8).to_string()),
            ("N_TEACH", v.n_teach.max(1).to_string()),
            ("IW_TEACH", index_bits(v.n_teach).to_string()),
            ("TEACH_FILE", vector_file("teach.hex")),
            ("TAGGED", (v.tag_bits.is_some() as u8).to_string()),
            ("LW", v.tag_bits.unwrap_or(1).to_string()),
        ],
    )?;
    files.insert(vector_file("in.hex"), v.input.clone());
    if teach {
        files.insert(vector_file("teach.hex"), v.teach.clone());
    }
    files.insert(vector_file("out.hex"), v.output.clone());
    files.insert(vector_file("act.hex"), v.act.clone());
    files.insert(vector_file("chk.hex"), v.chk.clone());
    Ok(files)
}

/// The memory init files and the manifest beside the RTL (`$readmemh` paths start with `rtl/`).
pub(crate) fn add_init_and_manifest(
    files: &mut BTreeMap<String, String>,
    init: &[(String, String)],
    manifest: &str,
) {
    for (n, t) in init {
        files.insert(format!("rtl/{n}"), t.clone());
    }
    files.insert("rtl/manifest.json".into(), manifest.to_string());
}

/// The vector of host action `act` on the array `lay` before tick `t`, applied to `net`
/// (`v.base` added to its address).
fn host_vector(
    lay: &Layout,
    net: &mut Network,
    act: &HostAction,
    v: &mut Vectors,
    t: usize,
) -> Result<(), String> {
    match act {
        HostAction::WriteWeight { j, i, w } => {
            if *j >= lay.r || *i >= lay.n {
                return Err(format!(
                    "host write of weight ({j}, {i}): the network has {} rows and {} neurons",
                    lay.r, lay.n
                ));
            }
            net.set_weight(*j as usize, *i as usize, *w)
                .map_err(|e| e.to_string())?;
            v.act(t as u32, ACT_WRITE, lay.weight_addr(*j, *i), word(*w));
        }
        HostAction::WriteState { kind, index, value } => {
            let a = lay
                .state_addr(*kind, *index)
                .ok_or_else(|| format!("host write of {kind:?}: the array has no such field"))?;
            net.set_state(*kind, *index as usize, *value)
                .map_err(|e| e.to_string())?;
            v.act(t as u32, ACT_WRITE, a, *value as i32 as u32);
        }
        HostAction::WriteDelay { j, i, d } => {
            net.set_delay(*j as usize, *i as usize, *d)
                .map_err(|e| e.to_string())?;
            v.act(t as u32, ACT_WRITE, lay.delay_addr(*j, *i), *d as u32);
        }
        HostAction::Clear => {
            net.clear();
            v.act(t as u32, ACT_WRITE, lay.reg_addr(regs::COMMAND), 1);
        }
        HostAction::Normalize => {
            net.normalize();
            v.act(t as u32, ACT_WRITE, lay.reg_addr(regs::COMMAND), 2);
        }
        HostAction::Learning(on) => {
            net.set_learning(*on);
            v.act(t as u32, ACT_WRITE, lay.reg_addr(regs::CONTROL), *on as u32);
        }
        HostAction::Teach(on) => {
            if !lay.teach {
                return Err(no_teach_hardware("host action sets teach mode"));
            }
            net.set_teach(*on);
            v.act(t as u32, ACT_WRITE, lay.reg_addr(regs::TEACH), *on as u32);
        }
        HostAction::Reset => {
            net.reset();
            v.act(t as u32, ACT_RESET, 0, 0);
        }
    }
    Ok(())
}

/// A network of layers: the chain top (`hdl::array::chain`) under the same template. The input
/// beats go to layer 0, the expected output beats are the last layer's at the chip cycles of
/// `golden::cycle::chain_timing_out` (with `[network] output = "all"`: every layer's, each
/// tagged with its layer, in the stream order and at the cycles it gives); every layer's counters, state and weights are read back at
/// its base address. Host actions: weight and state writes to layer 0; clear, normalize and
/// learning enable through the broadcast address to every layer; a reset pulses `rst` (every
/// layer and link).
fn export_chain(cfg: &Config, stim: &Stimulus, opts: &ExportOptions) -> Result<Exported, String> {
    let output = cfg.network.output;
    let ticks = stim.ticks.len();
    let mut g = generate_network(
        cfg,
        &GenOptions {
            target: opts.target,
            forwarding: opts.forwarding,
            init_prefix: "rtl/".into(),
        },
    )?;
    let lays: Vec<Layout> = g.layers.iter().map(|l| l.layout.clone()).collect();
    let archs: Vec<golden::cycle::Arch> = lays.iter().map(|l| l.arch.clone()).collect();
    let host = g.host.clone();
    let nl = lays.len();
    let cfgs = cfg.layer_configs();
    let mut v = Vectors::default();
    if !output.is_last() {
        // the chain top's own tag width
        let top = g
            .design
            .modules
            .iter()
            .find(|m| m.name == g.design.top)
            .ok_or("the chain has no top module")?;
        let tag = top
            .ports()
            .find(|p| p.name == "out_layer")
            .ok_or("output = \"all\" but the chain top has no out_layer port")?;
        v.tag_bits = Some(tag.ty.width);
    }
    let mut chain = Chain::new(cfg);
    let teach_hw = lays[0].teach;
    let mut sum = Summary {
        top: cfg.name.clone(),
        tb: format!("{}_tb", cfg.name),
        ticks,
        ..Default::default()
    };
    // (tick, layer or every layer, action)
    let mut actions: Vec<(usize, Option<usize>, HostAction)> = Vec::new();
    for (k, (lay, lc)) in lays.iter().zip(&cfgs).enumerate() {
        if opts.host_weights || lay.pair {
            sum.weights_via_host = true;
            let w = lc.initial_weights();
            for j in 0..lay.r {
                for i in 0..lay.n {
                    let w = w[[j as usize, i as usize]] as i64;
                    actions.push((0, Some(k), HostAction::WriteWeight { j, i, w }));
                }
            }
        }
        for (i, &th) in lc.initial_theta().iter().enumerate() {
            if th != 0 {
                let (kind, index, value) = (StateKind::Theta, i as u64, th);
                actions.push((0, Some(k), HostAction::WriteState { kind, index, value }));
            }
        }
    }
    if opts.host_weights {
        for (_, text) in g.init.iter_mut() {
            *text = text
                .lines()
                .map(|l| "0".repeat(l.len()) + "\n")
                .collect::<String>();
        }
    }
    for (t, a) in &opts.actions {
        let layer = match a {
            HostAction::WriteWeight { .. } | HostAction::WriteState { .. } => Some(0),
            _ => None,
        };
        actions.push((*t, layer, a.clone()));
    }
    actions.sort_by_key(|a| a.0);
    let mut next_action = 0;
    let mut apply_actions = |t: usize, chain: &mut Chain, v: &mut Vectors| -> Result<(), String> {
        while next_action < actions.len() && actions[next_action].0 == t {
            let (_, layer, act) = &actions[next_action];
            next_action += 1;
            match layer {
                Some(k) => {
                    v.base = host.base(*k as u64);
                    host_vector(&lays[*k], chain.layer_mut(*k), act, v, t)
                        .map_err(|e| format!("layer[{k}]: {e}"))?;
                }
                None => {
                    // one write to the broadcast address (or one rst pulse), every layer
                    v.base = host.base(host.broadcast);
                    host_vector(&lays[0], chain.layer_mut(0), act, v, t)?;
                    let mut quiet = Vectors::default();
                    for (k, lay) in lays.iter().enumerate().skip(1) {
                        host_vector(lay, chain.layer_mut(k), act, &mut quiet, t)?;
                    }
                }
            }
            v.base = 0;
        }
        Ok(())
    };

    let mut bp_on = true;
    let mut sample_rng = golden::rng::SplitMix64::new(opts.seed as u64 ^ 0xC4EC_4ED5);
    let mut read_all = |chain: &Chain, v: &mut Vectors, tag: u32, all: bool, samples: usize| {
        for (k, lay) in lays.iter().enumerate() {
            v.base = host.base(k as u64);
            read_state(lay, chain.layer(k), v, tag);
            read_weights(lay, chain.layer(k), v, tag, all, samples, &mut sample_rng);
        }
        v.base = 0;
    };
    for (t, events) in stim.ticks.iter().enumerate() {
        apply_actions(t, &mut chain, &mut v)?;
        if let Some(&on) = opts.bp_ticks.get(t)
            && on != bp_on
        {
            v.act(t as u32, ACT_BP, 0, on as u32);
            v.n_bp += 1;
            bp_on = on;
        }
        let teach = stim.teach_at(t);
        let acts = step_chain_taught(&mut chain, events, teach);
        let timing = chain_timing_out(&archs, &acts, chain.layer_delay(), output);
        for &e in events {
            v.input(false, e);
        }
        v.input(true, 0);
        if teach_hw {
            v.teach(teach);
        }
        if output.is_last() {
            let spikes = chain.spikes_of(nl - 1);
            let beats = timing.out_beats(nl - 1);
            for (k, &s) in spikes.iter().enumerate() {
                v.output(false, beats[k], s, None)?;
            }
            v.output(true, timing.cycles - 1, 0, None)?;
            sum.spikes += spikes.len();
        } else {
            // every layer's spikes in stream order, each layer's in its own order; the
            // end-of-tick beat carries layer 0
            let mut next = vec![0usize; nl];
            for &(k, cycle) in &timing.tagged {
                let s = chain.spikes_of(k)[next[k]];
                next[k] += 1;
                v.output(false, cycle, s, Some(k))?;
            }
            v.output(true, timing.cycles - 1, 0, Some(0))?;
            sum.spikes += timing.tagged.len();
        }
        sum.tick_cycles += timing.cycles;
        sum.max_tick_cycles = sum.max_tick_cycles.max(timing.cycles);
        let all = opts.full_every > 0 && (t + 1) % opts.full_every == 0;
        read_all(&chain, &mut v, t as u32 + 1, all, opts.weight_samples);
    }
    apply_actions(ticks, &mut chain, &mut v)?;
    sum.actions = v.n_act - v.n_bp;
    v.act(u32::MAX, 0, 0, 0); // end marker
    let tag = ticks as u32 + 1;
    for (k, lay) in lays.iter().enumerate() {
        v.base = host.base(k as u64);
        v.chk(
            tag,
            kind::ID,
            0,
            0,
            lay.reg_addr(regs::ID),
            regs::ID_VALUE as u32,
        );
    }
    v.base = 0;
    read_all(&chain, &mut v, tag, true, 0);
    sum.checks = v.n_chk;
    v.chk(u32::MAX, 0, 0, 0, 0, 0); // end marker
    sum.input_beats = v.n_in;
    sum.teach_beats = v.n_teach;

    let watchdog: u64 = 1000
        + 2 * sum.max_tick_cycles
        + archs
            .iter()
            .map(|a| {
                4 * a.scale_cycles()
                    + 4 * a.ltp_cycles(a.groups)
                    + 64 * (a.groups + a.rows + a.x_words)
            })
            .sum::<u64>();
    // the output stream's address: the last layer's neuron, or (output = "all") any layer's
    let ob = if output.is_last() {
        lays[nl - 1].nb
    } else {
        lays.iter().map(|l| l.nb).max().unwrap()
    };
    let mut files = template_files(&sum, &v, opts, &g.rtl, host.address_bits, ob, watchdog)?;
    add_init_and_manifest(&mut files, &g.init, &g.manifest);
    Ok(Exported {
        files,
        summary: sum,
        generated: g.layers[0].clone(),
        chain: Some(g),
    })
}

/// The refusal of a teacher for a network without teach hardware.
fn no_teach_hardware(what: &str) -> String {
    format!(
        "{what}, but the network has no teach hardware (set teach = true on a layer or \
         [network] teacher_layer in the config)"
    )
}

/// The counters, every neuron state and every trace, to read back when `tag` ticks are done.
fn read_state(lay: &Layout, net: &Network, v: &mut Vectors, tag: u32) {
    let dropped = net.dropped() as u32;
    v.chk(
        tag,
        kind::DROPPED,
        0,
        0,
        lay.reg_addr(regs::DROPPED),
        dropped,
    );
    // (a chained layer has no tick counter: the chip's is layer 0's; its DROPPED reads 0, as
    // the golden layer's count is)
    if !lay.chained {
        let t = net.tick();
        v.chk(
            tag,
            kind::TICK_LO,
            0,
            0,
            lay.reg_addr(regs::TICK_LO),
            t as u32,
        );
        let hi = (t >> 32) as u32;
        v.chk(tag, kind::TICK_HI, 0, 0, lay.reg_addr(regs::TICK_HI), hi);
    }
    if lay.teach {
        let a = lay.reg_addr(regs::TEACH_DROPPED);
        v.chk(
            tag,
            kind::TEACH_DROPPED,
            0,
            0,
            a,
            net.teach_dropped() as u32,
        );
        let a = lay.reg_addr(regs::TEACH);
        v.chk(tag, kind::TEACH, 0, 0, a, net.teach() as u32);
    }
    for (region, state, k) in [
        (Region::V, StateKind::V, kind::V),
        (Region::Ref, StateKind::Refractory, kind::REF),
        (Region::Theta, StateKind::Theta, kind::THETA),
        (Region::Y, StateKind::Y, kind::Y),
        (Region::U, StateKind::U, kind::U),
    ] {
        if lay.region_field(region).is_none() {
            continue;
        }
        let vals = net.state(state);
        for i in 0..lay.n {
            let a = lay.neuron_addr(region, i);
            v.chk(tag, k, 0, i, a, word(vals[i as usize]));
        }
    }
    if lay.f_y.is_some() {
        let x = net.x();
        for j in 0..lay.r {
            v.chk(tag, kind::X, 0, j, lay.x_addr(j), word(x[j as usize]));
        }
    }
}

/// Weights to read back when `tag` ticks are done: all of them, or `samples` drawn from `rng`.
fn read_weights(
    lay: &Layout,
    net: &Network,
    v: &mut Vectors,
    tag: u32,
    all: bool,
    samples: usize,
    rng: &mut golden::rng::SplitMix64,
) {
    let w = net.weights();
    let one = |v: &mut Vectors, j: u64, i: u64| {
        let val = word(w[[j as usize, i as usize]] as i64);
        v.chk(tag, kind::WEIGHT, j, i, lay.weight_addr(j, i), val);
    };
    if all {
        for j in 0..lay.r {
            for i in 0..lay.n {
                one(v, j, i);
            }
        }
    } else {
        for _ in 0..samples {
            let (j, i) = (rng.below(lay.r), rng.below(lay.n));
            one(v, j, i);
        }
    }
}

/// Export and write to `dir`.
pub fn export_to(
    cfg: &Config,
    stim: &Stimulus,
    opts: &ExportOptions,
    dir: &Path,
) -> Result<Exported, String> {
    let e = export(cfg, stim, opts)?;
    e.write(dir)?;
    Ok(e)
}
