//! The chain of layers: one generated array per layer and a chain top, named after the network,
//! that links layer k's output stream to layer k+1's input stream and shares one Wishbone host
//! port among the layers.
//!
//! Key decisions:
//! - Ticks are chip-wide: every layer starts tick t after the chip's tick start, and the chip's
//!   end-of-tick beat leaves when every layer has finished tick t. So the timing of a chip tick
//!   depends only on that tick's activity (`golden::cycle::chain_timing`).
//! - The chip's tick start (every layer idle, `in_valid` high, no host transaction) is
//!   registered: the layers see the tick [`CHIP_START`] cycle later. Otherwise the AND of every
//!   layer's idle state would feed every layer's input handshake in the same cycle, the
//!   critical path of a chain (60.7 MHz for three 16-lane layers on an ECP5-85k).
//! - Each link is a block-RAM FIFO with a three-entry output queue: it takes one beat per cycle and
//!   never fills (it holds one tick of spikes and the end-of-tick beat, two with
//!   `layer_delay = 1`), so no layer ever waits on its output. A beat pushed in cycle p is
//!   offered from cycle p + [`LINK_LATENCY`], or the cycle after the beat before it was taken,
//!   whichever is later.
//! - `layer_delay = 0`: layer k+1 starts its tick when layer k's first beat (a spike or the
//!   end-of-tick beat) comes out of the link, and accumulates layer k's spikes as they stream.
//!   `layer_delay = 1`: every link starts out (after `rst`) holding one empty tick, so in tick t
//!   layer k+1 reads layer k's spikes of tick t-1 while layer k makes those of tick t: the
//!   layers work concurrently.
//! - The host port: the layer field above the largest layer's address space selects a layer,
//!   the value `layers` all of them (a broadcast, acknowledged when every layer has). An
//!   accepted request is registered (address, data, one strobe per addressed layer) and the
//!   layers take it from those registers, so the master's address decode reaches no layer in
//!   the cycle it changes; `wb_stall` comes from registers only.
//! - `[network] output = "all"`: every layer's output beats also enter the layer's tap, a FIFO
//!   like a link (one tick of beats, so no layer waits on it either); the output stream takes
//!   the head spike of the lowest layer that has one, tagged with the layer (`out_layer`), and
//!   the chip's end-of-tick beat when every tap's head is its layer's end-of-tick beat.

use super::{Generated, Options, Target, fnv1a};
use crate::emit;
use crate::ir::stmt::*;
use crate::ir::*;
use golden::Config;
use golden::arith::bits_unsigned;
use golden::config::ChainOutput;
use serde::Serialize;
use std::ops::Not;

use super::build::{B, MemShape, Ram};

/// Cycles from a beat's push into a link to the first cycle it is offered to the next layer
/// (when the link's output queue is free), and from a layer's end-of-tick push to the chip's
/// end-of-tick beat at the earliest: the cycle model's constants, which the link's structure
/// (write, fetch, two read stages; two flags) gives.
pub use golden::cycle::{CHIP_START, LINK_FIN, LINK_LATENCY};

/// The read latency of a link's or tap's memory: [`LINK_LATENCY`] less the write and the fetch
/// cycles (the arrays' own, [`Target::read_latency`]: no path starts at a RAM's clock-to-out).
const QUEUE_READ_LATENCY: u64 = LINK_LATENCY - 2;

/// Everything `neurogen generate` writes for a multi-layer network.
#[derive(Debug, Clone)]
pub struct ChainGenerated {
    /// Each layer's own array, first to last (module names `{name}_l{k}`).
    pub layers: Vec<Generated>,
    /// The whole design: the chain top first, then every layer's modules.
    pub design: Design,
    /// Verilog files: (file name, text), one module per file, chain top first.
    pub rtl: Vec<(String, String)>,
    /// Memory init files of all layers.
    pub init: Vec<(String, String)>,
    /// `manifest.json`.
    pub manifest: String,
    /// The host map.
    pub host: ChainHost,
}

/// The chain's host address map: address = `layer << layer_shift | the layer's own address`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChainHost {
    /// Wishbone address bits of the chain top.
    pub address_bits: u32,
    /// Bit position of the layer field (the largest layer's `address_bits`).
    pub layer_shift: u32,
    /// Width of the layer field.
    pub layer_bits: u32,
    /// Layer field value that writes every layer at once (reads answer layer 0's word).
    pub broadcast: u64,
}

impl ChainHost {
    /// Base address of layer `k` (or of the broadcast, `k = layers`).
    pub fn base(&self, k: u64) -> u64 {
        k << self.layer_shift
    }
}

/// Generate the network of layers `cfg` (`cfg.layer_count() >= 2`): its
/// [`Config::layer_configs`] chained under a top named `cfg.name`; the manifest holds `cfg`.
pub fn generate_network(cfg: &Config, opts: &Options) -> Result<ChainGenerated, String> {
    if cfg.layer_count() < 2 {
        return Err(format!(
            "`{}` has one layer: generate it with `hdl::array::generate`",
            cfg.name
        ));
    }
    chain_of(
        &cfg.name,
        &cfg.layer_configs(),
        cfg.network.layer_delay,
        opts,
        Some(cfg),
        cfg.teacher_layer(),
        cfg.network.output,
    )
}

/// Generate a chain of `layers` (each one valid one-layer config, named uniquely) under a top
/// named `name`.
pub fn generate_chain(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    opts: &Options,
) -> Result<ChainGenerated, String> {
    chain_of(
        name,
        layers,
        layer_delay,
        opts,
        None,
        layers.len().max(1) - 1,
        ChainOutput::Last,
    )
}

/// [`generate_chain`] with the chip's teacher stream reaching layer `teacher` (when the layers
/// have teach hardware; `generate_chain` takes the last layer, as `[network] teacher_layer`
/// does by default).
pub fn generate_chain_teacher(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    teacher: usize,
    opts: &Options,
) -> Result<ChainGenerated, String> {
    generate_chain_output(name, layers, layer_delay, teacher, ChainOutput::Last, opts)
}

/// [`generate_chain_teacher`] with the chip's output stream `output` (`[network] output`).
pub fn generate_chain_output(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    teacher: usize,
    output: ChainOutput,
    opts: &Options,
) -> Result<ChainGenerated, String> {
    if teacher >= layers.len() {
        return Err(format!(
            "teacher layer {teacher}: the chain has {} layers",
            layers.len()
        ));
    }
    chain_of(name, layers, layer_delay, opts, None, teacher, output)
}

fn chain_of(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    opts: &Options,
    network: Option<&Config>,
    teacher_layer: usize,
    output: ChainOutput,
) -> Result<ChainGenerated, String> {
    if layers.len() < 2 {
        return Err(format!(
            "a chain needs at least two layers, got {}",
            layers.len()
        ));
    }
    if layer_delay > 1 {
        return Err(format!("layer_delay must be 0 or 1, got {layer_delay}"));
    }
    for (k, w) in layers.windows(2).enumerate() {
        if w[1].array.inputs != w[0].array.neurons {
            return Err(format!(
                "layer[{}] has {} inputs, layer[{k}] has {} neurons",
                k + 1,
                w[1].array.inputs,
                w[0].array.neurons
            ));
        }
    }
    let gens: Vec<Generated> = layers
        .iter()
        .enumerate()
        .map(|(k, c)| super::generate_layer(c, opts, k > 0).map_err(|e| format!("layer[{k}]: {e}")))
        .collect::<Result<_, _>>()?;
    let nl = gens.len() as u64;
    let layer_shift = gens.iter().map(|g| g.layout.aw).max().unwrap();
    let layer_bits = bits_unsigned(nl);
    let host = ChainHost {
        address_bits: layer_shift + layer_bits,
        layer_shift,
        layer_bits,
        broadcast: nl,
    };
    // the layer the chip's teacher stream reaches (teach hardware: every layer has the stream)
    let teacher = gens[0].layout.teach.then_some(teacher_layer);
    let (top, fifo_mems) = chain_top(name, &gens, layer_delay, &host, teacher, output);
    let mut modules = vec![top];
    for (n, shape) in &fifo_mems {
        let mut m = shape.module(n);
        if opts.target == Target::Generic {
            for mem in &mut m.memories {
                mem.attrs
                    .retain(|(k, v)| !(k == "ram_style" && v == "\"distributed\""));
            }
        }
        modules.push(m);
    }
    for g in &gens {
        modules.extend(g.design.modules.iter().cloned());
    }
    let design = Design {
        modules,
        top: name.to_string(),
    };
    design.check()?;
    let desc = if output.is_last() {
        serde_json::to_string(&(name, layer_delay, layers))
    } else {
        serde_json::to_string(&(name, layer_delay, layers, output))
    }
    .map_err(|e| e.to_string())?;
    let header = vec![
        format!(
            "Generated by neurogen {} from network `{name}`, {} layers (config fingerprint {:016x}, target {:?}).",
            env!("CARGO_PKG_VERSION"),
            nl,
            fnv1a(desc.as_bytes()),
            opts.target
        ),
        "Do not edit: regenerate with `neurogen generate`.".to_string(),
    ];
    // the chain top and the link memories with the chain's header; each layer's files as the
    // layer's own generation wrote them
    let mut rtl = emit::design(
        &Design {
            modules: design.modules[..1 + fifo_mems.len()].to_vec(),
            top: name.to_string(),
        },
        &header,
    )?;
    for g in &gens {
        rtl.extend(g.rtl.iter().cloned());
    }
    let init: Vec<(String, String)> = gens.iter().flat_map(|g| g.init.iter().cloned()).collect();
    let manifest = chain_manifest(
        name,
        network,
        layer_delay,
        output,
        &gens,
        &design,
        &rtl,
        &init,
        opts,
        &host,
    )?;
    Ok(ChainGenerated {
        layers: gens,
        design,
        rtl,
        init,
        manifest,
        host,
    })
}

#[derive(Serialize)]
struct LayerDesc {
    layer: usize,
    module: String,
    host_base: String,
    link_depth: Option<u64>,
    /// Words of the layer's tap (`output = "all"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    tap_depth: Option<u64>,
    manifest: serde_json::Value,
}

#[derive(Serialize)]
struct ChainManifest<'a> {
    generator: String,
    top: &'a str,
    /// The network's config (absent for a chain generated from its layers' configs alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<&'a Config>,
    target: Target,
    layer_delay: u32,
    /// What the output stream carries (`[network] output`).
    output: ChainOutput,
    link_latency: u64,
    rtl_files: Vec<&'a str>,
    init_files: Vec<&'a str>,
    ports: Vec<serde_json::Value>,
    host: &'a ChainHost,
    host_notes: &'static str,
    layers: Vec<LayerDesc>,
}

#[allow(clippy::too_many_arguments)]
fn chain_manifest(
    name: &str,
    network: Option<&Config>,
    layer_delay: u32,
    output: ChainOutput,
    gens: &[Generated],
    d: &Design,
    rtl: &[(String, String)],
    init: &[(String, String)],
    opts: &Options,
    host: &ChainHost,
) -> Result<String, String> {
    let top = &d.modules[0];
    let ports = top
        .ports()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "direction": if s.kind == SigKind::Input { "input" } else { "output" },
                "width": s.ty.width,
            })
        })
        .collect();
    let layers = gens
        .iter()
        .enumerate()
        .map(|(k, g)| {
            Ok(LayerDesc {
                layer: k,
                module: g.design.top.clone(),
                host_base: format!("0x{:x}", host.base(k as u64)),
                link_depth: (k + 1 < gens.len()).then(|| link_depth(g.layout.n, layer_delay)),
                tap_depth: (!output.is_last()).then(|| link_depth(g.layout.n, 0)),
                manifest: serde_json::from_str(&g.manifest).map_err(|e| e.to_string())?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let m = ChainManifest {
        generator: format!("neurogen {}", env!("CARGO_PKG_VERSION")),
        top: name,
        config: network,
        target: opts.target,
        layer_delay,
        output,
        link_latency: LINK_LATENCY,
        rtl_files: rtl.iter().map(|(n, _)| n.as_str()).collect(),
        init_files: init.iter().map(|(n, _)| n.as_str()).collect(),
        ports,
        host,
        host_notes: "address = (layer << layer_shift) | the layer's own word address (its \
            manifest's host map; address bits above the layer's own are ignored); layer = \
            broadcast writes every layer (commands, learning enable) and reads layer 0",
        layers,
    };
    serde_json::to_string_pretty(&m)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

/// Words of the link memory after a layer of `neurons` neurons: one tick of spikes and its
/// end-of-tick beat (two ticks with `layer_delay = 1`), rounded up to a power of two.
pub fn link_depth(neurons: u64, layer_delay: u32) -> u64 {
    ((neurons + 1) * (1 + layer_delay as u64)).next_power_of_two()
}

/// One layer instance's port wires in the chain top.
struct LayerWires {
    in_valid: Sig,
    in_ready: Sig,
    in_eot: Sig,
    in_addr: Sig,
    out_valid: Sig,
    out_ready: Sig,
    out_eot: Sig,
    out_addr: Sig,
    wb_stb: Sig,
    wb_dat_r: Sig,
    wb_ack: Sig,
    wb_stall: Sig,
}

/// A block-RAM FIFO with a three-entry output queue: a chain's link, or a layer's tap
/// (`output = "all"`). Its memory reads with the arrays' latency (2: the word leaves a register,
/// so no path starts at the RAM's clock-to-out); a fetched word joins the queue the cycle it is
/// read, and a word is fetched only when it will have a slot (the queue's words and those in
/// flight, less the one popped, at most 2 before it). A beat pushed in cycle p is at the head from
/// p + [`LINK_LATENCY`] (write, fetch, two read stages), or the cycle after the beat before it was
/// popped: three slots cover the two cycles of reading, so a head popped every cycle is refilled
/// every cycle.
///
/// A queue never fills, so it has no full flag and its layer's `out_ready` is tied high: it holds
/// a whole tick of its layer's beats (at most one spike per neuron and the end-of-tick beat;
/// a link with `layer_delay = 1` two ticks), ticks are chip-wide, and a chip tick ends only when
/// every beat of the tick has left a `layer_delay = 0` link and a tap (the next layer, or the
/// output stream, took the end-of-tick beat), and only the previous tick's have left a
/// `layer_delay = 1` link. (Its full flag fed the layer's output handshake and, through it, the
/// layer's sequencer: a critical path of the 3-layer ECP5 chain in two forms, from the pointers
/// and from the flag's register.)
struct Queue {
    /// The name prefix of its signals (`link{k}`, `tap{k}`).
    pre: String,
    nb: u32,
    ram: Ram,
    wptr: Sig,
    rptr: Sig,
    /// A word fetched one and two cycles ago (the read word is valid this cycle with `rd[1]`).
    rd: [Sig; 2],
    /// The queue (valid, word), the head first; a word is the end-of-tick flag above the address.
    slots: [(Sig, Sig); 3],
    /// The head's value after `rst` and after a flush (a link's empty tick with `layer_delay = 1`).
    head_init: Option<u128>,
}

impl Queue {
    /// Declare the FIFO `pre` (`link{k}`, `tap{k}`) of `depth` words of an end-of-tick flag and
    /// `nb` address bits, whose head is `head_init` after reset; records its memory in `mems`.
    fn declare(
        b: &mut B,
        top: &str,
        pre: &str,
        (depth, nb): (u64, u32),
        head_init: Option<u128>,
        mems: &mut Vec<(String, MemShape)>,
    ) -> Queue {
        let aw = addr_width(depth);
        let ety = Ty::u(nb + 1);
        let shape = MemShape::ram(ety, depth, QUEUE_READ_LATENCY, false, false);
        let mname = shape.module_name(top);
        if !mems.iter().any(|(n, _)| n == &mname) {
            mems.push((mname.clone(), shape));
        }
        let ram = super::build::ram(b, &mname, pre, ety, depth, None);
        let pw = Ty::u(aw + 1);
        let r = |b: &mut B, s: &str| b.ctl_reg(&format!("{pre}_{s}"), Ty::BIT, 0);
        let rd = [r(b, "rd1"), r(b, "rd2")];
        let head = (
            b.ctl_reg(&format!("{pre}_q0_v"), Ty::BIT, head_init.is_some() as i128),
            b.ctl_reg(&format!("{pre}_q0"), ety, head_init.unwrap_or(0) as i128),
        );
        let slot = |b: &mut B, i: usize| {
            (
                b.ctl_reg(&format!("{pre}_q{i}_v"), Ty::BIT, 0),
                b.data_reg(&format!("{pre}_q{i}"), ety),
            )
        };
        let slots = [head, slot(b, 1), slot(b, 2)];
        Queue {
            pre: pre.to_string(),
            nb,
            ram,
            wptr: b.ctl_reg(&format!("{pre}_wptr"), pw, 0),
            rptr: b.ctl_reg(&format!("{pre}_rptr"), pw, 0),
            rd,
            slots,
            head_init,
        }
    }

    /// The head is valid.
    fn head_valid(&self) -> Expr {
        self.slots[0].0.e()
    }

    /// The head's end-of-tick flag.
    fn head_eot(&self) -> Expr {
        self.slots[0].1.e().bit_at(self.nb)
    }

    /// The head's neuron address.
    fn head_addr(&self) -> Expr {
        self.slots[0].1.e().slice(self.nb - 1, 0)
    }

    /// The head is a spike.
    fn spike(&self) -> Expr {
        self.head_valid().and(self.head_eot().not())
    }

    /// The head is the layer's end-of-tick beat.
    fn eot(&self) -> Expr {
        self.head_valid().and(self.head_eot())
    }

    /// Push the beat (`eot`, `addr`) when `push`; pop the head when `pop`.
    fn drive(&self, b: &mut B, push: Expr, eot: Expr, addr: Expr, pop: Expr) {
        let pre = &self.pre;
        let aw = self.ram.waddr.ty.width;
        b.m.assign(&self.ram.we, push.clone().and(b.rst.e().not()));
        b.m.assign(&self.ram.waddr, self.wptr.e().slice(aw - 1, 0));
        b.m.assign(&self.ram.wdata, Expr::concat(vec![eot, addr]));
        b.ctl(when(
            push.clone(),
            vec![set(&self.wptr, self.wptr.e().inc())],
        ));
        let pop = b.net(&format!("{pre}_pop"), pop);
        // fetch when the word will have a slot: queued + in flight - popped <= 2
        let s = self
            .slots
            .iter()
            .map(|(v, _)| v)
            .chain(&self.rd)
            .map(|v| v.e().ext(3))
            .reduce(|a, c| a + c)
            .unwrap();
        let room = s
            .clone()
            .le(Expr::uconst(2, 3))
            .or(s.eq(Expr::uconst(3, 3)).and(pop.e()));
        let fetch = b.net(
            &format!("{pre}_fetch"),
            self.rptr.e().ne(self.wptr.e()).and(room),
        );
        b.m.assign(&self.ram.raddr, self.rptr.e().slice(aw - 1, 0));
        b.ctl(when(fetch.e(), vec![set(&self.rptr, self.rptr.e().inc())]));
        b.ctl(set(&self.rd[0], fetch.e()));
        b.ctl(set(&self.rd[1], self.rd[0].e()));
        // the queue after the pop, then the read word into its first free slot
        let [(v0, q0), (v1, q1), (v2, q2)] = &self.slots;
        let after = [
            (
                Expr::mux(pop.e(), v1.e(), v0.e()),
                Expr::mux(pop.e(), q1.e(), q0.e()),
            ),
            (
                Expr::mux(pop.e(), v2.e(), v1.e()),
                Expr::mux(pop.e(), q2.e(), q1.e()),
            ),
            (v2.e().and(pop.e().not()), q2.e()),
        ];
        let arrive = self.rd[1].e();
        let word = self.ram.rdata.e();
        let mut prev_v: Option<Expr> = None;
        for (i, ((v, q), (av, aq))) in self.slots.iter().zip(after).enumerate() {
            // slot i takes the read word when it is the first free one after the pop
            let first_free = match &prev_v {
                None => av.clone().not(),
                Some(p) => p.clone().and(av.clone().not()),
            };
            let take = arrive.clone().and(first_free);
            b.ctl(set(v, av.clone().or(take)));
            // a word is kept while valid; a free slot loads the read word (valid or not)
            let next = set(q, Expr::mux(av.clone(), aq, word.clone()));
            if i == 0 {
                b.ctl(next);
            } else {
                b.data(next);
            }
            prev_v = Some(av);
        }
    }

    /// Empty the FIFO back to its reset contents.
    fn flush(&self) -> Vec<Stmt> {
        let pw = self.wptr.ty;
        let ety = self.slots[0].1.ty;
        let mut v = vec![
            set(&self.wptr, Expr::zero(pw)),
            set(&self.rptr, Expr::zero(pw)),
            set(&self.rd[0], Expr::bit(false)),
            set(&self.rd[1], Expr::bit(false)),
            set(&self.slots[0].0, Expr::bit(self.head_init.is_some())),
            set(
                &self.slots[0].1,
                Expr::uconst(self.head_init.unwrap_or(0), ety.width),
            ),
        ];
        v.extend(
            self.slots[1..]
                .iter()
                .map(|(sv, _)| set(sv, Expr::bit(false))),
        );
        v
    }
}

/// Build the chain top; returns it and the link memories' (module name, shape).
fn chain_top(
    name: &str,
    gens: &[Generated],
    layer_delay: u32,
    host: &ChainHost,
    teacher: Option<usize>,
    output: ChainOutput,
) -> (Module, Vec<(String, MemShape)>) {
    let nl = gens.len();
    let all = output == ChainOutput::All;
    // the output stream's address: the last layer's neuron, or (all) any layer's, and its layer
    let out_nb = if all {
        gens.iter().map(|g| g.layout.nb).max().unwrap()
    } else {
        gens[nl - 1].layout.nb
    };
    let layer_tag_bits = bits_unsigned(nl as u64 - 1).max(1);
    let mut b = B::new(name);
    // `rst` registered once, in copies that synthesis keeps: one per layer and one for the
    // chain's own logic (the links, the taps, the host decoder), so each is placed near its
    // loads instead of one flip-flop reaching across the die. The whole chain thus sees `rst`
    // one cycle late, every part in the same cycle.
    let rst_port = b.rst.clone();
    let rst_copy = |b: &mut B, name: &str, what: &str| {
        let r = b.m.reg(name, Ty::BIT);
        b.m.comment(&r, &format!("rst, one cycle late: {what}"));
        b.m.clocked_keep("", vec![set(&r, rst_port.e())]);
        r
    };
    let rst_layers: Vec<Sig> = (0..nl)
        .map(|k| rst_copy(&mut b, &format!("rst_l{k}"), &format!("layer {k}'s copy")))
        .collect();
    b.rst = rst_copy(&mut b, "rst_c", "the chain's own logic");
    b.m.doc.extend([
        format!(
            "A chain of {nl} layers, layer_delay = {layer_delay}: {}.",
            gens.iter()
                .map(|g| format!("{} ({} -> {})", g.design.top, g.layout.inputs, g.layout.n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "clk, rst: one clock; rst is synchronous and active high (every layer's clearing sweep),".into(),
        "  registered once: every part of the chain sees it one cycle late.".into(),
        "in_*: AER input stream of layer 0, as in a one-layer array (in_eot ends the tick).".into(),
        if all {
            "out_*: every layer's spikes of the tick, out_layer their layer (each layer's ascending; the".into()
        } else {
            "out_*: the last layer's spikes of the tick, ascending, then its end-of-tick beat; the".into()
        },
        if all {
            "  lowest layer's first when several wait), then one end-of-tick beat (out_layer, out_addr 0).".into()
        } else {
            "  end-of-tick beat leaves when every layer has finished the tick (ticks are chip-wide).".into()
        },
        "lK_valid, lK_eot, lK_addr (every layer K but the last): layer K's output beat entering".into(),
        "  its link this cycle (a monitor of every layer's spikes; leave unconnected if unused).".into(),
        "wb_*: Wishbone B4 pipelined host port: wb_adr = layer << layer_shift | the layer's own".into(),
        "  word address; the layer value `layers` writes every layer (broadcast). Map: manifest.json.".into(),
        if layer_delay == 0 {
            "Layer k+1 takes layer k's spikes of the same tick as they stream out of layer k.".into()
        } else {
            "Layer k+1 takes layer k's spikes of the previous tick (none in tick 0, after rst).".into()
        },
    ]);
    if let Some(tl) = teacher {
        b.m.doc.extend([
            format!("teach_*: the teacher stream of layer {tl} (the teacher layer), as in a one-layer array:"),
            "  per tick its forced neurons, then teach_eot; the other layers get no teacher.".into(),
        ]);
    }
    let m = &mut b.m;
    let in_valid = m.input("in_valid", Ty::BIT);
    let in_ready = m.output("in_ready", Ty::BIT);
    let in_eot = m.input("in_eot", Ty::BIT);
    let in_addr = m.input("in_addr", Ty::u(32));
    let out_valid = m.output("out_valid", Ty::BIT);
    let out_ready = m.input("out_ready", Ty::BIT);
    let out_eot = m.output("out_eot", Ty::BIT);
    let out_addr = m.output("out_addr", Ty::u(out_nb));
    let out_layer = all.then(|| m.output("out_layer", Ty::u(layer_tag_bits)));
    let wb_cyc = m.input("wb_cyc", Ty::BIT);
    let wb_stb = m.input("wb_stb", Ty::BIT);
    let wb_we = m.input("wb_we", Ty::BIT);
    let wb_adr = m.input("wb_adr", Ty::u(host.address_bits));
    let wb_dat_w = m.input("wb_dat_w", Ty::u(32));
    let wb_sel = m.input("wb_sel", Ty::u(4));
    let wb_dat_r = m.output("wb_dat_r", Ty::u(32));
    let wb_ack = m.output("wb_ack", Ty::BIT);
    let wb_stall = m.output("wb_stall", Ty::BIT);
    // the teacher stream (teach hardware): to the teacher layer; every other layer's teacher
    // stream is an end-of-tick beat in every cycle (no teacher)
    let teach_ports = teacher.map(|_| {
        (
            m.input("teach_valid", Ty::BIT),
            m.output("teach_ready", Ty::BIT),
            m.input("teach_eot", Ty::BIT),
            m.input("teach_addr", Ty::u(32)),
        )
    });
    let monitors: Vec<(Sig, Sig, Sig)> = (0..nl - 1)
        .map(|k| {
            (
                m.output(&format!("l{k}_valid"), Ty::BIT),
                m.output(&format!("l{k}_eot"), Ty::BIT),
                m.output(&format!("l{k}_addr"), Ty::u(gens[k].layout.nb)),
            )
        })
        .collect();
    // the layers' port wires
    let lw: Vec<LayerWires> = gens
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let p = |s: &str| format!("l{k}_{s}");
            let m = &mut b.m;
            LayerWires {
                in_valid: m.wire(&p("in_valid"), Ty::BIT),
                in_ready: m.wire(&p("in_ready"), Ty::BIT),
                in_eot: m.wire(&p("in_eot"), Ty::BIT),
                in_addr: m.wire(&p("in_addr"), Ty::u(32)),
                out_valid: m.wire(&p("out_valid"), Ty::BIT),
                out_ready: m.wire(&p("out_ready"), Ty::BIT),
                out_eot: m.wire(&p("out_eot"), Ty::BIT),
                out_addr: m.wire(&p("out_addr"), Ty::u(g.layout.nb)),
                wb_stb: m.wire(&p("wb_stb"), Ty::BIT),
                wb_dat_r: m.wire(&p("wb_dat_r"), Ty::u(32)),
                wb_ack: m.wire(&p("wb_ack"), Ty::BIT),
                wb_stall: m.wire(&p("wb_stall"), Ty::BIT),
            }
        })
        .collect();

    // --- chip-wide ticks
    let run = b.ctl_reg("run", Ty::BIT, 0);
    b.m.comment(
        &run,
        "a chip tick is in progress (set the cycle after its start: the layers' cycle 0)",
    );
    let all_idle = lw
        .iter()
        .map(|w| w.wb_stall.e().not())
        .reduce(|a, c| a.and(c))
        .unwrap();
    let chip_start = b.net(
        "chip_start",
        run.e()
            .not()
            .and(in_valid.e())
            .and(wb_cyc.e().not())
            .and(all_idle),
    );
    // the layers see the chip tick from the cycle after its start (`lK_open`, registers): the
    // AND of every layer's idle state never feeds back into a layer within one cycle. Each
    // layer has its own: the chip tick runs and the layer has not yet taken its end-of-tick
    // beat (`run & ~took_eot`, kept as one register per layer so that no chip-wide flip-flop
    // crosses the die into every link's handshake)
    let open: Vec<Sig> = (0..nl)
        .map(|k| {
            let r = b.ctl_reg(&format!("l{k}_open"), Ty::BIT, 0);
            b.m.comment(
                &r,
                "a chip tick runs and the layer has not taken its end-of-tick beat yet",
            );
            r
        })
        .collect();
    // fin: a layer's end-of-tick beat entered its link two cycles ago (it is then offered at
    // the next chip tick's start)
    let mut fins = Vec::new();
    let mut fifo_mems = Vec::new();
    let mut flushes: Vec<Vec<Stmt>> = Vec::new();
    let last_w = &lw[nl - 1];
    let release = |fins: &[Sig]| -> Expr {
        fins.iter()
            .map(|f| f.e())
            .reduce(|a, c| a.and(c))
            .unwrap_or(Expr::bit(true))
    };
    // the taps (output = "all"): every layer's beats for the output stream
    let taps: Vec<Queue> = if all {
        (0..nl)
            .map(|k| {
                let l = &gens[k].layout;
                let size = (link_depth(l.n, 0), l.nb);
                Queue::declare(&mut b, name, &format!("tap{k}"), size, None, &mut fifo_mems)
            })
            .collect()
    } else {
        Vec::new()
    };
    // a layer's output is always taken: its link and its tap never fill (see `Queue`), so no
    // link's or tap's state reaches back into a layer's output handshake and sequencer
    // links
    for k in 0..nl - 1 {
        let (up, down) = (&lw[k], &lw[k + 1]);
        let nb = gens[k].layout.nb;
        let size = (link_depth(gens[k].layout.n, layer_delay), nb);
        // with layer_delay = 1 the head is the end-of-tick beat of the empty tick after reset
        let head = (layer_delay == 1).then_some(1u128 << nb);
        let link = Queue::declare(
            &mut b,
            name,
            &format!("link{k}"),
            size,
            head,
            &mut fifo_mems,
        );
        b.m.assign(&up.out_ready, Expr::bit(true));
        let push = b.net(&format!("link{k}_push"), up.out_valid.e());
        let (mv, me, ma) = &monitors[k];
        b.m.assign(mv, up.out_valid.e().and(up.out_ready.e()));
        b.m.assign(me, up.out_eot.e());
        b.m.assign(ma, up.out_addr.e());
        // the next layer's input: the head of the queue, within a chip tick, until its eot
        b.m.assign(&down.in_valid, link.head_valid().and(open[k + 1].e()));
        b.m.assign(&down.in_eot, link.head_eot());
        b.m.assign(&down.in_addr, link.head_addr().ext(32));
        link.drive(
            &mut b,
            push.e(),
            up.out_eot.e(),
            up.out_addr.e(),
            down.in_valid.e().and(down.in_ready.e()),
        );
        let eot_push = b.delayed_r(
            &format!("link{k}_eot_push"),
            push.e().and(up.out_eot.e()),
            LINK_FIN - 1,
        );
        let fin = b.ctl_reg(&format!("l{k}_fin"), Ty::BIT, 0);
        b.m.comment(
            &fin,
            "the layer's end-of-tick beat of this chip tick is in its link",
        );
        fins.push((fin, eot_push));
        // a clear of the upstream layer empties the link back to its reset contents
        flushes.push(link.flush());
    }
    // layer 0: the chip's input port
    let w0 = &lw[0];
    b.m.assign(&w0.in_valid, in_valid.e().and(open[0].e()));
    b.m.assign(&w0.in_eot, in_eot.e());
    b.m.assign(&w0.in_addr, in_addr.e());
    b.m.assign(&in_ready, w0.in_ready.e().and(open[0].e()));
    // the last layer: the chip's output port; its end-of-tick beat waits for every layer
    let fin_sigs: Vec<Sig> = fins.iter().map(|(f, _)| f.clone()).collect();
    let all_fin = b.net("all_fin", release(&fin_sigs));
    let chip_end = if let Some(out_layer) = &out_layer {
        // output = "all": the lowest layer's head spike, else (every head an end-of-tick beat)
        // the chip's end-of-tick beat, which pops every tap's
        b.m.assign(&last_w.out_ready, Expr::bit(true));
        let any_spike = b.net(
            "out_any_spike",
            taps.iter()
                .map(|t| t.spike())
                .reduce(|a, c| a.or(c))
                .unwrap(),
        );
        let all_eot = taps
            .iter()
            .map(|t| t.eot())
            .fold(all_fin.e(), |a, c| a.and(c));
        b.m.assign(&out_valid, any_spike.e().or(all_eot));
        b.m.assign(&out_eot, any_spike.e().not());
        let (mut addr, mut tag) = (Expr::zero(Ty::u(out_nb)), Expr::zero(out_layer.ty));
        for (k, t) in taps.iter().enumerate().rev() {
            addr = Expr::mux(t.spike(), t.head_addr().ext(out_nb), addr);
            tag = Expr::mux(t.spike(), Expr::uconst(k as u128, out_layer.ty.width), tag);
        }
        b.m.assign(&out_addr, addr);
        b.m.assign(out_layer, tag);
        let take = b.net("out_take", out_valid.e().and(out_ready.e()));
        let chip_end = b.net("chip_end", take.e().and(out_eot.e()));
        for (k, t) in taps.iter().enumerate() {
            let w = &lw[k];
            let first = taps[..k]
                .iter()
                .fold(t.spike(), |a, lower| a.and(lower.spike().not()));
            t.drive(
                &mut b,
                w.out_valid.e().and(w.out_ready.e()),
                w.out_eot.e(),
                w.out_addr.e(),
                take.e().and(first).or(chip_end.e()),
            );
        }
        chip_end
    } else {
        let pass = b.net("out_pass", last_w.out_eot.e().not().or(all_fin.e()));
        b.m.assign(&out_valid, last_w.out_valid.e().and(pass.e()));
        b.m.assign(&out_eot, last_w.out_eot.e());
        b.m.assign(&out_addr, last_w.out_addr.e());
        b.m.assign(&last_w.out_ready, out_ready.e().and(pass.e()));
        b.net(
            "chip_end",
            out_valid.e().and(out_ready.e()).and(out_eot.e()),
        )
    };
    b.ctl(if_else(
        chip_end.e(),
        vec![set(&run, Expr::bit(false))],
        vec![when(chip_start.e(), vec![set(&run, Expr::bit(true))])],
    ));
    for (k, r) in open.iter().enumerate() {
        // (a layer takes a beat only while open, so never in the chip's start cycle)
        let w = &lw[k];
        let took = w.in_valid.e().and(w.in_ready.e()).and(w.in_eot.e());
        b.ctl(if_else(
            chip_end.e().or(took),
            vec![set(r, Expr::bit(false))],
            vec![when(chip_start.e(), vec![set(r, Expr::bit(true))])],
        ));
    }
    for (fin, eot_push) in &fins {
        b.ctl(if_else(
            chip_end.e(),
            vec![set(fin, Expr::bit(false))],
            vec![when(eot_push.clone(), vec![set(fin, Expr::bit(true))])],
        ));
    }

    // --- host port
    let ls = host.layer_shift;
    let field = b.net("wb_layer", wb_adr.e().slice(host.address_bits - 1, ls));
    let lb = host.layer_bits;
    let pend = b.ctl_reg("wb_pend", Ty::BIT, 0);
    b.m.comment(&pend, "an accepted access waits for its acknowledge");
    let lidx = b.ctl_reg("wb_lidx", Ty::u(lb), 0);
    let bcast = |e: Expr| e.eq(Expr::uconst(host.broadcast as u128, lb));
    let sel: Vec<Expr> = (0..nl)
        .map(|k| {
            field
                .e()
                .eq(Expr::uconst(k as u128, lb))
                .or(bcast(field.e()))
        })
        .collect();
    let lsel: Vec<Expr> = (0..nl)
        .map(|k| lidx.e().eq(Expr::uconst(k as u128, lb)).or(bcast(lidx.e())))
        .collect();
    // the accepted request, registered: the layers take it from these registers (the master's
    // address decode and strobe reach no layer in the cycle they change)
    let r_we = b.data_reg("wb_r_we", Ty::BIT);
    let r_adr = b.data_reg("wb_r_adr", Ty::u(ls));
    let r_dat = b.data_reg("wb_r_dat", Ty::u(32));
    let r_sel = b.data_reg("wb_r_sel", Ty::u(4));
    let req: Vec<Sig> = (0..nl)
        .map(|k| {
            let r = b.ctl_reg(&format!("l{k}_wb_req"), Ty::BIT, 0);
            b.m.comment(&r, "the registered request waits for this layer to take it");
            r
        })
        .collect();
    let acked: Vec<Sig> = (0..nl)
        .map(|k| b.ctl_reg(&format!("l{k}_wb_acked"), Ty::BIT, 0))
        .collect();
    // wb_stall from registers only: one request at a time, accepted when no chip tick runs and
    // every layer was idle in the last cycle (`wb_busy`); each addressed layer then takes it
    // from the request registers, and the acknowledge comes when every addressed layer's has
    let any_busy = lw
        .iter()
        .map(|w| w.wb_stall.e())
        .reduce(|a, c| a.or(c))
        .unwrap();
    let busy = b.ctl_reg("wb_busy", Ty::BIT, 1);
    b.m.comment(&busy, "a layer was busy in the last cycle");
    b.ctl(set(&busy, any_busy));
    b.m.assign(&wb_stall, pend.e().or(busy.e()).or(run.e()));
    let accept = b.net(
        "wb_accept",
        wb_cyc.e().and(wb_stb.e()).and(wb_stall.e().not()),
    );
    let top_ack = b.net(
        "wb_done",
        (0..nl)
            .map(|k| lsel[k].clone().not().or(acked[k].e()).or(lw[k].wb_ack.e()))
            .fold(pend.e(), |a, c| a.and(c))
            .and(wb_cyc.e()),
    );
    b.m.assign(&wb_ack, top_ack.e());
    b.data(when(
        accept.e(),
        vec![
            set(&r_we, wb_we.e()),
            set(&r_adr, wb_adr.e().slice(ls - 1, 0)),
            set(&r_dat, wb_dat_w.e()),
            set(&r_sel, wb_sel.e()),
        ],
    ));
    for k in 0..nl {
        b.m.assign(&lw[k].wb_stb, req[k].e());
        let took = req[k].e().and(lw[k].wb_stall.e().not());
        b.ctl(if_else(
            accept.e(),
            vec![set(&req[k], sel[k].clone())],
            vec![set(&req[k], wb_cyc.e().and(req[k].e()).and(took.not()))],
        ));
        b.ctl(set(
            &acked[k],
            wb_cyc
                .e()
                .and(top_ack.e().not())
                .and(acked[k].e().or(lw[k].wb_ack.e())),
        ));
    }
    b.ctl(set(
        &pend,
        wb_cyc
            .e()
            .and(top_ack.e().not())
            .and(pend.e().or(accept.e())),
    ));
    b.ctl(when(accept.e(), vec![set(&lidx, field.e())]));
    // a write of COMMAND bit 0 (clear) to a layer that feeds a link: once acknowledged (the
    // layer took it), the link is emptied too (the layer's spikes of the last tick are gone)
    for (k, flush) in flushes.into_iter().enumerate() {
        let aw = gens[k].layout.aw;
        let cmd = gens[k].layout.reg_addr(super::layout::regs::COMMAND);
        let clr = b.ctl_reg(&format!("l{k}_wb_clear"), Ty::BIT, 0);
        let is_clear = accept
            .e()
            .and(wb_we.e())
            .and(sel[k].clone())
            .and(
                wb_adr
                    .e()
                    .slice(aw - 1, 0)
                    .eq(Expr::uconst(cmd as u128, aw)),
            )
            .and(wb_sel.e().bit_at(0))
            .and(wb_dat_w.e().bit_at(0));
        b.ctl(if_else(
            top_ack.e().or(wb_cyc.e().not()),
            vec![set(&clr, Expr::bit(false))],
            vec![when(is_clear, vec![set(&clr, Expr::bit(true))])],
        ));
        // one cycle after the acknowledge (off the layers' acknowledge paths): the cleared
        // layer sweeps from two cycles before its acknowledge, so no chip tick starts and no
        // layer reads the link until well after this
        let fl = b.ctl_reg(&format!("l{k}_flush"), Ty::BIT, 0);
        b.m.comment(
            &fl,
            "a clear of the layer was acknowledged in the last cycle",
        );
        b.ctl(set(&fl, top_ack.e().and(clr.e())));
        b.ctl(when(fl.e(), flush));
    }
    // read data: the latched layer's (a broadcast or an unused layer value reads layer 0)
    let mut dat = lw[0].wb_dat_r.e();
    for (k, w) in lw.iter().enumerate().skip(1) {
        dat = Expr::mux(
            lidx.e().eq(Expr::uconst(k as u128, lb)),
            w.wb_dat_r.e(),
            dat,
        );
    }
    b.m.assign(&wb_dat_r, dat);

    // the layer instances
    for (k, (g, w)) in gens.iter().zip(&lw).enumerate() {
        let aw = g.layout.aw;
        let mut teach_conns: Vec<(String, Expr)> = Vec::new();
        if let (Some(tl), Some((tv, tr, te, ta))) = (teacher, &teach_ports) {
            if k == tl {
                teach_conns.extend([
                    ("teach_valid".into(), tv.e()),
                    ("teach_ready".into(), tr.e()),
                    ("teach_eot".into(), te.e()),
                    ("teach_addr".into(), ta.e()),
                ]);
            } else {
                let unused = b.m.wire(&format!("l{k}_teach_ready"), Ty::BIT);
                b.m.partly_unused(&unused, "this layer gets no teacher");
                teach_conns.extend([
                    ("teach_valid".into(), Expr::bit(true)),
                    ("teach_ready".into(), unused.e()),
                    ("teach_eot".into(), Expr::bit(true)),
                    ("teach_addr".into(), Expr::zero(Ty::u(32))),
                ]);
            }
        }
        let mut conns: Vec<(String, Expr)> = vec![
            ("clk".into(), b.clk.e()),
            ("rst".into(), rst_layers[k].e()),
            ("in_valid".into(), w.in_valid.e()),
            ("in_ready".into(), w.in_ready.e()),
            ("in_eot".into(), w.in_eot.e()),
            ("in_addr".into(), w.in_addr.e()),
            ("out_valid".into(), w.out_valid.e()),
            ("out_ready".into(), w.out_ready.e()),
            ("out_eot".into(), w.out_eot.e()),
            ("out_addr".into(), w.out_addr.e()),
            ("wb_cyc".into(), wb_cyc.e()),
            ("wb_stb".into(), w.wb_stb.e()),
            ("wb_we".into(), r_we.e()),
            ("wb_adr".into(), r_adr.e().slice(aw - 1, 0)),
            ("wb_dat_w".into(), r_dat.e()),
            ("wb_sel".into(), r_sel.e()),
            ("wb_dat_r".into(), w.wb_dat_r.e()),
            ("wb_ack".into(), w.wb_ack.e()),
            ("wb_stall".into(), w.wb_stall.e()),
        ];
        conns.extend(teach_conns);
        b.m.instance(Instance {
            module: g.design.top.clone(),
            name: format!("u_l{k}"),
            params: Vec::new(),
            conns,
        });
    }
    (b.finish(), fifo_mems)
}
