//! `testbench`: export a self-checking Verilog testbench of a network, and with `--bench` run it
//! under Icarus and Verilator and print both simulators' figures side by side.
//!
//! Key decision: the whole folder is produced in memory first (generator, golden model, vectors),
//! so a bad config, stimulus or option writes nothing.

use super::CmdResult;
use super::common::{check_backpressure, load_network_config, load_stimulus};
use crate::cli::TestbenchArgs;
use testbenches::export::{ExportOptions, export};
use testbenches::export_feast::{FeastExportOptions, export_feast};
use testbenches::sim::{Simulator, measure, table};

pub fn testbench(a: TestbenchArgs) -> CmdResult {
    if golden::feast::is_feast_file(&a.config) {
        return feast(a);
    }
    // teach hardware included: the testbench drives the teacher stream with the stimulus's `teach`
    let cfg = load_network_config(&a.config)?;
    let stim = load_stimulus(&a.source, &cfg)?;
    let target = a.target.target;
    check_backpressure(a.backpressure)?;
    let permille = (a.backpressure * 1000.0).round() as u32;
    if permille > 999 {
        return Err(format!(
            "--backpressure {}: the testbench's resolution is 1/1000; at most 0.999",
            a.backpressure
        ));
    }
    let mut opts = ExportOptions {
        target,
        backpressure_permille: permille,
        seed: a.bp_seed,
        host_weights: a.host_weights,
        ..Default::default()
    };
    let stim = if a.calm {
        stim
    } else {
        let s = testbenches::adversary::stress(&cfg, &stim, a.stress_seed);
        let on = s.bp_ticks.iter().filter(|b| **b).count();
        println!(
            "{} on {on} of {} ticks (--calm turns all this off)",
            s.summary(),
            s.bp_ticks.len()
        );
        if permille == 0 {
            let p = s.bp.input.max(s.bp.output);
            opts.backpressure_permille = (p * 1000.0).round() as u32;
        }
        opts.actions = s.actions;
        opts.bp_ticks = s.bp_ticks;
        s.stimulus
    };
    let e = export(&cfg, &stim, &opts)?;
    e.write(&a.output)?;
    let s = &e.summary;
    if s.weights_via_host && !a.host_weights {
        println!(
            "weights: this target's weight memories cannot be preloaded (UP5K SPRAM), so the \
             testbench writes the initial weights through the host port before the first tick"
        );
    }
    if cfg.initial_theta().iter().any(|&t| t != 0) {
        println!(
            "theta: the config's neuron.theta_file is written through the host port before the \
             first tick (reset leaves theta 0)"
        );
    }
    let teacher = if s.teach_beats > 0 {
        format!(", {} teacher beats", s.teach_beats)
    } else {
        String::new()
    };
    println!(
        "{}: {} ticks, {} input beats{teacher}, {} expected spikes, {} host actions, {} values to \
         read back; {} cycles by the cycle model",
        s.top, s.ticks, s.input_beats, s.spikes, s.actions, s.checks, s.tick_cycles
    );
    wrote(e.files.len(), &a)
}

/// The testbench of a FEAST layer (`testbenches::export_feast`): the stimulus's ticks as input
/// beats, gaps before input beats and out_ready low (in runs) from --backpressure; without
/// --calm the co-simulation's host writes and out-of-grid addresses are added.
fn feast(a: TestbenchArgs) -> CmdResult {
    let cfg = super::feast::load(&a.config)?;
    if a.host_weights {
        return Err(format!(
            "{}: --host-weights does not apply to a FEAST layer (its weights are preloaded from \
             init files on every target)",
            a.config.display()
        ));
    }
    let stim = load_stimulus(&a.source, &cfg.base)?;
    check_backpressure(a.backpressure)?;
    let permille = (a.backpressure * 1000.0).round() as u32;
    if permille > 999 {
        return Err(format!(
            "--backpressure {}: the testbench's resolution is 1/1000; at most 0.999",
            a.backpressure
        ));
    }
    let opts = FeastExportOptions {
        target: Some(a.target.target),
        backpressure_permille: permille,
        out_backpressure_permille: permille,
        seed: a.bp_seed,
        calm: a.calm,
        ..Default::default()
    };
    let e = export_feast(&cfg, &stim.ticks, &opts)?;
    e.write(&a.output)?;
    let s = &e.summary;
    println!(
        "{}: FEAST layer, {} ticks, {} input beats ({} won, {} missed, {} skipped, {} dropped), \
         {} host writes{}, {} values to read back; {} cycles in beats by the cycle model; gaps \
         before input beats {}/1000, out_ready low in {}/1000 of the cycles in runs of {} \
         (+bp, +obp, +oburst override)",
        s.top,
        s.ticks,
        s.input_beats,
        s.won,
        s.missed,
        s.skipped,
        s.dropped,
        s.actions,
        if a.calm {
            ""
        } else {
            " and out-of-grid addresses (--calm: none)"
        },
        s.checks,
        s.beat_cycles,
        permille,
        permille,
        opts.out_burst
    );
    wrote(e.files.len(), &a)
}

/// `--bench`: build and run the exported testbench in `dir` under each installed simulator.
/// Say where the testbench went and how to run it; run it with `--bench`.
fn wrote(files: usize, a: &TestbenchArgs) -> CmdResult {
    let d = a.output.display();
    println!("wrote {files} files to {d}: run `{d}/run.sh icarus` or `{d}/run.sh verilator`");
    if a.bench {
        bench(&a.output)?;
    }
    Ok(())
}

fn bench(dir: &std::path::Path) -> CmdResult {
    let sims: Vec<Simulator> = Simulator::ALL
        .into_iter()
        .filter(|s| s.available())
        .collect();
    for s in Simulator::ALL {
        if !sims.contains(&s) {
            println!(
                "{} is not installed: skipped (scripts/setup.sh installs it)",
                s.name()
            );
        }
    }
    if sims.is_empty() {
        return Err("--bench: neither iverilog nor verilator is installed".into());
    }
    let rows = measure(dir, &sims)?;
    println!();
    print!("{}", table(&rows));
    if let Some(m) = rows.iter().find(|m| !m.passed) {
        return Err(format!(
            "the testbench failed under {} (see {}/build/{}/run.log)",
            m.sim.name(),
            dir.display(),
            m.sim.name()
        ));
    }
    Ok(())
}
