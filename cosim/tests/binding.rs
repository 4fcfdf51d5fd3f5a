//! The Verilator binding on small hand-written designs: values over cycles, port widths, several
//! models in one process, concurrent builds of one design (threads and processes), VCD tracing,
//! error messages, and the benchmark function.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use cosim::bench::{CosimBench, cosim_speed, lfsr_bank_verilog};
use cosim::verilator::{Build, Design, Direction, ErrorKind, InitialValues};

const COUNTER: &str = "\
// 8-bit counter with synchronous reset and enable.
module counter (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    output reg  [7:0] count,
    output wire       wrap
);
    assign wrap = &count;
    always @(posedge clk)
        if (rst) count <= 8'd0;
        else if (en) count <= count + 8'd1;
endmodule
";

const WIDTHS: &str = "\
// Ports of 1, 17, 33, 64 and 100 bits; each output is a function of its input.
module widths (
    input  wire          a1,
    input  wire [16:0]   a17,
    input  wire [32:0]   a33,
    input  wire [63:0]   a64,
    input  wire [99:0]   a100,
    output wire          y1,
    output wire [16:0]   y17,
    output wire [32:0]   y33,
    output wire [63:0]   y64,
    output wire [99:0]   y100
);
    assign y1 = ~a1;
    assign y17 = a17 + 17'd1;
    assign y33 = ~a33;
    assign y64 = a64 + 64'd1;
    assign y100 = a100 + 100'd1;
endmodule
";

/// A fresh directory under the system temp dir for one test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "neurogen-cosim-test-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn counter_design(trace: bool) -> Design {
    let dir = scratch("counter");
    let v = write(&dir, "counter.v", COUNTER);
    let d = Build::new("counter")
        .source(&v)
        .trace(trace)
        .build()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    d
}

#[test]
fn counter_counts_with_reset_and_enable() {
    let design = counter_design(false);
    let names: Vec<(&str, Direction, u32)> = design
        .ports()
        .iter()
        .map(|p| (p.name(), p.direction(), p.width()))
        .collect();
    for expected in [
        ("clk", Direction::Input, 1),
        ("rst", Direction::Input, 1),
        ("en", Direction::Input, 1),
        ("count", Direction::Output, 8),
        ("wrap", Direction::Output, 1),
    ] {
        assert!(names.contains(&expected), "{expected:?} not in {names:?}");
    }

    let model = design.model().unwrap();
    let (rst, en) = (model.input("rst").unwrap(), model.input("en").unwrap());
    let (count, wrap) = (
        model.output("count").unwrap(),
        model.output("wrap").unwrap(),
    );
    let mut clk = model.clock("clk").unwrap();
    rst.set(1).unwrap();
    clk.step().unwrap();
    assert_eq!(count.get(), 0);
    rst.set(0).unwrap();
    // Disabled: holds.
    clk.run(3).unwrap();
    assert_eq!(count.get(), 0);
    en.set(1).unwrap();
    for cycle in 1..=300u64 {
        clk.step().unwrap();
        assert_eq!(count.get(), cycle % 256, "cycle {cycle}");
        assert_eq!(wrap.get(), u64::from(cycle % 256 == 255), "cycle {cycle}");
    }
    en.set(0).unwrap();
    clk.run(5).unwrap();
    assert_eq!(count.get(), 300 % 256);
    rst.set(1).unwrap();
    clk.step().unwrap();
    assert_eq!(count.get(), 0);
    assert_eq!(clk.cycles(), 1 + 3 + 300 + 5 + 1);
    assert!(!model.finished());
}

#[test]
fn second_build_of_a_design_comes_from_the_cache() {
    let first = counter_design(false);
    let again = counter_design(false);
    assert!(again.build_info().from_cache());
    assert_eq!(first.build_info().dir(), again.build_info().dir());
    // A different flag is a different build.
    let dir = scratch("flag");
    let v = write(&dir, "counter.v", COUNTER);
    let other = Build::new("counter")
        .source(&v)
        .flag("-DUNUSED_DEFINE=1")
        .build()
        .unwrap();
    assert_ne!(other.build_info().dir(), first.build_info().dir());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ports_of_1_17_33_64_and_100_bits_check_widths_and_round_trip() {
    let design = Build::new("widths")
        .source_text("widths.v", WIDTHS)
        .build()
        .unwrap();
    let widths: Vec<(&str, u32)> = design
        .ports()
        .iter()
        .map(|p| (p.name(), p.width()))
        .collect();
    for (name, w) in [
        ("a1", 1),
        ("a17", 17),
        ("a33", 33),
        ("a64", 64),
        ("a100", 100),
    ] {
        assert!(widths.contains(&(name, w)), "{name} in {widths:?}");
    }
    let m = design.model().unwrap();
    let (a1, a17, a33, a64, a100) = (
        m.input("a1").unwrap(),
        m.input("a17").unwrap(),
        m.input("a33").unwrap(),
        m.input("a64").unwrap(),
        m.input("a100").unwrap(),
    );
    let (y1, y17, y33, y64) = (
        m.output("y1").unwrap(),
        m.output("y17").unwrap(),
        m.output("y33").unwrap(),
        m.output("y64").unwrap(),
    );
    let y100 = m.output_wide("y100").unwrap();

    // Largest values that fit.
    a1.set(1).unwrap();
    a17.set((1 << 17) - 2).unwrap();
    a33.set(0x1_2345_6789).unwrap();
    a64.set(u64::MAX - 1).unwrap();
    a100.set_words(&[u32::MAX, u32::MAX, 0x1234_5678, 0x7])
        .unwrap();
    m.eval().unwrap();
    assert_eq!(y1.get(), 0);
    assert_eq!(y17.get(), (1 << 17) - 1);
    assert_eq!(y33.get(), !0x1_2345_6789u64 & ((1 << 33) - 1));
    assert_eq!(y64.get(), u64::MAX);
    // The carry crosses two word boundaries.
    assert_eq!(y100.get_words(), vec![0, 0, 0x1234_5679, 0x7]);
    // Wrap-around at 100 bits.
    a100.set_words(&[u32::MAX, u32::MAX, u32::MAX, 0xF])
        .unwrap();
    m.eval().unwrap();
    assert_eq!(y100.get_words(), vec![0; 4]);
    // A u64 write to a wide port clears the upper words.
    a100.set(u64::MAX).unwrap();
    m.eval().unwrap();
    let mut buf = [0u32; 4];
    y100.read_words(&mut buf).unwrap();
    assert_eq!(buf, [0, 0, 1, 0]);
    // Signed views.
    a17.set_signed(-1).unwrap();
    m.eval().unwrap();
    assert_eq!(y17.get(), 0);
    a33.set_signed(-2).unwrap();
    m.eval().unwrap();
    assert_eq!(y33.get_signed(), 1);
    a100.set_signed(-2).unwrap();
    m.eval().unwrap();
    assert_eq!(y100.get_words(), vec![u32::MAX, u32::MAX, u32::MAX, 0xF]);

    // Values that do not fit are errors naming the port and its width, and change nothing.
    a17.set(5).unwrap();
    for (port, value, width) in [(&a1, 2u64, 1u32), (&a17, 1 << 17, 17), (&a33, 1 << 33, 33)] {
        let e = port.set(value).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::ValueTooWide { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("`{}`", port.port().name()))
                && msg.contains(&format!("{width} bit")),
            "{msg}"
        );
    }
    m.eval().unwrap();
    assert_eq!(y17.get(), 6);
    let e = a17.set_signed(1 << 16).unwrap_err();
    assert!(e.to_string().contains("`a17` (17 bits)"), "{e}");
    let e = a100.set_words(&[1, 2, 3]).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::WordCount {
                expected: 4,
                got: 3,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("`a100` (100 bits) takes 4 32-bit words, got 3"),
        "{e}"
    );
    let e = a100.set_words(&[0, 0, 0, 0x10]).unwrap_err();
    assert!(e.to_string().contains("`a100` (100 bits)"), "{e}");
    let e = a33.set_words(&[0, 2]).unwrap_err();
    assert!(e.to_string().contains("`a33` (33 bits)"), "{e}");

    // Wrong names, directions and widths.
    let e = m.output("y100").unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::TooWideForU64 { width: 100, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("output_wide"), "{e}");
    let e = m.input("y1").unwrap_err();
    assert!(e.to_string().contains("port `y1` is an output"), "{e}");
    let e = m.output("a1").unwrap_err();
    assert!(e.to_string().contains("port `a1` is an input"), "{e}");
    let e = m.input("nope").unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("no top-level port `nope`"), "{msg}");
    assert!(
        msg.contains("a100[100] input") && msg.contains("y17[17] output"),
        "{msg}"
    );
}

#[test]
fn two_different_models_and_two_instances_live_in_one_process() {
    let counter = counter_design(false);
    let widths = Build::new("widths")
        .source_text("widths.v", WIDTHS)
        .build()
        .unwrap();
    let c1 = counter.model().unwrap();
    let c2 = counter.model().unwrap();
    let w = widths.model().unwrap();
    let (en1, en2) = (c1.input("en").unwrap(), c2.input("en").unwrap());
    let (n1, n2) = (c1.output("count").unwrap(), c2.output("count").unwrap());
    let (mut k1, mut k2) = (c1.clock("clk").unwrap(), c2.clock("clk").unwrap());
    let (a64, y64) = (w.input("a64").unwrap(), w.output("y64").unwrap());
    en1.set(1).unwrap();
    en2.set(1).unwrap();
    for i in 0..50u64 {
        k1.step().unwrap();
        if i % 2 == 0 {
            k2.step().unwrap();
        }
        a64.set(i << 40).unwrap();
        w.eval().unwrap();
        assert_eq!(y64.get(), (i << 40) + 1);
    }
    assert_eq!(n1.get(), 50);
    assert_eq!(n2.get(), 25);
}

/// Builds the design named by `NEUROGEN_COSIM_CHILD_SOURCE` into the cache
/// `NEUROGEN_COSIM_CHILD_CACHE` when run as a child of
/// [`concurrent_builds_from_threads_and_processes_build_once`]; does nothing otherwise.
#[test]
fn child_build_entry() {
    let (Some(cache), Some(src)) = (
        std::env::var_os("NEUROGEN_COSIM_CHILD_CACHE"),
        std::env::var_os("NEUROGEN_COSIM_CHILD_SOURCE"),
    ) else {
        return;
    };
    let d = Build::new("counter")
        .source(PathBuf::from(src))
        .cache_dir(PathBuf::from(cache))
        .build()
        .unwrap();
    d.model().unwrap().eval().unwrap();
    println!("child-from-cache={}", d.build_info().from_cache());
}

#[test]
fn concurrent_builds_from_threads_and_processes_build_once() {
    let dir = scratch("concurrent");
    let cache = dir.join("cache");
    // A design no other test builds, so that this test's builders really race.
    let v = write(&dir, "counter.v", &format!("// concurrent\n{COUNTER}"));
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "child_build_entry",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("NEUROGEN_COSIM_CHILD_CACHE", &cache)
                .env("NEUROGEN_COSIM_CHILD_SOURCE", &v)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let from_threads: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let d = Build::new("counter")
                        .source(&v)
                        .cache_dir(&cache)
                        .build()
                        .unwrap();
                    let m = d.model().unwrap();
                    m.input("en").unwrap().set(1).unwrap();
                    let mut clk = m.clock("clk").unwrap();
                    clk.run(7).unwrap();
                    assert_eq!(m.output("count").unwrap().get(), 7);
                    d.build_info().from_cache()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = from_threads;
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let flag = stdout
            .lines()
            .find_map(|l| Some(&l[l.find("child-from-cache=")? + 17..]))
            .unwrap_or_else(|| panic!("no report from child: {stdout}"));
        all.push(flag == "true");
    }
    assert_eq!(
        all.iter().filter(|c| !**c).count(),
        1,
        "exactly one of 6 builders compiles, the others load its entry: {all:?}"
    );
    // One entry, no temporaries left behind.
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.contains(".tmp-")).count(),
        0,
        "{names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("model-") && !n.ends_with(".lock"))
            .count(),
        1,
        "{names:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn vcd_trace_is_written_with_the_signal_names() {
    let design = counter_design(true);
    assert!(design.has_trace());
    let dir = scratch("vcd");
    let vcd = dir.join("counter.vcd");
    let model = design.model().unwrap();
    model.trace_open(&vcd).unwrap();
    assert!(model.is_tracing());
    model.input("en").unwrap().set(1).unwrap();
    let mut clk = model.clock("clk").unwrap().with_half_period(5);
    clk.run(20).unwrap();
    assert_eq!(clk.time(), 200);
    model.trace_close();
    let text = std::fs::read_to_string(&vcd).unwrap();
    assert!(text.contains("$enddefinitions"), "{text}");
    for name in [" clk ", " rst ", " en ", " count [7:0] ", " wrap "] {
        assert!(text.contains(name), "VCD lacks `{name}`:\n{text}");
    }
    assert!(text.contains("#195"), "last dump time missing:\n{text}");
    assert!(
        text.contains("b00010100 "),
        "count = 20 never dumped:\n{text}"
    );

    // Tracing a design built without it is a clear error.
    let plain = counter_design(false);
    let e = plain
        .model()
        .unwrap()
        .trace_open(dir.join("x.vcd"))
        .unwrap_err();
    assert!(e.to_string().contains("built without tracing"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_verilog_gives_verilators_message() {
    let dir = scratch("bad");
    let v = write(
        &dir,
        "broken.v",
        "module broken(input clk, output q);\n  assign q = clk\nendmodule\n",
    );
    let e = Build::new("broken").source(&v).build().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Verilator { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("Verilator rejected top module `broken`"),
        "{msg}"
    );
    assert!(
        msg.contains("%Error: ") && msg.contains("broken.v:3"),
        "{msg}"
    );
    assert!(msg.contains("syntax error"), "{msg}");
    assert!(msg.lines().count() < 30, "{msg}");

    // A lint warning is fatal unless relaxed.
    let w = write(
        &dir,
        "narrow.v",
        "module narrow(input [7:0] a, output [3:0] q);\n  assign q = a;\nendmodule\n",
    );
    let e = Build::new("narrow").source(&w).build().unwrap_err();
    assert!(e.to_string().contains("%Warning-WIDTH"), "{e}");
    Build::new("narrow")
        .source(&w)
        .flag("-Wno-WIDTH")
        .build()
        .unwrap();

    // Unknown top module and missing file.
    let e = Build::new("nosuch").source(&v).build().unwrap_err();
    assert!(e.to_string().contains("%Error"), "{e}");
    let e = Build::new("x")
        .source(dir.join("missing.v"))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("missing.v"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Tries to build with an empty `PATH` when run as a child of
/// [`missing_verilator_names_the_setup_command`]; does nothing otherwise.
#[test]
fn child_missing_tool_entry() {
    if std::env::var_os("NEUROGEN_COSIM_CHILD_NO_TOOLS").is_none() {
        return;
    }
    let e = Build::new("counter")
        .source_text("counter.v", COUNTER)
        .build()
        .unwrap_err();
    println!("child-error={e}");
}

#[test]
fn missing_verilator_names_the_setup_command() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_missing_tool_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("NEUROGEN_COSIM_CHILD_NO_TOOLS", "1")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("child-error="))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("`verilator` was not found"), "{line}");
    assert!(line.contains("./scripts/setup.sh"), "{line}");
}

#[test]
fn stop_and_fatal_are_errors_and_finish_is_reported_without_ending_the_process() {
    let src = "\
module checks(input clk, input do_finish, input do_fatal, output reg [3:0] n);
    initial n = 4'd0;
    always @(posedge clk) begin
        n <= n + 4'd1;
        if (do_finish) $finish;
        if (do_fatal) $fatal(1, \"bad thing at n=%0d\", n);
    end
endmodule
";
    let design = Build::new("checks")
        .source_text("checks.v", src)
        .build()
        .unwrap();
    let m = design.model().unwrap();
    let mut clk = m.clock("clk").unwrap();
    clk.run(3).unwrap();
    m.input("do_finish").unwrap().set(1).unwrap();
    clk.step().unwrap();
    assert!(m.finished());
    assert_eq!(m.output("n").unwrap().get(), 4);

    let m = design.model().unwrap();
    let mut clk = m.clock("clk").unwrap();
    clk.run(2).unwrap();
    m.input("do_fatal").unwrap().set(1).unwrap();
    let e = clk.step().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Simulation { .. }), "{e}");
    assert!(e.to_string().contains("checks.v"), "{e}");
    // The model is dead from then on, but dropping it is fine.
    assert!(m.eval().is_err());
}

#[test]
fn stop_and_error_end_only_their_own_instance() {
    let src = "\
module stops(input clk, input do_stop, input do_error, output reg [3:0] n);
    initial n = 4'd0;
    always @(posedge clk) begin
        n <= n + 4'd1;
        if (do_stop) $stop;
        if (do_error) $error(\"checked error\");
    end
endmodule
";
    let design = Build::new("stops")
        .source_text("stops.v", src)
        .build()
        .unwrap();
    let a = design.model().unwrap();
    let b = design.model().unwrap();
    let (mut ca, mut cb) = (a.clock("clk").unwrap(), b.clock("clk").unwrap());
    ca.run(2).unwrap();
    cb.run(2).unwrap();
    a.input("do_stop").unwrap().set(1).unwrap();
    let e = ca.step().unwrap_err();
    assert!(e.to_string().contains("stops.v:5"), "{e}");
    // The other instance of the same design, on the same thread, runs on.
    cb.run(3).unwrap();
    assert_eq!(b.output("n").unwrap().get(), 5);
    assert!(!b.finished());
    b.input("do_error").unwrap().set(1).unwrap();
    b.eval().unwrap();
    let clk = b.input("clk").unwrap();
    clk.set(1).unwrap();
    let e = b.eval().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Simulation { .. }), "{e}");
}

#[test]
fn a_changed_include_file_rebuilds_the_design() {
    let dir = scratch("include");
    let cache = dir.join("cache");
    write(&dir, "defs.vh", "`define STEP 8'd1\n");
    let top = write(
        &dir,
        "stepper.v",
        "`include \"defs.vh\"\nmodule stepper(input clk, output reg [7:0] n);\n    \
         initial n = 8'd0;\n    always @(posedge clk) n <= n + `STEP;\nendmodule\n",
    );
    let build = Build::new("stepper")
        .source(&top)
        .flag(format!("-I{}", dir.display()))
        .cache_dir(&cache);
    let run = |d: &Design| {
        let m = d.model().unwrap();
        m.clock("clk").unwrap().run(3).unwrap();
        m.output("n").unwrap().get()
    };
    let first = build.build().unwrap();
    assert_eq!(run(&first), 3);
    assert!(build.build().unwrap().build_info().from_cache());
    write(&dir, "defs.vh", "`define STEP 8'd5\n");
    let second = build.build().unwrap();
    assert!(!second.build_info().from_cache());
    assert_eq!(run(&second), 15);
    // The old model stays usable next to the new one.
    assert_eq!(run(&first), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ports_named_like_cxx_keywords_or_escaped_keep_their_verilog_names() {
    let src = "\
module names(input [3:0] switch, input \\in.x , output [3:0] delete, output \\out$y );
    assign delete = ~switch;
    assign \\out$y = \\in.x ;
endmodule
";
    let design = Build::new("names")
        .source_text("names.v", src)
        .flag("-Wno-SYMRSVDWORD")
        .build()
        .unwrap();
    let mut names: Vec<&str> = design.ports().iter().map(|p| p.name()).collect();
    names.sort();
    assert_eq!(names, ["delete", "in.x", "out$y", "switch"]);
    let m = design.model().unwrap();
    m.input("switch").unwrap().set(0b0101).unwrap();
    m.input("in.x").unwrap().set(1).unwrap();
    m.eval().unwrap();
    assert_eq!(m.output("delete").unwrap().get(), 0b1010);
    assert_eq!(m.output("out$y").unwrap().get(), 1);
}

#[test]
fn initial_values_of_unreset_registers_follow_the_option() {
    let src = "\
module unreset(input clk, input we, input [11:0] d, output [11:0] q);
    reg [11:0] r;
    always @(posedge clk) if (we) r <= d;
    assign q = r;
endmodule
";
    let design = Build::new("unreset")
        .source_text("unreset.v", src)
        .build()
        .unwrap();
    let read = |init| {
        let m = design.model_with(init).unwrap();
        m.eval().unwrap();
        m.output("q").unwrap().get()
    };
    assert_eq!(read(InitialValues::Zeros), 0);
    assert_eq!(read(InitialValues::Ones), 0xFFF);
    let a = read(InitialValues::Random { seed: 7 });
    assert_eq!(a, read(InitialValues::Random { seed: 7 }));
    let values: std::collections::HashSet<u64> = (1..6)
        .map(|seed| read(InitialValues::Random { seed }))
        .collect();
    assert!(
        values.len() > 1,
        "random initial values all equal: {values:?}"
    );
}

#[test]
fn cosim_bench_reports_positive_rates_and_build_times() {
    let dir = scratch("bench");
    let v = write(&dir, "counter.v", COUNTER);
    let mut bench = CosimBench::new([&v], "counter", "clk");
    bench.inputs = vec![("en".to_string(), 1)];
    bench.cycles = 20_000;
    bench.repeats = 2;
    let r = cosim_speed(&bench).unwrap();
    assert!(
        r.rust_cycles_per_sec.is_finite() && r.rust_cycles_per_sec > 0.0,
        "{r}"
    );
    assert!(
        r.cpp_cycles_per_sec.is_finite() && r.cpp_cycles_per_sec > 0.0,
        "{r}"
    );
    assert!(r.ratio > 0.0, "{r}");
    assert!(r.build_cold > std::time::Duration::ZERO, "{r}");
    assert!(r.build_warm > std::time::Duration::ZERO, "{r}");
    assert!(r.outputs_match, "{r}");
    assert!(r.to_string().contains("ratio"), "{r}");

    // The reference workload builds and runs on both sides too.
    let l = write(&dir, "lfsr.v", &lfsr_bank_verilog(4));
    let mut bench = CosimBench::new([&l], "lfsr_bank", "clk");
    bench.cycles = 1_000;
    bench.repeats = 1;
    let r = cosim_speed(&bench).unwrap();
    assert!(r.outputs_match, "{r}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn designs_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Design>();
    send_sync::<cosim::verilator::Error>();
}
