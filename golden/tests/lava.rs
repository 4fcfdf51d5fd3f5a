//! The external check of `model = "cuba"`: Intel Lava 0.10's own outputs (`PyDenseModelBitAcc`
//! into `PyLifModelBitAcc`), recorded once by scripts/peers/lava_cuba.py into testdata/lava/,
//! compared with the golden model tick by tick (spikes, u and v of every neuron). CI needs
//! neither Python nor Lava. Runtime: well under a second (6 networks of 6 x 5, 50 ticks).
//!
//! Tick alignment (docs/model.md, "Tick alignment with Lava"): Lava's `Dense` delivers at time
//! step s + 1 what its source emitted at step s (steps count from 1), and nothing reaches the LIF
//! at step 1. So our stimulus is an empty tick 0 followed by the source's emission of steps
//! 1, 2, ..., and our tick t equals Lava's LIF after step t + 1 (entry t of the recorded lists).

use golden::{Config, Network, StateKind, Stimulus};
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &[&str] = &[
    "mixed_du0_dv4095",
    "mixed_du4095_dv0",
    "mixed_odd_decays_exp7",
    "stress_excitatory_wrap",
    "stress_inhibitory_wrap",
    "wrap_boundary",
];

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/lava")
        .join(name)
}

/// What Lava recorded: per time step, the source's emission and the LIF's spikes, u and v.
struct Recorded {
    input: Vec<Vec<u32>>,
    spikes: Vec<Vec<u32>>,
    u: Vec<Vec<i64>>,
    v: Vec<Vec<i64>>,
}

fn lists<T>(j: &Value, key: &str, f: impl Fn(&Value) -> T) -> Vec<Vec<T>> {
    j[key]
        .as_array()
        .unwrap_or_else(|| panic!("lava_expected.json lacks {key}"))
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(&f).collect())
        .collect()
}

fn recorded(name: &str) -> Recorded {
    let path = dir(name).join("lava_expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let j: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["lava_version"], "0.10.0", "{name}");
    let r = Recorded {
        input: lists(&j, "input", |x| x.as_u64().unwrap() as u32),
        spikes: lists(&j, "spikes", |x| x.as_u64().unwrap() as u32),
        u: lists(&j, "u", |x| x.as_i64().unwrap()),
        v: lists(&j, "v", |x| x.as_i64().unwrap()),
    };
    let t = r.input.len();
    assert!(t > 0 && r.spikes.len() == t && r.u.len() == t && r.v.len() == t);
    r
}

/// The documented alignment: an empty tick 0, then the source's emission of steps 1..T-1.
fn aligned_stimulus(r: &Recorded) -> Vec<Vec<u32>> {
    let t = r.input.len();
    std::iter::once(Vec::new())
        .chain(r.input[..t - 1].iter().cloned())
        .collect()
}

/// Run `cfg` on `ticks` and compare tick t with Lava's entry t; the first difference, if any.
fn compare(cfg: &Config, ticks: &[Vec<u32>], r: &Recorded) -> Result<(), String> {
    let mut net = Network::new(cfg);
    for (t, events) in ticks.iter().enumerate() {
        let spikes = net.step(events).to_vec();
        let u = net.state(StateKind::U).to_vec();
        let v = net.v().to_vec();
        if spikes != r.spikes[t] {
            return Err(format!(
                "tick {t}: spikes {spikes:?}, Lava {:?}",
                r.spikes[t]
            ));
        }
        if u != r.u[t] {
            return Err(format!("tick {t}: u {u:?}, Lava {:?}", r.u[t]));
        }
        if v != r.v[t] {
            return Err(format!("tick {t}: v {v:?}, Lava {:?}", r.v[t]));
        }
    }
    Ok(())
}

fn config(name: &str) -> Config {
    let path = dir(name).join("config.toml");
    Config::from_file(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

#[test]
fn the_cuba_model_matches_lava_on_every_tick() {
    for name in FIXTURES {
        let r = recorded(name);
        let ticks = aligned_stimulus(&r);
        // The committed stimulus (for `neurogen simulate` / `cosim`) is the aligned one.
        let stim = Stimulus::from_file(&dir(name).join("stimulus.json")).unwrap();
        assert_eq!(
            stim.ticks, ticks,
            "{name}: stimulus.json is not the aligned input"
        );
        if let Err(e) = compare(&config(name), &ticks, &r) {
            panic!("{name}: golden model differs from Lava 0.10 at {e}");
        }
    }
}

#[test]
fn the_fixtures_reach_wrap_saturation_spikes_and_every_decay_extreme() {
    // The stress values the comparison is meant to cover are really in the recordings.
    let all: Vec<Recorded> = FIXTURES.iter().map(|n| recorded(n)).collect();
    let u_max = all.iter().flat_map(|r| r.u.iter().flatten()).max().unwrap();
    let u_min = all.iter().flat_map(|r| r.u.iter().flatten()).min().unwrap();
    let v_min = all.iter().flat_map(|r| r.v.iter().flatten()).min().unwrap();
    assert!(
        *u_max > 1 << 22 && *u_min < -(1 << 22),
        "u {u_min}..{u_max}"
    );
    // u exactly 2^23: Lava's strict wrap compare keeps it (and moves -2^23 up to it)
    assert_eq!(*u_max, 1 << 23);
    assert_eq!(*v_min, -((1 << 23) - 1), "v saturates at -(2^23 - 1)");
    // an excitatory-only network whose u goes negative has wrapped
    let exc = recorded("stress_excitatory_wrap");
    assert!(exc.u.iter().flatten().any(|&u| u < 0));
    for r in &all {
        assert!(r.spikes.iter().any(|s| !s.is_empty()));
    }
    let (du, dv): (Vec<i64>, Vec<i64>) = FIXTURES
        .iter()
        .map(|n| match config(n).cuba() {
            Some(c) => (c.du, c.dv),
            None => panic!("{n} is not cuba"),
        })
        .unzip();
    for d in [0, 4095] {
        assert!(du.contains(&d) && dv.contains(&d), "decay {d} missing");
    }
}

/// Controls: the comparison catches a model without Lava's `du + 1` (that model with `du` equals
/// ours with `du - 1`), and the alignment is not arbitrary (no shift, or one more, mismatches).
#[test]
fn controls_a_perturbed_model_or_alignment_mismatches_lava() {
    for name in FIXTURES {
        let r = recorded(name);
        let ticks = aligned_stimulus(&r);
        let text = std::fs::read_to_string(dir(name).join("config.toml")).unwrap();
        let du = config(name).cuba().unwrap().du;
        if du > 0 {
            let minus = text.replace(&format!("du = {du}\n"), &format!("du = {}\n", du - 1));
            assert_ne!(minus, text);
            let cfg = Config::from_toml_str(&minus, &dir(name)).unwrap();
            assert!(
                compare(&cfg, &ticks, &r).is_err(),
                "{name}: dropping du + 1 still matches Lava"
            );
        }
        let cfg = config(name);
        let unshifted: Vec<Vec<u32>> = r.input.clone();
        assert!(
            compare(&cfg, &unshifted, &r).is_err(),
            "{name}: matches Lava without the one-tick alignment"
        );
        let twice: Vec<Vec<u32>> = std::iter::once(Vec::new()).chain(ticks.clone()).collect();
        assert!(
            compare(&cfg, &twice[..ticks.len()], &r).is_err(),
            "{name}: matches Lava with a two-tick alignment"
        );
    }
}
