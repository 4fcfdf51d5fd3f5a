//! Stimulus: the input events of each tick, read from JSON or generated from a seed.
//!
//! Key decision: the file format is that of docs/formats.md, `{"ticks": [[3, 17, 17], [], [5]]}`,
//! parsed through `serde_json::Value` so a malformed file gets a message naming the tick and the
//! position rather than serde's type names. An address is any integer in `0..2^32` (the width of
//! the hardware's `in_addr`); addresses `>= inputs` are valid and are dropped and counted by the
//! array. Generators use [`SplitMix64`], so a seed gives the same stimulus on every machine.
//! - The optional key `teach` (docs/formats.md, docs/model.md "Teach mode") is one list per tick
//!   like `ticks`, validated the same way, with at most as many lists as `ticks` (a tick without
//!   a list has no teacher). Its addresses are neurons of the teacher layer; those `>= neurons`
//!   are dropped and counted by that layer, as out-of-range input events are.

use crate::error::{Error, Result, read_text};
use crate::rng::SplitMix64;
use serde::Serialize;
use std::path::Path;

/// Most ticks a generated stimulus may have: 10^7 ticks, 10^4 s at 1 ms.
pub const MAX_TICKS: usize = 10_000_000;

/// Most `channels x ticks` a generator may draw (each is one possible event): 2^30.
pub const MAX_DRAWS: u64 = 1 << 30;

/// Most input channels of a generator (the largest `array.inputs`).
pub const MAX_CHANNELS: u32 = 65536;

/// Check the size of a generated stimulus: `channels` in `1..=MAX_CHANNELS`, `ticks` at most
/// [`MAX_TICKS`] and `channels x ticks` at most [`MAX_DRAWS`]; `what` names the tick count.
pub fn check_generated_size(channels: u32, ticks: u64, what: &str) -> Result<()> {
    let bad = |m: String| Err(Error::Stimulus { message: m });
    if channels == 0 || channels > MAX_CHANNELS {
        return bad(format!(
            "{channels} input channels: allowed 1..={MAX_CHANNELS}"
        ));
    }
    if ticks > MAX_TICKS as u64 {
        return bad(format!("{what} = {ticks} ticks: allowed 0..={MAX_TICKS}"));
    }
    if channels as u64 * ticks > MAX_DRAWS {
        return bad(format!(
            "{what} = {ticks} ticks x {channels} channels: at most {MAX_DRAWS} allowed"
        ));
    }
    Ok(())
}

/// Events per tick, in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stimulus {
    /// One list of presynaptic addresses per tick.
    pub ticks: Vec<Vec<u32>>,
    /// The teacher: one list of teacher-layer neurons per tick, at most as many as `ticks`
    /// (missing ticks: none); empty for a stimulus without a teacher.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub teach: Vec<Vec<u32>>,
}

impl Stimulus {
    /// A stimulus without a teacher.
    pub fn new(ticks: Vec<Vec<u32>>) -> Stimulus {
        Stimulus {
            ticks,
            teach: Vec::new(),
        }
    }

    /// The teacher's list of tick `t` (empty past the end of `teach`).
    pub fn teach_at(&self, t: usize) -> &[u32] {
        self.teach.get(t).map_or(&[], Vec::as_slice)
    }

    /// Read and validate a stimulus file.
    pub fn from_file(path: &Path) -> Result<Stimulus> {
        let text = read_text(path)?;
        Self::from_json_str(&text).map_err(|e| match e {
            Error::Stimulus { message } => Error::Stimulus {
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        })
    }

    /// Parse and validate stimulus JSON text.
    pub fn from_json_str(text: &str) -> Result<Stimulus> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Stimulus {
            message: format!("invalid JSON: {e}"),
        })?;
        let obj = v.as_object().ok_or_else(|| Error::Stimulus {
            message: "expected an object {\"ticks\": [[...], ...]}".into(),
        })?;
        if let Some(k) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "ticks" | "teach"))
        {
            return Err(Error::Stimulus {
                message: format!("unknown key \"{k}\": only \"ticks\" and \"teach\" are allowed"),
            });
        }
        let ticks = obj.get("ticks").ok_or_else(|| Error::Stimulus {
            message: "missing key \"ticks\"".into(),
        })?;
        let ticks = lists("ticks", "tick", ticks)?;
        let teach = match obj.get("teach") {
            None => Vec::new(),
            Some(v) => lists("teach", "teach tick", v)?,
        };
        if teach.len() > ticks.len() {
            return Err(Error::Stimulus {
                message: format!(
                    "\"teach\" has {} lists but \"ticks\" only {}: at most one teacher list per tick",
                    teach.len(),
                    ticks.len()
                ),
            });
        }
        Ok(Stimulus { ticks, teach })
    }

    /// The JSON text of this stimulus (one line per tick; `teach` only when there is one).
    pub fn to_json(&self) -> String {
        fn push_lists(s: &mut String, lists: &[Vec<u32>]) {
            for (t, tick) in lists.iter().enumerate() {
                s.push_str("  [");
                s.push_str(
                    &tick
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                s.push(']');
                if t + 1 < lists.len() {
                    s.push(',');
                }
                s.push('\n');
            }
        }
        let mut s = String::from("{\"ticks\": [\n");
        push_lists(&mut s, &self.ticks);
        if self.teach.is_empty() {
            s.push_str("]}\n");
        } else {
            s.push_str("],\n\"teach\": [\n");
            push_lists(&mut s, &self.teach);
            s.push_str("]}\n");
        }
        s
    }

    /// A teacher for this stimulus: in each tick of `spans` (first tick, ticks, neuron), the
    /// neuron fires with probability `rate_hz * tick_ms / 1000` (a seeded Poisson train), every
    /// other neuron is silent; ticks outside the spans have no teacher. Replaces `teach`.
    pub fn add_teacher(
        &mut self,
        spans: &[(usize, usize, u32)],
        rate_hz: f64,
        tick_ms: f64,
        seed: u64,
    ) {
        let p = (rate_hz * tick_ms / 1000.0).clamp(0.0, 1.0);
        let mut rng = SplitMix64::new(seed);
        let mut teach = vec![Vec::new(); self.ticks.len()];
        for &(t0, len, neuron) in spans {
            for list in teach.iter_mut().skip(t0).take(len) {
                if rng.chance(p) {
                    list.push(neuron);
                }
            }
        }
        while teach.last().is_some_and(Vec::is_empty) {
            teach.pop();
        }
        self.teach = teach;
    }

    /// Total number of events.
    pub fn events(&self) -> usize {
        self.ticks.iter().map(Vec::len).sum()
    }

    /// Independent Poisson inputs: each of `inputs` channels fires in each tick with probability
    /// `rate_hz * tick_ms / 1000`; events of a tick in ascending address order.
    pub fn poisson(inputs: u32, rate_hz: f64, ticks: usize, tick_ms: f64, seed: u64) -> Stimulus {
        let p = (rate_hz * tick_ms / 1000.0).clamp(0.0, 1.0);
        let mut rng = SplitMix64::new(seed);
        let ticks = (0..ticks)
            .map(|_| (0..inputs).filter(|_| rng.chance(p)).collect())
            .collect();
        Stimulus::new(ticks)
    }
}

/// A list of lists of addresses (`ticks` or `teach`), naming the bad tick and position.
fn lists(key: &str, what: &str, v: &serde_json::Value) -> Result<Vec<Vec<u32>>> {
    let ticks = v.as_array().ok_or_else(|| Error::Stimulus {
        message: format!("\"{key}\" must be a list of lists of addresses"),
    })?;
    let mut out = Vec::with_capacity(ticks.len());
    for (t, tick) in ticks.iter().enumerate() {
        let list = tick.as_array().ok_or_else(|| Error::Stimulus {
            message: format!(
                "{what} {t}: expected a list of addresses, found {}",
                kind(tick)
            ),
        })?;
        let mut evs = Vec::with_capacity(list.len());
        for (p, a) in list.iter().enumerate() {
            let addr = a
                .as_u64()
                .filter(|&x| x <= u32::MAX as u64)
                .ok_or_else(|| Error::Stimulus {
                    message: format!(
                        "{what} {t}, position {p}: {a} is not an address (an integer in 0..=4294967295)"
                    ),
                })?;
            evs.push(addr as u32);
        }
        out.push(evs);
    }
    Ok(out)
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Parameters of a repeated-spatial-pattern stimulus.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternSpec {
    /// Input channels.
    pub inputs: u32,
    /// Number of distinct patterns.
    pub patterns: usize,
    /// Channels active in each pattern.
    pub active: usize,
    /// Firing probability per tick of an active channel during a presentation.
    pub p_on: f64,
    /// Firing probability per tick of every channel at any time (noise).
    pub p_noise: f64,
    /// Ticks a pattern is shown.
    pub present: usize,
    /// Silent ticks (noise only) after each presentation.
    pub gap: usize,
    /// Number of presentations.
    pub presentations: usize,
    /// Generator seed.
    pub seed: u64,
}

/// A generated pattern stimulus with what was shown when.
#[derive(Debug, Clone)]
pub struct PatternStimulus {
    /// The events.
    pub stimulus: Stimulus,
    /// The channels of each pattern, ascending.
    pub patterns: Vec<Vec<u32>>,
    /// For each presentation: (first tick, pattern index).
    pub shown: Vec<(usize, usize)>,
    /// Ticks each presentation shows its pattern (the spec's `present`).
    pub present: usize,
}

impl PatternStimulus {
    /// Add a teacher: during each presentation of pattern k (its `present` ticks, not the gap)
    /// neuron k fires as a Poisson train at `rate_hz` ([`Stimulus::add_teacher`]); the train's
    /// seed is derived from `seed`, so it is independent of the pattern draws.
    pub fn add_teacher(&mut self, rate_hz: f64, tick_ms: f64, seed: u64) {
        let present = self.present;
        let spans: Vec<(usize, usize, u32)> = self
            .shown
            .iter()
            .map(|&(t0, k)| (t0, present, k as u32))
            .collect();
        self.stimulus
            .add_teacher(&spans, rate_hz, tick_ms, seed ^ TEACH_SEED);
    }
}

/// Mixed into a generator seed for its teacher trains.
pub const TEACH_SEED: u64 = 0x7eac_4e55_0000_0015;

impl PatternSpec {
    /// Check the parameters, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Stimulus { message: m });
        if self.inputs == 0 || self.inputs > MAX_CHANNELS {
            return bad(format!(
                "patterns: --inputs {} must be in 1..={MAX_CHANNELS}",
                self.inputs
            ));
        }
        if self.patterns == 0 || self.patterns > MAX_CHANNELS as usize {
            return bad(format!(
                "patterns: --patterns {} must be in 1..={MAX_CHANNELS}",
                self.patterns
            ));
        }
        if self.active == 0 || self.active > self.inputs as usize {
            return bad(format!("patterns: --active must be in 1..={}", self.inputs));
        }
        for (n, p) in [("--p-on", self.p_on), ("--p-noise", self.p_noise)] {
            if !(0.0..=1.0).contains(&p) || p.is_nan() {
                return bad(format!(
                    "patterns: {n} = {p} must be a probability in 0..=1"
                ));
            }
        }
        if self.present == 0 {
            return bad("patterns: --present must be at least 1 tick".into());
        }
        let ticks = (self.present as u64)
            .checked_add(self.gap as u64)
            .and_then(|p| p.checked_mul(self.presentations as u64))
            .unwrap_or(u64::MAX);
        check_generated_size(
            self.inputs,
            ticks,
            "patterns: --presentations x (--present + --gap)",
        )
    }

    /// Generate: each pattern is `active` distinct random channels; presentations cycle through a
    /// random order; each tick's events are the union of pattern and noise firings, ascending.
    pub fn generate(&self) -> Result<PatternStimulus> {
        self.validate()?;
        let mut rng = SplitMix64::new(self.seed);
        let patterns: Vec<Vec<u32>> = (0..self.patterns)
            .map(|_| {
                // partial Fisher-Yates
                let mut ch: Vec<u32> = (0..self.inputs).collect();
                for k in 0..self.active {
                    let r = k + rng.below((ch.len() - k) as u64) as usize;
                    ch.swap(k, r);
                }
                let mut p = ch[..self.active].to_vec();
                p.sort_unstable();
                p
            })
            .collect();
        let mut member = vec![vec![false; self.inputs as usize]; self.patterns];
        for (k, p) in patterns.iter().enumerate() {
            for &c in p {
                member[k][c as usize] = true;
            }
        }
        let mut ticks = Vec::new();
        let mut shown = Vec::new();
        for _ in 0..self.presentations {
            let k = rng.below(self.patterns as u64) as usize;
            shown.push((ticks.len(), k));
            for t in 0..self.present + self.gap {
                let on = t < self.present;
                let evs = (0..self.inputs)
                    .filter(|&c| {
                        let pat = on && member[k][c as usize] && rng.chance(self.p_on);
                        let noise = rng.chance(self.p_noise);
                        pat || noise
                    })
                    .collect();
                ticks.push(evs);
            }
        }
        Ok(PatternStimulus {
            stimulus: Stimulus::new(ticks),
            patterns,
            shown,
            present: self.present,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec_example_with_duplicates_and_empty_ticks() {
        let s = Stimulus::from_json_str(r#"{"ticks": [[3, 17, 17], [], [5]]}"#).unwrap();
        assert_eq!(s.ticks, vec![vec![3, 17, 17], vec![], vec![5]]);
        assert_eq!(Stimulus::from_json_str(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn rejects_malformed_stimuli_naming_tick_and_position() {
        let cases = [
            (r#"{"ticks": [[1], [2, -1]]}"#, "tick 1, position 1"),
            (r#"{"ticks": [[1.5]]}"#, "tick 0, position 0"),
            (r#"{"ticks": [["a"]]}"#, "tick 0, position 0"),
            (r#"{"ticks": [[4294967296]]}"#, "tick 0, position 0"),
            (r#"{"ticks": [3]}"#, "tick 0: expected a list"),
            (r#"{"ticks": 3}"#, "must be a list"),
            (r#"{"tick": []}"#, "unknown key"),
            (r#"{}"#, "missing key"),
            (r#"[1,2]"#, "expected an object"),
            ("\u{0}\u{1}garbage", "invalid JSON"),
            (
                r#"{"ticks": [[1]], "teach": [[0], []]}"#,
                "\"teach\" has 2 lists",
            ),
            (
                r#"{"ticks": [[1], []], "teach": [[0], [-2]]}"#,
                "teach tick 1, position 0",
            ),
            (
                r#"{"ticks": [[1]], "teach": [5]}"#,
                "teach tick 0: expected a list",
            ),
            (
                r#"{"ticks": [[1]], "teach": {}}"#,
                "\"teach\" must be a list",
            ),
        ];
        for (text, want) in cases {
            let e = Stimulus::from_json_str(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn teach_key_parses_round_trips_and_may_be_shorter_than_ticks() {
        let s = Stimulus::from_json_str(r#"{"ticks": [[3, 17], [], [1]], "teach": [[2], [9, 2]]}"#)
            .unwrap();
        assert_eq!(s.teach, vec![vec![2], vec![9, 2]]);
        assert_eq!(s.teach_at(1), &[9, 2]);
        assert_eq!(s.teach_at(2), &[] as &[u32]);
        assert_eq!(Stimulus::from_json_str(&s.to_json()).unwrap(), s);
        // without a teacher the text is the old format
        let plain = Stimulus::new(s.ticks.clone());
        assert!(!plain.to_json().contains("teach"));
    }

    #[test]
    fn teacher_trains_fire_only_the_label_neuron_at_the_rate() {
        let mut s = Stimulus::new(vec![Vec::new(); 3000]);
        s.add_teacher(&[(0, 1000, 4), (2000, 1000, 7)], 200.0, 1.0, 5);
        let count =
            |n: u32, a: usize, b: usize| (a..b).filter(|&t| s.teach_at(t).contains(&n)).count();
        let (c4, c7) = (count(4, 0, 1000), count(7, 2000, 3000));
        // 1000 draws at p = 0.2: 200 expected, sd 12.6
        assert!(
            (150..250).contains(&c4) && (150..250).contains(&c7),
            "{c4} {c7}"
        );
        assert_eq!(count(4, 1000, 3000) + count(7, 0, 2000), 0);
        assert!((0..3000).all(|t| s.teach_at(t).len() <= 1));
        let mut again = Stimulus::new(vec![Vec::new(); 3000]);
        again.add_teacher(&[(0, 1000, 4), (2000, 1000, 7)], 200.0, 1.0, 5);
        assert_eq!(again, s);
    }

    #[test]
    fn poisson_rate_and_determinism() {
        let a = Stimulus::poisson(100, 50.0, 2000, 1.0, 9);
        let b = Stimulus::poisson(100, 50.0, 2000, 1.0, 9);
        assert_eq!(a, b);
        let rate = a.events() as f64 / 100.0 / 2.0; // per second
        assert!((rate - 50.0).abs() < 3.0, "rate {rate}");
        assert!(a.ticks.iter().all(|t| t.windows(2).all(|w| w[0] < w[1])));
    }

    #[test]
    fn patterns_have_the_requested_size_and_show_their_channels() {
        let spec = PatternSpec {
            inputs: 64,
            patterns: 3,
            active: 10,
            p_on: 1.0,
            p_noise: 0.0,
            present: 2,
            gap: 1,
            presentations: 6,
            seed: 3,
        };
        let g = spec.generate().unwrap();
        assert_eq!(g.patterns.len(), 3);
        assert!(g.patterns.iter().all(|p| p.len() == 10));
        assert_eq!(g.stimulus.ticks.len(), 18);
        for &(t0, k) in &g.shown {
            assert_eq!(g.stimulus.ticks[t0], g.patterns[k]);
            assert!(g.stimulus.ticks[t0 + 2].is_empty());
        }
        let mut taught = g.clone();
        taught.add_teacher(1000.0, 1.0, 3);
        for &(t0, k) in &g.shown {
            assert_eq!(taught.stimulus.teach_at(t0), &[k as u32]);
            assert_eq!(taught.stimulus.teach_at(t0 + 1), &[k as u32]);
            assert!(
                taught.stimulus.teach_at(t0 + 2).is_empty(),
                "gap ticks have no teacher"
            );
        }
        let bad = PatternSpec { active: 65, ..spec };
        assert!(bad.generate().is_err());
    }
}
