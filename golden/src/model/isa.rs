//! Runtime CPU dispatch of the optimized model's hot kernels: a portable copy and an AVX2 copy.
//!
//! Key decision: each hot kernel is one generic `#[inline(always)]` function in the module of its
//! step; the [`Isa`] trait gives each a portable copy and a copy in a
//! `#[target_feature(enable = "avx2")]` function, chosen at run time with
//! `is_x86_feature_detected!`, so a default `cargo build --release` gets AVX2 code on machines
//! that have it. Each kernel is its own function: inlined into one huge tick function, LLVM's
//! vectorizer gave up on some loops.

use super::decay_kernel;
use super::events::{AccAdd, event_groups, ltd_deltas};
use super::lif::{Lane, LifIo, LifK, lif_kernel};
use super::potentiation::{LtpArgs, ltp_deltas, sweep, sweep2};
use super::weights::{C, Wt};

/// Which compiled copy of the kernels runs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kernels {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
}

/// The best compiled copy of the kernels this CPU runs.
pub(super) fn best_kernels() -> Kernels {
    #[cfg(target_arch = "x86_64")]
    if let Some(isa) = Avx2::detect() {
        return Kernels::Avx2(isa);
    }
    Kernels::Portable
}

/// An instruction set the hot kernels are compiled for. Each kernel is one generic
/// `#[inline(always)]` function; each implementation of this trait wraps it in a function of its
/// own (not inlined into the tick: in one huge function the vectorizer gives up on some loops),
/// compiled with that instruction set's target features.
pub(super) trait Isa: Copy {
    fn decay16(self, v: &mut [u16], sh: u32);
    fn decay32(self, v: &mut [i32], sh: u32);
    #[allow(clippy::too_many_arguments)]
    fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        self,
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    );
    fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        self,
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    );
    fn ltd_deltas<W: Wt>(self, y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool;
    fn ltp_deltas<W: Wt>(self, x: &[u16], dp: &mut [W], dn: &mut [W], a: LtpArgs) -> u16;
    fn sweep<W: Wt, F: Fn(W, W) -> W>(self, blk: &mut [W], dp: &[W], mask: &[W; C], f: F);
    fn sweep2<W: Wt>(self, blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W);
}

/// The kernels for the target the crate is compiled for (SSE2 on x86-64 by default).
#[derive(Debug, Clone, Copy)]
pub(super) struct Portable;

impl Isa for Portable {
    #[inline(never)]
    fn decay16(self, v: &mut [u16], sh: u32) {
        decay_kernel(v, sh)
    }
    #[inline(never)]
    fn decay32(self, v: &mut [i32], sh: u32) {
        decay_kernel(v, sh)
    }
    #[inline(never)]
    fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        self,
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    ) {
        event_groups(w, stride, rows, acc, ltd, p, f)
    }
    #[inline(never)]
    fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        self,
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    ) {
        lif_kernel::<L, A, F>(p, prev_count, io)
    }
    #[inline(never)]
    fn ltd_deltas<W: Wt>(self, y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
        ltd_deltas(y, ltd, sh, span)
    }
    #[inline(never)]
    fn ltp_deltas<W: Wt>(self, x: &[u16], dp: &mut [W], dn: &mut [W], a: LtpArgs) -> u16 {
        ltp_deltas(x, dp, dn, a)
    }
    #[inline(never)]
    fn sweep<W: Wt, F: Fn(W, W) -> W>(self, blk: &mut [W], dp: &[W], mask: &[W; C], f: F) {
        sweep(blk, dp, mask, f)
    }
    #[inline(never)]
    fn sweep2<W: Wt>(self, blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W) {
        sweep2(blk, dp, dn, mask, lo, hi)
    }
}

/// The kernels compiled with AVX2 (and BMI1/2, POPCNT, LZCNT). A value of this type exists only
/// when the CPU has these features: [`Avx2::detect`] is its only constructor.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(super) struct Avx2 {
    _detected: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    fn detect() -> Option<Avx2> {
        use std::arch::is_x86_feature_detected as has;
        (has!("avx2") && has!("bmi1") && has!("bmi2") && has!("popcnt") && has!("lzcnt"))
            .then_some(Avx2 { _detected: () })
    }
}

/// The AVX2 copies: the kernels, inlined into functions compiled with the target features.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;

    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn decay16(v: &mut [u16], sh: u32) {
        decay_kernel(v, sh)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn decay32(v: &mut [i32], sh: u32) {
        decay_kernel(v, sh)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    ) {
        event_groups(w, stride, rows, acc, ltd, p, f)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    ) {
        lif_kernel::<L, A, F>(p, prev_count, io)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn ltd_deltas<W: Wt>(y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
        super::ltd_deltas(y, ltd, sh, span)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn ltp_deltas<W: Wt>(
        x: &[u16],
        dp: &mut [W],
        dn: &mut [W],
        a: LtpArgs,
    ) -> u16 {
        super::ltp_deltas(x, dp, dn, a)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn sweep<W: Wt, F: Fn(W, W) -> W>(
        blk: &mut [W],
        dp: &[W],
        mask: &[W; C],
        f: F,
    ) {
        super::sweep(blk, dp, mask, f)
    }
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt,lzcnt")]
    pub(super) unsafe fn sweep2<W: Wt>(
        blk: &mut [W],
        dp: &[W],
        dn: &[W],
        mask: &[W; C],
        lo: W,
        hi: W,
    ) {
        super::sweep2(blk, dp, dn, mask, lo, hi)
    }
}

// SAFETY (every method): an `Avx2` value exists only when `Avx2::detect` found the features the
// `avx2` functions are compiled with.
#[cfg(target_arch = "x86_64")]
impl Isa for Avx2 {
    #[inline]
    fn decay16(self, v: &mut [u16], sh: u32) {
        unsafe { avx2::decay16(v, sh) }
    }
    #[inline]
    fn decay32(self, v: &mut [i32], sh: u32) {
        unsafe { avx2::decay32(v, sh) }
    }
    #[inline]
    fn events<W: Wt, A: AccAdd, O: Copy + From<A::T>, F: Fn(W, W) -> W>(
        self,
        w: &mut [W],
        stride: usize,
        rows: &[u32],
        acc: &mut [O],
        ltd: &[W],
        p: A,
        f: Option<F>,
    ) {
        unsafe { avx2::events(w, stride, rows, acc, ltd, p, f) }
    }
    #[inline]
    fn lif<L: Lane, A: Copy + Into<L>, const F: u8>(
        self,
        p: &LifK<L>,
        prev_count: i32,
        io: LifIo<'_, A>,
    ) {
        unsafe { avx2::lif::<L, A, F>(p, prev_count, io) }
    }
    #[inline]
    fn ltd_deltas<W: Wt>(self, y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
        unsafe { avx2::ltd_deltas(y, ltd, sh, span) }
    }
    #[inline]
    fn ltp_deltas<W: Wt>(self, x: &[u16], dp: &mut [W], dn: &mut [W], a: LtpArgs) -> u16 {
        unsafe { avx2::ltp_deltas(x, dp, dn, a) }
    }
    #[inline]
    fn sweep<W: Wt, F: Fn(W, W) -> W>(self, blk: &mut [W], dp: &[W], mask: &[W; C], f: F) {
        unsafe { avx2::sweep(blk, dp, mask, f) }
    }
    #[inline]
    fn sweep2<W: Wt>(self, blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W) {
        unsafe { avx2::sweep2(blk, dp, dn, mask, lo, hi) }
    }
}
