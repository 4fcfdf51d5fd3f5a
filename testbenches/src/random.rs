//! Seeded random test cases for the co-simulation: valid network configs (as TOML text), stimuli,
//! host actions between ticks and backpressure settings.
//!
//! Key decisions:
//! - Everything is drawn from [`SplitMix64`] seeded by one `u64`, so a failing case is reproduced
//!   from its seed alone (and its TOML and stimulus are printed in full on failure anyway).
//! - Configs are produced as TOML text and parsed by [`Config::from_toml_str`], so the generator
//!   exercises the same path as a user's file, and every drawn value is kept inside the ranges
//!   of `docs/model.md` (a config the parser rejects is a bug of this module, reported as such).
//! - Draws are skewed towards the corners where hardware goes wrong: one or two groups per lane
//!   (read-modify-write hazards), lane counts that are not powers of two, 1-bit and 16-bit weights,
//!   accumulators narrow enough to saturate, weight sub-ranges, negative thresholds, and stimuli
//!   with duplicates, back-to-back repeats and out-of-range addresses (some near `u32::MAX`).

use cosim::driver::{Backpressure, ChainAction, HostAction};
use cosim::verilator::InitialValues;
use golden::Config;
use golden::Stimulus;
use golden::arith::{signed_max, signed_min, unsigned_max};
use golden::rng::SplitMix64;
use hdl::array::Target;
use std::fmt::Write as _;
use std::path::Path;

/// Size limits of the drawn networks.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest `array.inputs`.
    pub max_inputs: u64,
    /// Largest `array.neurons`.
    pub max_neurons: u64,
    /// Largest `array.lanes`.
    pub max_lanes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_inputs: 40,
            max_neurons: 24,
            max_lanes: 8,
        }
    }
}

/// Shape of the drawn stimulus and host traffic.
#[derive(Debug, Clone, Copy)]
pub struct StimulusShape {
    /// Ticks of the stimulus.
    pub ticks: usize,
    /// Probability that a tick has no events at all.
    pub p_empty: f64,
    /// Largest number of events of a tick, as a multiple of `inputs` (at least 1 event allowed).
    pub density: f64,
    /// Probability of a host action before a tick.
    pub p_action: f64,
}

impl Default for StimulusShape {
    fn default() -> Self {
        StimulusShape {
            ticks: 12,
            p_empty: 0.15,
            density: 1.5,
            p_action: 0.25,
        }
    }
}

/// One random co-simulation case: a network, its stimulus, host actions and backpressure.
#[derive(Debug, Clone)]
pub struct Case {
    /// The seed everything was drawn from.
    pub seed: u64,
    /// The config file text.
    pub toml: String,
    /// The parsed config.
    pub config: Config,
    /// Input events per tick.
    pub stimulus: Stimulus,
    /// Host actions: before tick k, do these.
    pub actions: Vec<(usize, HostAction)>,
    /// Backpressure on both streams (zero = none, and then cycle counts are checked too).
    pub bp: Backpressure,
    /// Power-up values of the simulator's unreset flops and memories: zeros (as on an FPGA) or
    /// ones (a design that needs a flop to start at 0 without a reset fails then). Random
    /// patterns have their own test.
    pub init: InitialValues,
    /// Target family: mostly `Generic`; about a third `Ice40Up5k`, whose layout puts the weights
    /// two per SPRAM word (pair mode: loaded through the host port, reads on even cycles and
    /// writes on odd ones) when the network allows it.
    pub target: Target,
}

impl Case {
    /// Draw the case of `seed` with the default limits and stimulus shape.
    pub fn new(seed: u64) -> Case {
        Case::with(seed, &Limits::default(), &StimulusShape::default())
    }

    /// Draw the case of `seed`.
    pub fn with(seed: u64, limits: &Limits, shape: &StimulusShape) -> Case {
        let mut rng = SplitMix64::new(seed ^ 0x6E65_7572_6F67_656E);
        let mut toml = config_toml(&mut rng, &format!("rnd{seed}"), limits);
        // about a quarter of the cases are `cuba`: their [neuron] section is drawn from a
        // generator of its own, so the `lif` cases of every seed are the ones drawn before
        let mut crng = SplitMix64::new(seed ^ 0x6375_6261);
        if crng.chance(0.25) {
            toml = with_cuba_neuron(&mut crng, &toml);
        }
        // about a fifth have synaptic delays (a generator of their own, too): D = 1 to 8,
        // uniform delays, and host writes of delays added below
        let mut drng = SplitMix64::new(seed ^ 0x646c_6179);
        let delays = drng.chance(0.2).then(|| {
            let d = if drng.chance(0.2) {
                1
            } else {
                range(&mut drng, 2, 8)
            };
            toml = toml.replacen("[synapse]\n", &format!("[synapse]\nmax_delay = {d}\n"), 1);
            d
        });
        let config = parse(&toml);
        let stimulus = stimulus(&mut rng, &config, shape);
        let actions = host_actions(&mut rng, &config, shape);
        let bp = backpressure(&mut rng);
        let init = draw_power_up(&mut rng);
        // drawn last, so the cases drawn before targets existed are unchanged
        let target = draw_target(&mut rng);
        // then a signed column written to sum to 0 and normalized (scaling must skip it)
        let mut actions = actions;
        if shape.ticks > 1 && rng.chance(0.3) {
            let k = 1 + rng.below(shape.ticks as u64 - 1) as usize;
            let at = actions.partition_point(|(t, _)| *t <= k);
            let zero: Vec<(usize, HostAction)> = crate::adversary::zero_column(&mut rng, &config)
                .into_iter()
                .map(|a| (k, a))
                .collect();
            actions.splice(at..at, zero);
        }
        if let (Some(d), true) = (delays, shape.ticks > 1) {
            let (rows, n) = (config.rows() as u64, config.array.neurons as u64);
            for _ in 0..1 + drng.below(3) {
                let k = drng.below(shape.ticks as u64) as usize;
                let a = HostAction::WriteDelay {
                    j: drng.below(rows),
                    i: drng.below(n),
                    d: range(&mut drng, 0, d - 1),
                };
                actions.insert(actions.partition_point(|(t, _)| *t <= k), (k, a));
            }
        }
        let mut case = Case {
            seed,
            toml,
            config,
            stimulus,
            actions,
            bp,
            init,
            target,
        };
        // a fifth of the cases: teach hardware, a teacher, teach toggles (drawn on their own)
        let mut trng = crate::random_teach::rng(seed);
        if trng.chance(0.2) {
            crate::random_teach::teach_case(&mut trng, &mut case, shape);
        }
        // a quarter of the cases: two broadcast stages (drawn on their own, like the teacher)
        if bcast_rng(seed).chance(0.25) {
            case.toml = with_bcast_stages(&case.toml, 2);
            case.config = parse(&case.toml);
        }
        case
    }

    /// Everything needed to reproduce the case, for a failure message.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "seed {}", self.seed);
        let _ = writeln!(s, "--- config\n{}", self.toml);
        let _ = writeln!(
            s,
            "--- backpressure: input {} output {}",
            self.bp.input, self.bp.output
        );
        let _ = writeln!(s, "--- power-up values: {:?}", self.init);
        let _ = writeln!(s, "--- target: {:?}", self.target);
        let _ = writeln!(s, "--- host actions (before tick k): {:?}", self.actions);
        let _ = write!(s, "--- stimulus\n{}", self.stimulus.to_json());
        s
    }
}

/// The draws of `array.bcast_stages` have a stream of their own, so the cases drawn before the
/// key existed keep every other draw.
fn bcast_rng(seed: u64) -> SplitMix64 {
    SplitMix64::new(seed ^ 0x6263_6173_7453_7467)
}

/// `toml` (a drawn config) with `lines` written after its `[array]` key `recurrent`.
pub(crate) fn after_recurrent(toml: &str, lines: &str) -> String {
    let rec = toml
        .lines()
        .find(|l| l.starts_with("recurrent = "))
        .expect("a drawn config has [array] recurrent")
        .to_string();
    toml.replacen(&rec, &format!("{rec}\n{lines}"), 1)
}

/// `toml` (a drawn config) with `array.bcast_stages = n`.
pub fn with_bcast_stages(toml: &str, n: u32) -> String {
    after_recurrent(toml, &format!("bcast_stages = {n}"))
}

/// Parse drawn TOML text; a rejection is a bug of this generator.
pub fn parse(toml: &str) -> Config {
    Config::from_toml_str(toml, Path::new(".")).unwrap_or_else(|e| {
        panic!("the random config generator drew an invalid config: {e}\n{toml}")
    })
}

/// An integer in `lo..=hi`.
pub(crate) fn range(rng: &mut SplitMix64, lo: i64, hi: i64) -> i64 {
    debug_assert!(lo <= hi);
    lo + rng.below((hi - lo) as u64 + 1) as i64
}

/// One of `items`.
pub(crate) fn pick<T: Copy>(rng: &mut SplitMix64, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

/// Two sorted draws in `lo..=hi`.
fn sorted_pair(rng: &mut SplitMix64, lo: i64, hi: i64) -> (i64, i64) {
    let (a, b) = (range(rng, lo, hi), range(rng, lo, hi));
    (a.min(b), a.max(b))
}

/// Draw a valid `lif` config as TOML text.
pub fn config_toml(rng: &mut SplitMix64, name: &str, lim: &Limits) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "name = \"{name}\"");

    // ---- array: lanes first (non powers of two included), then groups per lane; one or two
    // groups (the forwarding cases) are drawn often.
    let lanes = range(rng, 1, lim.max_lanes as i64);
    let max_groups = (lim.max_neurons as i64 / lanes).max(1);
    let groups = if rng.chance(0.5) {
        range(rng, 1, max_groups.min(2))
    } else {
        range(rng, 1, max_groups)
    };
    let neurons = lanes * groups;
    let inputs = if rng.chance(0.15) {
        range(rng, 1, 3)
    } else {
        range(rng, 1, lim.max_inputs as i64)
    };
    let recurrent = rng.chance(0.3);
    let rows = inputs + if recurrent { neurons } else { 0 };
    let _ = writeln!(
        t,
        "[array]\ninputs = {inputs}\nneurons = {neurons}\nlanes = {lanes}\nrecurrent = {recurrent}"
    );

    // ---- synapse
    let weight_bits = if rng.chance(0.2) {
        pick(rng, &[1, 2, 16])
    } else {
        range(rng, 1, 16)
    } as u32;
    let signed = rng.chance(0.4);
    let (full_lo, full_hi) = if signed {
        (signed_min(weight_bits), signed_max(weight_bits))
    } else {
        (0, unsigned_max(weight_bits))
    };
    let (w_min, w_max) = if rng.chance(0.35) {
        sorted_pair(rng, full_lo, full_hi)
    } else {
        (full_lo, full_hi)
    };
    let mut syn = format!("[synapse]\nweight_bits = {weight_bits}\nsigned = {signed}\n");
    if (w_min, w_max) != (full_lo, full_hi) || rng.chance(0.3) {
        let _ = writeln!(syn, "w_min = {w_min}\nw_max = {w_max}");
    }
    // a typical weight magnitude, to scale the threshold
    let w_typ = if rng.chance(0.3) {
        let v = range(rng, w_min, w_max);
        let _ = writeln!(syn, "init = \"constant\"\ninit_value = {v}");
        v.abs()
    } else {
        // often the lower part of the range, so potentiation has room
        let (lo, hi) = if rng.chance(0.5) {
            let hi = w_min + (w_max - w_min) / 4;
            sorted_pair(rng, w_min, hi)
        } else {
            sorted_pair(rng, w_min, w_max)
        };
        let seed = rng.below(1 << 40);
        let _ = writeln!(
            syn,
            "init = \"uniform\"\ninit_lo = {lo}\ninit_hi = {hi}\nseed = {seed}"
        );
        (lo.abs().max(hi.abs()) / 2).max(1)
    };

    // ---- neuron
    let v_bits = if rng.chance(0.15) {
        pick(rng, &[2, 3, 32])
    } else {
        range(rng, 4, 24)
    } as u32;
    let (vlo, vhi) = (signed_min(v_bits), signed_max(v_bits));
    let mut neu = format!("[neuron]\nv_bits = {v_bits}\n");
    if rng.chance(0.5) {
        // narrow accumulators saturate: a few bits above the weight width
        let acc_bits = if rng.chance(0.6) {
            range(rng, 2, (weight_bits as i64 + 3).min(40))
        } else {
            range(rng, 2, 40)
        };
        let _ = writeln!(neu, "acc_bits = {acc_bits}");
    }
    let threshold = if rng.chance(0.12) {
        // negative or zero thresholds: neurons fire at rest
        range(rng, vlo, 0)
    } else if rng.chance(0.1) {
        range(rng, vlo, vhi)
    } else {
        (w_typ * range(rng, 1, 6)).clamp(1, vhi)
    };
    let _ = writeln!(neu, "threshold = {threshold}");
    let subtract = rng.chance(0.4);
    let _ = writeln!(
        neu,
        "reset = \"{}\"",
        if subtract { "subtract" } else { "zero" }
    );
    let v_min = if rng.chance(0.4) {
        range(rng, vlo, 0)
    } else {
        vlo
    };
    if v_min != vlo || rng.chance(0.2) {
        let _ = writeln!(neu, "v_min = {v_min}");
    }
    if !subtract || rng.chance(0.3) {
        let v_reset = if rng.chance(0.6) {
            0
        } else {
            range(rng, v_min, vhi)
        };
        let _ = writeln!(neu, "v_reset = {v_reset}");
    }
    let leak_shift = if rng.chance(0.1) {
        v_bits as i64
    } else {
        range(rng, 0, (v_bits as i64).min(6))
    };
    let _ = writeln!(neu, "leak_shift = {leak_shift}");
    if rng.chance(0.4) {
        let r = if rng.chance(0.1) {
            range(rng, 4, 300)
        } else {
            range(rng, 1, 3)
        };
        let _ = writeln!(neu, "refractory = {r}");
    }
    if rng.chance(0.35) {
        let inh = range(rng, 1, (w_typ * 2).clamp(1, vhi));
        let _ = writeln!(neu, "inhibition = {inh}");
    }
    if rng.chance(0.4) {
        let theta_bits = if rng.chance(0.15) {
            pick(rng, &[1, 2, 31])
        } else {
            range(rng, 3, 16)
        } as u32;
        let tmax = unsigned_max(theta_bits);
        let theta_plus = if rng.chance(0.2) {
            tmax
        } else {
            range(rng, 1, tmax.min((w_typ * 2).max(1)))
        };
        let decay = range(rng, 0, (theta_bits as i64).min(8));
        let _ = writeln!(
            neu,
            "theta_bits = {theta_bits}\ntheta_plus = {theta_plus}\ntheta_decay_shift = {decay}"
        );
    }

    // ---- stdp
    let mut st = String::from("[stdp]\n");
    if rng.chance(0.15) {
        st.push_str("enabled = false\n");
    } else {
        let rule = if rng.chance(0.4) {
            "symmetric"
        } else {
            "additive"
        };
        let tb = if rng.chance(0.15) {
            pick(rng, &[1, 2, 16])
        } else {
            range(rng, 3, 12)
        };
        let tmax = unsigned_max(tb as u32);
        let inc = |rng: &mut SplitMix64| {
            if rng.chance(0.15) {
                tmax
            } else {
                range(rng, 0, tmax)
            }
        };
        let (pre_inc, post_inc) = (inc(rng), inc(rng));
        let shift = |rng: &mut SplitMix64| range(rng, 0, tb);
        let (pds, qds, lps, lds) = (shift(rng), shift(rng), shift(rng), shift(rng));
        let _ = writeln!(
            st,
            "rule = \"{rule}\"\ntrace_bits = {tb}\npre_inc = {pre_inc}\npost_inc = {post_inc}\n\
             pre_decay_shift = {pds}\npost_decay_shift = {qds}\nltp_shift = {lps}\nltd_shift = {lds}"
        );
        if rng.chance(0.35) {
            let off = if rng.chance(0.2) {
                range(rng, 0, 65535)
            } else {
                range(rng, 0, 4)
            };
            let _ = writeln!(st, "ltp_offset = {off}");
        }
        if rng.chance(0.35) {
            // a target near the initial row sum, sometimes far off either way
            let base = (w_typ * rows).max(1);
            let target = if rng.chance(0.15) {
                range(rng, 1, (1i64 << 32) - 1)
            } else {
                range(rng, 1, base * 2)
            };
            let every = if rng.chance(0.3) { 0 } else { range(rng, 1, 5) };
            let _ = writeln!(st, "normalize_target = {target}\nnormalize_every = {every}");
        }
    }
    t.push_str(&syn);
    t.push_str(&neu);
    t.push_str(&st);
    t
}

/// `toml` (a drawn `lif` config) with its `[neuron]` section replaced by a drawn `cuba` one and
/// a drawn `synapse.weight_exp`. Skewed to the stress corners: large `weight_exp` with
/// duplicate events (u wraps, v saturates; `a_in` reaches its clamp), narrow accumulators that
/// saturate, decays of 0 and 4095, thresholds near both ends, biases of both signs, one for all
/// neurons (as one integer or an array) or one per neuron.
pub fn with_cuba_neuron(rng: &mut SplitMix64, toml: &str) -> String {
    let a = toml.find("[neuron]\n").expect("a [neuron] section");
    let b = toml.find("[stdp]\n").expect("a [stdp] section");
    let neurons: usize = toml
        .lines()
        .find_map(|l| l.strip_prefix("neurons = "))
        .and_then(|v| v.parse().ok())
        .expect("array.neurons");
    let decay = |rng: &mut SplitMix64| {
        if rng.chance(0.3) {
            pick(rng, &[0, 1, 4094, 4095])
        } else {
            range(rng, 0, 4095)
        }
    };
    let (du, dv) = (decay(rng), decay(rng));
    let vth = if rng.chance(0.5) {
        range(rng, 0, 64)
    } else {
        range(rng, 0, (1 << 17) - 1)
    };
    let bias_mant = if rng.chance(0.4) {
        0
    } else {
        range(rng, -4096, 4095)
    };
    let bias_exp = range(rng, 0, 7);
    let mant = match rng.below(10) {
        0..=2 => format!("[{}]", vec![bias_mant.to_string(); neurons].join(", ")),
        // per-neuron biases (a table per lane in the hardware)
        3..=5 => {
            let v: Vec<String> = (0..neurons)
                .map(|_| range(rng, -4096, 4095).to_string())
                .collect();
            format!("[{}]", v.join(", "))
        }
        _ => bias_mant.to_string(),
    };
    let bias_exp = if rng.chance(0.3) {
        let v: Vec<String> = (0..neurons).map(|_| range(rng, 0, 7).to_string()).collect();
        format!("[{}]", v.join(", "))
    } else {
        bias_exp.to_string()
    };
    let weight_exp = if rng.chance(0.5) {
        range(rng, 4, 7)
    } else {
        range(rng, -8, 7)
    };
    let mut neu = format!(
        "[neuron]\nmodel = \"cuba\"\ndu = {du}\ndv = {dv}\nvth = {vth}\nbias_mant = {mant}\n\
         bias_exp = {bias_exp}\n"
    );
    if rng.chance(0.3) {
        let acc_bits = if rng.chance(0.5) {
            range(rng, 2, 12)
        } else {
            range(rng, 13, 40)
        };
        let _ = writeln!(neu, "acc_bits = {acc_bits}");
    }
    format!(
        "{}weight_exp = {weight_exp}\n{neu}{}",
        &toml[..a],
        &toml[b..]
    )
}

/// Draw a stimulus for `cfg`: empty ticks, duplicates, back-to-back repeats, and addresses out of
/// range (the recurrent rows, just past `inputs`, and huge ones).
pub fn stimulus(rng: &mut SplitMix64, cfg: &Config, shape: &StimulusShape) -> Stimulus {
    let inputs = cfg.array.inputs as u64;
    let rows = cfg.rows() as u64;
    let max_events = ((inputs as f64 * shape.density).ceil() as u64).max(2);
    let p_bad = pick(rng, &[0.0, 0.05, 0.2]);
    let p_dup = pick(rng, &[0.0, 0.1, 0.4]);
    let ticks = (0..shape.ticks)
        .map(|_| {
            if rng.chance(shape.p_empty) {
                return Vec::new();
            }
            let n = range(rng, 1, max_events as i64) as usize;
            let mut evs: Vec<u32> = Vec::with_capacity(n);
            for _ in 0..n {
                let a = if !evs.is_empty() && rng.chance(p_dup) {
                    // a repeat of a recent event (back to back half the time)
                    let back = if rng.chance(0.5) {
                        1
                    } else {
                        1 + rng.below(evs.len() as u64) as usize
                    };
                    evs[evs.len() - back.min(evs.len())]
                } else if rng.chance(p_bad) {
                    match rng.below(4) {
                        0 => inputs as u32,
                        1 => (inputs + rng.below(rows - inputs + 4)) as u32,
                        2 => u32::MAX - rng.below(4) as u32,
                        _ => rng.next_u64() as u32 | 0x8000_0000,
                    }
                } else {
                    rng.below(inputs) as u32
                };
                evs.push(a);
            }
            evs
        })
        .collect();
    Stimulus::new(ticks)
}

/// Draw host actions between ticks: weight writes (the most frequent), *clear*, *normalize*,
/// learning enable and `rst` ([`Case::with`] adds, drawn last, a signed column written to sum
/// to 0 and normalized).
pub fn host_actions(
    rng: &mut SplitMix64,
    cfg: &Config,
    shape: &StimulusShape,
) -> Vec<(usize, HostAction)> {
    let (rows, n) = (cfg.rows() as u64, cfg.array.neurons as u64);
    let (w_min, w_max) = (cfg.synapse.w_min, cfg.synapse.w_max);
    let mut out = Vec::new();
    let mut learning = true;
    for k in 0..shape.ticks {
        if !rng.chance(shape.p_action) {
            continue;
        }
        let count = 1 + rng.below(3);
        for _ in 0..count {
            let a = match rng.below(10) {
                0..=3 => HostAction::WriteWeight {
                    j: rng.below(rows),
                    i: rng.below(n),
                    w: if rng.chance(0.3) {
                        pick(rng, &[w_min, w_max])
                    } else {
                        range(rng, w_min, w_max)
                    },
                },
                4 | 5 => HostAction::Clear,
                6 => HostAction::Normalize,
                7 | 8 => {
                    learning = !learning;
                    HostAction::Learning(learning)
                }
                _ => {
                    learning = true;
                    HostAction::Reset
                }
            };
            out.push((k, a));
        }
    }
    out
}

/// The state memories' power-up contents: ones in a quarter of the cases.
fn draw_power_up(rng: &mut SplitMix64) -> InitialValues {
    if rng.chance(0.25) {
        InitialValues::Ones
    } else {
        InitialValues::Zeros
    }
}

/// The target: the UP5K (SPRAM pair mode, read latency 2) in a third of the cases.
fn draw_target(rng: &mut SplitMix64) -> Target {
    if rng.chance(0.33) {
        Target::Ice40Up5k
    } else {
        Target::Generic
    }
}

/// Draw backpressure: none for about 60 % of cases (then cycle counts are compared too).
pub fn backpressure(rng: &mut SplitMix64) -> Backpressure {
    if rng.chance(0.6) {
        Backpressure::default()
    } else {
        Backpressure {
            input: pick(rng, &[0.0, 0.1, 0.3, 0.6]),
            output: pick(rng, &[0.0, 0.1, 0.3, 0.6]),
        }
    }
}

/// One random chain of layers (`hdl::array::chain`): 1 to 4 layers, each drawn like a one-layer
/// case (widths, lanes, rules), layer k+1's inputs set to layer k's neurons, a random layer
/// delay, target, power-up values and backpressure; no host actions.
#[derive(Debug, Clone)]
pub struct ChainCase {
    /// The seed everything was drawn from.
    pub seed: u64,
    /// The chain's name (the top module's).
    pub name: String,
    /// Each layer's config text, first to last (named `{name}_l{k}`).
    pub tomls: Vec<String>,
    /// The parsed layers.
    pub layers: Vec<Config>,
    /// 0: layer k+1 takes layer k's spikes of the tick; 1: of the previous tick.
    pub layer_delay: u32,
    /// Input events of layer 0 per tick.
    pub stimulus: Stimulus,
    /// Backpressure on both streams (zero: cycle counts are compared too).
    pub bp: Backpressure,
    /// Power-up values of unreset flops and memories.
    pub init: InitialValues,
    /// Target family (`Generic` or `Ice40Up5k`).
    pub target: Target,
    /// Host actions on one layer or every layer (none for one layer but teach toggles).
    pub actions: Vec<ChainAction>,
    /// The layer the stimulus's teacher addresses (with teach hardware; else the last).
    pub teacher: usize,
}

/// Draw host actions for a chain of `layers` (several): before a tick, now and then, learning
/// enable, clear, normalize (one layer or all), a weight write to one layer, rarely `rst`.
pub fn chain_actions(
    rng: &mut SplitMix64,
    layers: &[Config],
    shape: &StimulusShape,
) -> Vec<ChainAction> {
    let mut out = Vec::new();
    if layers.len() < 2 {
        return out;
    }
    for tick in 1..shape.ticks {
        if !rng.chance(shape.p_action) {
            continue;
        }
        let k = rng.below(layers.len() as u64) as usize;
        let one = if rng.chance(0.5) { Some(k) } else { None };
        let (layer, action) = match rng.below(10) {
            0..=2 => (one, HostAction::Learning(rng.chance(0.5))),
            3..=4 => (one, HostAction::Clear),
            5 => (one, HostAction::Normalize),
            6..=8 => {
                let c = &layers[k];
                let (lo, hi) = (c.synapse.w_min, c.synapse.w_max);
                (
                    Some(k),
                    HostAction::WriteWeight {
                        j: rng.below(c.rows() as u64),
                        i: rng.below(c.array.neurons as u64),
                        w: range(rng, lo, hi),
                    },
                )
            }
            _ => (None, HostAction::Reset),
        };
        out.push(ChainAction {
            tick,
            layer,
            action,
        });
    }
    out
}

impl ChainCase {
    /// Draw the chain of `seed` with the default limits and stimulus shape.
    pub fn new(seed: u64) -> ChainCase {
        let mut rng = SplitMix64::new(seed ^ 0x6368_6169_6E73_0000);
        let name = format!("rch{seed}");
        let count = range(&mut rng, 1, 4) as usize;
        let mut tomls: Vec<String> = Vec::with_capacity(count);
        let mut layers: Vec<Config> = Vec::with_capacity(count);
        for k in 0..count {
            let lname = if count == 1 {
                name.clone()
            } else {
                format!("{name}_l{k}")
            };
            let mut toml = config_toml(&mut rng, &lname, &Limits::default());
            // often a low threshold, so that spikes travel through the chain
            if rng.chance(0.5) {
                let line = toml
                    .lines()
                    .find(|l| l.starts_with("threshold = "))
                    .expect("a drawn lif config has a threshold")
                    .to_string();
                let v_bits: u32 = toml
                    .lines()
                    .find_map(|l| l.strip_prefix("v_bits = "))
                    .and_then(|v| v.parse().ok())
                    .expect("a drawn lif config has v_bits");
                let low = range(&mut rng, 1, signed_max(v_bits).min(8));
                toml = toml.replacen(&line, &format!("threshold = {low}"), 1);
            }
            if let Some(prev) = layers.last() {
                let line = toml
                    .lines()
                    .find(|l| l.starts_with("inputs = "))
                    .expect("a drawn config has inputs")
                    .to_string();
                toml = toml.replacen(&line, &format!("inputs = {}", prev.array.neurons), 1);
            }
            layers.push(parse(&toml));
            tomls.push(toml);
        }
        let layer_delay = rng.below(2) as u32;
        // denser than a one-layer case, so that spikes reach the later layers more often
        let shape = StimulusShape {
            p_empty: 0.05,
            density: 3.0,
            ..StimulusShape::default()
        };
        let stimulus = stimulus(&mut rng, &layers[0], &shape);
        let bp = backpressure(&mut rng);
        let init = draw_power_up(&mut rng);
        let target = draw_target(&mut rng);
        let actions = chain_actions(&mut rng, &layers, &shape);
        let mut c = ChainCase {
            seed,
            name,
            teacher: layers.len() - 1,
            tomls,
            layers,
            layer_delay,
            stimulus,
            bp,
            init,
            target,
            actions,
        };
        // a third of the chains: teach hardware in every layer, a teacher, teach toggles
        let mut trng = crate::random_teach::rng(seed ^ 1);
        if trng.chance(0.35) {
            crate::random_teach::teach_chain(&mut trng, &mut c, &shape);
        }
        // each layer of a quarter of the chains: one or two broadcast stages
        let mut brng = bcast_rng(seed ^ 1);
        if brng.chance(0.25) {
            for (toml, layer) in c.tomls.iter_mut().zip(c.layers.iter_mut()) {
                if brng.chance(0.6) {
                    *toml = with_bcast_stages(toml, 2);
                    *layer = parse(toml);
                }
            }
        }
        c
    }

    /// Everything needed to reproduce the case, for a failure message.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "seed {}: {} layers, layer_delay {}, teacher layer {}",
            self.seed,
            self.layers.len(),
            self.layer_delay,
            self.teacher
        );
        for (k, t) in self.tomls.iter().enumerate() {
            let _ = writeln!(s, "--- layer {k}\n{t}");
        }
        let _ = writeln!(
            s,
            "--- backpressure: input {} output {}",
            self.bp.input, self.bp.output
        );
        let _ = writeln!(s, "--- power-up values: {:?}", self.init);
        let _ = writeln!(s, "--- target: {:?}", self.target);
        let _ = writeln!(s, "--- host actions: {:?}", self.actions);
        let _ = write!(s, "--- stimulus\n{}", self.stimulus.to_json());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_chains_are_linked_deterministic_and_cover_counts_and_delays() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..64 {
            let c = ChainCase::new(seed);
            for w in c.layers.windows(2) {
                assert_eq!(w[1].array.inputs, w[0].array.neurons, "seed {seed}");
            }
            assert_eq!(c.tomls, ChainCase::new(seed).tomls);
            seen.insert((c.layers.len(), c.layer_delay));
        }
        for n in 1..=4 {
            for d in 0..2 {
                assert!(seen.contains(&(n, d)), "{n} layers, delay {d}: {seen:?}");
            }
        }
    }

    #[test]
    fn every_drawn_config_is_valid_and_drawing_is_deterministic() {
        for seed in 0..2000 {
            let a = Case::new(seed);
            let b = Case::new(seed);
            assert_eq!(a.toml, b.toml);
            assert_eq!(a.stimulus, b.stimulus);
            assert_eq!(a.actions, b.actions);
            let c = &a.config;
            assert_eq!(c.array.neurons % c.array.lanes, 0);
            assert!(c.array.inputs <= 40 && c.array.neurons <= 24 && c.array.lanes <= 8);
            for (_, act) in &a.actions {
                if let HostAction::WriteWeight { j, i, w } = act {
                    assert!((*j as usize) < c.rows() && (*i as usize) < c.neurons());
                    assert!(*w >= c.synapse.w_min && *w <= c.synapse.w_max);
                }
            }
        }
    }

    #[test]
    fn draws_cover_the_corners() {
        let cases: Vec<Case> = (0..400).map(Case::new).collect();
        let any = |f: &dyn Fn(&Case) -> bool| cases.iter().any(f);
        assert!(any(&|c| c.config.array.lanes == 7));
        assert!(any(&|c| c.config.array.lanes == 8));
        assert!(any(&|c| c.config.array.lanes == 1));
        assert!(any(&|c| c.config.array.neurons == c.config.array.lanes));
        assert!(any(&|c| c.config.array.recurrent));
        assert!(any(&|c| c.config.synapse.weight_bits == 1));
        assert!(any(&|c| c.config.synapse.weight_bits == 16));
        assert!(any(&|c| c.config.synapse.signed));
        assert!(any(&|c| !c.config.stdp.enabled));
        assert!(any(&|c| c.config.stdp.normalize_target > 0));
        assert!(any(&|c| c.config.lif().is_some_and(|l| l.threshold < 0)));
        assert!(any(&|c| c.config.lif().is_some_and(|l| l.theta_plus > 0)));
        assert!(any(&|c| c.config.lif().is_some_and(|l| l.inhibition > 0)));
        assert!(any(&|c| c.config.lif().is_some_and(|l| l.refractory > 0)));
        assert!(any(&|c| c.config.cuba().is_some_and(|k| k.weight_exp == 7)));
        assert!(any(&|c| c.config.max_delay() > 1 && c.config.stdp.enabled));
        assert!(any(&|c| c.config.max_delay() == 1));
        assert!(any(&|c| c.config.cuba().is_some_and(|k| k.du == 4095)));
        assert!(any(&|c| c.config.cuba().is_some_and(|k| k.acc_bits < 12)));
        assert!(any(&|c| c.config.cuba().is_some_and(|k| k.bias(0) < 0)));
        assert!(any(&|c| c
            .config
            .cuba()
            .is_some_and(
                |k| (0..c.config.neurons()).any(|i| k.bias(i) != k.bias(0))
            )));
        assert!(any(&|c| c.stimulus.ticks.iter().any(Vec::is_empty)));
        assert!(any(&|c| c
            .stimulus
            .ticks
            .iter()
            .flatten()
            .any(|&a| a > u32::MAX - 4)));
        assert!(any(&|c| c
            .stimulus
            .ticks
            .iter()
            .any(|t| t.windows(2).any(|w| w[0] == w[1]))));
        for kind in 0..5 {
            assert!(any(&|c| c.actions.iter().any(|(_, a)| {
                matches!(
                    (kind, a),
                    (0, HostAction::WriteWeight { .. })
                        | (1, HostAction::Clear)
                        | (2, HostAction::Normalize)
                        | (3, HostAction::Learning(_))
                        | (4, HostAction::Reset)
                )
            })));
        }
        assert!(any(&|c| c.bp.input > 0.0));
        assert!(any(&|c| c.bp.input == 0.0 && c.bp.output == 0.0));
        assert!(any(&|c| c.init == InitialValues::Ones));
    }
}
