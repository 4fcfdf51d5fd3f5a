//! Measures the Verilator binding against a plain C++ loop on the reference LFSR bank:
//! `cargo run --release -p cosim --example cosim_bench -- [LANES...] [--cycles N] [--repeats R]`
//! (default: 16 and 64 lanes, i.e. 512 and 2048 flip-flops, 2,000,000 cycles, best of 3).

use cosim::bench::{CosimBench, cosim_speed, lfsr_bank_verilog};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lanes = Vec::new();
    let mut cycles = 2_000_000;
    let mut repeats = 3;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--cycles" {
            cycles = args.next().ok_or("--cycles needs a value")?.parse()?;
        } else if a == "--repeats" {
            repeats = args.next().ok_or("--repeats needs a value")?.parse()?;
        } else {
            lanes.push(a.parse::<u32>()?);
        }
    }
    if lanes.is_empty() {
        lanes = vec![16, 64];
    }
    let dir = std::env::temp_dir().join(format!("neurogen-cosim-bench-ex-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for n in lanes {
        let v = dir.join(format!("lfsr_bank_{n}.v"));
        std::fs::write(&v, lfsr_bank_verilog(n))?;
        let mut bench = CosimBench::new([&v], "lfsr_bank", "clk");
        bench.cycles = cycles;
        bench.repeats = repeats;
        let report = cosim_speed(&bench)?;
        println!("{n} lanes ({} flip-flops)\n{report}", 32 * n);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
