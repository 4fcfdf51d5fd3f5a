//! `generate` and `cosim`: the Verilog generator and the Verilator co-simulation.

use super::CmdResult;
use super::common::{
    check_backpressure, load_network_config, load_stimulus, write_file, write_files,
};
use crate::cli::{CosimArgs, GenerateArgs};
use cosim::driver::{Backpressure, Compare, RunOptions};
use hdl::array::{Generated, Options, generate as gen_array};
use std::collections::BTreeMap;

/// One screen about a generated array: sizes, memories, throughput.
pub fn summary(g: &Generated) -> String {
    let lay = &g.layout;
    let a = &lay.arch;
    // instances per role and shape (the generator's record counts each lane's memories once
    // per lane), and the bits of each distinct memory module
    let mut mems: BTreeMap<String, u64> = BTreeMap::new();
    let mut modules: BTreeMap<&str, u64> = BTreeMap::new();
    for m in g.memories() {
        let (depth, width) = (m.shape.depth, m.shape.ty.width);
        let key = format!(
            "{} ({depth} x {width} bit)",
            m.instance.trim_start_matches("u_")
        );
        *mems.entry(key).or_default() += m.count;
        modules.insert(&m.module, depth * width as u64);
    }
    let bits: u64 = modules.values().sum();
    let mut s = format!(
        "{}: {} inputs x {} neurons ({} rows), {} lanes, {}-bit {} weights\n",
        lay.name,
        lay.inputs,
        lay.n,
        lay.r,
        lay.l,
        lay.w_ty.width,
        if lay.w_ty.signed {
            "signed"
        } else {
            "unsigned"
        }
    );
    s.push_str(&format!(
        "event phase: {} synaptic operations per cycle at steady state ({} cycles per input event)\n",
        a.sop_per_cycle(),
        a.groups
    ));
    s.push_str(&format!(
        "memories (read latency {}), {} distinct shapes, {:.1} KiB per lane-set:\n",
        a.read_latency,
        modules.len(),
        bits as f64 / 8192.0
    ));
    for (k, n) in mems {
        s.push_str(&format!("  {n:>3} x {k}\n"));
    }
    s.push_str(&format!(
        "host port: Wishbone B4 pipelined, 32-bit data, {}-bit word address (map in manifest.json)",
        lay.aw
    ));
    s
}

pub fn generate(a: GenerateArgs) -> CmdResult {
    if golden::feast::is_feast_file(&a.config) {
        return super::feast::generate(&a);
    }
    let cfg = load_network_config(&a.config)?;
    if cfg.layer_count() > 1 {
        return generate_layers(&cfg, &a);
    }
    let target = a.target.target;
    // `$readmemh` paths start with rtl/, as in an exported testbench: tools run from the output
    // folder
    let g = gen_array(
        &cfg,
        &Options {
            target,
            init_prefix: "rtl/".into(),
            ..Default::default()
        },
    )?;
    // a target that names a device: refuse what cannot fit it, before writing anything
    let fit = match a.target.device {
        Some(device) => Some(crate::flow::fit::check_generated(&cfg, &g, device, false)?),
        None => None,
    };
    let rtl = a.output.join("rtl");
    write_files(&rtl, g.rtl.iter().chain(&g.init))?;
    write_file(&a.output.join("manifest.json"), &g.manifest)?;
    println!("{}", summary(&g));
    if let Some(e) = &fit {
        println!("{}", crate::flow::fit::line(e));
    }
    println!("{}", wrote(&a.output, &rtl, g.rtl.len(), g.init.len()));
    Ok(())
}

/// The closing line of `generate`: what was written where.
fn wrote(output: &std::path::Path, rtl: &std::path::Path, verilog: usize, init: usize) -> String {
    format!(
        "wrote {verilog} Verilog files and {init} init files to {}, manifest {} (run tools from {}: $readmemh paths start with rtl/)",
        rtl.display(),
        output.join("manifest.json").display(),
        output.display()
    )
}

/// `generate` of a network of layers: one array per layer and the chain top.
fn generate_layers(cfg: &golden::Config, a: &GenerateArgs) -> CmdResult {
    let g = hdl::array::chain::generate_network(
        cfg,
        &Options {
            target: a.target.target,
            init_prefix: "rtl/".into(),
            ..Default::default()
        },
    )?;
    // a target that names a device: each layer must fit it alone, and the layers together
    // (the sum of the layers' estimates; the links' small FIFOs are not counted)
    let mut fits = Vec::new();
    if let Some(device) = a.target.device {
        let (mut bram, mut spram, mut dsp, mut logic) = (0, 0, 0, 0);
        for (k, (l, lg)) in cfg.layer_configs().iter().zip(&g.layers).enumerate() {
            let e = crate::flow::fit::check_generated(l, lg, device, false)
                .map_err(|e| format!("layer[{k}]: {e}"))?;
            fits.push(format!("layer[{k}] {}", crate::flow::fit::line(&e)));
            bram += e.bram;
            spram += e.spram;
            dsp += e.dsp;
            logic += e.logic;
        }
        let cap = device.capacity();
        let total = format!(
            "all {} layers on the {}: block RAM {bram}/{}, SPRAM {spram}/{}, DSP {dsp}/{}, logic ~{logic}/{}",
            g.layers.len(),
            device.name(),
            cap.bram,
            cap.spram,
            cap.dsp,
            cap.logic
        );
        if bram > cap.bram || spram > cap.spram || dsp > cap.dsp {
            return Err(format!(
                "{}: the layers together do not fit (estimated before synthesis): {total}\n{}",
                cfg.name,
                fits.join("\n")
            ));
        }
        fits.push(format!(
            "{total}{}",
            if logic > cap.logic {
                " (likely too much logic: place and route decides)"
            } else {
                ""
            }
        ));
    }
    let rtl = a.output.join("rtl");
    write_files(&rtl, g.rtl.iter().chain(&g.init))?;
    write_file(&a.output.join("manifest.json"), &g.manifest)?;
    println!(
        "{}: a chain of {} layers, layer_delay {} (top `{}`; layer k+1 takes layer k's spikes of {})",
        cfg.name,
        g.layers.len(),
        cfg.network.layer_delay,
        g.design.top,
        if cfg.network.layer_delay == 0 {
            "the same tick as they stream out"
        } else {
            "the previous tick, the layers working concurrently"
        }
    );
    for (k, l) in g.layers.iter().enumerate() {
        println!(
            "--- layer[{k}] `{}`, host base 0x{:x}\n{}",
            l.design.top,
            g.host.base(k as u64),
            summary(l)
        );
    }
    for f in &fits {
        println!("{f}");
    }
    println!(
        "host port: {}-bit word address = layer << {} | the layer's address; layer {} writes every layer (map in manifest.json)",
        g.host.address_bits, g.host.layer_shift, g.host.broadcast
    );
    println!("{}", wrote(&a.output, &rtl, g.rtl.len(), g.init.len()));
    Ok(())
}

/// `cosim` of a network of layers: the chain against the golden layers, calm (no adversarial
/// stress: that is the one-layer path's), with the given backpressure.
fn cosim_layers(cfg: &golden::Config, a: &CosimArgs) -> CmdResult {
    if a.rtl.is_some() {
        return Err(format!(
            "{}: --rtl takes a one-layer network's folder; a network of layers is co-simulated from its config",
            a.config.display()
        ));
    }
    let stim = load_stimulus(&a.source, cfg)?;
    check_backpressure(a.backpressure)?;
    if a.sample == Some(0) {
        return Err("--sample must be at least 1".into());
    }
    let opts = RunOptions {
        target: a.target.target,
        bp: Backpressure {
            input: a.backpressure,
            output: a.backpressure,
        },
        compare: a.sample.map(Compare::Sample).unwrap_or(Compare::Full),
        vcd: a.vcd.clone(),
        ..Default::default()
    };
    let r = cosim::driver::run_network(cfg, &stim, &opts, &[])?;
    let ticks = r.run.ticks.max(1) as f64;
    println!(
        "{}: {} layers, layer_delay {}: {} ticks, {} input events, spikes per layer {:?}",
        cfg.name,
        r.layer_spikes.len(),
        cfg.network.layer_delay,
        r.run.ticks,
        r.run.events,
        r.layer_spikes
    );
    println!(
        "{} chip cycles ({:.1} per tick); each layer alone {:?} per tick; the slowest layer alone {:.1} per tick: chip x{:.3} (model build {:.1} s{})",
        r.run.tick_cycles,
        r.run.tick_cycles as f64 / ticks,
        r.layer_cycles
            .iter()
            .map(|c| format!("{:.1}", *c as f64 / ticks))
            .collect::<Vec<_>>(),
        r.slowest_cycles as f64 / ticks,
        r.overhead(),
        r.run.build_s,
        if r.run.cached { ", cached" } else { "" }
    );
    if a.backpressure > 0.0 {
        println!("(with backpressure: cycles are not compared)");
    }
    match &r.run.mismatch {
        Some(m) => Err(m.to_string()),
        None => {
            println!(
                "MATCH (every layer's spikes, state and weights{})",
                if a.backpressure > 0.0 {
                    ""
                } else {
                    "; chip and beat cycles"
                }
            );
            Ok(())
        }
    }
}

pub fn cosim(a: CosimArgs) -> CmdResult {
    if golden::feast::is_feast_file(&a.config) {
        return super::feast::cosim(&a);
    }
    let cfg = load_network_config(&a.config)?;
    if cfg.layer_count() > 1 {
        return cosim_layers(&cfg, &a);
    }
    let stim = load_stimulus(&a.source, &cfg)?;
    let target = a.target.target;
    check_backpressure(a.backpressure)?;
    if a.sample == Some(0) {
        return Err("--sample must be at least 1".into());
    }
    let given = Backpressure {
        input: a.backpressure,
        output: a.backpressure,
    };
    let opts = RunOptions {
        target,
        bp: given,
        compare: a.sample.map(Compare::Sample).unwrap_or(Compare::Full),
        vcd: a.vcd.clone(),
        rtl: a.rtl.clone(),
        ..Default::default()
    };
    if let Some(dir) = &a.rtl {
        println!(
            "RTL from {} (against the golden model of {})",
            dir.display(),
            cfg.name
        );
    }
    if a.calm {
        return report(&cfg, &cosim::driver::run(&cfg, &stim, &opts)?, "");
    }
    let (s, reports) = testbenches::adversary::cosim_stressed(&cfg, &stim, &opts, a.stress_seed)?;
    println!(
        "{}, the latter in pass 2 (--calm turns all this off)",
        s.summary()
    );
    let what = [
        "pass 1 of 2, no backpressure: ",
        "pass 2 of 2, with backpressure: ",
    ];
    for (r, what) in reports.iter().zip(what) {
        report(&cfg, r, what).map_err(|e| {
            format!(
                "{e} (stress seed {}: rerun with --stress-seed {} to reproduce, --calm for the plain stimulus)",
                a.stress_seed, a.stress_seed
            )
        })?;
    }
    Ok(())
}

/// Print one run's figures; its difference, if any, is the error.
fn report(cfg: &golden::Config, r: &cosim::driver::Report, what: &str) -> CmdResult {
    println!(
        "{what}{}: {} ticks, {} input events, {} synaptic events, {} output spikes",
        cfg.name, r.ticks, r.events, r.sops, r.spikes
    );
    println!(
        "{} tick cycles, {:.3} synaptic operations per event-phase cycle ({} lanes), {:.2} M simulated cycles/s (model build {:.1} s{})",
        r.tick_cycles,
        r.sop_per_cycle(),
        cfg.array.lanes,
        r.sim_cycles as f64 / r.wall_s.max(1e-9) / 1e6,
        r.build_s,
        if r.cached { ", cached" } else { "" }
    );
    match &r.mismatch {
        Some(m) => Err(format!("{what}{m}")),
        None => {
            if let Some(v) = &r.vcd {
                println!("waveform of the whole run: {}", v.display());
            }
            println!("MATCH");
            Ok(())
        }
    }
}
