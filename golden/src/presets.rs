//! Built-in networks: the demo network and the Brian2-comparable benchmark network.

use crate::config::Config;
use crate::stimulus::PatternSpec;
use std::path::Path;

/// TOML of the built-in demo network (pattern learning with inhibition and homeostasis).
pub const DEMO_TOML: &str = r#"
name = "demo"
[array]
inputs = 64
neurons = 8
lanes = 4
[neuron]
threshold = 600
leak_shift = 3
inhibition = 200
theta_plus = 20
theta_decay_shift = 8
refractory = 2
[synapse]
init = "uniform"
init_lo = 0
init_hi = 64
seed = 7
[stdp]
pre_inc = 64
post_inc = 64
ltp_shift = 4
ltd_shift = 5
ltp_offset = 1
"#;

/// The built-in demo network.
pub fn demo_config() -> Config {
    Config::from_toml_str(DEMO_TOML, Path::new(".")).expect("built-in demo config is valid")
}

/// The built-in demo stimulus: 2 patterns of 16 channels with noise.
pub fn demo_patterns() -> PatternSpec {
    PatternSpec {
        inputs: 64,
        patterns: 2,
        active: 16,
        p_on: 0.5,
        p_noise: 0.02,
        present: 20,
        gap: 10,
        presentations: 40,
        seed: 11,
    }
}
