//! `board`: generate a board top and its constraints, and drive a real board over its serial
//! port (ticks of a stimulus, host-port reads and writes) with the framing of
//! `hdl::board::protocol`.
//!
//! Key decision: `board run --check` compares every tick's spikes, and the final weights, with
//! the golden model, so a board run is a hardware-in-the-loop co-simulation.

use super::CmdResult;
use super::common::{load_network_config, load_stimulus, write_file, write_files};
use crate::cli::{BoardArgs, BoardCmd, PortArgs, StimulusSource};
use crate::flow::serial::SerialPort;
use cosim::board::{weight_difference, weight_writes};
use golden::chain::Chain;
use hdl::array::Layout;
use hdl::board::protocol::{Client, Transport};
use hdl::board::{self, Board, BoardOptions};
use std::path::Path;

pub fn board(a: BoardArgs) -> CmdResult {
    match a.cmd {
        BoardCmd::Generate {
            config,
            board,
            output,
            baud,
            clock_mhz,
        } => generate(&config, &board, &output, baud, clock_mhz),
        BoardCmd::Constraints { output } => constraints(&output),
        BoardCmd::Run {
            config,
            port,
            source,
            design,
            load_weights,
            no_load_weights,
            check,
            output,
        } => {
            let load = match (load_weights, no_load_weights) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            run(
                &config,
                &port,
                &source,
                design.as_deref(),
                load,
                check,
                output.as_deref(),
            )
        }
        BoardCmd::Read { addr, count, port } => {
            let a0 = parse_u32("ADDR", &addr)?;
            if !(1..=65536).contains(&count) {
                return Err("--count must be in 1..=65536".into());
            }
            let mut c = connect(&port)?;
            let addrs: Vec<u32> = (0..count).map(|k| a0.wrapping_add(k)).collect();
            for (a, d) in addrs.iter().zip(c.read_many(&addrs)?) {
                println!("0x{a:08x}: 0x{d:08x} ({d})");
            }
            Ok(())
        }
        BoardCmd::Write { addr, value, port } => {
            let a = parse_u32("ADDR", &addr)?;
            let v = parse_u32("VALUE", &value)?;
            connect(&port)?.write(a, v)?;
            println!("0x{a:08x} <- 0x{v:08x}");
            Ok(())
        }
    }
}

/// A decimal or `0x` hexadecimal 32-bit value.
fn parse_u32(what: &str, s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse::<u32>(),
    };
    r.map_err(|_| format!("{what} \"{s}\": a 32-bit number, decimal or 0x hexadecimal"))
}

/// Open the port and check the board answers a SYNC. A first failure can be a frame left
/// incomplete by an earlier host: wait out the board's frame timeout (~10 ms) and try again.
fn connect(p: &PortArgs) -> Result<Client<SerialPort>, String> {
    let mut last = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let port = SerialPort::open(&p.port, p.baud)?;
        let mut c = Client::new(port, p.fifo);
        match c.sync() {
            Ok(()) => return Ok(c),
            Err(e) => last = e,
        }
    }
    Err(format!("the board does not answer: {last}"))
}

fn generate(
    config: &Path,
    board: &str,
    output: &Path,
    baud: u64,
    clock_mhz: Option<f64>,
) -> CmdResult {
    let cfg = load_network_config(config)?;
    let b = Board::parse(board)?;
    let mut opts = BoardOptions::new(b);
    opts.baud = baud;
    if let Some(mhz) = clock_mhz {
        if !(mhz > 0.0 && mhz < 1000.0) {
            return Err(format!(
                "--clock-mhz {mhz}: must be a clock in MHz in (0, 1000)"
            ));
        }
        opts.clock_hz = Some((mhz * 1e6).round() as u64);
    }
    let d = board::generate(&cfg, b, &opts)?;
    let rtl = output.join("rtl");
    write_files(&rtl, d.rtl.iter().chain(d.array.init()))?;
    // the PLL's simulation model, for simulators only (not for synthesis)
    write_files(&output.join("sim"), d.sim.iter())?;
    println!("{}", d.clock_text());
    write_file(&output.join(&d.constraints.0), &d.constraints.1)?;
    write_file(&output.join("manifest.json"), d.array.manifest())?;
    println!(
        "{}: board top `{}` for {} ({} MHz clock, {} baud = {} clocks per bit, {}-byte receive buffer)",
        cfg.name,
        d.top,
        b.name(),
        hdl::board::pll::mhz_text(d.clock_hz_exact()),
        d.baud,
        d.divisor,
        d.fifo_depth
    );
    println!(
        "wrote {} Verilog files, {} init files to {}, constraints {}, manifest {} (framing: docs/board.md)",
        d.rtl.len(),
        d.array.init().len(),
        rtl.display(),
        output.join(&d.constraints.0).display(),
        output.join("manifest.json").display()
    );
    Ok(())
}

fn constraints(output: &Path) -> CmdResult {
    for b in Board::ALL {
        let p = output.join(b.constraints_file());
        write_file(&p, &b.constraints(b.clock_hz() as f64 / 1e6))?;
        println!("wrote {}", p.display());
    }
    Ok(())
}

/// Whether `board run` writes the initial weights (and theta) through the host port, and the
/// line it prints about it first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WeightPlan {
    pub load: bool,
    pub notice: String,
}

/// What a generated folder's manifest says about the weights: `Some(true)` when they cannot be
/// preloaded (`weights_via_host`), with the memory's name.
fn manifest_weights(manifest: &serde_json::Value) -> Result<(bool, String), String> {
    // a network of layers: the weights are preloaded when every layer's are
    if let Some(layers) = manifest.get("layers").and_then(serde_json::Value::as_array) {
        let each = layers
            .iter()
            .map(|l| manifest_weights(l.get("manifest").unwrap_or(&serde_json::Value::Null)))
            .collect::<Result<Vec<_>, String>>()?;
        let host = each.iter().position(|e| e.0);
        let memory = each
            .iter()
            .enumerate()
            .map(|(k, e)| format!("layer[{k}]: {}", e.1))
            .collect::<Vec<_>>()
            .join(", ");
        return Ok((host.is_some(), memory));
    }
    let via_host = manifest
        .get("weights_via_host")
        .and_then(serde_json::Value::as_bool)
        .ok_or("no \"weights_via_host\" flag")?;
    let memory = manifest
        .pointer("/weights/memory")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("weight memories")
        .to_string();
    Ok((via_host, memory))
}

/// Decide whether to load the initial weights: `forced` is `--load-weights` (`Some(true)`) or
/// `--no-load-weights` (`Some(false)`); `manifest` is the `--design` folder's, if given.
pub(crate) fn weight_plan(
    forced: Option<bool>,
    manifest: Option<&serde_json::Value>,
    theta: bool,
) -> Result<WeightPlan, String> {
    let what = if theta {
        "initial weights and theta"
    } else {
        "initial weights"
    };
    let known = manifest.map(manifest_weights).transpose()?;
    let (load, notice) = match (forced, &known) {
        (Some(false), Some((false, m))) => (
            false,
            format!(
                "weights: not written (--no-load-weights); the bitstream preloaded them ({m}), a previous run may have changed them{}",
                if theta {
                    "; theta stays 0 (the config's theta_file is not written)"
                } else {
                    ""
                }
            ),
        ),
        (Some(false), Some((true, m))) => (
            false,
            format!(
                "WARNING: the {what} are NOT written (--no-load-weights), and this design's weight memories ({m}) cannot be preloaded: the array runs on whatever they hold, not on the config's weights"
            ),
        ),
        (Some(false), None) => (
            false,
            format!(
                "WARNING: the {what} are NOT written (--no-load-weights): the array runs on whatever the board holds (the bitstream's weights where they can be preloaded, anything in UP5K SPRAM)"
            ),
        ),
        (Some(true), _) => (
            true,
            format!("weights: writing the {what} through the host port (--load-weights)"),
        ),
        (None, Some((true, m))) => (
            true,
            format!(
                "weights: this design's weight memories ({m}) cannot be preloaded, so the {what} are written through the host port first"
            ),
        ),
        (None, Some((false, m))) if theta => (
            true,
            format!(
                "weights: preloaded by the bitstream ({m}); the config's theta_file cannot be (reset leaves theta 0), so the {what} are written through the host port first"
            ),
        ),
        (None, Some((false, m))) => (
            false,
            format!(
                "weights: preloaded by the bitstream ({m}); --load-weights writes them again (after a previous run changed them)"
            ),
        ),
        (None, None) => (
            true,
            format!(
                "weights: no --design DIR, so whether the bitstream holds them is unknown: the {what} are written through the host port first (--no-load-weights skips this)"
            ),
        ),
    };
    Ok(WeightPlan { load, notice })
}

/// Read `dir/manifest.json` (the folder `board generate` wrote) and check it is `cfg`'s design.
fn read_design(dir: &Path, cfg: &golden::Config) -> Result<serde_json::Value, String> {
    if cfg.layer_count() > 1 {
        // a network of layers: the chain's manifest holds the network's config
        let p = dir.join("manifest.json");
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let m: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", p.display()))?;
        let ours = serde_json::to_value(cfg).map_err(|e| e.to_string())?;
        if m.get("config") != Some(&ours) {
            return Err(format!(
                "{}: the folder holds the design of another network than the config `{}`",
                p.display(),
                cfg.name
            ));
        }
        return Ok(m);
    }
    let f = cosim::driver::read_rtl_folder(dir, cfg).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&f.manifest)
        .map_err(|e| format!("{}: {e}", f.manifest.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", f.manifest.display()))
}

/// What a board session did.
#[derive(Debug, Default)]
pub(crate) struct Session {
    /// Output spikes of each tick (the last layer's).
    pub spikes: Vec<Vec<u32>>,
    /// With `[network] output = "all"`: every layer's spikes of each tick (tick, then layer),
    /// from the board's `LAYER_SPIKE` frames; empty otherwise.
    pub layers: Vec<Vec<Vec<u32>>>,
    /// Host-port writes made before the first tick.
    pub loaded: usize,
    /// Final weights compared (with `check`).
    pub checked: Option<usize>,
}

/// Each layer's host map on the chip: (its base address, its layout); one layer: base 0. The
/// map is the same for every target.
pub(crate) fn layer_maps(cfg: &golden::Config) -> Result<Vec<(u64, Layout)>, String> {
    let o = hdl::array::Options::default();
    if cfg.layer_count() > 1 {
        let g = hdl::array::chain::generate_network(cfg, &o)?;
        Ok(g.layers
            .iter()
            .enumerate()
            .map(|(k, l)| (g.host.base(k as u64), l.layout.clone()))
            .collect())
    } else {
        Ok(vec![(0, hdl::array::generate(cfg, &o)?.layout)])
    }
}

/// Talk to a board over `c`: check it is `cfg`'s array (every layer's), write the initial
/// weights and theta of every layer when `load`, run the stimulus and, with `check`, compare
/// every tick's spikes (the last layer's; with `[network] output = "all"` every layer's, from
/// the tagged frames) and the final weights of every layer with the golden model.
pub(crate) fn session<T: Transport>(
    c: &mut Client<T>,
    cfg: &golden::Config,
    stim: &golden::Stimulus,
    load: bool,
    check: bool,
    config_name: &str,
) -> Result<Session, String> {
    use hdl::array::layout::regs;
    let maps = layer_maps(cfg)?;
    let cfgs = cfg.layer_configs();
    if !stim.teach.is_empty() && !cfg.teach_hardware() {
        return Err(format!(
            "the stimulus has a teacher (key \"teach\") but {config_name} has no teach hardware \
             (set teach = true on a layer or [network] teacher_layer in the config)"
        ));
    }
    // the teacher frames carry 16 bits: refuse a teacher neuron past them before any tick
    if let Some((t, a)) = stim
        .teach
        .iter()
        .enumerate()
        .find_map(|(t, l)| l.iter().find(|&&a| a > u16::MAX as u32).map(|&a| (t, a)))
    {
        return Err(format!(
            "teach list of tick {t}: neuron {a} does not fit the link's 16-bit teacher frame \
             (the teacher layer has {} neurons)",
            cfgs[cfg.teacher_layer()].array.neurons
        ));
    }
    let chain = maps.len() > 1;
    // "layer[k] " in front of what concerns one layer of a network of layers
    let who = |k: usize| {
        if chain {
            format!("layer[{k}] ")
        } else {
            String::new()
        }
    };
    for (k, ((base, lay), lc)) in maps.iter().zip(&cfgs).enumerate() {
        let id = c.read((base + lay.reg_addr(regs::ID)) as u32)?;
        if id as u64 != regs::ID_VALUE {
            return Err(format!(
                "the board answers but its {}ID register reads 0x{id:08x}, not a neurogen array",
                who(k)
            ));
        }
        let shape = [
            (regs::INPUTS, lc.array.inputs as u64),
            (regs::NEURONS, lc.array.neurons as u64),
            (regs::LANES, lc.array.lanes as u64),
        ];
        for (reg, want) in shape {
            let got = c.read((base + lay.reg_addr(reg)) as u32)? as u64;
            if got != want {
                return Err(format!(
                    "the board's array does not match {config_name}: {}register {reg} reads {got}, the config says {want}",
                    who(k)
                ));
            }
        }
    }
    let mut out = Session::default();
    if load {
        let mut words = Vec::new();
        for ((base, lay), lc) in maps.iter().zip(&cfgs) {
            words.extend(weight_writes(*base, lay, &lc.initial_weights()));
            for (i, &th) in lc.initial_theta().iter().enumerate() {
                if th != 0 {
                    let a = lay
                        .state_addr(golden::model::StateKind::Theta, i as u64)
                        .ok_or("the config sets an initial theta but the array has no theta")?;
                    words.push(((base + a) as u32, th as u32));
                }
            }
        }
        c.write_many(&words)?;
        out.loaded = words.len();
    }
    // teach hardware: every tick sends the teacher's list (maybe empty) and its end
    let teach_hw = maps[0].1.teach;
    let mut net = check.then(|| Chain::new(cfg));
    // output = "all": the spike frames carry every layer's spikes with the layer
    let all = chain && !cfg.network.output.is_last();
    let nl = maps.len();
    for (t, events) in stim.ticks.iter().enumerate() {
        let teach = stim.teach_at(t);
        let got = if all {
            let tagged = if teach_hw {
                c.tick_taught_layers(events, teach)
            } else {
                c.tick_layers(events)
            }
            .map_err(|e| format!("tick {t}: {e}"))?;
            let mut layers = vec![Vec::new(); nl];
            for (l, n) in tagged {
                layers
                    .get_mut(l as usize)
                    .ok_or_else(|| {
                        format!("tick {t}: spike {n} tagged with layer {l}: the network has {nl}")
                    })?
                    .push(n);
            }
            layers
        } else {
            let mut layers = vec![Vec::new(); nl];
            layers[nl - 1] = if teach_hw {
                c.tick_taught(events, teach)
            } else {
                c.tick(events)
            }
            .map_err(|e| format!("tick {t}: {e}"))?;
            layers
        };
        if let Some(net) = net.as_mut() {
            net.step_taught(events, teach);
            for (k, got) in got.iter().enumerate() {
                if !all && k + 1 < nl {
                    continue;
                }
                let want = net.spikes_of(k);
                if got != want {
                    return Err(format!(
                        "MISMATCH at tick {t}: {}spikes expected {want:?} got {got:?}",
                        if all { who(k) } else { String::new() }
                    ));
                }
            }
        }
        out.spikes.push(got[nl - 1].clone());
        if all {
            out.layers.push(got);
        }
    }
    if let Some(net) = &net {
        let mut n = 0;
        for (k, (base, lay)) in maps.iter().enumerate() {
            if let Some((j, i, got, want)) =
                weight_difference(c, *base, lay, net.layer(k).weights())?
            {
                return Err(format!(
                    "MISMATCH after the last tick: {}weight[{j},{i}] expected {want} got {got}",
                    who(k)
                ));
            }
            n += (lay.r * lay.n) as usize;
        }
        out.checked = Some(n);
    }
    Ok(out)
}

fn run(
    config: &Path,
    port: &PortArgs,
    source: &StimulusSource,
    design: Option<&Path>,
    forced: Option<bool>,
    check: bool,
    output: Option<&Path>,
) -> CmdResult {
    let cfg = load_network_config(config)?;
    let stim = load_stimulus(source, &cfg)?;
    let manifest = design.map(|d| read_design(d, &cfg)).transpose()?;
    let theta = cfg.initial_theta().iter().any(|&t| t != 0);
    let plan = weight_plan(forced, manifest.as_ref(), theta)
        .map_err(|e| format!("{}: {e}", design.unwrap_or(Path::new("")).display()))?;
    eprintln!("{}", plan.notice);
    let mut c = connect(port)?;
    let s = session(
        &mut c,
        &cfg,
        &stim,
        plan.load,
        check,
        &config.display().to_string(),
    )?;
    if plan.load {
        eprintln!("loaded {} words (weights and theta)", s.loaded);
    }
    println!(
        "{}: {} ticks, {} input events, {} output spikes{}",
        cfg.name,
        stim.ticks.len(),
        stim.ticks.iter().map(Vec::len).sum::<usize>(),
        if s.layers.is_empty() {
            s.spikes.iter().map(Vec::len).sum::<usize>()
        } else {
            s.layers.iter().flatten().map(Vec::len).sum::<usize>()
        },
        if c.errors.is_empty() {
            String::new()
        } else {
            format!(", board error frames {:?}", c.errors)
        }
    );
    if let Some(n) = s.checked {
        println!("MATCH: every tick's spikes and all {n} final weights");
    }
    if let Some(out) = output {
        let mut json = serde_json::json!({ "spikes": s.spikes });
        if !s.layers.is_empty() {
            // output = "all": every layer's spikes, per tick then per layer
            json["layers"] = serde_json::json!(s.layers);
        }
        write_file(out, &(json.to_string() + "\n"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! `board run`'s session on the simulated iCEBreaker top (a UART model on its pins, as in
    //! cosim/tests/board.rs): the UP5K's SPRAM weights and the config's theta cannot be
    //! preloaded, so the run must write them first.
    use super::*;
    use cosim::board::{build, build_patched, connect, sim_options};
    use golden::{Config, Stimulus};

    /// Learning, adaptive threshold with an initial theta (`neuron.theta_file`), 4 groups (SPRAM
    /// pair mode on the UP5K).
    const NET: &str = r#"
name = "runnet"
[array]
inputs = 12
neurons = 8
lanes = 2
[neuron]
threshold = 90
leak_shift = 3
inhibition = 4
theta_plus = 8
theta_file = "theta.csv"
[synapse]
init = "uniform"
init_lo = 10
init_hi = 60
seed = 3
[stdp]
pre_inc = 48
post_inc = 48
"#;

    #[test]
    fn weight_plan_follows_the_manifest() {
        let pre =
            serde_json::json!({"weights_via_host": false, "weights": {"memory": "block-ram"}});
        let host =
            serde_json::json!({"weights_via_host": true, "weights": {"memory": "spram-pair"}});
        assert!(!weight_plan(None, Some(&pre), false).unwrap().load);
        assert!(
            weight_plan(None, Some(&pre), true).unwrap().load,
            "theta is never preloaded"
        );
        assert!(weight_plan(None, Some(&host), false).unwrap().load);
        assert!(weight_plan(None, None, false).unwrap().load);
        assert!(weight_plan(Some(true), Some(&pre), false).unwrap().load);
        let off = weight_plan(Some(false), Some(&host), false).unwrap();
        assert!(
            !off.load && off.notice.starts_with("WARNING"),
            "{}",
            off.notice
        );
        let off = weight_plan(Some(false), None, false).unwrap();
        assert!(
            !off.load && off.notice.starts_with("WARNING"),
            "{}",
            off.notice
        );
        assert!(weight_plan(None, Some(&serde_json::json!({})), false).is_err());
    }

    /// Takes about 40 s the first time (the Verilator build of the board top), a few seconds
    /// once it is cached.
    #[test]
    fn up5k_board_run_loads_weights_and_theta_by_default_and_matches() {
        let dir = std::env::temp_dir().join(format!("neurogen-board-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("theta.csv"), "0, 40, 0, 25, 60, 0, 10, 0\n").unwrap();
        let cfg = Config::from_toml_str(NET, &dir).unwrap();
        // the board clock is the PLL's (48 MHz from 12): 12 Mbaud is 4 clocks per bit
        let opts = sim_options(Board::Icebreaker);
        let (bd, design) = build(&cfg, Board::Icebreaker, &opts).unwrap();
        // what `board generate` writes as manifest.json decides
        let manifest: serde_json::Value = serde_json::from_str(bd.array.manifest()).unwrap();
        let plan = weight_plan(None, Some(&manifest), true).unwrap();
        assert!(plan.load, "{}", plan.notice);
        assert!(
            plan.notice.contains("cannot be preloaded"),
            "{}",
            plan.notice
        );
        let stim = Stimulus::poisson(cfg.array.inputs, 250.0, 30, 1.0, 7);
        let run = |load: bool| {
            // a fresh board: SPRAM and theta zero, as after configuration
            let model = design.model().unwrap();
            let mut c = connect(&model, &bd, opts.por_bits).unwrap();
            session(&mut c, &cfg, &stim, load, true, "runnet")
        };
        let s = run(plan.load).unwrap();
        assert_eq!(s.checked, Some(12 * 8));
        assert_eq!(s.loaded, 12 * 8 + 4, "every weight and the 4 nonzero theta");
        assert!(s.spikes.iter().map(Vec::len).sum::<usize>() > 5);
        // control: the same run without loading does not match the golden model
        let e = run(false).unwrap_err();
        assert!(e.starts_with("MISMATCH"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A network of two layers (as in cosim/tests/board.rs): every layer's weights live in
    /// SPRAM, so the session writes both layers' at their base addresses; spikes and final
    /// weights of both layers match the golden chain. Control: without loading, a mismatch.
    /// About 40 s the first time (the Verilator build), a few seconds once cached.
    #[test]
    fn a_chain_session_loads_every_layer_and_matches_the_golden_chain() {
        const CHAIN: &str = "name = \"runchain\"\n[network]\nlayer_delay = 0\n\
            [array]\ninputs = 12\nneurons = 8\nlanes = 2\n[neuron]\nthreshold = 90\n\
            leak_shift = 3\n[synapse]\ninit = \"uniform\"\ninit_lo = 10\ninit_hi = 60\n\
            seed = 3\n[stdp]\npre_inc = 48\npost_inc = 48\n[[layer]]\nneurons = 4\n\
            lanes = 2\n[layer.neuron]\nthreshold = 60\nleak_shift = 3\n[layer.synapse]\n\
            init = \"uniform\"\ninit_lo = 10\ninit_hi = 60\nseed = 5\n";
        let cfg = Config::from_toml_str(CHAIN, std::path::Path::new(".")).unwrap();
        // the board clock is the PLL's (48 MHz from 12): 12 Mbaud is 4 clocks per bit
        let opts = sim_options(Board::Icebreaker);
        let (bd, design) = build(&cfg, Board::Icebreaker, &opts).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(bd.array.manifest()).unwrap();
        let plan = weight_plan(None, Some(&manifest), false).unwrap();
        assert!(
            plan.load && plan.notice.contains("layer[1]"),
            "{}",
            plan.notice
        );
        let stim = Stimulus::poisson(12, 300.0, 20, 1.0, 7);
        let run = |load: bool| {
            let model = design.model().unwrap();
            let mut c = connect(&model, &bd, opts.por_bits).unwrap();
            session(&mut c, &cfg, &stim, load, true, "runchain")
        };
        let s = run(true).unwrap();
        assert_eq!(s.checked, Some(12 * 8 + 8 * 4));
        assert_eq!(s.loaded, 12 * 8 + 8 * 4);
        assert!(
            s.spikes.iter().map(Vec::len).sum::<usize>() > 3,
            "{:?}",
            s.spikes
        );
        let e = run(false).unwrap_err();
        assert!(e.starts_with("MISMATCH"), "{e}");
    }

    /// Issue 14: the session of a chain with `[network] output = "all"` reads the board's
    /// `LAYER_SPIKE` frames and compares each layer's spikes with the golden layer's; the
    /// session keeps every layer's spikes and the last layer's as `spikes`. Control: a link
    /// whose frames say layer 0 for every spike is a MISMATCH naming a layer. About 80 s the
    /// first time (two Verilator builds), a few seconds once cached.
    #[test]
    fn a_chain_session_with_output_all_checks_every_layers_tagged_spikes() {
        const CHAIN: &str = "name = \"runall\"\n[network]\nlayer_delay = 1\noutput = \"all\"\n\
            [array]\ninputs = 12\nneurons = 8\nlanes = 2\n[neuron]\nthreshold = 90\n\
            leak_shift = 3\n[synapse]\ninit = \"uniform\"\ninit_lo = 10\ninit_hi = 60\n\
            seed = 3\n[[layer]]\nneurons = 4\nlanes = 2\n[layer.neuron]\nthreshold = 60\n\
            leak_shift = 3\n[layer.synapse]\ninit = \"uniform\"\ninit_lo = 10\ninit_hi = 60\n\
            seed = 5\n";
        let cfg = Config::from_toml_str(CHAIN, std::path::Path::new(".")).unwrap();
        // the board clock is the PLL's (48 MHz from 12): 12 Mbaud is 4 clocks per bit
        let opts = sim_options(Board::Icebreaker);
        let stim = Stimulus::poisson(12, 300.0, 20, 1.0, 7);
        let run = |bd: &hdl::board::BoardDesign, design: &cosim::verilator::Design| {
            let model = design.model().unwrap();
            let mut c = connect(&model, bd, opts.por_bits).unwrap();
            session(&mut c, &cfg, &stim, true, true, "runall")
        };
        let (bd, design) = build(&cfg, Board::Icebreaker, &opts).unwrap();
        let s = run(&bd, &design).unwrap();
        assert_eq!(s.layers.len(), 20);
        let per_layer: Vec<usize> = (0..2)
            .map(|k| s.layers.iter().map(|t| t[k].len()).sum())
            .collect();
        assert!(per_layer.iter().all(|&n| n > 3), "{per_layer:?}");
        let last: Vec<Vec<u32>> = s.layers.iter().map(|t| t[1].clone()).collect();
        assert_eq!(s.spikes, last);
        let mutant = (
            "runall_link.v",
            "obuf_layer <= obuf_in_layer;",
            "obuf_layer <= 1'd0;",
        );
        let (bad, bad_design) = build_patched(&cfg, Board::Icebreaker, &opts, mutant).unwrap();
        let e = run(&bad, &bad_design).unwrap_err();
        assert!(e.starts_with("MISMATCH") && e.contains("layer["), "{e}");
    }
}

#[cfg(test)]
mod teach_tests {
    //! `board run`'s session with a teacher (issue 15): a taught layer on the simulated
    //! iCEBreaker top matches the golden model; a teacher the link cannot carry, or one for a
    //! network without teach hardware, is refused before anything is sent.
    use super::*;
    use cosim::board::{build, connect, sim_options};
    use golden::{Config, Stimulus};

    const TAUGHT: &str = "name = \"runteach\"\n[array]\ninputs = 12\nneurons = 8\nlanes = 2\n\
        teach = true\n[neuron]\nthreshold = 90\nleak_shift = 3\ntheta_plus = 8\n[synapse]\n\
        init = \"uniform\"\ninit_lo = 10\ninit_hi = 60\nseed = 3\n[stdp]\npre_inc = 48\n\
        post_inc = 48\n";

    /// A transport that must not be used.
    struct Unused;
    impl Transport for Unused {
        fn send(&mut self, _: &[u8]) -> Result<(), String> {
            Err("sent something".into())
        }
        fn receive(&mut self) -> Result<Vec<u8>, String> {
            Err("waited for something".into())
        }
    }

    fn taught(ticks: usize) -> Stimulus {
        let mut s = Stimulus::poisson(12, 250.0, ticks, 1.0, 7);
        s.teach = (0..ticks)
            .map(|t| match t % 4 {
                0 => vec![(t % 8) as u32],
                1 => vec![3, 3, 9],
                2 => vec![],
                _ => vec![1, 6],
            })
            .collect();
        s
    }

    #[test]
    fn a_teacher_the_board_cannot_take_is_refused_before_anything_is_sent() {
        let plain = Config::from_toml_str(
            &TAUGHT.replace("teach = true\n", ""),
            std::path::Path::new("."),
        )
        .unwrap();
        let mut c = Client::new(Unused, 512);
        let e = session(&mut c, &plain, &taught(2), true, true, "plain.toml").unwrap_err();
        assert!(
            e.contains("no teach hardware") && e.contains("plain.toml"),
            "{e}"
        );
        let cfg = Config::from_toml_str(TAUGHT, std::path::Path::new(".")).unwrap();
        let mut wide = taught(3);
        wide.teach[2] = vec![1, 70_000];
        let e = session(&mut c, &cfg, &wide, true, true, "t.toml").unwrap_err();
        assert!(e.contains("tick 2") && e.contains("70000"), "{e}");
    }

    /// About 40 s the first time (the Verilator build), a few seconds once cached.
    #[test]
    fn a_taught_session_matches_the_golden_model() {
        let cfg = Config::from_toml_str(TAUGHT, std::path::Path::new(".")).unwrap();
        let opts = sim_options(Board::Icebreaker);
        let (bd, design) = build(&cfg, Board::Icebreaker, &opts).unwrap();
        let model = design.model().unwrap();
        let mut c = connect(&model, &bd, opts.por_bits).unwrap();
        let stim = taught(24);
        let s = session(&mut c, &cfg, &stim, true, true, "runteach").unwrap();
        assert_eq!(s.checked, Some(12 * 8));
        // teach mode on: the spikes are the teacher's in-range neurons
        assert_eq!(s.spikes[1], [3]);
        assert_eq!(s.spikes[3], [1, 6]);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
    }
}
