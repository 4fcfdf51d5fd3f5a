//! Golden model of the neurogen STDP array: the config, the bit-exact tick semantics of
//! `docs/model.md` (`lif` and `cuba`), stimuli, results and the cycle model.
//!
//! Key decision: this crate is the oracle. It has no dependency on the hardware generator (`hdl`
//! depends on it, never the reverse); the generator takes its [`config::Config`], its initial
//! weights and its range helpers ([`arith`], [`rules`]) from here, so both sides size and fill the same things.
#![warn(missing_docs)]

pub mod arith;
pub mod bench;
pub mod chain;
pub mod config;
pub mod coverage;
pub mod cycle;
pub mod error;
pub mod feast;
pub mod lava;
pub mod learn;
pub mod model;
pub mod presets;
#[doc(hidden)]
pub mod reference;
pub mod result;
pub mod rng;
pub mod rules;
pub mod run;
pub mod stimulus;

pub use chain::Chain;
pub use config::Config;
pub use error::{Error, Result};
pub use model::{Network, StateKind};
pub use result::SimResult;
pub use stimulus::Stimulus;
