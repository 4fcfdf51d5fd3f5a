//! `demo`: the whole tool on the built-in pattern network, in five steps a newcomer can follow:
//! generate the Verilog, train in the golden model, co-simulate a stretch of that training in
//! Verilator (MATCH), synthesize for an iCE40 UP5K, write the plots.
//!
//! Key decisions:
//! - The network is the pattern experiment's (`PatternsParams::default()`, the network of
//!   `neurogen learn patterns`) with 2 lanes instead of 8, so it fits the UP5K; the golden
//!   model does not depend on the lane count. Its TOML is written next to the outputs so every
//!   other command can be tried on it.
//! - One target for every step: the Verilog of step 1 is the UP5K's (weights in SPRAM), and it
//!   is what step 3 simulates and step 4 synthesizes.
//! - Step 3 is the training of step 2, not a lookalike: the same experiment code drives the
//!   co-simulation's lockstep chip ([`super::learn::on_hardware`]); the first epoch of training
//!   runs on the Verilog too, every tick compared, and the result must equal step 2's.
//! - Synthesis (the slowest step) runs on a second thread from the start, so on two cores the
//!   demo takes about as long as synthesis alone. Without Yosys or nextpnr it is skipped with a
//!   message naming the missing tool and the setup script.

use super::CmdResult;
use super::common::{write_file, write_files};
use super::learn::{hardware_text, hardware_verdict, on_hardware, pattern_plots, pattern_report};
use crate::cli::DemoArgs;
use crate::flow::device::Device;
use crate::flow::synth::{self, Request, SynthReport};
use crate::flow::tool::{self, Tool};
use golden::Config;
use golden::learn::patterns::{self, PatternsParams};
use golden::model::Network;
use hdl::array::{Options, generate};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Lanes of the demo network (8 lanes of the experiment's 32 neurons do not fit the UP5K).
const LANES: u32 = 2;

/// The device of every step.
const DEVICE: &str = "ice40-up5k";

/// Print a line now (the steps take seconds; a pipe should see each as it ends).
fn say(text: &str) {
    let mut so = std::io::stdout().lock();
    let _ = writeln!(so, "{text}");
    let _ = so.flush();
}

fn heading(n: usize, title: &str, what: &str) {
    say(&format!("\n[{n}/5] {title}\n      {what}"));
}

/// Indent every line of `text` by six spaces (empty lines stay empty).
fn indented(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("      {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The demo network's TOML: the experiment's network with [`LANES`] lanes.
fn network_toml(p: &PatternsParams) -> String {
    let toml = p.net.toml("demo", p.inputs, p.neurons);
    toml.lines()
        .map(|l| {
            if l.starts_with("lanes = ") {
                format!("lanes = {LANES}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The tools synthesis needs, or the message about the first one missing.
fn synth_tools() -> Result<(), String> {
    [Tool::Yosys, Tool::NextpnrIce40, Tool::Icepack]
        .into_iter()
        .try_for_each(|t| tool::find(t).map(|_| ()))
}

pub fn demo(a: DemoArgs) -> CmdResult {
    let t_start = Instant::now();
    let dir = a.output;
    let mut files: Vec<(PathBuf, &str)> = Vec::new();
    let p = PatternsParams::default();
    let toml = network_toml(&p);
    let cfg = Config::from_toml_str(&toml, Path::new(".")).map_err(|e| e.to_string())?;
    let device = Device::parse(DEVICE)?;
    say(&format!(
        "neurogen demo: the built-in pattern network through the whole flow (files in {})",
        dir.display()
    ));
    say(&format!(
        "network: {} inputs, {} LIF neurons with STDP, lateral inhibition and adaptive thresholds; \
         it learns {} noisy spatial patterns without labels",
        cfg.array.inputs, cfg.array.neurons, p.patterns
    ));
    let net_file = dir.join("network.toml");
    write_file(&net_file, &toml)?;
    files.push((
        net_file.clone(),
        "the network (try it with the other commands)",
    ));

    // Synthesis is the slowest step: start it now, report it as step 4.
    let synth_job = match synth_tools() {
        Ok(()) => {
            let req = Request::new(cfg.clone(), device, dir.join("synth"));
            Ok(std::thread::spawn(move || synth::synth(&req)))
        }
        Err(missing) => Err(missing),
    };

    // 1. generate
    heading(
        1,
        "Generate the Verilog",
        &format!("synthesizable Verilog-2005 of the array for the {DEVICE} (neurogen generate)"),
    );
    let g = generate(
        &cfg,
        &Options {
            target: device.target(),
            ..Default::default()
        },
    )?;
    let rtl = dir.join("rtl");
    write_files(&rtl, g.rtl.iter().chain(&g.init))?;
    let manifest = dir.join("manifest.json");
    write_file(&manifest, &g.manifest)?;
    say(&indented(&super::hw::summary(&g)));
    say(&format!(
        "      wrote {} Verilog files to {}",
        g.rtl.len(),
        rtl.display()
    ));
    files.push((rtl, "the generated Verilog"));
    files.push((manifest, "sizes, host address map, files"));

    // 2. train in the golden model
    heading(
        2,
        "Train in the golden model",
        "the bit-exact Rust model of the hardware learns the patterns on the chip's own rules, \
         then is tested on held-out noisy samples (neurogen learn patterns)",
    );
    let t0 = Instant::now();
    let mut net = Network::new(&cfg);
    let r = patterns::run_on(&p, &mut net, &mut |_| {}).map_err(|e| e.to_string())?;
    let train_s = t0.elapsed().as_secs_f64();
    say(&indented(&pattern_report(&r)));
    say(&format!(
        "      => detection accuracy {:.1} % (each pattern sample classified as its pattern), \
         after {} epochs of training in {:.2} s",
        r.detection * 100.0,
        p.epochs,
        train_s
    ));

    // 3. co-simulate
    heading(
        3,
        "Co-simulate the training in Verilator",
        "the Verilog of step 1 runs the first epoch of step 2's training tick by tick, in \
         lockstep with the golden model, and must fire the same spikes and learn the same \
         weights (neurogen learn patterns --hardware)",
    );
    // the first epoch's training samples (no sample is re-shown in this experiment)
    let hw_ticks = p.train * (p.patterns + 1) * p.ticks;
    let (r_hw, rep) = on_hardware(&cfg, device.target(), Some(hw_ticks), |chip| {
        patterns::run_on(&p, chip, &mut |_| {})
    })?;
    let r_hw = r_hw.map_err(|e| e.to_string())?;
    say(&indented(&hardware_text(&cfg, &rep)));
    hardware_verdict(&rep)?;
    if r_hw != r {
        return Err("the co-simulated run's result differs from step 2's".into());
    }

    // 4. synthesize
    heading(
        4,
        "Synthesize for the iCE40 UP5K",
        "Yosys and nextpnr build the board top (array, UART host link, LEDs) for an iCEBreaker \
         and report its cost and speed (neurogen synth)",
    );
    match synth_job {
        Err(missing) => say(&format!("      skipped: {missing}")),
        Ok(job) => {
            let rep: Result<SynthReport, String> = job
                .join()
                .unwrap_or_else(|_| Err("the synthesis thread panicked".into()));
            match rep {
                Ok(s) => {
                    say(&indented(&s.text()));
                    files.push((s.dir.clone(), "synthesis logs, netlist, bitstream"));
                }
                Err(e) => say(&format!("      synthesis failed: {e}")),
            }
        }
    }

    // 5. plots
    heading(
        5,
        "Plots",
        "what the network learned and how it answers (PNG)",
    );
    let plots = pattern_plots(&r, None, &dir)?;
    let what = [
        "learned weights of each neuron as an 8x8 image, its pattern below",
        "input events and output spikes of the first test samples",
        "test accuracy, detection and noise rejection per epoch",
    ];
    for (f, w) in plots.iter().zip(what) {
        say(&format!("      {f}: {w}"));
        files.push((PathBuf::from(f), w));
    }
    let width = files
        .iter()
        .map(|(f, _)| f.display().to_string().len())
        .max()
        .unwrap_or(0);
    say("\nfiles:");
    for (f, w) in &files {
        say(&format!("  {:<width$}  {w}", f.display().to_string()));
    }
    say(&format!(
        "\ndone in {:.0} s",
        t_start.elapsed().as_secs_f64()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_network_is_the_experiments_with_fewer_lanes() {
        let p = PatternsParams::default();
        let cfg = Config::from_toml_str(&network_toml(&p), Path::new(".")).unwrap();
        let exp = p.config().unwrap();
        assert_eq!(cfg.array.lanes, LANES);
        let mut same = cfg.clone();
        same.name = exp.name.clone();
        same.array.lanes = exp.array.lanes;
        assert_eq!(same, exp);
    }
}
