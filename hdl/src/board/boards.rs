//! The boards as data: clock, pins and what each pin does, and the constraint files (`.pcf`,
//! `.lpf`) written from that data through one small template per format ([`fill`]).
//!
//! Key decision: a board is a table ([`Board::pins`]); the board top's ports, the constraint
//! files and the simulation's port lookups all come from it, so a pin renamed in one place is
//! renamed everywhere. Pin sites are the boards' published ones (iCEBreaker v1.0: icestorm's
//! `icebreaker.pcf`; ULX3S v2/v3: the `ulx3s_v20.lpf` of the board's repository).

use serde::Serialize;
use std::fmt::Write;

/// A supported board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Board {
    /// 1BitSquared iCEBreaker v1.0: iCE40 UP5K (SG48), 12 MHz oscillator, FT2232H UART.
    Icebreaker,
    /// Radiona ULX3S v2/v3: ECP5 (12F..85F, CABGA381), 25 MHz oscillator, FT231X UART.
    Ulx3s,
}

/// What the board top drives or reads on a pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The oscillator (the board top's `clk`).
    Clock,
    /// UART data into the FPGA (from the USB-serial chip's TX).
    UartRx,
    /// UART data out of the FPGA (to the USB-serial chip's RX).
    UartTx,
    /// The reset button (`active_low`: pressed reads 0).
    ResetButton,
    /// A status LED showing one status bit.
    Led(Status),
    /// An output tied to a constant level (e.g. keep a neighbouring chip out of reset).
    Tie(bool),
}

/// The status bits the board top shows on LEDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Blinks about once a second while the clock runs.
    Heartbeat,
    /// The array is idle between ticks (host port open).
    Idle,
    /// A neuron spiked (stretched so it is visible).
    Spike,
    /// A byte was received (stretched).
    Rx,
    /// A byte was sent (stretched).
    Tx,
    /// Between a tick's first event and its end.
    InTick,
    /// A link error happened since reset (see the error frames).
    Error,
    /// Reset is active (power-on or button).
    Reset,
}

impl Status {
    /// Every status bit, in the order of the board top's `status` vector.
    pub const ALL: [Status; 8] = [
        Status::Heartbeat,
        Status::Idle,
        Status::Spike,
        Status::Rx,
        Status::Tx,
        Status::InTick,
        Status::Error,
        Status::Reset,
    ];

    /// Short name (for comments and docs).
    pub fn name(self) -> &'static str {
        match self {
            Status::Heartbeat => "heartbeat",
            Status::Idle => "idle",
            Status::Spike => "spike",
            Status::Rx => "rx",
            Status::Tx => "tx",
            Status::InTick => "in tick",
            Status::Error => "error",
            Status::Reset => "reset",
        }
    }

    /// Index in the `status` vector.
    pub fn index(self) -> u32 {
        Status::ALL.iter().position(|s| *s == self).unwrap() as u32
    }
}

/// One FPGA pin of a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// Board top port name.
    pub port: &'static str,
    /// Bit of a vector port, `None` for a scalar port.
    pub bit: Option<u32>,
    /// Package pin (iCE40: number; ECP5: ball).
    pub site: &'static str,
    /// What it does.
    pub role: Role,
    /// The signal is active low on the board.
    pub active_low: bool,
    /// Pull-up (true) or none; ECP5 only (iCE40 pins here need none).
    pub pull_up: bool,
    /// What the board's schematic calls it.
    pub label: &'static str,
}

const fn pin(
    port: &'static str,
    bit: Option<u32>,
    site: &'static str,
    role: Role,
    active_low: bool,
    pull_up: bool,
    label: &'static str,
) -> Pin {
    Pin {
        port,
        bit,
        site,
        role,
        active_low,
        pull_up,
        label,
    }
}

use Role::*;
use Status as S;

const ICEBREAKER: [Pin; 11] = [
    pin("clk", None, "35", Clock, false, false, "12 MHz oscillator"),
    pin("rx", None, "6", UartRx, false, false, "FTDI channel B TX"),
    pin("tx", None, "9", UartTx, false, false, "FTDI channel B RX"),
    pin("btn_n", None, "10", ResetButton, true, false, "user button"),
    pin(
        "ledg_n",
        None,
        "37",
        Led(S::Heartbeat),
        true,
        false,
        "green LED",
    ),
    pin("ledr_n", None, "11", Led(S::Error), true, false, "red LED"),
    pin(
        "led",
        Some(0),
        "27",
        Led(S::Idle),
        false,
        false,
        "LED1 (break-off PMOD)",
    ),
    pin(
        "led",
        Some(1),
        "25",
        Led(S::Spike),
        false,
        false,
        "LED2 (break-off PMOD)",
    ),
    pin(
        "led",
        Some(2),
        "21",
        Led(S::Rx),
        false,
        false,
        "LED3 (break-off PMOD)",
    ),
    pin(
        "led",
        Some(3),
        "23",
        Led(S::Tx),
        false,
        false,
        "LED4 (break-off PMOD)",
    ),
    pin(
        "led",
        Some(4),
        "26",
        Led(S::InTick),
        false,
        false,
        "LED5 (break-off PMOD)",
    ),
];

const ULX3S: [Pin; 13] = [
    pin("clk", None, "G2", Clock, false, false, "25 MHz oscillator"),
    pin("ftdi_txd", None, "M1", UartRx, false, true, "FT231X TXD"),
    pin("ftdi_rxd", None, "L4", UartTx, false, true, "FT231X RXD"),
    pin("btn_n", None, "D6", ResetButton, true, true, "BTN0 (PWR)"),
    pin(
        "wifi_gpio0",
        None,
        "L2",
        Tie(true),
        false,
        false,
        "ESP32 GPIO0: keep the board from rebooting",
    ),
    pin(
        "led",
        Some(0),
        "B2",
        Led(S::Heartbeat),
        false,
        false,
        "LED0",
    ),
    pin("led", Some(1), "C2", Led(S::Idle), false, false, "LED1"),
    pin("led", Some(2), "C1", Led(S::Spike), false, false, "LED2"),
    pin("led", Some(3), "D2", Led(S::Rx), false, false, "LED3"),
    pin("led", Some(4), "D1", Led(S::Tx), false, false, "LED4"),
    pin("led", Some(5), "E2", Led(S::InTick), false, false, "LED5"),
    pin("led", Some(6), "E1", Led(S::Error), false, false, "LED6"),
    pin("led", Some(7), "H3", Led(S::Reset), false, false, "LED7"),
];

impl Board {
    /// Every board.
    pub const ALL: [Board; 2] = [Board::Icebreaker, Board::Ulx3s];

    /// Parse a `--board` name.
    pub fn parse(s: &str) -> Result<Board, String> {
        match s {
            "icebreaker" => Ok(Board::Icebreaker),
            "ulx3s" => Ok(Board::Ulx3s),
            other => Err(format!(
                "unknown board \"{other}\": allowed icebreaker, ulx3s"
            )),
        }
    }

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Board::Icebreaker => "icebreaker",
            Board::Ulx3s => "ulx3s",
        }
    }

    /// The board's pins.
    pub fn pins(self) -> &'static [Pin] {
        match self {
            Board::Icebreaker => &ICEBREAKER,
            Board::Ulx3s => &ULX3S,
        }
    }

    /// Oscillator frequency in Hz.
    pub fn clock_hz(self) -> u64 {
        match self {
            Board::Icebreaker => 12_000_000,
            Board::Ulx3s => 25_000_000,
        }
    }

    /// The default board clock, Hz: the highest clock the board's PLL makes at or below the Fmax
    /// measured for the board's largest array (docs/board.md, "Clocks"), so a default build meets
    /// timing. iCEBreaker: the 256 x 256, 4-lane UP5K array reached 40.02-43.25 MHz on nextpnr
    /// seeds 1-5 (heap timing weight 30): 39.75 MHz, `icepll`'s answer to 40 MHz (the next,
    /// 40.5 MHz, would fail at seed 2). ULX3S: the 256 x 256, 16-lane ECP5-85k array reached
    /// 128.14 MHz at seed 1: 125 MHz, exactly 25 MHz x 5.
    pub fn default_clock_hz(self) -> u64 {
        match self {
            Board::Icebreaker => 39_750_000,
            Board::Ulx3s => 125_000_000,
        }
    }

    /// The family of the board FPGA's PLL.
    pub fn pll_family(self) -> super::pll::Family {
        match self {
            Board::Icebreaker => super::pll::Family::Ice40,
            Board::Ulx3s => super::pll::Family::Ecp5,
        }
    }

    /// The `--target` name of the board's FPGA (the ULX3S comes in several ECP5 sizes; the
    /// generator treats them alike).
    pub fn device(self) -> &'static str {
        match self {
            Board::Icebreaker => "ice40-up5k",
            Board::Ulx3s => "ecp5-85k",
        }
    }

    /// The generator target of the board's FPGA.
    pub fn target(self) -> crate::array::Target {
        crate::array::Target::parse(self.device()).expect("a known device")
    }

    /// Whether the board's FPGA is an ECP5 (else an iCE40).
    pub fn is_ecp5(self) -> bool {
        self == Board::Ulx3s
    }

    /// The pin with a role (the first, for roles several pins share).
    pub fn pin(self, role: Role) -> Option<&'static Pin> {
        self.pins().iter().find(|p| p.role == role)
    }

    /// File name of the board's constraint file.
    pub fn constraints_file(self) -> String {
        match self {
            Board::Icebreaker => format!("{}.pcf", self.name()),
            Board::Ulx3s => format!("{}.lpf", self.name()),
        }
    }

    /// The ports of the board top: (name, width), in pin-table order.
    pub fn ports(self) -> Vec<(&'static str, u32)> {
        let mut out: Vec<(&'static str, u32)> = Vec::new();
        for p in self.pins() {
            let w = p.bit.map_or(1, |b| b + 1);
            match out.iter_mut().find(|(n, _)| *n == p.port) {
                Some(e) => e.1 = e.1.max(w),
                None => out.push((p.port, w)),
            }
        }
        out
    }

    /// The constraint file text, with the clock constrained to `clock_mhz` (the oscillator's
    /// frequency for the board; synthesis may ask for more to see the design's Fmax).
    pub fn constraints(self, clock_mhz: f64) -> String {
        let mut out = String::new();
        for line in [
            "Autogenerated by neurogen from the board table in hdl/src/board/boards.rs: do not edit.".to_string(),
            "Regenerate with `neurogen board constraints -o constraints/`.".to_string(),
            format!(
                "{}: {} MHz oscillator; ports of the board top that `neurogen board generate` writes.",
                self.name(),
                self.clock_hz() as f64 / 1e6
            ),
        ] {
            let _ = writeln!(out, "# {line}");
        }
        out.push('\n');
        let t = match self {
            Board::Icebreaker => &PCF,
            Board::Ulx3s => &LPF,
        };
        write_pins(&mut out, t, self.pins(), clock_mhz);
        out
    }
}

fn pin_name(p: &Pin) -> String {
    match p.bit {
        Some(b) => format!("{}[{b}]", p.port),
        None => p.port.to_string(),
    }
}

fn role_text(p: &Pin) -> String {
    match p.role {
        Clock => "clock".into(),
        UartRx => "UART into the FPGA".into(),
        UartTx => "UART out of the FPGA".into(),
        ResetButton => "reset button".into(),
        Led(s) => format!("status LED: {}", s.name()),
        Tie(v) => format!("tied {}", if v { "high" } else { "low" }),
    }
}

/// The templates of the constraint files: a header line, one entry per pin, one clock
/// constraint; `{name}`-style fields are filled from the pin table by [`fill`].
struct Template {
    /// Per pin.
    pin: &'static str,
    /// After the clock pin's entry.
    clock: &'static str,
}

const PCF: Template = Template {
    pin: "set_io {pin:12} {site:4} # {label}: {role}\n",
    clock: "set_frequency {pin} {mhz}\n",
};

const LPF: Template = Template {
    pin: "# {label}: {role}\nLOCATE COMP \"{pin}\" SITE \"{site}\";\n\
          IOBUF PORT \"{pin}\" PULLMODE={pull} IO_TYPE=LVCMOS33{drive};\n",
    clock: "FREQUENCY PORT \"{pin}\" {mhz} MHZ;\n",
};

/// Replace each `{key}` or `{key:N}` (left-aligned in N columns) of `template` by its value.
fn fill(template: &str, fields: &[(&str, String)]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').map(|j| i + j).expect("closed field");
        let (key, width) = match rest[i + 1..j].split_once(':') {
            Some((k, w)) => (k, w.parse::<usize>().unwrap_or(0)),
            None => (&rest[i + 1..j], 0),
        };
        let v = fields
            .iter()
            .find(|f| f.0 == key)
            .map(|f| f.1.as_str())
            .unwrap_or_else(|| panic!("template field {key}"));
        let _ = write!(out, "{v:<width$}");
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

fn write_pins(out: &mut String, t: &Template, pins: &[Pin], clock_mhz: f64) {
    for p in pins {
        let fields = [
            ("pin", pin_name(p)),
            ("site", p.site.to_string()),
            ("label", p.label.to_string()),
            ("role", role_text(p)),
            ("pull", if p.pull_up { "UP" } else { "NONE" }.to_string()),
            (
                "drive",
                match p.role {
                    Led(_) | UartTx | Tie(_) => " DRIVE=4",
                    _ => "",
                }
                .to_string(),
            ),
            ("mhz", fmt_mhz(clock_mhz)),
        ];
        out.push_str(&fill(t.pin, &fields));
        if p.role == Clock {
            out.push_str(&fill(t.clock, &fields));
        }
    }
}

fn fmt_mhz(f: f64) -> String {
    let s = format!("{f:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_has_clock_uart_reset_and_distinct_sites() {
        for b in Board::ALL {
            for r in [Clock, UartRx, UartTx, ResetButton] {
                assert!(b.pin(r).is_some(), "{b:?} lacks {r:?}");
            }
            let mut sites: Vec<_> = b.pins().iter().map(|p| p.site).collect();
            sites.sort();
            sites.dedup();
            assert_eq!(sites.len(), b.pins().len(), "{b:?}: a site is used twice");
            assert_eq!(b.pin(Clock).unwrap().port, "clk");
        }
    }

    #[test]
    fn committed_constraint_files_are_generated_from_the_table() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../constraints");
        for b in Board::ALL {
            let path = dir.join(b.constraints_file());
            let committed = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                committed,
                b.constraints(b.clock_hz() as f64 / 1e6),
                "{} is stale: run `neurogen board constraints -o constraints/`",
                path.display()
            );
        }
    }

    #[test]
    fn constraint_files_name_every_pin_and_the_clock() {
        let pcf = Board::Icebreaker.constraints(12.0);
        assert!(pcf.starts_with("# Autogenerated"));
        assert!(pcf.contains("set_io clk          35"));
        assert!(pcf.contains("set_frequency clk 12\n"));
        assert!(pcf.contains("set_io led[4]"));
        let lpf = Board::Ulx3s.constraints(25.0);
        assert!(lpf.contains("LOCATE COMP \"ftdi_txd\" SITE \"M1\";"));
        assert!(lpf.contains("FREQUENCY PORT \"clk\" 25 MHZ;"));
        assert!(lpf.contains("IOBUF PORT \"led[7]\" PULLMODE=NONE IO_TYPE=LVCMOS33 DRIVE=4;"));
        assert_eq!(Board::Ulx3s.ports()[5], ("led", 8));
    }
}
