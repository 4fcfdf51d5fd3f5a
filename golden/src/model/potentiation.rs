//! Step 4 of the optimized model: potentiation of the spiking neurons' columns, then their y
//! traces.
//!
//! Key decision: the potentiation of every row is computed once per tick as a vector split into
//! a potentiating and a depressing part ([`ltp_deltas`]); each weight block that holds a spiking
//! neuron is then swept once, several rows per vector operation, with the deltas masked to the
//! spiking columns ([`sweep`], [`sweep2`]), instead of one scalar update per row of a row-major
//! matrix (which cost 70 % of the tick).

use super::isa::Isa;
use super::weights::{C, Mat, ROWS, Wt};
use super::{Consts, State};

/// `(ltp_shift, keep mask, ltp_offset, weight span)` of [`ltp_deltas`].
pub(super) type LtpArgs = (u32, u16, u16, u16);

/// Step 4: potentiation of the spiking neurons' columns, then their y traces.
#[inline(always)]
pub(super) fn potentiate<I: Isa, W: Wt>(isa: I, c: &Consts, s: &mut State, m: &mut Mat<W>) {
    if !c.stdp || s.spikes.is_empty() {
        return;
    }
    if s.learning && c.span > 0 {
        if s.delays.is_some() {
            super::delays::ltp(c, s, m);
        } else {
            ltp(isa, c, s, m);
        }
    }
    let (tmax, inc) = (c.trace_max, c.post_inc);
    for &i in &s.spikes {
        let y = &mut s.y[i as usize];
        *y = (*y as u32 + inc).min(tmax) as u16;
    }
}

/// `W[j][i] += (x[j] >> ltp_shift) - ltp_offset`, clamped, for every row j and spiking i.
///
/// The delta of each row is split into a potentiating part `dp` and a depressing part `dn` (one
/// of them 0), clipped to the weight span. Each block that holds a spiking neuron is swept once,
/// with the delta masked to the spiking columns (a delta of 0 leaves a weight unchanged), so the
/// sweep has no data-dependent branch and handles all the block's spiking neurons at once.
#[inline(always)]
pub(super) fn ltp<I: Isa, W: Wt>(isa: I, c: &Consts, s: &mut State, m: &mut Mat<W>) {
    let rows = m.rows;
    let (dp, dn) = (&mut m.dp[..rows], &mut m.dn[..rows]);
    let (span, off) = (c.span, c.ltp_offset.min(u16::MAX as u32) as u16);
    // x >> ltp_shift is 0 for every 16-bit trace when ltp_shift >= 16.
    let sh = c.ltp_shift.min(15);
    let keep = if c.ltp_shift >= 16 { 0 } else { u16::MAX };
    let any_dn = isa.ltp_deltas(&s.x, dp, dn, (sh, keep, off, span));
    let (lo, hi, stride) = (m.lo, m.hi, m.stride);
    let spikes = &s.spikes[..];
    let mut k = 0;
    while k < spikes.len() {
        // The spiking neurons of one block (spikes are ascending).
        let b = spikes[k] as usize / C;
        let mut mask = [W::default(); C];
        while k < spikes.len() && spikes[k] as usize / C == b {
            mask[spikes[k] as usize % C] = W::ONES;
            k += 1;
        }
        let blk = &mut m.w.as_slice_mut().expect("standard layout")[b * stride..][..stride];
        if any_dn == 0 {
            if W::SAT.is_some_and(|(_, max)| max == hi) {
                isa.sweep(blk, dp, &mask, |w, p| w.sat_add(p));
            } else {
                isa.sweep(blk, dp, &mask, |w, p| w.add_ceil(p, hi));
            }
        } else {
            isa.sweep2(blk, dp, dn, &mask, lo, hi);
        }
    }
}

/// The deltas of step 4 per row: `dp = (x >> sh) - off` where positive, `dn = off - (x >> sh)`
/// where positive (`keep` = 0 zeroes the shift for `ltp_shift >= 16`), both clipped to the
/// weight span. Returns non-zero when some `dn` is.
#[inline(always)]
pub(super) fn ltp_deltas<W: Wt>(
    x: &[u16],
    dp: &mut [W],
    dn: &mut [W],
    (sh, keep, off, span): LtpArgs,
) -> u16 {
    let mut any_dn = 0u16;
    if off == 0 {
        for (p, &xv) in dp.iter_mut().zip(x.iter()) {
            *p = W::delta((xv >> sh) & keep, span);
        }
    } else {
        for ((p, q), &xv) in dp.iter_mut().zip(dn.iter_mut()).zip(x.iter()) {
            let t = (xv >> sh) & keep;
            let neg = off.saturating_sub(t);
            any_dn |= neg;
            *p = W::delta(t.saturating_sub(off), span);
            *q = W::delta(neg, span);
        }
    }
    any_dn
}

/// `blk[j][k] = f(blk[j][k], dp[j] & mask[k])` over a block, `ROWS` rows per step.
#[inline(always)]
pub(super) fn sweep<W: Wt>(blk: &mut [W], dp: &[W], mask: &[W; C], f: impl Fn(W, W) -> W) {
    let mut blocks = blk.chunks_exact_mut(C * ROWS);
    let mut ds = dp.chunks_exact(ROWS);
    for (ch, d) in (&mut blocks).zip(&mut ds) {
        let ch: &mut [W; C * ROWS] = ch.try_into().expect("chunk");
        let mut dx = [W::default(); C * ROWS];
        for r in 0..ROWS {
            for k in 0..C {
                dx[r * C + k] = d[r].and(mask[k]);
            }
        }
        for e in 0..C * ROWS {
            ch[e] = f(ch[e], dx[e]);
        }
    }
    for (row, &d) in blocks
        .into_remainder()
        .chunks_exact_mut(C)
        .zip(ds.remainder())
    {
        for k in 0..C {
            row[k] = f(row[k], d.and(mask[k]));
        }
    }
}

/// [`sweep`] with both parts of the delta: potentiate by `dp`, then depress by `dn`.
#[inline(always)]
pub(super) fn sweep2<W: Wt>(blk: &mut [W], dp: &[W], dn: &[W], mask: &[W; C], lo: W, hi: W) {
    let mut blocks = blk.chunks_exact_mut(C * ROWS);
    let (mut ps, mut qs) = (dp.chunks_exact(ROWS), dn.chunks_exact(ROWS));
    for ((ch, p), q) in (&mut blocks).zip(&mut ps).zip(&mut qs) {
        let ch: &mut [W; C * ROWS] = ch.try_into().expect("chunk");
        let mut px = [W::default(); C * ROWS];
        let mut qx = [W::default(); C * ROWS];
        for r in 0..ROWS {
            for k in 0..C {
                px[r * C + k] = p[r].and(mask[k]);
                qx[r * C + k] = q[r].and(mask[k]);
            }
        }
        for e in 0..C * ROWS {
            ch[e] = ch[e].add_ceil(px[e], hi).sub_floor(qx[e], lo);
        }
    }
    let rest = blocks.into_remainder().chunks_exact_mut(C);
    for ((row, &p), &q) in rest.zip(ps.remainder()).zip(qs.remainder()) {
        for k in 0..C {
            row[k] = row[k]
                .add_ceil(p.and(mask[k]), hi)
                .sub_floor(q.and(mask[k]), lo);
        }
    }
}
