//! Verilator from Rust: build a Verilog design into a shared object, load it, and drive its
//! top-level ports through typed handles.
//!
//! ```no_run
//! use cosim::verilator::Build;
//! # fn main() -> Result<(), cosim::verilator::Error> {
//! let design = Build::new("counter").source("counter.v").build()?;
//! let model = design.model()?;
//! let (rst, en, count) = (model.input("rst")?, model.input("en")?, model.output("count")?);
//! let mut clk = model.clock("clk")?;
//! rst.set(1)?;
//! clk.step()?;
//! rst.set(0)?;
//! en.set(1)?;
//! clk.run(10)?;
//! assert_eq!(count.get(), 10);
//! # Ok(()) }
//! ```
//!
//! How a design is built (see `docs/background.md`, "Verilator from Rust", for the measurements behind it):
//! 1. `verilator --cc -O3 --prefix Vng_<key> --x-assign 0 --x-initial unique [--trace]` into a
//!    private directory of the cache;
//! 2. the top-level ports are read from the generated model header (name, direction, width);
//! 3. one unity C++ file includes every generated class plus an `extern "C"` shim (create and
//!    delete an instance, eval, final, a pointer to port *i*, the port table, VCD tracing);
//! 4. one `g++ -O2 -shared -fPIC -fvisibility=hidden` call compiles it and links the Verilator
//!    runtime (`verilated.cpp`, `verilated_threads.cpp`, `verilated_vcd_c.cpp`, ...), which is
//!    compiled once per toolchain into a cached static archive;
//! 5. the shared object is loaded with `RTLD_NOW | RTLD_LOCAL`: each model carries its own hidden
//!    copy of the runtime, so several designs (or versions of one) coexist in a process.
//!
//! Key decisions:
//! - **Cache.** Built models are keyed by a hash of the source contents, top, flags, tracing, the
//!   Verilator and g++ versions and this binding's C++ templates, stored under
//!   [`default_cache_dir`] (`$NEUROGEN_CACHE/verilator`, else `~/.cache/neurogen/verilator`) and
//!   built under an exclusive file lock, so parallel tests (threads or processes) build a design
//!   once and a second build of it only loads the shared object. Files Verilator read besides
//!   the given sources (`` `include ``s, `-y` libraries) are recorded with their hashes; a change
//!   to one of them rebuilds the entry.
//! - **X handling.** `--x-assign 0`: an explicit `x` in the Verilog becomes 0, deterministic and as
//!   fast as `fast` (which may pick a different value per build). `--x-initial unique`: variables
//!   without a reset get their initial value from the runtime at model creation, zero by default;
//!   [`InitialValues`] asks for all ones or a seeded random pattern instead, so a missing reset
//!   can be exposed without rebuilding. Flags given with [`Build::flag`] come after these and win.
//! - **Lint.** Verilator's default lint warnings stay fatal: generated Verilog should be clean.
//!   Pass `-Wno-fatal` (or `-Wno-<CODE>`) with [`Build::flag`] to relax that.
//! - **Threads.** A [`Model`] is not `Send`: a Verilated model must be created and evaluated on one
//!   thread. A [`Design`] is `Send + Sync`; each thread makes its own models from it.
//! - **Ports.** Handles ([`In`], [`Out`], [`WideOut`], [`Clock`]) borrow the model and hold a
//!   pointer to the port's storage: a write is a width check and a store, a read a load; only
//!   [`Model::eval`] crosses into C++. Values never reach the model with bits above the port's
//!   width (Verilator assumes clean upper bits).
//! - **Simulation errors.** `$stop`, `$error` and `$fatal` do not end the process: [`Model::eval`]
//!   returns an error carrying Verilator's message. `$finish` sets [`Model::finished`].

mod build;
mod cache;
mod cxx;
mod error;
mod header;
mod model;
mod toolchain;

use std::fmt;

pub use build::{Build, BuildInfo, Design};
pub use cache::default_dir as default_cache_dir;
pub use error::{Error, ErrorKind, SETUP_COMMAND};
pub use model::{Clock, In, InitialValues, Model, Out, Port, WideOut};

pub(crate) use build::ensure_runtime;
pub(crate) use cxx::{LINK_LIBS, bench_main_source, common_flags};
pub(crate) use error::summarize_gxx;
pub(crate) use toolchain::{run, toolchain};

/// Direction of a top-level port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Driven by the caller.
    Input,
    /// Driven by the design.
    Output,
    /// Bidirectional (readable and writable from the caller).
    Inout,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Input => "input",
            Direction::Output => "output",
            Direction::Inout => "inout",
        })
    }
}
