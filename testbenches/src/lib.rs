//! Tests of the generated Verilog against the golden model, and the self-checking Verilog
//! testbenches that run it without Rust: [`export`] writes a testbench folder (RTL, vectors from
//! the golden model, `run.sh`), [`sim`] runs one under Icarus or Verilator and measures it.
//!
//! Key decision: the library holds the generators and runners; every test that builds a simulated
//! model lives under `tests/`, so `cargo test -p testbenches` is the whole hardware check.
#![warn(missing_docs)]

pub mod export;
pub mod sim;
