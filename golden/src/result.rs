//! The result file of docs/formats.md: spikes per tick, final state, dropped events, cycles.
//!
//! Key decision: the JSON is written by hand in a fixed key order with one tick or one weight row
//! per line, so results diff well and snapshot tests are stable; [`SimResult`] also derives
//! `Serialize` for library users who want a `serde_json::Value`.

use crate::config::NeuronConfig;
use crate::model::{Network, StateKind};
use serde::Serialize;

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimResult {
    /// The spiking neurons of each tick, ascending.
    pub spikes: Vec<Vec<u32>>,
    /// State after the last tick.
    pub final_state: FinalState,
    /// Events dropped (address outside the network).
    pub dropped: u64,
    /// Predicted clock cycles of each tick (the cycle model), from the first input beat presented
    /// to the output end-of-tick beat, without backpressure.
    pub cycles: Vec<u64>,
}

/// State after a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinalState {
    /// Membrane potentials.
    pub v: Vec<i64>,
    /// `W[j][i]`, row-major.
    pub weights: Vec<Vec<i32>>,
    /// Presynaptic traces, one per row.
    pub x: Vec<i64>,
    /// Postsynaptic traces.
    pub y: Vec<i64>,
    /// Adaptive thresholds.
    pub theta: Vec<i64>,
    /// Refractory counters.
    pub refractory: Vec<i64>,
    /// `cuba` currents (empty for `lif`).
    pub u: Vec<i64>,
}

impl FinalState {
    /// Snapshot of a network's state.
    pub fn of(net: &Network) -> FinalState {
        let cuba = matches!(net.config().neuron, NeuronConfig::Cuba(_));
        FinalState {
            v: net.v().to_vec(),
            weights: net
                .weights()
                .rows()
                .into_iter()
                .map(|r| r.to_vec())
                .collect(),
            x: net.x().to_vec(),
            y: net.y().to_vec(),
            theta: net.theta().to_vec(),
            refractory: net.refractory().to_vec(),
            u: if cuba {
                net.state(StateKind::U).to_vec()
            } else {
                Vec::new()
            },
        }
    }
}

fn list<T: ToString>(v: &[T]) -> String {
    let mut s = String::with_capacity(v.len() * 4 + 2);
    s.push('[');
    for (k, x) in v.iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        s.push_str(&x.to_string());
    }
    s.push(']');
    s
}

fn rows<T: ToString>(rs: &[Vec<T>], indent: &str) -> String {
    if rs.is_empty() {
        return "[]".into();
    }
    let body: Vec<String> = rs
        .iter()
        .map(|r| format!("{indent}  {}", list(r)))
        .collect();
    format!("[\n{}\n{indent}]", body.join(",\n"))
}

impl SimResult {
    /// The result JSON (docs/formats.md, "Result").
    pub fn to_json(&self) -> String {
        let f = &self.final_state;
        let mut s = String::from("{\n");
        s.push_str(&format!("  \"spikes\": {},\n", rows(&self.spikes, "  ")));
        s.push_str("  \"final\": {\n");
        s.push_str(&format!("    \"v\": {},\n", list(&f.v)));
        s.push_str(&format!("    \"weights\": {},\n", rows(&f.weights, "    ")));
        s.push_str(&format!("    \"x\": {},\n", list(&f.x)));
        s.push_str(&format!("    \"y\": {},\n", list(&f.y)));
        s.push_str(&format!("    \"theta\": {},\n", list(&f.theta)));
        s.push_str(&format!("    \"refractory\": {}", list(&f.refractory)));
        if !f.u.is_empty() {
            s.push_str(&format!(",\n    \"u\": {}", list(&f.u)));
        }
        s.push_str("\n  },\n");
        s.push_str(&format!("  \"dropped\": {},\n", self.dropped));
        s.push_str(&format!("  \"cycles\": {}\n", list(&self.cycles)));
        s.push_str("}\n");
        s
    }
}
