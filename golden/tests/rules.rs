//! One test per rule of docs/model.md (the `lif` tick, the `cuba` model and the host commands),
//! each on a network of 1-5 rows and 1-3 neurons.
//!
//! Every expected value is derived by hand from the formulas of docs/model.md; the derivation is
//! in the comments next to the assertion. Tests start from a quiet base config (no leak, no trace decay,
//! a threshold nothing reaches, constant weights 0) and name only the keys the rule needs.

use golden::{Config, Network, StateKind};
use std::path::Path;

/// The quiet base: everything that would blur a single rule is switched off.
const LIF_BASE: &[(&str, &str)] = &[
    ("array.inputs", "1"),
    ("array.neurons", "1"),
    ("neuron.threshold", "1000"),
    ("neuron.leak_shift", "0"),
    ("synapse.init", "\"constant\""),
    ("synapse.init_value", "0"),
    ("stdp.pre_decay_shift", "0"),
    ("stdp.post_decay_shift", "0"),
];

const CUBA_BASE: &[(&str, &str)] = &[
    ("array.inputs", "1"),
    ("array.neurons", "1"),
    ("neuron.model", "\"cuba\""),
    ("synapse.init", "\"constant\""),
    ("synapse.init_value", "0"),
    ("stdp.enabled", "false"),
];

/// TOML text of `base` with `over` replacing or adding `section.key = value` entries.
fn toml_text(base: &[(&str, &str)], over: &[(&str, &str)]) -> String {
    let mut keys: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in over {
        match keys.iter_mut().find(|e| e.0 == *k) {
            Some(e) => e.1 = v.to_string(),
            None => keys.push((k.to_string(), v.to_string())),
        }
    }
    let mut text = String::new();
    for (k, v) in keys.iter().filter(|(k, _)| !k.contains('.')) {
        text.push_str(&format!("{k} = {v}\n"));
    }
    for section in ["array", "neuron", "synapse", "stdp"] {
        text.push_str(&format!("[{section}]\n"));
        for (k, v) in &keys {
            if let Some(key) = k.strip_prefix(&format!("{section}.")) {
                text.push_str(&format!("{key} = {v}\n"));
            }
        }
    }
    text
}

fn lif(over: &[(&str, &str)]) -> Config {
    let text = toml_text(LIF_BASE, over);
    Config::from_toml_str(&text, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn cuba(over: &[(&str, &str)]) -> Config {
    let text = toml_text(CUBA_BASE, over);
    Config::from_toml_str(&text, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A network of `cfg` whose weight matrix is `rows` (`W[j][i]`, one slice per presynaptic row).
fn net(cfg: Config, rows: &[&[i64]]) -> Network {
    let mut n = Network::new(&cfg);
    for (j, row) in rows.iter().enumerate() {
        for (i, &w) in row.iter().enumerate() {
            n.set_weight(j, i, w).unwrap();
        }
    }
    n
}

fn w(n: &Network) -> Vec<Vec<i32>> {
    n.weights().rows().into_iter().map(|r| r.to_vec()).collect()
}

fn set(n: &mut Network, kind: StateKind, values: &[i64]) {
    for (i, &v) in values.iter().enumerate() {
        n.set_state(kind, i, v).unwrap();
    }
}

fn step(n: &mut Network, events: &[u32]) -> Vec<u32> {
    n.step(events).to_vec()
}

fn run(n: &mut Network, ticks: &[&[u32]]) -> Vec<Vec<u32>> {
    ticks.iter().map(|t| step(n, t)).collect()
}

// ---- step 1: decay --------------------------------------------------------------------------

#[test]
fn decay_shrinks_x_y_and_theta_by_their_shifts() {
    let cfg = lif(&[
        ("stdp.pre_decay_shift", "3"),
        ("stdp.post_decay_shift", "2"),
        ("neuron.theta_decay_shift", "1"),
    ]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::X, &[100]);
    set(&mut n, StateKind::Y, &[100]);
    set(&mut n, StateKind::Theta, &[101]);
    step(&mut n, &[]);
    // x: 100 - (100 >> 3) = 100 - 12; y: 100 - (100 >> 2) = 75; theta: 101 - (101 >> 1) = 51
    assert_eq!((n.x()[0], n.y()[0], n.theta()[0]), (88, 75, 51));
    step(&mut n, &[]);
    // x: 88 - 11; y: 75 - 18; theta: 51 - 25
    assert_eq!((n.x()[0], n.y()[0], n.theta()[0]), (77, 57, 26));
}

#[test]
fn decay_shift_zero_means_no_decay() {
    let cfg = lif(&[("neuron.theta_decay_shift", "0")]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::X, &[100]);
    set(&mut n, StateKind::Y, &[100]);
    set(&mut n, StateKind::Theta, &[101]);
    run(&mut n, &[&[], &[], &[]]);
    assert_eq!((n.x()[0], n.y()[0], n.theta()[0]), (100, 100, 101));
}

#[test]
fn values_below_two_to_the_shift_stop_decaying() {
    let cfg = lif(&[
        ("stdp.pre_decay_shift", "3"),
        ("stdp.post_decay_shift", "2"),
        ("neuron.theta_decay_shift", "1"),
    ]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::X, &[7]);
    set(&mut n, StateKind::Y, &[3]);
    set(&mut n, StateKind::Theta, &[1]);
    run(&mut n, &[&[], &[]]);
    // 7 >> 3 == 0, 3 >> 2 == 0, 1 >> 1 == 0
    assert_eq!((n.x()[0], n.y()[0], n.theta()[0]), (7, 3, 1));
}

// ---- step 2: events ---------------------------------------------------------------------------

#[test]
fn integration_sums_the_weights_of_the_ticks_events() {
    let cfg = lif(&[("array.inputs", "3"), ("array.neurons", "2")]);
    let mut n = net(cfg, &[&[10, 20], &[1, 2], &[100, 200]]);
    step(&mut n, &[0, 2]);
    assert_eq!(n.acc(), &[110, 220]);
    assert_eq!(n.v(), &[110, 220]);
    step(&mut n, &[1]);
    assert_eq!(n.acc(), &[1, 2], "acc starts from 0 every tick");
    assert_eq!(n.v(), &[111, 222]);
}

#[test]
fn accumulator_saturates_at_acc_bits_after_every_addition() {
    // acc is 8-bit signed: -128..=127
    let cfg = lif(&[
        ("array.inputs", "3"),
        ("neuron.acc_bits", "8"),
        ("synapse.signed", "true"),
    ]);
    let rows: &[&[i64]] = &[&[100], &[100], &[-100]];
    let mut a = net(cfg.clone(), rows);
    step(&mut a, &[0, 1, 2]); // 100, 200 -> 127, 27
    assert_eq!(a.v(), &[27]);
    let mut b = net(cfg.clone(), rows);
    step(&mut b, &[2, 0, 1]); // -100, 0, 100: no saturation, arrival order counts
    assert_eq!(b.v(), &[100]);
    let mut c = net(cfg, rows);
    step(&mut c, &[2, 2, 0]); // -100, -200 -> -128, -28
    assert_eq!(c.v(), &[-28]);
}

#[test]
fn ltd_depresses_after_the_event_integrated_the_old_weight() {
    let cfg = lif(&[("stdp.ltd_shift", "4")]);
    let mut n = net(cfg, &[&[50]]);
    set(&mut n, StateKind::Y, &[64]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[50], "integration reads W before the depression");
    assert_eq!(w(&n), vec![vec![46]], "W = 50 - (64 >> 4)");
}

#[test]
fn duplicate_event_integrates_the_depressed_weight() {
    let cfg = lif(&[("stdp.ltd_shift", "4")]);
    let mut n = net(cfg, &[&[50]]);
    set(&mut n, StateKind::Y, &[64]);
    step(&mut n, &[0, 0]);
    assert_eq!(n.v(), &[96], "50 + 46");
    assert_eq!(w(&n), vec![vec![42]], "depressed twice by 4");
    assert_eq!(n.x(), &[128], "x incremented once per event");
}

#[test]
fn symmetric_rule_potentiates_where_additive_depresses() {
    let cfg = lif(&[("stdp.rule", "\"symmetric\""), ("stdp.ltd_shift", "4")]);
    let mut n = net(cfg, &[&[50]]);
    set(&mut n, StateKind::Y, &[64]);
    step(&mut n, &[0, 0]);
    assert_eq!(n.v(), &[104], "50 + 54");
    assert_eq!(w(&n), vec![vec![58]]);
}

#[test]
fn pre_trace_is_incremented_per_event_after_the_decay() {
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("stdp.pre_decay_shift", "2"),
        ("stdp.pre_inc", "64"),
    ]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::X, &[100, 0]);
    step(&mut n, &[0, 1, 1]);
    // x0: 100 - 25 = 75, then + 64 (increment before decay would give 164 - 41 = 123)
    // x1: 0 + 64 + 64
    assert_eq!(n.x(), &[139, 128]);
}

#[test]
fn out_of_range_events_are_skipped_and_counted_even_below_inputs_plus_neurons() {
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("array.neurons", "2"),
        ("array.recurrent", "true"),
        ("stdp.ltd_shift", "4"),
    ]);
    // rows 2 and 3 are the recurrent rows of neurons 0 and 1
    let mut n = net(cfg, &[&[1, 2], &[10, 20], &[100, 200], &[50, 60]]);
    set(&mut n, StateKind::Y, &[64, 64]);
    step(&mut n, &[0, 2, 3, 5, 1, u32::MAX]);
    assert_eq!(n.dropped(), 4);
    assert_eq!(n.acc(), &[11, 22], "only rows 0 and 1 are integrated");
    // rows 0 and 1 depressed by 64 >> 4 = 4 (clamped at w_min = 0); rows 2, 3 untouched
    assert_eq!(
        w(&n),
        vec![vec![0, 0], vec![6, 16], vec![100, 200], vec![50, 60]]
    );
    assert_eq!(n.x(), &[64, 64, 0, 0]);
    step(&mut n, &[7]);
    assert_eq!(n.dropped(), 5);
}

// ---- step 3: neurons ------------------------------------------------------------------------

#[test]
fn leak_subtracts_v_shifted_right_with_floor() {
    let cfg = lif(&[("neuron.leak_shift", "2")]);
    let mut n = net(cfg.clone(), &[]);
    set(&mut n, StateKind::V, &[100]);
    step(&mut n, &[]);
    assert_eq!(n.v(), &[75]); // 100 - 25
    step(&mut n, &[]);
    assert_eq!(n.v(), &[57]); // 75 - 18
    let mut m = net(cfg, &[]);
    set(&mut m, StateKind::V, &[-100]);
    step(&mut m, &[]);
    assert_eq!(m.v(), &[-75]); // -100 - (-25)
    step(&mut m, &[]);
    assert_eq!(m.v(), &[-56]); // -75 - (-75 >> 2 = -19)
}

#[test]
fn leak_shift_equal_to_v_bits_leaks_only_negative_values() {
    let cfg = lif(&[("neuron.leak_shift", "16")]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::V, &[-100]);
    step(&mut n, &[]);
    assert_eq!(n.v(), &[-99]); // -100 >> 16 == -1
    set(&mut n, StateKind::V, &[100]);
    step(&mut n, &[]);
    assert_eq!(n.v(), &[100]); // 100 >> 16 == 0
}

#[test]
fn leak_shift_zero_means_no_leak() {
    let cfg = lif(&[("neuron.leak_shift", "0")]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::V, &[-100]);
    run(&mut n, &[&[], &[]]);
    assert_eq!(n.v(), &[-100]);
    set(&mut n, StateKind::V, &[100]);
    run(&mut n, &[&[], &[]]);
    assert_eq!(n.v(), &[100]);
}

#[test]
fn v_is_floored_at_v_min() {
    let cfg = lif(&[("neuron.v_min", "-50"), ("synapse.signed", "true")]);
    let mut n = net(cfg, &[&[-100]]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[-50]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[-50]);
}

#[test]
fn v_saturates_at_the_top_of_v_bits() {
    // v_bits 8: v in -128..=127; theta lifts the threshold out of v's range
    let cfg = lif(&[("neuron.v_bits", "8"), ("neuron.threshold", "100")]);
    let mut n = net(cfg, &[&[100]]);
    set(&mut n, StateKind::Theta, &[1000]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[100]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[127]);
    assert!(n.last_spikes().is_empty());
}

#[test]
fn v_saturates_at_the_bottom_of_v_bits_with_the_default_v_min() {
    let cfg = lif(&[
        ("neuron.v_bits", "8"),
        ("neuron.threshold", "100"),
        ("synapse.signed", "true"),
    ]);
    let mut n = net(cfg, &[&[-100]]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[-100]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[-128]);
}

#[test]
fn neuron_spikes_when_v_reaches_threshold_exactly() {
    let cfg = lif(&[("array.neurons", "2"), ("neuron.threshold", "100")]);
    let mut n = net(cfg, &[&[100, 99]]);
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(n.v(), &[0, 99]);
}

#[test]
fn zero_reset_sets_v_to_v_reset() {
    let cfg = lif(&[("neuron.threshold", "100"), ("neuron.v_reset", "7")]);
    let mut n = net(cfg, &[&[150]]);
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(n.v(), &[7]);
    step(&mut n, &[]);
    assert_eq!(n.v(), &[7]);
    let cfg = lif(&[("neuron.threshold", "100"), ("neuron.v_reset", "-20")]);
    let mut n = net(cfg, &[&[150]]);
    step(&mut n, &[0]);
    assert_eq!(n.v(), &[-20]);
}

#[test]
fn subtract_reset_keeps_the_excess_over_threshold_plus_theta() {
    let cfg = lif(&[
        ("neuron.threshold", "100"),
        ("neuron.reset", "\"subtract\""),
        ("neuron.theta_plus", "5"),
    ]);
    let mut n = net(cfg, &[&[150]]);
    set(&mut n, StateKind::Theta, &[20]);
    assert_eq!(step(&mut n, &[0]), vec![0]); // 150 >= 120
    assert_eq!(n.v(), &[30]); // 150 - 100 - 20
    assert_eq!(n.theta(), &[25]);
    assert!(step(&mut n, &[]).is_empty()); // 30 < 125
    assert_eq!(n.v(), &[30]);
}

#[test]
fn subtract_reset_saturates_with_a_negative_threshold() {
    let cfg = lif(&[
        ("neuron.v_bits", "8"),
        ("neuron.threshold", "-100"),
        ("neuron.reset", "\"subtract\""),
    ]);
    let mut n = net(cfg, &[&[100]]);
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(n.v(), &[127]); // sat_v(100 + 100)
    assert_eq!(step(&mut n, &[]), vec![0]);
    assert_eq!(n.v(), &[127]); // sat_v(127 + 100)
}

#[test]
fn refractory_freezes_v_discards_acc_and_still_depresses() {
    let cfg = lif(&[
        ("neuron.threshold", "100"),
        ("neuron.reset", "\"subtract\""),
        ("neuron.leak_shift", "1"),
        ("neuron.refractory", "2"),
        ("stdp.pre_inc", "0"),
        ("stdp.post_inc", "64"),
        ("stdp.ltd_shift", "4"),
    ]);
    let mut n = net(cfg, &[&[150]]);
    // t0: v' = 150 >= 100: spike, v = 50, ref = 2; y = 64 after the tick
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!((n.v()[0], n.refractory()[0], n.y()[0]), (50, 2, 64));
    // t1: acc = 150, W -> 146; ref 2 -> 1, v frozen (not 50 - 25 + 150)
    assert!(step(&mut n, &[0]).is_empty());
    assert_eq!((n.v()[0], n.refractory()[0], w(&n)[0][0]), (50, 1, 146));
    // t2: acc = 146, W -> 142; ref 1 -> 0, v frozen
    assert!(step(&mut n, &[0]).is_empty());
    assert_eq!((n.v()[0], n.refractory()[0], w(&n)[0][0]), (50, 0, 142));
    // t3: acc = 142 (the discarded accumulators of t1, t2 are gone), W -> 138;
    // v' = 50 - 25 + 142 = 167 >= 100: spike, v = 67, ref = 2; y = 128
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!((n.v()[0], n.refractory()[0], w(&n)[0][0]), (67, 2, 138));
    assert_eq!(n.y(), &[128]);
}

#[test]
fn inhibition_counts_the_other_neurons_spikes_of_the_previous_tick() {
    let cfg = lif(&[
        ("array.neurons", "3"),
        ("neuron.threshold", "100"),
        ("neuron.inhibition", "10"),
    ]);
    let mut n = net(cfg, &[&[100, 100, 0]]);
    assert_eq!(step(&mut n, &[0]), vec![0, 1], "spikes ascending");
    assert_eq!(n.v(), &[0, 0, 0], "no inhibition from this tick's spikes");
    step(&mut n, &[]);
    // neurons 0 and 1 see one other spike, neuron 2 sees two
    assert_eq!(n.v(), &[-10, -10, -20]);
    step(&mut n, &[]);
    assert_eq!(n.v(), &[-10, -10, -20], "no spikes at t-1, no inhibition");
}

#[test]
fn adaptive_threshold_rises_per_spike_and_saturates_at_theta_bits() {
    let cfg = lif(&[
        ("neuron.threshold", "100"),
        ("neuron.theta_plus", "30"),
        ("neuron.theta_bits", "6"),
        ("stdp.enabled", "false"),
    ]);
    let mut n = net(cfg, &[&[100]]);
    let mut theta = Vec::new();
    let mut spikes = Vec::new();
    for _ in 0..7 {
        spikes.push(!step(&mut n, &[0]).is_empty());
        theta.push(n.theta()[0]);
    }
    // t0: 100 >= 100; t1: 100 < 130; t2: 200 >= 130; t3: 100 < 160; t4: 200 >= 160;
    // t5: 100 < 163; t6: 200 >= 163 (theta saturates at 2^6 - 1 = 63)
    assert_eq!(spikes, [true, false, true, false, true, false, true]);
    assert_eq!(theta, [30, 30, 60, 60, 63, 63, 63]);
}

// ---- step 4: potentiation -------------------------------------------------------------------

fn ltp_net(over: &[(&str, &str)]) -> Network {
    let mut keys = vec![
        ("array.inputs", "2"),
        ("neuron.threshold", "100"),
        ("stdp.pre_inc", "64"),
        ("stdp.post_inc", "64"),
        ("stdp.ltp_shift", "4"),
        ("stdp.ltd_shift", "4"),
    ];
    keys.extend_from_slice(over);
    net(lif(&keys), &[&[100], &[10]])
}

#[test]
fn ltp_sees_this_ticks_pre_spikes() {
    let mut n = ltp_net(&[]);
    assert_eq!(step(&mut n, &[0]), vec![0]);
    // x0 = 64 from this tick's event: W0 += 64 >> 4; x1 = 0: W1 unchanged
    assert_eq!(w(&n), vec![vec![104], vec![10]]);
    assert_eq!(n.y(), &[64], "y incremented by post_inc");
}

#[test]
fn ltd_never_sees_this_ticks_post_spikes() {
    let mut n = ltp_net(&[]);
    step(&mut n, &[0]);
    // t0 spiked with y = 0 during step 2: no depression (else W0 would be 100)
    assert_eq!(w(&n)[0], vec![104]);
    // t1: y = 64 now depresses: acc = 104, W0 -> 100; v' = 104 spikes; LTP with x0 = 128: + 8
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(w(&n), vec![vec![108], vec![10]]);
    assert_eq!(n.y(), &[128]);
}

#[test]
fn ltp_offset_depresses_silent_inputs() {
    let mut n = ltp_net(&[("stdp.ltp_offset", "3")]);
    step(&mut n, &[0]);
    // W0 = 100 + 4 - 3; W1 = 10 + 0 - 3
    assert_eq!(w(&n), vec![vec![101], vec![7]]);
    // a silent input near w_min is clamped there
    let mut m = ltp_net(&[
        ("stdp.ltp_offset", "3"),
        ("synapse.w_min", "5"),
        ("synapse.init_value", "5"),
    ]);
    m.set_weight(1, 0, 6).unwrap();
    step(&mut m, &[0]);
    assert_eq!(w(&m), vec![vec![101], vec![5]]);
}

#[test]
fn weights_are_clamped_at_w_min_and_w_max() {
    // LTP stops at w_max
    let mut n = ltp_net(&[("synapse.w_max", "102")]);
    step(&mut n, &[0]);
    assert_eq!(w(&n)[0], vec![102]);
    // LTD stops at w_min (unsigned)
    let cfg = lif(&[
        ("synapse.w_min", "48"),
        ("synapse.init_value", "50"),
        ("stdp.ltd_shift", "2"),
    ]);
    let mut n = net(cfg, &[]);
    set(&mut n, StateKind::Y, &[64]);
    step(&mut n, &[0]); // 50 - 16 -> 48
    assert_eq!(w(&n)[0], vec![48]);
    // LTD stops at w_min (signed)
    let cfg = lif(&[
        ("synapse.signed", "true"),
        ("synapse.w_min", "-100"),
        ("stdp.ltd_shift", "2"),
    ]);
    let mut n = net(cfg, &[&[-90]]);
    set(&mut n, StateKind::Y, &[64]);
    step(&mut n, &[0]); // -90 - 16 -> -100
    assert_eq!(w(&n)[0], vec![-100]);
    // the symmetric rule stops at w_max
    let cfg = lif(&[
        ("stdp.rule", "\"symmetric\""),
        ("synapse.w_max", "60"),
        ("stdp.ltd_shift", "2"),
    ]);
    let mut n = net(cfg, &[&[50]]);
    set(&mut n, StateKind::Y, &[64]);
    step(&mut n, &[0]); // 50 + 16 -> 60
    assert_eq!(w(&n)[0], vec![60]);
}

#[test]
fn traces_saturate_at_trace_bits() {
    let cfg = lif(&[
        ("neuron.threshold", "100"),
        ("stdp.trace_bits", "6"),
        ("stdp.pre_inc", "40"),
        ("stdp.post_inc", "50"),
        ("stdp.ltp_shift", "4"),
        ("stdp.ltd_shift", "4"),
    ]);
    let mut n = net(cfg, &[&[100]]);
    // t0: x = 40 + 40 -> 63; acc = 200, spike; W += 63 >> 4 = 3; y = 50
    assert_eq!(step(&mut n, &[0, 0]), vec![0]);
    assert_eq!((n.x()[0], n.y()[0], w(&n)[0][0]), (63, 50, 103));
    // t1: W -= 50 >> 4 = 3 after integrating 103; x stays 63; spike; W += 3; y = 100 -> 63
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!((n.x()[0], n.y()[0], w(&n)[0][0]), (63, 63, 103));
}

// ---- recurrent events -------------------------------------------------------------------------

#[test]
fn recurrent_events_follow_external_ones_in_ascending_neuron_order() {
    // acc is 6-bit (-32..=31) and weights reach +-100, so every addition of +-100 saturates and
    // acc ends at -32 exactly when the -100 of a pair comes after its +100.
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("array.neurons", "3"),
        ("array.recurrent", "true"),
        ("neuron.acc_bits", "6"),
        ("neuron.threshold", "20"),
        ("synapse.signed", "true"),
        ("stdp.enabled", "false"),
    ]);
    let mut n = net(
        cfg,
        &[
            &[100, 100, 100], // row 0 (external): drives all three to spike at t0
            &[100, 0, 0],     // row 1 (external), the external event of t1
            &[-100, 100, 0],  // row 2 = neuron 0's spikes
            &[0, -100, 100],  // row 3 = neuron 1's spikes
            &[0, 0, -100],    // row 4 = neuron 2's spikes
        ],
    );
    assert_eq!(step(&mut n, &[0]), vec![0, 1, 2]);
    set(&mut n, StateKind::Theta, &[1000, 1000, 1000]); // keep them quiet from now on
    // t1: E = [1, 2, 3, 4]: neuron 0 pins 1 before 2, neuron 1 pins 2 before 3, neuron 2 pins 3
    // before 4
    step(&mut n, &[1]);
    assert_eq!(n.v(), &[-32, -32, -32]);
    // t2: nobody spiked at t1, so no recurrent events
    step(&mut n, &[]);
    assert_eq!(n.acc(), &[0, 0, 0]);
    assert_eq!(n.v(), &[-32, -32, -32]);
}

#[test]
fn self_connections_learn() {
    let cfg = lif(&[
        ("array.recurrent", "true"),
        ("neuron.threshold", "100"),
        ("stdp.ltp_shift", "4"),
        ("stdp.ltd_shift", "3"),
    ]);
    let mut n = net(cfg, &[&[100], &[120]]);
    // t0: external spike; LTP W0 += 64 >> 4; y = 64
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(w(&n), vec![vec![104], vec![120]]);
    // t1: own spike is the event of row 1: acc = 120, W1 -= 64 >> 3 -> 112, x1 = 64;
    // spike; LTP W0 += 4 (x0 = 64), W1 += 4 (x1 = 64)
    assert_eq!(step(&mut n, &[]), vec![0]);
    assert_eq!(n.x(), &[64, 64]);
    assert_eq!(w(&n), vec![vec![108], vec![116]]);
}

// ---- step 5: synaptic scaling ---------------------------------------------------------------

#[test]
fn scaling_runs_every_normalize_every_ticks_with_a_floored_reciprocal() {
    let cfg = lif(&[
        ("array.inputs", "3"),
        ("array.neurons", "2"),
        ("stdp.normalize_target", "25"),
        ("stdp.normalize_every", "2"),
    ]);
    let mut n = net(cfg, &[&[10, 7], &[20, 0], &[30, 3]]);
    step(&mut n, &[]); // t = 0: (0 + 1) % 2 != 0
    assert_eq!(w(&n), vec![vec![10, 7], vec![20, 0], vec![30, 3]]);
    step(&mut n, &[]); // t = 1: scaling
    // column 0: S = 60, R = floor(25 * 65536 / 60) = 27306: 10R >> 16 = 4, 20R >> 16 = 8,
    // 30R >> 16 = 12. column 1: S = 10, R = 163840: 7R >> 16 = 17, 0, 3R >> 16 = 7
    assert_eq!(w(&n), vec![vec![4, 17], vec![8, 0], vec![12, 7]]);
    n.set_weight(0, 0, 40).unwrap();
    step(&mut n, &[]); // t = 2: no scaling
    assert_eq!(w(&n)[0], vec![40, 17]);
    step(&mut n, &[]); // t = 3: scaling
    // column 0: S = 60, R = 27306: 40R >> 16 = 16, 8R >> 16 = 3, 12R >> 16 = 4 (the exact
    // ratio would give 5: R is floored first). column 1: S = 24, R = 68266: 17, 0, 7
    assert_eq!(w(&n), vec![vec![16, 17], vec![3, 0], vec![4, 7]]);
}

#[test]
fn scaling_clamps_to_w_min_and_w_max() {
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("synapse.w_max", "20"),
        ("stdp.normalize_target", "50"),
        ("stdp.normalize_every", "1"),
    ]);
    let mut n = net(cfg, &[&[7], &[3]]);
    step(&mut n, &[]);
    // S = 10, R = 327680 = 5 << 16: 35 -> 20, 15
    assert_eq!(w(&n), vec![vec![20], vec![15]]);
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("synapse.w_min", "2"),
        ("synapse.init_value", "2"),
        ("stdp.normalize_target", "10"),
        ("stdp.normalize_every", "1"),
    ]);
    let mut n = net(cfg, &[&[2], &[100]]);
    step(&mut n, &[]);
    // S = 102, R = floor(655360 / 102) = 6425: 2R >> 16 = 0 -> 2, 100R >> 16 = 9
    assert_eq!(w(&n), vec![vec![2], vec![9]]);
}

#[test]
fn scaling_skips_neurons_whose_weight_sum_is_not_positive() {
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("array.neurons", "3"),
        ("synapse.signed", "true"),
        ("stdp.normalize_target", "20"),
        ("stdp.normalize_every", "1"),
    ]);
    let mut n = net(cfg, &[&[-10, 0, 10], &[5, 0, 30]]);
    step(&mut n, &[]);
    // S = -5 and S = 0 skipped; S = 40: R = 32768, halves
    assert_eq!(w(&n), vec![vec![-10, 0, 5], vec![5, 0, 15]]);
}

#[test]
fn scaling_shifts_negative_products_arithmetically() {
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("synapse.signed", "true"),
        ("stdp.normalize_target", "10"),
        ("stdp.normalize_every", "1"),
    ]);
    let mut n = net(cfg, &[&[-7], &[27]]);
    step(&mut n, &[]);
    // S = 20, R = 32768: -7R >> 16 = floor(-3.5) = -4 (not -3), 27R >> 16 = 13
    assert_eq!(w(&n), vec![vec![-4], vec![13]]);
}

#[test]
fn host_normalize_runs_scaling_now_and_only_with_a_target() {
    let cfg = lif(&[
        ("array.inputs", "3"),
        ("stdp.normalize_target", "25"),
        ("stdp.normalize_every", "0"),
    ]);
    let mut n = net(cfg, &[&[10], &[20], &[30]]);
    run(&mut n, &[&[], &[], &[], &[], &[]]);
    assert_eq!(
        w(&n),
        vec![vec![10], vec![20], vec![30]],
        "every = 0: never"
    );
    n.normalize();
    assert_eq!(w(&n), vec![vec![4], vec![8], vec![12]]);
    assert_eq!(n.tick(), 5, "normalize is not a tick");

    let cfg = lif(&[("array.inputs", "3"), ("stdp.normalize_target", "0")]);
    let mut n = net(cfg, &[&[10], &[20], &[30]]);
    n.normalize();
    assert_eq!(
        w(&n),
        vec![vec![10], vec![20], vec![30]],
        "target 0: nothing"
    );
}

// ---- stdp.enabled = false and the learning-enable register ----------------------------------

#[test]
fn stdp_disabled_keeps_w_x_y_never_scales_and_theta_still_adapts() {
    let cfg = lif(&[
        ("neuron.threshold", "100"),
        ("neuron.theta_plus", "10"),
        ("synapse.init_value", "100"),
        ("stdp.enabled", "false"),
        ("stdp.normalize_target", "5"),
        ("stdp.normalize_every", "1"),
    ]);
    let mut n = net(cfg, &[]);
    // t0: 100 >= 100; t1: 100 < 110; t2: 200 >= 110
    assert_eq!(
        run(&mut n, &[&[0], &[0], &[0]]),
        vec![vec![0], vec![], vec![0]]
    );
    assert_eq!(n.theta(), &[20]);
    assert_eq!(w(&n), vec![vec![100]]);
    assert_eq!((n.x(), n.y()), (&[0][..], &[0][..]));
    n.normalize(); // would give (100 * 3276) >> 16 = 4
    assert_eq!(w(&n), vec![vec![100]]);
}

#[test]
fn learning_off_freezes_weights_while_traces_and_theta_evolve() {
    let cfg = lif(&[
        ("array.inputs", "2"),
        ("neuron.threshold", "100"),
        ("neuron.theta_plus", "3"),
        ("stdp.ltp_offset", "1"),
        ("stdp.normalize_target", "50"),
        ("stdp.normalize_every", "1"),
    ]);
    let mut n = net(cfg, &[&[100], &[10]]);
    n.set_learning(false);
    assert!(!n.learning());
    // t0: spike (no LTP, no periodic scaling); t1: 100 < 103
    assert_eq!(run(&mut n, &[&[0], &[0]]), vec![vec![0], vec![]]);
    assert_eq!(w(&n), vec![vec![100], vec![10]]);
    assert_eq!(
        (n.x(), n.y(), n.theta()),
        (&[128, 0][..], &[64][..], &[3][..])
    );
    assert_eq!(n.v(), &[100]);
    // the host's normalize still runs: S = 110, R = 29789: 45, 4
    n.normalize();
    assert_eq!(w(&n), vec![vec![45], vec![4]]);
    // learning back on, t2: LTD 64 >> 4: acc = 45, W0 -> 41; v' = 145 >= 103: spike;
    // LTP: x0 = 192: W0 += 12 - 1 -> 52, W1 += 0 - 1 -> 3; scaling: S = 55, R = 59578: 47, 2
    n.set_learning(true);
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(w(&n), vec![vec![47], vec![2]]);
}

// ---- host commands -----------------------------------------------------------------------------

fn host_net() -> Network {
    let cfg = lif(&[
        ("array.neurons", "2"),
        ("array.recurrent", "true"),
        ("neuron.threshold", "100"),
        ("neuron.inhibition", "5"),
        ("neuron.theta_plus", "7"),
        ("neuron.refractory", "3"),
    ]);
    net(cfg, &[&[100, 50], &[0, 30], &[0, 0]])
}

#[test]
fn host_clear_zeroes_dynamic_state_and_keeps_weights_theta_and_tick() {
    let mut n = host_net();
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(n.v(), &[0, 50]);
    assert_eq!(n.refractory(), &[3, 0]);
    assert_eq!(w(&n), vec![vec![104, 50], vec![0, 30], vec![0, 0]]);
    n.clear();
    assert_eq!(n.v(), &[0, 0]);
    assert_eq!(n.refractory(), &[0, 0]);
    assert_eq!(n.x(), &[0, 0, 0]);
    assert_eq!(n.y(), &[0, 0]);
    assert_eq!(n.acc(), &[0, 0]);
    assert_eq!(n.theta(), &[7, 0]);
    assert_eq!(w(&n), vec![vec![104, 50], vec![0, 30], vec![0, 0]]);
    assert_eq!(n.tick(), 1);
    // previous spikes are gone: no recurrent event (row 1 would add 30 to neuron 1) and no
    // inhibition (5); neuron 0 is no longer refractory
    assert!(step(&mut n, &[]).is_empty());
    assert_eq!(n.acc(), &[0, 0]);
    assert_eq!(n.v(), &[0, 0]);
    assert_eq!(n.tick(), 2);
}

#[test]
fn host_reset_zeroes_state_theta_counters_and_tick_and_enables_learning() {
    let mut n = host_net();
    step(&mut n, &[0, 9]);
    assert_eq!((n.dropped(), n.theta()[0]), (1, 7));
    n.set_learning(false);
    n.reset();
    assert_eq!((n.tick(), n.dropped()), (0, 0));
    assert!(n.learning());
    assert_eq!(n.theta(), &[0, 0]);
    assert_eq!((n.v(), n.refractory()), (&[0, 0][..], &[0, 0][..]));
    assert_eq!((n.x(), n.y()), (&[0, 0, 0][..], &[0, 0][..]));
    assert_eq!(w(&n), vec![vec![104, 50], vec![0, 30], vec![0, 0]]);
    // theta 0 again: 104 >= 100 spikes (with theta 7 it would not); no recurrent event from
    // before the reset: neuron 1 gets 50 only
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(n.v(), &[0, 50]);
}

// ---- cuba (docs/model.md) -----------------------------------------------------------------------

fn cuba_net() -> Network {
    let cfg = cuba(&[
        ("array.inputs", "2"),
        ("neuron.du", "1024"),
        ("neuron.dv", "512"),
        ("neuron.vth", "10"),
        ("neuron.bias_mant", "3"),
        ("neuron.bias_exp", "2"),
        ("synapse.signed", "true"),
        ("synapse.weight_exp", "1"),
    ]);
    net(cfg, &[&[5], &[-3]])
}

#[test]
fn cuba_integrates_decays_and_spikes_above_vth_shifted_by_6() {
    let mut n = cuba_net();
    let u = |n: &Network| n.state(StateKind::U)[0];
    // t0: a_in = (5 - 3) << 1 = 4; u = 4 << 6 = 256; v = 256 + (3 << 2) = 268 <= 640
    assert!(step(&mut n, &[0, 1]).is_empty());
    assert_eq!((u(&n), n.v()[0]), (256, 268));
    // t1: u = 256 * 3071 / 4096 (191) + (10 << 6) = 831; v = 268 * 3584 / 4096 (234) + 831 + 12
    // = 1077 > 640: spike, v = 0, u kept
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!((u(&n), n.v()[0]), (831, 0));
    // t2: u = 831 * 3071 / 4096 = 623; v = 0 + 623 + 12 = 635 <= 640
    assert!(step(&mut n, &[]).is_empty());
    assert_eq!((u(&n), n.v()[0]), (623, 635));
    // t3: u = 623 * 3071 / 4096 = 467; v = 635 * 3584 / 4096 (555) + 467 + 12 = 1034: spike
    assert_eq!(step(&mut n, &[]), vec![0]);
    assert_eq!((u(&n), n.v()[0]), (467, 0));
}

#[test]
fn cuba_decays_round_toward_zero() {
    let mut n = cuba_net();
    step(&mut n, &[1]);
    // a_in = -3 << 1 = -6: u = -384, v = -384 + 12
    assert_eq!((n.state(StateKind::U)[0], n.v()[0]), (-384, -372));
    step(&mut n, &[]);
    // u = -384 * 3071 / 4096 = -287.9 -> -287; v = -372 * 3584 / 4096 = -325.5 -> -325,
    // -325 - 287 + 12 = -600
    assert_eq!((n.state(StateKind::U)[0], n.v()[0]), (-287, -600));
}

#[test]
fn cuba_negative_weight_exp_shifts_the_sum_arithmetically() {
    let cfg = cuba(&[
        ("array.inputs", "2"),
        ("synapse.signed", "true"),
        ("synapse.weight_exp", "-1"),
    ]);
    let mut n = net(cfg, &[&[5], &[-3]]);
    step(&mut n, &[1]);
    // a_in = -3 >> 1 = -2: u = -128, v = -128
    assert_eq!((n.state(StateKind::U)[0], n.v()[0]), (-128, -128));
    step(&mut n, &[0]);
    // du = 0 still decays u by 1/4096: -128 * 4095 / 4096 -> -127; + (5 >> 1) << 6 = 128: u = 1
    // dv = 0: v = -128 + 1
    assert_eq!((n.state(StateKind::U)[0], n.v()[0]), (1, -127));
}

#[test]
fn cuba_u_wraps_once_like_lava() {
    let mk = |over: &[(&str, &str)], rows: &[&[i64]]| {
        let mut keys = vec![("array.inputs", "3"), ("synapse.weight_bits", "16")];
        keys.extend_from_slice(over);
        net(cuba(&keys), rows)
    };
    let u = |n: &Network| n.state(StateKind::U)[0];
    // a_in = 131073: 131073 << 6 = 2^23 + 64 > 2^23: u = 2^23 + 64 - 2^24
    let mut n = mk(&[], &[&[65535], &[65535], &[3]]);
    assert!(step(&mut n, &[0, 1, 2]).is_empty());
    assert_eq!((u(&n), n.v()[0]), (-8_388_544, -8_388_544));
    // exactly 2^23 is kept; v clamps at 2^23 - 1 and spikes
    let mut n = mk(&[], &[&[65535], &[65535], &[2]]);
    assert_eq!(step(&mut n, &[0, 1, 2]), vec![0]);
    assert_eq!((u(&n), n.v()[0]), (8_388_608, 0));
    // exactly -2^23 wraps up to +2^23
    let mut n = mk(&[("synapse.signed", "true")], &[&[-32768]]);
    assert_eq!(step(&mut n, &[0, 0, 0, 0]), vec![0]);
    assert_eq!(u(&n), 8_388_608);
    // a_in = 7 * 65535 = 458_745 is clamped to 2^18 - 1 (CUBA_A_MAX), and
    // (2^18 - 1) << 6 = 2^24 - 64 wraps once to -64: u never leaves (-2^23, 2^23]
    let mut n = mk(&[], &[&[65535]]);
    assert!(step(&mut n, &[0; 7]).is_empty());
    assert_eq!(u(&n), -64);
    // -7 * 32768 clamps to -(2^18 - 1): -(2^24 - 64) wraps up to 64
    let mut n = mk(&[("synapse.signed", "true")], &[&[-32768]]);
    assert!(step(&mut n, &[0; 8]).is_empty());
    assert_eq!(u(&n), 64);
}

#[test]
fn cuba_bias_is_per_neuron() {
    let cfg = cuba(&[
        ("array.neurons", "3"),
        ("neuron.bias_mant", "[68, -34, 4095]"),
        ("neuron.bias_exp", "[0, 2, 7]"),
        ("neuron.vth", "131071"),
    ]);
    let mut n = net(cfg, &[&[0, 0, 0]]);
    step(&mut n, &[]);
    assert_eq!(n.v(), &[68, -136, 4095 << 7]);
}

#[test]
fn cuba_learns_with_the_same_stdp_steps() {
    let cfg = cuba(&[
        ("stdp.enabled", "true"),
        ("stdp.pre_decay_shift", "0"),
        ("stdp.post_decay_shift", "0"),
    ]);
    let mut n = net(cfg, &[&[20]]);
    // t0: u = 20 << 6 = 1280 = v > 640: spike; LTP W += 64 >> 4; y = 64
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(w(&n), vec![vec![24]]);
    // t1: acc = 24, W -> 20 (LTD 64 >> 4); u = 1280 * 4095 / 4096 (1279) + 1536 = 2815: spike;
    // LTP with x = 128: W += 8
    assert_eq!(step(&mut n, &[0]), vec![0]);
    assert_eq!(n.state(StateKind::U), &[2815]);
    assert_eq!(w(&n), vec![vec![28]]);
    assert_eq!(n.y(), &[128]);
}
