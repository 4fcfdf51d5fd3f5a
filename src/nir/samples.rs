//! Labelled spike-train samples and a classifier's accuracy on them (`import nir --samples`,
//! docs/nir.md "Accuracy").
//!
//! A samples file (gzip-compressed or plain text) has one sample per line:
//! `index,label,w_0,w_1,...,w_{T-1}`, where `w_t` is a hexadecimal number whose bit `i` says
//! that input channel `i` spikes at tick `t` (so a sample is `T` ticks long). Each sample is shown
//! to a network at rest; the class is the last layer's neuron with the most spikes, the lowest
//! index among equals. A reference file (JSON, `samples[n].counts`: the last layer's spike count
//! per neuron of sample `n`, in the samples file's order) gives a peer's counts to compare with.

use super::float;
use super::graph::Layer;
use flate2::read::GzDecoder;
use golden::chain::Chain;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

/// One labelled sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub index: usize,
    pub label: usize,
    /// Input channels spiking, per tick, ascending.
    pub ticks: Vec<Vec<u32>>,
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| format!("{}: gzip: {e}", path.display()))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
    }
}

/// The channels of a hexadecimal word (bit i = channel i).
fn channels(word: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for (k, c) in word.bytes().rev().enumerate() {
        let d = (c as char).to_digit(16)?;
        for b in 0..4 {
            if d >> b & 1 == 1 {
                out.push((4 * k + b) as u32);
            }
        }
    }
    Some(out)
}

/// Read a samples file.
pub fn read(path: &Path) -> Result<Vec<Sample>, String> {
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |m: String| format!("{} line {}: {m}", path.display(), n + 1);
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() < 3 {
            return Err(bad(format!(
                "{} fields; expected index,label, then one hexadecimal word per tick",
                f.len()
            )));
        }
        let int = |s: &str, what: &str| {
            s.parse::<usize>()
                .map_err(|_| bad(format!("{what} \"{s}\" is not a non-negative integer")))
        };
        let ticks = f[2..]
            .iter()
            .enumerate()
            .map(|(t, w)| {
                channels(w).ok_or_else(|| {
                    bad(format!(
                        "tick {t}: \"{w}\" is not a hexadecimal word (bit i = input i)"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Sample {
            index: int(f[0], "index")?,
            label: int(f[1], "label")?,
            ticks,
        });
    }
    if out.is_empty() {
        return Err(format!("{}: no samples", path.display()));
    }
    Ok(out)
}

/// A peer's last-layer spike counts per sample (`samples[n].counts` of a JSON file).
pub fn read_reference(path: &Path) -> Result<Vec<Vec<u32>>, String> {
    let text = read_text(path)?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let samples = v
        .get("samples")
        .and_then(|s| s.as_array())
        .ok_or_else(|| format!("{}: no \"samples\" array", path.display()))?;
    samples
        .iter()
        .enumerate()
        .map(|(n, s)| {
            serde_json::from_value(s.get("counts").cloned().unwrap_or_default()).map_err(|e| {
                format!(
                    "{}: samples[{n}].counts: {e} (expected a list of spike counts)",
                    path.display()
                )
            })
        })
        .collect()
}

/// The class: the neuron with the most spikes, the lowest index among equals.
pub fn class(counts: &[u32]) -> usize {
    let mut best = 0;
    for (i, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = i;
        }
    }
    best
}

/// The last layer's spike counts of the quantised network `at_rest` (a chain in its start
/// state, cloned for the sample).
pub fn golden_counts(at_rest: &Chain, s: &Sample) -> Vec<u32> {
    let mut chain = at_rest.clone();
    let last = chain.layer_count() - 1;
    let mut counts = vec![0u32; chain.last().config().array.neurons as usize];
    for ev in &s.ticks {
        chain.step(ev);
        for &i in chain.spikes_of(last) {
            counts[i as usize] += 1;
        }
    }
    counts
}

/// The last layer's spike counts of the float reference.
pub fn float_counts(layers: &[Layer], dt: f64, s: &Sample) -> Vec<u32> {
    let out = float::run(layers, dt, &s.ticks);
    let last = out.last().expect("a chain has layers");
    let mut counts = vec![0u32; layers.last().expect("layers").neuron.len()];
    for tick in last {
        for &i in tick {
            counts[i as usize] += 1;
        }
    }
    counts
}

/// How two sets of counts compare over the samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Agreement {
    /// Samples whose counts are all equal.
    pub same: usize,
    /// Samples by the largest |difference| of one neuron's count: 0, 1, 2, 3 or more.
    pub by_max_diff: [usize; 4],
    /// Sum of |difference| over all samples and neurons.
    pub abs_diff: u64,
    /// Samples classified alike.
    pub same_class: usize,
}

impl Agreement {
    fn add(&mut self, a: &[u32], b: &[u32]) {
        let d: Vec<u32> = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).collect();
        let max = d.iter().copied().max().unwrap_or(0);
        self.same += usize::from(max == 0);
        self.by_max_diff[(max as usize).min(3)] += 1;
        self.abs_diff += d.iter().map(|&x| x as u64).sum::<u64>();
        self.same_class += usize::from(class(a) == class(b));
    }
}

/// Accuracy of the float reference and of the quantised network, and both against a peer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub samples: usize,
    pub outputs: usize,
    pub float_correct: usize,
    pub quant_correct: usize,
    /// With a reference: its correct samples, and its agreement with the quantised network and
    /// with the float reference.
    pub peer_correct: Option<usize>,
    pub quant_vs_peer: Agreement,
    pub float_vs_peer: Agreement,
    pub quant_vs_float: Agreement,
}

/// Evaluate the network (`cfg`, imported from `layers`) on `samples`.
pub fn evaluate(
    cfg: &golden::Config,
    layers: &[Layer],
    dt: f64,
    samples: &[Sample],
    reference: Option<&[Vec<u32>]>,
) -> Result<Evaluation, String> {
    let outputs = layers.last().map(|l| l.neuron.len()).unwrap_or(0);
    let inputs = layers.first().map(|l| l.weight[0].len()).unwrap_or(0);
    if let Some(r) = reference
        && r.len() < samples.len()
    {
        return Err(format!(
            "the reference has {} samples, fewer than the {} evaluated",
            r.len(),
            samples.len()
        ));
    }
    let mut e = Evaluation {
        samples: samples.len(),
        outputs,
        peer_correct: reference.map(|_| 0),
        ..Evaluation::default()
    };
    let at_rest = Chain::new(cfg);
    for (n, s) in samples.iter().enumerate() {
        if let Some(c) = s.ticks.iter().flatten().find(|&&c| c as usize >= inputs) {
            return Err(format!(
                "sample {n} (index {}): input channel {c} >= the network's {inputs} inputs",
                s.index
            ));
        }
        if s.label >= outputs {
            return Err(format!(
                "sample {n} (index {}): label {} >= the last layer's {outputs} neurons",
                s.index, s.label
            ));
        }
        let f = float_counts(layers, dt, s);
        let q = golden_counts(&at_rest, s);
        e.float_correct += usize::from(class(&f) == s.label);
        e.quant_correct += usize::from(class(&q) == s.label);
        e.quant_vs_float.add(&q, &f);
        if let Some(r) = reference {
            let p = &r[n];
            if p.len() != outputs {
                return Err(format!(
                    "reference sample {n}: {} counts, the last layer has {outputs} neurons",
                    p.len()
                ));
            }
            *e.peer_correct.as_mut().expect("set with a reference") +=
                usize::from(class(p) == s.label);
            e.quant_vs_peer.add(&q, p);
            e.float_vs_peer.add(&f, p);
        }
    }
    Ok(e)
}

fn pct(a: usize, n: usize) -> f64 {
    100.0 * a as f64 / n.max(1) as f64
}

fn agreement_line(s: &mut String, what: &str, a: &Agreement, n: usize, outputs: usize) {
    let _ = writeln!(
        s,
        "  {what:<26} same counts {:>5.1} %, largest |difference| per sample 0/1/2/>=3: {}/{}/{}/{}, mean |difference| per neuron {:.3}, same class {:.1} %",
        pct(a.same, n),
        a.by_max_diff[0],
        a.by_max_diff[1],
        a.by_max_diff[2],
        a.by_max_diff[3],
        a.abs_diff as f64 / (n * outputs).max(1) as f64,
        pct(a.same_class, n)
    );
}

impl Evaluation {
    /// The report's text.
    pub fn report(&self) -> String {
        let n = self.samples;
        let mut s = format!(
            "samples: {n}, class = the last layer's neuron with the most spikes (lowest index among equals)\n"
        );
        let _ = writeln!(
            s,
            "  accuracy: float reference {:.2} % ({}), quantised golden model {:.2} % ({})",
            pct(self.float_correct, n),
            self.float_correct,
            pct(self.quant_correct, n),
            self.quant_correct
        );
        if let Some(p) = self.peer_correct {
            let _ = writeln!(s, "  accuracy: reference {:.2} % ({p})", pct(p, n));
            agreement_line(
                &mut s,
                "quantised vs reference:",
                &self.quant_vs_peer,
                n,
                self.outputs,
            );
            agreement_line(
                &mut s,
                "float vs reference:",
                &self.float_vs_peer,
                n,
                self.outputs,
            );
        }
        agreement_line(
            &mut s,
            "quantised vs float:",
            &self.quant_vs_float,
            n,
            self.outputs,
        );
        s
    }
}
