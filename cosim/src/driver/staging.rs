//! Getting a design onto disk and into Verilator: generate the Verilog of a config (or read an
//! RTL folder `neurogen generate` wrote), apply text patches, write the files to a folder named
//! by a hash of their contents, and build the Verilated model.
//!
//! Key decisions:
//! - The folder is keyed by the contents ([`crate::fnv`]), so `$readmemh` paths (absolute, into
//!   that folder) are stable and the Verilator build cache hits on repeated runs of one design.
//!   Files are rewritten only when their text changed.
//! - An RTL folder is checked against the config before anything is built: its `manifest.json`
//!   must describe the same network (the first differing key is named), and every Verilog and
//!   init file it lists must be there. Its Verilog is copied with the init file names in
//!   `$readmemh` parameters made absolute (into the folder), since Verilator resolves them
//!   against the working directory of the process.

use super::RunOptions;
use super::error::{Error, Result};
use crate::fnv::KeyHasher;
use crate::verilator::{Build, Design};
use golden::Config;
use hdl::array::{Generated, Layout, Options as GenOptions, Target, generate};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Generate `cfg` for `opts` (target, forwarding), write it with `opts.patches` applied to a
/// content-keyed folder, and build the Verilated model (with VCD tracing when `trace`).
pub fn build(cfg: &Config, opts: &RunOptions, trace: bool) -> Result<(Generated, Design)> {
    let gen_opts = |init_prefix: String| GenOptions {
        target: opts.target,
        forwarding: opts.forwarding,
        init_prefix,
    };
    let probe = generate(cfg, &gen_opts(String::new())).map_err(Error::Generate)?;
    let files = probe.rtl.iter().chain(probe.init.iter());
    let dir = design_dir(&cfg.name, files, &patch_fields(opts))?;
    let mut g = generate(cfg, &gen_opts(format!("{}/", dir.display()))).map_err(Error::Generate)?;
    apply_patches(&mut g.rtl, &opts.patches)?;
    let paths = write_files(&dir, g.rtl.iter().chain(g.init.iter()))?;
    let design = Build::new(g.design.top.clone())
        .sources(paths)
        .trace(trace)
        .build()?;
    Ok((g, design))
}

/// The design a run simulates: `opts.rtl`'s folder when set, else `cfg` generated; its layout
/// and built model.
pub(crate) fn stage(cfg: &Config, opts: &RunOptions, trace: bool) -> Result<(Layout, Design)> {
    match &opts.rtl {
        None => build(cfg, opts, trace).map(|(g, d)| (g.layout, d)),
        Some(dir) => build_rtl(cfg, dir, opts, trace),
    }
}

/// What an RTL folder's `manifest.json` says, checked against a config.
#[derive(Debug, Clone)]
pub struct RtlFolder {
    /// The folder holding the Verilog and init files (`DIR/rtl`).
    pub rtl_dir: PathBuf,
    /// The manifest read.
    pub manifest: PathBuf,
    /// Top module.
    pub top: String,
    /// Target the Verilog was generated for.
    pub target: Target,
    /// Whether it was generated with read-modify-write forwarding.
    pub forwarding: bool,
    /// Verilog files, in `rtl_dir`.
    pub rtl_files: Vec<String>,
    /// Memory init files, in `rtl_dir`.
    pub init_files: Vec<String>,
}

/// Read the RTL folder `dir` (`neurogen generate -o DIR`: `DIR/manifest.json` and `DIR/rtl/`;
/// an exported testbench folder, with `DIR/rtl/manifest.json`, works too) and check that it is
/// the Verilog of `cfg`: same network in the manifest, every listed file present.
pub fn read_rtl_folder(dir: &Path, cfg: &Config) -> Result<RtlFolder> {
    let rtl_dir = dir.join("rtl");
    let manifest = [dir.join("manifest.json"), rtl_dir.join("manifest.json")]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::Rtl(format!(
                "{}: no manifest.json (neither {} nor {}); give the folder `neurogen generate -o` wrote",
                dir.display(),
                dir.join("manifest.json").display(),
                rtl_dir.join("manifest.json").display()
            ))
        })?;
    let text = std::fs::read_to_string(&manifest).map_err(|e| Error::io(&manifest, "read", e))?;
    let m: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Rtl(format!("{}: not JSON: {e}", manifest.display())))?;
    let bad = |what: &str| Error::Rtl(format!("{}: {what}", manifest.display()));
    let str_field = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| bad(&format!("no \"{k}\" text")))
    };
    let list = |k: &str| -> Result<Vec<String>> {
        m.get(k)
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect())
            .ok_or_else(|| bad(&format!("no \"{k}\" list of file names")))
    };
    let top = str_field("top")?;
    let target = Target::parse(&str_field("target")?).map_err(|e| bad(&e))?;
    let forwarding = m
        .get("forwarding")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("no \"forwarding\" flag"))?;
    let theirs = m.get("config").ok_or_else(|| bad("no \"config\""))?;
    let ours = serde_json::to_value(cfg).map_err(|e| Error::Rtl(e.to_string()))?;
    if let Some(d) = first_difference(&ours, theirs, "") {
        return Err(bad(&format!(
            "the folder holds the Verilog of another network than the config `{}`: {d}",
            cfg.name
        )));
    }
    let rtl_files = list("rtl_files")?;
    let init_files = list("init_files")?;
    if rtl_files.is_empty() {
        return Err(bad("\"rtl_files\" is empty"));
    }
    for f in rtl_files.iter().chain(&init_files) {
        if Path::new(f).components().count() != 1 {
            return Err(bad(&format!("\"{f}\" is not a plain file name")));
        }
        let p = rtl_dir.join(f);
        if !p.is_file() {
            return Err(Error::Rtl(format!(
                "{} is listed in {} but missing",
                p.display(),
                manifest.display()
            )));
        }
    }
    Ok(RtlFolder {
        rtl_dir,
        manifest,
        top,
        target,
        forwarding,
        rtl_files,
        init_files,
    })
}

/// The first key where the config `ours` and the manifest's `theirs` differ, as
/// `key: config A, folder B`. The paths of a weight or theta file (`synapse.init.path`,
/// `neuron.theta_file.path`) are not compared: they depend on where the config was read from;
/// their values are checked by the run itself.
fn first_difference(ours: &Value, theirs: &Value, at: &str) -> Option<String> {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let key = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                if key == "synapse.init.path" || key == "neuron.theta_file.path" {
                    return None;
                }
                let null = Value::Null;
                first_difference(a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null), &key)
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some(format!("{at}: config {a}, folder {b}")),
    }
}

/// Stage and build the RTL folder `dir` for `cfg`.
fn build_rtl(cfg: &Config, dir: &Path, opts: &RunOptions, trace: bool) -> Result<(Layout, Design)> {
    let f = read_rtl_folder(dir, cfg)?;
    let g = generate(
        cfg,
        &GenOptions {
            target: f.target,
            forwarding: f.forwarding,
            init_prefix: String::new(),
        },
    )
    .map_err(Error::Generate)?;
    if g.design.top != f.top {
        return Err(Error::Rtl(format!(
            "{}: top module `{}`, but the config's is `{}`",
            f.manifest.display(),
            f.top,
            g.design.top
        )));
    }
    let abs = std::fs::canonicalize(&f.rtl_dir).map_err(|e| Error::io(&f.rtl_dir, "read", e))?;
    let mut rtl = Vec::new();
    for n in &f.rtl_files {
        let p = f.rtl_dir.join(n);
        let mut text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, "read", e))?;
        for init in &f.init_files {
            let to = format!("\"{}\"", abs.join(init).display());
            for from in [format!("\"rtl/{init}\""), format!("\"{init}\"")] {
                text = text.replace(&from, &to);
            }
        }
        rtl.push((n.clone(), text));
    }
    apply_patches(&mut rtl, &opts.patches)?;
    let mut extra = patch_fields(opts);
    extra.push(abs.display().to_string());
    let staged = design_dir(&format!("{}-rtl", f.top), rtl.iter(), &extra)?;
    let paths = write_files(&staged, rtl.iter())?;
    let design = Build::new(f.top.clone())
        .sources(paths)
        .trace(trace)
        .build()?;
    Ok((g.layout, design))
}

fn patch_fields(opts: &RunOptions) -> Vec<String> {
    opts.patches
        .iter()
        .flat_map(|(f, a, b)| [f.clone(), a.clone(), b.clone()])
        .collect()
}

/// Apply `(file, from, to)` substitutions (the first occurrence each); a substitution that finds
/// nothing is an error, so a mutation test cannot silently test nothing.
pub(crate) fn apply_patches(
    rtl: &mut [(String, String)],
    patches: &[(String, String, String)],
) -> Result<()> {
    for (file, from, to) in patches {
        let f = rtl
            .iter_mut()
            .find(|(n, _)| n == file)
            .ok_or_else(|| Error::Patch(format!("no file {file}")))?;
        if !f.1.contains(from.as_str()) {
            return Err(Error::Patch(format!("`{from}` not found in {file}")));
        }
        f.1 = f.1.replacen(from.as_str(), to, 1);
    }
    Ok(())
}

/// The folder `designs/<name>-<hash>` of the cache (created), the hash taken over the files'
/// names and texts and `extra`.
pub(crate) fn design_dir<'a>(
    name: &str,
    files: impl Iterator<Item = &'a (String, String)>,
    extra: &[String],
) -> Result<PathBuf> {
    let mut h = KeyHasher::new("neurogen-design");
    for (n, t) in files {
        h.str(n).str(t);
    }
    for x in extra {
        h.str(x);
    }
    let dir = crate::verilator::default_cache_dir()
        .join("designs")
        .join(format!("{name}-{}", h.hex()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create", e))?;
    Ok(dir)
}

/// Write `files` into `dir` (each only if its text changed); the paths of the Verilog ones.
pub(crate) fn write_files<'a>(
    dir: &Path,
    files: impl Iterator<Item = &'a (String, String)>,
) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for (n, t) in files {
        let p = dir.join(n);
        write_if_changed(&p, t)?;
        if n.ends_with(".v") {
            paths.push(p);
        }
    }
    Ok(paths)
}

fn write_if_changed(p: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(p).ok().as_deref() == Some(text) {
        return Ok(());
    }
    let tmp = p.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, "write", e))?;
    std::fs::rename(&tmp, p).map_err(|e| Error::io(p, "write", e))
}
