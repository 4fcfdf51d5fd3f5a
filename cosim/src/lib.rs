//! Co-simulation of the generated Verilog: a Verilator binding ([`verilator`]), the
//! simulator benchmark ([`mod@bench`]), and board tops driven through a UART model ([`board`]).
//!
//! Key decision: [`verilator`] is a small, generic simulator boundary. It knows Verilog files,
//! a top module and its ports, and nothing of the generator; everything that drives a neurogen
//! array sits on top of it.
#![warn(missing_docs)]

pub mod bench;
pub mod board;
pub mod driver;
pub mod feast;
mod fnv;
pub mod verilator;
