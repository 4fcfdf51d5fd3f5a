//! The golden-model benchmark on Brian2's classic STDP network (the peer script is
//! `scripts/peers/brian2_stdp.py`).
//!
//! Key decision: the network is tuned so its outputs fire at Brian2's rate (about 21 Hz), because
//! the work per tick grows with the rate (every output spike potentiates a whole column), so only
//! figures at the same rate compare. The figures are the wall time of the tick loop alone (the
//! stimulus is made first), best and median of several runs, each from a fresh network.

use crate::chain::Chain;
use crate::config::Config;
use crate::model::Network;
use crate::stimulus::Stimulus;
use std::path::Path;
use std::time::Instant;

/// TOML of the benchmark network: 256 Poisson inputs at 20 Hz, 64 LIF, all-to-all plastic.
///
/// Tuned to Brian2's run of `scripts/peers/brian2_stdp.py` (outputs at about 21 Hz over 10 s):
/// membrane time constant about 8 ticks (`leak_shift = 3`, Brian2: 10 ms), trace time constants
/// about 16 ticks (shift 4, Brian2: 20 ms), initial weights uniform over the whole 8-bit range
/// (Brian2: `rand() * gmax`), additive STDP with depression slightly stronger than potentiation
/// (`post_inc = 74` against `pre_inc = 64`, Brian2: 1.05), which keeps the weights spread and the
/// rate steady (about 22 Hz in the first second and 23 Hz in the last). The threshold sets the rate:
/// 21.3 Hz over the 10 s with the benchmark's stimulus (seed 42).
pub const BRIAN2_CLASSIC_TOML: &str = r#"
name = "brian2_classic"
[array]
inputs = 256
neurons = 64
[neuron]
threshold = 5900
leak_shift = 3
[synapse]
init = "uniform"
init_lo = 0
init_hi = 255
seed = 42
[stdp]
enabled = true
rule = "additive"
pre_inc = 64
post_inc = 74
pre_decay_shift = 4
post_decay_shift = 4
ltp_shift = 4
ltd_shift = 4
"#;

/// Figures of one benchmark run.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// Ticks simulated (1 ms each).
    pub ticks: usize,
    /// Best wall time of the repetitions, seconds.
    pub wall_s: f64,
    /// Median wall time of the repetitions, seconds.
    pub wall_median_s: f64,
    /// Repetitions run.
    pub repeat: usize,
    /// Which compiled copy of the model's kernels ran (`"avx2"` or `"portable"`).
    pub kernels: &'static str,
    /// Input events.
    pub input_events: usize,
    /// Output spikes.
    pub output_spikes: usize,
    /// Output rate, Hz per neuron.
    pub out_rate_hz: f64,
    /// Input events x fan-out.
    pub pre_syn_events: u64,
    /// Output spikes x fan-in (STDP potentiation updates).
    pub post_syn_events: u64,
}

impl BenchResult {
    /// Simulated seconds.
    pub fn sim_s(&self) -> f64 {
        self.ticks as f64 / 1000.0
    }

    /// Nanoseconds of wall time per tick, for a wall time (best or median).
    pub fn ns_per_tick(&self, wall_s: f64) -> f64 {
        wall_s * 1e9 / self.ticks as f64
    }

    /// Input events x fan-out per wall second.
    pub fn pre_sop_per_s(&self, wall_s: f64) -> f64 {
        self.pre_syn_events as f64 / wall_s
    }

    /// Synaptic events per wall second, counting STDP potentiation updates.
    pub fn total_sop_per_s(&self, wall_s: f64) -> f64 {
        (self.pre_syn_events + self.post_syn_events) as f64 / wall_s
    }

    /// One-screen report, then a JSON line.
    pub fn report(&self) -> String {
        let (best, med) = (self.wall_s, self.wall_median_s);
        format!(
            "golden model ({} kernels), Brian2's classic STDP network (256 Poisson inputs @ 20 Hz -> 64 LIF, all-to-all plastic, {} s at 1 ms)\n\
             wall {:.3} ms best, {:.3} ms median of {} = {:.1} ns per tick best, {:.1} median, {:.0}x real time\n\
             output rate {:.1} Hz, {:.3e} synaptic events/s ({:.3e} counting STDP updates), median\n\
             {}",
            self.kernels,
            self.sim_s(),
            best * 1e3,
            med * 1e3,
            self.repeat,
            self.ns_per_tick(best),
            self.ns_per_tick(med),
            self.sim_s() / med,
            self.out_rate_hz,
            self.pre_sop_per_s(med),
            self.total_sop_per_s(med),
            self.to_json(),
        )
    }

    /// The figures as one JSON line.
    pub fn to_json(&self) -> String {
        let (best, med) = (self.wall_s, self.wall_median_s);
        format!(
            "{{\"model\": \"golden\", \"kernels\": \"{}\", \"sim_s\": {}, \"wall_run_s\": {:.6}, \"wall_run_median_s\": {:.6}, \"ns_per_tick\": {:.1}, \"ns_per_tick_median\": {:.1}, \"realtime_factor\": {:.1}, \"input_spikes\": {}, \"output_spikes\": {}, \"out_rate_hz\": {:.3}, \"pre_SOP_per_s\": {:.0}, \"total_SOP_per_s\": {:.0}}}",
            self.kernels,
            self.sim_s(),
            best,
            med,
            self.ns_per_tick(best),
            self.ns_per_tick(med),
            self.sim_s() / med,
            self.input_events,
            self.output_spikes,
            self.out_rate_hz,
            self.pre_sop_per_s(med),
            self.total_sop_per_s(med),
        )
    }
}

/// Run the benchmark: `seconds` of simulated time, `repeat` runs (best and median reported).
/// The stimulus is made before the clock starts; each run starts from a new network.
pub fn brian2_classic(seconds: f64, repeat: usize) -> BenchResult {
    let cfg = Config::from_toml_str(BRIAN2_CLASSIC_TOML, Path::new(".")).expect("built-in config");
    let ticks = (seconds * 1000.0).round() as usize;
    let stim = Stimulus::poisson(256, 20.0, ticks, 1.0, 42);
    let repeat = repeat.max(1);
    let mut walls = Vec::with_capacity(repeat);
    let mut out_spikes = 0;
    let mut kernels = "";
    for _ in 0..repeat {
        let mut net = Network::new(&cfg);
        kernels = net.kernels();
        let t0 = Instant::now();
        let mut n = 0usize;
        for tick in &stim.ticks {
            n += net.step(tick).len();
        }
        walls.push(t0.elapsed().as_secs_f64());
        out_spikes = n;
    }
    walls.sort_by(f64::total_cmp);
    let input_events = stim.events();
    BenchResult {
        ticks,
        wall_s: walls[0],
        wall_median_s: walls[repeat / 2],
        repeat,
        kernels,
        input_events,
        output_spikes: out_spikes,
        out_rate_hz: out_spikes as f64 / 64.0 / seconds,
        pre_syn_events: input_events as u64 * 64,
        post_syn_events: out_spikes as u64 * 256,
    }
}

/// The `[[layer]]` table each further layer of [`brian2_layers`] adds: 64 LIF behind the previous
/// layer's 64, all-to-all plastic, with the classic layer's neuron and STDP parameters but its own
/// threshold ([`LAYER_THRESHOLD`]).
fn extra_layer_toml(k: usize) -> String {
    format!(
        "[[layer]]\nneurons = 64\n[layer.neuron]\nthreshold = {LAYER_THRESHOLD}\nleak_shift = 3\n\
         [layer.synapse]\ninit = \"uniform\"\ninit_lo = 0\ninit_hi = 255\nseed = {}\n\
         [layer.stdp]\nenabled = true\nrule = \"additive\"\npre_inc = 64\npost_inc = 74\n\
         pre_decay_shift = 4\npost_decay_shift = 4\nltp_shift = 4\nltd_shift = 4\n",
        42 + k
    )
}

/// Threshold of the layers after the first in [`brian2_layers`]: tuned so they fire at about the
/// classic layer's rate over the benchmark's 10 s (their rate rises during the run, as STDP
/// potentiates the first layer's partly synchronous spikes: from about 8 Hz in the first second).
pub const LAYER_THRESHOLD: i64 = 4800;

/// Figures of one run of a network of layers ([`brian2_layers`]).
#[derive(Debug, Clone)]
pub struct LayersBench {
    /// Layers.
    pub layers: usize,
    /// Synapses over all layers.
    pub synapses: u64,
    /// The whole chain's figures: `output_spikes` and `out_rate_hz` are the last layer's,
    /// `pre_syn_events` and `post_syn_events` summed over the layers.
    pub run: BenchResult,
    /// Each layer's output rate, Hz per neuron.
    pub layer_rates_hz: Vec<f64>,
}

impl LayersBench {
    /// Nanoseconds per tick (best) per thousand synapses.
    pub fn ns_per_ksyn(&self) -> f64 {
        self.run.ns_per_tick(self.run.wall_s) / (self.synapses as f64 / 1000.0)
    }
}

/// The golden model on a chain of `layers` layers (layer_delay 0): the classic layer of
/// [`BRIAN2_CLASSIC_TOML`] (256 -> 64), then `layers - 1` layers of 64 -> 64
/// ([`extra_layer_toml`]), on the classic benchmark's stimulus; best and median of `repeat` runs.
pub fn brian2_layers(layers: usize, seconds: f64, repeat: usize) -> LayersBench {
    let mut toml = BRIAN2_CLASSIC_TOML.to_string();
    for k in 1..layers.max(1) {
        toml.push_str(&extra_layer_toml(k));
    }
    let cfg = Config::from_toml_str(&toml, Path::new(".")).expect("built-in config");
    let ticks = (seconds * 1000.0).round() as usize;
    let stim = Stimulus::poisson(256, 20.0, ticks, 1.0, 42);
    let repeat = repeat.max(1);
    let mut walls = Vec::with_capacity(repeat);
    let mut kernels = "";
    let mut counts = vec![0usize; cfg.layer_count()];
    for _ in 0..repeat {
        let mut chain = Chain::new(&cfg);
        kernels = chain.layer(0).kernels();
        counts.iter_mut().for_each(|c| *c = 0);
        let t0 = Instant::now();
        for tick in &stim.ticks {
            chain.step(tick);
            for (k, c) in counts.iter_mut().enumerate() {
                *c += chain.spikes_of(k).len();
            }
        }
        walls.push(t0.elapsed().as_secs_f64());
    }
    walls.sort_by(f64::total_cmp);
    let lcs = cfg.layer_configs();
    // layer k's input events are the external events (k = 0) or layer k-1's spikes
    let mut pre = 0u64;
    let mut post = 0u64;
    let mut synapses = 0u64;
    for (k, l) in lcs.iter().enumerate() {
        let inputs = if k == 0 { stim.events() } else { counts[k - 1] } as u64;
        pre += inputs * l.neurons() as u64;
        post += counts[k] as u64 * l.rows() as u64;
        synapses += (l.rows() * l.neurons()) as u64;
    }
    let last = counts[counts.len() - 1];
    LayersBench {
        layers: cfg.layer_count(),
        synapses,
        layer_rates_hz: counts.iter().map(|&c| c as f64 / 64.0 / seconds).collect(),
        run: BenchResult {
            ticks,
            wall_s: walls[0],
            wall_median_s: walls[repeat / 2],
            repeat,
            kernels,
            input_events: stim.events(),
            output_spikes: last,
            out_rate_hz: last as f64 / 64.0 / seconds,
            pre_syn_events: pre,
            post_syn_events: post,
        },
    }
}

/// A table of [`brian2_layers`] runs: time per tick against the synapse count. Compare the best
/// figures: the median varies between invocations by up to about 3.5x, with where the allocator
/// puts a network's buffers (measured on one plain one-layer `Network` too: 160 or 570 ns per
/// tick from one fresh network to the next, when a second network is allocated beside it).
pub fn layers_report(runs: &[LayersBench]) -> String {
    let mut s = String::from(
        "golden model, networks of layers (layer_delay 0): the classic layer 256 -> 64, then 64 -> 64 layers\n\
         (compare the best: the median varies with where the allocator puts the buffers)\n\
         layers  synapses  ns/tick best  ns/tick median  best per 1k synapses  rates Hz (per layer)\n",
    );
    for r in runs {
        let rates: Vec<String> = r.layer_rates_hz.iter().map(|h| format!("{h:.1}")).collect();
        s += &format!(
            "{:>6}  {:>8}  {:>12.1}  {:>14.1}  {:>20.2}  {}\n",
            r.layers,
            r.synapses,
            r.run.ns_per_tick(r.run.wall_s),
            r.run.ns_per_tick(r.run.wall_median_s),
            r.ns_per_ksyn(),
            rates.join(" / ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layers_benchmark_counts_every_layers_synapses_and_events() {
        // 200 ticks, one repetition: a few milliseconds; checks counts, not times
        let one = brian2_classic(0.2, 1);
        let three = brian2_layers(3, 0.2, 1);
        assert_eq!(three.layers, 3);
        assert_eq!(three.synapses, 256 * 64 + 2 * 64 * 64);
        assert_eq!(brian2_layers(1, 0.2, 1).synapses, 256 * 64);
        // the first layer is the classic network
        assert_eq!(three.layer_rates_hz[0], one.out_rate_hz);
        assert_eq!(three.layer_rates_hz.len(), 3);
        let spikes: Vec<u64> = three
            .layer_rates_hz
            .iter()
            .map(|r| (r * 64.0 * 0.2).round() as u64)
            .collect();
        assert_eq!(
            three.run.pre_syn_events,
            one.input_events as u64 * 64 + spikes[0] * 64 + spikes[1] * 64
        );
        assert_eq!(
            three.run.post_syn_events,
            spikes[0] * 256 + spikes[1] * 64 + spikes[2] * 64
        );
        assert_eq!(three.run.output_spikes as u64, spikes[2]);
    }
}
