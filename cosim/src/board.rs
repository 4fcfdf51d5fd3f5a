//! Co-simulation of a board top ([`hdl::board`]) through its pins: a bit-level UART model on the
//! serial lines, so the host-side protocol client ([`hdl::board::protocol::Client`]) drives the
//! simulated board exactly as it drives a real one over a serial port.
//!
//! Key decisions:
//! - The model is the far end of the wire: a transmitter that shifts queued host bytes onto the
//!   board's receive pin (8N1, the board's clocks-per-bit), and a receiver that finds start bits
//!   on the board's transmit pin and samples each bit in its middle, checking the stop bit.
//! - Time passes only inside [`Transport::receive`]: it runs clock cycles until at least one byte
//!   has arrived, or fails after [`SimUart::timeout`] cycles (the simulated "no reply").
//! - The line runs in real time, not in the board's clocks per bit: one simulation step is one
//!   cycle of the board clock (the PLL's output: the PLL model passes the stepped pin through,
//!   see [`hdl::board::pll::SIM_MODELS`]), and the host's bits last `board clock / baud` steps,
//!   a fraction in general, as a real USB-serial chip's do. A board top whose UART divisor was
//!   computed from another clock (the oscillator) then fails here as it would on the board.

use crate::driver::staging;
use crate::verilator::{Build, Clock, Design, In, Model, Out};
use golden::Config;
use hdl::array::{Layout, Region};
use hdl::board::protocol::{Client, Transport};
use hdl::board::{self, Board, BoardDesign, BoardOptions, Role, Status};
use std::collections::VecDeque;

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

/// Options for simulating a board top: the board clock from the PLL (iCEBreaker 48 MHz from 12,
/// ULX3S 125 MHz from 25) at a baud rate of 4 clocks per UART bit, a 64-byte buffer (so long
/// ticks need the client's SYNC flow control), a short power-on reset.
pub fn sim_options(board: Board) -> BoardOptions {
    let mut o = BoardOptions::new(board);
    let clock = match board {
        Board::Icebreaker => 48_000_000,
        Board::Ulx3s => 125_000_000,
    };
    o.clock_hz = Some(clock);
    o.baud = clock / 4;
    o.fifo_depth = 64;
    o.por_bits = 4;
    o
}

/// Power on the board top in `model` (a fresh board) and synchronise a host client over its
/// UART, as the CLI finds a board on its serial port.
pub fn connect<'m>(
    model: &'m Model,
    bd: &BoardDesign,
    por_bits: u32,
) -> Result<Client<SimUart<'m>>, String> {
    let mut uart = SimUart::new(model, bd)?;
    uart.power_on(por_bits)?;
    let mut client = Client::new(uart, bd.fifo_depth as usize);
    client.sync()?;
    Ok(client)
}

/// Every weight of `lay` as (row j, neuron i, host address at `base`), row by row.
fn weight_cells(base: u64, lay: &Layout) -> impl Iterator<Item = (u64, u64, u32)> + '_ {
    (0..lay.r)
        .flat_map(move |j| (0..lay.n).map(move |i| (j, i, (base + lay.weight_addr(j, i)) as u32)))
}

/// The host writes that set the weights of the layer `lay` at host address `base` to `w`
/// (rows x neurons, e.g. a config's initial weights: memories that cannot be preloaded).
pub fn weight_writes<W>(base: u64, lay: &Layout, w: &W) -> Vec<(u32, u32)>
where
    W: std::ops::Index<[usize; 2], Output = i32>,
{
    weight_cells(base, lay)
        .map(|(j, i, a)| (a, w[[j as usize, i as usize]] as u32))
        .collect()
}

/// Read every weight of the layer `lay` at host address `base` over the link (pipelined) and
/// compare it with `want`: the first difference as (j, i, read, wanted), or `None`.
pub fn weight_difference<T: Transport, W>(
    c: &mut Client<T>,
    base: u64,
    lay: &Layout,
    want: &W,
) -> Result<Option<(u64, u64, i64, i64)>, String>
where
    W: std::ops::Index<[usize; 2], Output = i32>,
{
    let cells: Vec<(u64, u64, u32)> = weight_cells(base, lay).collect();
    let addrs: Vec<u32> = cells.iter().map(|c| c.2).collect();
    let words = c.read_many(&addrs)?;
    Ok(cells.iter().zip(words).find_map(|(&(j, i, _), word)| {
        let got = lay.decode(Region::W, word);
        let w = want[[j as usize, i as usize]] as i64;
        (got != w).then_some((j, i, got, w))
    }))
}

/// Generate a board top, write it to a content-keyed folder and build the Verilated model.
pub fn build(
    cfg: &Config,
    board: Board,
    opts: &BoardOptions,
) -> Result<(BoardDesign, Design), String> {
    build_edited(cfg, board, opts, &|_| Ok(()))
}

/// [`build`] of a mutant: the first `from` in the design's Verilog file `file` replaced by `to`.
/// A missing file or text is an error, so a mutant never silently tests nothing (the same
/// substitution as `RunOptions::patches` of an array).
pub fn build_patched(
    cfg: &Config,
    board: Board,
    opts: &BoardOptions,
    (file, from, to): (&str, &str, &str),
) -> Result<(BoardDesign, Design), String> {
    build_edited(cfg, board, opts, &|d: &mut BoardDesign| {
        staging::apply_patches(&mut d.rtl, &[(file.into(), from.into(), to.into())])
            .map_err(|e| e.to_string())
    })
}

/// [`build`] with `edit` applied to the generated design before it is written (tests use it to
/// build mutants, e.g. a UART whose divisor comes from the oscillator).
pub fn build_edited(
    cfg: &Config,
    board: Board,
    opts: &BoardOptions,
    edit: &dyn Fn(&mut BoardDesign) -> Result<(), String>,
) -> Result<(BoardDesign, Design), String> {
    let mut probe = board::generate(cfg, board, opts)?;
    edit(&mut probe)?;
    let files = probe
        .rtl
        .iter()
        .chain(probe.sim.iter())
        .chain(probe.array.init().iter());
    let dir = staging::design_dir(&probe.top, files, &[])?;
    let mut o = opts.clone();
    o.array.init_prefix = format!("{}/", dir.display());
    let mut bd = board::generate(cfg, board, &o)?;
    edit(&mut bd)?;
    let paths = staging::write_files(
        &dir,
        bd.rtl
            .iter()
            .chain(bd.sim.iter())
            .chain(bd.array.init().iter()),
    )?;
    let design = Build::new(bd.top.clone())
        .sources(paths)
        .build()
        .map_err(e)?;
    Ok((bd, design))
}

/// The host end of the serial line, clocking a simulated board.
pub struct SimUart<'m> {
    clk: Clock<'m>,
    rx_pin: In<'m>,
    tx_pin: Out<'m>,
    btn: In<'m>,
    btn_idle: u64,
    board: Board,
    model: &'m Model,
    /// Steps (board clock cycles) per bit on the line: board clock / baud.
    bit: f64,
    /// Steps the PLL takes to lock (0 without a PLL).
    lock_cycles: u64,
    queue: VecDeque<u8>,
    /// Host transmitter: (frame bits LSB first incl. start and stop, step the frame began).
    ser: Option<(u16, u64)>,
    /// Host receiver: (next bit to sample: 0 start, 1..=8 data, 9 stop; byte; step of the
    /// start bit's falling edge).
    des: Option<(u32, u8, u64)>,
    got: Vec<u8>,
    /// Cycles [`Transport::receive`] waits for a byte before it reports a timeout.
    pub timeout: u64,
    /// Bytes the host receiver saw without a stop bit.
    pub framing_errors: usize,
}

impl<'m> SimUart<'m> {
    /// Bind to a model of `bd`'s board top; the line runs at `bd.baud` against `bd`'s board
    /// clock.
    pub fn new(model: &'m Model, bd: &BoardDesign) -> Result<SimUart<'m>, String> {
        SimUart::with_line(model, bd, bd.baud)
    }

    /// Bind with the host's line at `baud` (a host talking at another rate than the board's).
    pub fn with_line(model: &'m Model, bd: &BoardDesign, baud: u64) -> Result<SimUart<'m>, String> {
        let board = bd.board;
        let pin = |r: Role| board.pin(r).map(|p| p.port).ok_or("board without that pin");
        let btn_low = board.pin(Role::ResetButton).is_some_and(|p| p.active_low);
        if baud == 0 {
            return Err("baud rate 0".into());
        }
        Ok(SimUart {
            clk: model.clock("clk").map_err(e)?,
            rx_pin: model.input(pin(Role::UartRx)?).map_err(e)?,
            tx_pin: model.output(pin(Role::UartTx)?).map_err(e)?,
            btn: model.input(pin(Role::ResetButton)?).map_err(e)?,
            btn_idle: btn_low as u64,
            board,
            model,
            bit: bd.clock_hz_exact() / baud as f64,
            lock_cycles: if bd.pll.is_some() {
                hdl::board::pll::SIM_LOCK_CYCLES
            } else {
                0
            },
            queue: VecDeque::new(),
            ser: None,
            des: None,
            got: Vec::new(),
            timeout: 200_000 + 64 * bd.divisor * bd.fifo_depth,
            framing_errors: 0,
        })
    }

    /// Run until the PLL has locked and the power-on reset is over (a host that talks during it
    /// loses bytes, as on a real board).
    pub fn power_on(&mut self, por_bits: u32) -> Result<(), String> {
        self.run(self.lock_cycles + (1u64 << por_bits) + 16)
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.clk.cycles()
    }

    /// Steps from `start` to the `k`-th bit boundary of a frame (real time, rounded).
    fn at(&self, start: u64, k: f64) -> u64 {
        start + (k * self.bit).round() as u64
    }

    /// One clock cycle of board and line model.
    pub fn step(&mut self) -> Result<(), String> {
        let now = self.cycles();
        // host transmitter: bit k of a frame from `start` for `bit` steps
        if let Some((_, start)) = self.ser
            && now >= self.at(start, 10.0)
        {
            self.ser = None;
        }
        if self.ser.is_none()
            && let Some(b) = self.queue.pop_front()
        {
            self.ser = Some((((b as u16) << 1) | 0x200, now));
        }
        let line = match self.ser {
            Some((bits, start)) => {
                let k = ((now - start) as f64 / self.bit) as u32;
                (bits >> k.min(9)) & 1
            }
            None => 1,
        };
        self.rx_pin.set(line as u64).map_err(e)?;
        self.btn.set(self.btn_idle).map_err(e)?;
        self.clk.step().map_err(e)?;
        // host receiver: sample the board's line in the middle of each bit
        let now = self.cycles();
        let tx = self.tx_pin.get() as u8;
        match self.des {
            None => {
                if tx == 0 {
                    self.des = Some((0, 0, now));
                }
            }
            Some((n, byte, start)) => {
                if now >= self.at(start, n as f64 + 0.5) {
                    match n {
                        0 if tx != 0 => self.des = None, // a glitch
                        0 => self.des = Some((1, 0, start)),
                        1..=8 => self.des = Some((n + 1, byte | (tx << (n - 1)), start)),
                        _ => {
                            if tx == 1 {
                                self.got.push(byte);
                            } else {
                                self.framing_errors += 1;
                            }
                            self.des = None;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Run `n` cycles.
    pub fn run(&mut self, n: u64) -> Result<(), String> {
        for _ in 0..n {
            self.step()?;
        }
        Ok(())
    }

    /// Hold the reset button for `cycles`, then release it.
    pub fn press_reset(&mut self, cycles: u64) -> Result<(), String> {
        let idle = self.btn_idle;
        self.btn_idle = 1 - idle;
        let r = self.run(cycles);
        self.btn_idle = idle;
        r
    }

    /// The LED showing `s`, as lit (true) or dark, if the board has one.
    pub fn led(&self, s: Status) -> Option<bool> {
        let p = self.board.pin(Role::Led(s))?;
        let v = self.model.output(p.port).ok()?.get();
        let bit = (v >> p.bit.unwrap_or(0)) & 1 == 1;
        Some(bit != p.active_low)
    }

    /// Host bytes queued but not yet on the wire.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.ser.is_some() as usize
    }
}

impl Transport for SimUart<'_> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.queue.extend(bytes);
        Ok(())
    }

    fn receive(&mut self) -> Result<Vec<u8>, String> {
        let start = self.cycles();
        while self.got.is_empty() {
            if self.cycles() - start > self.timeout {
                return Err(format!(
                    "no byte from the simulated board within {} cycles ({} host bytes still queued)",
                    self.timeout,
                    self.pending()
                ));
            }
            self.step()?;
        }
        Ok(std::mem::take(&mut self.got))
    }
}
