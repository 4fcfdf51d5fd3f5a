//! `board`: generate a board top and its constraints, and drive a real board over its serial
//! port (ticks of a stimulus, host-port reads and writes) with the framing of
//! `hdl::board::protocol`.
//!
//! Key decision: `board run --check` compares every tick's spikes, and the final weights, with
//! the golden model, so a board run is a hardware-in-the-loop co-simulation.

use super::CmdResult;
use super::common::{load_config, load_stimulus, write_file, write_files};
use crate::cli::{BoardArgs, BoardCmd, PortArgs, StimulusSource};
use crate::flow::serial::SerialPort;
use golden::model::Network;
use hdl::array::Layout;
use hdl::board::protocol::Client;
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
            load_weights,
            check,
            output,
        } => run(
            &config,
            &port,
            &source,
            load_weights,
            check,
            output.as_deref(),
        ),
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
    let cfg = load_config(config)?;
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
    write_files(&rtl, d.rtl.iter().chain(&d.array.init))?;
    // the PLL's simulation model, for simulators only (not for synthesis)
    write_files(&output.join("sim"), d.sim.iter())?;
    println!("{}", d.clock_text());
    write_file(&output.join(&d.constraints.0), &d.constraints.1)?;
    write_file(&output.join("manifest.json"), &d.array.manifest)?;
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
        d.array.init.len(),
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

fn run(
    config: &Path,
    port: &PortArgs,
    source: &StimulusSource,
    load_weights: bool,
    check: bool,
    output: Option<&Path>,
) -> CmdResult {
    let cfg = load_config(config)?;
    let stim = load_stimulus(source, &cfg)?;
    // the host address map (the same for every target)
    let lay: Layout = hdl::array::generate(&cfg, &hdl::array::Options::default())?.layout;
    let mut c = connect(port)?;
    let id = c.read(lay.reg_addr(hdl::array::layout::regs::ID) as u32)?;
    if id as u64 != hdl::array::layout::regs::ID_VALUE {
        return Err(format!(
            "the board answers but its ID register reads 0x{id:08x}, not a neurogen array"
        ));
    }
    let shape = [
        (hdl::array::layout::regs::INPUTS, cfg.array.inputs as u64),
        (hdl::array::layout::regs::NEURONS, cfg.array.neurons as u64),
        (hdl::array::layout::regs::LANES, cfg.array.lanes as u64),
    ];
    for (reg, want) in shape {
        let got = c.read(lay.reg_addr(reg) as u32)? as u64;
        if got != want {
            return Err(format!(
                "the board's array does not match {}: register {reg} reads {got}, the config says {want}",
                config.display()
            ));
        }
    }
    let w0 = cfg.initial_weights();
    if load_weights {
        let mut words = Vec::new();
        for j in 0..lay.r {
            for i in 0..lay.n {
                let w = w0[[j as usize, i as usize]] as i64;
                words.push((lay.weight_addr(j, i) as u32, w as i32 as u32));
            }
        }
        c.write_many(&words)?;
        eprintln!("loaded {} weights", words.len());
    }
    let mut net = check.then(|| Network::new(&cfg));
    let mut spikes = Vec::new();
    let mut total = 0usize;
    for (t, events) in stim.ticks.iter().enumerate() {
        let got = c.tick(events)?;
        total += got.len();
        if let Some(net) = net.as_mut() {
            let want: Vec<u32> = net.step(events).to_vec();
            if got != want {
                return Err(format!(
                    "MISMATCH at tick {t}: spikes expected {want:?} got {got:?}"
                ));
            }
        }
        spikes.push(got);
    }
    println!(
        "{}: {} ticks, {} input events, {} output spikes{}",
        cfg.name,
        stim.ticks.len(),
        stim.ticks.iter().map(Vec::len).sum::<usize>(),
        total,
        if c.errors.is_empty() {
            String::new()
        } else {
            format!(", board error frames {:?}", c.errors)
        }
    );
    if let Some(net) = &net {
        let addrs: Vec<u32> = (0..lay.r)
            .flat_map(|j| (0..lay.n).map(move |i| (j, i)))
            .map(|(j, i)| lay.weight_addr(j, i) as u32)
            .collect();
        let words = c.read_many(&addrs)?;
        let w = net.weights();
        for (k, word) in words.iter().enumerate() {
            let (j, i) = (k as u64 / lay.n, k as u64 % lay.n);
            let got = lay.decode(hdl::array::Region::W, *word);
            let want = w[[j as usize, i as usize]] as i64;
            if got != want {
                return Err(format!(
                    "MISMATCH after the last tick: weight[{j},{i}] expected {want} got {got}"
                ));
            }
        }
        println!(
            "MATCH: every tick's spikes and all {} final weights",
            words.len()
        );
    }
    if let Some(out) = output {
        let json = serde_json::json!({ "spikes": spikes });
        write_file(out, &(json.to_string() + "\n"))?;
    }
    Ok(())
}
