//! Development aid: `cargo run -p hdl --example gen -- CONFIG OUTDIR` writes the RTL and init files.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cfg = golden::Config::from_file(std::path::Path::new(&args[1])).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let target =
        hdl::array::Target::parse(&std::env::var("TARGET").unwrap_or("generic".into())).unwrap();
    let opts = hdl::array::Options {
        target,
        ..Default::default()
    };
    let g = hdl::array::generate(&cfg, &opts).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let out = std::path::Path::new(&args[2]);
    std::fs::create_dir_all(out).unwrap();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        std::fs::write(out.join(n), t).unwrap();
    }
    std::fs::write(out.join("manifest.json"), &g.manifest).unwrap();
}
