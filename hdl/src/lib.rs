//! Verilog generation for the neurogen array: a small typed IR ([`ir`]), its one printer
//! ([`emit`]), and the generator that lowers a validated [`golden::Config`] to that IR.
//!
//! Key decision: the generator never formats Verilog text; it builds IR whose widths are checked
//! at construction, and [`emit`] alone prints it, deterministically.
#![warn(missing_docs)]

pub mod array;
pub mod board;
pub mod emit;
pub mod feast;
pub mod ir;

/// The instance `dut` of a generated top (an array, a chain top or a FEAST layer) with every port
/// connected to the signal of the same name, as a Verilog include (`hdl/formal/nf_dut.vh`; the
/// module name is the macro `NF_TOP`, the teacher stream and the output's layer tag are
/// connected when `NF_TEACH` and `NF_TAGGED` are defined). The formal harness includes it from
/// its folder, the exported testbenches (`testbenches`) from a copy beside them.
pub const DUT_VH: &str = include_str!("../formal/nf_dut.vh");
