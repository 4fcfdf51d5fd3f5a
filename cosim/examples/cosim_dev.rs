//! Development aid: `cargo run -p cosim --example cosim_dev -- CONFIG TICKS RATE_HZ [SEED] [BP]`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let cfg =
        golden::Config::from_file(std::path::Path::new(&a[1])).unwrap_or_else(|e| panic!("{e}"));
    let ticks: usize = a[2].parse().unwrap();
    let rate: f64 = a[3].parse().unwrap();
    let seed: u64 = a.get(4).map(|s| s.parse().unwrap()).unwrap_or(1);
    let bp: f64 = a.get(5).map(|s| s.parse().unwrap()).unwrap_or(0.0);
    let mut stim = golden::Stimulus::poisson(cfg.array.inputs + 2, rate, ticks, 1.0, seed);
    if std::env::var("DUP").is_ok() {
        // repeat every tick's events in reverse: duplicates, some back to back
        for t in stim.ticks.iter_mut() {
            let rev: Vec<u32> = t.iter().rev().copied().collect();
            t.extend(rev);
        }
    }
    let target =
        hdl::array::Target::parse(&std::env::var("TARGET").unwrap_or("generic".into())).unwrap();
    let opts = cosim::driver::RunOptions {
        target,
        bp: cosim::driver::Backpressure {
            input: bp,
            output: bp,
        },
        vcd: Some("/tmp/mismatch.vcd".into()),
        ..Default::default()
    };
    let r = cosim::driver::run(&cfg, &stim, &opts).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "ticks {} events {} spikes {} cycles {} sop/cycle {:.3} build {:.2}s wall {:.2}s",
        r.ticks,
        r.events,
        r.spikes,
        r.tick_cycles,
        r.sop_per_cycle(),
        r.build_s,
        r.wall_s
    );
    match r.mismatch {
        Some(m) => println!("{m}"),
        None => println!("MATCH"),
    }
}
