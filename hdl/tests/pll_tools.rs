//! Our PLL parameters against the vendors'-flow calculators: `icepll` (icestorm) for the iCE40
//! `SB_PLL40_PAD` from the iCEBreaker's 12 MHz, `ecppll` (Project Trellis, as `yowasp-ecppll` in
//! the venv of scripts/setup.sh) for the ECP5 `EHXPLLL` from the ULX3S' 25 MHz. Each is skipped,
//! with the reason printed, when its tool is not installed. Runtime: ~2 s.

use hdl::board::pll::{Family, Setting, nearest};
use std::path::PathBuf;
use std::process::Command;

fn find(tool: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/neurogen/venv/bin").join(tool));
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(tool))
            .find(|f| f.is_file())
    });
    on_path.or(venv.filter(|f| f.is_file()))
}

/// The number after `key` on the line that starts with it.
fn field(text: &str, key: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in:\n{text}"));
    line.trim_start()[key.len()..]
        .split_whitespace()
        .next()
        .and_then(|w| w.trim_matches(|c| c == '(' || c == ')').parse().ok())
        .unwrap_or_else(|| panic!("{key}: {line}"))
}

#[test]
fn ice40_parameters_equal_icepll() {
    let Some(icepll) = find("icepll") else {
        println!("SKIPPED: icepll not installed (Debian package fpga-icestorm)");
        return;
    };
    for mhz in [
        20.0f64, 24.0, 25.0, 30.0, 33.0, 36.0, 40.0, 42.0, 45.0, 48.0, 50.0, 55.0, 60.0, 64.0,
        72.0, 80.0, 100.0, 120.0, 133.0, 150.0, 200.0, 250.0,
    ] {
        let out = Command::new(&icepll)
            .args(["-i", "12", "-o", &mhz.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let achieved = text
            .lines()
            .find(|l| l.contains("(achieved)"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|w| w.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("icepll -o {mhz}:\n{text}"));
        let theirs = Setting::Ice40 {
            divr: field(&text, "DIVR:") as u32,
            divf: field(&text, "DIVF:") as u32,
            divq: field(&text, "DIVQ:") as u32,
            filter_range: field(&text, "FILTER_RANGE:") as u32,
        };
        let ours = nearest(Family::Ice40, 12_000_000, (mhz * 1e6) as u64).unwrap();
        assert_eq!(ours.setting, theirs, "{mhz} MHz: ours {}", ours.describe());
        assert!(
            (ours.out_hz() / 1e6 - achieved).abs() < 0.0005,
            "{mhz} MHz: ours {}, icepll {achieved}",
            ours.describe()
        );
    }
}

#[test]
fn ecp5_parameters_equal_ecppll() {
    let Some(ecppll) = find("yowasp-ecppll").or_else(|| find("ecppll")) else {
        println!("SKIPPED: neither yowasp-ecppll nor ecppll installed (./scripts/setup.sh)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ecppll");
    std::fs::create_dir_all(&dir).unwrap();
    let (mut cphase_rounded, mut vco_ties) = (0, 0);
    for mhz in [
        12.0f64, 25.0, 33.333, 40.0, 47.3, 50.0, 62.5, 75.0, 80.0, 95.0, 100.0, 110.0, 120.0,
        125.0, 133.0, 150.0, 200.0, 300.0,
    ] {
        let file = dir.join(format!("pll{mhz}.v"));
        let out = Command::new(&ecppll)
            .args(["-i", "25", "-o", &mhz.to_string(), "-f"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let achieved = field(&text, "clkout0 frequency:");
        let v = std::fs::read_to_string(&file).unwrap();
        let param = |p: &str| -> u32 {
            let i = v
                .find(&format!(".{p}("))
                .unwrap_or_else(|| panic!("{p}:\n{v}"));
            let rest = &v[i + p.len() + 2..];
            rest[..rest.find(')').unwrap()].parse().unwrap()
        };
        let ours = nearest(Family::Ecp5, 25_000_000, (mhz * 1e6).round() as u64).unwrap();
        let Setting::Ecp5 {
            clki_div,
            clkfb_div,
            clkop_div,
            clkop_cphase,
        } = ours.setting
        else {
            unreachable!()
        };
        let what = format!("{mhz} MHz: ours {}\necppll:\n{text}", ours.describe());
        assert_eq!(
            (clki_div, clkfb_div),
            (param("CLKI_DIV"), param("CLKFB_DIV")),
            "{what}"
        );
        // the output divider puts the VCO nearest 600 MHz; when two are exactly as near,
        // ecppll's floating point picks either
        let their_div = param("CLKOP_DIV");
        if clkop_div != their_div {
            let dist = |d: u32| (25 * clkfb_div * d).abs_diff(600 * clki_div);
            assert_eq!(dist(clkop_div), dist(their_div), "not a tie: {what}");
            vco_ties += 1;
            continue;
        }
        // ecppll means half the divider and sometimes lands one lower (floating point)
        let theirs = param("CLKOP_CPHASE");
        assert!(
            clkop_cphase == theirs || (clkop_div % 2 == 0 && clkop_cphase == theirs + 1),
            "CLKOP_CPHASE ours {clkop_cphase}, ecppll {theirs}: {what}"
        );
        cphase_rounded += usize::from(clkop_cphase != theirs);
        assert!((ours.out_hz() / 1e6 - achieved).abs() < 0.001, "{what}");
    }
    println!(
        "ecppll: CLKOP_CPHASE one lower than half the divider in {cphase_rounded} of 18; \
         another output divider on an exact VCO tie in {vco_ties}"
    );
    assert!(
        vco_ties <= 3,
        "{vco_ties} ties: the output divider rule differs"
    );
}
