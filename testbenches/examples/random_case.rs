//! Reproduce one random co-simulation case: `cargo run --release -p testbenches --example
//! random_case -- SEED [OUT_DIR]` prints the case (config TOML, stimulus, host actions,
//! backpressure, power-up values, target; `NEUROGEN_INIT=zeros|ones` overrides the power-up
//! values), runs it through Verilator and the golden model, prints MATCH or the mismatch,
//! and with OUT_DIR writes `net.toml`, `stimulus.json` and, on a mismatch, `mismatch.vcd` there.

use cosim::driver::{Compare, RunOptions, run};
use cosim::verilator::InitialValues;
use testbenches::random::Case;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .expect("usage: random_case SEED [OUT_DIR]");
    let out = args.get(2).map(std::path::PathBuf::from);
    let mut case = Case::new(seed);
    // NEUROGEN_INIT=zeros|ones overrides the drawn power-up values
    match std::env::var("NEUROGEN_INIT").as_deref() {
        Ok("zeros") => case.init = InitialValues::Zeros,
        Ok("ones") => case.init = InitialValues::Ones,
        _ => {}
    }
    println!("{}", case.describe());
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).expect("create OUT_DIR");
        std::fs::write(dir.join("net.toml"), &case.toml).expect("write net.toml");
        std::fs::write(dir.join("stimulus.json"), case.stimulus.to_json())
            .expect("write stimulus.json");
    }
    let opts = RunOptions {
        bp: case.bp,
        seed: case.seed,
        compare: Compare::Full,
        actions: case.actions.clone(),
        vcd: out.as_ref().map(|d| d.join("mismatch.vcd")),
        init: case.init,
        target: case.target,
        ..Default::default()
    };
    match run(&case.config, &case.stimulus, &opts) {
        Ok(rep) => match rep.mismatch {
            None => println!("MATCH ({} ticks, {} cycles)", rep.ticks, rep.tick_cycles),
            Some(m) => println!("{m}"),
        },
        Err(e) => println!("ERROR: {e}"),
    }
}
