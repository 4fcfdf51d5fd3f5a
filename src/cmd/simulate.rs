//! `simulate` and `stimulus`: the golden-model commands.

use super::CmdResult;
use super::common::{check_rate, load_network_config, load_stimulus, write_file};
use crate::cli::{SimulateArgs, StimulusArgs, StimulusKind};
use golden::cycle::Arch;
use golden::stimulus::{MAX_CHANNELS, PatternSpec, check_generated_size};
use golden::{Config, Stimulus};
use hdl::array::Target;
use std::time::Instant;

/// The cycle model of `cfg`'s generated Verilog for `--target` (read latency, UP5K pair mode,
/// stage counts): what `generate --target` builds and `cosim --target` asserts.
pub fn target_arch(cfg: &Config, target: Target) -> Result<Arch, String> {
    let opts = hdl::array::Options {
        target,
        ..hdl::array::Options::default()
    };
    Ok(hdl::array::generate(cfg, &opts)
        .map_err(|e| format!("--target: {e}"))?
        .layout
        .arch)
}

pub fn simulate(a: SimulateArgs) -> CmdResult {
    let cfg = load_network_config(&a.config)?;
    let stim = load_stimulus(&a.source, &cfg)?;
    // a network of layers: each layer's own hardware (the chip's cycles: golden::cycle::chain_cycles)
    let archs = cfg
        .layer_configs()
        .iter()
        .map(|l| target_arch(l, a.target.target))
        .collect::<Result<Vec<_>, _>>()?;
    let t0 = Instant::now();
    let res = golden::run::simulate_with_archs(&cfg, &stim, &archs);
    let dt = t0.elapsed();
    write_file(&a.output, &res.to_json())?;
    let spikes: usize = res.spikes.iter().map(Vec::len).sum();
    let layers = if cfg.layer_count() > 1 {
        let per: Vec<String> = res
            .layers
            .iter()
            .map(|l| l.spikes.iter().map(Vec::len).sum::<usize>().to_string())
            .collect();
        format!(
            " ({} layers, spikes per layer {}; output = the last layer's)",
            cfg.layer_count(),
            per.join(" / ")
        )
    } else {
        String::new()
    };
    println!(
        "{}{layers}: {} ticks, {} input events ({} dropped), {} output spikes, {:.3} s -> {}",
        cfg.name,
        stim.ticks.len(),
        stim.events(),
        res.dropped,
        spikes,
        dt.as_secs_f64(),
        a.output.display()
    );
    Ok(())
}

fn inputs_of(inputs: Option<u32>, config: &Option<std::path::PathBuf>) -> Result<u32, String> {
    match (inputs, config) {
        (Some(n), None) if (1..=MAX_CHANNELS).contains(&n) => Ok(n),
        (Some(n), None) => Err(format!("--inputs {n}: allowed 1..={MAX_CHANNELS}")),
        (None, Some(c)) => Ok(load_network_config(c)?.array.inputs),
        (Some(_), Some(_)) => Err("give either --inputs or --config, not both".into()),
        (None, None) => Err("give --inputs N or --config FILE".into()),
    }
}

pub fn stimulus(a: StimulusArgs) -> CmdResult {
    match a.kind {
        StimulusKind::Poisson {
            inputs,
            config,
            rate,
            ticks,
            seed,
            output,
        } => {
            let n = inputs_of(inputs, &config)?;
            check_rate("--rate", rate)?;
            check_generated_size(n, ticks as u64, "--ticks").map_err(|e| e.to_string())?;
            let s = Stimulus::poisson(n, rate, ticks, 1.0, seed);
            write_file(&output, &s.to_json())?;
            println!(
                "{} ticks, {} events -> {}",
                s.ticks.len(),
                s.events(),
                output.display()
            );
        }
        StimulusKind::Patterns {
            inputs,
            config,
            patterns,
            active,
            p_on,
            p_noise,
            present,
            gap,
            presentations,
            teach_rate,
            seed,
            output,
        } => {
            let n = inputs_of(inputs, &config)?;
            let spec = PatternSpec {
                inputs: n,
                patterns,
                active,
                p_on,
                p_noise,
                present,
                gap,
                presentations,
                seed,
            };
            let mut g = spec.generate().map_err(|e| e.to_string())?;
            if let Some(rate) = teach_rate {
                check_rate("--teach-rate", rate)?;
                g.add_teacher(rate, 1.0, seed);
            }
            write_file(&output, &g.stimulus.to_json())?;
            println!(
                "{} patterns of {} channels, {} presentations, {} ticks, {} events -> {}",
                patterns,
                active,
                presentations,
                g.stimulus.ticks.len(),
                g.stimulus.events(),
                output.display()
            );
        }
    }
    Ok(())
}
