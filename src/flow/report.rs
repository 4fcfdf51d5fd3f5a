//! Parsers of what Yosys and nextpnr write, and the fit check.
//!
//! Key decisions:
//! - Machine-readable output wherever the tools have it: Yosys `stat -json` (its text `stat`
//!   changed layout between 0.23 and 0.70) and nextpnr `--report` JSON (utilisation, Fmax,
//!   critical paths). Logs are parsed only for what has no JSON form: where Yosys mapped each
//!   memory, and nextpnr's utilisation when it stopped before writing its report.
//! - A resource that does not fit is a [`Shortfall`] (needed, available), so every "does not
//!   fit" message says which resource and by how much.

use super::device::{Capacity, Family};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Cell counts by type from Yosys `stat -json` (whole design).
pub fn yosys_cells(stat_json: &str) -> Result<BTreeMap<String, u64>, String> {
    let v: Value = match serde_json::from_str(stat_json) {
        Ok(v) => v,
        // Yosys 0.23's `stat -json -top` prints its hierarchy tree inside the JSON: the
        // "design" object after it is well formed
        Err(e) => design_section(stat_json)
            .ok_or_else(|| format!("Yosys statistics are not JSON: {e}"))?,
    };
    let by_type = v
        .pointer("/design/num_cells_by_type")
        .or_else(|| {
            // one module, no hierarchy section
            v.get("modules")?
                .as_object()?
                .values()
                .next()?
                .get("num_cells_by_type")
        })
        .and_then(Value::as_object)
        .ok_or("Yosys statistics have no cell counts")?;
    Ok(by_type
        .iter()
        .filter_map(|(k, n)| Some((k.clone(), n.as_u64()?)))
        .collect())
}

/// Cell counts by type of one module of a hierarchical design and every module under it, from
/// one Yosys `stat -json` without `-top` (both 0.23 and 0.70 write it as plain JSON; 0.70 aborts
/// on `stat -top M` for a module that is not the design's top). A cell whose type names a
/// module of the design is that module's cells, counted once per instance.
pub fn yosys_module_cells(stat_json: &str, module: &str) -> Result<BTreeMap<String, u64>, String> {
    let v: Value = match serde_json::from_str(stat_json) {
        Ok(v) => v,
        // Yosys 0.23 prints its hierarchy tree between "modules" and "design"
        Err(e) => object_section(stat_json, "\"modules\":", "modules")
            .ok_or_else(|| format!("Yosys statistics are not JSON: {e}"))?,
    };
    let modules = v
        .get("modules")
        .and_then(Value::as_object)
        .ok_or("Yosys statistics have no modules")?;
    let m = find_module(modules, module)
        .ok_or_else(|| format!("Yosys statistics have no module `{module}`"))?;
    let mut out = BTreeMap::new();
    add_module_cells(modules, m, 1, 0, &mut out)?;
    Ok(out)
}

/// A module of `stat -json` by name: cell types name plain modules without their `\`.
fn find_module<'a>(modules: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    modules
        .get(name)
        .or_else(|| modules.get(&format!("\\{name}")))
}

fn add_module_cells(
    modules: &serde_json::Map<String, Value>,
    m: &Value,
    times: u64,
    depth: usize,
    out: &mut BTreeMap<String, u64>,
) -> Result<(), String> {
    if depth > 64 {
        return Err("Yosys statistics: module hierarchy deeper than 64 (a cycle?)".into());
    }
    let by_type = m
        .get("num_cells_by_type")
        .and_then(Value::as_object)
        .ok_or("Yosys statistics: a module has no cell counts")?;
    for (ty, n) in by_type {
        let n = n
            .as_u64()
            .ok_or("Yosys statistics: a cell count is not a number")?;
        match find_module(modules, ty) {
            Some(sub) => add_module_cells(modules, sub, times * n, depth + 1, out)?,
            None => *out.entry(ty.clone()).or_default() += times * n,
        }
    }
    Ok(())
}

/// `{"design": {...}}` from the last `"design":` object of a statistics text, parsed alone.
fn design_section(text: &str) -> Option<Value> {
    let at = text.rfind("\"design\":")?;
    object_at(text, at, "design")
}

/// `{"NAME": {...}}` from the first `KEY` object of a statistics text, parsed alone.
fn object_section(text: &str, key: &str, name: &str) -> Option<Value> {
    object_at(text, text.find(key)?, name)
}

/// `{"NAME": {...}}` from the object that opens after byte `at`, parsed alone.
fn object_at(text: &str, at: usize, name: &str) -> Option<Value> {
    let open = at + text[at..].find('{')?;
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let d: Value = serde_json::from_str(&text[open..=open + i]).ok()?;
                    return Some(serde_json::json!({ name: d }));
                }
            }
            _ => {}
        }
    }
    None
}

/// The resources a netlist uses, by family-neutral names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// LUT4s (ECP5: outside carry cells and distributed RAM).
    pub luts: u64,
    /// Flip-flops.
    pub ffs: u64,
    /// Carry cells (iCE40 SB_CARRY: one bit; ECP5 CCU2C: two bits).
    pub carry: u64,
    /// Block RAMs (SB_RAM40_4K, DP16KD).
    pub bram: u64,
    /// SPRAMs (SB_SPRAM256KA).
    pub spram: u64,
    /// Multipliers (SB_MAC16, MULT18X18D).
    pub dsp: u64,
    /// Distributed RAM cells (ECP5 TRELLIS_DPR16X4: 16 x 4 bits).
    pub lutram: u64,
}

/// Sum the cell counts of a family into [`Resources`].
pub fn resources(family: Family, cells: &BTreeMap<String, u64>) -> Resources {
    let sum = |pred: &dyn Fn(&str) -> bool| -> u64 {
        cells.iter().filter(|(k, _)| pred(k)).map(|(_, n)| *n).sum()
    };
    match family {
        Family::Ice40 => Resources {
            luts: sum(&|k| k == "SB_LUT4"),
            ffs: sum(&|k| k.starts_with("SB_DFF")),
            carry: sum(&|k| k == "SB_CARRY"),
            bram: sum(&|k| k.starts_with("SB_RAM40_4K")),
            spram: sum(&|k| k == "SB_SPRAM256KA"),
            dsp: sum(&|k| k == "SB_MAC16"),
            lutram: 0,
        },
        Family::Ecp5 => Resources {
            luts: sum(&|k| k == "LUT4"),
            ffs: sum(&|k| k == "TRELLIS_FF"),
            carry: sum(&|k| k == "CCU2C"),
            bram: sum(&|k| k == "DP16KD" || k == "PDPW16KD"),
            spram: 0,
            dsp: sum(&|k| k == "MULT18X18D" || k == "ALU54B"),
            lutram: sum(&|k| k == "TRELLIS_DPR16X4"),
        },
    }
}

/// Where Yosys put one memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryMap {
    /// Hierarchical memory name.
    pub name: String,
    /// `bram`, `spram`, `lutram` or `logic` (flip-flops and multiplexers).
    pub kind: &'static str,
    /// The Yosys mapping (cell or pass).
    pub via: String,
}

/// Memories built of instantiated block RAM cells (ECP5 weights: `DP16KD` instances `u_bramK`
/// of a memory module), from a `select -list t:DP16KD` listing (`module/inst.path.u_bramK`): one
/// entry per memory instance, named `module.inst.path`.
pub fn instantiated_brams(list: &str) -> Vec<MemoryMap> {
    let mut names: Vec<String> = list
        .lines()
        .filter_map(|l| {
            let l = l.trim().replace('/', ".");
            let (mem, cell) = l.rsplit_once('.')?;
            cell.starts_with("u_bram").then(|| mem.to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| MemoryMap {
            name,
            kind: "bram",
            via: "DP16KD (instantiated)".into(),
        })
        .collect()
}

/// Every memory mapping a Yosys log reports: `mapping memory X via Y` (a memory library cell)
/// and `Mapping memory X in module M:` (`memory_map`: flip-flops and logic).
pub fn memory_mapping(log: &str) -> Vec<MemoryMap> {
    let mut out = Vec::new();
    for line in log.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("mapping memory ") {
            if let Some((name, via)) = rest.split_once(" via ") {
                let kind = if via.contains("SPRAM") {
                    "spram"
                } else if via.contains("DPR16X4") || via.contains("LUTRAM") {
                    "lutram"
                } else if via.contains("RAM4K") || via.contains("DP16KD") {
                    "bram"
                } else {
                    "logic"
                };
                out.push(MemoryMap {
                    name: name.to_string(),
                    kind,
                    via: via.trim().to_string(),
                });
            }
        } else if let Some(rest) = line.strip_prefix("Mapping memory ")
            && let Some((mem, module)) = rest.split_once(" in module ")
        {
            let module = module.trim_end_matches(':').trim_start_matches('\\');
            out.push(MemoryMap {
                name: format!("{module}.{}", mem.trim_start_matches('\\')),
                kind: "logic",
                via: "memory_map".into(),
            });
        }
    }
    out
}

/// Number of latches `select -list t:$dlatch ...` listed (one object per line).
pub fn latch_count(list: &str) -> usize {
    list.lines().filter(|l| !l.trim().is_empty()).count()
}

/// Used and available units of one nextpnr resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Use {
    /// Used.
    pub used: u64,
    /// Available on the device.
    pub available: u64,
}

/// A summary of one timing path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathSummary {
    /// Launching clock edge or `<async>`.
    pub from_clock: String,
    /// Capturing clock edge or `<async>`.
    pub to_clock: String,
    /// First cell.
    pub from: String,
    /// Last cell.
    pub to: String,
    /// Total delay, ns.
    pub delay_ns: f64,
    /// Of which in logic (and clock-to-out, setup), ns.
    pub logic_ns: f64,
    /// Of which in routing, ns.
    pub routing_ns: f64,
    /// Logic levels (LUTs and carries on the path).
    pub levels: usize,
    /// The RTL signals along the path (Yosys' mapping suffixes removed, repeats dropped).
    pub signals: Vec<String>,
}

/// What nextpnr's `--report` JSON says.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PnrReport {
    /// Resource use by BEL type.
    pub utilisation: BTreeMap<String, Use>,
    /// Per clock: (name, achieved MHz, constraint MHz).
    pub fmax: Vec<(String, f64, f64)>,
    /// Critical paths (per clock, and from and to I/O).
    pub paths: Vec<PathSummary>,
}

/// Parse nextpnr's `--report` JSON.
pub fn nextpnr_report(json: &str) -> Result<PnrReport, String> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| format!("nextpnr report is not JSON: {e}"))?;
    let mut r = PnrReport::default();
    if let Some(u) = v.get("utilization").and_then(Value::as_object) {
        for (k, x) in u {
            let used = x.get("used").and_then(Value::as_u64).unwrap_or(0);
            let available = x.get("available").and_then(Value::as_u64).unwrap_or(0);
            r.utilisation.insert(k.clone(), Use { used, available });
        }
    }
    if let Some(f) = v.get("fmax").and_then(Value::as_object) {
        for (clk, x) in f {
            let a = x.get("achieved").and_then(Value::as_f64).unwrap_or(0.0);
            let c = x.get("constraint").and_then(Value::as_f64).unwrap_or(0.0);
            r.fmax.push((clk.clone(), a, c));
        }
    }
    for p in v
        .get("critical_paths")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        r.paths.push(path_summary(p));
    }
    Ok(r)
}

fn path_summary(p: &Value) -> PathSummary {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let segs: Vec<&Value> = p
        .get("path")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut sum = PathSummary {
        from_clock: s(p.get("from")),
        to_clock: s(p.get("to")),
        from: segs
            .first()
            .map(|x| s(x.pointer("/from/cell")))
            .unwrap_or_default(),
        to: segs
            .last()
            .map(|x| s(x.pointer("/to/cell")))
            .unwrap_or_default(),
        delay_ns: 0.0,
        logic_ns: 0.0,
        routing_ns: 0.0,
        levels: 0,
        signals: Vec::new(),
    };
    for x in segs {
        let d = x.get("delay").and_then(Value::as_f64).unwrap_or(0.0);
        sum.delay_ns += d;
        match x.get("type").and_then(Value::as_str) {
            Some("routing") => {
                sum.routing_ns += d;
                if let Some(net) = x.get("net").and_then(Value::as_str) {
                    let sig = rtl_signal(net);
                    if !sig.is_empty() && sum.signals.last() != Some(&sig) {
                        sum.signals.push(sig);
                    }
                }
            }
            Some("logic") => {
                sum.logic_ns += d;
                sum.levels += 1;
            }
            _ => sum.logic_ns += d,
        }
    }
    sum
}

/// The RTL signal behind a mapped net name: `u.e_acc_in_SB_LUT4_O_19_I2[1]` -> `u.e_acc_in`.
pub fn rtl_signal(net: &str) -> String {
    let mut s = net;
    for cut in [
        "_SB_",
        "_TRELLIS_",
        "_LUT4_",
        "_CCU2C_",
        "_DP16KD_",
        "_PFUMX_",
        "_L6MUX21_",
        "$",
    ] {
        if let Some(i) = s.find(cut) {
            s = &s[..i];
        }
    }
    let s = match s.find('[') {
        Some(i) => &s[..i],
        None => s,
    };
    s.trim_end_matches('_').to_string()
}

/// nextpnr's "Device utilisation" block from its log (for runs that stopped before the report).
pub fn nextpnr_log_utilisation(log: &str) -> BTreeMap<String, Use> {
    let mut out = BTreeMap::new();
    let mut inside = false;
    for line in log.lines() {
        let t = line.trim_start_matches("Info:").trim();
        if t.starts_with("Device utilisation") {
            inside = true;
            out.clear();
            continue;
        }
        if !inside {
            continue;
        }
        // "ICESTORM_LC:  3845/ 5280    72%"
        let Some((name, rest)) = t.split_once(':') else {
            inside = false;
            continue;
        };
        let mut nums = rest.split(['/', '%']).map(str::trim);
        match (
            nums.next().and_then(|x| x.parse().ok()),
            nums.next()
                .and_then(|x| x.split_whitespace().next()?.parse().ok()),
        ) {
            (Some(used), Some(available)) => {
                out.insert(name.trim().to_string(), Use { used, available });
            }
            _ => inside = false,
        }
    }
    out
}

/// The last "Max frequency for clock" figure of a nextpnr log: (achieved, target) MHz.
pub fn nextpnr_log_fmax(log: &str) -> Option<(f64, f64)> {
    log.lines()
        .rev()
        .filter(|l| l.contains("Max frequency for clock"))
        .find_map(|l| {
            let (_, rest) = l.split_once("': ")?;
            let achieved: f64 = rest.split_whitespace().next()?.parse().ok()?;
            let target = rest
                .split_once(" at ")
                .and_then(|(_, t)| t.split_whitespace().next()?.parse().ok())
                .unwrap_or(0.0);
            Some((achieved, target))
        })
}

/// A resource the design needs more of than the device has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    /// Resource name as users know it.
    pub resource: String,
    /// Units the design needs.
    pub needed: u64,
    /// Units the device has.
    pub available: u64,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} needs {} of {} ({} over, {:.0} %)",
            self.resource,
            self.needed,
            self.available,
            self.needed - self.available,
            self.needed as f64 * 100.0 / self.available.max(1) as f64
        )
    }
}

/// What cannot fit, judged from the Yosys netlist alone: the hard blocks, and a lower bound of
/// the logic (iCE40: an LC holds one LUT and one FF; ECP5: a CCU2C takes two LUT sites).
pub fn precheck(family: Family, r: &Resources, cap: &Capacity) -> Vec<Shortfall> {
    let logic = match family {
        Family::Ice40 => r.luts.max(r.ffs),
        Family::Ecp5 => r.luts + 2 * r.carry,
    };
    let logic_name = match family {
        Family::Ice40 => "logic cells",
        Family::Ecp5 => "LUT4",
    };
    [
        (logic_name, logic, cap.logic),
        ("flip-flops", r.ffs, cap.ffs),
        ("block RAM", r.bram, cap.bram),
        ("SPRAM", r.spram, cap.spram),
        ("DSP", r.dsp, cap.dsp),
    ]
    .into_iter()
    .filter(|(_, n, c)| n > c)
    .map(|(name, needed, available)| Shortfall {
        resource: name.to_string(),
        needed,
        available,
    })
    .collect()
}

/// Users' names of nextpnr's BEL types.
pub fn bel_name(bel: &str) -> &str {
    match bel {
        "ICESTORM_LC" => "logic cells",
        "TRELLIS_COMB" | "TRELLIS_SLICE" => "LUT4",
        "TRELLIS_FF" => "flip-flops",
        "ICESTORM_RAM" | "DP16KD" => "block RAM",
        "ICESTORM_SPRAM" => "SPRAM",
        "ICESTORM_DSP" | "MULT18X18D" => "DSP",
        "SB_IO" | "TRELLIS_IO" => "I/O",
        "SB_GB" | "DCCA" => "global buffers",
        "TRELLIS_RAMW" => "distributed RAM",
        other => other,
    }
}

/// Every resource nextpnr reports over capacity.
pub fn pnr_shortfalls(util: &BTreeMap<String, Use>) -> Vec<Shortfall> {
    util.iter()
        .filter(|(_, u)| u.used > u.available)
        .map(|(k, u)| Shortfall {
            resource: bel_name(k).to_string(),
            needed: u.used,
            available: u.available,
        })
        .collect()
}

/// The Fmax of several nextpnr seeds of one netlist: how many ran, how many were analysed,
/// their minimum, mean and maximum, and how many met the clock target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedSpread {
    /// Seeds run.
    pub runs: usize,
    /// Seeds with an Fmax (routed and analysed).
    pub analysed: usize,
    /// Lowest Fmax, MHz.
    pub min_mhz: f64,
    /// Mean Fmax, MHz.
    pub mean_mhz: f64,
    /// Highest Fmax, MHz.
    pub max_mhz: f64,
    /// Seeds whose Fmax reaches the target.
    pub met: usize,
}

/// The spread of the seeds' Fmax (`None` for a seed nextpnr did not analyse); `None` when no
/// seed has an Fmax.
pub fn seed_spread(fmax: &[Option<f64>], target_mhz: f64) -> Option<SeedSpread> {
    let f: Vec<f64> = fmax.iter().flatten().copied().collect();
    if f.is_empty() {
        return None;
    }
    Some(SeedSpread {
        runs: fmax.len(),
        analysed: f.len(),
        min_mhz: f.iter().copied().fold(f64::INFINITY, f64::min),
        mean_mhz: f.iter().sum::<f64>() / f.len() as f64,
        max_mhz: f.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        met: f.iter().filter(|x| **x >= target_mhz).count(),
    })
}

/// The clock a board top runs at, beside the Fmax nextpnr found: what the board really does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardClock {
    /// The board clock, MHz (the PLL's output, else the clock pin's).
    pub mhz: f64,
    /// Where it comes from (the PLL and its parameters).
    pub source: String,
    /// The constraint nextpnr timed the clock for, MHz (derived from the PLL's parameters).
    pub constraint_mhz: Option<f64>,
    /// Whether the Fmax reaches the board clock (`None`: not placed).
    pub met: Option<bool>,
    /// Synaptic operations per second at the board clock, millions (board clock x SOP/cycle).
    pub msops: f64,
    /// The highest clock the PLL makes at or below the Fmax (what `--clock-mhz` may ask for).
    pub fastest_mhz: Option<f64>,
}

impl BoardClock {
    /// The report's `board:` line.
    pub fn line(&self, fmax_mhz: Option<f64>) -> String {
        let mut s = format!(
            "  board:   {} MHz clock -> {:.1} M synaptic ops/s",
            fmt_mhz(self.mhz),
            self.msops
        );
        match (self.met, fmax_mhz) {
            (Some(true), Some(f)) => s += &format!(", within Fmax {f:.2} MHz"),
            (Some(false), Some(f)) => {
                s += &format!(", ABOVE Fmax {f:.2} MHz: the board would fail timing")
            }
            _ => s += ", timing not analysed",
        }
        s += &format!("\n           {}", self.source);
        if let Some(c) = self.constraint_mhz
            && (c - self.mhz).abs() > 0.01
        {
            s += &format!("\n           WARNING: nextpnr timed the clock for {c} MHz");
        }
        if let Some(f) = self.fastest_mhz
            && f > self.mhz
        {
            s += &format!(
                "\n           fastest PLL clock within Fmax: {} MHz (--clock-mhz {})",
                fmt_mhz(f),
                fmt_mhz(f)
            );
        }
        s
    }
}

/// A clock in MHz with up to 4 decimals, trailing zeros dropped.
fn fmt_mhz(f: f64) -> String {
    let s = format!("{f:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The index of the seed to keep: the highest Fmax, the first of equals; a seed without an
/// Fmax only when none has one.
pub fn best_seed(fmax: &[Option<f64>]) -> Option<usize> {
    let mut best: Option<(usize, Option<f64>)> = None;
    for (i, f) in fmax.iter().enumerate() {
        let better = match best {
            None => true,
            Some((_, b)) => match (f, b) {
                (Some(f), Some(b)) => *f > b,
                (Some(_), None) => true,
                _ => false,
            },
        };
        if better {
            best = Some((i, *f));
        }
    }
    best.map(|b| b.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::device::Device;

    const STAT_023_ICE40: &str = include_str!("testdata/yosys023_ice40_stat.json");
    const STAT_070_ECP5: &str = include_str!("testdata/yosys070_ecp5_stat.json");
    const LOG_023_ICE40: &str = include_str!("testdata/yosys023_ice40_memories.log");
    const REPORT_ICE40: &str = include_str!("testdata/nextpnr_ice40_report.json");
    const REPORT_ECP5: &str = include_str!("testdata/nextpnr_ecp5_report.json");
    const LOG_ICE40_OVER: &str = include_str!("testdata/nextpnr_ice40_overfull.log");

    #[test]
    fn yosys_023_stat_top_with_its_hierarchy_tree_inside_the_json_gives_the_design() {
        // the shape Yosys 0.23 writes for `stat -json -top M` (measured on a chain layer)
        let text = "{\n   \"modules\": {\n      \"\\\\m\": {\n         \"num_cells\": 1,\n         \
            \"num_cells_by_type\": {\"SB_LUT4\": 1}\n      }\n   },\n       m      1\n       \
            $paramod$1f\\m_ram      1\n      \"design\": {\n         \"num_cells\": 9,\n         \
            \"num_cells_by_type\": {\n            \"SB_CARRY\": 3,\n            \"SB_DFF\": 2,\n            \
            \"SB_LUT4\": 4\n         }\n      }\n}\n";
        assert!(
            serde_json::from_str::<Value>(text).is_err(),
            "not JSON as written"
        );
        let r = resources(Family::Ice40, &yosys_cells(text).unwrap());
        assert_eq!((r.luts, r.ffs, r.carry), (4, 2, 3));
        // control: without the design object it is an error, not zero cells
        let cut = &text[..text.find("\"design\"").unwrap()];
        assert!(yosys_cells(cut).unwrap_err().contains("not JSON"));
    }

    #[test]
    fn a_module_s_cells_include_its_submodules_once_per_instance() {
        // measured: `stat -json` of Yosys 0.70 (ECP5) on top { a ua; b ub; a ua2 } and a paramod
        let text = r#"{"modules": {
            "\\top": {"num_cells_by_type": {"a": 2, "$paramod$9f\\b": 1, "LUT4": 1}},
            "$paramod$9f\\b": {"num_cells_by_type": {"LUT4": 2, "TRELLIS_FF": 4}},
            "\\a": {"num_cells_by_type": {"LUT4": 4, "TRELLIS_FF": 4}}}}"#;
        let top = yosys_module_cells(text, "top").unwrap();
        assert_eq!(top.get("LUT4"), Some(&(2 * 4 + 2 + 1)));
        assert_eq!(top.get("TRELLIS_FF"), Some(&(2 * 4 + 4)));
        assert!(
            !top.contains_key("a"),
            "a submodule is expanded, not counted as a cell"
        );
        let a = yosys_module_cells(text, "a").unwrap();
        assert_eq!((a["LUT4"], a["TRELLIS_FF"]), (4, 4));
        assert!(yosys_module_cells(text, "c").unwrap_err().contains("`c`"));
        // Yosys 0.23 prints the hierarchy tree after the modules (measured on a chain top)
        let modules = &text[..text.rfind('}').unwrap()];
        let tree = format!(
            "{modules},\n       $paramod$9f\\b      1\n      \"design\": {{\"num_cells\": 1}}\n}}\n"
        );
        assert!(
            serde_json::from_str::<Value>(&tree).is_err(),
            "not JSON as written"
        );
        assert_eq!(yosys_module_cells(&tree, "top").unwrap(), top);
        let cyclic = r#"{"modules": {"\\a": {"num_cells_by_type": {"a": 1}}}}"#;
        assert!(
            yosys_module_cells(cyclic, "a")
                .unwrap_err()
                .contains("cycle")
        );
    }

    #[test]
    fn yosys_stat_json_of_both_versions_gives_resources() {
        let r = resources(Family::Ice40, &yosys_cells(STAT_023_ICE40).unwrap());
        assert_eq!(
            r,
            Resources {
                luts: 2464,
                ffs: 792 + 604 + 290 + 13 + 342 + 6,
                carry: 644,
                bram: 4,
                spram: 0,
                dsp: 0,
                lutram: 0
            }
        );
        let r = resources(Family::Ecp5, &yosys_cells(STAT_070_ECP5).unwrap());
        assert_eq!(
            (r.luts, r.ffs, r.carry, r.bram, r.lutram),
            (1708, 1699, 319, 1, 45)
        );
        assert!(yosys_cells("{}").is_err());
        assert!(yosys_cells("not json").is_err());
    }

    #[test]
    fn memory_mappings_are_classified() {
        let m = memory_mapping(LOG_023_ICE40);
        let kinds: Vec<(&str, &str)> = m.iter().map(|x| (x.name.as_str(), x.kind)).collect();
        assert!(kinds.contains(&("tiny_icebreaker.u_array.u_lane0.u_wmem.mem", "bram")));
        assert!(kinds.contains(&("tiny_icebreaker.u_array.u_lane1.u_stmem.mem", "logic")));
        assert_eq!(m.iter().filter(|x| x.kind == "bram").count(), 4);
        assert_eq!(m.iter().filter(|x| x.kind == "logic").count(), 7);
        let inst = instantiated_brams(
            "top/u_array.u_lane0.u_wmem.u_bram0\ntop/u_array.u_lane0.u_wmem.u_bram1\n\
             top/u_array.u_lane1.u_wmem.u_bram0\ntop/$auto$mem.cc:1$2\n",
        );
        let names: Vec<&str> = inst.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            ["top.u_array.u_lane0.u_wmem", "top.u_array.u_lane1.u_wmem"]
        );
        assert!(inst.iter().all(|x| x.kind == "bram"));
        let spram = memory_mapping("mapping memory top.u.mem via $__ICE40_SPRAM_\n");
        assert_eq!(spram[0].kind, "spram");
        assert_eq!(latch_count("\n"), 0);
        assert_eq!(latch_count("top/$auto$proc_dlatch.cc:1$1\ntop/$x\n"), 2);
    }

    #[test]
    fn nextpnr_reports_give_utilisation_fmax_and_paths() {
        let r = nextpnr_report(REPORT_ICE40).unwrap();
        assert_eq!(
            r.utilisation["ICESTORM_LC"],
            Use {
                used: 3845,
                available: 5280
            }
        );
        assert_eq!(r.fmax.len(), 1);
        assert!((r.fmax[0].1 - 20.517).abs() < 0.01 && r.fmax[0].2 == 40.0);
        let p = &r.paths[0];
        assert!(p.from_clock.starts_with("posedge"));
        assert!(p.levels > 3 && p.delay_ns > 40.0, "{p:?}");
        assert!((p.logic_ns + p.routing_ns - p.delay_ns).abs() < 1e-6);
        assert_eq!(p.signals[0], "u_array.u_lane0.eh3_g");
        let r = nextpnr_report(REPORT_ECP5).unwrap();
        assert_eq!(r.utilisation["DP16KD"].available, 56);
        assert!((r.fmax[0].1 - 73.99).abs() < 0.01);
    }

    #[test]
    fn an_overfull_nextpnr_log_names_the_resource_and_the_excess() {
        let u = nextpnr_log_utilisation(LOG_ICE40_OVER);
        assert_eq!(u["ICESTORM_RAM"].used, 151);
        let s = pnr_shortfalls(&u);
        let text: Vec<String> = s.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            text,
            [
                "block RAM needs 151 of 30 (121 over, 503 %)",
                "I/O needs 141 of 96 (45 over, 147 %)"
            ]
        );
        assert_eq!(nextpnr_log_fmax(LOG_ICE40_OVER), None);
        let fmax = "Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 21.38 MHz (FAIL at 40.00 MHz)\nWarning: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 20.52 MHz (FAIL at 40.00 MHz)\n";
        assert_eq!(nextpnr_log_fmax(fmax), Some((20.52, 40.0)));
    }

    #[test]
    fn precheck_finds_hard_block_and_logic_overflows() {
        let r = Resources {
            luts: 3105,
            ffs: 1384,
            carry: 1006,
            bram: 151,
            ..Default::default()
        };
        let s = precheck(Family::Ice40, &r, &Device::Up5k.capacity());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].resource, "block RAM");
        let big = Resources {
            luts: 80_000,
            carry: 2_000,
            ..Default::default()
        };
        let s = precheck(Family::Ecp5, &big, &Device::Ecp5_85k.capacity());
        assert_eq!(s[0].needed, 84_000);
    }

    #[test]
    fn mapped_net_names_become_rtl_signals() {
        assert_eq!(
            rtl_signal("u_array.u_lane0.e_acc_in_SB_LUT4_O_19_I2[1]"),
            "u_array.u_lane0.e_acc_in"
        );
        assert_eq!(rtl_signal("u_link.state[2]"), "u_link.state");
        assert_eq!(rtl_signal("$abc$1234$new_n55"), "");
    }

    #[test]
    fn the_best_seed_is_the_highest_fmax_and_the_spread_counts_the_met_ones() {
        let f = [Some(39.2), None, Some(42.7), Some(40.9), Some(42.7)];
        assert_eq!(best_seed(&f), Some(2));
        assert_eq!(best_seed(&[None, Some(30.0)]), Some(1));
        assert_eq!(best_seed(&[None, None]), Some(0));
        assert_eq!(best_seed(&[]), None);
        let s = seed_spread(&f, 40.0).unwrap();
        assert_eq!((s.runs, s.analysed, s.met), (5, 4, 3));
        assert_eq!((s.min_mhz, s.max_mhz), (39.2, 42.7));
        assert!((s.mean_mhz - (39.2 + 42.7 + 40.9 + 42.7) / 4.0).abs() < 1e-9);
        assert_eq!(seed_spread(&f, 42.7).unwrap().met, 2);
        assert_eq!(seed_spread(&[None], 40.0), None);
    }

    #[test]
    fn the_board_clock_line_gives_the_sops_at_the_board_clock_and_flags_a_missed_fmax() {
        let mut bc = BoardClock {
            mhz: 39.75,
            source: "PLL: 39.75 MHz = 12 MHz x 53 / 16 by SB_PLL40_PAD".into(),
            constraint_mhz: Some(39.75),
            met: Some(true),
            msops: 39.75 * 4.0,
            fastest_mhz: Some(40.5),
        };
        let l = bc.line(Some(40.96));
        assert!(
            l.starts_with(
                "  board:   39.75 MHz clock -> 159.0 M synaptic ops/s, within Fmax 40.96 MHz\n           PLL: 39.75 MHz = 12 MHz x 53 / 16 by SB_PLL40_PAD"
            ),
            "{l}"
        );
        assert!(
            l.contains("fastest PLL clock within Fmax: 40.5 MHz (--clock-mhz 40.5)"),
            "{l}"
        );
        assert!(!l.contains("WARNING"));
        bc.met = Some(false);
        bc.fastest_mhz = Some(36.0);
        bc.constraint_mhz = Some(12.0);
        let l = bc.line(Some(37.2));
        assert!(l.contains("ABOVE Fmax 37.20 MHz"), "{l}");
        assert!(l.contains("timed the clock for 12 MHz"), "{l}");
        assert!(!l.contains("fastest"), "{l}");
        assert!(bc.line(None).contains("timing not analysed"));
    }
}
