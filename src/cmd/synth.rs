//! `synth` and `sweep`: the open FPGA flow on a network, one device at a time.
//!
//! Key decision: a design that does not fit is reported (text or JSON on stdout) and then ends
//! the command with an error naming the resource and the excess, so `neurogen synth ... &&
//! iceprog ...` stops there; a sweep reports such points as rows and succeeds.

use super::CmdResult;
use super::common::{load_network_config, write_file};
use crate::cli::{FlowArgs, SweepArgs, SynthArgs};
use crate::flow::device::Device;
use crate::flow::sweep;
use crate::flow::synth::{self, Request, YosysChoice};
use hdl::board::Board;
use std::path::PathBuf;

/// The board named by `--board` (`none` for free pin placement), or the device's default.
fn board_arg(arg: &Option<String>, device: Device) -> Result<Option<Board>, String> {
    match arg.as_deref() {
        None => Ok(device.default_board()),
        Some("none") => Ok(None),
        Some(b) => {
            let b = Board::parse(b).map_err(|e| format!("--board: {e}, none"))?;
            if b.is_ecp5() != (device.family() == crate::flow::device::Family::Ecp5) {
                return Err(format!(
                    "--board {}: its FPGA is not a {}",
                    b.name(),
                    device.name()
                ));
            }
            Ok(Some(b))
        }
    }
}

/// The flow request of `synth` and `sweep` (both take networks of layers, and teach hardware:
/// the board top's link drives the teacher stream).
fn request(f: &FlowArgs, kind: &str) -> Result<Request, String> {
    let cfg = load_network_config(&f.config)?;
    let device = f.target;
    let dir = f
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("build/{kind}/{}-{}", cfg.name, device.name())));
    let mut req = Request::new(cfg, device, dir);
    req.board = board_arg(&f.board, device)?;
    if let Some(mhz) = f.clock_mhz {
        if !(mhz > 0.0 && mhz < 1000.0) {
            return Err(format!(
                "--clock-mhz {mhz}: must be a clock in MHz in (0, 1000)"
            ));
        }
        req.freq_mhz = mhz;
    } else if req.board.is_none() {
        req.freq_mhz = device.default_mhz();
    }
    req.yosys = YosysChoice::parse(&f.yosys)?;
    req.seed = f.seed;
    Ok(req)
}

pub fn synth(a: SynthArgs) -> CmdResult {
    if golden::feast::is_feast_file(&a.flow.config) {
        return super::feast::synth(&a);
    }
    let mut req = request(&a.flow, "synth")?;
    if !(1..=synth::MAX_SEEDS).contains(&a.seeds) {
        return Err(format!(
            "--seeds {}: allowed 1 to {} (each seed is a full place and route)",
            a.seeds,
            synth::MAX_SEEDS
        ));
    }
    req.seeds = a.seeds;
    // refuse at once what cannot fit, before Yosys and nextpnr run
    // (the board top, with or without pins, carries the UART link and its block RAM)
    // (a network of layers: each layer alone must fit, the first one with the board link)
    let chain = req.config.layer_count() > 1;
    for (k, l) in req.config.layer_configs().iter().enumerate() {
        let fit = crate::flow::fit::check(l, req.device, k == 0)
            .map_err(|e| if chain { format!("layer {k}: {e}") } else { e })?;
        if !a.json {
            let line = crate::flow::fit::line(&fit);
            if chain {
                println!("layer {k}: {line}");
            } else {
                println!("{line}");
            }
        }
    }
    let many = a.seeds > 1;
    let rep = synth::synth_with_progress(&req, &|r| {
        if many {
            match (r.fmax_mhz, &r.error) {
                (Some(f), _) => eprintln!("seed {}: {f:.2} MHz ({:.0} s)", r.seed, r.seconds),
                (None, Some(e)) => eprintln!("seed {}: {e}", r.seed),
                (None, None) => eprintln!("seed {}: no Fmax", r.seed),
            }
        }
    })?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rep).map_err(|e| e.to_string())?
        );
    } else {
        println!("{}", rep.text());
    }
    match rep.misfit() {
        Some(m) => Err(m),
        None => Ok(()),
    }
}

pub fn sweep(a: SweepArgs) -> CmdResult {
    let req = request(&a.flow, "sweep")?;
    let lanes = sweep::parse_lanes(&a.lanes)?;
    let sizes = match &a.sizes {
        Some(s) => sweep::parse_sizes(s)?,
        None => vec![(req.config.array.inputs, req.config.array.neurons)],
    };
    let total = lanes.len() * sizes.len();
    let mut done = 0;
    let points = sweep::sweep(&req, &sizes, &lanes, |p| {
        done += 1;
        eprintln!(
            "[{done}/{total}] {} lanes {}: {}",
            p.size(),
            p.lanes,
            match (&p.report, &p.note) {
                (Some(r), None) => format!("{} LUT4, {:.1} MHz", r.luts, r.fmax_mhz.unwrap_or(0.0)),
                (_, Some(n)) => n.clone(),
                (None, None) => "no result".into(),
            }
        );
    });
    let png = req.dir.join("sweep.png");
    sweep::plot(
        &points,
        &format!("{} ON {}", req.config.name, req.device.name()),
        &png,
    )?;
    let json = serde_json::to_string_pretty(&points).map_err(|e| e.to_string())?;
    let jpath = req.dir.join("sweep.json");
    write_file(&jpath, &json)?;
    if a.json {
        println!("{json}");
    } else {
        print!("{}", sweep::table(&points));
        println!("plot {}, data {}", png.display(), jpath.display());
    }
    Ok(())
}
