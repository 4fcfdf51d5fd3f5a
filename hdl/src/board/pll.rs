//! The board tops' PLLs: the parameters of an iCE40 `SB_PLL40_PAD` or an ECP5 `EHXPLLL` for a
//! requested clock, computed from the oscillator, and the behavioural simulation models of both
//! primitives ([`SIM_MODELS`]).
//!
//! Key decisions:
//! - Frequencies are exact: an output is `oscillator x multiplier / divider` with integer Hz in
//!   and integer factors, compared by cross-multiplication, so equal candidates tie exactly and
//!   the search is deterministic.
//! - The search walks every legal setting (iCE40 SIMPLE feedback: DIVR 0..=15, DIVF 0..=127,
//!   DIVQ 1..=6 with the phase detector at 10-133 MHz, the VCO at 533-1066 MHz and the output at
//!   16-275 MHz; ECP5 CLKOP feedback: CLKI_DIV, CLKFB_DIV, CLKOP_DIV 1..=128 with the phase
//!   detector at 3.125-400 MHz, the VCO at 400-800 MHz and the output at 3.125-400 MHz) and keeps
//!   the closest output, the first in the order of the dividers on a tie (smallest input divider,
//!   then smallest multiplier). On ECP5 the output divider places the VCO nearest 600 MHz, the
//!   middle of its range. These are the choices `icepll` and `ecppll` make, so our parameters
//!   equal theirs (a test compares them where the tools are installed); unlike `icepll`, the
//!   output we pick is itself inside the datasheet range (icepll checks only the request).
//! - A requested clock is taken when the PLL makes it to within [`TOLERANCE_HZ`]; otherwise the
//!   error names the nearest clocks it can make on either side, so the board never runs at a
//!   clock other than the one the timing constraint and the UART divisor were computed for.
//! - iCE40: `SB_PLL40_PAD`, because the iCEBreaker's oscillator pin (35, IOT_46b_G0) is the
//!   UP5K's PLL input pad: the reference comes straight from the pad, no global buffer is spent
//!   on the 12 MHz clock (nextpnr places the PLL next to that pad). `FILTER_RANGE` follows the
//!   phase-detector frequency (the table of the iCE40 sysCLOCK PLL guide).
//! - ECP5: `CLKOP_CPHASE` is half the output divider (rounded down), the value ecppll intends;
//!   ecppll computes it in floating point and now and then lands one lower for an even divider.
//!   The loop-filter attributes (`ICP_CURRENT` ...) are ecppll's fixed ones: without them nextpnr
//!   writes zeros into the PLL's charge-pump and filter bits (measured by diffing `ecppack`
//!   inputs), with them the bits ecppll's PLLs are known to work with.

use crate::ir::ParamValue;
use std::cmp::Ordering;

/// A requested clock within this many Hz of one the PLL makes is taken as that clock.
pub const TOLERANCE_HZ: f64 = 1_000.0;

/// Cycles of the PLL's output the simulation models run before they raise `LOCK`.
pub const SIM_LOCK_CYCLES: u64 = 24;

/// A PLL family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// iCE40 `SB_PLL40_PAD`, SIMPLE feedback.
    Ice40,
    /// ECP5 `EHXPLLL`, feedback from CLKOP.
    Ecp5,
}

/// One PLL setting: the output is `in_hz * mul / div`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// iCE40: `DIVR`, `DIVF`, `DIVQ`, `FILTER_RANGE` as written into the primitive.
    Ice40 {
        /// Reference divider minus 1.
        divr: u32,
        /// Feedback divider minus 1.
        divf: u32,
        /// Output divider exponent (the VCO is divided by `2^divq`).
        divq: u32,
        /// Loop filter range for the phase-detector frequency.
        filter_range: u32,
    },
    /// ECP5: `CLKI_DIV`, `CLKFB_DIV`, `CLKOP_DIV`, `CLKOP_CPHASE`.
    Ecp5 {
        /// Reference divider.
        clki_div: u32,
        /// Feedback divider (the output's multiplier with CLKOP feedback).
        clkfb_div: u32,
        /// Output divider (the VCO runs at `CLKOP_DIV` times the output).
        clkop_div: u32,
        /// Coarse phase of CLKOP, VCO cycles.
        clkop_cphase: u32,
    },
}

/// A PLL configured for one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pll {
    /// Oscillator (reference) frequency, Hz.
    pub in_hz: u64,
    /// The setting.
    pub setting: Setting,
}

impl Pll {
    /// The family.
    pub fn family(&self) -> Family {
        match self.setting {
            Setting::Ice40 { .. } => Family::Ice40,
            Setting::Ecp5 { .. } => Family::Ecp5,
        }
    }

    /// The output as the exact fraction `(numerator, denominator)` of Hz.
    pub fn out_ratio(&self) -> (u128, u128) {
        let (m, d) = match self.setting {
            Setting::Ice40 {
                divr, divf, divq, ..
            } => (divf as u128 + 1, (divr as u128 + 1) << divq),
            Setting::Ecp5 {
                clki_div,
                clkfb_div,
                ..
            } => (clkfb_div as u128, clki_div as u128),
        };
        (self.in_hz as u128 * m, d)
    }

    /// The output frequency, Hz.
    pub fn out_hz(&self) -> f64 {
        let (n, d) = self.out_ratio();
        n as f64 / d as f64
    }

    /// The VCO frequency, Hz.
    pub fn vco_hz(&self) -> f64 {
        match self.setting {
            Setting::Ice40 { divq, .. } => self.out_hz() * (1u64 << divq) as f64,
            Setting::Ecp5 { clkop_div, .. } => self.out_hz() * clkop_div as f64,
        }
    }

    /// The phase-detector frequency, Hz.
    pub fn pfd_hz(&self) -> f64 {
        match self.setting {
            Setting::Ice40 { divr, .. } => self.in_hz as f64 / (divr + 1) as f64,
            Setting::Ecp5 { clki_div, .. } => self.in_hz as f64 / clki_div as f64,
        }
    }

    /// The primitive's name.
    pub fn primitive(&self) -> &'static str {
        match self.family() {
            Family::Ice40 => "SB_PLL40_PAD",
            Family::Ecp5 => "EHXPLLL",
        }
    }

    /// The primitive's parameters.
    pub fn params(&self) -> Vec<(String, ParamValue)> {
        let s = |n: &str, v: &str| (n.to_string(), ParamValue::Str(v.into()));
        let i = |n: &str, v: u32| (n.to_string(), ParamValue::Int(v as i64));
        let bits = |n: &str, w: u32, v: u32| (n.to_string(), ParamValue::Raw(format!("{w}'d{v}")));
        match self.setting {
            Setting::Ice40 {
                divr,
                divf,
                divq,
                filter_range,
            } => vec![
                s("FEEDBACK_PATH", "SIMPLE"),
                bits("DIVR", 4, divr),
                bits("DIVF", 7, divf),
                bits("DIVQ", 3, divq),
                bits("FILTER_RANGE", 3, filter_range),
                s("PLLOUT_SELECT", "GENCLK"),
            ],
            Setting::Ecp5 {
                clki_div,
                clkfb_div,
                clkop_div,
                clkop_cphase,
            } => vec![
                s("PLLRST_ENA", "DISABLED"),
                s("INTFB_WAKE", "DISABLED"),
                s("STDBY_ENABLE", "DISABLED"),
                s("DPHASE_SOURCE", "DISABLED"),
                s("OUTDIVIDER_MUXA", "DIVA"),
                s("CLKOP_ENABLE", "ENABLED"),
                i("CLKI_DIV", clki_div),
                i("CLKFB_DIV", clkfb_div),
                i("CLKOP_DIV", clkop_div),
                i("CLKOP_CPHASE", clkop_cphase),
                i("CLKOP_FPHASE", 0),
                s("FEEDBK_PATH", "CLKOP"),
            ],
        }
    }

    /// Verilog attributes of the instance (ECP5: the loop-filter settings, see the module doc).
    pub fn attrs(&self) -> Vec<(String, String)> {
        match self.family() {
            Family::Ice40 => Vec::new(),
            Family::Ecp5 => [
                ("FREQUENCY_PIN_CLKI", mhz_text(self.in_hz as f64)),
                ("FREQUENCY_PIN_CLKOP", mhz_text(self.out_hz())),
                ("ICP_CURRENT", "12".into()),
                ("LPF_RESISTOR", "8".into()),
                ("MFG_ENABLE_FILTEROPAMP", "1".into()),
                ("MFG_GMCREF_SEL", "2".into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), format!("\"{v}\"")))
            .collect(),
        }
    }

    /// One line for people: `39.75 MHz = 12 MHz x 53 / 16 by SB_PLL40_PAD (DIVR 0, DIVF 52,
    /// DIVQ 4, FILTER_RANGE 1; VCO 636 MHz)`.
    pub fn describe(&self) -> String {
        let (m, d) = match self.setting {
            Setting::Ice40 {
                divr, divf, divq, ..
            } => (divf + 1, (divr + 1) << divq),
            Setting::Ecp5 {
                clki_div,
                clkfb_div,
                ..
            } => (clkfb_div, clki_div),
        };
        let params = match self.setting {
            Setting::Ice40 {
                divr,
                divf,
                divq,
                filter_range,
            } => format!("DIVR {divr}, DIVF {divf}, DIVQ {divq}, FILTER_RANGE {filter_range}"),
            Setting::Ecp5 {
                clki_div,
                clkfb_div,
                clkop_div,
                clkop_cphase,
            } => format!(
                "CLKI_DIV {clki_div}, CLKFB_DIV {clkfb_div}, CLKOP_DIV {clkop_div}, CLKOP_CPHASE {clkop_cphase}"
            ),
        };
        format!(
            "{} MHz = {} MHz x {m} / {d} by {} ({params}; VCO {} MHz)",
            mhz_text(self.out_hz()),
            mhz_text(self.in_hz as f64),
            self.primitive(),
            mhz_text(self.vco_hz())
        )
    }
}

/// A frequency in MHz with up to 4 decimals, trailing zeros dropped.
pub fn mhz_text(hz: f64) -> String {
    let s = format!("{:.4}", hz / 1e6);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn mhz(x: f64) -> u128 {
    (x * 1e6) as u128
}

/// Every legal setting of the family's PLL for an `in_hz` oscillator, in search order.
pub fn settings(family: Family, in_hz: u64) -> Vec<Pll> {
    let fin = in_hz as u128;
    let mut out = Vec::new();
    // a frequency fin * m / d within [lo, hi] Hz
    let within = |m: u128, d: u128, lo: u128, hi: u128| fin * m >= lo * d && fin * m <= hi * d;
    match family {
        Family::Ice40 => {
            for divr in 0..=15u32 {
                let r = divr as u128 + 1;
                if !within(1, r, mhz(10.0), mhz(133.0)) {
                    continue;
                }
                let pfd_mhz = in_hz as f64 / 1e6 / r as f64;
                let filter_range = match pfd_mhz {
                    f if f < 17.0 => 1,
                    f if f < 26.0 => 2,
                    f if f < 44.0 => 3,
                    f if f < 66.0 => 4,
                    f if f < 101.0 => 5,
                    _ => 6,
                };
                for divf in 0..=127u32 {
                    let f = divf as u128 + 1;
                    if !within(f, r, mhz(533.0), mhz(1066.0)) {
                        continue;
                    }
                    for divq in 1..=6u32 {
                        if !within(f, r << divq, mhz(16.0), mhz(275.0)) {
                            continue;
                        }
                        out.push(Pll {
                            in_hz,
                            setting: Setting::Ice40 {
                                divr,
                                divf,
                                divq,
                                filter_range,
                            },
                        });
                    }
                }
            }
        }
        Family::Ecp5 => {
            for clki_div in 1..=128u32 {
                let i = clki_div as u128;
                if !within(1, i, mhz(3.125), mhz(400.0)) {
                    continue;
                }
                for clkfb_div in 1..=128u32 {
                    let m = clkfb_div as u128;
                    if !within(m, i, mhz(3.125), mhz(400.0)) {
                        continue;
                    }
                    // the output divider that puts the VCO nearest 600 MHz (the smaller on a tie)
                    let best = (1..=128u32)
                        .filter(|&o| within(m * o as u128, i, mhz(400.0), mhz(800.0)))
                        .min_by(|&a, &b| {
                            let dist = |o: u32| (fin * m * o as u128).abs_diff(mhz(600.0) * i);
                            dist(a).cmp(&dist(b)).then(a.cmp(&b))
                        });
                    if let Some(clkop_div) = best {
                        out.push(Pll {
                            in_hz,
                            setting: Setting::Ecp5 {
                                clki_div,
                                clkfb_div,
                                clkop_div,
                                clkop_cphase: clkop_div / 2,
                            },
                        });
                    }
                }
            }
        }
    }
    out
}

/// Compare how far `a` and `b` are from `target_hz` (exact).
fn closer(a: &Pll, b: &Pll, target_hz: u64) -> Ordering {
    // |n/d - t| = |n - t d| / d
    let dist = |p: &Pll| {
        let (n, d) = p.out_ratio();
        (n.abs_diff(target_hz as u128 * d), d)
    };
    let ((ea, da), (eb, db)) = (dist(a), dist(b));
    (ea * db).cmp(&(eb * da))
}

/// The setting whose output is nearest `target_hz` (the first in search order on a tie).
pub fn nearest(family: Family, in_hz: u64, target_hz: u64) -> Option<Pll> {
    let all = settings(family, in_hz);
    let mut best: Option<Pll> = None;
    for p in all {
        if best.is_none_or(|b| closer(&p, &b, target_hz) == Ordering::Less) {
            best = Some(p);
        }
    }
    best
}

/// The PLL for `target_hz`, or an error naming the nearest clocks the PLL can make.
pub fn configure(family: Family, in_hz: u64, target_hz: u64) -> Result<Pll, String> {
    let all = settings(family, in_hz);
    let name = match family {
        Family::Ice40 => "iCE40 PLL (SB_PLL40_PAD)",
        Family::Ecp5 => "ECP5 PLL (EHXPLLL)",
    };
    let best = nearest(family, in_hz, target_hz)
        .ok_or_else(|| format!("the {name} has no setting for a {in_hz} Hz oscillator"))?;
    if (best.out_hz() - target_hz as f64).abs() <= TOLERANCE_HZ {
        return Ok(best);
    }
    let t = target_hz as f64;
    let below = all
        .iter()
        .map(Pll::out_hz)
        .filter(|f| *f < t)
        .fold(None, |a: Option<f64>, f| Some(a.map_or(f, |a| a.max(f))));
    let above = all
        .iter()
        .map(Pll::out_hz)
        .filter(|f| *f > t)
        .fold(None, |a: Option<f64>, f| Some(a.map_or(f, |a| a.min(f))));
    let near: Vec<String> = [below, above]
        .into_iter()
        .flatten()
        .map(|f| format!("{} MHz", mhz_text(f)))
        .collect();
    Err(format!(
        "the {name} cannot make {} MHz from the {} MHz oscillator; nearest it makes: {}",
        mhz_text(t),
        mhz_text(in_hz as f64),
        near.join(" or ")
    ))
}

/// The highest clock the PLL makes at or below `limit_hz` (e.g. a measured Fmax).
pub fn highest_at_most(family: Family, in_hz: u64, limit_hz: f64) -> Option<Pll> {
    let mut best: Option<Pll> = None;
    for p in settings(family, in_hz) {
        if p.out_hz() <= limit_hz && best.is_none_or(|b| p.out_hz() > b.out_hz()) {
            best = Some(p);
        }
    }
    best
}

/// Behavioural simulation models of `SB_PLL40_PAD` and `EHXPLLL`, with the ports the board tops
/// connect. Not for synthesis (Yosys has the primitives; the file is empty under `SYNTHESIS`).
/// Two bodies:
/// - Verilator (cycle-based, no delays): the output is the reference pin itself, i.e. the
///   simulation drives the oscillator pin at the PLL's output frequency (one step = one output
///   cycle; `cosim::board` times the serial line from the PLL clock); `LOCK` rises after
///   [`SIM_LOCK_CYCLES`] cycles.
/// - Event-driven simulators (Icarus): the model measures the reference period, runs its output
///   from the second reference edge on at the frequency the parameters give, and raises `LOCK`
///   after [`SIM_LOCK_CYCLES`] reference cycles (iCE40: `f_in (DIVF + 1) / ((DIVR + 1) 2^DIVQ)`; ECP5:
///   `f_in CLKFB_DIV / CLKI_DIV`). Time units come from the test bench's `` `timescale ``
///   (compile it first; 1 ps precision keeps the period within 0.01 %).
pub const SIM_MODELS: &str = r#"// Behavioural simulation models of the PLL primitives of neurogen's board tops (not for
// synthesis). Verilator: the output clock is the reference pin (drive the pin at the PLL's
// output frequency); event-driven simulators: the output runs at the frequency the parameters
// give from the measured reference period. LOCK rises after LOCK_LAST + 1 cycles.
`ifndef SYNTHESIS
/* verilator lint_off DECLFILENAME */
/* verilator lint_off UNUSEDPARAM */
module SB_PLL40_PAD #(
    parameter FEEDBACK_PATH = "SIMPLE",
    parameter [3:0] DIVR = 4'd0,
    parameter [6:0] DIVF = 7'd0,
    parameter [2:0] DIVQ = 3'd1,
    parameter [2:0] FILTER_RANGE = 3'd1,
    parameter PLLOUT_SELECT = "GENCLK"
) (
    input PACKAGEPIN,
    input RESETB,
    input BYPASS,
    output PLLOUTGLOBAL,
    output LOCK
);
    initial begin
        if (FEEDBACK_PATH != "SIMPLE" || PLLOUT_SELECT != "GENCLK" || DIVQ == 3'd0 || DIVQ == 3'd7)
            $display("SB_PLL40_PAD model: only SIMPLE feedback, GENCLK output, DIVQ 1..6");
    end
`ifdef VERILATOR
    assign PLLOUTGLOBAL = PACKAGEPIN;
    neurogen_pll_lock u_lock (.ref_clk(PACKAGEPIN), .hold(!RESETB || BYPASS), .locked(LOCK));
`else
    real last, period;
    integer edges = 0;
    reg out = 1'b0;
    assign PLLOUTGLOBAL = BYPASS ? PACKAGEPIN : out;
    neurogen_pll_lock u_lock (.ref_clk(PACKAGEPIN), .hold(!RESETB), .locked(LOCK));
    initial begin
        last = 0.0;
        period = 0.0;
    end
    always @(posedge PACKAGEPIN) begin
        if (edges > 0) period = $realtime - last;
        last = $realtime;
        if (edges < 2) edges = edges + 1;
    end
    // the output runs from the second reference edge on (unlocked: the logic is held in reset)
    always begin
        if (edges < 2) @(posedge PACKAGEPIN);
        else #(period * (DIVR + 1) * (1 << DIVQ) / (DIVF + 1) / 2.0) out = !out;
    end
`endif
endmodule

module EHXPLLL #(
    parameter PLLRST_ENA = "DISABLED",
    parameter INTFB_WAKE = "DISABLED",
    parameter STDBY_ENABLE = "DISABLED",
    parameter DPHASE_SOURCE = "DISABLED",
    parameter OUTDIVIDER_MUXA = "DIVA",
    parameter CLKOP_ENABLE = "ENABLED",
    parameter integer CLKI_DIV = 1,
    parameter integer CLKFB_DIV = 1,
    parameter integer CLKOP_DIV = 8,
    parameter integer CLKOP_CPHASE = 0,
    parameter integer CLKOP_FPHASE = 0,
    parameter FEEDBK_PATH = "CLKOP"
) (
    input CLKI,
    input CLKFB,
    input RST,
    input STDBY,
    input PHASESEL0,
    input PHASESEL1,
    input PHASEDIR,
    input PHASESTEP,
    input PHASELOADREG,
    input PLLWAKESYNC,
    input ENCLKOP,
    output CLKOP,
    output LOCK
);
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{CLKFB, STDBY, PHASESEL0, PHASESEL1, PHASEDIR, PHASESTEP, PHASELOADREG,
                    PLLWAKESYNC, ENCLKOP};
    /* verilator lint_on UNUSEDSIGNAL */
    initial begin
        if (FEEDBK_PATH != "CLKOP" || CLKOP_ENABLE != "ENABLED" || OUTDIVIDER_MUXA != "DIVA"
            || PLLRST_ENA != "DISABLED" || INTFB_WAKE != "DISABLED" || STDBY_ENABLE != "DISABLED"
            || DPHASE_SOURCE != "DISABLED" || CLKOP_FPHASE != 0 || CLKOP_CPHASE >= CLKOP_DIV)
            $display("EHXPLLL model: only CLKOP feedback with CLKOP enabled, no dynamic phase");
    end
    neurogen_pll_lock u_lock (.ref_clk(CLKI), .hold(RST), .locked(LOCK));
`ifdef VERILATOR
    assign CLKOP = CLKI;
`else
    real last, period;
    integer edges = 0;
    reg out = 1'b0;
    assign CLKOP = out;
    initial begin
        last = 0.0;
        period = 0.0;
    end
    always @(posedge CLKI) begin
        if (edges > 0) period = $realtime - last;
        last = $realtime;
        if (edges < 2) edges = edges + 1;
    end
    always begin
        if (edges < 2) @(posedge CLKI);
        else #(period * CLKI_DIV / CLKFB_DIV / 2.0) out = !out;
    end
`endif
endmodule

// both models' lock: LOCK rises LOCK_LAST + 1 reference cycles after `hold` falls
module neurogen_pll_lock (
    input ref_clk,
    input hold,
    output locked
);
    localparam [7:0] LOCK_LAST = 8'd@LAST@;
    reg [7:0] count = 8'd0;
    reg done = 1'b0;
    assign locked = done;
    always @(posedge ref_clk) begin
        if (hold) begin
            count <= 8'd0;
            done <= 1'b0;
        end else if (!done) begin
            count <= count + 8'd1;
            done <= count == LOCK_LAST;
        end
    end
endmodule
/* verilator lint_on UNUSEDPARAM */
/* verilator lint_on DECLFILENAME */
`endif
"#;

/// [`SIM_MODELS`] with the lock time filled in: (file name, text).
pub fn sim_models() -> (String, String) {
    (
        "neurogen_pll_models.v".into(),
        SIM_MODELS.replace("@LAST@", &(SIM_LOCK_CYCLES - 1).to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ice40(divr: u32, divf: u32, divq: u32, filter_range: u32) -> Setting {
        Setting::Ice40 {
            divr,
            divf,
            divq,
            filter_range,
        }
    }

    #[test]
    fn the_icebreaker_and_ulx3s_defaults_match_icepll_and_ecppll() {
        // icepll -i 12 -o 40: 39.750 MHz, DIVR 0, DIVF 52, DIVQ 4, FILTER_RANGE 1
        let p = configure(Family::Ice40, 12_000_000, 39_750_000).unwrap();
        assert_eq!(p.setting, ice40(0, 52, 4, 1));
        assert_eq!(p.out_hz(), 39_750_000.0);
        assert_eq!(p.vco_hz(), 636e6);
        // ecppll -i 25 -o 125: CLKI_DIV 1, CLKFB_DIV 5, CLKOP_DIV 5, CLKOP_CPHASE 2
        let p = configure(Family::Ecp5, 25_000_000, 125_000_000).unwrap();
        assert_eq!(
            p.setting,
            Setting::Ecp5 {
                clki_div: 1,
                clkfb_div: 5,
                clkop_div: 5,
                clkop_cphase: 2
            }
        );
        assert!(
            p.describe()
                .starts_with("125 MHz = 25 MHz x 5 / 1 by EHXPLLL (CLKI_DIV 1"),
            "{}",
            p.describe()
        );
    }

    #[test]
    fn clocks_the_pll_cannot_make_are_refused_naming_the_nearest() {
        let e = configure(Family::Ice40, 12_000_000, 40_000_000).unwrap_err();
        assert!(e.contains("cannot make 40 MHz"), "{e}");
        assert!(e.contains("39.75 MHz or 40.5 MHz"), "{e}");
        let e = configure(Family::Ice40, 12_000_000, 300_000_000).unwrap_err();
        // 276 MHz (icepll's answer) is above the datasheet's 275 MHz
        assert!(e.contains("nearest it makes: 270 MHz"), "{e}");
        let e = configure(Family::Ecp5, 25_000_000, 450_000_000).unwrap_err();
        assert!(e.contains("nearest it makes: 400 MHz"), "{e}");
        // within the tolerance: 33.333 MHz is the PLL's 33.3333... MHz
        let p = configure(Family::Ecp5, 25_000_000, 33_333_000).unwrap();
        assert!((p.out_hz() - 100e6 / 3.0).abs() < 1e-3);
    }

    #[test]
    fn every_setting_keeps_its_frequencies_in_the_datasheet_ranges() {
        for (fam, fin) in [(Family::Ice40, 12_000_000), (Family::Ecp5, 25_000_000)] {
            let all = settings(fam, fin);
            assert!(all.len() > 100, "{fam:?}: {}", all.len());
            for p in all {
                let (pfd, vco, out) = (p.pfd_hz() / 1e6, p.vco_hz() / 1e6, p.out_hz() / 1e6);
                let ok = match fam {
                    Family::Ice40 => {
                        (10.0..=133.0).contains(&pfd)
                            && (533.0..=1066.0).contains(&vco)
                            && (16.0..=275.0).contains(&out)
                    }
                    Family::Ecp5 => {
                        (3.125..=400.0).contains(&pfd)
                            && (400.0..=800.0).contains(&vco)
                            && (3.125..=400.0).contains(&out)
                    }
                };
                assert!(ok, "{}", p.describe());
            }
        }
    }

    #[test]
    fn highest_at_most_stays_at_or_below_the_limit() {
        let p = highest_at_most(Family::Ice40, 12_000_000, 40.96e6).unwrap();
        assert_eq!(p.out_hz(), 40.5e6);
        // the next above 125 MHz is 25 MHz x 41 / 8 = 128.125 MHz
        let p = highest_at_most(Family::Ecp5, 25_000_000, 128.1e6).unwrap();
        assert_eq!(p.out_hz(), 125e6, "{}", p.describe());
        let p = highest_at_most(Family::Ecp5, 25_000_000, 128.125e6).unwrap();
        assert_eq!(p.out_hz(), 128.125e6, "{}", p.describe());
        assert!(highest_at_most(Family::Ice40, 12_000_000, 10e6).is_none());
    }

    #[test]
    fn the_simulation_models_fill_in_the_lock_time() {
        let (name, text) = sim_models();
        assert_eq!(name, "neurogen_pll_models.v");
        assert!(!text.contains("@LAST@"));
        assert!(text.contains(&format!("LOCK_LAST = 8'd{};", SIM_LOCK_CYCLES - 1)));
    }
}
