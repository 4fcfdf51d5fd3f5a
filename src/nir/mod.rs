//! NIR (Neuromorphic Intermediate Representation) import and export: docs/nir.md.
//!
//! [`graph`] reads a `.nir` HDF5 file (pure-Rust `hdf5-pure`, chosen by measurement:
//! docs/background.md) and extracts the chain of layers; [`quant`] quantises it into a network
//! of layers of the golden model; [`float`] is the float reference of the NIR equations that
//! `--check` compares with; [`export`] writes a network back as a `.nir` file.

pub mod export;
pub mod float;
pub mod graph;
pub mod quant;
pub mod samples;

#[cfg(test)]
mod tests;
