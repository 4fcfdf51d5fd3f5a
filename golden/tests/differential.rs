//! Differential test of the optimized golden model against the reference model.
//!
//! Seeded random networks (every feature of docs/model.md and docs/formats.md: signed and unsigned weights
//! of 1 to 16 bits, both rules, recurrence, inhibition, refractory periods, adaptive thresholds,
//! synaptic scaling, `cuba`, saturating accumulators with few bits) and random stimuli (duplicate
//! and out-of-range events), with host actions between ticks (clear, normalize, reset, learning
//! toggles, weight and state writes), run through `Network` and `ReferenceNetwork`; spikes and the
//! full state must be identical after every tick. Both compiled copies of the tick (portable and
//! the CPU's best) are exercised.

use golden::Config;
use golden::model::{Network, StateKind};
use golden::reference::ReferenceNetwork;
use golden::rng::SplitMix64;
use golden::stimulus::Stimulus;
use std::fmt::Write as _;
use std::path::Path;

const KINDS: [StateKind; 6] = [
    StateKind::V,
    StateKind::Refractory,
    StateKind::Theta,
    StateKind::X,
    StateKind::Y,
    StateKind::U,
];

struct Gen(SplitMix64);

impl Gen {
    /// Uniform in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi);
        lo + self.0.below((hi - lo) as u64 + 1) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.chance(p)
    }
    /// Mostly small values of `lo..=hi`, sometimes any.
    fn small(&mut self, lo: i64, hi: i64, small_hi: i64) -> i64 {
        if self.chance(0.75) {
            self.int(lo, hi.min(small_hi.max(lo)))
        } else {
            self.int(lo, hi)
        }
    }
}

/// A random valid config as TOML.
fn random_toml(g: &mut Gen) -> String {
    let mut t = String::new();
    let inputs = match g.int(0, 9) {
        0 => 64,
        1 => 256,
        _ => g.int(1, 40),
    };
    let neurons = match g.int(0, 7) {
        0 => 64,
        1 => 33,
        _ => g.int(1, 24),
    };
    let recurrent = g.chance(0.3);
    writeln!(
        t,
        "name = \"diff\"\n[array]\ninputs = {inputs}\nneurons = {neurons}"
    )
    .unwrap();
    writeln!(t, "recurrent = {recurrent}").unwrap();

    // Synapses.
    let weight_bits = match g.int(0, 5) {
        0 => 16,
        1 => 8,
        _ => g.int(1, 16),
    };
    let signed = g.chance(0.4);
    let (full_lo, full_hi) = if signed {
        (
            -(1i64 << (weight_bits - 1)),
            (1i64 << (weight_bits - 1)) - 1,
        )
    } else {
        (0, (1i64 << weight_bits) - 1)
    };
    let (w_min, w_max) = if g.chance(0.5) {
        (full_lo, full_hi)
    } else {
        let a = g.int(full_lo, full_hi);
        let b = g.int(full_lo, full_hi);
        (a.min(b), a.max(b))
    };
    let lo = g.int(w_min, w_max);
    let hi = g.int(lo, w_max);
    writeln!(
        t,
        "[synapse]\nweight_bits = {weight_bits}\nsigned = {signed}\nw_min = {w_min}\nw_max = {w_max}"
    )
    .unwrap();
    writeln!(
        t,
        "init = \"uniform\"\ninit_lo = {lo}\ninit_hi = {hi}\nseed = {}",
        g.int(0, 1000)
    )
    .unwrap();
    let w_abs = w_max.abs().max(w_min.abs()).max(1);

    // Neurons.
    let cuba = g.chance(0.15);
    if cuba {
        writeln!(t, "weight_exp = {}", g.int(-8, 7)).unwrap();
        writeln!(
            t,
            "[neuron]\nmodel = \"cuba\"\ndu = {}\ndv = {}\nvth = {}\nbias_mant = {}\nbias_exp = {}",
            g.int(0, 4095),
            g.int(0, 4095),
            g.small(0, (1 << 17) - 1, 200),
            g.small(-4096, 4095, 50),
            g.int(0, 7)
        )
        .unwrap();
    } else {
        let v_bits = match g.int(0, 3) {
            0 => 32,
            _ => g.int(2, 32),
        };
        let vlo = -(1i64 << (v_bits - 1));
        let vhi = (1i64 << (v_bits - 1)) - 1;
        let acc_bits = match g.int(0, 4) {
            0 => g.int(2, 10),
            1 => g.int(30, 40),
            _ => g.int(2, 40),
        };
        let scale = g.int(1, 12);
        let threshold = if g.chance(0.8) {
            g.int(1.min(vhi), vhi.min(w_abs * scale))
        } else {
            g.int(vlo, vhi)
        };
        let v_min = g.int(vlo, 0);
        let v_reset = g.int(v_min, vhi.min(threshold.max(v_min)));
        let theta_bits = g.int(1, 31);
        let theta_max = (1i64 << theta_bits) - 1;
        writeln!(
            t,
            "[neuron]\nv_bits = {v_bits}\nacc_bits = {acc_bits}\nthreshold = {threshold}\nv_min = {v_min}\nv_reset = {v_reset}"
        )
        .unwrap();
        writeln!(
            t,
            "reset = \"{}\"\nleak_shift = {}\nrefractory = {}",
            if g.chance(0.5) { "zero" } else { "subtract" },
            g.int(0, v_bits),
            if g.chance(0.5) {
                0
            } else {
                g.small(0, 65535, 4)
            }
        )
        .unwrap();
        writeln!(
            t,
            "inhibition = {}\ntheta_bits = {theta_bits}\ntheta_plus = {}\ntheta_decay_shift = {}",
            if g.chance(0.5) {
                0
            } else {
                g.small(0, vhi, w_abs)
            },
            if g.chance(0.5) {
                0
            } else {
                g.small(0, theta_max, w_abs)
            },
            g.int(0, theta_bits)
        )
        .unwrap();
    }

    // STDP.
    let trace_bits = match g.int(0, 3) {
        0 => 16,
        1 => 8,
        _ => g.int(1, 16),
    };
    let tmax = (1i64 << trace_bits) - 1;
    let tb = trace_bits;
    writeln!(
        t,
        "[stdp]\nenabled = {}\nrule = \"{}\"\ntrace_bits = {trace_bits}",
        g.chance(0.85),
        if g.chance(0.5) {
            "additive"
        } else {
            "symmetric"
        }
    )
    .unwrap();
    writeln!(
        t,
        "pre_inc = {}\npost_inc = {}\npre_decay_shift = {}\npost_decay_shift = {}",
        g.int(0, tmax),
        g.int(0, tmax),
        g.int(0, tb),
        g.int(0, tb)
    )
    .unwrap();
    writeln!(
        t,
        "ltp_shift = {}\nltd_shift = {}\nltp_offset = {}",
        g.int(0, tb),
        g.int(0, tb),
        match g.int(0, 3) {
            0 | 1 => 0,
            2 => g.int(1, 4),
            _ => g.int(0, 65535),
        }
    )
    .unwrap();
    if g.chance(0.35) {
        writeln!(
            t,
            "normalize_target = {}\nnormalize_every = {}",
            g.small(1, (1i64 << 32) - 1, w_abs * inputs * 2),
            if g.chance(0.3) { 0 } else { g.int(1, 20) }
        )
        .unwrap();
    }
    t
}

/// One tick's events: mostly valid, some duplicates, some out of range.
fn random_events(g: &mut Gen, inputs: u32, rows: u32, busy: i64) -> Vec<u32> {
    let k = g.int(0, busy);
    let mut ev = Vec::with_capacity(k as usize);
    for _ in 0..k {
        let e = match g.int(0, 19) {
            0 => g.int(inputs as i64, rows as i64 + 2) as u32,
            1 => u32::MAX - g.int(0, 2) as u32,
            2 if !ev.is_empty() => ev[g.int(0, ev.len() as i64 - 1) as usize],
            _ => g.int(0, inputs as i64 - 1) as u32,
        };
        ev.push(e);
    }
    ev
}

/// The first difference between the two models' visible state, if any.
fn diff(fast: &Network, slow: &ReferenceNetwork) -> Option<String> {
    if (fast.teach(), fast.teach_dropped()) != (slow.teach(), slow.teach_dropped()) {
        return Some(format!(
            "teach mode / teacher drops {:?} != reference {:?}",
            (fast.teach(), fast.teach_dropped()),
            (slow.teach(), slow.teach_dropped())
        ));
    }
    if fast.last_spikes() != slow.last_spikes() {
        return Some(format!(
            "spikes {:?} != reference {:?}",
            fast.last_spikes(),
            slow.last_spikes()
        ));
    }
    for k in KINDS {
        let (a, b) = (fast.state(k), slow.state(k));
        if a != b {
            let i = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
            return Some(format!(
                "{k:?}[{i}] = {:?}, reference {:?} (lengths {} / {})",
                a.get(i),
                b.get(i),
                a.len(),
                b.len()
            ));
        }
    }
    if fast.acc() != slow.acc() {
        return Some(format!(
            "acc {:?} != reference {:?}",
            fast.acc(),
            slow.acc()
        ));
    }
    if fast.weights() != slow.weights() {
        let (a, b) = (fast.weights(), slow.weights());
        let ((j, i), _) = a
            .indexed_iter()
            .find(|&(ix, v)| *v != b[ix])
            .expect("a differing weight");
        return Some(format!(
            "W[{j}][{i}] = {}, reference {}",
            a[[j, i]],
            b[[j, i]]
        ));
    }
    if fast.delays() != slow.delays() {
        return Some("delay matrices differ".into());
    }
    for k in 0..fast.max_delay().max(slow.max_delay()) {
        if fast.pending(k) != slow.pending(k) {
            return Some(format!(
                "pending input of tick +{k} {:?} != reference {:?}",
                fast.pending(k),
                slow.pending(k)
            ));
        }
        if fast.x_history(k) != slow.x_history(k) {
            return Some(format!(
                "x history {k} ticks back {:?} != reference {:?}",
                fast.x_history(k),
                slow.x_history(k)
            ));
        }
    }
    if (fast.tick(), fast.dropped(), fast.learning())
        != (slow.tick(), slow.dropped(), slow.learning())
    {
        return Some(format!(
            "tick/dropped/learning {:?} != reference {:?}",
            (fast.tick(), fast.dropped(), fast.learning()),
            (slow.tick(), slow.dropped(), slow.learning())
        ));
    }
    None
}

/// A random host action between ticks, applied to both models.
fn host_action(g: &mut Gen, cfg: &Config, fast: &mut Network, slow: &mut ReferenceNetwork) {
    match g.int(0, 9) {
        0 => {
            fast.clear();
            slow.clear();
        }
        1 => {
            fast.normalize();
            slow.normalize();
        }
        2 => {
            fast.reset();
            slow.reset();
        }
        3 | 4 => {
            let on = g.chance(0.5);
            fast.set_learning(on);
            slow.set_learning(on);
            // teach mode (docs/model.md): on for about a quarter of these actions
            let teach = g.chance(0.25);
            fast.set_teach(teach);
            slow.set_teach(teach);
        }
        5 | 6 => {
            let (j, i) = (
                g.int(0, cfg.rows() as i64 - 1) as usize,
                g.int(0, cfg.neurons() as i64 - 1) as usize,
            );
            let w = g.int(cfg.synapse.w_min, cfg.synapse.w_max);
            assert_eq!(
                fast.set_weight(j, i, w).is_ok(),
                slow.set_weight(j, i, w).is_ok()
            );
        }
        7 => {
            let mut w = slow.weights().clone();
            for v in w.iter_mut() {
                if g.chance(0.3) {
                    *v = g.int(cfg.synapse.w_min, cfg.synapse.w_max) as i32;
                }
            }
            fast.set_weights(&w).expect("valid matrix");
            slow.set_weights(&w).expect("valid matrix");
        }
        _ => {
            let k = KINDS[g.int(0, 5) as usize];
            let (Ok((lo, hi)), Ok(r)) = (fast.state_range(k), slow.state_range(k)) else {
                assert_eq!(
                    fast.state_range(k).is_ok(),
                    slow.state_range(k).is_ok(),
                    "{k:?}"
                );
                return;
            };
            assert_eq!((lo, hi), r, "state_range({k:?})");
            let len = slow.state(k).len() as i64;
            let (i, v) = (g.int(0, len - 1) as usize, g.int(lo, hi));
            fast.set_state(k, i, v).expect("valid write");
            slow.set_state(k, i, v).expect("valid write");
        }
    }
}

/// Step both models through `ticks` and compare after every tick (and every host action).
fn run_pair(
    label: &str,
    cfg: &Config,
    fast: &mut Network,
    ticks: &[Vec<u32>],
    mut host: impl FnMut(&Config, &mut Network, &mut ReferenceNetwork),
) -> usize {
    let mut spikes = 0;
    let mut slow = ReferenceNetwork::new(cfg);
    if let Some(d) = diff(fast, &slow) {
        panic!("{label}: at start: {d}");
    }
    for (t, ev) in ticks.iter().enumerate() {
        host(cfg, fast, &mut slow);
        if let Some(d) = diff(fast, &slow) {
            panic!("{label}: after the host action before tick {t}: {d}");
        }
        // a teacher list from the events: some neurons, some out of range (>= neurons)
        let n = cfg.neurons() as u32;
        let teach: Vec<u32> = ev.iter().take(3).map(|&a| a % (n + 2)).collect();
        let a = fast.step_taught(ev, &teach).to_vec();
        let b = slow.step_taught(ev, &teach).to_vec();
        assert_eq!(
            a, b,
            "{label}: tick {t} spikes (events {ev:?}, teach {teach:?})"
        );
        spikes += a.len();
        if let Some(d) = diff(fast, &slow) {
            panic!(
                "{label}: tick {t} (events {ev:?}, kernels {}): {d}",
                fast.kernels()
            );
        }
    }
    spikes
}

#[test]
fn random_networks_match_the_reference_every_tick() {
    let (mut spiking, mut total) = (0, 0);
    for seed in 0..400u64 {
        let mut g = Gen(SplitMix64::new(0xD1FF_0000 + seed));
        let toml = random_toml(&mut g);
        let cfg = Config::from_toml_str(&toml, Path::new("."))
            .unwrap_or_else(|e| panic!("seed {seed}: generated config invalid: {e}\n{toml}"));
        let inputs = cfg.array.inputs;
        let rows = cfg.rows() as u32;
        let busy = match g.int(0, 3) {
            0 => 3,
            1 => inputs as i64 / 2 + 1,
            2 => inputs as i64 * 2,
            _ => g.int(1, 12),
        };
        let ticks: Vec<Vec<u32>> = (0..g.int(40, 150))
            .map(|_| random_events(&mut g, inputs, rows, busy))
            .collect();
        let mut fast = Network::new(&cfg);
        fast.use_portable_kernels(g.chance(0.3));
        let p_host = [0.0, 0.05, 0.2][g.int(0, 2) as usize];
        let mut hg = Gen(SplitMix64::new(seed ^ 0x5EED));
        let label = format!("seed {seed}\n{toml}");
        let n = run_pair(&label, &cfg, &mut fast, &ticks, |cfg, f, s| {
            if hg.chance(p_host) {
                host_action(&mut hg, cfg, f, s);
            }
        });
        spiking += (n > 0) as usize;
        total += 1;
    }
    // The comparison means little on silent networks: most must spike.
    assert!(
        spiking * 3 >= total * 2,
        "only {spiking} of {total} networks spiked"
    );
}

#[test]
fn random_networks_with_delays_match_the_reference_every_tick() {
    // The random networks above with synaptic delays (docs/model.md, "Synaptic delays"): D from
    // 1 to 20, uniform, constant or mostly-zero delays; host actions as above plus delay writes,
    // so delayed arrivals fall on ticks after a clear, a reset or a learning toggle. The ring,
    // the trace history and the delays are compared every tick too.
    let (mut spiking, mut total) = (0, 0);
    for seed in 0..150u64 {
        let mut g = Gen(SplitMix64::new(0xDE1A_0000 + seed));
        let toml = random_toml(&mut g);
        let dmax = match g.int(0, 3) {
            0 => 1,
            1 => g.int(2, 4),
            _ => g.int(2, 20),
        };
        let delays = match g.int(0, 4) {
            0 => format!(
                "delay_init = \"constant\"\ndelay_value = {}",
                g.int(0, dmax - 1)
            ),
            1 => format!("delay_hi = {}", g.int(0, 1.min(dmax - 1))),
            _ => format!("delay_seed = {}", g.int(0, 1000)),
        };
        let toml = toml.replacen(
            "[synapse]\n",
            &format!("[synapse]\nmax_delay = {dmax}\n{delays}\n"),
            1,
        );
        let cfg = Config::from_toml_str(&toml, Path::new("."))
            .unwrap_or_else(|e| panic!("seed {seed}: generated config invalid: {e}\n{toml}"));
        let inputs = cfg.array.inputs;
        let rows = cfg.rows() as u32;
        let busy = match g.int(0, 2) {
            0 => 3,
            1 => inputs as i64 / 2 + 1,
            _ => g.int(1, 12),
        };
        let ticks: Vec<Vec<u32>> = (0..g.int(40, 120))
            .map(|_| random_events(&mut g, inputs, rows, busy))
            .collect();
        let mut fast = Network::new(&cfg);
        fast.use_portable_kernels(g.chance(0.3));
        let p_host = [0.05, 0.2][g.int(0, 1) as usize];
        let mut hg = Gen(SplitMix64::new(seed ^ 0xDE1A));
        let label = format!("seed {seed}\n{toml}");
        let n = run_pair(&label, &cfg, &mut fast, &ticks, |cfg, f, s| {
            if hg.chance(p_host) {
                if hg.chance(0.2) {
                    let j = hg.int(0, cfg.rows() as i64 - 1) as usize;
                    let i = hg.int(0, cfg.neurons() as i64 - 1) as usize;
                    let d = hg.int(-1, dmax);
                    let ok = f.set_delay(j, i, d).is_ok();
                    assert_eq!(ok, s.set_delay(j, i, d).is_ok());
                    assert_eq!(ok, (0..dmax).contains(&d));
                } else {
                    host_action(&mut hg, cfg, f, s);
                }
            }
        });
        spiking += (n > 0) as usize;
        total += 1;
    }
    assert!(
        spiking * 3 >= total * 2,
        "only {spiking} of {total} networks spiked"
    );
}

#[test]
fn built_in_networks_match_the_reference() {
    let bench = Config::from_toml_str(golden::bench::BRIAN2_CLASSIC_TOML, Path::new("."))
        .expect("bench config");
    let stim = Stimulus::poisson(256, 20.0, 2000, 1.0, 42);
    for portable in [false, true] {
        let mut fast = Network::new(&bench);
        fast.use_portable_kernels(portable);
        run_pair("bench", &bench, &mut fast, &stim.ticks, |_, _, _| {});
    }
    let demo = golden::presets::demo_config();
    let g = golden::presets::demo_patterns().generate().expect("demo");
    let mut fast = Network::new(&demo);
    run_pair("demo", &demo, &mut fast, &g.stimulus.ticks, |_, _, _| {});
}

#[test]
fn wide_weights_and_accumulators_match_the_reference() {
    // Storage in i32 (unsigned 16-bit, signed 16-bit spanning more than 32767), wide and narrow
    // accumulators, busy ticks that saturate them.
    let cases = [
        "weight_bits = 16\nsigned = false\ninit_lo = 0\ninit_hi = 65535",
        "weight_bits = 16\nsigned = true\ninit_lo = -32768\ninit_hi = 32767",
        "weight_bits = 16\nsigned = true\nw_min = -20000\nw_max = 20000\ninit_lo = -20000\ninit_hi = 20000",
        "weight_bits = 15\nsigned = false\ninit_lo = 0\ninit_hi = 32767",
        "weight_bits = 8\nsigned = true\ninit_lo = -128\ninit_hi = 127",
    ];
    for (k, syn) in cases.iter().enumerate() {
        for acc_bits in [4, 17, 31, 32, 40] {
            let toml = format!(
                "[array]\ninputs = 20\nneurons = 12\nrecurrent = true\n[neuron]\nv_bits = 32\nacc_bits = {acc_bits}\nthreshold = 70000\ninhibition = 5\n[synapse]\ninit = \"uniform\"\n{syn}\n[stdp]\ntrace_bits = 16\npre_inc = 40000\npost_inc = 30000\nltp_shift = 0\nltd_shift = 1\nltp_offset = 3"
            );
            let cfg = Config::from_toml_str(&toml, Path::new("."))
                .unwrap_or_else(|e| panic!("{e}\n{toml}"));
            let mut g = Gen(SplitMix64::new(k as u64 * 100 + acc_bits));
            let ticks: Vec<Vec<u32>> = (0..80).map(|_| random_events(&mut g, 20, 32, 60)).collect();
            for portable in [false, true] {
                let mut fast = Network::new(&cfg);
                fast.use_portable_kernels(portable);
                run_pair(&toml, &cfg, &mut fast, &ticks, |_, _, _| {});
            }
        }
    }
}

#[test]
fn huge_ticks_use_the_wide_saturating_accumulator_exactly() {
    // Tens of thousands of events in one tick: the accumulator bound exceeds i32, so the model
    // saturates in i64 (acc_bits 32..=40, cuba) or in i32 (acc_bits <= 31), as the reference.
    let neurons = [
        "v_bits = 32\nacc_bits = 31\nthreshold = 100000",
        "v_bits = 32\nacc_bits = 32\nthreshold = 100000",
        "v_bits = 32\nacc_bits = 33\nthreshold = 100000\ninhibition = 3",
        "v_bits = 32\nacc_bits = 40\nthreshold = 100000",
        "model = \"cuba\"\nvth = 1000\ndu = 100\ndv = 100\nbias_exp = 0",
    ];
    for (k, neuron) in neurons.iter().enumerate() {
        for signed in [false, true] {
            let syn = if signed {
                "weight_bits = 16\nsigned = true\ninit_lo = -32768\ninit_hi = 32767"
            } else {
                "weight_bits = 16\ninit_lo = 60000\ninit_hi = 65535"
            };
            let toml = format!(
                "[array]\ninputs = 3\nneurons = 5\nrecurrent = true\n[neuron]\n{neuron}\n[synapse]\ninit = \"uniform\"\n{syn}\n[stdp]\ntrace_bits = 16\npre_inc = 1000\npost_inc = 1000\nltd_shift = 8"
            );
            let cfg = Config::from_toml_str(&toml, Path::new("."))
                .unwrap_or_else(|e| panic!("{e}\n{toml}"));
            let mut g = Gen(SplitMix64::new(k as u64 + 77));
            let ticks: Vec<Vec<u32>> = (0..6)
                .map(|t| {
                    let n = if t % 2 == 0 { 40_000 } else { 3 };
                    (0..n).map(|_| g.int(0, 2) as u32).collect()
                })
                .collect();
            for portable in [false, true] {
                let mut fast = Network::new(&cfg);
                fast.use_portable_kernels(portable);
                run_pair(&toml, &cfg, &mut fast, &ticks, |_, _, _| {});
            }
        }
    }
}
