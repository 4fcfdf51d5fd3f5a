//! Properties of the golden model over random valid networks and stimuli (proptest): every state
//! stays within its width, runs are deterministic, the order of a tick's events does not matter
//! where docs/model.md says it does not, dropped events are counted exactly, and no config text or
//! stimulus text makes the crate panic.
//!
//! Networks are small (at most 5 inputs x 4 neurons) and runs short, so the whole file runs in
//! about a second in release mode.

use golden::config::{Config, NeuronConfig};
use golden::rng::SplitMix64;
use golden::{Error, Network, Stimulus};
use proptest::prelude::*;
use std::path::Path;

const CASES: u32 = 256;

/// A random valid network, as TOML, built from raw numbers mapped into each key's range.
#[derive(Debug, Clone)]
struct NetSpec {
    toml: String,
}

impl NetSpec {
    fn config(&self) -> Config {
        Config::from_toml_str(&self.toml, Path::new("."))
            .unwrap_or_else(|e| panic!("generated config is invalid: {e}\n{}", self.toml))
    }
}

/// `lo + raw % (hi - lo + 1)`: a raw number mapped into `lo..=hi`.
fn pick(raw: u64, lo: i64, hi: i64) -> i64 {
    lo + (raw % (hi - lo + 1) as u64) as i64
}

fn lif_network(signed: Option<bool>) -> impl Strategy<Value = NetSpec> {
    let array = (1u32..=5, 1u32..=4, any::<bool>());
    let neuron = (
        3i64..=12,
        any::<[u64; 8]>(),
        any::<bool>(),
        0i64..=3,
        1i64..=10,
    );
    let synapse = (1i64..=10, any::<bool>(), any::<[u64; 2]>(), any::<u32>());
    let stdp = (
        any::<bool>(),
        any::<bool>(),
        1i64..=10,
        any::<[u64; 6]>(),
        0i64..=8,
        0i64..=200,
        0i64..=4,
    );
    (array, neuron, synapse, stdp).prop_map(move |(a, n, s, t)| {
        let (inputs, neurons, recurrent) = a;
        let (v_bits, r, subtract, refractory, theta_bits) = n;
        let (vlo, vhi) = (-(1i64 << (v_bits - 1)), (1i64 << (v_bits - 1)) - 1);
        let acc_bits = pick(r[0], 2, 16);
        let threshold = pick(r[1], vlo / 4, vhi);
        let v_min = pick(r[2], vlo, 0);
        let v_reset = pick(r[3], v_min, vhi);
        let leak_shift = pick(r[4], 0, v_bits);
        let inhibition = pick(r[5], 0, vhi / 2);
        let theta_plus = pick(r[6], 0, (1 << theta_bits) - 1);
        let theta_decay_shift = pick(r[7], 0, theta_bits);
        let reset = if subtract { "subtract" } else { "zero" };

        let (weight_bits, signed_raw, wr, seed) = s;
        let signed = signed.unwrap_or(signed_raw);
        let (flo, fhi) = if signed {
            (-(1i64 << (weight_bits - 1)), (1i64 << (weight_bits - 1)) - 1)
        } else {
            (0, (1i64 << weight_bits) - 1)
        };
        let w_min = pick(wr[0], flo, fhi);
        let w_max = pick(wr[1], w_min, fhi);

        let (enabled, symmetric, trace_bits, tr, ltp_offset, target, every) = t;
        let tmax = (1i64 << trace_bits) - 1;
        let rule = if symmetric { "symmetric" } else { "additive" };
        let toml = format!(
            "[array]\ninputs = {inputs}\nneurons = {neurons}\nrecurrent = {recurrent}\n\
             [neuron]\nv_bits = {v_bits}\nacc_bits = {acc_bits}\nthreshold = {threshold}\n\
             reset = \"{reset}\"\nv_reset = {v_reset}\nv_min = {v_min}\nleak_shift = {leak_shift}\n\
             refractory = {refractory}\ninhibition = {inhibition}\ntheta_plus = {theta_plus}\n\
             theta_decay_shift = {theta_decay_shift}\ntheta_bits = {theta_bits}\n\
             [synapse]\nweight_bits = {weight_bits}\nsigned = {signed}\nw_min = {w_min}\n\
             w_max = {w_max}\ninit = \"uniform\"\ninit_lo = {w_min}\ninit_hi = {w_max}\nseed = {seed}\n\
             [stdp]\nenabled = {enabled}\nrule = \"{rule}\"\ntrace_bits = {trace_bits}\n\
             pre_inc = {}\npost_inc = {}\npre_decay_shift = {}\npost_decay_shift = {}\n\
             ltp_shift = {}\nltd_shift = {}\nltp_offset = {ltp_offset}\n\
             normalize_target = {target}\nnormalize_every = {every}\n",
            pick(tr[0], 0, tmax),
            pick(tr[1], 0, tmax),
            pick(tr[2], 0, trace_bits),
            pick(tr[3], 0, trace_bits),
            pick(tr[4], 0, trace_bits),
            pick(tr[5], 0, trace_bits),
        );
        NetSpec { toml }
    })
}

fn cuba_network() -> impl Strategy<Value = NetSpec> {
    (
        1u32..=5,
        1u32..=4,
        any::<bool>(),
        0i64..=4095,
        0i64..=4095,
        0i64..=200,
        -4096i64..=4095,
        0i64..=7,
        -8i64..=7,
        any::<u32>(),
    )
        .prop_map(
            |(inputs, neurons, recurrent, du, dv, vth, bias_mant, bias_exp, weight_exp, seed)| {
                NetSpec {
                    toml: format!(
                        "[array]\ninputs = {inputs}\nneurons = {neurons}\nrecurrent = {recurrent}\n\
                         [neuron]\nmodel = \"cuba\"\ndu = {du}\ndv = {dv}\nvth = {vth}\n\
                         bias_mant = {bias_mant}\nbias_exp = {bias_exp}\n\
                         [synapse]\nsigned = true\ninit_lo = -128\ninit_hi = 127\nseed = {seed}\n\
                         weight_exp = {weight_exp}\n"
                    ),
                }
            },
        )
}

/// Ticks of events: addresses mostly in and around `0..inputs + neurons`, a few far out.
fn ticks() -> impl Strategy<Value = Vec<Vec<u32>>> {
    let addr = prop_oneof![8 => 0u32..12, 1 => any::<u32>()];
    prop::collection::vec(prop::collection::vec(addr, 0..9), 0..30)
}

/// A host action between ticks.
#[derive(Debug, Clone, Copy)]
enum Host {
    None,
    Normalize,
    Clear,
    ToggleLearning,
}

fn host_actions() -> impl Strategy<Value = Vec<Host>> {
    let one = prop_oneof![
        12 => Just(Host::None),
        1 => Just(Host::Normalize),
        1 => Just(Host::Clear),
        1 => Just(Host::ToggleLearning),
    ];
    prop::collection::vec(one, 30)
}

/// Assert every state of `net` is within its width and bounds.
fn assert_in_range(net: &Network, cfg: &Config) -> Result<(), TestCaseError> {
    let s = &cfg.synapse;
    for &w in net.weights() {
        prop_assert!(
            (s.w_min..=s.w_max).contains(&(w as i64)),
            "weight {w} outside {}..={}",
            s.w_min,
            s.w_max
        );
    }
    let tmax = (1i64 << cfg.stdp.trace_bits) - 1;
    for &x in net.x().iter().chain(net.y()) {
        prop_assert!((0..=tmax).contains(&x), "trace {x} outside 0..={tmax}");
    }
    match &cfg.neuron {
        NeuronConfig::Lif(l) => {
            let vlo = l.v_min.max(-(1i64 << (l.v_bits - 1)));
            let vhi = (1i64 << (l.v_bits - 1)) - 1;
            for &v in net.v() {
                prop_assert!((vlo..=vhi).contains(&v), "v {v} outside {vlo}..={vhi}");
            }
            let thmax = (1i64 << l.theta_bits) - 1;
            for &th in net.theta() {
                prop_assert!((0..=thmax).contains(&th), "theta {th} outside 0..={thmax}");
            }
            for &r in net.refractory() {
                prop_assert!((0..=l.refractory as i64).contains(&r), "refractory {r}");
            }
            let alo = -(1i64 << (l.acc_bits - 1));
            let ahi = (1i64 << (l.acc_bits - 1)) - 1;
            for &a in net.acc() {
                prop_assert!((alo..=ahi).contains(&a), "acc {a} outside {alo}..={ahi}");
            }
        }
        NeuronConfig::Cuba(_) => {
            let m = (1i64 << 23) - 1;
            for &v in net.v() {
                prop_assert!((-m..=m).contains(&v), "cuba v {v}");
            }
        }
    }
    if !cfg.stdp.enabled {
        prop_assert!(net.x().iter().chain(net.y()).all(|&t| t == 0));
        prop_assert_eq!(net.weights(), &cfg.initial_weights());
    }
    Ok(())
}

/// Shuffle each tick's events with a seeded Fisher-Yates.
fn shuffled(ticks: &[Vec<u32>], seed: u64) -> Vec<Vec<u32>> {
    let mut rng = SplitMix64::new(seed);
    ticks
        .iter()
        .map(|t| {
            let mut t = t.clone();
            for k in (1..t.len()).rev() {
                t.swap(k, rng.below(k as u64 + 1) as usize);
            }
            t
        })
        .collect()
}

fn stim(ticks: &[Vec<u32>]) -> Stimulus {
    Stimulus {
        ticks: ticks.to_vec(),
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn state_stays_within_its_ranges(
        spec in lif_network(None),
        ticks in ticks(),
        host in host_actions(),
    ) {
        let cfg = spec.config();
        let mut net = Network::new(&cfg);
        for (events, action) in ticks.iter().zip(&host) {
            match action {
                Host::None => {}
                Host::Normalize => net.normalize(),
                Host::Clear => net.clear(),
                Host::ToggleLearning => net.set_learning(!net.learning()),
            }
            let spikes = net.step(events).to_vec();
            prop_assert!(spikes.windows(2).all(|p| p[0] < p[1]), "spikes ascending: {spikes:?}");
            prop_assert!(spikes.iter().all(|&i| i < cfg.array.neurons));
            assert_in_range(&net, &cfg)?;
        }
    }

    #[test]
    fn cuba_state_stays_within_its_ranges(spec in cuba_network(), ticks in ticks()) {
        let cfg = spec.config();
        let mut net = Network::new(&cfg);
        for events in &ticks {
            net.step(events);
            assert_in_range(&net, &cfg)?;
        }
    }

    #[test]
    fn same_network_and_stimulus_give_the_same_result(
        spec in lif_network(None),
        ticks in ticks(),
    ) {
        let cfg = spec.config();
        let a = golden::run::simulate(&cfg, &stim(&ticks));
        let b = golden::run::simulate(&spec.config(), &stim(&ticks));
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.to_json(), b.to_json());
        // a clone taken mid-run continues exactly like the original
        let mut n = Network::new(&cfg);
        let half = ticks.len() / 2;
        for t in &ticks[..half] {
            n.step(t);
        }
        let mut m = n.clone();
        for t in &ticks[half..] {
            let x = n.step(t).to_vec();
            prop_assert_eq!(x, m.step(t).to_vec());
        }
        prop_assert_eq!(n.weights(), m.weights());
        prop_assert_eq!(n.v(), m.v());
    }

    #[test]
    fn event_order_within_a_tick_does_not_matter_with_unsigned_weights(
        spec in lif_network(Some(false)),
        ticks in ticks(),
        seed in any::<u64>(),
    ) {
        let cfg = spec.config();
        let a = golden::run::simulate(&cfg, &stim(&ticks));
        let b = golden::run::simulate(&cfg, &stim(&shuffled(&ticks, seed)));
        prop_assert_eq!(&a.spikes, &b.spikes);
        prop_assert_eq!(&a.final_state, &b.final_state);
        prop_assert_eq!(a.dropped, b.dropped);
    }

    #[test]
    fn event_order_within_a_tick_does_not_matter_for_cuba(
        spec in cuba_network(),
        ticks in ticks(),
        seed in any::<u64>(),
    ) {
        // cuba's sum of weights is not saturated, so even signed weights commute
        let cfg = spec.config();
        let a = golden::run::simulate(&cfg, &stim(&ticks));
        let b = golden::run::simulate(&cfg, &stim(&shuffled(&ticks, seed)));
        prop_assert_eq!(&a.spikes, &b.spikes);
        prop_assert_eq!(&a.final_state, &b.final_state);
    }

    #[test]
    fn dropped_count_equals_the_number_of_out_of_range_events(
        spec in lif_network(None),
        ticks in ticks(),
    ) {
        let cfg = spec.config();
        let expected = ticks
            .iter()
            .flatten()
            .filter(|&&a| a >= cfg.array.inputs)
            .count() as u64;
        prop_assert_eq!(golden::run::simulate(&cfg, &stim(&ticks)).dropped, expected);
    }

    #[test]
    fn any_config_text_is_accepted_or_rejected_without_panic(
        text in "[\\[\\]a-z_.=\"0-9\n #-]{0,160}",
    ) {
        let _ = Config::from_toml_str(&text, Path::new("."));
    }

    #[test]
    fn random_values_of_known_keys_are_accepted_or_rejected_naming_a_key(
        picks in prop::collection::vec((0usize..KEYS.len(), -70_000i64..70_000, 0u8..4), 0..6),
        ticks in ticks(),
    ) {
        let mut sections: Vec<(&str, Vec<String>)> = ["neuron", "synapse", "stdp"]
            .iter()
            .map(|s| (*s, Vec::new()))
            .collect();
        let mut used = std::collections::BTreeSet::new();
        for (k, big, small) in picks {
            let (key, kind) = KEYS[k];
            if !used.insert(key) {
                continue;
            }
            // mostly small values, so that many configs are valid
            let value = match kind {
                "int" if small > 0 => (big.rem_euclid(40) - 4).to_string(),
                "int" => big.to_string(),
                "bool" => (big % 2 == 0).to_string(),
                list => format!("\"{}\"", list.split('|').nth(small as usize % list.split('|').count()).unwrap()),
            };
            let (section, name) = key.split_once('.').unwrap();
            let entry = sections.iter_mut().find(|(s, _)| *s == section).unwrap();
            entry.1.push(format!("{name} = {value}"));
        }
        let mut text = String::from("[array]\ninputs = 3\nneurons = 2\n");
        for (s, lines) in &sections {
            text.push_str(&format!("[{s}]\n{}\n", lines.join("\n")));
        }
        match Config::from_toml_str(&text, Path::new(".")) {
            Ok(cfg) => {
                let mut net = Network::new(&cfg);
                for events in &ticks {
                    net.step(events);
                    assert_in_range(&net, &cfg)?;
                }
            }
            Err(Error::Config { key, message }) => {
                prop_assert!(!key.is_empty() && !message.is_empty());
                prop_assert!(!message.contains('\n'), "{message}");
            }
            Err(other) => prop_assert!(false, "not a config error: {other:?}\n{text}"),
        }
    }

    #[test]
    fn any_stimulus_text_is_accepted_or_rejected_without_panic(
        text in "[\\[\\]{}\"a-z0-9,:. -]{0,120}",
    ) {
        let _ = Stimulus::from_json_str(&text);
    }
}

/// Keys of `[neuron]`, `[synapse]` and `[stdp]` with their kind ("int", "bool", or the allowed
/// strings separated by `|`).
const KEYS: &[(&str, &str)] = &[
    ("neuron.model", "lif|cuba"),
    ("neuron.v_bits", "int"),
    ("neuron.acc_bits", "int"),
    ("neuron.threshold", "int"),
    ("neuron.reset", "zero|subtract"),
    ("neuron.v_reset", "int"),
    ("neuron.v_min", "int"),
    ("neuron.leak_shift", "int"),
    ("neuron.refractory", "int"),
    ("neuron.inhibition", "int"),
    ("neuron.theta_plus", "int"),
    ("neuron.theta_decay_shift", "int"),
    ("neuron.theta_bits", "int"),
    ("synapse.weight_bits", "int"),
    ("synapse.signed", "bool"),
    ("synapse.w_min", "int"),
    ("synapse.w_max", "int"),
    ("synapse.init", "constant|uniform"),
    ("synapse.init_lo", "int"),
    ("synapse.init_hi", "int"),
    ("synapse.init_value", "int"),
    ("synapse.seed", "int"),
    ("stdp.enabled", "bool"),
    ("stdp.rule", "additive|symmetric"),
    ("stdp.trace_bits", "int"),
    ("stdp.pre_inc", "int"),
    ("stdp.post_inc", "int"),
    ("stdp.pre_decay_shift", "int"),
    ("stdp.post_decay_shift", "int"),
    ("stdp.ltp_shift", "int"),
    ("stdp.ltd_shift", "int"),
    ("stdp.ltp_offset", "int"),
    ("stdp.normalize_target", "int"),
    ("stdp.normalize_every", "int"),
];
