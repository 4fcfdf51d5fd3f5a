//! Snapshot of the result JSON of one reference network (`tests/data/reference.toml`: recurrent,
//! lateral inhibition, adaptive threshold, refractory period and STDP all on) on a fixed stimulus.
//! The spikes and final state in the snapshot were checked against a hand evaluation of docs/model.md
//! section 3; refresh with `INSTA_UPDATE=always` only after checking a change the same way.

use golden::{Config, Stimulus};
use std::path::Path;

#[test]
fn reference_network_result_json() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let cfg = Config::from_file(&data.join("reference.toml")).unwrap();
    let stim = Stimulus::from_file(&data.join("reference_stimulus.json")).unwrap();
    let result = golden::run::simulate(&cfg, &stim);
    insta::assert_snapshot!("reference_network_result", result.to_json());
}
