//! The result file of docs/formats.md: spikes per tick, final state, dropped events, cycles, and
//! for a network of layers every layer's spikes and final state.
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
    /// For a network of layers, every layer first to last (the last one's spikes and state are
    /// also `spikes` and `final_state`); empty for a one-layer network.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerResult>,
}

/// One layer of a network of layers: its spikes and final state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerResult {
    /// The layer's spiking neurons of each tick, ascending.
    pub spikes: Vec<Vec<u32>>,
    /// The layer's state after the last tick.
    pub final_state: FinalState,
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
    /// The delays `d[j][i]`, row-major (empty without delays: `synapse.max_delay = 0`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delays: Vec<Vec<u8>>,
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
            delays: net
                .delays()
                .map(|d| d.rows().into_iter().map(|r| r.to_vec()).collect())
                .unwrap_or_default(),
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

impl FinalState {
    /// The `final` object of the result JSON, `indent` being the indentation of its key.
    fn write_json(&self, s: &mut String, indent: &str) {
        let i2 = format!("{indent}  ");
        s.push_str(&format!("{i2}\"v\": {},\n", list(&self.v)));
        s.push_str(&format!("{i2}\"weights\": {},\n", rows(&self.weights, &i2)));
        s.push_str(&format!("{i2}\"x\": {},\n", list(&self.x)));
        s.push_str(&format!("{i2}\"y\": {},\n", list(&self.y)));
        s.push_str(&format!("{i2}\"theta\": {},\n", list(&self.theta)));
        s.push_str(&format!("{i2}\"refractory\": {}", list(&self.refractory)));
        if !self.u.is_empty() {
            s.push_str(&format!(",\n{i2}\"u\": {}", list(&self.u)));
        }
        if !self.delays.is_empty() {
            s.push_str(&format!(",\n{i2}\"delays\": {}", rows(&self.delays, &i2)));
        }
        s.push_str(&format!("\n{indent}}}"));
    }
}

impl SimResult {
    /// The result JSON (docs/formats.md, "Result").
    pub fn to_json(&self) -> String {
        let mut s = String::from("{\n");
        s.push_str(&format!("  \"spikes\": {},\n", rows(&self.spikes, "  ")));
        s.push_str("  \"final\": {\n");
        self.final_state.write_json(&mut s, "  ");
        s.push_str(",\n");
        s.push_str(&format!("  \"dropped\": {},\n", self.dropped));
        s.push_str(&format!("  \"cycles\": {}", list(&self.cycles)));
        if !self.layers.is_empty() {
            s.push_str(",\n  \"layers\": [\n");
            for (k, l) in self.layers.iter().enumerate() {
                s.push_str("    {\n");
                s.push_str(&format!(
                    "      \"spikes\": {},\n",
                    rows(&l.spikes, "      ")
                ));
                s.push_str("      \"final\": {\n");
                l.final_state.write_json(&mut s, "      ");
                s.push_str("\n    }");
                s.push_str(if k + 1 < self.layers.len() {
                    ",\n"
                } else {
                    "\n"
                });
            }
            s.push_str("  ]");
        }
        s.push_str("\n}\n");
        s
    }
}
