//! The testbench exporter of a FEAST layer (`neurogen testbench` of a config with `[feast]`): a
//! folder that checks the generated FEAST layer (`hdl::feast`) against the golden model
//! (`golden::feast`) with nothing but a Verilog simulator, as [`crate::export`] does for the
//! array.
//!
//! What a folder holds (paths relative to it; `run.sh` runs from it):
//! - `rtl/`: the generated Verilog, the weight and threshold init files (`$readmemh` paths start
//!   with `rtl/`) and `manifest.json`;
//! - `tb/<top>_tb.v`: the self-checking Verilog-2005 testbench, the template
//!   `testbenches/templates/feast_tb.v` filled in with sizes and file names, and the includes
//!   it shares with the array's (`tb_common.vh`, `nf_dut.vh`: [`crate::folder`]);
//! - `vectors/`: what the golden model says: the input beats with end-of-tick beats (`in.hex`),
//!   for each beat its expected outcome, winner and cycles by the cycle model (`exp.hex`), host
//!   writes before ticks (`act.hex`), the values to read back through the Wishbone port
//!   (`chk.hex`: counters and every threshold after every tick, every weight and trace every
//!   [`FeastExportOptions::full_every`] ticks and at the end) and the output stream (`out.hex`:
//!   the spikes and end-of-tick beats in order);
//! - `files.f` and `run.sh` (the array's run script template, `testbenches/templates/run.sh`).
//!
//! Key decisions:
//! - Cycles are checked per beat, not per tick: the cycles a beat waits from its first offer to
//!   its acceptance (the decay sweep before a tick's first beat, 0 otherwise) and from its
//!   acceptance until the layer is idle again (`golden::feast::FeastArch::event`), exactly as
//!   the co-simulation (`cosim::feast`) measures them. Both counts start at an offer or an
//!   acceptance, so gaps before input beats (`+bp=`) leave them exact. Output backpressure
//!   (`+obp=`, `+oburst=`: `out_ready` low in runs) leaves them exact too: a beat that sends an
//!   output beat waits in its last cycle for a full output register, one cycle per consecutive
//!   cycle the register is held (`golden::feast::FeastArch::output_wait`), and the testbench
//!   counts those cycles from the outside (`out_valid` high, `out_ready` low). So every cycle
//!   check stays on under both backpressures.
//! - Output beats are checked twice: per input beat, when the layer is idle again (the beat it
//!   sent is in the output register, and the beats taken so far plus that one are as many as
//!   the golden model's), and as a stream, each beat when it is taken (`out.hex`, in order),
//!   since under output backpressure a beat may be taken during later input beats or host
//!   reads. A lost or duplicated beat fails either way; a beat changed while it waits fails at
//!   the stream check.
//! - As in the array's export, every host address is computed here (`FeastLayout::weight_addr`
//!   and friends), so the template knows no memory map.
//! - The host writes (with `calm = false`) are the co-simulation's: thresholds, a weight and a
//!   clamped weight, learning off and on again, the trace clear; and out-of-grid addresses.

use crate::export::{Bench, add_init_and_manifest, vector_file};
use crate::folder::{act_word, chk_word};
use golden::feast::{Feast, FeastArch, FeastConfig, Outcome};
use hdl::feast::{FeastGenerated, FeastLayout, FeastOptions, Mutant, generate, regs};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The testbench template of a FEAST layer.
pub const FEAST_TB_TEMPLATE: &str = include_str!("../templates/feast_tb.v");

/// Expected outcome kinds of `exp.hex` (the testbench names them in its messages).
mod outcome {
    pub const DROPPED: u8 = 0;
    pub const SKIPPED: u8 = 1;
    pub const MISSED: u8 = 2;
    pub const WON: u8 = 3;
    pub const EOT: u8 = 4;
}

/// Read-back kinds of `chk.hex`.
mod kind {
    pub const ID: u8 = 1;
    pub const TICKS: u8 = 2;
    pub const EVENTS: u8 = 3;
    pub const DROPPED: u8 = 4;
    pub const SKIPPED: u8 = 5;
    pub const MISSED: u8 = 6;
    pub const WON: u8 = 7;
    pub const THRESHOLD: u8 = 8;
    pub const WEIGHT: u8 = 9;
    pub const TRACE: u8 = 10;
}

/// Settings of a FEAST export.
#[derive(Debug, Clone)]
pub struct FeastExportOptions {
    /// Target family of the generated Verilog.
    pub target: Option<hdl::array::Target>,
    /// Default probability, in 1/1000 (at most 999), of a gap before each input beat
    /// (overridden by `+bp=`).
    pub backpressure_permille: u32,
    /// Default probability, in 1/1000 (at most 999), of `out_ready` low in a cycle (overridden
    /// by `+obp=`).
    pub out_backpressure_permille: u32,
    /// Default mean length, in cycles, of a run of `out_ready` low (overridden by `+oburst=`;
    /// 1..=1,000,000, with `(1000 - P) * burst >= P`).
    pub out_burst: u32,
    /// Default seed of the gap and `out_ready` generators (overridden by `+seed=`).
    pub seed: u32,
    /// No host writes and no out-of-grid addresses: the ticks as given.
    pub calm: bool,
    /// Every weight and trace is read back after every `full_every`-th tick (0: only at the
    /// end).
    pub full_every: usize,
    /// A deliberately wrong design (tests).
    pub mutant: Option<Mutant>,
}

impl Default for FeastExportOptions {
    fn default() -> Self {
        FeastExportOptions {
            target: None,
            backpressure_permille: 0,
            out_backpressure_permille: 0,
            out_burst: 1000,
            seed: 1,
            calm: false,
            full_every: 8,
            mutant: None,
        }
    }
}

/// Figures of an exported FEAST testbench.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeastSummary {
    /// Top module.
    pub top: String,
    /// Testbench module (`<top>_tb`).
    pub tb: String,
    /// Ticks.
    pub ticks: usize,
    /// Input beats, end-of-tick beats included.
    pub input_beats: usize,
    /// Won events (expected output spikes).
    pub won: u64,
    /// Output beats (spikes and end-of-tick beats).
    pub output_beats: usize,
    /// Missed events.
    pub missed: u64,
    /// Skipped events.
    pub skipped: u64,
    /// Dropped events.
    pub dropped: u64,
    /// Host writes.
    pub actions: usize,
    /// Values read back and compared.
    pub checks: usize,
    /// Cycles of every beat by the cycle model (waits and busy cycles, no gaps, no host, no
    /// output backpressure).
    pub beat_cycles: u64,
}

/// An exported FEAST testbench, in memory.
#[derive(Debug, Clone)]
pub struct FeastExported {
    /// Files, by path relative to the folder.
    pub files: BTreeMap<String, String>,
    /// Figures.
    pub summary: FeastSummary,
    /// The generated layer.
    pub generated: FeastGenerated,
}

impl FeastExported {
    /// Write every file under `dir` (created if needed); `run.sh` is made executable.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        crate::folder::write_files(&self.files, dir)
    }

    /// Replace the first occurrence of `from` by `to` in file `rel` (mutation tests); an error
    /// when the file or the text is missing.
    pub fn patch(&mut self, rel: &str, from: &str, to: &str) -> Result<(), String> {
        crate::folder::patch_file(&mut self.files, rel, from, to)
    }
}

#[derive(Default)]
struct Vectors {
    input: String,
    exp: String,
    act: String,
    chk: String,
    out: String,
    n_in: usize,
    n_out: usize,
    n_act: usize,
    n_chk: usize,
}

impl Vectors {
    /// An input beat and what it must do: `{kind, wait, busy, winner}`.
    fn beat(&mut self, addr: Option<u32>, kind: u8, wait: u64, busy: u64, winner: u32) {
        let w = (addr.is_none() as u64) << 32 | addr.unwrap_or(0) as u64;
        let _ = writeln!(self.input, "{w:09x}");
        let e = (kind as u128) << 96 | (wait as u128) << 64 | (busy as u128) << 32 | winner as u128;
        let _ = writeln!(self.exp, "{e:026x}");
        self.n_in += 1;
        if kind == outcome::WON || kind == outcome::EOT {
            let o = ((kind == outcome::EOT) as u64) << 32 | winner as u64;
            let _ = writeln!(self.out, "{o:09x}");
            self.n_out += 1;
        }
    }

    /// A host write before tick `tick`.
    fn act(&mut self, tick: u32, addr: u64, data: u32) {
        act_word(&mut self.act, tick, 1, addr, data);
        self.n_act += 1;
    }

    /// A read-back when `after` ticks are done (ticks + 1: at the end).
    fn chk(&mut self, after: u32, kind: u8, j: u64, i: u64, addr: u64, word: u32) {
        chk_word(&mut self.chk, after, kind, j, i, addr, word);
        self.n_chk += 1;
    }
}

fn read_state(lay: &FeastLayout, f: &Feast, v: &mut Vectors, after: u32, all: bool) {
    let c = f.counters();
    for (k, r, val) in [
        (kind::TICKS, regs::TICKS, f.ticks()),
        (kind::EVENTS, regs::EVENTS, c.events),
        (kind::DROPPED, regs::DROPPED, c.dropped),
        (kind::SKIPPED, regs::SKIPPED, c.skipped),
        (kind::MISSED, regs::MISSED, c.missed),
        (kind::WON, regs::WON, c.won),
    ] {
        v.chk(after, k, 0, 0, lay.reg_addr(r), val as u32);
    }
    for i in 0..lay.n {
        let th = f.thresholds()[i as usize] as u32;
        v.chk(after, kind::THRESHOLD, 0, i, lay.theta_addr(i), th);
    }
    if all {
        let w = f.weights();
        for k in 0..lay.arch.k {
            for i in 0..lay.n {
                let val = w[[k as usize, i as usize]] as u32;
                v.chk(after, kind::WEIGHT, k, i, lay.weight_addr(k, i), val);
            }
        }
        for j in 0..lay.arch.inputs {
            let x = f.traces()[j as usize] as u32;
            v.chk(after, kind::TRACE, 0, j, lay.trace_addr(j), x);
        }
    }
}

/// Export the testbench of FEAST layer `cfg` on `ticks` (each a list of input addresses).
pub fn export_feast(
    cfg: &FeastConfig,
    ticks: &[Vec<u32>],
    opts: &FeastExportOptions,
) -> Result<FeastExported, String> {
    if ticks.is_empty() {
        return Err("the stimulus has no ticks; a testbench needs at least one".into());
    }
    if ticks.len() >= u32::MAX as usize - 1 {
        return Err(format!("{} ticks: too many for the testbench", ticks.len()));
    }
    if opts.backpressure_permille > 999 {
        return Err(format!(
            "backpressure {}/1000: allowed 0..=999",
            opts.backpressure_permille
        ));
    }
    let (obp, burst) = (opts.out_backpressure_permille, opts.out_burst);
    if obp > 999 || !(1..=1_000_000).contains(&burst) || (1000 - obp.min(999)) * burst < obp {
        return Err(format!(
            "output backpressure {obp}/1000 in runs of {burst} cycles: allowed 0..=999 in runs \
             of 1..=1000000 cycles, with (1000 - {obp}) * {burst} >= {obp}"
        ));
    }
    let g = generate(
        cfg,
        &FeastOptions {
            target: opts.target,
            init_prefix: "rtl/".into(),
            mutant: opts.mutant,
        },
    )?;
    let lay = g.layout.clone();
    let arch = FeastArch::new(cfg);
    let mut f = Feast::new(cfg);
    let mut v = Vectors::default();
    let mut sum = FeastSummary {
        top: lay.name.clone(),
        tb: format!("{}_tb", lay.name),
        ticks: ticks.len(),
        ..Default::default()
    };
    let mut learning = true;
    let inputs = cfg.inputs() as u32;
    let one = cfg.feast.one();
    let mut max_busy = arch.tick_start();
    for (t, events) in ticks.iter().enumerate() {
        let tt = t as u32;
        if !opts.calm {
            let n = lay.n;
            match t % 6 {
                1 => {
                    let i = (t as u64 * 5) % n;
                    v.act(tt, lay.theta_addr(i), (one / 2) as u32);
                    f.set_threshold(i as usize, one / 2);
                    // above 1.0: clamped
                    let i2 = (i + 1) % n;
                    v.act(tt, lay.theta_addr(i2), u32::MAX);
                    f.set_threshold(i2 as usize, u32::MAX as i64);
                }
                2 => {
                    let (k, i) = (lay.arch.k / 2, (t as u64 * 3) % n);
                    v.act(tt, lay.weight_addr(k, i), 17);
                    f.set_weight(k as usize, i as usize, 17);
                    v.act(tt, lay.weight_addr(0, i), u32::MAX);
                    f.set_weight(0, i as usize, u32::MAX as i64);
                }
                3 => {
                    v.act(tt, lay.reg_addr(regs::CONTROL), 0);
                    f.set_learning(false);
                    learning = false;
                }
                4 => {
                    v.act(tt, lay.reg_addr(regs::CONTROL), 1);
                    f.set_learning(true);
                    learning = true;
                }
                5 => {
                    v.act(tt, lay.reg_addr(regs::COMMAND), 1);
                    f.clear();
                }
                _ => {}
            }
        }
        let mut beats: Vec<Option<u32>> = events.iter().map(|&e| Some(e)).collect();
        if !opts.calm && t % 4 == 0 {
            beats.insert(beats.len() / 2, Some(inputs + t as u32));
            beats.push(Some(u32::MAX));
        }
        beats.push(None);
        f.step(&[]);
        for (e, beat) in beats.iter().enumerate() {
            let wait = if e == 0 { arch.tick_start() } else { 0 };
            let (kind, busy, winner) = match beat {
                None => (outcome::EOT, arch.end_of_tick(), 0),
                Some(j) => {
                    let o = f.event(*j);
                    let busy = arch.event(o, learning);
                    match o {
                        Outcome::Dropped => {
                            sum.dropped += 1;
                            (outcome::DROPPED, busy, 0)
                        }
                        Outcome::Skipped => {
                            sum.skipped += 1;
                            (outcome::SKIPPED, busy, 0)
                        }
                        Outcome::Missed => {
                            sum.missed += 1;
                            (outcome::MISSED, busy, 0)
                        }
                        Outcome::Won(i) => {
                            sum.won += 1;
                            (outcome::WON, busy, i)
                        }
                    }
                }
            };
            max_busy = max_busy.max(busy);
            sum.beat_cycles += wait + busy;
            v.beat(*beat, kind, wait, busy, winner);
        }
        let all = opts.full_every > 0 && (t + 1) % opts.full_every == 0;
        read_state(&lay, &f, &mut v, tt + 1, all);
    }
    sum.actions = v.n_act;
    v.act(u32::MAX, 0, 0); // end marker
    let end = ticks.len() as u32 + 1;
    v.chk(end, kind::ID, 0, 0, lay.reg_addr(regs::ID), hdl::feast::ID);
    read_state(&lay, &f, &mut v, end, true);
    sum.checks = v.n_chk;
    v.chk(u32::MAX, 0, 0, 0, 0, 0); // end marker
    sum.input_beats = v.n_in;
    sum.output_beats = v.n_out;

    let watchdog = 1000 + 4 * max_busy + 4 * arch.clear();
    // the array's run script; the FEAST testbench's +bp gaps only input beats, +obp and +oburst
    // drive out_ready
    let bench = Bench {
        rtl: &g.rtl,
        what: "FEAST layer",
        top: &sum.top,
        tb: &sum.tb,
        ticks: sum.ticks,
        n_in: v.n_in,
        n_out: v.n_out,
        n_act: v.n_act,
        n_chk: v.n_chk,
        aw: lay.aw,
        ob: lay.nb,
        bp_permille: opts.backpressure_permille,
        seed: opts.seed,
        watchdog,
        bp_args: "[+bp=P] [+obp=P] [+oburst=B]",
        out_bp: format!(
            "(FEAST: +obp=P +oburst=B make out_ready low in about P/1000 of the cycles, in \
             runs of B cycles on average, default {obp} and {burst})"
        ),
    };
    let mut files = bench.files(
        FEAST_TB_TEMPLATE,
        &[
            ("CLEAR", arch.clear().to_string()),
            ("OBP", obp.to_string()),
            ("OBURST", burst.to_string()),
            ("EXP_FILE", vector_file("exp.hex")),
        ],
    )?;
    add_init_and_manifest(&mut files, &g.init, &g.manifest);
    files.insert(vector_file("in.hex"), v.input);
    files.insert(vector_file("exp.hex"), v.exp);
    files.insert(vector_file("act.hex"), v.act);
    files.insert(vector_file("chk.hex"), v.chk);
    files.insert(vector_file("out.hex"), v.out);
    Ok(FeastExported {
        files,
        summary: sum,
        generated: g,
    })
}
