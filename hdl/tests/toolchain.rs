//! The generated Verilog under the open tools, for a spread of networks (sizes, lanes 1 to 8,
//! weight widths, both rules, recurrence, homeostasis, synaptic scaling, STDP off, synaptic
//! delays):
//! `verilator --lint-only -Wall` gives no warning, `iverilog -g2005` accepts it, and Yosys
//! `synth_ice40` and `synth_ecp5` infer no latch and map every lane's weight memory to block RAM
//! (SB_RAM40_4K on iCE40, DP16KD on ECP5), asserted on the netlist.
//!
//! Key decisions:
//! - The tools are required, not optional: a missing tool fails the test with the setup command
//!   (`scripts/setup.sh`), so CI cannot pass by skipping.
//! - Latches are looked for right after `proc` (where Yosys infers them), because the iCE40 and
//!   ECP5 flows later map any latch to logic and the cell would no longer be visible.
//! - Block RAM is asserted per lane by the names of the mapped cells (`u_laneK.u_wmem...`), so
//!   another memory landing in block RAM cannot hide a weight memory that did not; a lane's weight
//!   memory of fewer than [`MIN_BRAM_BITS`] bits may stay in logic.
//! - Each family is synthesized from the Verilog generated for its `--target`.
//! - Networks are small (a few seconds of Yosys each); every network of the spread is checked and
//!   all failures are reported together.

use golden::Config;
use hdl::array::{Options, Target, generate};
use std::path::{Path, PathBuf};

mod common;
use common::tool;

/// The spread of networks: (label, TOML). Small enough for a few seconds of Yosys each: lane
/// counts multiply the datapath, so the many-lane networks have narrow words.
const SPREAD: &[(&str, &str)] = &[
    (
        "one_neuron",
        "name = \"one_neuron\"\n[array]\ninputs = 1\nneurons = 1\n",
    ),
    (
        "wide_1_lane",
        r#"name = "wide_1_lane"
[array]
inputs = 40
neurons = 8
[neuron]
v_bits = 32
acc_bits = 40
threshold = 100000
[synapse]
weight_bits = 16
signed = true
w_min = -30000
w_max = 30000
init_lo = -1000
init_hi = 20000
[stdp]
trace_bits = 16
pre_inc = 4000
post_inc = 4000
ltp_shift = 2
ltd_shift = 3
"#,
    ),
    (
        "signed_symmetric_2_lanes",
        r#"name = "signed_symmetric_2_lanes"
[array]
inputs = 24
neurons = 8
lanes = 2
[neuron]
v_bits = 12
reset = "subtract"
threshold = 120
[synapse]
weight_bits = 8
signed = true
init_lo = -20
init_hi = 40
[stdp]
rule = "symmetric"
"#,
    ),
    (
        "homeostasis_scaling_2_lanes",
        r#"name = "homeostasis_scaling_2_lanes"
[array]
inputs = 32
neurons = 4
lanes = 2
[neuron]
v_bits = 12
threshold = 300
theta_plus = 8
theta_decay_shift = 6
theta_bits = 10
[stdp]
ltp_offset = 1
normalize_target = 1500
normalize_every = 10
"#,
    ),
    (
        "recurrent_3_lanes",
        r#"name = "recurrent_3_lanes"
[array]
inputs = 13
neurons = 6
lanes = 3
recurrent = true
[neuron]
v_bits = 10
threshold = 100
leak_shift = 3
inhibition = 20
refractory = 2
[synapse]
weight_bits = 6
"#,
    ),
    (
        "narrow_4_lanes",
        r#"name = "narrow_4_lanes"
[array]
inputs = 30
neurons = 8
lanes = 4
[neuron]
v_bits = 6
acc_bits = 3
threshold = 2
leak_shift = 1
[synapse]
weight_bits = 1
init = "constant"
init_value = 1
[stdp]
trace_bits = 3
pre_inc = 3
post_inc = 1
ltp_shift = 1
ltd_shift = 2
pre_decay_shift = 1
post_decay_shift = 1
"#,
    ),
    (
        "host_scaling_5_lanes",
        r#"name = "host_scaling_5_lanes"
[array]
inputs = 30
neurons = 5
lanes = 5
[neuron]
v_bits = 8
threshold = -5
leak_shift = 0
[synapse]
weight_bits = 5
w_min = 2
w_max = 30
init_lo = 2
init_hi = 10
[stdp]
trace_bits = 5
pre_inc = 16
post_inc = 16
ltp_shift = 2
ltd_shift = 2
normalize_target = 200
"#,
    ),
    (
        "stdp_off_7_lanes",
        r#"name = "stdp_off_7_lanes"
[array]
inputs = 28
neurons = 14
lanes = 7
[neuron]
v_bits = 8
threshold = 50
theta_plus = 5
theta_decay_shift = 3
theta_bits = 6
[synapse]
weight_bits = 4
[stdp]
enabled = false
"#,
    ),
    (
        "narrow_8_lanes",
        r#"name = "narrow_8_lanes"
[array]
inputs = 36
neurons = 16
lanes = 8
[neuron]
v_bits = 8
acc_bits = 8
threshold = 30
[synapse]
weight_bits = 4
[stdp]
trace_bits = 4
pre_inc = 8
post_inc = 8
ltp_shift = 2
ltd_shift = 2
"#,
    ),
    (
        "delays_2_lanes",
        r#"name = "delays_2_lanes"
[array]
inputs = 12
neurons = 8
lanes = 2
recurrent = true
[synapse]
max_delay = 5
[stdp]
ltp_offset = 2
"#,
    ),
    (
        "delays_1_stdp_off",
        r#"name = "delays_1_stdp_off"
[array]
inputs = 6
neurons = 3
lanes = 3
[synapse]
max_delay = 1
[stdp]
enabled = false
"#,
    ),
    (
        "deep_1_lane",
        r#"name = "deep_1_lane"
[array]
inputs = 64
neurons = 32
[neuron]
threshold = 500
"#,
    ),
];

/// A lane's weight memory of fewer bits may stay in logic: Yosys rightly spends flip-flops rather
/// than a 4-16 kbit block RAM on a few dozen bits (1-bit weights of a small array, one synapse).
const MIN_BRAM_BITS: u64 = 128;

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// Generate `toml` for `target` into a fresh folder of `tool`'s; returns (folder, top, Verilog
/// file names).
fn write_design(
    tool: &str,
    toml: &str,
    target: Target,
) -> Result<(PathBuf, String, Vec<String>), String> {
    let cfg = config(toml);
    let opts = Options {
        target,
        ..Options::default()
    };
    let g = generate(&cfg, &opts)?;
    let dir = work_dir(tool).join(&cfg.name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        std::fs::write(dir.join(n), t).map_err(|e| format!("{n}: {e}"))?;
        if n.ends_with(".v") {
            files.push(n.clone());
        }
    }
    Ok((dir, cfg.name.clone(), files))
}

/// The folder of one tool's runs (kept when a check fails, for a look at the files).
fn work_dir(tool: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("neurogen-hdl-tests-{}", std::process::id()))
        .join(tool)
}

/// Check every network of the spread in `tool`'s folder; fail with all failures.
fn for_each_network(
    what: &str,
    tool: &str,
    check: impl Fn(&str, &str) -> Result<(), String> + Sync,
) {
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = SPREAD
            .chunks(SPREAD.len().div_ceil(2))
            .map(|chunk| {
                let check = &check;
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(label, toml)| {
                            check(label, toml).err().map(|e| format!("{label}: {e}"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{what}: {} of {} networks fail:\n\n{}",
        failures.len(),
        SPREAD.len(),
        failures.join("\n\n")
    );
    let _ = std::fs::remove_dir_all(work_dir(tool));
}

#[test]
fn verilator_lint_with_all_warnings_is_clean() {
    for_each_network("verilator --lint-only -Wall", "verilator", |_, toml| {
        let (dir, top, files) = write_design("verilator", toml, Target::Generic)?;
        let mut args: Vec<String> = ["--lint-only", "-Wall", "--top-module"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(top);
        args.extend(files);
        let (so, se) = tool(&dir, "verilator", &args)?;
        let text = format!("{so}{se}");
        if text.contains("%Warning") || text.contains("%Error") {
            return Err(text);
        }
        Ok(())
    });
}

#[test]
fn icarus_accepts_the_verilog_as_verilog_2005() {
    for_each_network("iverilog -g2005", "iverilog", |_, toml| {
        let (dir, top, files) = write_design("iverilog", toml, Target::Generic)?;
        let mut args: Vec<String> = ["-g2005", "-Wall", "-o", "design.vvp", "-s"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(top);
        args.extend(files);
        let (so, se) = tool(&dir, "iverilog", &args)?;
        let text = format!("{so}{se}");
        if text.contains("error") || text.contains("warning") {
            return Err(text);
        }
        Ok(())
    });
}

/// Block RAM cell names of a Yosys run, and the check that no latch was inferred.
fn yosys(
    toml: &str,
    family: &str,
    target: Target,
    bram: &str,
) -> Result<(Vec<String>, u64), String> {
    let (dir, top, files) = write_design(&format!("yosys-{family}"), toml, target)?;
    // ECP5 weights instantiate DP16KD: `hierarchy -check` must know the cell library
    let cells = if family == "ecp5" {
        format!("{}\n", hdl::array::ecp5::YOSYS_READ_CELLS)
    } else {
        String::new()
    };
    let script = format!(
        "{cells}read_verilog {files}\n\
         hierarchy -check -top {top}\n\
         proc\n\
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH* t:$_DLATCHSR*\n\
         synth_{family} -top {top}\n\
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH* t:$_DLATCHSR*\n\
         tee -q -o bram.txt select -list t:{bram}\n\
         tee -q -o stat.txt stat\n",
        files = files.join(" "),
    );
    std::fs::write(dir.join("synth.ys"), script).map_err(|e| e.to_string())?;
    tool(&dir, "yosys", &["-q", "-s", "synth.ys"])?;
    let cells = std::fs::read_to_string(dir.join("bram.txt")).map_err(|e| e.to_string())?;
    let stat = std::fs::read_to_string(dir.join("stat.txt")).map_err(|e| e.to_string())?;
    let count = cell_count(&stat, |name| name == bram);
    Ok((cells.lines().map(str::to_string).collect(), count))
}

/// The cells of Yosys `stat` output whose type `pick` accepts, summed over the types (0 when
/// none); each type counts at its first line, the top module's (a hierarchy summary repeats it).
fn cell_count(stat: &str, pick: impl Fn(&str) -> bool) -> u64 {
    let mut seen: Vec<&str> = Vec::new();
    stat.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let name = w.next()?;
            let n = w.next()?.parse::<u64>().ok()?;
            (pick(name) && !seen.contains(&name)).then(|| {
                seen.push(name);
                n
            })
        })
        .sum()
}

fn weight_memories_in_block_ram(
    toml: &str,
    family: &str,
    target: Target,
    bram: &str,
) -> Result<(), String> {
    let cfg = config(toml);
    let (cells, count) = yosys(toml, family, target, bram)?;
    let groups = (cfg.array.neurons / cfg.array.lanes) as u64;
    let bits = cfg.rows() as u64 * groups * cfg.synapse.weight_bits as u64;
    if bits < MIN_BRAM_BITS {
        return Ok(()); // no latch is all a tiny network is held to
    }
    if count == 0 {
        return Err(format!("no {bram} in the netlist statistics"));
    }
    let missing: Vec<u32> = (0..cfg.array.lanes)
        .filter(|l| {
            !cells
                .iter()
                .any(|c| c.contains(&format!("u_lane{l}.u_wmem.")))
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the weight memory of lanes {missing:?} is not in {bram} ({count} {bram} cells: {cells:?})"
        ))
    }
}

#[test]
fn yosys_ice40_infers_no_latch_and_puts_weights_in_ebr() {
    for_each_network("yosys synth_ice40", "yosys-ice40", |_, toml| {
        weight_memories_in_block_ram(toml, "ice40", Target::Ice40, "SB_RAM40_4K")
    });
}

#[test]
fn yosys_ecp5_infers_no_latch_and_puts_weights_in_dp16kd() {
    for_each_network("yosys synth_ecp5", "yosys-ecp5", |_, toml| {
        weight_memories_in_block_ram(toml, "ecp5", Target::Ecp5, "DP16KD")
    });
}

/// `Module::clocked_keep` keeps a register's copies apart through Yosys, which merges
/// flip-flops that compute the same value (the chain top's per-layer reset copies rely on it):
/// two registered copies of one input, each the reset of its own 4-bit register, stay two
/// flip-flops under `synth_ice40`; the same module with plain `clocked` processes gets one, so
/// the check can fail.
#[test]
fn kept_register_copies_are_not_merged_by_yosys() {
    use hdl::ir::stmt::*;
    use hdl::ir::*;
    let build = |keep: bool| {
        let mut m = Module::new("copies");
        m.input("clk", Ty::BIT);
        let r = m.input("r", Ty::BIT);
        let ins = [m.input("a", Ty::u(4)), m.input("b", Ty::u(4))];
        let outs = [m.output_reg("x", Ty::u(4)), m.output_reg("y", Ty::u(4))];
        for (k, (i, o)) in ins.iter().zip(&outs).enumerate() {
            let c = m.reg(&format!("r{k}"), Ty::BIT);
            let copy = vec![set(&c, r.e())];
            if keep {
                m.clocked_keep("", copy);
            } else {
                m.clocked("", copy);
            }
            m.clocked(
                "",
                vec![if_else(
                    c.e(),
                    vec![set(o, Expr::zero(Ty::u(4)))],
                    vec![set(o, i.e())],
                )],
            );
        }
        hdl::emit::module(&m, &[]).unwrap()
    };
    let dir = work_dir("yosys-keep");
    std::fs::create_dir_all(&dir).unwrap();
    for (keep, copies) in [(true, 2), (false, 1)] {
        std::fs::write(dir.join("copies.v"), build(keep)).unwrap();
        tool(
            &dir,
            "yosys",
            &[
                "-q",
                "-p",
                "read_verilog copies.v; synth_ice40 -top copies; tee -q -o stat.txt stat",
            ],
        )
        .unwrap();
        let stat = std::fs::read_to_string(dir.join("stat.txt")).unwrap();
        let ffs = cell_count(&stat, |name| name.starts_with("SB_DFF"));
        assert_eq!(ffs, 8 + copies, "keep = {keep}: {stat}");
    }
}
