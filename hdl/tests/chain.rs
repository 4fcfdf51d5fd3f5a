//! The chain of layers ([`hdl::array::chain`]): the chain top is lint clean under
//! `verilator --lint-only -Wall` and `iverilog -g2005 -Wall`, for both layer delays and both
//! output streams (`[network] output`), and its manifest maps every layer's host space.
//! Runtime: a few seconds.

use golden::Config;
use golden::config::ChainOutput;
use hdl::array::chain::{ChainGenerated, generate_chain_output};
use hdl::array::{Options, Target};
use std::path::{Path, PathBuf};
use std::process::Command;

fn layer(name: &str, inputs: u32, neurons: u32, lanes: u32, recurrent: bool) -> Config {
    let toml = format!(
        "name = \"{name}\"\n[array]\ninputs = {inputs}\nneurons = {neurons}\nlanes = {lanes}\nrecurrent = {recurrent}\n"
    );
    Config::from_toml_str(&toml, Path::new(".")).unwrap()
}

fn chain(name: &str, sizes: &[(u32, u32)], delay: u32) -> ChainGenerated {
    chain_for(name, sizes, delay, Target::Generic)
}

fn chain_for(name: &str, sizes: &[(u32, u32)], delay: u32, target: Target) -> ChainGenerated {
    chain_out(name, sizes, delay, target, ChainOutput::Last)
}

fn chain_out(
    name: &str,
    sizes: &[(u32, u32)],
    delay: u32,
    target: Target,
    output: ChainOutput,
) -> ChainGenerated {
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
    let opts = Options {
        target,
        ..Options::default()
    };
    let last = layers.len() - 1;
    generate_chain_output(name, &layers, delay, last, output, &opts).unwrap()
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
        chain_for("chain_up5k", &[(8, 2), (4, 2)], 1, Target::Ice40Up5k),
        chain_for("chain_ecp5", &[(8, 4), (4, 2)], 0, Target::Ecp5),
        chain_out(
            "chain_all_d1",
            &[(8, 4), (6, 3), (4, 1)],
            1,
            Target::Generic,
            ChainOutput::All,
        ),
        chain_out(
            "chain_all_up5k",
            &[(8, 2), (4, 2)],
            0,
            Target::Ice40Up5k,
            ChainOutput::All,
        ),
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

#[test]
fn the_manifest_maps_every_layer_above_the_largest_layer_space() {
    let g = chain("chain_map", &[(8, 4), (6, 3), (4, 1)], 1);
    let m: serde_json::Value = serde_json::from_str(&g.manifest).unwrap();
    let shift = g.layers.iter().map(|l| l.layout.aw).max().unwrap();
    assert_eq!(m["host"]["layer_shift"], shift);
    assert_eq!(m["host"]["layer_bits"], 2);
    assert_eq!(m["host"]["broadcast"], 3);
    assert_eq!(m["host"]["address_bits"], shift + 2);
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    for (k, l) in layers.iter().enumerate() {
        assert_eq!(l["host_base"], format!("0x{:x}", (k as u64) << shift));
        assert_eq!(l["module"], format!("chain_map_l{k}"));
        // each layer's own manifest, with its own map
        assert_eq!(l["manifest"]["top"], format!("chain_map_l{k}"));
        assert_eq!(l["manifest"]["host"]["address_bits"], g.layers[k].layout.aw);
        assert_eq!(l["link_depth"].is_null(), k == 2);
    }
    // the top's wb_adr is as wide as the map
    let top = &g.design.modules[0];
    let adr = top.ports().find(|p| p.name == "wb_adr").unwrap();
    assert_eq!(adr.ty.width, shift + 2);
}
