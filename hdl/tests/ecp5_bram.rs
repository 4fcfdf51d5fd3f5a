//! The ECP5 weight memories (`{top}_wmem_lK`: DP16KD with its output register under
//! `SYNTHESIS`, a behavioural model otherwise) under Icarus and Yosys.
//!
//! - Icarus (`iverilog -g2005`): one lane's weight memory simulated twice by the same testbench,
//!   once with `-DSYNTHESIS` (the DP16KD branch) and once without (the behavioural branch): a read
//!   of every initial word, then random writes and reads. The two read streams must be equal
//!   and the initial reads must equal the generator's init file. One network per DP16KD
//!   configuration (1, 2, 4, 9 and 18 bits; 1 to 8 tiles; signed and unsigned weights).
//! - Mutations show the check can fail: `INITVAL_00` and `INITVAL_01` swapped, and the output
//!   register turned off (`REGMODE_B = "NOREG"`, latency 1), are both caught.
//! - Yosys `synth_ecp5`: the weights are DP16KD cells with `REGMODE_B = "OUTREG"`, as many as
//!   the tiling says, and no latch is inferred.
//!
//! Key decision: Yosys' `cells_sim.v` declares DP16KD as a black box (no behaviour, in 0.23 and
//! 0.70 alike), so the test writes its own model of the subset the generator uses (port A
//! writes, port B reads, equal widths, NOREG/OUTREG). It decodes `INITVAL` in Yosys'
//! formulation (a flat vector of 9-bit units, `INITVAL_nn` slot i = units `2(16nn+i)..`), not the
//! generator's row/bit one, and the generator's layout was checked against what Yosys' own
//! DP16KD mapping writes (see the `ecp5` unit tests).

use golden::Config;
use hdl::array::{Generated, Options, Target, ecp5, generate};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::tool;

/// One network per DP16KD configuration: (label, TOML, expected (configuration, tiles)).
const NETS: &[(&str, &str, (u32, u32))] = &[
    (
        "x4",
        "name = \"x4\"\n[array]\ninputs = 256\nneurons = 32\nlanes = 2\n[synapse]\nweight_bits = 8\n",
        (4, 2),
    ),
    (
        "x1",
        "name = \"x1\"\n[array]\ninputs = 256\nneurons = 64\n[synapse]\nweight_bits = 8\n",
        (1, 8),
    ),
    (
        "x2",
        "name = \"x2\"\n[array]\ninputs = 200\nneurons = 32\n[synapse]\nweight_bits = 5\n",
        (2, 3),
    ),
    (
        "x9",
        "name = \"x9\"\n[array]\ninputs = 64\nneurons = 32\nlanes = 2\n[synapse]\nweight_bits = 8\n",
        (9, 1),
    ),
    (
        "x18",
        r#"name = "x18"
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
        (18, 1),
    ),
];

/// Random write/read cycles after the initial reads.
const RANDOM_CYCLES: u32 = 3000;

/// The ECP5 design of a network given as TOML text.
fn ecp5_design(toml: &str) -> Generated {
    let cfg = Config::from_toml_str(toml, Path::new(".")).unwrap();
    let opts = Options {
        target: Target::Ecp5,
        ..Options::default()
    };
    generate(&cfg, &opts).unwrap()
}

fn work_dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("neurogen-ecp5-tests-{}", std::process::id()))
        .join(what);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The DP16KD subset the generator uses, for simulation.
fn dp16kd_model() -> String {
    let mut s = String::from(
        "// Test model of the Lattice ECP5 DP16KD subset neurogen uses: port A writes, port B\n\
         // reads, DATA_WIDTH_A == DATA_WIDTH_B, REGMODE_B NOREG or OUTREG. Anything else stops.\n\
         module DP16KD (\n",
    );
    let mut ports = Vec::new();
    for p in ['A', 'B'] {
        for k in (0..18).rev() {
            ports.push(format!("input DI{p}{k}"));
        }
        for k in (0..14).rev() {
            ports.push(format!("input AD{p}{k}"));
        }
        for n in ["CE", "OCE", "CLK", "WE", "RST"] {
            ports.push(format!("input {n}{p}"));
        }
        for k in (0..3).rev() {
            ports.push(format!("input CS{p}{k}"));
        }
        for k in (0..18).rev() {
            ports.push(format!("output DO{p}{k}"));
        }
    }
    s.push_str(&format!("    {}\n);\n", ports.join(",\n    ")));
    s.push_str(
        "    parameter DATA_WIDTH_A = 18;\n    parameter DATA_WIDTH_B = 18;\n\
         parameter REGMODE_A = \"NOREG\";\n    parameter REGMODE_B = \"NOREG\";\n\
         parameter RESETMODE = \"SYNC\";\n    parameter ASYNC_RESET_RELEASE = \"SYNC\";\n\
         parameter CSDECODE_A = \"0b000\";\n    parameter CSDECODE_B = \"0b000\";\n\
         parameter WRITEMODE_A = \"NORMAL\";\n    parameter WRITEMODE_B = \"NORMAL\";\n\
         parameter GSR = \"ENABLED\";\n",
    );
    for nn in 0..64 {
        s.push_str(&format!("    parameter INITVAL_{nn:02X} = 320'h0;\n"));
    }
    s.push_str(
        "    // the array as 2048 units of 9 bits; an 18-bit word is 2 units, a 9-bit word 1,\n\
         // 8/w words of w = 1, 2, 4 bits fill the low 8 bits of a unit\n\
         reg [8:0] unit [0:2047];\n\
         integer i;\n\
         wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};\n\
         wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};\n\
         wire [17:0] dia = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};\n\
         reg [17:0] latch_b, out_b;\n\
         wire [17:0] dob = REGMODE_B == \"OUTREG\" ? out_b : latch_b;\n\
         assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = dob;\n\
         assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = 18'd0;\n\
         // word a of a w-bit configuration: its unit and its bit in the unit\n\
         function integer unit_of(input integer w, input integer a);\n\
             unit_of = w == 18 ? 2 * a : w == 9 ? a : a / (8 / w);\n\
         endfunction\n\
         function integer bit_of(input integer w, input integer a);\n\
             bit_of = w >= 9 ? 0 : (a % (8 / w)) * w;\n\
         endfunction\n\
         function integer word_addr(input integer w, input [13:0] ad);\n\
             word_addr = w == 18 ? ad[13:4] : w == 9 ? ad[13:3] : w == 4 ? ad[13:2] : w == 2 ? ad[13:1] : ad;\n\
         endfunction\n\
         task load(input integer nn, input [319:0] v);\n\
             integer k;\n\
             for (k = 0; k < 16; k = k + 1) begin\n\
                 unit[2 * (16 * nn + k)] = v[20 * k +: 9];\n\
                 unit[2 * (16 * nn + k) + 1] = v[20 * k + 9 +: 9];\n\
             end\n\
         endtask\n\
         initial begin\n\
             if (DATA_WIDTH_A != DATA_WIDTH_B) begin $display(\"DP16KD model: unequal widths\"); $finish; end\n",
    );
    for nn in 0..64 {
        s.push_str(&format!("        load({nn}, INITVAL_{nn:02X});\n"));
    }
    s.push_str(
        "    end\n\
         // port A: writes\n\
         always @(posedge CLKA) if (CEA && WEA) begin : wr\n\
             integer a, u, b, k;\n\
             a = word_addr(DATA_WIDTH_A, ada);\n\
             u = unit_of(DATA_WIDTH_A, a);\n\
             b = bit_of(DATA_WIDTH_A, a);\n\
             if (DATA_WIDTH_A == 18) begin\n\
                 if (ADA0) unit[u] <= dia[8:0];\n\
                 if (ADA1) unit[u + 1] <= dia[17:9];\n\
             end else if (DATA_WIDTH_A == 9) unit[u] <= dia[8:0];\n\
             else for (k = 0; k < DATA_WIDTH_A; k = k + 1) unit[u][b + k] <= dia[k];\n\
         end\n\
         // port B: reads, then the optional output register\n\
         always @(posedge CLKB) begin : rd\n\
             integer a, u, b, k;\n\
             if (WEB) begin $display(\"DP16KD model: port B writes are not modelled\"); $finish; end\n\
             if (CEB) begin\n\
                 a = word_addr(DATA_WIDTH_B, adb);\n\
                 u = unit_of(DATA_WIDTH_B, a);\n\
                 b = bit_of(DATA_WIDTH_B, a);\n\
                 if (DATA_WIDTH_B == 18) latch_b <= {unit[u + 1], unit[u]};\n\
                 else if (DATA_WIDTH_B == 9) latch_b <= {9'd0, unit[u]};\n\
                 else begin\n\
                     for (k = 0; k < 18; k = k + 1) latch_b[k] <= k < DATA_WIDTH_B ? unit[u][b + k] : 1'b0;\n\
                 end\n\
             end\n\
             if (OCEB) out_b <= latch_b;\n\
         end\n\
         endmodule\n",
    );
    s
}

/// The testbench: reads every initial word, then random writes and reads; prints `rdata` once
/// per cycle (before the inputs change).
fn testbench(module: &str, width: u32, aw: u32, depth: u64) -> String {
    format!(
        "`timescale 1ns/1ps\n\
         module tb;\n\
         reg clk = 1'b0;\n\
         reg we = 1'b0;\n\
         reg [{a}:0] waddr = 0, raddr = 0;\n\
         reg [{w}:0] wdata = 0;\n\
         wire [{w}:0] rdata;\n\
         integer i, seed, r;\n\
         {module} #(.INIT_FILE(\"init.hex\")) dut (.clk(clk), .we(we), .waddr(waddr), .wdata(wdata), .raddr(raddr), .rdata(rdata));\n\
         always #5 clk = ~clk;\n\
         initial begin\n\
             seed = 12345;\n\
             for (i = 0; i < {depth} + 2; i = i + 1) begin\n\
                 @(negedge clk);\n\
                 $display(\"%h\", rdata);\n\
                 raddr = i < {depth} ? i : 0;\n\
             end\n\
             for (i = 0; i < {cycles}; i = i + 1) begin\n\
                 @(negedge clk);\n\
                 $display(\"%h\", rdata);\n\
                 r = $random(seed);\n\
                 we = r[0];\n\
                 // half the addresses in a small window, so written words are read back\n\
                 waddr = (r[1] ? ($random(seed) & 32'h7fffffff) % 64 : ($random(seed) & 32'h7fffffff)) % {depth};\n\
                 wdata = $random(seed);\n\
                 raddr = (r[2] ? ($random(seed) & 32'h7fffffff) % 64 : ($random(seed) & 32'h7fffffff)) % {depth};\n\
                 // a read of the address being written is undefined on DP16KD (the array forwards)\n\
                 if (we && raddr == waddr) raddr = (raddr + 1) % {depth};\n\
             end\n\
             $finish;\n\
         end\n\
         endmodule\n",
        a = aw - 1,
        w = width - 1,
        cycles = RANDOM_CYCLES,
    )
}

struct Lane {
    dir: PathBuf,
    module: String,
    text: String,
    width: u32,
    aw: u32,
    depth: u64,
    /// The init file's words (hex text per line).
    init: Vec<String>,
}

/// Generate `toml` for ECP5 and write the last lane's weight memory and init file.
fn lane_memory(label: &str, toml: &str, expect: (u32, u32)) -> Lane {
    let g = ecp5_design(toml);
    let lay = &g.layout;
    let k = lay.l - 1;
    let module = format!("{}_wmem_l{k}", lay.name);
    let depth = lay.r * lay.g;
    assert_eq!(
        ecp5::tiling(lay.w_ty.width, depth),
        Some(expect),
        "{label}: tiling"
    );
    let text = g
        .rtl
        .iter()
        .find(|(n, _)| *n == format!("{module}.v"))
        .unwrap_or_else(|| panic!("{label}: no {module}.v"))
        .1
        .clone();
    assert_eq!(
        text.matches("DP16KD #(").count() as u32,
        expect.1,
        "{label}: DP16KD instances"
    );
    let init = g
        .init
        .iter()
        .find(|(n, _)| *n == format!("{}_w{k}.hex", lay.name))
        .unwrap()
        .1
        .clone();
    let dir = work_dir(label);
    std::fs::write(dir.join("init.hex"), &init).unwrap();
    std::fs::write(dir.join("DP16KD.v"), dp16kd_model()).unwrap();
    Lane {
        dir,
        module,
        text,
        width: lay.w_ty.width,
        aw: hdl::ir::addr_width(depth),
        depth,
        init: init.lines().map(str::to_string).collect(),
    }
}

/// Simulate `text` (the memory module) with or without `-DSYNTHESIS`; the printed words.
fn simulate(l: &Lane, text: &str, synthesis: bool) -> Result<Vec<String>, String> {
    let tag = if synthesis { "synth" } else { "behav" };
    let mfile = format!("{}_{tag}.v", l.module);
    std::fs::write(l.dir.join(&mfile), text).unwrap();
    std::fs::write(
        l.dir.join("tb.v"),
        testbench(&l.module, l.width, l.aw, l.depth),
    )
    .unwrap();
    let vvp = format!("{tag}.vvp");
    let mut args = vec!["-g2005", "-Wall", "-o", &vvp, "-s", "tb", "tb.v", &mfile];
    if synthesis {
        args.extend(["-DSYNTHESIS", "DP16KD.v"]);
    }
    tool(&l.dir, "iverilog", &args)?;
    let (out, _) = tool(&l.dir, "vvp", &["-n", &vvp])?;
    Ok(out
        .lines()
        .filter(|s| !s.is_empty() && !s.starts_with("VCD") && !s.contains("$finish"))
        .map(str::to_string)
        .collect())
}

/// Both branches of `text`: Ok when their read streams agree and the initial reads equal the
/// init file; Err with the first difference otherwise.
fn compare(l: &Lane, text: &str) -> Result<(), String> {
    let behav = simulate(l, text, false)?;
    let synth = simulate(l, text, true)?;
    let n = l.depth as usize + 2 + RANDOM_CYCLES as usize;
    if behav.len() != n || synth.len() != n {
        return Err(format!(
            "expected {n} reads, got {} (behavioural) and {} (DP16KD)",
            behav.len(),
            synth.len()
        ));
    }
    // the word read at cycle i appears at cycle i + 2 (read latency 2); cycles 0, 1 precede it
    for (a, want) in l.init.iter().enumerate() {
        for (what, got) in [("behavioural", &behav), ("DP16KD", &synth)] {
            if got[a + 2] != *want {
                return Err(format!(
                    "{what}: initial word {a} is {}, the init file has {want}",
                    got[a + 2]
                ));
            }
        }
    }
    if let Some(i) = (2..n).find(|&i| behav[i] != synth[i]) {
        return Err(format!(
            "cycle {i}: behavioural {} != DP16KD {}",
            behav[i], synth[i]
        ));
    }
    Ok(())
}

#[test]
fn dp16kd_branch_reads_what_the_behavioural_model_reads() {
    let failures: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = NETS
            .iter()
            .map(|(label, toml, expect)| {
                s.spawn(move || {
                    let l = lane_memory(label, toml, *expect);
                    compare(&l, &l.text).err().map(|e| format!("{label}: {e}"))
                })
            })
            .collect();
        hs.into_iter().filter_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn swapped_initvals_and_a_missing_output_register_are_caught() {
    let (label, toml, expect) = NETS[0];
    let l = lane_memory(&format!("{label}-mutants"), toml, expect);
    assert_eq!(compare(&l, &l.text), Ok(()));
    let swapped = l
        .text
        .replacen(".INITVAL_00(", ".INITVAL_TMP(", 1)
        .replacen(".INITVAL_01(", ".INITVAL_00(", 1)
        .replacen(".INITVAL_TMP(", ".INITVAL_01(", 1);
    assert_ne!(swapped, l.text);
    let e = compare(&l, &swapped).unwrap_err();
    assert!(e.contains("DP16KD: initial word"), "{e}");
    let noreg = l
        .text
        .replace(".REGMODE_B(\"OUTREG\")", ".REGMODE_B(\"NOREG\")");
    assert_ne!(noreg, l.text);
    let e = compare(&l, &noreg).unwrap_err();
    assert!(e.contains("DP16KD"), "{e}");
}

#[test]
fn yosys_synth_ecp5_uses_dp16kd_with_output_register_for_the_weights() {
    let (_, toml, (_, tiles)) = NETS[0];
    let g = ecp5_design(toml);
    let dir = work_dir("yosys");
    let mut files = Vec::new();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        std::fs::write(dir.join(n), t).unwrap();
        if n.ends_with(".v") {
            files.push(n.clone());
        }
    }
    let top = &g.design.top;
    let n = tiles as u64 * g.layout.l;
    let script = format!(
        "{cells}\n\
         read_verilog {files}\n\
         hierarchy -check -top {top}\n\
         proc\n\
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr\n\
         synth_ecp5 -top {top}\n\
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH* t:$_DLATCHSR*\n\
         select -assert-count {n} t:DP16KD r:REGMODE_B=OUTREG %i\n\
         tee -q -o bram.txt select -list t:DP16KD\n",
        cells = ecp5::YOSYS_READ_CELLS,
        files = files.join(" "),
    );
    std::fs::write(dir.join("synth.ys"), script).unwrap();
    tool(&dir, "yosys", &["-q", "-s", "synth.ys"]).unwrap();
    let cells = std::fs::read_to_string(dir.join("bram.txt")).unwrap();
    for k in 0..g.layout.l {
        for t in 0..tiles {
            let name = format!("u_lane{k}.u_wmem.u_bram{t}");
            assert!(cells.contains(&name), "no {name} in {cells}");
        }
    }
}

#[test]
fn verilator_lint_of_the_simulation_branch_is_clean() {
    let (_, toml, _) = NETS[0];
    let g = ecp5_design(toml);
    let dir = work_dir("verilator");
    let mut args = vec![
        "--lint-only".to_string(),
        "-Wall".into(),
        "--top-module".into(),
        g.design.top.clone(),
    ];
    for (n, t) in &g.rtl {
        std::fs::write(dir.join(n), t).unwrap();
        args.push(n.clone());
    }
    assert!(g.rtl.iter().any(|(n, _)| n.contains("_wmem_l1")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = Command::new("verilator")
        .args(&args)
        .current_dir(&dir)
        .output()
        .expect("verilator; install the toolchain with scripts/setup.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && !text.contains("%Warning") && !text.contains("%Error"),
        "{text}"
    );
}
