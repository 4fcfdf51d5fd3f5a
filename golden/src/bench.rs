//! The golden-model benchmark on Brian2's classic STDP network (the peer script is
//! `scripts/peers/brian2_stdp.py`).
//!
//! Key decision: the network is tuned so its outputs fire at Brian2's rate (about 21 Hz), because
//! the work per tick grows with the rate (every output spike potentiates a whole column), so only
//! figures at the same rate compare. The figures are the wall time of the tick loop alone (the
//! stimulus is made first), best and median of several runs, each from a fresh network.

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
