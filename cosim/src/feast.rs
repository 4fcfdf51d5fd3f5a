//! Co-simulation of a FEAST layer (`hdl::feast`) against the golden model (`golden::feast`),
//! event by event: after every input beat the output beats so far, the cycles the beat took (the
//! cycle model, `golden::feast::FeastArch`), every threshold and, after a win, the winner's
//! weights are compared; after every tick the counters, and every few ticks and at the end all
//! weights and traces, read through the Wishbone host port. Host writes (a threshold with a
//! partial byte select, a weight, learning off and on, the clear command) and out-of-grid
//! addresses are part of the run; with [`FeastCosimOptions::out_backpressure_permille`] so is
//! `out_ready` low in random cycles.
//!
//! Key decisions:
//! - The testbench side is its own small harness (the array's `driver` is sized by the array's
//!   layout); like it, each cycle sets the inputs, evaluates with the clock low, samples the
//!   handshakes, then raises the clock. An output beat is taken at a rising edge with `out_valid`
//!   and `out_ready` high, and `out_ready` is drawn anew after every edge.
//! - Output beats are compared as one stream, not per input beat: under output backpressure a
//!   beat may be taken during a later input beat or a host transaction. After every input beat
//!   the beats taken so far followed by the one in the output register (if `out_valid`) must be
//!   the golden model's beats so far, in order: a lost, duplicated, changed or late beat shows at
//!   the input beat that made it. At the end the register is drained and the whole stream
//!   compared. The cycles stay exact: a beat that sends one waits for a full output register
//!   exactly as `FeastArch::output_wait` says.

use crate::driver::Ports;
use crate::fnv::KeyHasher;
use crate::verilator::{Build, Design, In, Model};
use golden::feast::{Feast, FeastArch, FeastConfig, Outcome};
use hdl::feast::{FeastGenerated, FeastLayout, FeastOptions, Mutant, generate, regs};
use std::path::PathBuf;

/// What a FEAST co-simulation runs.
#[derive(Debug, Clone, Default)]
pub struct FeastCosimOptions {
    /// Generator target.
    pub target: Option<hdl::array::Target>,
    /// A deliberately wrong design (tests).
    pub mutant: Option<Mutant>,
    /// Read back all weights and traces every this many ticks (0: only at the end).
    pub full_every: usize,
    /// Host writes between ticks (thresholds, a weight, learning off and on, clear) and
    /// out-of-grid addresses.
    pub host_actions: bool,
    /// Output backpressure: `out_ready` is low in about this many of every 1000 cycles after the
    /// reset (at most 999), in runs of [`FeastCosimOptions::out_burst`] cycles on average.
    pub out_backpressure_permille: u32,
    /// Mean length of a run of `out_ready` low, in cycles (0 is taken as 1). `out_ready` is a
    /// two-state chain: a low cycle is followed by a high one with probability `1 / burst`, a
    /// high cycle by a low one with probability `P / ((1000 - P) burst)` (at most 1), so the
    /// runs are geometric and the long-run fraction of low cycles is `P / 1000`. Runs longer
    /// than an event make beats wait for the output register; short ones toggle `out_ready`
    /// while a beat waits.
    pub out_burst: u32,
    /// Seed of the `out_ready` draws.
    pub seed: u64,
}

/// What a FEAST co-simulation saw.
#[derive(Debug, Clone, Default)]
pub struct FeastCosimReport {
    /// Ticks run.
    pub ticks: u64,
    /// Input beats with an address (in the grid or not).
    pub events: u64,
    /// Won, missed, skipped, dropped events.
    pub won: u64,
    /// Missed events.
    pub missed: u64,
    /// Skipped events.
    pub skipped: u64,
    /// Dropped events.
    pub dropped: u64,
    /// Clock cycles simulated.
    pub cycles: u64,
    /// Cycles spent in events (accept to idle), summed.
    pub event_cycles: u64,
    /// Host reads compared.
    pub reads: u64,
    /// Output beats taken (won events and end-of-tick beats).
    pub out_beats: u64,
    /// Cycles with `out_ready` low after the reset.
    pub out_ready_low: u64,
    /// Cycles beats waited for the output register (output backpressure), summed.
    pub output_waits: u64,
    /// The first difference, if any (the run stops there).
    pub mismatch: Option<String>,
}

/// Generate `cfg` and build its Verilated model in a content-keyed folder (init files there).
pub fn build(
    cfg: &FeastConfig,
    opts: &FeastCosimOptions,
) -> Result<(FeastGenerated, Design), String> {
    let generated = |prefix: String| {
        generate(
            cfg,
            &FeastOptions {
                target: opts.target,
                init_prefix: prefix,
                mutant: opts.mutant,
            },
        )
    };
    let probe = generated(String::new())?;
    let mut h = KeyHasher::new("neurogen-feast-design");
    for (n, t) in probe.rtl.iter().chain(&probe.init) {
        h.str(n).str(t);
    }
    let dir: PathBuf = crate::verilator::default_cache_dir()
        .join("designs")
        .join(format!("{}-{}", cfg.base.name, h.hex()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let g = generated(format!("{}/", dir.display()))?;
    let mut paths = Vec::new();
    for (n, t) in g.rtl.iter().chain(&g.init) {
        let p = dir.join(n);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(t.as_str()) {
            std::fs::write(&p, t).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        if n.ends_with(".v") {
            paths.push(p);
        }
    }
    let design = Build::new(g.design.top.clone())
        .sources(paths)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((g, design))
}

/// An output beat: a spike of neuron `Some(i)` or the end of a tick (`None`).
type Beat = Option<u64>;

struct Harness<'m> {
    model: &'m Model,
    p: Ports<'m>,
    cycle: u64,
    /// Output beats taken since the reset.
    taken: Vec<Beat>,
    reads: u64,
    /// `out_ready` low in this many of 1000 cycles, in runs of `out_burst` on average.
    out_bp: u32,
    out_burst: u64,
    rng: u64,
    /// `out_ready` as driven in this cycle.
    out_ready: bool,
    out_ready_low: u64,
    /// Cycles since the last acceptance whose output register held an untaken beat.
    held: Vec<u64>,
    /// The cycle that accepted the last input beat.
    accepted: u64,
}

const WATCHDOG: u64 = 1 << 20;

impl<'m> Harness<'m> {
    fn new(model: &'m Model) -> Result<Harness<'m>, String> {
        let p = Ports::bind(model).map_err(|e| e.to_string())?;
        Ok(Harness {
            model,
            p,
            cycle: 0,
            taken: Vec::new(),
            reads: 0,
            out_bp: 0,
            out_burst: 1,
            rng: 0,
            out_ready: true,
            out_ready_low: 0,
            held: Vec::new(),
            accepted: 0,
        })
    }

    fn set(i: &In<'_>, v: u64) -> Result<(), String> {
        i.set(v).map_err(|e| e.to_string())
    }

    /// Evaluate with the clock low (this cycle's inputs applied).
    fn settle(&mut self) -> Result<(), String> {
        Self::set(&self.p.clk, 0)?;
        self.model.eval().map_err(|e| e.to_string())
    }

    /// The beat in the output register (settled), if `out_valid`.
    fn pending(&self) -> Option<Beat> {
        (self.p.out_valid.get() == 1).then(|| {
            if self.p.out_eot.get() == 1 {
                None
            } else {
                Some(self.p.out_addr.get())
            }
        })
    }

    /// The rising edge (after `settle`): an output beat is taken when `out_valid` and
    /// `out_ready` are high; then this cycle's `out_ready` is drawn.
    fn edge(&mut self) -> Result<(), String> {
        if let Some(b) = self.pending() {
            if self.out_ready {
                self.taken.push(b);
            } else {
                self.held.push(self.cycle - self.accepted);
            }
        }
        Self::set(&self.p.clk, 1)?;
        self.model.eval().map_err(|e| e.to_string())?;
        self.cycle += 1;
        if self.out_bp > 0 {
            // splitmix64
            self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let p = self.out_bp as u64;
            self.out_ready = if self.out_ready {
                z % ((1000 - p) * self.out_burst) >= p
            } else {
                z.is_multiple_of(self.out_burst)
            };
            self.out_ready_low += !self.out_ready as u64;
            Self::set(&self.p.out_ready, self.out_ready as u64)?;
        }
        Ok(())
    }

    /// Raise `out_ready` until the output register is empty.
    fn drain(&mut self) -> Result<(), String> {
        self.out_bp = 0;
        self.out_ready = true;
        Self::set(&self.p.out_ready, 1)?;
        loop {
            self.settle()?;
            if self.pending().is_none() {
                return Ok(());
            }
            self.edge()?;
        }
    }

    fn idle(&self) -> bool {
        self.p.wb_stall.get() == 0
    }

    /// Reset, then wait for the trace clear; the cycles until idle.
    fn reset(&mut self) -> Result<u64, String> {
        Self::set(&self.p.out_ready, 1)?;
        Self::set(&self.p.rst, 1)?;
        self.settle()?;
        self.edge()?;
        Self::set(&self.p.rst, 0)?;
        self.wait_idle()
    }

    /// Cycles until the layer is idle (0 when it is idle now), checked in settled cycles.
    fn wait_idle(&mut self) -> Result<u64, String> {
        let start = self.cycle;
        loop {
            self.settle()?;
            if self.idle() {
                return Ok(self.cycle - start);
            }
            self.edge()?;
            if self.cycle - start > WATCHDOG {
                return Err(format!("the layer was not idle within {WATCHDOG} cycles"));
            }
        }
    }

    /// Offer one input beat until accepted; the cycles from the first offer to the accepting
    /// one, then the cycles from the accepting one until idle again.
    fn beat(&mut self, addr: Option<u32>) -> Result<(u64, u64), String> {
        Self::set(&self.p.in_valid, 1)?;
        Self::set(&self.p.in_eot, addr.is_none() as u64)?;
        Self::set(&self.p.in_addr, addr.unwrap_or(0) as u64)?;
        let first = self.cycle;
        loop {
            self.settle()?;
            if self.p.in_ready.get() == 1 {
                break;
            }
            self.edge()?;
            if self.cycle - first > WATCHDOG {
                return Err(format!(
                    "an input beat was not accepted within {WATCHDOG} cycles"
                ));
            }
        }
        let accepted = self.cycle;
        self.accepted = accepted;
        self.held.clear();
        self.edge()?;
        Self::set(&self.p.in_valid, 0)?;
        Self::set(&self.p.in_eot, 0)?;
        let busy = 1 + self.wait_idle()?;
        Ok((accepted - first, busy))
    }

    /// One Wishbone transaction from idle; the read data.
    fn wb(&mut self, adr: u64, write: Option<(u32, u8)>) -> Result<u32, String> {
        Self::set(&self.p.wb_cyc, 1)?;
        Self::set(&self.p.wb_stb, 1)?;
        Self::set(&self.p.wb_adr, adr)?;
        Self::set(&self.p.wb_we, write.is_some() as u64)?;
        Self::set(&self.p.wb_dat_w, write.map_or(0, |w| w.0) as u64)?;
        Self::set(&self.p.wb_sel, write.map_or(0xF, |w| w.1) as u64)?;
        let start = self.cycle;
        loop {
            self.settle()?;
            if self.p.wb_stall.get() == 0 {
                break;
            }
            self.edge()?;
            if self.cycle - start > WATCHDOG {
                return Err("the host port stalled too long".into());
            }
        }
        self.edge()?;
        Self::set(&self.p.wb_stb, 0)?;
        loop {
            self.settle()?;
            if self.p.wb_ack.get() == 1 {
                break;
            }
            self.edge()?;
            if self.cycle - start > WATCHDOG {
                return Err("no acknowledge".into());
            }
        }
        let data = self.p.wb_dat_r.get() as u32;
        self.edge()?;
        Self::set(&self.p.wb_cyc, 0)?;
        Self::set(&self.p.wb_we, 0)?;
        self.reads += 1;
        Ok(data)
    }

    fn read(&mut self, adr: u64) -> Result<u32, String> {
        self.wb(adr, None)
    }
}

/// Compare the hardware's and golden's values; the first difference as text.
fn diff<T: PartialEq + std::fmt::Debug>(what: &str, hw: T, gold: T) -> Option<String> {
    (hw != gold).then(|| format!("{what}: hardware {hw:?}, golden {gold:?}"))
}

fn thresholds(h: &mut Harness, lay: &FeastLayout, f: &Feast) -> Result<Option<String>, String> {
    for i in 0..lay.n {
        let v = h.read(lay.theta_addr(i))? as i64;
        if let Some(d) = diff(
            &format!("threshold of neuron {i}"),
            v,
            f.thresholds()[i as usize],
        ) {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

fn column(h: &mut Harness, lay: &FeastLayout, f: &Feast, i: u64) -> Result<Option<String>, String> {
    let w = f.weights();
    for k in 0..lay.arch.k {
        let v = h.read(lay.weight_addr(k, i))? as i32;
        if let Some(d) = diff(
            &format!("weight of neuron {i} at window position {k}"),
            v,
            w[[k as usize, i as usize]],
        ) {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

fn everything(h: &mut Harness, lay: &FeastLayout, f: &Feast) -> Result<Option<String>, String> {
    for i in 0..lay.n {
        if let Some(d) = column(h, lay, f, i)? {
            return Ok(Some(d));
        }
    }
    for j in 0..lay.arch.inputs {
        let v = h.read(lay.trace_addr(j))? as i64;
        if let Some(d) = diff(&format!("trace {j}"), v, f.traces()[j as usize]) {
            return Ok(Some(d));
        }
    }
    thresholds(h, lay, f)
}

fn counters(h: &mut Harness, lay: &FeastLayout, f: &Feast) -> Result<Option<String>, String> {
    let c = f.counters();
    for (name, r, gold) in [
        ("TICKS", regs::TICKS, f.ticks()),
        ("EVENTS", regs::EVENTS, c.events),
        ("DROPPED", regs::DROPPED, c.dropped),
        ("SKIPPED", regs::SKIPPED, c.skipped),
        ("MISSED", regs::MISSED, c.missed),
        ("WON", regs::WON, c.won),
    ] {
        let v = h.read(lay.reg_addr(r))? as u64;
        if let Some(d) = diff(name, v, gold & 0xFFFF_FFFF) {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

/// Co-simulate `cfg` on `ticks` (each a list of input addresses) against the golden model.
pub fn run(
    cfg: &FeastConfig,
    ticks: &[Vec<u32>],
    opts: &FeastCosimOptions,
) -> Result<FeastCosimReport, String> {
    let (g, design) = build(cfg, opts)?;
    let model = design.model().map_err(|e| e.to_string())?;
    let lay = g.layout;
    let arch = FeastArch::new(cfg);
    let (p, burst) = (
        opts.out_backpressure_permille as u64,
        opts.out_burst.max(1) as u64,
    );
    if p > 999 {
        return Err(format!(
            "output backpressure {p}/1000: allowed 0..=999 (at 1000 no output beat is ever taken)"
        ));
    }
    if (1000 - p) * burst < p {
        return Err(format!(
            "output backpressure {p}/1000 in runs of {burst} cycles: needs (1000 - {p}) * {burst} \
             >= {p} (longer runs)"
        ));
    }
    let mut h = Harness::new(&model)?;
    let mut f = Feast::new(cfg);
    let mut learning = true;
    let mut rep = FeastCosimReport::default();
    // the golden model's output beats so far
    let mut want_out: Vec<Beat> = Vec::new();
    let clear = h.reset()?;
    h.out_bp = opts.out_backpressure_permille;
    h.out_burst = burst;
    h.rng = opts.seed;
    // reset: one cycle in reset, then the clear sweep
    if let Some(d) = diff("cycles of the clear after reset", clear, arch.clear()) {
        rep.mismatch = Some(d);
        return Ok(rep);
    }
    if let Some(d) = diff("ID", h.read(lay.reg_addr(regs::ID))?, hdl::feast::ID) {
        rep.mismatch = Some(d);
        return Ok(rep);
    }
    let inputs = cfg.inputs() as u32;
    let one = cfg.feast.one();
    for (t, events) in ticks.iter().enumerate() {
        let at = |s: String| format!("tick {t}: {s}");
        if opts.host_actions {
            let n = lay.n;
            match t % 6 {
                1 => {
                    // a threshold written whole, another with one byte lane
                    let i = (t as u64 * 5) % n;
                    h.wb(lay.theta_addr(i), Some(((one / 2) as u32, 0xF)))?;
                    f.set_threshold(i as usize, one / 2);
                    let i2 = (i + 1) % n;
                    let old = f.thresholds()[i2 as usize] as u32;
                    let v = 0x00AB_CD00u32 | 0x37;
                    h.wb(lay.theta_addr(i2), Some((v, 0b0001)))?;
                    f.set_threshold(i2 as usize, ((old & !0xFF) | (v & 0xFF)) as i64);
                }
                2 => {
                    let (k, i) = (lay.arch.k / 2, (t as u64 * 3) % n);
                    h.wb(lay.weight_addr(k, i), Some((17, 0xF)))?;
                    f.set_weight(k as usize, i as usize, 17);
                    // beyond the largest weight: clamped
                    h.wb(lay.weight_addr(0, i), Some((u32::MAX, 0xF)))?;
                    f.set_weight(0, i as usize, u32::MAX as i64);
                }
                3 => {
                    h.wb(lay.reg_addr(regs::CONTROL), Some((0, 0xF)))?;
                    f.set_learning(false);
                    learning = false;
                }
                4 => {
                    h.wb(lay.reg_addr(regs::CONTROL), Some((1, 0xF)))?;
                    f.set_learning(true);
                    learning = true;
                }
                5 => {
                    h.wb(lay.reg_addr(regs::COMMAND), Some((1, 0xF)))?;
                    f.clear();
                    let c = h.wait_idle()?;
                    // the acknowledge comes in the first cycle of the clear
                    if let Some(d) = diff("cycles of the host's clear", c + 1, arch.clear()) {
                        rep.mismatch = Some(at(d));
                        return Ok(rep);
                    }
                }
                _ => {}
            }
        }
        let mut beats: Vec<Option<u32>> = events.iter().map(|&e| Some(e)).collect();
        if opts.host_actions && t % 4 == 0 {
            beats.insert(beats.len() / 2, Some(inputs + t as u32));
            beats.push(Some(u32::MAX));
        }
        beats.push(None);
        f.step(&[]);
        for (e, beat) in beats.iter().enumerate() {
            let at = |s: String| format!("tick {t}, beat {e} (address {beat:?}): {s}");
            let (wait, busy) = h.beat(*beat)?;
            let want_wait = if e == 0 { arch.tick_start() } else { 0 };
            if let Some(d) = diff("cycles before the beat was accepted", wait, want_wait) {
                rep.mismatch = Some(at(d));
                return Ok(rep);
            }
            // what the beat is, and what it takes by the cycle model
            let (outcome, model) = match beat {
                None => (None, arch.end_of_tick()),
                Some(j) => {
                    let o = f.event(*j);
                    (Some(o), arch.event(o, learning))
                }
            };
            let sent = match outcome {
                None => Some(None),
                Some(Outcome::Won(i)) => Some(Some(i as u64)),
                Some(_) => None,
            };
            want_out.extend(sent);
            // the beats taken so far and the one in the output register: the golden model's
            let mut got = h.taken.clone();
            got.extend(h.pending());
            let what = match outcome {
                None => "end of tick".to_string(),
                Some(o) => format!("{o:?}"),
            };
            let d = (got != want_out).then(|| {
                let same = got
                    .iter()
                    .zip(&want_out)
                    .take_while(|(a, b)| a == b)
                    .count();
                format!(
                    "output beats ({what}; taken and in the output register, from beat {same} \
                     on): hardware {:?}, golden {:?}",
                    &got[same..],
                    &want_out[same..]
                )
            });
            let held = &h.held;
            let waited =
                FeastArch::output_wait(model, sent.is_some(), |c| held.binary_search(&c).is_ok());
            rep.output_waits += waited;
            let d = d.or(diff(
                &match (outcome, waited) {
                    (None, 0) => "cycles".to_string(),
                    (None, w) => format!("cycles, with {w} waiting for the output register"),
                    (Some(o), 0) => format!("cycles of the event ({o:?}, learning {learning})"),
                    (Some(o), w) => format!(
                        "cycles of the event ({o:?}, learning {learning}), with {w} waiting for \
                         the output register"
                    ),
                },
                busy,
                model + waited,
            ));
            let Some(outcome) = outcome else {
                rep.ticks += 1;
                if let Some(d) = d.or(counters(&mut h, &lay, &f)?) {
                    rep.mismatch = Some(at(d));
                    return Ok(rep);
                }
                break;
            };
            rep.events += 1;
            rep.event_cycles += busy;
            match outcome {
                Outcome::Won(_) => rep.won += 1,
                Outcome::Missed => rep.missed += 1,
                Outcome::Skipped => rep.skipped += 1,
                Outcome::Dropped => rep.dropped += 1,
            }
            let d = match d {
                Some(d) => Some(d),
                None if matches!(outcome, Outcome::Dropped | Outcome::Skipped) => None,
                None => match thresholds(&mut h, &lay, &f)? {
                    Some(d) => Some(d),
                    None => match outcome {
                        Outcome::Won(i) => column(&mut h, &lay, &f, i as u64)?,
                        _ => None,
                    },
                },
            };
            if let Some(d) = d {
                rep.mismatch = Some(at(d));
                return Ok(rep);
            }
        }
        let last = t + 1 == ticks.len();
        if ((opts.full_every > 0 && (t + 1) % opts.full_every == 0) || last)
            && let Some(d) = everything(&mut h, &lay, &f)?
        {
            rep.mismatch = Some(at(d));
            return Ok(rep);
        }
    }
    // the whole output stream, once the register is drained
    h.drain()?;
    rep.cycles = h.cycle;
    rep.reads = h.reads;
    rep.out_beats = h.taken.len() as u64;
    rep.out_ready_low = h.out_ready_low;
    if let Some(d) = diff("output beats at the end", &h.taken, &want_out) {
        rep.mismatch = Some(d);
    }
    Ok(rep)
}
