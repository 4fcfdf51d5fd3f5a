//! Command-line syntax (clap), all of it: [`Cli`] and [`Command`] here, each command group's
//! arguments in its own file. Nothing here knows the model: values are checked for range in
//! [`crate::cmd`], where they become the library crates' request types. The one exception is a
//! value with a closed set of names, `--target`: clap parses it once into [`TargetArg`] (or, for
//! synthesis, [`DeviceArg`]) and `--help` lists the names.

mod bench;
mod board;
mod demo;
mod feast;
mod hw;
mod learn;
mod nir;
mod sim;
mod synth;

pub use bench::{BenchArgs, BenchWhat, Peer};
pub use board::{BoardArgs, BoardCmd, PortArgs};
pub use demo::DemoArgs;
pub use feast::{FeastCommon, FeastDigitsArgs, FeastEdgesArgs};
pub use hw::{CosimArgs, GenerateArgs, TestbenchArgs};
pub use learn::{
    Common, DigitsArgs, HiddenKind, LearnArgs, LearnWhat, PatternsArgs, Presentation, Rules,
    SweepReadout, TemporalArgs,
};
pub use nir::{ExportArgs, ExportWhat, ImportArgs, ImportNirArgs, ImportWhat, LifModelArg};
pub use sim::{SimulateArgs, StimulusArgs, StimulusKind};
pub use synth::{FlowArgs, SweepArgs, SynthArgs};

use crate::flow::device::Device;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use hdl::array::Target;
use std::path::PathBuf;

/// Generator of pipelined STDP spiking-neuron arrays in Verilog, with a bit-exact golden model.
#[derive(Debug, Parser)]
#[command(name = "neurogen", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run: the size does not matter
pub enum Command {
    /// Run the golden model on a stimulus and write the result JSON.
    Simulate(SimulateArgs),
    /// Write a generated stimulus file (seeded Poisson or repeated spatial patterns).
    Stimulus(StimulusArgs),
    /// Benchmarks that print figures.
    Bench(BenchArgs),
    /// The whole flow on the built-in pattern network: Verilog, training in the golden model,
    /// Verilator co-simulation (MATCH), iCE40 UP5K synthesis, plots.
    Demo(DemoArgs),
    /// Generate the Verilog of a network: DIR/rtl/*.v, memory init files, DIR/manifest.json.
    Generate(GenerateArgs),
    /// Co-simulate the generated Verilog (Verilator) against the golden model, tick by tick.
    Cosim(CosimArgs),
    /// Export a self-checking Verilog testbench (RTL, vectors from the golden model, run.sh for
    /// Icarus and Verilator) to DIR.
    Testbench(TestbenchArgs),
    /// Unsupervised learning experiments in the golden model (patterns, digits), with plots.
    Learn(LearnArgs),
    /// Yosys + nextpnr for a device: LUTs, FFs, block RAM, SPRAM, DSP, Fmax, fits, bitstream.
    Synth(SynthArgs),
    /// Synthesize over lane counts and sizes: table and PNG plot of cost and speed.
    Sweep(SweepArgs),
    /// Board tops (UART host link, LEDs), pin files, and a real board over its serial port.
    Board(BoardArgs),
    /// Import a network from another tool: `import nir MODEL.nir -o DIR` (docs/nir.md).
    Import(ImportArgs),
    /// Export a network to another tool: `export nir RESULT.json --config C -o MODEL.nir`.
    Export(ExportArgs),
}

/// Where the events come from: a file, or a seeded Poisson generator.
#[derive(Debug, Args, Clone)]
pub struct StimulusSource {
    /// Stimulus JSON file (`{"ticks": [[...], ...]}`).
    #[arg(long, conflicts_with_all = ["poisson", "ticks"])]
    pub stimulus: Option<PathBuf>,
    /// Generate Poisson inputs at this rate in Hz (one tick = 1 ms).
    #[arg(long, value_name = "RATE_HZ", requires = "ticks")]
    pub poisson: Option<f64>,
    /// Number of ticks to generate (with --poisson).
    #[arg(long, value_name = "T")]
    pub ticks: Option<usize>,
    /// Seed of the generator (with --poisson).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A bad value of an option with a closed set of names. `main` reports it like a command's
/// error: one line, `error: MESSAGE`, exit status 1.
#[derive(Debug, Clone)]
pub struct BadValue(pub String);

impl std::fmt::Display for BadValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadValue {}

/// The message of a clap error raised by one of our value parsers, if it is one.
pub fn bad_value(e: &clap::Error) -> Option<&BadValue> {
    std::error::Error::source(e)?.downcast_ref::<BadValue>()
}

/// A `--target` of the generator: the FPGA family, and the device when the name is one (what
/// the fit check and synthesis need).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetArg {
    /// The family whose memory primitives and timing the Verilog gets.
    pub target: Target,
    /// The device the name designates (`None` for `generic` and the family aliases).
    pub device: Option<Device>,
}

/// The names `--target` accepts, shown by `--help`; the family aliases come last, hidden.
const TARGET_NAMES: [&str; 6] = [
    "generic",
    "ice40-up5k",
    "ice40-hx8k",
    "ecp5-25k",
    "ecp5-45k",
    "ecp5-85k",
];
/// Accepted by `--target` as the families' names, not listed.
const TARGET_ALIASES: [&str; 2] = ["ice40", "ecp5"];

impl TargetArg {
    /// Parse a `--target` name: the error is the generator's ('unknown target "x": allowed ...').
    pub fn parse(s: &str) -> Result<TargetArg, BadValue> {
        let target = Target::parse(s).map_err(BadValue)?;
        let device = Device::parse(s).ok();
        Ok(TargetArg { target, device })
    }
}

/// Parse a synthesis `--target`: a device ('unknown synthesis target "x": allowed ...').
pub fn parse_device(s: &str) -> Result<Device, BadValue> {
    Device::parse(s).map_err(BadValue)
}

/// clap's value parser of [`TargetArg`], listing the names in `--help`.
#[derive(Debug, Clone, Copy)]
pub struct TargetParser;

impl TypedValueParser for TargetParser {
    type Value = TargetArg;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<TargetArg, clap::Error> {
        (|s: &str| TargetArg::parse(s)).parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let shown = TARGET_NAMES.into_iter().map(PossibleValue::new);
        let hidden = TARGET_ALIASES
            .into_iter()
            .map(|n| PossibleValue::new(n).hide(true));
        Some(Box::new(shown.chain(hidden)))
    }
}

/// clap's value parser of a synthesis `--target` ([`Device`]), listing the devices in `--help`.
#[derive(Debug, Clone, Copy)]
pub struct DeviceArg;

impl TypedValueParser for DeviceArg {
    type Value = Device;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Device, clap::Error> {
        parse_device.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Device::ALL
                .into_iter()
                .map(|d| PossibleValue::new(d.name())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("neurogen").chain(args.iter().copied()))
    }

    #[test]
    fn target_names_parse_to_family_and_device() {
        for name in TARGET_NAMES {
            let t = TargetArg::parse(name).unwrap();
            assert_eq!(t.target, Target::parse(name).unwrap(), "{name}");
            assert_eq!(t.device, Device::parse(name).ok(), "{name}");
        }
        assert_eq!(TargetArg::parse("generic").unwrap().device, None);
        assert_eq!(
            TargetArg::parse("ecp5-85k").unwrap().device,
            Some(Device::Ecp5_85k)
        );
        // the family aliases: a family, no device
        let ice40 = TargetArg::parse("ice40").unwrap();
        assert_eq!((ice40.target, ice40.device), (Target::Ice40, None));
        let ecp5 = TargetArg::parse("ecp5").unwrap();
        assert_eq!((ecp5.target, ecp5.device), (Target::Ecp5, None));
    }

    #[test]
    fn an_unknown_target_is_the_generators_message_through_clap() {
        let e = parse(&["generate", "n.toml", "-o", "x", "--target", "vertex7"]).unwrap_err();
        let bad = bad_value(&e).expect("our error, not clap's");
        assert_eq!(
            bad.to_string(),
            "unknown target \"vertex7\": allowed generic, ice40-up5k, ice40-hx8k, ecp5-25k, \
             ecp5-45k, ecp5-85k"
        );
        // control: a clap error of another kind is not taken for ours
        let e = parse(&["generate", "n.toml", "--target", "generic"]).unwrap_err();
        assert!(bad_value(&e).is_none(), "{e}");
        // synthesis wants a device: a family name is refused with the device list
        let e = parse(&["synth", "n.toml", "--target", "generic"]).unwrap_err();
        let bad = bad_value(&e).expect("our error");
        assert!(
            bad.0
                .starts_with("unknown synthesis target \"generic\": allowed ice40-up5k,"),
            "{bad}"
        );
    }

    #[test]
    fn parsed_targets_reach_the_arguments() {
        match parse(&["cosim", "n.toml", "--target", "ice40-up5k"])
            .unwrap()
            .command
        {
            Command::Cosim(a) => assert_eq!(
                a.target,
                TargetArg {
                    target: Target::Ice40Up5k,
                    device: Some(Device::Up5k)
                }
            ),
            c => panic!("{c:?}"),
        }
        match parse(&["simulate", "n.toml", "-o", "r.json"])
            .unwrap()
            .command
        {
            Command::Simulate(a) => assert_eq!(a.target, TargetArg::parse("generic").unwrap()),
            c => panic!("{c:?}"),
        }
        match parse(&["sweep", "n.toml", "--target", "ecp5-25k"])
            .unwrap()
            .command
        {
            Command::Sweep(a) => assert_eq!(a.flow.target, Device::Ecp5_25k),
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn help_lists_the_names_but_not_the_aliases() {
        let help = Cli::command()
            .find_subcommand_mut("generate")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            help.contains(
                "possible values: generic, ice40-up5k, ice40-hx8k, ecp5-25k, ecp5-45k, ecp5-85k"
            ),
            "{help}"
        );
        assert!(
            !help.contains("ice40,") && !help.contains("ecp5]"),
            "{help}"
        );
        let help = Cli::command()
            .find_subcommand_mut("synth")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            help.contains("possible values: ice40-up5k, ice40-hx8k, ecp5-25k, ecp5-45k, ecp5-85k"),
            "{help}"
        );
    }

    #[test]
    fn the_syntax_is_consistent() {
        Cli::command().debug_assert();
    }
}
