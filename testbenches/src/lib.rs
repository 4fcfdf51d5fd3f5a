//! Tests of the generated Verilog against the golden model: seeded random networks, stimuli and
//! host traffic for the Verilator co-simulation ([`random`]), the self-checking Verilog
//! testbenches that run without Rust ([`export`] writes a testbench folder: RTL, vectors from the
//! golden model, `run.sh`; [`export_feast`] the same for a FEAST layer; [`folder`] the files
//! both hold; [`sim`] runs one under Icarus or Verilator and measures it), and the
//! suites under `tests/` that use them (random co-simulation, exported testbenches, mutation tests
//! that show both checks can fail).
//!
//! Key decision: the library holds the generators and runners; every test that builds a simulated
//! model lives under `tests/`, so `cargo test -p testbenches` is the whole hardware check.
#![warn(missing_docs)]

pub mod adversary;
pub mod configspace;
pub mod export;
pub mod export_feast;
pub mod folder;
pub mod random;
pub mod random_teach;
pub mod sim;
