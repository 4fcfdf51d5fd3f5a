//! Board tops: the generated array, a UART host link and status LEDs, for a real board, with the
//! board's constraint file. `neurogen board generate` writes them; `neurogen synth` builds them
//! into a bitstream; the tests co-simulate them with a UART model.
//!
//! Key decisions:
//! - The board top has no reset pin of its own: a power-on counter holds `rst` for
//!   `2^(por_bits-1)` cycles after configuration (FPGA flip-flops start at 0) and again after
//!   the reset button is released.
//! - The array runs on the board oscillator directly (no PLL): one clock domain, and the UART
//!   divisor is an exact integer for the default 1 Mbaud on both boards (12 and 25 clocks per
//!   bit).
//! - Everything is built with the IR like the array; [`boards`] holds the pins as data.

pub mod boards;
pub mod link;
pub mod protocol;
pub mod uart;

pub use boards::{Board, Pin, Role, Status};

use crate::array::{self, Generated};
use crate::emit;
use crate::ir::stmt::*;
use crate::ir::*;
use golden::Config;
use std::ops::Not;

/// Options of a board top.
#[derive(Debug, Clone)]
pub struct BoardOptions {
    /// UART baud rate.
    pub baud: u64,
    /// Clock frequency the top is built for, Hz (default: the board's oscillator). Tests lower it
    /// to make a UART bit a few cycles long.
    pub clock_hz: Option<u64>,
    /// Receive buffer, bytes (a power of two, 16..=65536).
    pub fifo_depth: u64,
    /// Power-on reset counter bits: reset lasts `2^(por_bits-1)` cycles.
    pub por_bits: u32,
    /// The array's generator options (target family, init file prefix).
    pub array: array::Options,
}

impl BoardOptions {
    /// Defaults for `board`: 1 Mbaud, 512-byte buffer, ~2.7 ms (iCEBreaker) power-on reset.
    pub fn new(board: Board) -> BoardOptions {
        BoardOptions {
            baud: 1_000_000,
            clock_hz: None,
            fifo_depth: 512,
            por_bits: 16,
            array: array::Options {
                target: board.target(),
                ..Default::default()
            },
        }
    }
}

/// A generated board design.
#[derive(Debug, Clone)]
pub struct BoardDesign {
    /// The board.
    pub board: Board,
    /// Name of the board top module (`{name}_{board}`).
    pub top: String,
    /// The array inside (its layout is the host memory map).
    pub array: Generated,
    /// Every Verilog file (array and board modules): (file name, text), board top first.
    pub rtl: Vec<(String, String)>,
    /// The constraint file: (file name, text).
    pub constraints: (String, String),
    /// Clock cycles per UART bit.
    pub divisor: u64,
    /// Clock frequency the top was built for, Hz.
    pub clock_hz: u64,
    /// UART baud rate.
    pub baud: u64,
    /// Receive buffer bytes.
    pub fifo_depth: u64,
}

/// Clock cycles per UART bit for `clock_hz` and `baud`, if within 2 % and at least 4.
pub fn divisor(clock_hz: u64, baud: u64) -> Result<u64, String> {
    if baud == 0 {
        return Err("baud rate 0".into());
    }
    let d = (clock_hz + baud / 2) / baud;
    let err = (d as f64 * baud as f64 - clock_hz as f64).abs() / clock_hz as f64;
    if d < 4 {
        return Err(format!(
            "baud rate {baud} is too fast for a {clock_hz} Hz clock (at least 4 clocks per bit)"
        ));
    }
    if err > 0.02 {
        return Err(format!(
            "baud rate {baud} is {:.1} % off with {clock_hz} Hz / {d}: choose a rate within 2 %",
            err * 100.0
        ));
    }
    Ok(d)
}

/// Generate the board top for `cfg`.
pub fn generate(cfg: &Config, board: Board, opts: &BoardOptions) -> Result<BoardDesign, String> {
    let clock_hz = opts.clock_hz.unwrap_or(board.clock_hz());
    let div = divisor(clock_hz, opts.baud)?;
    if !opts.fifo_depth.is_power_of_two() || !(16..=65536).contains(&opts.fifo_depth) {
        return Err(format!(
            "receive buffer of {} bytes: must be a power of two in 16..=65536",
            opts.fifo_depth
        ));
    }
    if !(2..=30).contains(&opts.por_bits) {
        return Err(format!(
            "power-on reset counter of {} bits: allowed 2..=30",
            opts.por_bits
        ));
    }
    let g = array::generate(cfg, &opts.array)?;
    let lay = &g.layout;
    if lay.nb > 16 {
        return Err(format!(
            "{} neurons: the link's spike frames carry 16-bit indices",
            lay.n
        ));
    }
    let name = &lay.name;
    let top_name = format!("{name}_{}", board.name());
    // a frame must be able to wait ~10,000 bit times (10 ms at 1 Mbaud) for its next byte
    let timeout_bits = golden::arith::bits_unsigned(div * 10_000) + 1;
    let shape = link::LinkShape {
        nb: lay.nb,
        aw: lay.aw,
        fifo_depth: opts.fifo_depth,
        timeout_bits,
    };
    let array_top = g
        .design
        .modules
        .iter()
        .find(|m| m.name == g.design.top)
        .ok_or("the array has no top module")?
        .clone();
    let mods = vec![
        board_top(&top_name, board, &array_top, clock_hz, opts.por_bits),
        link::link_module(name, &shape),
        link::fifo_ram_module(name, opts.fifo_depth),
        uart::uart_rx_module(&format!("{name}_uart_rx"), div),
        uart::uart_tx_module(&format!("{name}_uart_tx"), div),
    ];
    let mut all = Design {
        modules: mods.clone(),
        top: top_name.clone(),
    };
    all.modules.extend(g.design.modules.iter().cloned());
    all.check()?;
    let header = vec![
        format!(
            "Generated by neurogen {}: board top of network `{}` for {} ({} Hz clock, {} baud, {} clocks per bit).",
            env!("CARGO_PKG_VERSION"),
            cfg.name,
            board.name(),
            clock_hz,
            opts.baud,
            div
        ),
        "Do not edit: regenerate with `neurogen board generate`.".to_string(),
    ];
    let mut rtl = Vec::new();
    for m in &mods {
        rtl.push((format!("{}.v", m.name), emit::module(m, &header)?));
    }
    rtl.extend(g.rtl.iter().cloned());
    Ok(BoardDesign {
        board,
        top: top_name,
        constraints: (
            board.constraints_file(),
            board.constraints(board.clock_hz() as f64 / 1e6),
        ),
        array: g,
        rtl,
        divisor: div,
        clock_hz,
        baud: opts.baud,
        fifo_depth: opts.fifo_depth,
    })
}

fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// The board top: pins from the board table, the array, the link, the UART, reset and LEDs.
fn board_top(
    top_name: &str,
    board: Board,
    array_top: &Module,
    clock_hz: u64,
    por_bits: u32,
) -> Module {
    let name = &array_top.name;
    let mut m = Module::new(top_name);
    m.doc.push(format!(
        "{} board top: array `{name}`, UART host link, status LEDs; reset by power-on and button.",
        board.name()
    ));
    // ---------------------------------------------------------------- pins
    let mut ports = Vec::new();
    for (pname, width) in board.ports() {
        let role = board
            .pins()
            .iter()
            .find(|p| p.port == pname)
            .map(|p| p.role)
            .unwrap();
        let sig = match role {
            Role::Clock | Role::UartRx | Role::ResetButton => m.input(pname, Ty::u(width)),
            _ => m.output(pname, Ty::u(width)),
        };
        ports.push((pname, sig));
    }
    let port = |role: Role| -> Sig {
        let p = board.pin(role).unwrap();
        ports.iter().find(|(n, _)| *n == p.port).unwrap().1.clone()
    };
    let clk = port(Role::Clock);
    let rx_pin = port(Role::UartRx);
    let tx_pin = port(Role::UartTx);
    let btn_pin = port(Role::ResetButton);
    let btn_low = board.pin(Role::ResetButton).unwrap().active_low;

    // ---------------------------------------------------------------- reset
    let b1 = m.reg("btn_s1", Ty::BIT);
    let b2 = m.reg("btn_s2", Ty::BIT);
    m.comment(&b2, "button through two synchronising flip-flops");
    let pressed = if btn_low { b2.e().not() } else { b2.e() };
    let por = m.reg("por", Ty::u(por_bits));
    m.comment(
        &por,
        "power-on reset: counts from 0 (configuration) until its top bit is set",
    );
    let rst = m.reg("rst", Ty::BIT);
    m.clocked(
        "reset: power-on counter, restarted by the button",
        vec![
            set(&b1, btn_pin.e()),
            set(&b2, b1.e()),
            if_else(
                pressed,
                vec![set(&por, k(0, por_bits))],
                vec![when(por.e().msb().not(), vec![set(&por, por.e().inc())])],
            ),
            set(&rst, por.e().msb().not()),
        ],
    );

    // ---------------------------------------------------------------- array and link
    let mut array_conns = vec![("clk".to_string(), clk.e()), ("rst".to_string(), rst.e())];
    let mut link_conns = array_conns.clone();
    let mut wires = Vec::new();
    for p in array_top.ports() {
        if p.name == "clk" || p.name == "rst" {
            continue;
        }
        let w = m.wire(&format!("a_{}", p.name), p.ty);
        array_conns.push((p.name.clone(), w.e()));
        link_conns.push((p.name.clone(), w.e()));
        wires.push((p.name.clone(), w));
    }
    let wire = |n: &str| wires.iter().find(|(x, _)| x == n).unwrap().1.clone();
    let rx_valid = m.wire("rx_valid", Ty::BIT);
    let rx_data = m.wire("rx_data", Ty::u(8));
    let rx_ferr = m.wire("rx_ferr", Ty::BIT);
    let tx_valid = m.wire("tx_valid", Ty::BIT);
    let tx_data = m.wire("tx_data", Ty::u(8));
    let tx_ready = m.wire("tx_ready", Ty::BIT);
    let in_tick = m.wire("in_tick", Ty::BIT);
    let err = m.wire("link_err", Ty::BIT);
    link_conns.extend([
        ("rx_valid".to_string(), rx_valid.e()),
        ("rx_data".to_string(), rx_data.e()),
        ("rx_ferr".to_string(), rx_ferr.e()),
        ("tx_valid".to_string(), tx_valid.e()),
        ("tx_data".to_string(), tx_data.e()),
        ("tx_ready".to_string(), tx_ready.e()),
        ("in_tick".to_string(), in_tick.e()),
        ("err".to_string(), err.e()),
    ]);
    m.instance(Instance {
        module: name.clone(),
        name: "u_array".into(),
        params: Vec::new(),
        conns: array_conns,
    });
    m.instance(Instance {
        module: format!("{name}_link"),
        name: "u_link".into(),
        params: Vec::new(),
        conns: link_conns,
    });
    m.instance(Instance {
        module: format!("{name}_uart_rx"),
        name: "u_uart_rx".into(),
        params: Vec::new(),
        conns: vec![
            ("clk".into(), clk.e()),
            ("rst".into(), rst.e()),
            ("rx".into(), rx_pin.e()),
            ("valid".into(), rx_valid.e()),
            ("data".into(), rx_data.e()),
            ("ferr".into(), rx_ferr.e()),
        ],
    });
    let tx_line = m.wire("tx_line", Ty::BIT);
    m.instance(Instance {
        module: format!("{name}_uart_tx"),
        name: "u_uart_tx".into(),
        params: Vec::new(),
        conns: vec![
            ("clk".into(), clk.e()),
            ("rst".into(), rst.e()),
            ("valid".into(), tx_valid.e()),
            ("data".into(), tx_data.e()),
            ("ready".into(), tx_ready.e()),
            ("tx".into(), tx_line.e()),
        ],
    });
    m.assign(&tx_pin, tx_line.e());

    // ---------------------------------------------------------------- status LEDs
    // heartbeat: the top bit of a free-running counter (~1 Hz); activity LEDs latch an event
    // and show it for one to two periods of bit `sb` (~1/16 s)
    let hb_bits = 63 - clock_hz.leading_zeros();
    let sb = hb_bits.saturating_sub(4).max(1);
    let used: Vec<Status> = board
        .pins()
        .iter()
        .filter_map(|p| match p.role {
            Role::Led(s) => Some(s),
            _ => None,
        })
        .collect();
    let hb = m.reg("heartbeat", Ty::u(hb_bits));
    let mut clocked = vec![set(&hb, hb.e().inc())];
    let strobe = m.net("strobe", hb.e().slice(sb - 1, 0).all());
    let mut status_e = Vec::new();
    for s in Status::ALL {
        if !used.contains(&s) {
            continue;
        }
        let event = match s {
            Status::Spike => Some(
                wire("out_valid")
                    .e()
                    .and(wire("out_ready").e())
                    .and(wire("out_eot").e().not()),
            ),
            Status::Rx => Some(rx_valid.e()),
            Status::Tx => Some(tx_valid.e().and(tx_ready.e())),
            _ => None,
        };
        let e = match (s, event) {
            (_, Some(ev)) => {
                let base = s.name().replace(' ', "_");
                let seen = m.reg(&format!("{base}_seen"), Ty::BIT);
                let shown = m.reg(&format!("{base}_shown"), Ty::BIT);
                clocked.push(if_else(
                    strobe.e(),
                    vec![
                        set(&shown, seen.e().or(ev.clone())),
                        set(&seen, Expr::bit(false)),
                    ],
                    vec![when(ev, vec![set(&seen, Expr::bit(true))])],
                ));
                seen.e().or(shown.e())
            }
            (Status::Heartbeat, None) => hb.e().msb(),
            (Status::Idle, None) => wire("wb_stall").e().not(),
            (Status::InTick, None) => in_tick.e(),
            (Status::Error, None) => err.e(),
            (Status::Reset, None) => rst.e(),
            _ => unreachable!(),
        };
        status_e.push((s, e));
    }
    m.clocked("status LEDs: heartbeat and activity stretchers", clocked);
    for (pname, sig) in &ports {
        let pins: Vec<&Pin> = board.pins().iter().filter(|p| p.port == *pname).collect();
        let bit_of = |p: &Pin| -> Option<Expr> {
            match p.role {
                Role::Led(s) => {
                    let e = status_e.iter().find(|x| x.0 == s).unwrap().1.clone();
                    Some(if p.active_low { e.not() } else { e })
                }
                Role::Tie(v) => Some(Expr::bit(v)),
                _ => None,
            }
        };
        let mut bits: Vec<(u32, Expr)> = Vec::new();
        for p in &pins {
            if let Some(e) = bit_of(p) {
                bits.push((p.bit.unwrap_or(0), e));
            }
        }
        if bits.is_empty() {
            continue;
        }
        bits.sort_by_key(|b| std::cmp::Reverse(b.0));
        m.assign(sig, Expr::concat(bits.into_iter().map(|b| b.1).collect()));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisor_is_exact_for_the_default_baud_on_both_boards_and_checked_otherwise() {
        assert_eq!(divisor(12_000_000, 1_000_000), Ok(12));
        assert_eq!(divisor(25_000_000, 1_000_000), Ok(25));
        assert_eq!(divisor(12_000_000, 115_200), Ok(104));
        assert!(
            divisor(12_000_000, 4_000_000)
                .unwrap_err()
                .contains("at least 4")
        );
        assert!(
            divisor(12_000_000, 2_300_000)
                .unwrap_err()
                .contains("within 2 %")
        );
    }

    #[test]
    fn board_top_has_the_pins_of_the_table_and_checks_its_options() {
        let cfg = Config::from_toml_str(
            "[array]\ninputs = 4\nneurons = 2\n",
            std::path::Path::new("."),
        )
        .unwrap();
        for b in Board::ALL {
            let d = generate(&cfg, b, &BoardOptions::new(b)).unwrap();
            assert_eq!(d.top, format!("net_{}", b.name()));
            let (_, top) = &d.rtl[0];
            for (port, width) in b.ports() {
                let decl = if width == 1 {
                    format!(" {port},")
                } else {
                    format!(" [{}:0] {port}", width - 1)
                };
                assert!(
                    top.contains(&decl) || top.contains(&format!(" {port}\n")),
                    "{port}: {top}"
                );
            }
            assert!(d.rtl.iter().any(|(n, _)| n == "net_link.v"));
        }
        let mut o = BoardOptions::new(Board::Ulx3s);
        o.fifo_depth = 100;
        assert!(
            generate(&cfg, Board::Ulx3s, &o)
                .unwrap_err()
                .contains("power of two")
        );
    }
}
