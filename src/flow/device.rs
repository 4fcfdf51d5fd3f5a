//! The FPGA devices `neurogen synth` targets, as data: family, nextpnr arguments, capacities,
//! the default board and the default clock target.
//!
//! Key decision: capacities are the datasheet figures nextpnr also reports; they serve only the
//! early "cannot fit" check after Yosys (so an oversized design gets a clear message without a
//! long place-and-route). Whether a design fits is decided by nextpnr's own utilisation report.

use hdl::array::Target;
use hdl::board::Board;
use serde::Serialize;

/// FPGA family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Lattice iCE40.
    Ice40,
    /// Lattice ECP5.
    Ecp5,
}

/// A target device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Device {
    /// iCE40 UltraPlus 5K, SG48 (iCEBreaker).
    #[serde(rename = "ice40-up5k")]
    Up5k,
    /// iCE40 HX8K, CT256 (iCE40-HX8K breakout board).
    #[serde(rename = "ice40-hx8k")]
    Hx8k,
    /// ECP5 LFE5U-25F, CABGA381, speed 6 (ULX3S 25F).
    #[serde(rename = "ecp5-25k")]
    Ecp5_25k,
    /// ECP5 LFE5U-45F (ULX3S 45F).
    #[serde(rename = "ecp5-45k")]
    Ecp5_45k,
    /// ECP5 LFE5U-85F (ULX3S 85F).
    #[serde(rename = "ecp5-85k")]
    Ecp5_85k,
}

/// Capacities used by the early fit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capacity {
    /// Logic cells (iCE40 LC: LUT4 + FF + carry) or LUT4s (ECP5).
    pub logic: u64,
    /// Flip-flops.
    pub ffs: u64,
    /// Block RAMs (iCE40 EBR 4 Kbit, ECP5 DP16KD 18 Kbit).
    pub bram: u64,
    /// UltraPlus SPRAM (256 Kbit each).
    pub spram: u64,
    /// Multipliers (SB_MAC16, MULT18X18D).
    pub dsp: u64,
    /// User I/O of the package.
    pub io: u64,
}

impl Device {
    /// Every device, in the order of `--help`.
    pub const ALL: [Device; 5] = [
        Device::Up5k,
        Device::Hx8k,
        Device::Ecp5_25k,
        Device::Ecp5_45k,
        Device::Ecp5_85k,
    ];

    /// Parse a `--target` name (the generator's [`Target::parse`] must accept it too).
    pub fn parse(s: &str) -> Result<Device, String> {
        let d = Device::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown synthesis target \"{s}\": allowed {}",
                    Device::ALL.map(|d| d.name()).join(", ")
                )
            })?;
        Target::parse(s)?;
        Ok(d)
    }

    /// The `--target` name.
    pub fn name(self) -> &'static str {
        match self {
            Device::Up5k => "ice40-up5k",
            Device::Hx8k => "ice40-hx8k",
            Device::Ecp5_25k => "ecp5-25k",
            Device::Ecp5_45k => "ecp5-45k",
            Device::Ecp5_85k => "ecp5-85k",
        }
    }

    /// The family.
    pub fn family(self) -> Family {
        match self {
            Device::Up5k | Device::Hx8k => Family::Ice40,
            _ => Family::Ecp5,
        }
    }

    /// The generator target for this device.
    pub fn target(self) -> Target {
        Target::parse(self.name()).expect("checked in Device::parse")
    }

    /// nextpnr's device and package arguments.
    pub fn nextpnr_args(self) -> &'static [&'static str] {
        match self {
            Device::Up5k => &["--up5k", "--package", "sg48"],
            Device::Hx8k => &["--hx8k", "--package", "ct256"],
            Device::Ecp5_25k => &["--25k", "--package", "CABGA381", "--speed", "6"],
            Device::Ecp5_45k => &["--45k", "--package", "CABGA381", "--speed", "6"],
            Device::Ecp5_85k => &["--85k", "--package", "CABGA381", "--speed", "6"],
        }
    }

    /// nextpnr's placer settings, chosen by measurement (docs/board.md): a heap-placer timing
    /// weight of 30 (nextpnr's default is 10). On ECP5 it gave 115.0-120.6 MHz against
    /// 101.9-109.1 MHz on seeds 1-4 of one netlist of the 16-lane 256x256 array (60: 114.5-116.6
    /// MHz on seeds 1-3); on the UP5K 256x256 4-lane array 40.96 against 39.77 MHz at seed 1 of
    /// one netlist.
    pub fn placer_args(self) -> &'static [&'static str] {
        &["--placer-heap-timingweight", "30"]
    }

    /// Datasheet capacities.
    pub fn capacity(self) -> Capacity {
        let c = |logic, bram, spram, dsp, io| Capacity {
            logic,
            ffs: logic,
            bram,
            spram,
            dsp,
            io,
        };
        match self {
            Device::Up5k => c(5280, 30, 4, 8, 39),
            Device::Hx8k => c(7680, 32, 0, 0, 206),
            Device::Ecp5_25k => c(24288, 56, 0, 28, 197),
            Device::Ecp5_45k => c(43848, 108, 0, 72, 203),
            Device::Ecp5_85k => c(83640, 208, 0, 156, 205),
        }
    }

    /// The board whose pins a synthesized board top gets, if any: UP5K is the iCEBreaker's
    /// FPGA, every ECP5 size exists as a ULX3S; the HX8K gets free pin placement.
    pub fn default_board(self) -> Option<Board> {
        match self {
            Device::Up5k => Some(Board::Icebreaker),
            Device::Hx8k => None,
            _ => Some(Board::Ulx3s),
        }
    }

    /// Default clock target for place and route with pins placed freely (no board, no PLL),
    /// MHz: the project's goals (40 MHz on iCE40, 125 MHz on ECP5). On a board the default is
    /// the board's PLL clock ([`Board::default_clock_hz`]).
    pub fn default_mhz(self) -> f64 {
        match self.family() {
            Family::Ice40 => 40.0,
            Family::Ecp5 => 125.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_device_parses_in_both_the_flow_and_the_generator() {
        for d in Device::ALL {
            assert_eq!(Device::parse(d.name()).unwrap(), d);
        }
        let e = Device::parse("ice40-lp1k").unwrap_err();
        assert!(e.contains("ice40-up5k") && e.contains("ecp5-85k"), "{e}");
        assert!(Device::parse("generic").is_err());
    }
}
