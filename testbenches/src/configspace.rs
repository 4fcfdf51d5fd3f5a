//! The whole config space, generated and checked: seeded random valid networks with their
//! corners forced one at a time ([`draw`]), generated for every target, and the checks the open
//! tools make of the Verilog ([`lint`], [`icarus`], [`yosys`]).
//!
//! Key decisions:
//! - Networks are drawn by [`crate::random::config_toml`] (the co-simulation's generator) with
//!   size limits chosen per corner; a seed picks its corner (`seed % CORNERS.len()`) and the
//!   draws are repeated until the corner's predicate holds, so any run of [`CORNERS`]`.len()`
//!   consecutive seeds covers every corner, and a seed alone reproduces its network.
//! - The `init = "file"` corner rewrites a drawn network's init keys to a CSV file that is drawn
//!   too; [`Drawn::config`] writes it next to the network before parsing (the parser reads it).
//! - The tools are required, not optional: a missing tool is a failure naming
//!   `scripts/setup.sh`, so a run cannot pass by skipping.
//! - Latches are looked for right after `proc`, where Yosys infers them (the family flows later
//!   map a latch to logic), and block RAM is asserted per lane by the mapped cells' names
//!   (`u_laneK.u_wmem...`), as in `hdl/tests/toolchain.rs`.

use crate::random::{Limits, config_toml, with_cuba_neuron};
use golden::Config;
use golden::config::{Reset, Rule, WeightInit};
use golden::rng::SplitMix64;
use hdl::array::{Generated, Options, Target, generate};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every target the generator has (`ice40-hx8k` is `Ice40`; the ECP5 sizes share `Ecp5`).
pub const TARGETS: [Target; 4] = [
    Target::Generic,
    Target::Ice40,
    Target::Ice40Up5k,
    Target::Ecp5,
];

/// Size limits of most draws (those of the co-simulation).
const SMALL: Limits = Limits {
    max_inputs: 40,
    max_neurons: 24,
    max_lanes: 8,
};

/// A corner of the config space: drawn until `holds`.
pub struct Corner {
    /// Name, printed with a failure.
    pub name: &'static str,
    /// Size limits of the draws.
    pub limits: Limits,
    /// The weights come from a CSV file (`init = "file"`).
    pub file_init: bool,
    /// The predicate a draw must meet.
    pub holds: fn(&Config) -> bool,
    /// Its first seed also goes through Yosys (when [`yosys_sized`]).
    pub synth: bool,
}

fn lif(c: &Config) -> &golden::config::LifConfig {
    c.lif().expect("config_toml draws lif networks")
}

fn groups(c: &Config) -> u32 {
    c.array.neurons / c.array.lanes
}

/// The corners, one per seed in turn. The first one is the unconstrained draw.
pub const CORNERS: &[Corner] = &[
    Corner {
        name: "any",
        limits: SMALL,
        file_init: false,
        holds: |_| true,
        synth: true,
    },
    Corner {
        name: "one input",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.inputs == 1,
        synth: true,
    },
    Corner {
        name: "one neuron",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.neurons == 1,
        synth: false,
    },
    Corner {
        name: "one input, one neuron",
        limits: Limits {
            max_inputs: 1,
            max_neurons: 1,
            max_lanes: 1,
        },
        file_init: false,
        holds: |c| c.array.inputs == 1 && c.array.neurons == 1,
        synth: false,
    },
    Corner {
        name: "neurons == lanes (one group), several lanes",
        limits: SMALL,
        file_init: false,
        holds: |c| groups(c) == 1 && c.array.lanes > 1,
        synth: true,
    },
    Corner {
        name: "maximum lanes (64)",
        limits: Limits {
            max_inputs: 12,
            max_neurons: 64,
            max_lanes: 64,
        },
        file_init: false,
        holds: |c| c.array.lanes == golden::config::MAX_LANES as u32,
        synth: false,
    },
    Corner {
        name: "1-bit weights",
        limits: SMALL,
        file_init: false,
        holds: |c| c.synapse.weight_bits == 1,
        synth: true,
    },
    Corner {
        name: "16-bit signed weights",
        limits: SMALL,
        file_init: false,
        holds: |c| c.synapse.weight_bits == 16 && c.synapse.signed,
        synth: false,
    },
    Corner {
        name: "16-bit unsigned weights",
        limits: SMALL,
        file_init: false,
        holds: |c| c.synapse.weight_bits == 16 && !c.synapse.signed,
        synth: true,
    },
    Corner {
        name: "signed weights",
        limits: SMALL,
        file_init: false,
        holds: |c| c.synapse.signed,
        synth: false,
    },
    Corner {
        name: "STDP off",
        limits: SMALL,
        file_init: false,
        holds: |c| !c.stdp.enabled,
        synth: true,
    },
    Corner {
        name: "symmetric rule",
        limits: SMALL,
        file_init: false,
        holds: |c| c.stdp.enabled && c.stdp.rule == Rule::Symmetric,
        synth: false,
    },
    Corner {
        name: "additive rule",
        limits: SMALL,
        file_init: false,
        holds: |c| c.stdp.enabled && c.stdp.rule == Rule::Additive,
        synth: false,
    },
    Corner {
        name: "periodic scaling",
        limits: SMALL,
        file_init: false,
        holds: |c| c.periodic_scaling(),
        synth: false,
    },
    Corner {
        name: "scaling on command only",
        limits: SMALL,
        file_init: false,
        holds: |c| c.stdp.enabled && c.stdp.normalize_target > 0 && c.stdp.normalize_every == 0,
        synth: false,
    },
    Corner {
        name: "scaling, one lane",
        limits: SMALL,
        file_init: false,
        holds: |c| c.stdp.enabled && c.stdp.normalize_target > 0 && c.array.lanes == 1,
        synth: true,
    },
    Corner {
        name: "homeostasis (theta)",
        limits: SMALL,
        file_init: false,
        holds: |c| lif(c).theta_plus > 0,
        synth: false,
    },
    Corner {
        name: "refractory",
        limits: SMALL,
        file_init: false,
        holds: |c| lif(c).refractory > 0,
        synth: false,
    },
    Corner {
        name: "inhibition",
        limits: SMALL,
        file_init: false,
        holds: |c| lif(c).inhibition > 0,
        synth: false,
    },
    Corner {
        name: "subtract reset",
        limits: SMALL,
        file_init: false,
        holds: |c| lif(c).reset == Reset::Subtract,
        synth: false,
    },
    Corner {
        name: "no leak (leak_shift = 0)",
        limits: SMALL,
        file_init: false,
        holds: |c| lif(c).leak_shift == 0,
        synth: false,
    },
    Corner {
        name: "recurrent",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.recurrent,
        synth: true,
    },
    Corner {
        name: "init from a file",
        limits: SMALL,
        file_init: true,
        holds: |_| true,
        synth: false,
    },
    Corner {
        name: "init constant",
        limits: SMALL,
        file_init: false,
        holds: |c| matches!(c.synapse.init, WeightInit::Constant { .. }),
        synth: false,
    },
    Corner {
        name: "init uniform",
        limits: SMALL,
        file_init: false,
        holds: |c| matches!(c.synapse.init, WeightInit::Uniform { .. }),
        synth: false,
    },
    Corner {
        name: "several lanes and groups",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.lanes >= 3 && groups(c) >= 2,
        synth: false,
    },
    Corner {
        name: "deep (200+ inputs)",
        limits: Limits {
            max_inputs: 300,
            max_neurons: 16,
            max_lanes: 4,
        },
        file_init: false,
        holds: |c| c.array.inputs >= 200,
        synth: true,
    },
];

/// The `cuba` corners ([`draw_cuba`]): a drawn network with its `[neuron]` section replaced
/// by a drawn `cuba` one ([`crate::random::with_cuba_neuron`]). A list of its own, so the seeds
/// of [`CORNERS`] (and the regressions found with them) keep drawing the same networks.
pub const CUBA_CORNERS: &[Corner] = &[
    Corner {
        name: "cuba",
        limits: SMALL,
        file_init: false,
        holds: |_| true,
        synth: true,
    },
    Corner {
        name: "cuba, several lanes, STDP and scaling",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.lanes > 1 && c.stdp.enabled && c.stdp.normalize_target > 0,
        synth: false,
    },
    Corner {
        name: "cuba, 5 or more lanes (UP5K: shift-and-add)",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.lanes >= 5,
        synth: false,
    },
    Corner {
        name: "cuba, negative weight_exp, recurrent",
        limits: SMALL,
        file_init: false,
        holds: |c| c.array.recurrent && c.cuba().is_some_and(|k| k.weight_exp < 0),
        synth: false,
    },
];

/// One drawn network.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// The seed it was drawn from.
    pub seed: u64,
    /// The corner the seed forced.
    pub corner: &'static str,
    /// The network file.
    pub toml: String,
    /// The weight file `init_file` names, for the file corner.
    pub csv: Option<(String, String)>,
}

/// The file a drawn network's `init_file` names.
const CSV_NAME: &str = "weights.csv";

/// Draw the network of `seed`: corner `seed % CORNERS.len()`, drawn until it holds (and, for
/// the first seed of a corner with [`Corner::synth`], until it is [`yosys_sized`]).
pub fn draw(seed: u64) -> Drawn {
    draw_in(seed, CORNERS, false)
}

/// Draw the `cuba` network of `seed`: corner `seed % CUBA_CORNERS.len()`, as [`draw`] does.
pub fn draw_cuba(seed: u64) -> Drawn {
    draw_in(seed, CUBA_CORNERS, true)
}

fn draw_in(seed: u64, corners: &'static [Corner], cuba: bool) -> Drawn {
    let corner = &corners[(seed % corners.len() as u64) as usize];
    let mut rng = SplitMix64::new(seed ^ 0x636f_6e66_6967_7370);
    let name = if cuba {
        format!("csc{seed}")
    } else {
        format!("cs{seed}")
    };
    for _ in 0..100_000 {
        let toml = config_toml(&mut rng, &name, &corner.limits);
        let toml = if cuba {
            with_cuba_neuron(&mut rng, &toml)
        } else {
            toml
        };
        let cfg = crate::random::parse(&toml);
        // the first seed of a corner that goes through Yosys is drawn small enough for it
        let synth = corner.synth && seed < corners.len() as u64;
        if !(corner.holds)(&cfg) || (synth && !yosys_sized(&cfg)) {
            continue;
        }
        let csv = corner.file_init.then(|| weight_csv(&mut rng, &cfg));
        let toml = if csv.is_some() {
            file_init(&toml)
        } else {
            toml
        };
        return Drawn {
            seed,
            corner: corner.name,
            toml,
            csv: csv.map(|c| (CSV_NAME.to_string(), c)),
        };
    }
    panic!(
        "corner \"{}\": no draw out of 100000 meets it (a bug of the corner list)",
        corner.name
    );
}

/// `toml` with its `[synapse]` init keys replaced by `init = "file"`.
fn file_init(toml: &str) -> String {
    let mut out = String::new();
    let mut section = "";
    for line in toml.lines() {
        if line.starts_with('[') {
            if section == "[synapse]" {
                let _ = writeln!(out, "init = \"file\"\ninit_file = \"{CSV_NAME}\"");
            }
            section = line.trim();
        }
        let key = line.split('=').next().unwrap_or("").trim();
        let init_key = matches!(key, "init" | "init_value" | "init_lo" | "init_hi" | "seed");
        if !(section == "[synapse]" && init_key) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A weight file for `cfg`: rows x neurons in `w_min..=w_max`, the bounds often.
fn weight_csv(rng: &mut SplitMix64, cfg: &Config) -> String {
    let (lo, hi) = (cfg.synapse.w_min, cfg.synapse.w_max);
    let mut s = String::new();
    for _ in 0..cfg.rows() {
        let row: Vec<String> = (0..cfg.neurons())
            .map(|_| {
                let v = match rng.below(4) {
                    0 => lo,
                    1 => hi,
                    _ => lo + rng.below((hi - lo) as u64 + 1) as i64,
                };
                v.to_string()
            })
            .collect();
        let _ = writeln!(s, "{}", row.join(","));
    }
    s
}

impl Drawn {
    /// Write the weight file (if any) into `dir` and parse the network against it.
    pub fn config(&self, dir: &Path) -> Result<Config, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some((name, text)) = &self.csv {
            std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
        }
        std::fs::write(dir.join("net.toml"), &self.toml).map_err(|e| format!("net.toml: {e}"))?;
        Config::from_toml_str(&self.toml, dir)
            .map_err(|e| format!("the config-space generator drew an invalid network: {e}"))
    }

    /// Everything needed to reproduce the network, for a failure message.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "seed {} (corner \"{}\"; rerun with NEUROGEN_SEED={})\n--- net.toml\n{}",
            self.seed, self.corner, self.seed, self.toml
        );
        if let Some((name, text)) = &self.csv {
            let _ = write!(s, "--- {name}\n{text}");
        }
        s
    }
}

/// The generated files of one target, written to a folder.
#[derive(Debug, Clone)]
pub struct Written {
    /// The folder.
    pub dir: PathBuf,
    /// The top module.
    pub top: String,
    /// The Verilog files (names within `dir`).
    pub files: Vec<String>,
}

/// Generate `cfg` for `target` into `dir`.
pub fn write(cfg: &Config, target: Target, dir: &Path) -> Result<(Generated, Written), String> {
    let opts = Options {
        target,
        ..Options::default()
    };
    let g = generate(cfg, &opts).map_err(|e| format!("generate ({target:?}): {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        std::fs::write(dir.join(n), t).map_err(|e| format!("{n}: {e}"))?;
        if n.ends_with(".v") {
            files.push(n.clone());
        }
    }
    let w = Written {
        dir: dir.to_path_buf(),
        top: g.design.top.clone(),
        files,
    };
    Ok((g, w))
}

/// Run a tool in `dir`; Ok(stdout + stderr) when it exits with 0.
fn tool(dir: &Path, program: &str, args: &[String]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!("cannot run {program}: {e}; install the toolchain with scripts/setup.sh")
        })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        Err(format!("{program} failed ({}):\n{tail}", out.status))
    }
}

fn args(fixed: &[&str], w: &Written) -> Vec<String> {
    let mut a: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    a.push(w.top.clone());
    a.extend(w.files.iter().cloned());
    a
}

/// `verilator --lint-only -Wall`: no warning, no error.
pub fn lint(w: &Written) -> Result<(), String> {
    let text = tool(
        &w.dir,
        "verilator",
        &args(&["--lint-only", "-Wall", "--top-module"], w),
    )?;
    if text.contains("%Warning") || text.contains("%Error") {
        return Err(format!("verilator --lint-only -Wall:\n{text}"));
    }
    Ok(())
}

/// `iverilog -g2005 -Wall`: no warning, no error.
pub fn icarus(w: &Written) -> Result<(), String> {
    let text = tool(
        &w.dir,
        "iverilog",
        &args(&["-g2005", "-Wall", "-o", "design.vvp", "-s"], w),
    )?;
    if text.contains("error") || text.contains("warning") {
        return Err(format!("iverilog -g2005:\n{text}"));
    }
    Ok(())
}

/// A lane's weight memory of fewer bits may stay in logic (Yosys rightly spends flip-flops
/// rather than a block RAM on a few dozen bits), as in `hdl/tests/toolchain.rs`.
pub const MIN_BRAM_BITS: u64 = 128;

/// Yosys `synth_<family>` (`ice40` or `ecp5`) of `w`: no latch after `proc` or after the flow,
/// and every lane's weight memory in the family's block RAM (`SB_RAM40_4K`, `DP16KD`) unless it
/// is smaller than [`MIN_BRAM_BITS`].
pub fn yosys(cfg: &Config, w: &Written, family: &str) -> Result<(), String> {
    let bram = match family {
        "ice40" => "SB_RAM40_4K",
        "ecp5" => "DP16KD",
        other => return Err(format!("unknown family {other}")),
    };
    let top = &w.top;
    let latch = "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH* t:$_DLATCHSR*";
    let (bram_txt, stat_txt) = (format!("bram_{family}.txt"), format!("stat_{family}.txt"));
    let script = format!(
        "read_verilog {files}\n\
         hierarchy -check -top {top}\n\
         proc\n\
         {latch}\n\
         synth_{family} -top {top}\n\
         {latch}\n\
         tee -q -o {bram_txt} select -list t:{bram}\n\
         tee -q -o {stat_txt} stat\n",
        files = w.files.join(" "),
    );
    let ys = format!("synth_{family}.ys");
    std::fs::write(w.dir.join(&ys), script).map_err(|e| e.to_string())?;
    tool(&w.dir, "yosys", &["-q".into(), "-s".into(), ys])
        .map_err(|e| format!("yosys synth_{family}: {e}"))?;
    let cells = std::fs::read_to_string(w.dir.join(&bram_txt)).map_err(|e| e.to_string())?;
    let groups = groups(cfg) as u64;
    let bits = cfg.rows() as u64 * groups * cfg.synapse.weight_bits as u64;
    if bits < MIN_BRAM_BITS {
        return Ok(());
    }
    let missing: Vec<u32> = (0..cfg.array.lanes)
        .filter(|l| {
            !cells
                .lines()
                .any(|c| c.contains(&format!("u_lane{l}.u_wmem.")))
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "yosys synth_{family}: the weight memory of lanes {missing:?} is not in {bram} \
             ({bits} bits per lane; {bram} cells: {:?})",
            cells.lines().collect::<Vec<_>>()
        ))
    }
}

/// Whether `cfg` is small enough for a few seconds of Yosys per family (lanes multiply the
/// datapath, wide words widen it).
pub fn yosys_sized(cfg: &Config) -> bool {
    let v_bits = cfg.lif().map_or(24, |l| l.v_bits);
    let width = cfg.synapse.weight_bits.max(v_bits.min(24)) as u64;
    cfg.array.lanes <= 4 && cfg.array.lanes as u64 * width <= 48 && cfg.rows() <= 300
}

/// Check one drawn network: every target generated, linted and compiled by Icarus; with
/// `synth`, the generic output through Yosys for both families. Returns every failure.
pub fn check(d: &Drawn, dir: &Path, synth: bool) -> Vec<String> {
    let cfg = match d.config(dir) {
        Ok(c) => c,
        Err(e) => return vec![e],
    };
    let mut fails = Vec::new();
    for target in TARGETS {
        let tdir = dir.join(format!("{target:?}").to_lowercase());
        let w = match write(&cfg, target, &tdir) {
            Ok((_, w)) => w,
            Err(e) => {
                fails.push(e);
                continue;
            }
        };
        for (what, r) in [("lint", lint(&w)), ("iverilog", icarus(&w))] {
            if let Err(e) = r {
                fails.push(format!("{target:?} {what}: {e}"));
            }
        }
        if synth && target == Target::Generic {
            for family in ["ice40", "ecp5"] {
                if let Err(e) = yosys(&cfg, &w, family) {
                    fails.push(format!("{target:?}: {e}"));
                }
            }
        }
    }
    fails
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corner_is_drawn_valid_and_holds_and_drawing_is_deterministic() {
        let dir = std::env::temp_dir().join(format!("neurogen-cs-unit-{}", std::process::id()));
        for seed in 0..3 * CORNERS.len() as u64 {
            let d = draw(seed);
            assert_eq!(d.toml, draw(seed).toml);
            let cfg = d
                .config(&dir.join(seed.to_string()))
                .unwrap_or_else(|e| panic!("{e}\n{}", d.describe()));
            let corner = &CORNERS[(seed % CORNERS.len() as u64) as usize];
            assert!((corner.holds)(&cfg), "{}", d.describe());
            assert_eq!(
                corner.file_init,
                matches!(cfg.synapse.init, WeightInit::File { .. }),
                "{}",
                d.describe()
            );
        }
        for seed in 0..3 * CUBA_CORNERS.len() as u64 {
            let d = draw_cuba(seed);
            assert_eq!(d.toml, draw_cuba(seed).toml);
            let cfg = d
                .config(&dir.join(format!("c{seed}")))
                .unwrap_or_else(|e| panic!("{e}\n{}", d.describe()));
            let corner = &CUBA_CORNERS[(seed % CUBA_CORNERS.len() as u64) as usize];
            assert!(
                cfg.cuba().is_some() && (corner.holds)(&cfg),
                "{}",
                d.describe()
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
