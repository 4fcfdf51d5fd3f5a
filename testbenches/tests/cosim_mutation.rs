//! The co-simulation can fail: broken hardware must be reported, naming the tick and the state.
//!
//! Two kinds of breakage:
//! - the generator's read-modify-write forwarding turned off (`RunOptions::forwarding = false`)
//!   on networks where back-to-back operations hit the same accumulator or weight word (one or
//!   two neuron groups per lane, duplicate events, recurrent events);
//! - single-line mutations of the generated Verilog text (`RunOptions::patches`): an off-by-one
//!   leak shift, `>=` turned into `>` in the spike decision, the accumulator's saturation dropped,
//!   the potentiation clamp dropped, an off-by-one presynaptic trace decay.
//!
//! Key decision: every mutant has a control: the same network and stimulus without the mutation
//! must match, so a test cannot pass because the network was broken to begin with; and a patch
//! that does not find its text is an error of the driver, so a test cannot pass by mutating
//! nothing.

use cosim::driver::{HostAction, Mismatch, RunOptions, run};
use golden::{Config, Stimulus};
use hdl::array::{Options, generate};
use std::path::Path;

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

fn stim(ticks: &[&[u32]]) -> Stimulus {
    Stimulus {
        ticks: ticks.iter().map(|t| t.to_vec()).collect(),
        ..Default::default()
    }
}

/// Run with `opts`; the run must complete (no tool or protocol error).
fn cosim(cfg: &Config, s: &Stimulus, opts: &RunOptions) -> Option<Mismatch> {
    run(cfg, s, opts)
        .unwrap_or_else(|e| panic!("co-simulation of {} failed to run: {e}", cfg.name))
        .mismatch
}

/// The control run matches; the mutant run reports a mismatch on one of `states`.
fn assert_caught(cfg: &Config, s: &Stimulus, mutant: &RunOptions, states: &[&str]) -> Mismatch {
    if let Some(m) = cosim(cfg, s, &RunOptions::default()) {
        panic!(
            "the unmutated {} must match the golden model: {m}",
            cfg.name
        );
    }
    let m = cosim(cfg, s, mutant).unwrap_or_else(|| {
        panic!(
            "the mutant of {} was not caught (patches {:?}, forwarding {})",
            cfg.name, mutant.patches, mutant.forwarding
        )
    });
    let text = m.to_string();
    eprintln!("{}: {text}", cfg.name);
    assert!(text.starts_with(&format!("MISMATCH at tick {}: ", m.tick)));
    assert!(
        states.contains(&m.what.as_str()),
        "{}: mismatch on {:?}, expected one of {states:?}: {text}",
        cfg.name,
        m.what
    );
    m
}

/// A patch replacing the one line of `file_suffix` (e.g. `_lane.v`) that contains `needle` by
/// `edit(line)`.
fn patch_line(
    cfg: &Config,
    file_suffix: &str,
    needle: &str,
    edit: impl Fn(&str) -> String,
) -> (String, String, String) {
    let g = generate(cfg, &Options::default()).expect("the network generates");
    let file = format!("{}{file_suffix}", cfg.name);
    let text = &g
        .rtl
        .iter()
        .find(|(n, _)| *n == file)
        .unwrap_or_else(|| panic!("no file {file}"))
        .1;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.contains(needle))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line with `{needle}` in {file}: {lines:?}"
    );
    let from = lines[0].to_string();
    let to = edit(&from);
    assert_ne!(from, to, "the edit must change the line");
    (file, from, to)
}

fn mutant(patch: (String, String, String)) -> RunOptions {
    RunOptions {
        patches: vec![patch],
        ..Default::default()
    }
}

// ------------------------------------------------------------------ forwarding

/// The design without the pipeline's forwarding paths.
fn no_forwarding() -> RunOptions {
    RunOptions {
        forwarding: false,
        ..Default::default()
    }
}

#[test]
fn without_forwarding_one_group_per_lane_and_recurrence_mismatch() {
    // G = 1: every event of a tick reads the accumulator word the previous event is writing
    let cfg = config(
        r#"
name = "nofwd_g1"
[array]
inputs = 8
neurons = 4
lanes = 4
recurrent = true
[neuron]
threshold = 40
leak_shift = 2
[synapse]
init = "uniform"
init_lo = 5
init_hi = 20
seed = 3
[stdp]
pre_inc = 128
post_inc = 128
ltd_shift = 3
"#,
    );
    let s = stim(&[&[1, 1, 1, 2, 2, 5], &[3, 3, 3, 3], &[0, 7, 7, 1], &[4, 4]]);
    assert_caught(&cfg, &s, &no_forwarding(), &["spikes", "v", "weight"]);
}

#[test]
fn without_forwarding_two_groups_per_lane_and_duplicates_mismatch() {
    // G = 2: an event's write of group g lands after the next event has read group g
    let cfg = config(
        r#"
name = "nofwd_g2"
[array]
inputs = 6
neurons = 4
lanes = 2
[neuron]
threshold = 1000
leak_shift = 0
[synapse]
init = "constant"
init_value = 9
[stdp]
enabled = false
"#,
    );
    let s = stim(&[&[2, 2, 2, 2], &[0, 1, 2, 3, 4, 5]]);
    let m = assert_caught(&cfg, &s, &no_forwarding(), &["v", "spikes"]);
    assert_eq!(m.tick, 0, "{m}");
}

#[test]
fn without_forwarding_back_to_back_duplicates_lose_updates() {
    // G = 2 and depression on: back-to-back duplicates read the trace, weight and accumulator
    // words that the previous event is still updating
    let cfg = config(
        r#"
name = "nofwd_ltd"
[array]
inputs = 4
neurons = 2
lanes = 1
[neuron]
threshold = 30
leak_shift = 1
[synapse]
init = "constant"
init_value = 100
[stdp]
post_inc = 255
ltd_shift = 2
ltp_shift = 7
"#,
    );
    // tick 0 makes both neurons fire (y > 0); tick 1 repeats one row back to back
    let s = stim(&[&[0], &[3, 3, 3, 3, 3], &[3, 3]]);
    assert_caught(&cfg, &s, &no_forwarding(), &["x", "v", "spikes", "weight"]);
}

// ------------------------------------------------------------------ Verilog mutations

#[test]
fn an_off_by_one_leak_shift_is_reported() {
    let cfg = config(
        r#"
name = "mut_leak"
[array]
inputs = 4
neurons = 2
lanes = 1
[neuron]
threshold = 5000
leak_shift = 3
[synapse]
init = "constant"
init_value = 50
[stdp]
enabled = false
"#,
    );
    let p = patch_line(&cfg, "_lane.v", ">>> 3;", |l| l.replace(">>> 3;", ">>> 2;"));
    let s = stim(&[&[0, 1, 2, 3], &[0, 1], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["v"]);
    assert_eq!(m.tick, 1, "v differs once there is something to leak: {m}");
}

#[test]
fn a_strict_threshold_compare_is_reported() {
    let cfg = config(
        r#"
name = "mut_thr"
[array]
inputs = 2
neurons = 2
lanes = 2
[neuron]
threshold = 20
leak_shift = 0
[synapse]
init = "constant"
init_value = 10
[stdp]
enabled = false
"#,
    );
    let p = patch_line(&cfg, "_lane.v", "assign n3_fire", |l| {
        l.replace(") >= $signed(", ") > $signed(")
    });
    // acc = 20 = threshold exactly: the golden model fires
    let s = stim(&[&[0, 1], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["spikes"]);
    assert_eq!(m.tick, 0, "{m}");
    assert_eq!(m.expected, "[0, 1]");
    assert_eq!(m.actual, "[]");
}

#[test]
fn a_dropped_accumulator_saturation_is_reported() {
    let cfg = config(
        r#"
name = "mut_accsat"
[array]
inputs = 3
neurons = 3
lanes = 3
[neuron]
acc_bits = 6
threshold = 30
leak_shift = 0
[synapse]
init = "constant"
init_value = 20
[stdp]
enabled = false
"#,
    );
    // 20 + 20 saturates to 31 (>= 30, spike); wrapped it is -24
    let p = patch_line(&cfg, "_lane.v", "ew_acc <=", |_| {
        "ew_acc <= $signed(e_acc_sum[5:0]);".to_string()
    });
    let s = stim(&[&[0, 1], &[2]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["spikes"]);
    assert_eq!(m.tick, 0, "{m}");
}

#[test]
fn a_dropped_potentiation_clamp_is_reported() {
    let cfg = config(
        r#"
name = "mut_ltpclamp"
[array]
inputs = 2
neurons = 2
lanes = 1
[neuron]
threshold = 100
leak_shift = 0
[synapse]
init = "constant"
init_value = 250
[stdp]
pre_inc = 255
post_inc = 1
ltp_shift = 0
"#,
    );
    // both neurons fire at tick 0; 250 + 255 must clamp to 255, wrapped it is 249
    let p = patch_line(&cfg, "_lane.v", "lw_w <=", |_| {
        "lw_w <= l_w_moved[7:0];".to_string()
    });
    let s = stim(&[&[0], &[1]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["weight"]);
    assert_eq!(m.tick, 0, "{m}");
    assert_eq!(m.expected, "255");
}

#[test]
fn an_off_by_one_presynaptic_trace_decay_is_reported() {
    let cfg = config(
        r#"
name = "mut_xdecay"
[array]
inputs = 4
neurons = 2
lanes = 2
[neuron]
threshold = 10000
[stdp]
pre_inc = 200
pre_decay_shift = 3
post_decay_shift = 0
"#,
    );
    let p = patch_line(&cfg, ".v", "xw_word <=", |l| l.replace(">> 3)", ">> 2)"));
    let s = stim(&[&[0, 1, 2, 3], &[], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["x"]);
    assert_eq!(m.tick, 1, "the first decay is in tick 1: {m}");
}

#[test]
fn without_pair_mode_potentiation_forwarding_the_other_half_of_a_word_is_lost() {
    // UP5K pair mode: neurons 0 and 1 share every weight word (one lane, two groups) and
    // always spike together, so each row's two potentiations update the two halves of one word
    // two cycles apart; the second must take the first's half from the last write
    let cfg = config(
        r#"
name = "pair_fwd"
[array]
inputs = 6
neurons = 2
[neuron]
threshold = 30
leak_shift = 1
[synapse]
init = "constant"
init_value = 40
[stdp]
ltd_shift = 8
"#,
    );
    let s = stim(&[
        &[0, 1, 2, 3, 4, 5],
        &[0, 2, 4],
        &[1, 3, 5],
        &[0, 1, 2, 3, 4, 5],
    ]);
    let target = hdl::array::Target::Ice40Up5k;
    let g = generate(
        &cfg,
        &Options {
            target,
            ..Default::default()
        },
    )
    .expect("generates");
    assert!(g.layout.pair, "the network must use SPRAM pair mode");
    let file = format!("{}_lane.v", cfg.name);
    let text = &g.rtl.iter().find(|(n, _)| *n == file).expect("lane file").1;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("lw_other <= l_fwd_d"))
        .expect("the forwarding select of the other half")
        .to_string();
    let broken = line.replacen("lw_other <= l_fwd_d", "lw_other <= 1'd0 & l_fwd_d", 1);
    let control = RunOptions {
        target,
        ..Default::default()
    };
    if let Some(m) = cosim(&cfg, &s, &control) {
        panic!(
            "the unmutated {} must match the golden model: {m}",
            cfg.name
        );
    }
    let mutant = RunOptions {
        target,
        patches: vec![(file, line, broken)],
        ..Default::default()
    };
    let m = cosim(&cfg, &s, &mutant).expect("the missing forwarding must be caught");
    assert_eq!(m.what, "weight", "{m}");
}

// ------------------------------------------------------------------ survivors of a plain stimulus
//
// Five mutants that an independent mutation run found passing `neurogen cosim` and the exported
// testbench with a Poisson stimulus: m1 no weight forwarding (Poisson never repeats an address
// within a tick), m2 an output skid buffer that never holds a beat (no backpressure), m3 host
// writes to CONTROL ignored (no host actions), m4 the scaling step treating a signed column sum
// of exactly 0 as positive, m5 a dropped depression clamp (never reached). Each must now be
// caught by the path a user runs by default, `testbenches::adversary::cosim_stressed` (what
// `neurogen cosim` calls without `--calm`); the unmutated design must pass it.

use testbenches::adversary::cosim_stressed;

/// Two lanes of two groups (forwarding on weight and accumulator words), STDP with depression,
/// neurons that fire under a 200 Hz Poisson input.
const USER_NET: &str = r#"
name = "user"
[array]
inputs = 16
neurons = 4
lanes = 2
[neuron]
threshold = 40
leak_shift = 2
[synapse]
init = "uniform"
init_lo = 5
init_hi = 30
seed = 4
[stdp]
pre_inc = 100
post_inc = 120
ltp_shift = 3
ltd_shift = 2
"#;

fn poisson(cfg: &Config, ticks: usize) -> Stimulus {
    Stimulus::poisson(cfg.array.inputs, 200.0, ticks, 1.0, 1)
}

/// The default (stressed) co-simulation of `cfg` with `patches`: the first difference.
fn stressed(
    cfg: &Config,
    s: &Stimulus,
    patches: Vec<(String, String, String)>,
) -> Option<Mismatch> {
    let base = RunOptions {
        patches,
        ..Default::default()
    };
    let (stress, reports) = cosim_stressed(cfg, s, &base, 1)
        .unwrap_or_else(|e| panic!("co-simulation of {} failed to run: {e}", cfg.name));
    eprintln!("{}", stress.summary());
    reports.into_iter().find_map(|r| r.mismatch)
}

/// The mutant survives the plain run (`--calm`) and is caught by the default stressed run; the
/// unmutated design passes the stressed run.
fn survivor_caught(cfg: &Config, s: &Stimulus, patch: (String, String, String)) -> Mismatch {
    if let Some(m) = stressed(cfg, s, Vec::new()) {
        panic!("the unmutated {} must pass the stressed run: {m}", cfg.name);
    }
    let calm = cosim(cfg, s, &mutant(patch.clone()));
    assert!(
        calm.is_none(),
        "the mutant {patch:?} was meant to survive the plain stimulus: {}",
        calm.unwrap()
    );
    let m = stressed(cfg, s, vec![patch.clone()])
        .unwrap_or_else(|| panic!("the stressed run missed the mutant {patch:?}"));
    eprintln!("{}: {m}", cfg.name);
    m
}

#[test]
fn m1_a_missing_weight_forwarding_is_caught_by_the_default_run() {
    let cfg = config(USER_NET);
    let p = patch_line(&cfg, "_lane.v", "assign e_w_in = ", |_| {
        "assign e_w_in = x0_w;".to_string()
    });
    survivor_caught(&cfg, &poisson(&cfg, 40), p);
}

#[test]
fn m2_an_output_skid_buffer_that_never_holds_is_caught_by_the_default_run() {
    let cfg = config(USER_NET);
    let p = patch_line(&cfg, ".v", "out_skid_v <= 1'd1;", |l| {
        l.replace("1'd1", "1'd0")
    });
    let m = survivor_caught(&cfg, &poisson(&cfg, 40), p);
    assert_eq!(m.what, "spikes", "{m}");
}

#[test]
fn m3_ignored_control_writes_are_caught_by_the_default_run() {
    let cfg = config(USER_NET);
    let p = patch_line(&cfg, ".v", "learn_en <= h_dat[0];", |l| {
        l.replace("h_dat[0]", "learn_en")
    });
    survivor_caught(&cfg, &poisson(&cfg, 40), p);
}

/// Signed weights, scaling on a host command only.
const SIGNED_NET: &str = r#"
name = "user_signed"
[array]
inputs = 6
neurons = 4
lanes = 2
[neuron]
threshold = 30
leak_shift = 2
[synapse]
weight_bits = 6
signed = true
init = "uniform"
init_lo = -8
init_hi = 20
seed = 2
[stdp]
pre_inc = 100
post_inc = 120
ltp_shift = 3
ltd_shift = 2
normalize_target = 60
"#;

#[test]
fn m4_scaling_a_signed_column_that_sums_to_zero_is_caught() {
    let cfg = config(SIGNED_NET);
    let p = patch_line(&cfg, "_lane.v", "skip <= sum_r <= ", |l| {
        l.replace("sum_r <= ", "sum_r < ")
    });
    // the hand-made case: column 1 = +7, -7, +7, -7, +7, -7, then normalize
    let mut actions: Vec<(usize, HostAction)> = (0..6u64)
        .map(|j| {
            (
                1,
                HostAction::WriteWeight {
                    j,
                    i: 1,
                    w: if j % 2 == 0 { 7 } else { -7 },
                },
            )
        })
        .collect();
    actions.push((1, HostAction::Normalize));
    let s = stim(&[&[0, 1], &[2], &[3, 4]]);
    let with = |patches| RunOptions {
        patches,
        actions: actions.clone(),
        ..Default::default()
    };
    assert!(cosim(&cfg, &s, &with(Vec::new())).is_none());
    let m = cosim(&cfg, &s, &with(vec![p.clone()])).expect("the zero column must be left alone");
    assert_eq!(m.tick, 1, "{m}");
    assert!(["weight", "spikes"].contains(&m.what.as_str()), "{m}");
    // and the default run of a plain stimulus catches it too (zero columns and normalize)
    let m = stressed(&cfg, &poisson(&cfg, 60), vec![p]).expect("the stressed run missed m4");
    eprintln!("m4, stressed: {m}");
}

#[test]
fn m5_a_dropped_depression_clamp_is_caught_by_the_default_run() {
    // weak depression of weights far above w_min = 0: only a host write of w_min brings one
    // to the clamp
    let toml = USER_NET
        .replace("name = \"user\"", "name = \"user_m5\"")
        .replace("init_lo = 5\ninit_hi = 30", "init_lo = 100\ninit_hi = 200")
        .replace(
            "ltp_shift = 3\nltd_shift = 2",
            "ltp_shift = 7\nltd_shift = 6",
        );
    let cfg = config(&toml);
    // `learn ? (below w_min ? w_min : moved) : unchanged` loses its clamp
    let p = patch_line(&cfg, "_lane.v", "ew_w <= ", |l| {
        let (head, tail) = l.split_once("learn ? ").unwrap();
        let at = tail.find(" : ").unwrap() + 3;
        let end = tail.rfind(") : e_w_in;").unwrap();
        format!("{head}learn ? {} : e_w_in;", &tail[at..end])
    });
    survivor_caught(&cfg, &poisson(&cfg, 40), p);
}

// ------------------------------------------------------------------ cuba

/// A two-neuron `cuba` network (16-bit signed weights, all `w`, no STDP) with `neuron` keys.
fn cuba_config(name: &str, neuron: &str, w: i64) -> Config {
    config(&format!(
        "name = \"{name}\"\n[array]\ninputs = 2\nneurons = 2\nlanes = 2\n[neuron]\n\
         model = \"cuba\"\n{neuron}\n[synapse]\nweight_bits = 16\nsigned = true\n\
         init = \"constant\"\ninit_value = {w}\n[stdp]\nenabled = false\n"
    ))
}

#[test]
fn cuba_without_lavas_du_plus_one_is_reported() {
    let cfg = cuba_config("mut_du", "du = 300\ndv = 0\nvth = 100000", 1000);
    // the u decay multiplies by 4095 - du (Lava's du + 1); the mutant by 4096 - du
    let p = patch_line(&cfg, "_lane.v", &format!("14'sh{:X};", 4095 - 300), |l| {
        l.replace(&format!("{:X}", 4095 - 300), &format!("{:X}", 4096 - 300))
    });
    let s = stim(&[&[0], &[], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["v", "u"]);
    assert_eq!(m.tick, 1, "{m}");
}

#[test]
fn cuba_decay_rounding_down_instead_of_toward_zero_is_reported() {
    let cfg = cuba_config("mut_rnd", "du = 300\ndv = 0\nvth = 100000", -1000);
    // the mutant drops the 4095 added to a negative product before the floor shift of u's decay
    let p = patch_line(&cfg, "_lane.v", "n1_au <=", |l| {
        l.replace("12'd4095", "12'd0")
    });
    let s = stim(&[&[0], &[], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["v", "u"]);
    assert_eq!(m.tick, 1, "{m}");
}

#[test]
fn cuba_a_wrap_at_exactly_2_to_the_23_is_reported() {
    // a_in = 2^14 << 3 = 2^17: u = 2^17 << 6 = 2^23 exactly, which Lava keeps (`u > 2^23`
    // wraps, strictly); v clamps to 2^23 - 1 and spikes. The mutant wraps at `>=`: the wrapped
    // u is negative whenever bit 23 of the sum is set (the lane tests that bit and that bits
    // 22..0 are not all zero, which keeps 2^23 positive).
    let cfg = cuba_config("mut_wrap", "vth = 100000", 16384);
    let mut cfg = cfg;
    if let golden::config::NeuronConfig::Cuba(c) = &mut cfg.neuron {
        c.weight_exp = 3;
    }
    let p = patch_line(&cfg, "_lane.v", "assign n3_uneg", |l| {
        l.replace("(|n2_su[22:0])", "1'd1")
    });
    let s = stim(&[&[0], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["spikes"]);
    assert_eq!(m.tick, 0, "{m}");
    assert_eq!(m.expected, "[0, 1]");
    assert_eq!(m.actual, "[]");
}

#[test]
fn cuba_a_wrong_per_neuron_bias_is_reported() {
    // neuron 1's bias -7 (lane 1's table entry) replaced by neuron 0's 5: v differs at tick 0
    let cfg = cuba_config(
        "mut_bias",
        "vth = 100000\nbias_mant = [5, -7]\nbias_exp = 0",
        0,
    );
    let p = patch_line(&cfg, ".v", ".nu_bias(20'shFFFF9)", |l| {
        l.replace("20'shFFFF9", "20'sh5")
    });
    let s = stim(&[&[], &[]]);
    let m = assert_caught(&cfg, &s, &mutant(p), &["v"]);
    assert_eq!((m.tick, m.index.as_str()), (0, "1"), "{m}");
}

/// A four-lane `cuba` network for the iCE40 UP5K, whose 8 `SB_MAC16` take one multiply per
/// decay (the split multiplies: the high 16 bits of u and v times the decay in the block, the
/// low bits by shift-and-add): odd decays, per-neuron biases of both signs and strong mixed
/// weights (u wraps, v saturates, both go negative, so the decays round toward zero).
const CUBA_SPLIT: &str = r#"
name = "cuba_split"
[array]
inputs = 8
neurons = 8
lanes = 4
[neuron]
model = "cuba"
du = 410
dv = 205
vth = 60000
bias_mant = [100, -100, 4095, -4096, 7, -7, 0, 1]
bias_exp = [3, 3, 7, 7, 0, 1, 0, 5]
acc_bits = 16
[synapse]
weight_bits = 8
signed = true
init = "uniform"
init_lo = -128
init_hi = 127
seed = 11
weight_exp = 7
[stdp]
enabled = false
"#;

/// `ticks` ticks of 0 to 7 events on the 8 inputs (duplicates included), from a fixed LCG.
fn busy_stimulus(ticks: usize, seed: u64) -> Stimulus {
    let mut x = seed;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    let ticks = (0..ticks)
        .map(|_| {
            let n = next() % 8;
            (0..n).map(|_| next() % 8).collect()
        })
        .collect();
    Stimulus {
        ticks,
        ..Default::default()
    }
}

#[test]
fn cuba_split_multiplies_of_the_up5k_match_and_a_dropped_div0_carry_is_caught() {
    // runtime: two co-simulations of 40 ticks on 8 neurons, a few seconds
    use hdl::array::Target;
    let cfg = config(CUBA_SPLIT);
    let up5k = Options {
        target: Target::Ice40Up5k,
        ..Default::default()
    };
    let g = generate(&cfg, &up5k).expect("the network generates");
    let lane = &g
        .rtl
        .iter()
        .find(|(n, _)| n == "cuba_split_lane.v")
        .unwrap()
        .1;
    // one 16 x 14-bit product per decay (`n1_mu`, `n1_mv`), the whole products are gone
    for reg in ["n1_mu <=", "n1_mv <="] {
        assert!(
            lane.lines().any(|l| l.contains(reg) && l.contains(" * ")),
            "{reg} is a product"
        );
    }
    assert!(
        !lane.contains("n1_pu"),
        "the split lane has no whole product"
    );
    let needle = "(n1_nu & (|n1_lu[8:0]))";
    let line: Vec<&str> = lane
        .lines()
        .map(str::trim)
        .filter(|l| l.contains(needle))
        .collect();
    assert_eq!(line.len(), 1, "{line:?}");
    let patch = (
        "cuba_split_lane.v".to_string(),
        line[0].to_string(),
        line[0].replace(needle, "1'd0"),
    );
    let s = busy_stimulus(40, 3);
    let control = RunOptions {
        target: Target::Ice40Up5k,
        ..Default::default()
    };
    if let Some(m) = cosim(&cfg, &s, &control) {
        panic!("the UP5K cuba_split must match the golden model: {m}");
    }
    let mutant = RunOptions {
        patches: vec![patch],
        ..control
    };
    let m = cosim(&cfg, &s, &mutant).expect("the dropped div0 carry was not caught");
    eprintln!("cuba_split: {m}");
    assert!(["u", "v", "spikes"].contains(&m.what.as_str()), "{m}");
}
