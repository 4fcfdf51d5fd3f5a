//! PNG plots of the learning experiments: receptive fields, spike rasters, accuracy curves and the
//! pattern table as a heat map.
//!
//! Key decision: plots are drawn on a small RGB canvas with a built-in 5x7 pixel font and written
//! with the `png` crate, so they need no font files, no system libraries and no network, and the
//! same run gives byte-identical files on every machine.

use golden::learn::Raster;
use ndarray::Array2;
use std::path::Path;

/// An RGB colour.
pub type Rgb = [u8; 3];

const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [150, 150, 150];
const LIGHT: Rgb = [225, 225, 225];

/// Distinct colours for classes (patterns or digits).
const PALETTE: [Rgb; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [90, 90, 90],
    [188, 189, 34],
    [23, 190, 207],
];

/// The colour of class `k`.
pub fn class_colour(k: usize) -> Rgb {
    PALETTE[k % PALETTE.len()]
}

/// An RGB image being drawn.
pub struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![255; w * h * 3],
        }
    }

    /// Set one pixel (outside the canvas: ignored).
    pub fn set(&mut self, x: i64, y: i64, c: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
            let o = (y as usize * self.w + x as usize) * 3;
            self.px[o..o + 3].copy_from_slice(&c);
        }
    }

    /// Fill a rectangle.
    pub fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgb) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, c);
            }
        }
    }

    /// A straight line (Bresenham).
    pub fn line(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.set(x, y, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text in the 5x7 font, each font pixel `scale` x `scale`; returns the width drawn.
    pub fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, c: Rgb) -> i64 {
        let mut cx = x;
        for ch in s.chars() {
            let g = glyph(ch);
            for (row, bits) in g.iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        self.rect(cx + col * scale, y + row as i64 * scale, scale, scale, c);
                    }
                }
            }
            cx += 6 * scale;
        }
        cx - x
    }

    /// Width of `s` in the font at `scale`.
    pub fn text_width(s: &str, scale: i64) -> i64 {
        s.chars().count() as i64 * 6 * scale
    }

    /// Write the canvas as an 8-bit RGB PNG.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let file = std::fs::File::create(path).map_err(|e| err(&e))?;
        let mut enc =
            png::Encoder::new(std::io::BufWriter::new(file), self.w as u32, self.h as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|e| err(&e))?;
        wr.write_image_data(&self.px).map_err(|e| err(&e))?;
        wr.finish().map_err(|e| err(&e))
    }
}

/// The 5x7 glyph of `c` (rows top to bottom, bit 4 = leftmost column). Lower case is drawn as
/// upper case; characters without a glyph are drawn as `?`.
fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        ' ' => [0; 7],
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        ',' => [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        ':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        '+' => [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        '=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        '/' => [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        '_' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        '#' => [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        '>' => [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08],
        '<' => [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02],
        '\'' => [0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00],
        '\\' => [0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00],
        '*' => [0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00],
        '!' => [0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04],
        _ => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
    }
}

/// Grey level of `v` in `0..=max` (dark = strong, as ink on paper).
fn ink(v: i64, max: i64) -> Rgb {
    let g = 255 - (v.clamp(0, max.max(1)) * 255 / max.max(1)) as u8;
    [g, g, g]
}

/// Receptive fields: each neuron's weight column drawn as a `side` x `side` image (rows of the
/// image = consecutive inputs), in a grid, with the neuron's label under it (`label_name`).
pub fn receptive_fields(
    weights: &Array2<i32>,
    side: usize,
    labels: &[Option<usize>],
    label_name: &dyn Fn(Option<usize>) -> String,
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let (rows, neurons) = weights.dim();
    let cell = (96 / side).max(2) as i64; // pixels per input
    let tile = side as i64 * cell;
    let cols = ((neurons as f64).sqrt().ceil() as usize).clamp(1, 12) as i64;
    let grid_rows = (neurons as i64 + cols - 1) / cols;
    let (pad, label_h, top) = (6i64, 12i64, 24i64);
    let w = cols * (tile + pad) + pad;
    let h = top + grid_rows * (tile + label_h + pad) + pad;
    let mut c = Canvas::new(
        w.max(Canvas::text_width(title, 1) + 12) as usize,
        h as usize,
    );
    c.text(pad, 8, title, 1, BLACK);
    let max = weights.iter().copied().max().unwrap_or(1).max(1) as i64;
    for n in 0..neurons {
        let (gx, gy) = (n as i64 % cols, n as i64 / cols);
        let (x0, y0) = (pad + gx * (tile + pad), top + gy * (tile + label_h + pad));
        c.rect(x0 - 1, y0 - 1, tile + 2, tile + 2, GREY);
        for r in 0..side * side {
            let v = if r < rows { weights[[r, n]] as i64 } else { 0 };
            let (px, py) = ((r % side) as i64, (r / side) as i64);
            c.rect(x0 + px * cell, y0 + py * cell, cell, cell, ink(v, max));
        }
        let colour = labels
            .get(n)
            .copied()
            .flatten()
            .map(class_colour)
            .unwrap_or(GREY);
        c.text(
            x0,
            y0 + tile + 3,
            &label_name(labels.get(n).copied().flatten()),
            1,
            colour,
        );
    }
    c.save(path)
}

/// A spike raster: input events (grey, top) and output spikes (coloured by the neuron's label,
/// bottom) against ticks, with a line at the start of each sample, its true class above it, and
/// below it the sample's first tick and the class it was classified as (a red X when wrong).
pub fn raster(
    r: &Raster,
    label_name: &dyn Fn(Option<usize>) -> String,
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let xs = if r.ticks <= 400 { 3 } else { 1 } as i64; // pixels per tick
    let ys = 3i64; // pixels per row
    let (left, top, gap) = (56i64, 40i64, 12i64);
    let plot_w = r.ticks as i64 * xs;
    let in_h = r.inputs as i64 * ys;
    let out_h = r.neurons as i64 * ys;
    let w = left + plot_w + 12;
    let h = top + in_h + gap + out_h + 52;
    let mut c = Canvas::new(
        w.max(Canvas::text_width(title, 1) + 20) as usize,
        h as usize,
    );
    c.text(8, 6, title, 1, BLACK);
    let y_in = top;
    let y_out = top + in_h + gap;
    c.rect(left, y_in, plot_w, in_h, [248, 248, 248]);
    c.rect(left, y_out, plot_w, out_h, [248, 248, 248]);
    c.text(4, y_in + in_h / 2 - 3, "INPUT", 1, BLACK);
    c.text(4, y_out + out_h / 2 - 3, "NEURON", 1, BLACK);
    for (k, &t0) in r.sample_starts.iter().enumerate() {
        let x = left + t0 as i64 * xs;
        c.line(x, y_in - 4, x, y_out + out_h, LIGHT);
        let name = label_name(r.sample_labels.get(k).copied().flatten());
        let colour = r
            .sample_labels
            .get(k)
            .copied()
            .flatten()
            .map(class_colour)
            .unwrap_or(GREY);
        c.text(x + 2, top - 14, &name, 1, colour);
    }
    for &(t, j) in &r.input_events {
        c.rect(
            left + t as i64 * xs,
            y_in + j as i64 * ys,
            xs.max(2) - 1,
            ys - 1,
            [90, 90, 90],
        );
    }
    for &(t, i) in &r.spikes {
        let colour = r
            .neuron_labels
            .get(i as usize)
            .copied()
            .flatten()
            .map(class_colour)
            .unwrap_or(BLACK);
        c.rect(
            left + t as i64 * xs - 1,
            y_out + i as i64 * ys - 1,
            xs.max(2) + 1,
            ys + 1,
            colour,
        );
    }
    // below: each sample's first tick, then its predicted class
    let y_ticks = y_out + out_h + 4;
    let y_pred = y_ticks + 12;
    c.text(4, y_ticks, "TICK", 1, BLACK);
    if !r.sample_predicted.is_empty() {
        c.text(4, y_pred, "PRED.", 1, BLACK);
    }
    for (k, &t0) in r.sample_starts.iter().enumerate() {
        let x = left + t0 as i64 * xs;
        c.line(x, y_out + out_h, x, y_ticks + 8, LIGHT);
        c.text(x + 2, y_ticks, &format!("{t0}"), 1, BLACK);
        if let Some(&pred) = r.sample_predicted.get(k) {
            let colour = pred.map(class_colour).unwrap_or(GREY);
            let end = x + 2 + c.text(x + 2, y_pred, &label_name(pred), 1, colour);
            if r.sample_labels.get(k).copied().flatten() != pred {
                c.text(end + 3, y_pred, "X", 1, [220, 30, 30]);
            }
        }
    }
    c.text(
        left,
        y_pred + 14,
        "TICKS ->   TOP: TRUE CLASS   BOTTOM: PREDICTED (RED X: WRONG)",
        1,
        BLACK,
    );
    c.save(path)
}

/// The lower end of an accuracy axis: 0 %, or, when every value is high, the 10 % step below the
/// lowest value minus a margin, so lines that differ by a point stay apart.
fn axis_floor(series: &[(String, Vec<f64>)]) -> f64 {
    let min = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(1.0f64, f64::min);
    ((min - 0.05) * 10.0).floor().clamp(0.0, 9.0) / 10.0
}

/// Accuracy per epoch, one line per named series, on a percentage axis from [`axis_floor`] to
/// 100 %. Series are drawn side by side at each epoch (a few pixels apart, so equal values stay
/// visible) with their values written next to the points when there are at most 3 epochs.
pub fn accuracy_curves(
    series: &[(String, Vec<f64>)],
    title: &str,
    path: &Path,
) -> Result<(), String> {
    curves(series, "EPOCH", Legend::Last, title, path)
}

/// [`accuracy_curves`] over something other than epochs (`x_name`, numbered from 1); the legend
/// gives each series' mean instead of its last value.
pub fn accuracy_curves_over(
    series: &[(String, Vec<f64>)],
    x_name: &str,
    title: &str,
    path: &Path,
) -> Result<(), String> {
    curves(series, x_name, Legend::Mean, title, path)
}

/// The value of a series that the legend of [`curves`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Legend {
    /// The last point (the final epoch).
    Last,
    /// The mean of the points.
    Mean,
}

/// The plot of [`accuracy_curves`] and [`accuracy_curves_over`].
fn curves(
    series: &[(String, Vec<f64>)],
    x_name: &str,
    legend: Legend,
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let (left, top, pw, ph) = (52i64, 30i64, 420i64, 260i64);
    let legend_h = 14 * series.len() as i64;
    let mut c = Canvas::new(
        (left + pw + 24) as usize,
        (top + ph + 40 + legend_h) as usize,
    );
    c.text(8, 8, title, 1, BLACK);
    let epochs = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(1);
    let lo = axis_floor(series);
    // epochs are placed inside the axis, so the first and last points are not on its edges
    let x_of = |e: usize| -> i64 { left + ((2 * e as i64 + 1) * pw) / (2 * epochs as i64) };
    let y_of =
        |a: f64| -> i64 { top + ph - (((a - lo) / (1.0 - lo)).clamp(0.0, 1.0) * ph as f64) as i64 };
    let steps = ((1.0 - lo) * 100.0).round() as i64;
    let step = if steps <= 20 {
        2
    } else if steps <= 50 {
        10
    } else {
        20
    };
    let mut pct = (lo * 100.0).round() as i64;
    while pct <= 100 {
        let y = y_of(pct as f64 / 100.0);
        c.line(left, y, left + pw, y, LIGHT);
        let s = format!("{pct}%");
        c.text(left - 6 - Canvas::text_width(&s, 1), y - 3, &s, 1, BLACK);
        pct += step;
    }
    c.line(left, top, left, top + ph, BLACK);
    c.line(left, top + ph, left + pw, top + ph, BLACK);
    for e in 0..epochs {
        let x = x_of(e);
        c.line(x, top + ph, x, top + ph + 3, BLACK);
        let s = format!("{}", e + 1);
        c.text(
            x - Canvas::text_width(&s, 1) / 2,
            top + ph + 6,
            &s,
            1,
            BLACK,
        );
    }
    c.text(
        left + pw / 2 - Canvas::text_width(x_name, 1) / 2,
        top + ph + 18,
        x_name,
        1,
        BLACK,
    );
    let n = series.len() as i64;
    for (k, (name, ys)) in series.iter().enumerate() {
        let colour = class_colour(k);
        // series side by side: a small horizontal offset each
        let dx = 6 * k as i64 - 3 * (n - 1);
        let px = |e: usize| x_of(e) + dx;
        for e in 1..ys.len() {
            c.line(px(e - 1), y_of(ys[e - 1]), px(e), y_of(ys[e]), colour);
            c.line(
                px(e - 1),
                y_of(ys[e - 1]) + 1,
                px(e),
                y_of(ys[e]) + 1,
                colour,
            );
        }
        for (e, &a) in ys.iter().enumerate() {
            c.rect(px(e) - 2, y_of(a) - 2, 5, 5, colour);
            if epochs <= 3 {
                let s = format!("{:.1}", a * 100.0);
                c.text(
                    x_of(e) + 3 * n + 4,
                    y_of(a) - 3 + 9 * k as i64 - 4 * (n - 1),
                    &s,
                    1,
                    colour,
                );
            }
        }
        let ly = top + ph + 34 + 14 * k as i64;
        c.rect(left, ly, 10, 7, colour);
        let (what, v) = match legend {
            Legend::Last => ("", ys.last().copied().unwrap_or(0.0)),
            Legend::Mean => ("mean ", ys.iter().sum::<f64>() / ys.len().max(1) as f64),
        };
        c.text(
            left + 16,
            ly,
            &format!("{name}: {what}{:.1}%", v * 100.0),
            1,
            BLACK,
        );
    }
    c.save(path)
}

/// A table of values in `0..=1` as a heat map with the percentage in each cell.
pub fn heat_map(
    rows: &[String],
    cols: &[String],
    values: &[Vec<f64>],
    title: &str,
    row_title: &str,
    col_title: &str,
    path: &Path,
) -> Result<(), String> {
    let (cw, ch) = (64i64, 28i64);
    let left = 16
        + rows
            .iter()
            .map(|r| Canvas::text_width(r, 1))
            .max()
            .unwrap_or(0)
            .max(Canvas::text_width(row_title, 1));
    let top = 46i64;
    let w = left + cw * cols.len() as i64 + 12;
    let h = top + ch * rows.len() as i64 + 12;
    let mut c = Canvas::new(
        w.max(Canvas::text_width(title, 1) + 16) as usize,
        h as usize,
    );
    c.text(8, 6, title, 1, BLACK);
    c.text(left, 20, col_title, 1, BLACK);
    c.text(8, top - 12, row_title, 1, BLACK);
    for (j, col) in cols.iter().enumerate() {
        c.text(left + j as i64 * cw + 4, top - 12, col, 1, BLACK);
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + i as i64 * ch;
        c.text(8, y + ch / 2 - 3, row, 1, BLACK);
        for (j, &v) in values[i].iter().enumerate() {
            let x = left + j as i64 * cw;
            let v = v.clamp(0.0, 1.0);
            // red (0) -> yellow -> green (1)
            let colour = if v < 0.5 {
                [230, (60.0 + 340.0 * v) as u8, 60]
            } else {
                [(230.0 - 340.0 * (v - 0.5)) as u8, 200, 80]
            };
            c.rect(x, y, cw - 2, ch - 2, colour);
            let s = format!("{:.1}%", v * 100.0);
            c.text(
                x + (cw - 2 - Canvas::text_width(&s, 1)) / 2,
                y + ch / 2 - 4,
                &s,
                1,
                BLACK,
            );
        }
    }
    c.save(path)
}

/// A confusion matrix: `counts[true][predicted]`, one row per true class with its
/// `unanswered` images (no class) in a last column "-"; each cell shows its count, shaded by
/// its fraction of the row (the diagonal green, errors red).
pub fn confusion_matrix(
    counts: &[Vec<u32>],
    unanswered: &[u32],
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let n = counts.len();
    if unanswered.len() != n || counts.iter().any(|r| r.len() != n) {
        return Err(format!(
            "confusion matrix: {n} rows need {n} columns each and {n} unanswered counts"
        ));
    }
    let cell = 30i64;
    let (left, top) = (70i64, 60i64);
    let w = (left + cell * (n as i64 + 1) + 16).max(Canvas::text_width(title, 1) + 16);
    let h = top + cell * n as i64 + 16;
    let mut c = Canvas::new(w as usize, h as usize);
    c.text(8, 6, title, 1, BLACK);
    c.text(left, 24, "PREDICTED (- = NO CLASS)", 1, BLACK);
    c.text(8, top - 12, "TRUE", 1, BLACK);
    for j in 0..=n {
        let s = if j == n {
            "-".to_string()
        } else {
            j.to_string()
        };
        c.text(left + j as i64 * cell + 12, top - 12, &s, 1, BLACK);
    }
    for (i, row) in counts.iter().enumerate() {
        let y = top + i as i64 * cell;
        let total = row.iter().sum::<u32>() + unanswered[i];
        c.text(40, y + cell / 2 - 4, &i.to_string(), 1, BLACK);
        for (j, &v) in row
            .iter()
            .chain(std::iter::once(&unanswered[i]))
            .enumerate()
        {
            let f = if total == 0 {
                0.0
            } else {
                v as f64 / total as f64
            };
            let x = left + j as i64 * cell;
            let colour = if v == 0 {
                [245, 245, 245]
            } else if i == j {
                [
                    (230.0 - 170.0 * f) as u8,
                    (230.0 - 40.0 * f) as u8,
                    (230.0 - 150.0 * f) as u8,
                ]
            } else {
                let g = (f * 4.0).min(1.0);
                [230, (220.0 - 150.0 * g) as u8, (220.0 - 150.0 * g) as u8]
            };
            c.rect(x, y, cell - 2, cell - 2, colour);
            let s = v.to_string();
            c.text(
                x + (cell - 2 - Canvas::text_width(&s, 1)) / 2,
                y + cell / 2 - 4,
                &s,
                1,
                BLACK,
            );
        }
    }
    c.save(path)
}

/// Lines over a shared x axis (`xs`), y from 0 to the largest value (or `y_max` when given),
/// one colour per series; with `legend` the series' names are listed under the plot (FEAST's
/// thresholds and missed-event rate over training).
pub fn line_series(
    xs: &[f64],
    series: &[(String, Vec<f64>)],
    legend: bool,
    y_max: Option<f64>,
    labels: (&str, &str),
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let (left, top, pw, ph) = (60i64, 30i64, 420i64, 240i64);
    let legend_h = if legend { 14 * series.len() as i64 } else { 0 };
    let mut c = Canvas::new(
        (left + pw + 24).max(Canvas::text_width(title, 1) + 16) as usize,
        (top + ph + 40 + legend_h) as usize,
    );
    c.text(8, 8, title, 1, BLACK);
    let x_max = xs.iter().copied().fold(f64::MIN_POSITIVE, f64::max);
    let y_top = y_max.unwrap_or_else(|| {
        series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.05
    });
    let x_of = |x: f64| left + ((x / x_max).clamp(0.0, 1.0) * pw as f64) as i64;
    let y_of = |y: f64| top + ph - ((y / y_top).clamp(0.0, 1.0) * ph as f64) as i64;
    for k in 0..=4 {
        let y = y_top * k as f64 / 4.0;
        c.line(left, y_of(y), left + pw, y_of(y), LIGHT);
        let s = if y_top < 0.1 {
            format!("{:.2}%", y * 100.0)
        } else {
            format!("{y:.2}")
        };
        c.text(
            left - 6 - Canvas::text_width(&s, 1),
            y_of(y) - 3,
            &s,
            1,
            BLACK,
        );
    }
    c.line(left, top, left, top + ph, BLACK);
    c.line(left, top + ph, left + pw, top + ph, BLACK);
    let xl = format!("{} (0 to {})", labels.0, x_max as u64);
    c.text(
        left + pw / 2 - Canvas::text_width(&xl, 1) / 2,
        top + ph + 8,
        &xl,
        1,
        BLACK,
    );
    c.text(8, top + ph + 22, labels.1, 1, BLACK);
    for (k, (name, ys)) in series.iter().enumerate() {
        let colour = class_colour(k);
        for (i, w) in ys.windows(2).enumerate() {
            let (x0, x1) = (x_of(xs[i]), x_of(xs[i + 1]));
            c.line(x0, y_of(w[0]), x1, y_of(w[1]), colour);
        }
        if legend {
            let ly = top + ph + 36 + 14 * k as i64;
            c.rect(left, ly, 10, 7, colour);
            c.text(left + 16, ly, name, 1, BLACK);
        }
    }
    c.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accuracy_axis_zooms_in_only_when_every_value_is_high() {
        let s = |v: &[f64]| vec![("a".to_string(), v.to_vec())];
        assert_eq!(axis_floor(&s(&[0.996, 0.995])), 0.9);
        assert_eq!(axis_floor(&s(&[0.93, 0.99])), 0.8);
        assert_eq!(axis_floor(&s(&[0.3, 0.9])), 0.2);
        assert_eq!(axis_floor(&s(&[0.02])), 0.0);
    }

    #[test]
    fn every_printable_glyph_fits_five_columns() {
        for c in (' '..='~').chain(['%']) {
            assert!(glyph(c).iter().all(|&r| r < 0x20), "{c}");
        }
    }

    #[test]
    fn canvas_writes_a_png_that_decodes_to_its_size() {
        let dir = std::env::temp_dir().join(format!("neurogen-plot-{}", std::process::id()));
        let path = dir.join("t.png");
        let mut c = Canvas::new(30, 20);
        c.text(1, 1, "Ok 1%", 1, BLACK);
        c.line(0, 19, 29, 0, [255, 0, 0]);
        c.save(&path).unwrap();
        let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let reader = dec.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (30, 20));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
