//! Design-space sweeps: synthesize a network at several sizes and lane counts for one device, and
//! tabulate and plot the cost (LUTs, memories) against the speed (Fmax, synaptic operations per
//! second = Fmax x SOP/cycle).
//!
//! Key decision: each point is an ordinary [`synth`](super::synth) run in its own folder, so a
//! point that fails or does not fit is a row saying so, not the end of the sweep.

use super::synth::{self, Request, SynthReport};
use crate::plot::{Canvas, Rgb, class_colour};
use golden::Config;
use serde::Serialize;
use std::path::Path;

/// One point of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Inputs.
    pub inputs: u32,
    /// Neurons.
    pub neurons: u32,
    /// Lanes.
    pub lanes: u32,
    /// The synthesis report, when the run finished.
    pub report: Option<SynthReport>,
    /// Why there is no report (an error), or why it does not fit.
    pub note: Option<String>,
}

impl Point {
    /// `inputs x neurons`.
    pub fn size(&self) -> String {
        format!("{}x{}", self.inputs, self.neurons)
    }
}

/// Parse `--sizes 64x32,256x256`.
pub fn parse_sizes(s: &str) -> Result<Vec<(u32, u32)>, String> {
    s.split(',')
        .map(|p| {
            let (a, b) = p
                .trim()
                .split_once('x')
                .ok_or_else(|| format!("--sizes \"{p}\": write INPUTSxNEURONS, e.g. 256x256"))?;
            let n = |x: &str| -> Result<u32, String> {
                x.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|v| *v >= 1)
                    .ok_or_else(|| format!("--sizes \"{p}\": {x} is not a positive integer"))
            };
            Ok((n(a)?, n(b)?))
        })
        .collect()
}

/// Parse `--lanes 1,2,4,8`.
pub fn parse_lanes(s: &str) -> Result<Vec<u32>, String> {
    s.split(',')
        .map(|x| {
            x.trim()
                .parse::<u32>()
                .ok()
                .filter(|v| (1..=golden::config::MAX_LANES as u32).contains(v))
                .ok_or_else(|| {
                    format!(
                        "--lanes \"{x}\": each must be an integer in 1..={}",
                        golden::config::MAX_LANES
                    )
                })
        })
        .collect()
}

/// `base` resized (for a network of layers: layer 0, whose neurons are layer 1's inputs); an
/// error says why the combination is not a valid network.
pub fn resized(base: &Config, inputs: u32, neurons: u32, lanes: u32) -> Result<Config, String> {
    let mut c = base.clone();
    if (inputs, neurons) != (base.array.inputs, base.array.neurons)
        && matches!(c.synapse.init, golden::config::WeightInit::File { .. })
    {
        return Err("the config's weights come from a file; only --lanes can vary".into());
    }
    if !neurons.is_multiple_of(lanes) {
        return Err(format!("{lanes} lanes do not divide {neurons} neurons"));
    }
    let max = golden::config::MAX_UNITS as u32;
    if inputs > max || neurons > max {
        return Err(format!("at most {max} inputs and neurons"));
    }
    let rows = inputs as u64 + if c.array.recurrent { neurons as u64 } else { 0 };
    if rows * neurons as u64 > golden::config::MAX_SYNAPSES {
        return Err(format!(
            "{rows} x {neurons} synapses: at most {}",
            golden::config::MAX_SYNAPSES
        ));
    }
    if let Some(next) = c.layers.first_mut()
        && neurons != base.array.neurons
    {
        if matches!(next.synapse.init, golden::config::WeightInit::File { .. }) {
            return Err(
                "layer[1]'s weights come from a file with a row per layer-0 neuron; only the \
                 inputs and --lanes can vary"
                    .into(),
            );
        }
        let own = if next.array.recurrent {
            next.array.neurons as u64
        } else {
            0
        };
        let rows = neurons as u64 + own;
        if rows * next.array.neurons as u64 > golden::config::MAX_SYNAPSES {
            return Err(format!(
                "layer[1]: {rows} x {} synapses: at most {}",
                next.array.neurons,
                golden::config::MAX_SYNAPSES
            ));
        }
        next.array.inputs = neurons;
    }
    c.array.inputs = inputs;
    c.array.neurons = neurons;
    c.array.lanes = lanes;
    Ok(c)
}

/// Run every point; `progress` is called after each.
pub fn sweep(
    base: &Request,
    sizes: &[(u32, u32)],
    lanes: &[u32],
    mut progress: impl FnMut(&Point),
) -> Vec<Point> {
    let mut out = Vec::new();
    for &(inputs, neurons) in sizes {
        for &l in lanes {
            let mut p = Point {
                inputs,
                neurons,
                lanes: l,
                report: None,
                note: None,
            };
            match resized(&base.config, inputs, neurons, l) {
                Err(e) => p.note = Some(e),
                Ok(cfg) => {
                    let mut req = base.clone();
                    req.config = cfg;
                    req.dir = base.dir.join(format!("{inputs}x{neurons}-l{l}"));
                    match synth::synth(&req) {
                        Ok(r) => {
                            p.note = r.misfit();
                            p.report = Some(r);
                        }
                        Err(e) => p.note = Some(e.lines().next().unwrap_or("").to_string()),
                    }
                }
            }
            progress(&p);
            out.push(p);
        }
    }
    out
}

/// The sweep as a text table.
pub fn table(points: &[Point]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<11} {:>5} {:>7} {:>7} {:>6} {:>5} {:>6} {:>9} {:>10}  fits",
        "size", "lanes", "LUT4", "FF", "BRAM", "SPRAM", "LUTRAM", "Fmax MHz", "M SOP/s"
    );
    for p in points {
        match &p.report {
            Some(r) => {
                let _ = writeln!(
                    s,
                    "{:<11} {:>5} {:>7} {:>7} {:>6} {:>5} {:>6} {:>9} {:>10}  {}",
                    p.size(),
                    p.lanes,
                    r.luts,
                    r.ffs,
                    r.bram,
                    r.spram,
                    r.lutram,
                    r.fmax_mhz.map_or("-".into(), |f| format!("{f:.1}")),
                    r.msops.map_or("-".into(), |f| format!("{f:.0}")),
                    if r.fits {
                        "yes".to_string()
                    } else {
                        format!("NO: {}", p.note.as_deref().unwrap_or(""))
                    }
                );
                // a network of layers: each layer's own cost under the point (the row above is
                // the whole design)
                for l in &r.layers {
                    let _ = writeln!(
                        s,
                        "{:<11} {:>5} {:>7} {:>7} {:>6} {:>5} {:>6} {:>9} {:>10}",
                        format!("  l{} {}x{}", l.layer, l.inputs, l.neurons),
                        l.lanes,
                        l.resources.luts,
                        l.resources.ffs,
                        l.resources.bram,
                        l.resources.spram,
                        l.resources.lutram,
                        "",
                        l.msops.map_or("-".into(), |f| format!("{f:.0}")),
                    );
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "{:<11} {:>5}  {}",
                    p.size(),
                    p.lanes,
                    p.note.as_deref().unwrap_or("no result")
                );
            }
        }
    }
    s
}

const BLACK: Rgb = [0, 0, 0];
const LIGHT: Rgb = [225, 225, 225];

/// The sweep as a PNG: four panels (LUT4, block memories, Fmax, M SOP/s) against lanes, one
/// line per size; points that do not fit are drawn hollow.
pub fn plot(points: &[Point], title: &str, path: &Path) -> Result<(), String> {
    let mut lanes: Vec<u32> = points.iter().map(|p| p.lanes).collect();
    lanes.sort_unstable();
    lanes.dedup();
    let mut sizes: Vec<String> = Vec::new();
    for p in points {
        if !sizes.contains(&p.size()) {
            sizes.push(p.size());
        }
    }
    type Metric = fn(&SynthReport) -> Option<f64>;
    let panels: [(&str, Metric); 4] = [
        ("LUT4", |r| Some(r.luts as f64)),
        ("BLOCK RAM + SPRAM", |r| Some((r.bram + r.spram) as f64)),
        ("FMAX MHZ", |r| r.fmax_mhz),
        ("M SYNAPTIC OPS/S", |r| r.msops),
    ];
    let (pw, ph, left, top, gap) = (300i64, 180i64, 60i64, 40i64, 50i64);
    let legend_h = 14 * sizes.len() as i64 + 10;
    let w = left + 2 * (pw + gap + left) - left;
    let h = top + 2 * (ph + gap + 20) + legend_h;
    let mut c = Canvas::new(w as usize, h as usize);
    c.text(8, 8, title, 1, BLACK);
    for (k, (name, metric)) in panels.iter().enumerate() {
        let ox = left + (k as i64 % 2) * (pw + gap + left);
        let oy = top + (k as i64 / 2) * (ph + gap + 20);
        c.text(ox, oy - 14, name, 1, BLACK);
        let vals: Vec<f64> = points
            .iter()
            .filter_map(|p| p.report.as_ref().and_then(metric))
            .collect();
        let ymax = vals.iter().cloned().fold(0.0, f64::max).max(1e-9) * 1.1;
        let x_of = |l: u32| -> i64 {
            let i = lanes.iter().position(|x| *x == l).unwrap_or(0) as i64;
            if lanes.len() <= 1 {
                ox + pw / 2
            } else {
                ox + i * pw / (lanes.len() as i64 - 1)
            }
        };
        let y_of = |v: f64| -> i64 { oy + ph - ((v / ymax).clamp(0.0, 1.0) * ph as f64) as i64 };
        for t in 0..=4 {
            let v = ymax * t as f64 / 4.0;
            let y = y_of(v);
            c.line(ox, y, ox + pw, y, LIGHT);
            let s = if ymax >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            };
            c.text(ox - 6 - Canvas::text_width(&s, 1), y - 3, &s, 1, BLACK);
        }
        c.line(ox, oy, ox, oy + ph, BLACK);
        c.line(ox, oy + ph, ox + pw, oy + ph, BLACK);
        for &l in &lanes {
            let s = l.to_string();
            c.text(
                x_of(l) - Canvas::text_width(&s, 1) / 2,
                oy + ph + 6,
                &s,
                1,
                BLACK,
            );
        }
        c.text(ox + pw / 2 - 15, oy + ph + 18, "LANES", 1, BLACK);
        for (si, size) in sizes.iter().enumerate() {
            let colour = class_colour(si);
            let pts: Vec<(i64, i64, bool)> = points
                .iter()
                .filter(|p| &p.size() == size)
                .filter_map(|p| {
                    let r = p.report.as_ref()?;
                    Some((x_of(p.lanes), y_of(metric(r)?), r.fits))
                })
                .collect();
            for win in pts.windows(2) {
                c.line(win[0].0, win[0].1, win[1].0, win[1].1, colour);
            }
            for (x, y, fits) in pts {
                c.rect(x - 3, y - 3, 7, 7, colour);
                if !fits {
                    c.rect(x - 2, y - 2, 5, 5, [255, 255, 255]);
                }
            }
        }
    }
    let ly0 = top + 2 * (ph + gap + 20);
    for (si, size) in sizes.iter().enumerate() {
        let ly = ly0 + 14 * si as i64;
        c.rect(left, ly, 10, 7, class_colour(si));
        c.text(left + 16, ly, size, 1, BLACK);
    }
    c.text(left + 120, ly0, "HOLLOW: DOES NOT FIT", 1, BLACK);
    c.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_lanes_parse_with_clear_errors() {
        assert_eq!(
            parse_sizes("64x32, 256x256").unwrap(),
            [(64, 32), (256, 256)]
        );
        assert!(parse_sizes("64").unwrap_err().contains("INPUTSxNEURONS"));
        assert!(parse_sizes("0x4").unwrap_err().contains("positive"));
        assert_eq!(parse_lanes("1,2,4,8").unwrap(), [1, 2, 4, 8]);
        assert!(parse_lanes("1,65").unwrap_err().contains("1..=64"));
    }

    #[test]
    fn resizing_checks_lanes_and_keeps_the_rest() {
        let base =
            Config::from_toml_str("[array]\ninputs = 16\nneurons = 8\n", Path::new(".")).unwrap();
        let c = resized(&base, 256, 256, 16).unwrap();
        assert_eq!(
            (c.array.inputs, c.array.neurons, c.array.lanes),
            (256, 256, 16)
        );
        assert_eq!(c.stdp, base.stdp);
        assert!(
            resized(&base, 16, 12, 8)
                .unwrap_err()
                .contains("do not divide")
        );
    }

    #[test]
    fn resizing_a_network_of_layers_resizes_layer_0_and_the_next_layers_inputs() {
        let base = Config::from_toml_str(
            "[array]\ninputs = 16\nneurons = 8\n[[layer]]\nneurons = 4\n",
            Path::new("."),
        )
        .unwrap();
        let c = resized(&base, 32, 12, 4).unwrap();
        let l = c.layer_configs();
        assert_eq!(
            (l[0].array.inputs, l[0].array.neurons, l[0].array.lanes),
            (32, 12, 4)
        );
        assert_eq!((l[1].array.inputs, l[1].array.neurons), (12, 4));
        assert_eq!(l[1].initial_weights().dim(), (12, 4));
    }

    #[test]
    fn table_and_plot_show_points_that_do_not_fit() {
        let pts = vec![Point {
            inputs: 16,
            neurons: 8,
            lanes: 3,
            report: None,
            note: Some("3 lanes do not divide 8 neurons".into()),
        }];
        let t = table(&pts);
        assert!(t.contains("16x8") && t.contains("do not divide"), "{t}");
        let dir = std::env::temp_dir().join(format!("neurogen-sweep-{}", std::process::id()));
        let png = dir.join("sweep.png");
        plot(&pts, "TEST", &png).unwrap();
        assert!(std::fs::metadata(&png).unwrap().len() > 100);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
