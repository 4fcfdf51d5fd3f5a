//! Weight storage of the optimized model: the storage types ([`Wt`]: `u8`, `i16`, `i32`, chosen
//! per config) and the column-blocked matrix [`Mat`].
//!
//! Key decision: a weight update is "add a non-negative delta clipped to the weight span,
//! saturating, then clamp on the side it moved to" (exact because weights always stay in
//! `[w_min, w_max]`; see the `model` module header), so every storage type needs only the few
//! operations of [`Wt`].

use ndarray::{Array2, Array3};

/// A weight storage type. All values stored are within `[w_min, w_max]`; deltas are non-negative
/// and clipped to the weight span `w_max - w_min` (see the module header for why that is exact).
pub(super) trait Wt:
    Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static
{
    /// All bits set (the mask of a spiking column).
    const ONES: Self;
    /// The bounds of a saturating add or subtract in this type, if it has one: with `hi` at
    /// the upper one, `add_ceil` is a plain saturating add (likewise `sub_floor` at the lower).
    const SAT: Option<(Self, Self)>;
    /// Saturating add and subtract (only called when `SAT` is `Some`).
    fn sat_add(self, d: Self) -> Self;
    fn sat_sub(self, d: Self) -> Self;
    fn to_i32(self) -> i32;
    /// Only called when the value fits `i16` (the per-tick bound guarantees it).
    fn to_i16(self) -> i16;
    /// A value known to be within `[w_min, w_max]`.
    fn from_i32(v: i32) -> Self;
    /// `min(d, span)` as a delta (`span` is the weight span).
    fn delta(d: u16, span: u16) -> Self;
    /// `max(self - d, lo)`, exact for `d` clipped to the span.
    fn sub_floor(self, d: Self, lo: Self) -> Self;
    /// `min(self + d, hi)`, exact for `d` clipped to the span.
    fn add_ceil(self, d: Self, hi: Self) -> Self;
    fn and(self, m: Self) -> Self;
}

/// `Wt` for a type with its own saturating arithmetic whose bounds are the type's limits.
macro_rules! wt_saturating {
    ($t:ty, $ones:expr) => {
        impl Wt for $t {
            const ONES: $t = $ones;
            const SAT: Option<($t, $t)> = Some((<$t>::MIN, <$t>::MAX));
            #[inline(always)]
            fn sat_add(self, d: $t) -> $t {
                self.saturating_add(d)
            }
            #[inline(always)]
            fn sat_sub(self, d: $t) -> $t {
                self.saturating_sub(d)
            }
            #[inline(always)]
            fn to_i32(self) -> i32 {
                self as i32
            }
            #[inline(always)]
            fn to_i16(self) -> i16 {
                self as i16
            }
            #[inline(always)]
            fn from_i32(v: i32) -> $t {
                v as $t
            }
            #[inline(always)]
            fn delta(d: u16, span: u16) -> $t {
                d.min(span) as $t
            }
            #[inline(always)]
            fn sub_floor(self, d: $t, lo: $t) -> $t {
                self.saturating_sub(d).max(lo)
            }
            #[inline(always)]
            fn add_ceil(self, d: $t, hi: $t) -> $t {
                self.saturating_add(d).min(hi)
            }
            #[inline(always)]
            fn and(self, m: $t) -> $t {
                self & m
            }
        }
    };
}

wt_saturating!(u8, u8::MAX);
wt_saturating!(i16, -1);

impl Wt for i32 {
    const ONES: i32 = -1;
    const SAT: Option<(i32, i32)> = None;
    #[inline(always)]
    fn sat_add(self, d: i32) -> i32 {
        self.saturating_add(d)
    }
    #[inline(always)]
    fn sat_sub(self, d: i32) -> i32 {
        self.saturating_sub(d)
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self
    }
    #[inline(always)]
    fn to_i16(self) -> i16 {
        self as i16
    }
    #[inline(always)]
    fn from_i32(v: i32) -> i32 {
        v
    }
    #[inline(always)]
    fn delta(d: u16, span: u16) -> i32 {
        d.min(span) as i32
    }
    #[inline(always)]
    fn sub_floor(self, d: i32, lo: i32) -> i32 {
        (self - d).max(lo)
    }
    #[inline(always)]
    fn add_ceil(self, d: i32, hi: i32) -> i32 {
        (self + d).min(hi)
    }
    #[inline(always)]
    fn and(self, m: i32) -> i32 {
        self & m
    }
}

/// Columns per block of the weight layout (see [`Mat`]).
pub(super) const C: usize = 8;

/// Rows per step of the potentiation sweep: `C * ROWS` weights at a time.
pub(super) const ROWS: usize = 8;

/// Blocks per step of the event loop: `C * G` weights of a row at a time.
pub(super) const G: usize = 4;

/// The weight matrix in one storage type, with its per-tick vectors of the same type.
///
/// Layout: the columns are cut into blocks of [`C`] neurons (the last one padded with `w_min`,
/// a valid weight no output ever reads); each block is a row-major `rows x C` matrix, and the
/// blocks follow each other: an `ndarray` of shape `(blocks, rows, C)` in standard layout, where
/// `W[j][i]` is element `[i / C, j, i % C]`, at `(i / C) * rows * C + j * C + i % C`. An event
/// reads `C` contiguous weights per block; the potentiation of a spiking neuron sweeps its
/// block contiguously, `C * ROWS` weights (several rows) per vector operation, instead of one
/// scalar update per row of a row-major matrix.
#[derive(Debug, Clone)]
pub(super) struct Mat<W> {
    pub(super) w: Array3<W>,
    pub(super) rows: usize,
    /// Weights per block (`rows * C`).
    pub(super) stride: usize,
    /// This tick's depression deltas, one per (padded) neuron.
    pub(super) ltd: Vec<W>,
    /// This tick's potentiation of each row, split into its positive and negative part.
    pub(super) dp: Vec<W>,
    pub(super) dn: Vec<W>,
    pub(super) lo: W,
    pub(super) hi: W,
}

impl<W: Wt> Mat<W> {
    pub(super) fn new(w: &Array2<i32>, lo: i64, hi: i64) -> Mat<W> {
        let (rows, n) = w.dim();
        let nb = n.div_ceil(C);
        let mut m = Mat {
            w: Array3::from_elem((nb, rows, C), W::from_i32(lo as i32)),
            rows,
            stride: rows * C,
            ltd: vec![W::default(); nb * C],
            dp: vec![W::default(); rows],
            dn: vec![W::default(); rows],
            lo: W::from_i32(lo as i32),
            hi: W::from_i32(hi as i32),
        };
        m.assign(w);
        m
    }

    /// `W[j][i]`.
    #[inline(always)]
    pub(super) fn get(&self, j: usize, i: usize) -> W {
        self.w[[i / C, j, i % C]]
    }

    /// Set `W[j][i]`.
    #[inline(always)]
    pub(super) fn set(&mut self, j: usize, i: usize, v: W) {
        self.w[[i / C, j, i % C]] = v;
    }

    /// Copy a whole matrix in (same shape).
    pub(super) fn assign(&mut self, w: &Array2<i32>) {
        for ((j, i), &v) in w.indexed_iter() {
            self.set(j, i, W::from_i32(v));
        }
    }

    /// The matrix as `rows x n` values.
    pub(super) fn to_array(&self, n: usize) -> Array2<i32> {
        Array2::from_shape_fn((self.rows, n), |(j, i)| self.get(j, i).to_i32())
    }

    /// All weights in memory order (the layout above).
    #[inline(always)]
    pub(super) fn flat(&mut self) -> &mut [W] {
        self.w.as_slice_mut().expect("standard layout")
    }
}

#[derive(Debug, Clone)]
pub(super) enum Store {
    U8(Mat<u8>),
    I16(Mat<i16>),
    I32(Mat<i32>),
}

/// Run `$body` with `$m` bound to the matrix, whatever its storage type.
macro_rules! with_mat {
    ($store:expr, $m:ident => $body:expr) => {
        match $store {
            $crate::model::weights::Store::U8($m) => $body,
            $crate::model::weights::Store::I16($m) => $body,
            $crate::model::weights::Store::I32($m) => $body,
        }
    };
}
pub(super) use with_mat;
