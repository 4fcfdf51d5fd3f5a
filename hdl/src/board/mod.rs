//! Board tops: the generated array, a UART host link and status LEDs, for a real board, with the
//! board's constraint file. `neurogen board generate` writes them; `neurogen synth` builds them
//! into a bitstream; the tests co-simulate them with a UART model.
//!
//! Key decisions:
//! - The array runs on the FPGA's PLL ([`pll`]), not on the oscillator: the board top
//!   (`{name}_{board}`, the pins) holds only the PLL and the core (`{name}_{board}_core`, the
//!   logic, clocked by the PLL's output). The board clock is chosen with
//!   [`BoardOptions::clock_hz`] (default [`Board::default_clock_hz`], the highest clock the PLL
//!   makes at or below the measured Fmax of the board's largest array); a clock the PLL cannot
//!   make is refused with the nearest ones it can. The constraint file gives the oscillator's
//!   frequency on the pin; nextpnr derives the PLL output's constraint from the PLL's
//!   parameters, so the timing target is the real board clock.
//! - The UART divisor is computed from the board clock (the PLL's exact output), and refused when
//!   the baud rate is more than 2 % off.
//! - The core has no reset pin of its own: a power-on counter holds `rst` for
//!   `2^(por_bits-1)` cycles once the PLL has locked (FPGA flip-flops start at 0), and again
//!   after the reset button is released or when the PLL loses lock.
//! - Everything is built with the IR like the array; [`boards`] holds the pins as data. The one
//!   exception is the PLLs' behavioural simulation model ([`pll::SIM_MODELS`], Verilog with
//!   delays), written beside the design for simulators only ([`BoardDesign::sim`]).

pub mod boards;
pub mod link;
pub mod pll;
pub mod protocol;
pub mod uart;

pub use boards::{Board, Pin, Role, Status};
pub use pll::Pll;

use crate::array::chain::ChainGenerated;
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
    /// The board clock (the array's), Hz: the PLL's output, which must be one the PLL makes
    /// (default: [`Board::default_clock_hz`]). With `pll: false`, the oscillator frequency the
    /// top is built for.
    pub clock_hz: Option<u64>,
    /// Clock the array through the FPGA's PLL (default). `false`: straight from the clock pin
    /// (synthesis with pins placed freely, where no board fixes the oscillator).
    pub pll: bool,
    /// Receive buffer, bytes (a power of two, 16..=65536).
    pub fifo_depth: u64,
    /// Power-on reset counter bits: reset lasts `2^(por_bits-1)` cycles.
    pub por_bits: u32,
    /// The array's generator options (target family, init file prefix).
    pub array: array::Options,
}

impl BoardOptions {
    /// Defaults for `board`: the board's default clock through the PLL, 1 Mbaud, 512-byte
    /// buffer, ~1.6 ms (iCEBreaker) power-on reset.
    pub fn new(board: Board) -> BoardOptions {
        BoardOptions {
            baud: 1_000_000,
            clock_hz: None,
            pll: true,
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
    /// The array inside: one layer's, or a network of layers' chain top (its host map).
    pub array: BoardArray,
    /// Every Verilog file (array and board modules): (file name, text), board top first.
    pub rtl: Vec<(String, String)>,
    /// Files for simulation only (the PLL models): (file name, text).
    pub sim: Vec<(String, String)>,
    /// The constraint file: (file name, text).
    pub constraints: (String, String),
    /// Clock cycles per UART bit.
    pub divisor: u64,
    /// The board clock (the array's), Hz, rounded to the Hz (the PLL's output, else the pin's).
    pub clock_hz: u64,
    /// The PLL making the board clock (`None`: the array runs on the clock pin).
    pub pll: Option<Pll>,
    /// UART baud rate.
    pub baud: u64,
    /// Receive buffer bytes.
    pub fifo_depth: u64,
}

impl BoardDesign {
    /// The board clock, Hz, exact (the PLL's output is a fraction of the oscillator's).
    pub fn clock_hz_exact(&self) -> f64 {
        self.pll.map_or(self.clock_hz as f64, |p| p.out_hz())
    }

    /// One line for people: the clock and where it comes from.
    pub fn clock_text(&self) -> String {
        match &self.pll {
            Some(p) => format!(
                "{} MHz board clock: PLL {}",
                pll::mhz_text(p.out_hz()),
                p.describe()
            ),
            None => format!(
                "{} MHz board clock straight from the clock pin (no PLL)",
                pll::mhz_text(self.clock_hz as f64)
            ),
        }
    }
}

/// What a board top holds: one layer's array or a network of layers (the chain top of
/// [`array::chain`]; the link's host addresses carry the layer field, its spike frames the last
/// layer's spikes).
#[derive(Debug, Clone)]
pub enum BoardArray {
    /// One layer.
    Layer(Box<Generated>),
    /// A network of layers.
    Chain(ChainGenerated),
}

impl BoardArray {
    /// The one layer's array (`None` for a network of layers).
    pub fn single(&self) -> Option<&Generated> {
        match self {
            BoardArray::Layer(g) => Some(g),
            BoardArray::Chain(_) => None,
        }
    }

    /// The network of layers (`None` for one layer).
    pub fn chain(&self) -> Option<&ChainGenerated> {
        match self {
            BoardArray::Layer(_) => None,
            BoardArray::Chain(c) => Some(c),
        }
    }

    /// Every layer's array, first to last.
    pub fn layers(&self) -> Vec<&Generated> {
        match self {
            BoardArray::Layer(g) => vec![g],
            BoardArray::Chain(c) => c.layers.iter().collect(),
        }
    }

    /// Memory init files.
    pub fn init(&self) -> &[(String, String)] {
        match self {
            BoardArray::Layer(g) => &g.init,
            BoardArray::Chain(c) => &c.init,
        }
    }

    /// `manifest.json` (the array's or the chain's).
    pub fn manifest(&self) -> &str {
        match self {
            BoardArray::Layer(g) => &g.manifest,
            BoardArray::Chain(c) => &c.manifest,
        }
    }

    /// Synaptic operations per cycle, summed over the layers.
    pub fn sop_per_cycle(&self) -> u64 {
        self.layers()
            .iter()
            .map(|g| g.layout.arch.sop_per_cycle())
            .sum()
    }

    fn design(&self) -> &Design {
        match self {
            BoardArray::Layer(g) => &g.design,
            BoardArray::Chain(c) => &c.design,
        }
    }

    fn rtl(&self) -> &[(String, String)] {
        match self {
            BoardArray::Layer(g) => &g.rtl,
            BoardArray::Chain(c) => &c.rtl,
        }
    }

    /// Width of the Wishbone address (with the layer field for a chain).
    fn address_bits(&self) -> u32 {
        match self {
            BoardArray::Layer(g) => g.layout.aw,
            BoardArray::Chain(c) => c.host.address_bits,
        }
    }
}

/// Most a UART's bit time may be off the baud rate: the receiver samples the tenth bit of a
/// frame 10 x this off its middle, and the far end's clock adds its own error.
pub const MAX_BAUD_ERROR: f64 = 0.02;

/// Clock cycles per UART bit for a `clock_hz` clock and `baud`, if within 2 % and at least 4.
pub fn divisor(clock_hz: f64, baud: u64) -> Result<u64, String> {
    if baud == 0 {
        return Err("baud rate 0".into());
    }
    let d = (clock_hz / baud as f64).round() as u64;
    let clock = pll::mhz_text(clock_hz);
    if d < 4 {
        return Err(format!(
            "baud rate {baud} is too fast for the {clock} MHz board clock (at least 4 clocks per bit)"
        ));
    }
    let err = (d as f64 * baud as f64 - clock_hz).abs() / clock_hz;
    if err > MAX_BAUD_ERROR {
        let exact = |d: u64| format!("{:.0}", clock_hz / d as f64);
        return Err(format!(
            "baud rate {baud} is {:.1} % off with the {clock} MHz board clock / {d} clocks per \
             bit: choose a rate within {:.0} % (e.g. {} or {} for {d} or {} clocks per bit)",
            err * 100.0,
            MAX_BAUD_ERROR * 100.0,
            exact(d),
            exact(d + 1),
            d + 1
        ));
    }
    Ok(d)
}

/// The board clock of `opts` for `board`: (exact Hz, the PLL if any).
pub fn board_clock(board: Board, opts: &BoardOptions) -> Result<(f64, Option<Pll>), String> {
    if !opts.pll {
        let hz = opts.clock_hz.unwrap_or(board.clock_hz());
        if hz == 0 {
            return Err("a board clock of 0 Hz".into());
        }
        return Ok((hz as f64, None));
    }
    let want = opts.clock_hz.unwrap_or(board.default_clock_hz());
    let p = pll::configure(board.pll_family(), board.clock_hz(), want)
        .map_err(|e| format!("board clock for {}: {e}", board.name()))?;
    Ok((p.out_hz(), Some(p)))
}

/// Generate the board top for `cfg`.
pub fn generate(cfg: &Config, board: Board, opts: &BoardOptions) -> Result<BoardDesign, String> {
    let (clock, pll) = board_clock(board, opts)?;
    let clock_hz = clock.round() as u64;
    let div = divisor(clock, opts.baud)?;
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
    let g = if cfg.layer_count() > 1 {
        BoardArray::Chain(array::chain::generate_network(cfg, &opts.array)?)
    } else {
        BoardArray::Layer(Box::new(array::generate(cfg, &opts.array)?))
    };
    // the spike frames carry the last layer's spikes, or (output = "all") every layer's with
    // the layer (LAYER_SPIKE)
    let tagged = !cfg.network.output.is_last();
    let out_nb = g
        .layers()
        .iter()
        .enumerate()
        .filter(|(k, _)| tagged || k + 1 == g.layers().len())
        .map(|(_, l)| &l.layout)
        .max_by_key(|l| l.nb)
        .expect("a network has a layer");
    if out_nb.nb > 16 {
        return Err(format!(
            "{} neurons: the link's spike frames carry 16-bit indices",
            out_nb.n
        ));
    }
    if tagged && g.layers().len() > 256 {
        return Err(format!(
            "{} layers with output = \"all\": the link's LAYER_SPIKE frames carry an 8-bit layer",
            g.layers().len()
        ));
    }
    // the teacher frames carry 16-bit neuron indices too
    if cfg.teach_hardware() {
        let tl = &g.layers()[cfg.teacher_layer()].layout;
        if tl.n > 1 << 16 {
            return Err(format!(
                "teacher layer {} has {} neurons: the link's teacher frames carry 16-bit indices",
                cfg.teacher_layer(),
                tl.n
            ));
        }
    }
    let name = &cfg.name;
    let top_name = format!("{name}_{}", board.name());
    let core_name = format!("{top_name}_core");
    // a frame must be able to wait ~10,000 bit times (10 ms at 1 Mbaud) for its next byte
    let timeout_bits = golden::arith::bits_unsigned(div * 10_000) + 1;
    let design = g.design();
    let array_top = design
        .modules
        .iter()
        .find(|m| m.name == design.top)
        .ok_or("the array has no top module")?
        .clone();
    let port_width = |n: &str| array_top.ports().find(|p| p.name == n).map(|p| p.ty.width);
    let shape = link::LinkShape {
        // the array's output address: the last layer's neuron, or (output = "all") any layer's
        nb: port_width("out_addr").ok_or("the array has no out_addr port")?,
        aw: g.address_bits(),
        fifo_depth: opts.fifo_depth,
        timeout_bits,
        // teach hardware: the array (or the chain top) has the teacher stream
        teach: array_top.ports().any(|p| p.name == "teach_valid"),
        // output = "all": the chain top tags each spike with its layer
        layer_bits: port_width("out_layer"),
    };
    let link = link::link_module(name, &shape);
    let core = board_core(
        &core_name,
        board,
        &array_top,
        &link,
        clock_hz,
        opts.por_bits,
    );
    let mods = vec![
        board_pins(&top_name, board, &core, pll.as_ref()),
        core,
        link,
        link::fifo_ram_module(name, opts.fifo_depth),
        uart::uart_rx_module(&format!("{name}_uart_rx"), div),
        uart::uart_tx_module(&format!("{name}_uart_tx"), div),
    ];
    let mut all = Design {
        modules: mods.clone(),
        top: top_name.clone(),
    };
    all.modules.extend(design.modules.iter().cloned());
    all.check()?;
    let header = vec![
        format!(
            "Generated by neurogen {}: board top of network `{}` for {} ({} MHz board clock{}, {} baud, {} clocks per bit).",
            env!("CARGO_PKG_VERSION"),
            cfg.name,
            board.name(),
            pll::mhz_text(clock),
            match &pll {
                Some(p) => format!(
                    " from the {} MHz oscillator by the {}",
                    pll::mhz_text(board.clock_hz() as f64),
                    p.primitive()
                ),
                None => String::new(),
            },
            opts.baud,
            div
        ),
        "Do not edit: regenerate with `neurogen board generate`.".to_string(),
    ];
    let mut rtl = Vec::new();
    for m in &mods {
        rtl.push((format!("{}.v", m.name), emit::module(m, &header)?));
    }
    rtl.extend(g.rtl().iter().cloned());
    // the pin carries the oscillator (nextpnr derives the PLL's output from it), else the clock
    let pin_mhz = match pll {
        Some(_) => board.clock_hz() as f64 / 1e6,
        None => clock / 1e6,
    };
    Ok(BoardDesign {
        board,
        top: top_name,
        constraints: (board.constraints_file(), board.constraints(pin_mhz)),
        array: g,
        rtl,
        sim: pll.iter().map(|_| pll::sim_models()).collect(),
        divisor: div,
        clock_hz,
        pll,
        baud: opts.baud,
        fifo_depth: opts.fifo_depth,
    })
}

fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// The board top: the pins of the board table, the PLL (if any) and the core.
fn board_pins(top_name: &str, board: Board, core: &Module, pll: Option<&Pll>) -> Module {
    let mut m = Module::new(top_name);
    m.doc.push(format!(
        "{} board top: the pins, the PLL making the board clock from the oscillator, the core.",
        board.name()
    ));
    let mut conns = Vec::new();
    let mut clk_pin = None;
    for p in core.ports() {
        if p.name == "pll_lock" {
            continue;
        }
        let role = board
            .pins()
            .iter()
            .find(|x| x.port == p.name)
            .map(|x| x.role)
            .unwrap();
        let sig = match role {
            Role::Clock | Role::UartRx | Role::ResetButton => m.input(&p.name, p.ty),
            _ => m.output(&p.name, p.ty),
        };
        if role == Role::Clock {
            clk_pin = Some(sig.clone());
        } else {
            conns.push((p.name.clone(), sig.e()));
        }
    }
    let clk_pin = clk_pin.expect("a board has a clock pin");
    let (clk, lock) = match pll {
        None => (clk_pin.e(), Expr::bit(true)),
        Some(p) => {
            let clk = m.wire("pll_clk", Ty::BIT);
            let lock = m.wire("pll_lock", Ty::BIT);
            m.comment(&clk, "the board clock: the PLL's output");
            let mut pc: Vec<(String, Expr)> = match p.family() {
                pll::Family::Ice40 => vec![
                    ("PACKAGEPIN".into(), clk_pin.e()),
                    ("RESETB".into(), Expr::bit(true)),
                    ("BYPASS".into(), Expr::bit(false)),
                    ("PLLOUTGLOBAL".into(), clk.e()),
                ],
                pll::Family::Ecp5 => {
                    let mut v = vec![("CLKI".to_string(), clk_pin.e()), ("CLKFB".into(), clk.e())];
                    for n in [
                        "RST",
                        "STDBY",
                        "PHASESEL0",
                        "PHASESEL1",
                        "PHASEDIR",
                        "PHASESTEP",
                        "PHASELOADREG",
                        "PLLWAKESYNC",
                        "ENCLKOP",
                    ] {
                        v.push((n.into(), Expr::bit(false)));
                    }
                    v.push(("CLKOP".into(), clk.e()));
                    v
                }
            };
            pc.push(("LOCK".into(), lock.e()));
            m.instance(Instance {
                module: p.primitive().into(),
                name: "u_pll".into(),
                params: p.params(),
                conns: pc,
            });
            let attrs = p.attrs();
            if !attrs.is_empty() {
                m.instance_attrs.push(("u_pll".into(), attrs));
            }
            m.doc.push(format!("PLL: {}.", p.describe()));
            (clk.e(), lock.e())
        }
    };
    conns.insert(0, ("clk".to_string(), clk));
    conns.insert(1, ("pll_lock".to_string(), lock));
    m.instance(Instance {
        module: core.name.clone(),
        name: "u_core".into(),
        params: Vec::new(),
        conns,
    });
    m
}

/// The board core: the board top's logic on the board clock (`clk`, the PLL's output) with the
/// PLL's `pll_lock`: the array, the link, the UART, reset and LEDs.
fn board_core(
    core_name: &str,
    board: Board,
    array_top: &Module,
    link: &Module,
    clock_hz: u64,
    por_bits: u32,
) -> Module {
    let name = &array_top.name;
    let mut m = Module::new(core_name);
    m.doc.push(format!(
        "{} board core: array `{name}`, UART host link, status LEDs; reset by power-on, PLL lock and button.",
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
    let lock = m.input("pll_lock", Ty::BIT);
    m.comment(&lock, "the PLL is locked (asynchronous)");
    let port = |role: Role| -> Sig {
        let p = board.pin(role).unwrap();
        ports.iter().find(|(n, _)| *n == p.port).unwrap().1.clone()
    };
    let clk = port(Role::Clock);
    m.comment(&clk, "the board clock");
    let rx_pin = port(Role::UartRx);
    let tx_pin = port(Role::UartTx);
    let btn_pin = port(Role::ResetButton);
    let btn_low = board.pin(Role::ResetButton).unwrap().active_low;

    // ---------------------------------------------------------------- reset
    let b1 = m.reg("btn_s1", Ty::BIT);
    let b2 = m.reg("btn_s2", Ty::BIT);
    m.comment(&b2, "button through two synchronising flip-flops");
    let pressed = if btn_low { b2.e().not() } else { b2.e() };
    let l1 = m.reg("lock_s1", Ty::BIT);
    let l2 = m.reg("lock_s2", Ty::BIT);
    m.comment(&l2, "PLL lock through two synchronising flip-flops");
    let por = m.reg("por", Ty::u(por_bits));
    m.comment(
        &por,
        "power-on reset: counts from 0 (configuration) until its top bit is set",
    );
    let rst = m.reg("rst", Ty::BIT);
    m.clocked(
        "reset: power-on counter, restarted by the button and while the PLL is not locked",
        vec![
            set(&b1, btn_pin.e()),
            set(&b2, b1.e()),
            set(&l1, lock.e()),
            set(&l2, l1.e()),
            if_else(
                pressed.or(l2.e().not()),
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
        if link.ports().any(|l| l.name == p.name) {
            link_conns.push((p.name.clone(), w.e()));
        } else {
            // a chain's monitor of a hidden layer's spikes: not brought out
            m.partly_unused(&w, "a hidden layer's spike monitor, not brought out");
        }
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
    // the strobe is high while the low `sb` bits of the counter are all ones: a register set
    // one count before (an AND of ~20 bits would otherwise feed the LED flip-flops across the
    // die: it was the critical path of a 3-layer ECP5 design)
    let strobe = m.reg("strobe", Ty::BIT);
    let before_ones = Expr::uconst((1u128 << sb) - 2, sb);
    let mut clocked = vec![
        set(&hb, hb.e().inc()),
        set(&strobe, hb.e().slice(sb - 1, 0).eq(before_ones)),
    ];
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
        // every LED from a flip-flop of its own, one cycle late: no flip-flop of the design
        // (the reset, the array's state) is pulled toward an LED pin (the reset's was, on the
        // far side of an ECP5-85k from the lanes' block RAM write enables it gates)
        let q = m.reg(&format!("{}_led", s.name().replace(' ', "_")), Ty::BIT);
        clocked.push(set(&q, e));
        status_e.push((s, q.e()));
    }
    // kept: the reset LED's flip-flop computes what a chain's registered reset copies do, and
    // merged into one of them it would pull that copy to its pin again
    m.clocked_keep("status LEDs: heartbeat and activity stretchers", clocked);
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
    fn divisor_follows_the_board_clock_and_refuses_rates_more_than_2_percent_off() {
        assert_eq!(divisor(12e6, 1_000_000), Ok(12));
        assert_eq!(divisor(25e6, 1_000_000), Ok(25));
        assert_eq!(divisor(12e6, 115_200), Ok(104));
        // the iCEBreaker's default PLL clock: 39.75 clocks per bit at 1 Mbaud, 0.6 % off
        assert_eq!(divisor(39.75e6, 1_000_000), Ok(40));
        assert_eq!(divisor(125e6, 1_000_000), Ok(125));
        assert!(divisor(12e6, 4_000_000).unwrap_err().contains("at least 4"));
        let e = divisor(12e6, 2_300_000).unwrap_err();
        assert!(e.contains("4.2 % off") && e.contains("within 2 %"), "{e}");
        assert!(e.contains("2400000 or 2000000 for 5 or 6"), "{e}");
        // 39.75 MHz / 2.3 Mbaud = 17.28: 1.6 % off, taken
        assert_eq!(divisor(39.75e6, 2_300_000), Ok(17));
    }

    #[test]
    fn the_board_clock_comes_from_the_pll_and_must_be_one_it_makes() {
        let cfg = Config::from_toml_str(
            "[array]\ninputs = 4\nneurons = 2\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let d = generate(
            &cfg,
            Board::Icebreaker,
            &BoardOptions::new(Board::Icebreaker),
        )
        .unwrap();
        assert_eq!(d.clock_hz, 39_750_000);
        assert_eq!(d.divisor, 40);
        let top = &d.rtl[0].1;
        assert!(top.contains("SB_PLL40_PAD #("), "{top}");
        assert!(
            top.contains(".DIVF(7'd52)") && top.contains(".DIVQ(3'd4)"),
            "{top}"
        );
        // the pin is constrained to the oscillator; nextpnr derives the PLL's output
        assert!(d.constraints.1.contains("set_frequency clk 12\n"));
        assert_eq!(d.sim.len(), 1);
        let mut o = BoardOptions::new(Board::Ulx3s);
        o.clock_hz = Some(100_000_000);
        let d = generate(&cfg, Board::Ulx3s, &o).unwrap();
        assert_eq!((d.clock_hz, d.divisor), (100_000_000, 100));
        let top = &d.rtl[0].1;
        assert!(top.contains("(* ICP_CURRENT = \"12\" *)"), "{top}");
        assert!(
            top.contains("EHXPLLL #(") && top.contains(".CLKOP_DIV(6)"),
            "{top}"
        );
        o.clock_hz = Some(101_000_000);
        let e = generate(&cfg, Board::Ulx3s, &o).unwrap_err();
        assert!(e.contains("cannot make 101 MHz"), "{e}");
        // the divisor follows the PLL's clock: 3 Mbaud is 4 clocks of the 12 MHz oscillator
        // but 16 of the 48 MHz PLL clock
        let mut o = BoardOptions::new(Board::Icebreaker);
        o.clock_hz = Some(48_000_000);
        o.baud = 3_000_000;
        assert_eq!(generate(&cfg, Board::Icebreaker, &o).unwrap().divisor, 16);
        o.pll = false;
        o.clock_hz = None;
        let d = generate(&cfg, Board::Icebreaker, &o).unwrap();
        assert_eq!((d.divisor, d.pll), (4, None));
        assert!(!d.rtl[0].1.contains("SB_PLL40"));
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
