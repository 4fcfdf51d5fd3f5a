//! The open FPGA flow: synthesis reports ([`synth`]), design-space sweeps ([`sweep`]), the
//! device table ([`device`]), the parsers of the tools' reports ([`report`]), the serial port
//! that talks to a board ([`serial`]), and the toolchain runner ([`tool`]).
//!
//! Key decision: [`tool`] is the only module of the CLI that starts processes; everything else
//! here is data in, data out, so the parsers are unit-tested on captured tool output.

pub mod device;
pub mod feast;
pub mod fit;
pub mod report;
pub mod serial;
pub mod sweep;
pub mod synth;
pub mod tool;
