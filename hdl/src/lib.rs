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
