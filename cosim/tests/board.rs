//! The board tops in co-simulation: a UART model on the pins of the Verilated board top, driven
//! by the same protocol client the CLI uses on a serial port. Events go in, spikes come out and
//! must match the golden model tick by tick; weights are read and written over the link; the
//! link's error frames and the reset button behave as `docs/board.md` says. The board clock
//! comes from the FPGA's PLL (its simulation model), and the host's serial line runs in real
//! time against it.

use cosim::board::{
    SimUart, build, build_edited, build_patched, connect, sim_options, weight_difference,
    weight_writes,
};
use golden::model::Network;
use golden::{Config, Stimulus};
use hdl::array::layout::regs;
use hdl::board::protocol::{Client, Command, Reply, cmd, error_code};
use hdl::board::{Board, BoardOptions, Status};
use std::path::{Path, PathBuf};

/// A small learning network with recurrence and inhibition, so the link carries every kind of
/// traffic (input events, recurrent spikes out, weight changes).
const NET: &str = r#"
name = "uartnet"
[array]
inputs = 12
neurons = 8
lanes = 2
recurrent = true
[neuron]
threshold = 90
leak_shift = 3
inhibition = 4
[synapse]
init = "uniform"
init_lo = 10
init_hi = 60
seed = 3
[stdp]
pre_inc = 48
post_inc = 48
"#;

fn config() -> Config {
    Config::from_toml_str(NET, Path::new(".")).unwrap()
}

/// Power on, load the initial weights, run `ticks` ticks of a Poisson stimulus and compare each
/// tick's spikes with the golden model: the spike count, or the first difference or link error.
fn run_ticks(
    cfg: &Config,
    bd: &hdl::board::BoardDesign,
    design: &cosim::verilator::Design,
    por_bits: u32,
    ticks: usize,
) -> Result<usize, String> {
    let model = design.model().map_err(|e| e.to_string())?;
    let mut client = connect(&model, bd, por_bits)?;
    let lay = &bd.array.single().unwrap().layout;
    client.write_many(&weight_writes(0, lay, &cfg.initial_weights()))?;
    let stim = Stimulus::poisson(cfg.array.inputs, 250.0, ticks, 1.0, 7);
    let mut net = Network::new(cfg);
    let mut spikes = 0;
    for (t, events) in stim.ticks.iter().enumerate() {
        let want: Vec<u32> = net.step(events).to_vec();
        let got = client.tick(events)?;
        if got != want {
            return Err(format!("tick {t}: spikes {got:?}, golden model {want:?}"));
        }
        spikes += got.len();
    }
    let framing = client.link().framing_errors;
    if !client.errors.is_empty() || framing > 0 {
        return Err(format!(
            "error frames {:?}, {framing} framing errors",
            client.errors
        ));
    }
    Ok(spikes)
}

/// The iCEBreaker top with its 12 MHz oscillator multiplied to 48 MHz by the PLL, at 3 Mbaud:
/// 16 clocks of the PLL clock per bit. The host drives the line in real time against the PLL
/// clock and the run matches the golden model. Control: the same top with the UART divisor
/// computed from the oscillator (4 clocks per bit, exact at 12 MHz) fails. Runtime ~20 s
/// (two Verilator builds of a small top).
#[test]
fn the_uart_divisor_comes_from_the_pll_clock_not_the_oscillator() {
    let cfg = config();
    let board = Board::Icebreaker;
    let mut opts = sim_options(board);
    opts.clock_hz = Some(48_000_000);
    opts.baud = 3_000_000;
    let (bd, design) = build(&cfg, board, &opts).unwrap();
    assert_eq!(bd.divisor, 16);
    assert_eq!(bd.pll.map(|p| p.out_hz()), Some(48e6));
    let spikes = run_ticks(&cfg, &bd, &design, opts.por_bits, 12).unwrap();
    assert!(spikes > 0, "the test network should spike");

    // the mutant: UART modules built for the oscillator's clocks per bit
    let osc_div = hdl::board::divisor(board.clock_hz() as f64, opts.baud).unwrap();
    assert_eq!(osc_div, 4);
    let mutate = |d: &mut hdl::board::BoardDesign| uart_divisor(d, osc_div);
    let (bad, bad_design) = build_edited(&cfg, board, &opts, &mutate).unwrap();
    let r = run_ticks(&cfg, &bad, &bad_design, opts.por_bits, 12);
    assert!(r.is_err(), "the oscillator's divisor passed: {r:?}");
    eprintln!(
        "control (divisor from the oscillator) failed as it must: {}",
        r.unwrap_err()
    );
}

/// The mutant of a board top whose UART modules divide by `div` clocks per bit (e.g. computed
/// from the oscillator instead of the PLL's clock).
fn uart_divisor(d: &mut hdl::board::BoardDesign, div: u64) -> Result<(), String> {
    let name = d
        .array
        .single()
        .ok_or("not a single array")?
        .layout
        .name
        .clone();
    for (file, m) in [
        (
            format!("{name}_uart_rx.v"),
            hdl::board::uart::uart_rx_module(&format!("{name}_uart_rx"), div),
        ),
        (
            format!("{name}_uart_tx.v"),
            hdl::board::uart::uart_tx_module(&format!("{name}_uart_tx"), div),
        ),
    ] {
        let f = d
            .rtl
            .iter_mut()
            .find(|f| f.0 == file)
            .ok_or("no UART file")?;
        f.1 = hdl::emit::module(&m, &[])?;
    }
    d.divisor = div;
    Ok(())
}

fn run_stimulus_and_compare(board: Board) {
    let cfg = config();
    let opts = sim_options(board);
    let (bd, design) = build(&cfg, board, &opts).unwrap();
    assert_eq!(bd.divisor, 4);
    let model = design.model().unwrap();
    let mut client = connect(&model, &bd, opts.por_bits).unwrap();
    assert!(client.link().led(Status::Heartbeat).is_some());
    let lay = bd.array.single().unwrap().layout.clone();
    assert_eq!(client.read(regs::ID as u32).unwrap() as u64, regs::ID_VALUE);
    assert_eq!(client.read(regs::NEURONS as u32).unwrap(), 8);

    // the initial weights through the link, as for memories that cannot be preloaded
    client
        .write_many(&weight_writes(0, &lay, &cfg.initial_weights()))
        .unwrap();

    let stim = Stimulus::poisson(cfg.array.inputs, 250.0, 24, 1.0, 7);
    // one long tick: more events than the 64-byte buffer holds, so the client must sync
    let mut ticks = stim.ticks.clone();
    ticks.push((0..40).map(|k| k % 12).collect());
    ticks.push(vec![3, 200, 5]); // 200 is outside the network: dropped and counted
    let mut net = Network::new(&cfg);
    let mut spikes = 0;
    for (t, events) in ticks.iter().enumerate() {
        let want: Vec<u32> = net.step(events).to_vec();
        let got = client.tick(events).unwrap();
        assert_eq!(got, want, "{board:?}: spikes of tick {t}");
        spikes += got.len();
    }
    assert!(spikes > 5, "the test network should spike ({spikes})");
    assert_eq!(
        client.read(regs::DROPPED as u32).unwrap() as u64,
        net.dropped()
    );
    assert_eq!(
        client.read(regs::TICK_LO as u32).unwrap() as u64,
        net.tick()
    );

    // every weight over the link, pipelined, equals the golden model's
    let diff = weight_difference(&mut client, 0, &lay, net.weights()).unwrap();
    assert_eq!(diff, None, "{board:?}: weight (j, i, read, golden)");

    // write weights over the link; the network goes on matching the golden model
    let writes = [(0u64, 0u64, 200i64), (5, 3, 0), (12, 1, 77)];
    client
        .write_many(
            &writes
                .iter()
                .map(|&(j, i, v)| (lay.weight_addr(j, i) as u32, v as u32))
                .collect::<Vec<_>>(),
        )
        .unwrap();
    for &(j, i, v) in &writes {
        net.set_weight(j as usize, i as usize, v).unwrap();
        assert_eq!(client.read(lay.weight_addr(j, i) as u32).unwrap() as i64, v);
    }
    for (t, events) in stim.ticks.iter().take(8).enumerate() {
        let want: Vec<u32> = net.step(events).to_vec();
        assert_eq!(
            client.tick(events).unwrap(),
            want,
            "{board:?}: tick {t} after writes"
        );
    }
    assert!(
        client.errors.is_empty(),
        "error frames: {:?}",
        client.errors
    );
    let uart = client.into_inner();
    assert_eq!(uart.framing_errors, 0);
}

#[test]
fn icebreaker_top_runs_a_stimulus_over_the_uart_like_the_golden_model() {
    run_stimulus_and_compare(Board::Icebreaker);
}

#[test]
fn ulx3s_top_runs_a_stimulus_over_the_uart_like_the_golden_model() {
    run_stimulus_and_compare(Board::Ulx3s);
}

#[test]
fn link_errors_are_reported_and_the_button_resets_the_array() {
    let cfg = config();
    let board = Board::Icebreaker;
    let opts = sim_options(board);
    let (bd, design) = build(&cfg, board, &opts).unwrap();
    let model = design.model().unwrap();
    let mut c = connect(&model, &bd, opts.por_bits).unwrap();
    assert_eq!(c.link().led(Status::Error), Some(false));
    let lay = bd.array.single().unwrap().layout.clone();

    // an unknown command byte is skipped with an error frame; the link stays usable
    let r = c
        .raw(&[0x7F, cmd::SYNC, 9], |r| *r == Reply::Sync(9))
        .unwrap();
    assert_eq!(
        r,
        [Reply::Error(error_code::UNKNOWN_COMMAND), Reply::Sync(9)]
    );
    assert_eq!(c.link().led(Status::Error), Some(true));

    // a host read inside a tick is refused (it would wait for the tick's end forever)
    let mut bytes = Vec::new();
    hdl::board::protocol::Command::Event(1).encode(&mut bytes);
    hdl::board::protocol::Command::Read(0).encode(&mut bytes);
    hdl::board::protocol::Command::EndTick.encode(&mut bytes);
    let r = c.raw(&bytes, |r| *r == Reply::EndTick).unwrap();
    assert_eq!(r.first(), Some(&Reply::Error(error_code::ACCESS_IN_TICK)));
    assert_eq!(r.last(), Some(&Reply::EndTick));

    // an address wider than the array's map is refused
    let r = c
        .raw(
            &{
                let mut b = Vec::new();
                hdl::board::protocol::Command::Read(1 << lay.aw).encode(&mut b);
                hdl::board::protocol::Command::Sync(1).encode(&mut b);
                b
            },
            |r| *r == Reply::Sync(1),
        )
        .unwrap();
    assert_eq!(r[0], Reply::Error(error_code::BAD_ADDRESS));

    // the button resets the array: tick counter back to 0, learning enable back on
    c.tick(&[1, 2, 3]).unwrap();
    c.write(regs::CONTROL as u32, 0).unwrap();
    assert_eq!(c.read(regs::TICK_LO as u32).unwrap(), 2);
    c.link().press_reset(40).unwrap();
    c.link().run(40).unwrap();
    c.sync().unwrap();
    assert_eq!(c.read(regs::TICK_LO as u32).unwrap(), 0);
    assert_eq!(c.read(regs::CONTROL as u32).unwrap() & 1, 1);
    assert_eq!(c.link().led(Status::Error), Some(false));
}

/// Write every file of `d` (its Verilog, the PLL's simulation model, the memory images) into a
/// fresh folder `<group>/<name>` of the test's temporary folder: the folder and the Verilog
/// files' names.
fn write_design(group: &str, name: &str, d: &hdl::board::BoardDesign) -> (PathBuf, Vec<String>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (n, t) in d
        .rtl
        .iter()
        .chain(d.sim.iter())
        .chain(d.array.init().iter())
    {
        std::fs::write(dir.join(n), t).unwrap();
        if n.ends_with(".v") {
            files.push(n.clone());
        }
    }
    (dir, files)
}

#[test]
fn board_tops_are_lint_clean_verilog_2005() {
    let chain = Config::from_toml_str(&chain_toml(), Path::new(".")).unwrap();
    // and the tops whose link drives a teacher stream (one layer, a chain)
    let taught = Config::from_toml_str(TEACH_NET, Path::new(".")).unwrap();
    let taught_chain = Config::from_toml_str(TEACH_CHAIN, Path::new(".")).unwrap();
    // and a chain whose link sends LAYER_SPIKE frames (output = "all")
    let all = chain_toml()
        .replace("name = \"uartchain\"", "name = \"uartall\"")
        .replace("[network]\n", "[network]\noutput = \"all\"\n");
    let all = Config::from_toml_str(&all, Path::new(".")).unwrap();
    for (cfg, board) in Board::ALL.into_iter().map(|b| (config(), b)).chain([
        (chain, Board::Icebreaker),
        (taught, Board::Ulx3s),
        (taught_chain, Board::Icebreaker),
        (all, Board::Ulx3s),
    ]) {
        let d = hdl::board::generate(&cfg, board, &BoardOptions::new(board)).unwrap();
        assert_eq!(d.sim.len(), 1, "the PLL's simulation model");
        let name = format!("{}-{}", cfg.name, board.name());
        let (dir, files) = write_design("board-lint", &name, &d);
        let run = |prog: &str, args: &[&str]| {
            let out = std::process::Command::new(prog)
                .args(args)
                .args(&files)
                .current_dir(&dir)
                .output()
                .unwrap_or_else(|e| panic!("{prog}: {e} (run ./scripts/setup.sh)"));
            let text = String::from_utf8_lossy(&out.stderr).to_string()
                + &String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.trim().is_empty(),
                "{prog} on {}: {text}",
                d.top
            );
        };
        run(
            "verilator",
            &["--lint-only", "-Wall", "--top-module", &d.top],
        );
        run(
            "iverilog",
            &["-g2005", "-Wall", "-o", "/dev/null", "-s", &d.top],
        );
    }
}

/// Run the iCEBreaker top under Icarus in real time: a 12 MHz oscillator on the clock pin, the
/// PLL model multiplying it (to 48 MHz), a host UART at 3 Mbaud in the test bench sending
/// `host` bytes; the bytes the board sent back.
fn icarus_real_time(test: &str, bd: &hdl::board::BoardDesign, host: &[u8]) -> Vec<u8> {
    let (dir, mut files) = write_design("board-icarus", test, bd);
    let bit_ps = 1e12 / bd.baud as f64;
    let sends: String = host
        .iter()
        .map(|b| format!("        send(8'h{b:02x});\n"))
        .collect();
    // 12 MHz: 83,333 ps; the test bench comes first so its `timescale covers every file
    let tb = format!(
        r#"`timescale 1ps/1ps
module tb;
    reg clk = 1'b0, rx = 1'b1;
    wire tx;
    wire [4:0] led;
    wire ledg_n, ledr_n;
    {top} dut (.clk(clk), .rx(rx), .tx(tx), .btn_n(1'b1), .ledg_n(ledg_n), .ledr_n(ledr_n), .led(led));
    always #41667 clk = ~clk;
    task send(input [7:0] b);
        integer k;
        begin
            rx = 1'b0;
            #({bit_ps:.0});
            for (k = 0; k < 8; k = k + 1) begin
                rx = b[k];
                #({bit_ps:.0});
            end
            rx = 1'b1;
            #({bit_ps:.0});
        end
    endtask
    reg [7:0] byte_in;
    integer j;
    always @(negedge tx) begin
        #({half:.0});
        if (!tx) begin
            for (j = 0; j < 8; j = j + 1) begin
                #({bit_ps:.0});
                byte_in[j] = tx;
            end
            #({bit_ps:.0});
            if (tx) $display("RX %02x", byte_in);
            else $display("FRAMING");
        end
    end
    initial begin
        #30000000;
{sends}        #60000000;
        $finish;
    end
endmodule
"#,
        top = bd.top,
        half = bit_ps / 2.0,
    );
    std::fs::write(dir.join("tb.v"), tb).unwrap();
    files.insert(0, "tb.v".to_string());
    let out = std::process::Command::new("iverilog")
        .args(["-g2005", "-o", "sim.vvp", "-s", "tb"])
        .args(&files)
        .current_dir(&dir)
        .output()
        .expect("iverilog (run ./scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = std::process::Command::new("vvp")
        .args(["-n", "sim.vvp"])
        .current_dir(&dir)
        .output()
        .expect("vvp");
    let text = String::from_utf8_lossy(&run.stdout);
    text.lines()
        .filter_map(|l| l.strip_prefix("RX "))
        .map(|h| u8::from_str_radix(h.trim(), 16).unwrap())
        .collect()
}

/// Event-driven: the iCEBreaker top's clock pin gets a real 12 MHz oscillator; the PLL model
/// (Icarus body: it measures the reference and runs its output at 12 x 64 / 16 = 48 MHz) clocks
/// the core, whose UART divides 48 MHz into 3 Mbaud (16 clocks per bit). The host's SYNC and
/// register reads, sent in real time at 3 Mbaud, are answered. Control: the same top with the
/// divisor computed from the oscillator (4) answers nothing readable. Runtime ~5 s.
#[test]
fn icarus_the_pll_model_multiplies_the_oscillator_and_the_uart_runs_at_its_clock() {
    let cfg = config();
    let board = Board::Icebreaker;
    let mut opts = sim_options(board);
    opts.clock_hz = Some(48_000_000);
    opts.baud = 3_000_000;
    let bd = hdl::board::generate(&cfg, board, &opts).unwrap();
    assert_eq!(bd.divisor, 16);
    let lay = &bd.array.single().unwrap().layout;
    let mut host = Vec::new();
    for c in [
        Command::Sync(0x5A),
        Command::Read(lay.reg_addr(regs::ID) as u32),
        Command::Read(lay.reg_addr(regs::NEURONS) as u32),
    ] {
        c.encode(&mut host);
    }
    let mut want = Vec::new();
    for r in [
        Reply::Sync(0x5A),
        Reply::ReadData(regs::ID_VALUE as u32),
        Reply::ReadData(8),
    ] {
        r.encode(&mut want);
    }
    assert_eq!(icarus_real_time("pll", &bd, &host), want);

    let mut bad = bd.clone();
    uart_divisor(&mut bad, 4).unwrap();
    let got = icarus_real_time("oscillator-divisor", &bad, &host);
    assert_ne!(got, want, "the oscillator's divisor passed");
}

/// A network of two layers: the layer of `NET` (recurrence, inhibition, learning) and a learning
/// layer that reads layer 0's spikes of the previous tick.
fn chain_toml() -> String {
    NET.replace(
        "name = \"uartnet\"",
        "name = \"uartchain\"\n[network]\nlayer_delay = 1",
    ) + r#"[[layer]]
neurons = 4
lanes = 2
[layer.neuron]
threshold = 70
leak_shift = 3
[layer.synapse]
init = "uniform"
init_lo = 10
init_hi = 60
seed = 5
[layer.stdp]
pre_inc = 48
post_inc = 48
"#
}

/// Power on a chain's board top, check every layer's ID and size registers at its base
/// address, write every layer's initial weights (UP5K SPRAM), run `ticks` ticks: the spike
/// frames are the last layer's and match the golden chain (with `[network] output = "all"`:
/// the `LAYER_SPIKE` frames of each layer, in order, match that golden layer's spikes); then a
/// per-layer weight write and a broadcast learning-off, and every layer's weights read back
/// equal the golden layers'. Returns the spikes the frames carried, per layer.
fn run_chain_ticks(
    cfg: &Config,
    bd: &hdl::board::BoardDesign,
    design: &cosim::verilator::Design,
    por_bits: u32,
    ticks: usize,
) -> Result<Vec<usize>, String> {
    use golden::chain::Chain;
    let model = design.model().map_err(|e| e.to_string())?;
    let mut client = connect(&model, bd, por_bits)?;
    let g = bd.array.chain().ok_or("not a chain")?;
    let cfgs = cfg.layer_configs();
    let maps: Vec<(u64, hdl::array::Layout)> = g
        .layers
        .iter()
        .enumerate()
        .map(|(k, l)| (g.host.base(k as u64), l.layout.clone()))
        .collect();
    let mut words = Vec::new();
    for ((base, lay), lc) in maps.iter().zip(&cfgs) {
        if client.read((base + lay.reg_addr(regs::ID)) as u32)? as u64 != regs::ID_VALUE {
            return Err(format!("no ID at base 0x{base:x}"));
        }
        let n = client.read((base + lay.reg_addr(regs::NEURONS)) as u32)?;
        if n != lc.array.neurons {
            return Err(format!("base 0x{base:x}: {n} neurons"));
        }
        words.extend(weight_writes(*base, lay, &lc.initial_weights()));
    }
    client.write_many(&words)?;
    let stim = Stimulus::poisson(cfg.array.inputs, 300.0, ticks, 1.0, 7);
    let mut net = Chain::new(cfg);
    let nl = maps.len();
    let all = !cfg.network.output.is_last();
    let mut spikes = vec![0; nl];
    let mut run = |client: &mut Client<SimUart>, net: &mut Chain, ticks: &[Vec<u32>]| {
        for (t, events) in ticks.iter().enumerate() {
            let want: Vec<u32> = net.step(events).to_vec();
            if !all {
                let got = client.tick(events)?;
                if got != want {
                    return Err(format!("tick {t}: spikes {got:?}, golden chain {want:?}"));
                }
                spikes[nl - 1] += got.len();
                continue;
            }
            // every layer's spikes, tagged; each layer's in its order
            let got = client.tick_layers(events)?;
            if let Some((l, n)) = got.iter().find(|(l, _)| *l as usize >= nl) {
                return Err(format!("tick {t}: spike {n} tagged with layer {l} of {nl}"));
            }
            for (k, count) in spikes.iter_mut().enumerate() {
                let of_k: Vec<u32> = got
                    .iter()
                    .filter(|(l, _)| *l as usize == k)
                    .map(|&(_, n)| n)
                    .collect();
                let want = net.spikes_of(k);
                if of_k != want {
                    return Err(format!(
                        "tick {t}: layer[{k}] spikes {of_k:?}, golden chain {want:?}"
                    ));
                }
                *count += of_k.len();
            }
        }
        Ok(())
    };
    run(&mut client, &mut net, &stim.ticks)?;
    // one layer's weight written, then learning off in every layer (the broadcast)
    let (b1, l1) = &maps[1];
    client.write((b1 + l1.weight_addr(3, 1)) as u32, 55)?;
    net.layer_mut(1)
        .set_weight(3, 1, 55)
        .map_err(|e| e.to_string())?;
    let bcast = g.host.base(g.host.broadcast);
    client.write((bcast + l1.reg_addr(regs::CONTROL)) as u32, 0)?;
    net.host_all(golden::model::HostCommand::Learning(false));
    run(&mut client, &mut net, &stim.ticks[..8])?;
    for (k, (base, lay)) in maps.iter().enumerate() {
        // (a chained layer has no tick counter: the register reads 0, the chip's is layer 0's)
        let tick = client.read((base + lay.reg_addr(regs::TICK_LO)) as u32)? as u64;
        let want = if lay.chained { 0 } else { net.layer(k).tick() };
        if tick != want {
            return Err(format!("layer[{k}]: tick counter {tick}, expected {want}"));
        }
        if let Some((j, i, got, want)) =
            weight_difference(&mut client, *base, lay, net.layer(k).weights())?
        {
            return Err(format!("layer[{k}] weight[{j},{i}]: {got}, golden {want}"));
        }
    }
    if !client.errors.is_empty() {
        return Err(format!("error frames {:?}", client.errors));
    }
    Ok(spikes)
}

/// The iCEBreaker top around a chain of two layers: the UART link's host addresses carry the
/// layer field (each layer's registers and weights at its base, the broadcast), its spike
/// frames are the last layer's, and 30 ticks match the golden chain. Control: the link built
/// for the largest layer's own address width (no layer field) fails. Runtime ~40 s (two
/// Verilator builds).
#[test]
fn icebreaker_top_of_a_chain_reaches_every_layer_and_matches_the_golden_chain() {
    let cfg = Config::from_toml_str(&chain_toml(), Path::new(".")).unwrap();
    let board = Board::Icebreaker;
    let opts = sim_options(board);
    let (bd, design) = build(&cfg, board, &opts).unwrap();
    let spikes = run_chain_ticks(&cfg, &bd, &design, opts.por_bits, 30).unwrap();
    assert!(spikes[1] > 3, "the last layer should spike ({spikes:?})");

    // the mutant: the link built for the largest layer's own address width (layer_shift), the
    // layer field forced to 0
    let h = bd.array.chain().unwrap().host.clone();
    let (ab, ls) = (h.address_bits, h.layer_shift);
    let mutate = |d: &mut hdl::board::BoardDesign| -> Result<(), String> {
        let f = d
            .rtl
            .iter_mut()
            .find(|f| f.0 == "uartchain_link.v")
            .ok_or("no link file")?;
        let assign = format!("assign wb_adr = host_addr[{}:0];", ab - 1);
        if !f.1.contains(&assign) {
            return Err(format!("the link has no `{assign}`"));
        }
        f.1 =
            f.1.replace(
                &format!("host_addr[31:{ab}]"),
                &format!("host_addr[31:{ls}]"),
            )
            .replace(
                &assign,
                &format!(
                    "assign wb_adr = {{{}'d0, host_addr[{}:0]}};",
                    ab - ls,
                    ls - 1
                ),
            );
        Ok(())
    };
    let (bad, bad_design) = build_edited(&cfg, board, &opts, &mutate).unwrap();
    let r = run_chain_ticks(&cfg, &bad, &bad_design, opts.por_bits, 30);
    assert!(r.is_err(), "a link without the layer field passed: {r:?}");
    eprintln!(
        "control (no layer field) failed as it must: {}",
        r.unwrap_err()
    );
}

/// Issue 14: the iCEBreaker top around the same chain with `[network] output = "all"`: every
/// spike goes out as a `LAYER_SPIKE` frame (docs/board.md) and 30 ticks of both layers' tagged
/// spikes match the golden chain, layer by layer. Control: a link that sends every spike with
/// layer 0 in its frame fails. Runtime ~40 s (two Verilator builds).
#[test]
fn icebreaker_top_of_a_chain_with_output_all_sends_every_layers_tagged_spikes() {
    let toml = chain_toml()
        .replace("name = \"uartchain\"", "name = \"uartall\"")
        .replace("[network]\n", "[network]\noutput = \"all\"\n");
    let cfg = Config::from_toml_str(&toml, Path::new(".")).unwrap();
    let board = Board::Icebreaker;
    let opts = sim_options(board);
    let (bd, design) = build(&cfg, board, &opts).unwrap();
    let link = &bd.rtl.iter().find(|f| f.0 == "uartall_link.v").unwrap().1;
    assert!(link.contains("input  wire out_layer,"), "{link}");
    let spikes = run_chain_ticks(&cfg, &bd, &design, opts.por_bits, 30).unwrap();
    eprintln!("spikes per layer in LAYER_SPIKE frames: {spikes:?}");
    assert!(
        spikes.iter().all(|&s| s > 3),
        "both layers should spike ({spikes:?})"
    );

    // the mutant: the frame's layer byte is always 0
    let mutant = (
        "uartall_link.v",
        "obuf_layer <= obuf_in_layer;",
        "obuf_layer <= 1'd0;",
    );
    let (bad, bad_design) = build_patched(&cfg, board, &opts, mutant).unwrap();
    let r = run_chain_ticks(&cfg, &bad, &bad_design, opts.por_bits, 30);
    assert!(
        r.as_ref().is_err_and(|e| e.contains("layer[")),
        "a link that loses the layer passed: {r:?}"
    );
    eprintln!(
        "control (layer byte 0) failed as it must: {}",
        r.unwrap_err()
    );
}

/// Issue 15: a taught layer (refractory, theta, recurrence, learning), teach mode on after reset.
const TEACH_NET: &str = r#"
name = "uartteach"
[array]
inputs = 12
neurons = 8
lanes = 2
recurrent = true
teach = true
[neuron]
threshold = 90
leak_shift = 3
refractory = 1
theta_plus = 4
[synapse]
init = "uniform"
init_lo = 10
init_hi = 60
seed = 3
[stdp]
pre_inc = 48
post_inc = 48
"#;

/// 12 -> 8 -> 4, the teacher at the last layer (its default), teach mode on there only.
const TEACH_CHAIN: &str = r#"
name = "uartteachc"
[network]
layer_delay = 0
[array]
inputs = 12
neurons = 8
lanes = 2
[neuron]
threshold = 90
leak_shift = 3
[synapse]
init = "uniform"
init_lo = 10
init_hi = 60
seed = 3
[[layer]]
neurons = 4
lanes = 2
teach = true
[layer.neuron]
threshold = 70
[layer.synapse]
init = "uniform"
init_lo = 10
init_hi = 60
seed = 5
[layer.stdp]
pre_inc = 48
post_inc = 48
"#;

/// Poisson inputs and a teacher of `neurons` neurons: repeats and neurons past the layer (in
/// the link's 16 bits: dropped and counted by the board).
fn taught_stimulus(inputs: u32, neurons: u32, ticks: usize) -> Stimulus {
    let mut s = Stimulus::poisson(inputs, 250.0, ticks, 1.0, 7);
    let mut rng = golden::rng::SplitMix64::new(11);
    s.teach = (0..ticks)
        .map(|_| {
            let mut l: Vec<u32> = (0..rng.below(3))
                .map(|_| rng.below(neurons as u64) as u32)
                .collect();
            if !l.is_empty() && rng.chance(0.3) {
                l.push(l[0]);
            }
            if rng.chance(0.25) {
                l.push(neurons + rng.below(300) as u32);
            }
            l
        })
        .collect();
    s
}

/// Power on a teach board top, write every layer's initial weights (UP5K SPRAM), run `ticks`
/// ticks with the teacher over the link (`Client::tick_taught`), the host turning teach mode
/// off (broadcast) before tick 10 and on again before tick 18; every tick's spikes, then every
/// layer's TEACH_DROPPED, TEACH and weights against the golden chain. Returns the spikes.
fn run_taught_ticks(
    cfg: &Config,
    bd: &hdl::board::BoardDesign,
    design: &cosim::verilator::Design,
    por_bits: u32,
    ticks: usize,
) -> Result<usize, String> {
    use golden::chain::Chain;
    let model = design.model().map_err(|e| e.to_string())?;
    let mut client = connect(&model, bd, por_bits)?;
    let cfgs = cfg.layer_configs();
    let (maps, bcast): (Vec<(u64, hdl::array::Layout)>, u64) = match bd.array.chain() {
        Some(g) => (
            g.layers
                .iter()
                .enumerate()
                .map(|(k, l)| (g.host.base(k as u64), l.layout.clone()))
                .collect(),
            g.host.base(g.host.broadcast),
        ),
        None => (vec![(0, bd.array.single().unwrap().layout.clone())], 0),
    };
    let mut words = Vec::new();
    for ((base, lay), lc) in maps.iter().zip(&cfgs) {
        words.extend(weight_writes(*base, lay, &lc.initial_weights()));
    }
    client.write_many(&words)?;
    let teacher = cfg.teacher_layer();
    let stim = taught_stimulus(cfg.array.inputs, cfgs[teacher].array.neurons, ticks);
    let mut net = Chain::new(cfg);
    let mut spikes = 0;
    let teach_reg = (bcast + maps[0].1.reg_addr(regs::TEACH)) as u32;
    for (t, events) in stim.ticks.iter().enumerate() {
        if t == 10 || t == 18 {
            let on = t == 18;
            client.write(teach_reg, on as u32)?;
            for k in 0..maps.len() {
                net.layer_mut(k).set_teach(on);
            }
        }
        let teach = stim.teach_at(t);
        let want: Vec<u32> = net.step_taught(events, teach).to_vec();
        let got = client.tick_taught(events, teach)?;
        if got != want {
            return Err(format!("tick {t}: spikes {got:?}, golden {want:?}"));
        }
        spikes += got.len();
    }
    for (k, (base, lay)) in maps.iter().enumerate() {
        let l = net.layer(k);
        let dropped = client.read((base + lay.reg_addr(regs::TEACH_DROPPED)) as u32)? as u64;
        let mode = client.read((base + lay.reg_addr(regs::TEACH)) as u32)? & 1 == 1;
        if dropped != l.teach_dropped() || mode != l.teach() {
            return Err(format!(
                "layer[{k}]: TEACH_DROPPED {dropped} TEACH {mode}, golden {} {}",
                l.teach_dropped(),
                l.teach()
            ));
        }
        if let Some((j, i, got, want)) = weight_difference(&mut client, *base, lay, l.weights())? {
            return Err(format!("layer[{k}] weight[{j},{i}]: {got}, golden {want}"));
        }
    }
    if net.layer(teacher).teach_dropped() == 0 {
        return Err("the teacher dropped nothing: the stimulus misses its corner".into());
    }
    if !client.errors.is_empty() {
        return Err(format!("error frames {:?}", client.errors));
    }
    Ok(spikes)
}

/// Issue 15: the iCEBreaker top of a taught layer and of a chain taught at its last layer: the
/// host sends each tick's teacher after its END_TICK (TEACH frames, then TEACH_END), toggles
/// teach mode mid-run, and the spikes, TEACH_DROPPED, TEACH and the weights match the golden
/// model. A teacher frame before END_TICK, or an event after it, is refused with error 7 (it
/// would block the link) and the link stays usable. Control: a link whose teacher beats carry
/// the wrong payload byte fails. Runtime ~1.5 min (three Verilator builds of small tops).
#[test]
fn icebreaker_tops_with_a_teacher_match_the_golden_model() {
    let board = Board::Icebreaker;
    let opts = sim_options(board);
    let cfg = Config::from_toml_str(TEACH_NET, Path::new(".")).unwrap();
    let (bd, design) = build(&cfg, board, &opts).unwrap();
    let spikes = run_taught_ticks(&cfg, &bd, &design, opts.por_bits, 26).unwrap();
    assert!(spikes > 10, "{spikes} spikes");

    // frames out of the teacher's order are refused, and the next tick runs
    let model = design.model().unwrap();
    let mut c = connect(&model, &bd, opts.por_bits).unwrap();
    let mut bytes = Vec::new();
    for f in [
        Command::Teach(3),
        Command::Event(1),
        Command::EndTick,
        Command::Event(2),
        Command::Read(0),
        Command::Teach(4),
        Command::Teach(4),
        Command::TeachEnd,
        Command::TeachEnd,
        Command::Sync(5),
    ] {
        f.encode(&mut bytes);
    }
    let mut r = c.raw(&bytes, |r| *r == Reply::Sync(5)).unwrap();
    // an error frame waits behind the output and the replies (the last one may follow the
    // echo): one more SYNC collects it; error frames are counted by kind
    r.extend(c.raw(&[cmd::SYNC, 6], |r| *r == Reply::Sync(6)).unwrap());
    let errors = |code| r.iter().filter(|x| **x == Reply::Error(code)).count();
    assert_eq!(errors(error_code::TEACH_ORDER), 3, "{r:?}");
    assert_eq!(errors(error_code::ACCESS_IN_TICK), 1, "{r:?}");
    let rest: Vec<&Reply> = r.iter().filter(|x| !matches!(x, Reply::Error(_))).collect();
    assert_eq!(
        rest,
        [
            &Reply::Spike(4),
            &Reply::EndTick,
            &Reply::Sync(5),
            &Reply::Sync(6)
        ],
        "{r:?}"
    );
    assert_eq!(c.tick_taught(&[1], &[6]).unwrap(), [6]);
    assert_eq!(c.read(regs::TICK_LO as u32).unwrap(), 2);
    assert!(
        c.tick_taught(&[], &[70_000])
            .unwrap_err()
            .contains("16-bit")
    );

    // the chain, taught at its last layer
    let chain = Config::from_toml_str(TEACH_CHAIN, Path::new(".")).unwrap();
    let (cbd, cdesign) = build(&chain, board, &opts).unwrap();
    let spikes = run_taught_ticks(&chain, &cbd, &cdesign, opts.por_bits, 26).unwrap();
    assert!(spikes > 5, "{spikes} spikes");

    // control: the link's teacher beat carries the payload's low byte twice
    let mutant = (
        "uartteach_link.v",
        "assign teach_addr = {16'd0, pay[63:48]};",
        "assign teach_addr = {16'd0, pay[55:48], pay[55:48]};",
    );
    let (bad, bad_design) = build_patched(&cfg, board, &opts, mutant).unwrap();
    let r = run_taught_ticks(&cfg, &bad, &bad_design, opts.por_bits, 26);
    assert!(r.is_err(), "a link with a wrong teacher address passed");
    eprintln!("control (wrong teacher address) failed: {}", r.unwrap_err());
}

/// Issue 15, event-driven: the iCEBreaker top of the taught layer under Icarus in real time
/// (12 MHz oscillator, PLL model, 3 Mbaud): one tick with its teacher (a repeat and a neuron past
/// the layer) answers the taught spikes, and TEACH_DROPPED reads 1. Control: the same bytes
/// without TEACH_END end no tick. Runtime ~10 s.
#[test]
fn icarus_a_taught_tick_over_the_uart() {
    let cfg = Config::from_toml_str(TEACH_NET, Path::new(".")).unwrap();
    let board = Board::Icebreaker;
    let mut opts = sim_options(board);
    opts.baud = 3_000_000;
    let bd = hdl::board::generate(&cfg, board, &opts).unwrap();
    let mut net = Network::new(&cfg);
    let teach = [5, 2, 5, 300];
    let spikes = net.step_taught(&[1, 3], &teach).to_vec();
    assert_eq!(spikes, [2, 5]);
    let frames = |end: bool| {
        let mut host = Vec::new();
        let mut cmds = vec![Command::Event(1), Command::Event(3), Command::EndTick];
        cmds.extend(teach.iter().map(|&a| Command::Teach(a as u16)));
        if end {
            cmds.push(Command::TeachEnd);
        }
        cmds.push(Command::Read(regs::TEACH_DROPPED as u32));
        for c in cmds {
            c.encode(&mut host);
        }
        host
    };
    let mut want = Vec::new();
    for s in &spikes {
        Reply::Spike(*s as u16).encode(&mut want);
    }
    Reply::EndTick.encode(&mut want);
    Reply::ReadData(net.teach_dropped() as u32).encode(&mut want);
    assert_eq!(icarus_real_time("teach", &bd, &frames(true)), want);
    // without TEACH_END the tick never ends; the read is refused as inside the tick
    let mut refused = Vec::new();
    Reply::Error(error_code::ACCESS_IN_TICK).encode(&mut refused);
    assert_eq!(
        icarus_real_time("teach-no-end", &bd, &frames(false)),
        refused
    );
}
