//! The early fit check: before Yosys and nextpnr run, estimate what the generated array needs of
//! a device (block RAM tiles, SPRAM, multipliers, logic) from its memories and multipliers, and
//! refuse a design that cannot fit at once, naming the knob and the largest value that fits.
//!
//! Key decision: the estimate walks the generated design (the same memories and multipliers the
//! tools will see) and maps each with the rules Yosys applies, measured here (Yosys 0.23 and
//! 0.70) on the generator's memories (read latency 2, the output register absorbed): on iCE40 a
//! memory of at most 4 words or 64 bits becomes flip-flops unless marked `ram_style "block"` (the
//! UP5K's small memories, measured: a 10 x 4 bit one takes one EBR) and any larger one EBR (4 Kbit:
//! 256x16, 512x8, 1024x4, 2048x2), `ram_style "huge"` SPRAM (16K x 16); on ECP5 a memory of under 1 Kbit or
//! marked `ram_style "distributed"` becomes LUT RAM (16x4 per TRELLIS_DPR16X4) and a larger one
//! DP16KD (1024x18, 2048x9, 4096x4, 8192x2, 16384x1, 512x36), plus the DP16KD the generator
//! instantiates itself. Checked against Yosys on the 256x256 arrays: UP5K 4 lanes 24 EBR + 4
//! SPRAM with the board link (measured 24 + 4), ECP5 4 lanes 41 DP16KD for the array alone
//! (Yosys 0.70: 41), ECP5 16 lanes 33 with the link (measured 33); a multiplier of `a x b` bits takes one DSP per 16-bit (iCE40 SB_MAC16)
//! or 18-bit (ECP5 MULT18X18D) piece of each operand, a last piece under 2 bits going to logic.
//! Memories and multipliers are counted exactly and decide a refusal; logic is a calibrated
//! estimate (docs/board.md's measured arrays) that only warns, since nextpnr's report decides.

use super::device::{Device, Family};
use golden::Config;
use hdl::array::{Generated, Options, generate};
use hdl::ir::{BinOp, Design, Expr, ExprKind, Module, Stmt};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where one memory of the design goes on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryUse {
    /// Instance path below the top (lane memories once per lane module).
    pub name: String,
    /// Words.
    pub depth: u64,
    /// Bits per word.
    pub width: u32,
    /// Copies in the design.
    pub count: u64,
    /// `"spram"`, `"bram"`, `"lutram"` or `"ff"`.
    pub kind: &'static str,
    /// Tiles of that kind per copy (block RAMs, SPRAMs, LUT RAM cells; 0 for flip-flops).
    pub tiles: u64,
}

/// What the generated array needs of a device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The device.
    pub device: Device,
    /// Block RAM tiles (EBR or DP16KD), exact.
    pub bram: u64,
    /// SPRAMs, exact.
    pub spram: u64,
    /// Multipliers, exact.
    pub dsp: u64,
    /// Logic cells (iCE40) or LUT4s (ECP5), estimated.
    pub logic: u64,
    /// Where each memory goes.
    pub memories: Vec<MemoryUse>,
    /// Where the weights are and why (UP5K SPRAM pair mode or block RAM).
    pub weights: String,
    /// Lanes of the array.
    pub lanes: u64,
    /// Synaptic delays (`synapse.max_delay`, 0 = none).
    pub max_delay: u32,
    /// Block RAM tiles the delays add (included in `bram`).
    pub delay_bram: u64,
}

/// Tiles of one block RAM configuration list for a `depth x width` memory: the cheapest
/// configuration (depth x width per tile).
fn tiles(depth: u64, width: u32, configs: &[(u64, u32)]) -> u64 {
    configs
        .iter()
        .map(|&(d, w)| depth.div_ceil(d) * (width as u64).div_ceil(w as u64))
        .min()
        .unwrap_or(0)
}

const EBR: [(u64, u32); 4] = [(256, 16), (512, 8), (1024, 4), (2048, 2)];
const DP16KD: [(u64, u32); 6] = [
    (1024, 18),
    (2048, 9),
    (4096, 4),
    (8192, 2),
    (16384, 1),
    (512, 36),
];

/// Map one memory on the device's family.
fn map_memory(
    family: Family,
    depth: u64,
    width: u32,
    attrs: &[(String, String)],
) -> (&'static str, u64) {
    let bits = depth * width as u64;
    let style = |s: &str| attrs.iter().any(|(k, v)| k == "ram_style" && v.contains(s));
    let (huge, distributed, block) = (style("huge"), style("distributed"), style("block"));
    match family {
        Family::Ice40 if huge => ("spram", depth.div_ceil(16384) * (width as u64).div_ceil(16)),
        Family::Ice40 if !block && (depth <= 4 || bits <= 64) => ("ff", 0),
        Family::Ice40 => ("bram", tiles(depth, width, &EBR)),
        Family::Ecp5 if distributed || bits < 1024 => {
            ("lutram", depth.div_ceil(16) * (width as u64).div_ceil(4))
        }
        Family::Ecp5 => ("bram", tiles(depth, width, &DP16KD)),
    }
}

/// DSPs of an `a x b` multiplier with `piece`-bit DSP operands.
fn dsp_of(a: u32, b: u32, piece: u32) -> u64 {
    let pieces = |w: u32| (w / piece + u32::from(w % piece >= 2)) as u64;
    if a.min(b) < 2 {
        0
    } else {
        pieces(a).max(1) * pieces(b).max(1)
    }
}

/// Whether an expression is a constant (through extensions and casts).
fn is_const(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Const(_) => true,
        ExprKind::Ext(a) | ExprKind::Cast(a) => is_const(a),
        _ => false,
    }
}

/// The width of an operand without its sign or zero extension (the generator widens both
/// operands of a full product; Yosys maps the operands' significant bits).
fn significant(e: &Expr) -> u32 {
    match &e.kind {
        ExprKind::Ext(a) | ExprKind::Cast(a) => significant(a),
        _ => e.ty.width,
    }
}

/// The value of a constant operand (through extensions and casts).
fn const_value(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Const(_) => e.const_value(),
        ExprKind::Ext(a) | ExprKind::Cast(a) => const_value(a),
        _ => None,
    }
}

/// Operand widths of the products in an expression tree that take multipliers: both operands
/// variable, or one a constant that is not a power of two (the `cuba` decays; Yosys maps those
/// to DSP blocks with `-dsp` and `synth_ecp5`, measured: a 25 x 14-bit constant product takes 2
/// `SB_MAC16` or 2 `MULT18X18D`).
fn products(e: &Expr, out: &mut Vec<(u32, u32)>) {
    match &e.kind {
        ExprKind::Sig(..) | ExprKind::Const(_) | ExprKind::Invalid(_) => {}
        ExprKind::Bin(op, a, b) => {
            let shift = |x: &Expr| {
                const_value(x).is_some_and(|k| k == 0 || (k > 0 && (k as u128).is_power_of_two()))
            };
            let both_const = is_const(a) && is_const(b);
            if *op == BinOp::Mul && !both_const && !shift(a) && !shift(b) {
                out.push((significant(a), significant(b)));
            }
            products(a, out);
            products(b, out);
        }
        ExprKind::Un(_, a)
        | ExprKind::Shl(a, _)
        | ExprKind::Shr(a, _)
        | ExprKind::Sra(a, _)
        | ExprKind::Slice(a, _, _)
        | ExprKind::Ext(a)
        | ExprKind::Cast(a)
        | ExprKind::MemRead(_, _, a) => products(a, out),
        ExprKind::Mux(c, a, b) => {
            products(c, out);
            products(a, out);
            products(b, out);
        }
        ExprKind::Concat(v) => v.iter().for_each(|x| products(x, out)),
    }
}

/// Operand widths of the non-constant products in a statement.
fn stmt_products(s: &Stmt, out: &mut Vec<(u32, u32)>) {
    match s {
        Stmt::Assign(_, _, e) => products(e, out),
        Stmt::If(c, a, b) => {
            products(c, out);
            a.iter().chain(b).for_each(|x| stmt_products(x, out));
        }
        Stmt::Case(sel, arms, def) => {
            products(sel, out);
            arms.iter()
                .flat_map(|(_, b)| b)
                .chain(def)
                .for_each(|x| stmt_products(x, out));
        }
        Stmt::MemWrite(_, _, a, d) => {
            products(a, out);
            products(d, out);
        }
    }
}

/// The body synthesis sees: the `SYNTHESIS` alternative where there is one.
fn synth_body(m: &Module) -> &Module {
    match &m.alt {
        Some(a) if a.define == "SYNTHESIS" => &a.body,
        _ => m,
    }
}

/// Walk the instance tree from `module`, `mult` copies deep, collecting memories, vendor block
/// RAM instances and multipliers.
fn walk(d: &Design, family: Family, module: &str, path: &str, mult: u64, acc: &mut Estimate) {
    let Some(m) = d.modules.iter().find(|m| m.name == module) else {
        // a vendor primitive
        if module == "DP16KD" {
            acc.bram += mult;
        } else if module == "SB_SPRAM256KA" {
            acc.spram += mult;
        }
        return;
    };
    let body = synth_body(m);
    for mem in &body.memories {
        let (kind, t) = map_memory(family, mem.depth, mem.ty.width, &mem.attrs);
        match kind {
            "spram" => acc.spram += t * mult,
            "bram" => acc.bram += t * mult,
            _ => {}
        }
        acc.memories.push(MemoryUse {
            name: path.to_string(),
            depth: mem.depth,
            width: mem.ty.width,
            count: mult,
            kind,
            tiles: t,
        });
    }
    let mut ps = Vec::new();
    for p in &body.processes {
        for s in &p.body {
            stmt_products(s, &mut ps);
        }
    }
    for (_, _, e) in &body.assigns {
        products(e, &mut ps);
    }
    let piece = match family {
        Family::Ice40 => 16,
        Family::Ecp5 => 18,
    };
    // a device without multipliers (iCE40 HX) builds them from logic
    if acc.device.capacity().dsp > 0 {
        for (a, b) in ps {
            acc.dsp += dsp_of(a, b, piece) * mult;
        }
    }
    // instances: count copies of the same module under one name
    let mut subs: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for inst in &body.instances {
        let e = subs.entry(&inst.module).or_insert((0, &inst.name));
        e.0 += 1;
    }
    for (sub, (n, name)) in subs {
        let name = name.trim_start_matches("u_");
        let p = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        walk(d, family, sub, &p, mult * n, acc);
    }
}

/// Estimate what `g` needs of `device` (plus the board top's UART link when `board_link`).
pub fn estimate(g: &Generated, device: Device, board_link: bool) -> Estimate {
    let family = device.family();
    let lay = &g.layout;
    let weights = if lay.pair {
        "SPRAM, two weights per word (UP5K pair mode)".to_string()
    } else if device == Device::Up5k {
        format!("block RAM: {}", up5k_fallback(lay))
    } else {
        "block RAM".to_string()
    };
    let mut e = Estimate {
        device,
        bram: 0,
        spram: 0,
        dsp: 0,
        logic: 0,
        memories: Vec::new(),
        weights,
        lanes: lay.l,
        max_delay: 0,
        delay_bram: 0,
    };
    walk(&g.design, family, &g.design.top, "", 1, &mut e);
    // the UART link's receive buffer is one block RAM
    if board_link {
        e.bram += 1;
    }
    // logic: calibrated on the measured board tops (docs/board.md): a fixed part (sequencer,
    // host port, counters, link) and a part per lane, plus the flip-flops of small iCE40
    // memories
    let l = lay.l;
    let ff_bits: u64 = e
        .memories
        .iter()
        .filter(|m| m.kind == "ff")
        .map(|m| m.depth * m.width as u64 * m.count)
        .sum();
    let lutram: u64 = e
        .memories
        .iter()
        .filter(|m| m.kind == "lutram")
        .map(|m| m.tiles * m.count)
        .sum();
    e.logic = match family {
        Family::Ice40 => 1900 + 770 * l + ff_bits,
        Family::Ecp5 => 1600 + 290 * l + 2 * lutram,
    };
    e
}

/// Why the UP5K weights of `lay` are in block RAM (the generator's own reason).
fn up5k_fallback(lay: &hdl::array::Layout) -> String {
    if lay.delay > 0 {
        return "synaptic delays keep the weights out of SPRAM pair mode (its single port has no \
                cycle for the delayed potentiation)"
            .to_string();
    }
    lay.pair_refusal()
        .unwrap_or_else(|| "generated without SPRAM pair mode".to_string())
}

/// The configs' knobs the advice searches over.
#[derive(Debug, Clone, Copy)]
enum Knob {
    Lanes,
    Neurons,
    Inputs,
    MaxDelay,
}

impl Knob {
    fn key(self) -> &'static str {
        match self {
            Knob::Lanes => "array.lanes",
            Knob::Neurons => "array.neurons",
            Knob::Inputs => "array.inputs",
            Knob::MaxDelay => "synapse.max_delay",
        }
    }

    fn get(self, c: &Config) -> u32 {
        match self {
            Knob::Lanes => c.array.lanes,
            Knob::Neurons => c.array.neurons,
            Knob::Inputs => c.array.inputs,
            Knob::MaxDelay => c.max_delay(),
        }
    }

    fn set(self, c: &Config, v: u32) -> Config {
        let mut c = c.clone();
        match self {
            Knob::Lanes => c.array.lanes = v,
            Knob::Neurons => c.array.neurons = v,
            Knob::Inputs => c.array.inputs = v,
            Knob::MaxDelay => {
                if let Some(d) = c.synapse.delays.as_mut() {
                    d.max_delay = v;
                }
            }
        }
        c
    }

    /// Values to try below the current one: lanes and neurons keep `neurons % lanes == 0`.
    fn candidates(self, c: &Config) -> Vec<u32> {
        let cur = self.get(c);
        match self {
            Knob::Lanes => (1..cur)
                .filter(|l| c.array.neurons.is_multiple_of(*l))
                .collect(),
            Knob::Neurons => (1..cur / c.array.lanes)
                .map(|k| k * c.array.lanes)
                .collect(),
            Knob::Inputs | Knob::MaxDelay => (1..cur).collect(),
        }
    }
}

/// The resources a device lacks for an estimate, as (what, need, have, unit) lines.
fn shortfalls(e: &Estimate) -> Vec<(&'static str, u64, u64)> {
    let cap = e.device.capacity();
    let mut v = Vec::new();
    if e.bram > cap.bram {
        v.push(("block RAM", e.bram, cap.bram));
    }
    if e.spram > cap.spram {
        v.push(("SPRAM", e.spram, cap.spram));
    }
    if e.dsp > cap.dsp {
        v.push(("DSP", e.dsp, cap.dsp));
    }
    v
}

/// Generate `cfg` for `device` and estimate it; with synaptic delays, the memories the delays
/// take are named (`... (synaptic delays)`) and their cost is measured against the same network
/// without them ([`mark_delays`]).
fn estimate_config(cfg: &Config, device: Device, board_link: bool) -> Result<Estimate, String> {
    let generated = |c: &Config| {
        generate(
            c,
            &Options {
                target: device.target(),
                ..Options::default()
            },
        )
    };
    let mut e = estimate(&generated(cfg)?, device, board_link);
    if cfg.max_delay() > 0 {
        let mut plain = cfg.clone();
        plain.synapse.delays = None;
        let p = estimate(&generated(&plain)?, device, board_link);
        mark_delays(&mut e, &p, cfg.max_delay());
    }
    Ok(e)
}

/// Name the memories synaptic delays add or grow (docs/model.md, "Synaptic delays in
/// hardware"): per lane the delays beside the weights (`dmem`, `rows x G` words of `bits(D - 1)`
/// bits), the accumulator ring (`accmem`, D x G words) and, with STDP, the lane's copy of the
/// trace history (`xhist`); in the top the x memory grown to the history (D x `x_words` words).
/// Copies of one memory (ECP5's per-lane modules) are merged. The block RAM tiles the delays
/// cost are the difference to `plain`, the network without them (on the UP5K that includes the
/// weights, which leave SPRAM pair mode with delays).
fn mark_delays(e: &mut Estimate, plain: &Estimate, max_delay: u32) {
    e.max_delay = max_delay;
    e.delay_bram = e.bram.saturating_sub(plain.bram);
    let mut out: Vec<MemoryUse> = Vec::new();
    for m in std::mem::take(&mut e.memories) {
        let leaf = m.name.rsplit('.').next().unwrap_or("");
        let what = match leaf {
            "dmem" => "delays",
            "accmem" => "accumulator ring",
            "xhist" => "x history copy",
            "x" => "x history",
            _ => {
                out.push(m);
                continue;
            }
        };
        let name = format!("{what} (synaptic delays)");
        match out.iter_mut().find(|o| {
            o.name == name
                && (o.depth, o.width, o.kind, o.tiles) == (m.depth, m.width, m.kind, m.tiles)
        }) {
            Some(o) => o.count += m.count,
            None => out.push(MemoryUse { name, ..m }),
        }
    }
    e.memories = out;
}

/// The largest value of `knob` below the config's that fits (memories and multipliers). Lanes
/// are not monotone (fewer lanes lose UP5K pair mode), so they are tried from the top; inputs
/// and neurons only add memory, so a binary search finds their limit.
fn largest_fitting(cfg: &Config, device: Device, board_link: bool, knob: Knob) -> Option<u32> {
    let cands = knob.candidates(cfg);
    let fits = |v: u32| {
        estimate_config(&knob.set(cfg, v), device, board_link)
            .map(|e| shortfalls(&e).is_empty())
            .unwrap_or(false)
    };
    if let Knob::Lanes = knob {
        return cands.into_iter().rev().find(|&v| fits(v));
    }
    if cands.is_empty() || !fits(cands[0]) {
        return None;
    }
    let (mut lo, mut hi) = (0usize, cands.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if fits(cands[mid]) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(cands[lo])
}

/// The estimate of `cfg` on `device`, or an error saying what does not fit, by how much, what
/// each lane takes, and the largest value of each knob that fits.
pub fn check(cfg: &Config, device: Device, board_link: bool) -> Result<Estimate, String> {
    report(cfg, estimate_config(cfg, device, board_link)?, board_link)
}

/// [`check`] on the design the caller already generated from `cfg` for `device` (the
/// estimate does not depend on init-file paths).
pub fn check_generated(
    cfg: &Config,
    g: &Generated,
    device: Device,
    board_link: bool,
) -> Result<Estimate, String> {
    report(cfg, estimate(g, device, board_link), board_link)
}

/// `e` when it fits, else the refusal with the knobs' largest fitting values.
fn report(cfg: &Config, e: Estimate, board_link: bool) -> Result<Estimate, String> {
    let device = e.device;
    let short = shortfalls(&e);
    if short.is_empty() {
        return Ok(e);
    }
    let l = cfg.array.lanes as u64;
    let mut msg = format!(
        "{} x {} with {} lanes does not fit the {} (estimated before synthesis):",
        cfg.array.inputs,
        cfg.array.neurons,
        l,
        device.name()
    );
    for (what, need, have) in &short {
        msg.push_str(&format!("\n  {what}: needs {need}, the device has {have}"));
        if *what == "DSP" && e.dsp.is_multiple_of(l) {
            msg.push_str(&format!(
                " ({} per lane: the synaptic-scaling multiply of weight x 32-bit ratio)",
                e.dsp / l
            ));
        }
    }
    let big: Vec<String> = e
        .memories
        .iter()
        .filter(|m| m.tiles > 0 && (m.kind == "bram" || m.kind == "spram"))
        .map(|m| {
            format!(
                "{} x {} ({} x {} bit): {} {} each",
                m.count, m.name, m.depth, m.width, m.tiles, m.kind
            )
        })
        .collect();
    if !big.is_empty() {
        msg.push_str(&format!("\n  memories: {}", big.join("; ")));
    }
    msg.push_str(&format!("\n  weights in {}", e.weights));
    msg.push_str(&delay_note(&e));
    let mut advice = Vec::new();
    let knobs: &[Knob] = if e.max_delay > 0 {
        &[Knob::Lanes, Knob::Neurons, Knob::Inputs, Knob::MaxDelay]
    } else {
        &[Knob::Lanes, Knob::Neurons, Knob::Inputs]
    };
    for &knob in knobs {
        if let Some(v) = largest_fitting(cfg, device, board_link, knob) {
            let rel = if let Knob::Lanes = knob { "=" } else { "<=" };
            advice.push(format!("{} {rel} {v}", knob.key()));
        }
    }
    if advice.is_empty() {
        msg.push_str(if e.max_delay > 0 {
            "\n  no smaller lanes, neurons, inputs or synapse.max_delay alone makes it fit: \
             choose a larger device or shrink several"
        } else {
            "\n  no smaller lanes, neurons or inputs alone makes it fit: choose a larger device"
        });
    } else {
        msg.push_str(&format!(
            "\n  what fits, one knob at a time: {}",
            advice.join(", or ")
        ));
    }
    Err(msg)
}

/// What synaptic delays cost in an estimate (empty without delays): their block RAM tiles and,
/// in UP5K pair mode, why they are not packed with the weights in SPRAM.
fn delay_note(e: &Estimate) -> String {
    if e.max_delay == 0 {
        return String::new();
    }
    let bits: u64 = e
        .memories
        .iter()
        .filter(|m| m.name.ends_with("(synaptic delays)"))
        .map(|m| m.depth * m.width as u64 * m.count)
        .sum();
    let mut s = format!(
        "\n  synaptic delays (synapse.max_delay = {}): {} Kbit of memory, {} more block RAM tiles \
         than without delays",
        e.max_delay,
        bits / 1024,
        e.delay_bram
    );
    let mems: Vec<String> = e
        .memories
        .iter()
        .filter(|m| m.name.ends_with("(synaptic delays)"))
        .map(|m| {
            format!(
                "{} x {} ({} x {} bit): {} {} each",
                m.count,
                m.name.trim_end_matches(" (synaptic delays)"),
                m.depth,
                m.width,
                m.tiles,
                m.kind
            )
        })
        .collect();
    s.push_str(&format!(" ({})", mems.join("; ")));
    if e.weights.contains("pair mode") {
        s.push_str(
            "; the delays are in block RAM because a weight pair with its delays is wider than \
             the SPRAM's 16-bit word and pair mode uses every cycle of the SPRAM's single port \
             (a read, then a write, per two synaptic operations)",
        );
    }
    s
}

/// One line about the estimate, for the summaries of `generate` and `synth`.
pub fn line(e: &Estimate) -> String {
    let cap = e.device.capacity();
    let mut s = format!(
        "fit estimate for {}: block RAM {}/{}, ",
        e.device.name(),
        e.bram,
        cap.bram
    );
    if cap.spram > 0 {
        s.push_str(&format!("SPRAM {}/{}, ", e.spram, cap.spram));
    }
    s.push_str(&format!(
        "DSP {}/{}, logic ~{}/{}{}; weights in {}",
        e.dsp,
        cap.dsp,
        e.logic,
        cap.logic,
        if e.logic > cap.logic {
            " (likely too much logic: place and route decides)"
        } else {
            ""
        },
        e.weights
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn cfg(toml: &str) -> Config {
        Config::from_toml_str(toml, Path::new(".")).unwrap()
    }

    #[test]
    fn tiles_take_the_cheapest_configuration() {
        assert_eq!(tiles(65536, 8, &EBR), 128);
        assert_eq!(tiles(64, 20, &EBR), 2);
        assert_eq!(tiles(16384, 16, &DP16KD), 16);
        assert_eq!(tiles(256, 32, &DP16KD), 1);
    }

    #[test]
    fn dsp_pieces_match_yosys() {
        // measured with Yosys 0.23 synth_ice40 -dsp / synth_ecp5 on a registered product
        assert_eq!(dsp_of(8, 33, 16), 2);
        assert_eq!(dsp_of(12, 17, 16), 1);
        assert_eq!(dsp_of(8, 33, 18), 2);
        assert_eq!(dsp_of(1, 33, 16), 0);
        // the cuba decays: a 25-bit u times a 14-bit constant
        assert_eq!(dsp_of(25, 14, 16), 2);
        assert_eq!(dsp_of(25, 14, 18), 2);
    }

    #[test]
    fn a_large_up5k_network_is_refused_with_the_knobs_that_fit() {
        let c = cfg("name = \"big\"\n[array]\ninputs = 1024\nneurons = 256\nlanes = 4\n");
        let e = check(&c, Device::Up5k, true).unwrap_err();
        assert!(e.contains("block RAM: needs"), "{e}");
        assert!(e.contains("array.inputs <= "), "{e}");
        assert!(
            e.contains("SPRAM pair mode needs rows x groups / 2 = 32768"),
            "{e}"
        );
        // the advised value fits and one more step does not
        let v: u32 = e
            .split("array.inputs <= ")
            .nth(1)
            .unwrap()
            .split(|ch: char| !ch.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut ok = c.clone();
        ok.array.inputs = v;
        assert!(check(&ok, Device::Up5k, true).is_ok());
        ok.array.inputs = v + 1;
        assert!(check(&ok, Device::Up5k, true).is_err());
    }

    #[test]
    fn eight_lanes_with_scaling_need_two_dsps_each() {
        let c = cfg(
            "name = \"d\"\n[array]\ninputs = 16\nneurons = 16\nlanes = 8\n\
             [stdp]\nnormalize_target = 100\n",
        );
        let e = check(&c, Device::Up5k, true).unwrap_err();
        assert!(
            e.contains("DSP: needs 16, the device has 8 (2 per lane"),
            "{e}"
        );
        assert!(e.contains("array.lanes = 4"), "{e}");
    }

    #[test]
    fn cuba_decays_take_dsps_where_they_fit_else_shift_and_add() {
        let c = |lanes: u32| {
            cfg(&format!(
                "name = \"c\"\n[array]\ninputs = 16\nneurons = 16\nlanes = {lanes}\n\
                 [neuron]\nmodel = \"cuba\"\ndu = 100\ndv = 300\n"
            ))
        };
        // two lanes: 2 x (2 + 2) SB_MAC16 = all 8 of the UP5K; four lanes: one per decay (the
        // high 16 bits), 4 x 2 = 8; eight lanes: shift-and-add
        assert_eq!(check(&c(2), Device::Up5k, true).unwrap().dsp, 8);
        assert_eq!(check(&c(4), Device::Up5k, true).unwrap().dsp, 8);
        assert_eq!(check(&c(8), Device::Up5k, true).unwrap().dsp, 0);
        // ECP5: products, 2 MULT18X18D each
        assert_eq!(check(&c(4), Device::Ecp5_85k, true).unwrap().dsp, 16);
    }

    const D16: &str = "name = \"d\"\n[array]\ninputs = 256\nneurons = 256\nlanes = 4\n\
                       [synapse]\nweight_bits = 8\nmax_delay = 16\n";

    #[test]
    fn delays_of_16_slots_on_256x256_fit_the_ecp5_not_the_up5k() {
        let c = cfg(D16);
        let e = check(&c, Device::Up5k, true).unwrap_err();
        // measured on the generated design (docs/model.md, synaptic delays in hardware): the
        // delays take SPRAM pair mode off, so the weights' 128 EBR leave SPRAM; per lane the
        // delays 16384 x 4 bit = 16 EBR, the ring 1024 x 20 bit = 5, the x history copy 1024 x
        // 32 bit = 8; in the top the x history 8
        assert!(e.contains("block RAM: needs 266, the device has 30"), "{e}");
        assert!(e.contains("242 more block RAM tiles"), "{e}");
        // 4 x (16384 x 4 + 1024 x 20 + 1024 x 32) + 1024 x 32 bits
        assert!(e.contains("496 Kbit of memory"), "{e}");
        assert!(e.contains("wider than the SPRAM's 16-bit word"), "{e}");
        assert!(e.contains("or synapse.max_delay alone makes it fit"), "{e}");
        // ECP5-85k: fits, 71 of 208 DP16KD (synthesized: 71/208, docs/model.md)
        assert_eq!(check(&c, Device::Ecp5_85k, true).unwrap().bram, 71);
        // control: without delays the same network fits both
        let mut plain = c.clone();
        plain.synapse.delays = None;
        assert!(check(&plain, Device::Up5k, true).is_ok());
        assert_eq!(check(&plain, Device::Ecp5_85k, true).unwrap().bram, 42);
    }

    #[test]
    fn the_largest_fitting_max_delay_is_advised() {
        let c = cfg(
            "name = \"d\"\n[array]\ninputs = 32\nneurons = 32\nlanes = 2\n\
             [synapse]\nmax_delay = 200\n",
        );
        let e = check(&c, Device::Up5k, true).unwrap_err();
        let v: u32 = e
            .split("synapse.max_delay <= ")
            .nth(1)
            .unwrap_or_else(|| panic!("{e}"))
            .split(|ch: char| !ch.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let at = |d: u32| {
            let mut k = c.clone();
            k.synapse.delays.as_mut().unwrap().max_delay = d;
            shortfalls(&estimate_config(&k, Device::Up5k, true).unwrap()).is_empty()
        };
        assert!(v < 200 && at(v) && !at(v + 1), "advised {v}");
    }

    #[test]
    fn the_measured_256x256_arrays_fit() {
        let c = cfg(
            "name = \"n\"\n[array]\ninputs = 256\nneurons = 256\nlanes = 4\n[synapse]\nweight_bits = 8\n",
        );
        let e = check(&c, Device::Up5k, true).unwrap();
        assert_eq!(e.spram, 4);
        assert!(e.weights.contains("pair mode"), "{}", e.weights);
    }
}
