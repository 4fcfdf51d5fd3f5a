//! Step 2 of the optimized model: integration, then depression, for every event of a tick.
//!
//! Key decision: the accumulator type is chosen per tick ([`AccAdd`]): with `k` events every
//! partial sum lies in `[k * min(w_min, 0), k * max(w_max, 0)]`, so when that interval fits
//! `i16` (or `i32`) and `acc_bits`, the tick adds without saturating and the result is the
//! reference's; otherwise it saturates after every addition as the reference does. Columns never
//! interact in step 2, so the events are applied group of blocks by group of blocks
//! ([`event_groups`]), the group's accumulators in registers.

use super::isa::Isa;
use super::weights::{C, G, Mat, Wt};
use super::{AccStore, Consts, State};
use crate::arith::clamp;

/// One way of adding a weight into an accumulator lane.
pub(super) trait AccAdd: Copy {
    type T: Copy + Default;
    fn add<W: Wt>(self, a: Self::T, w: W) -> Self::T;
}

/// `i16`, no saturation (the tick's bound proves none happens).
#[derive(Clone, Copy)]
pub(super) struct Add16;
impl AccAdd for Add16 {
    type T = i16;
    #[inline(always)]
    fn add<W: Wt>(self, a: i16, w: W) -> i16 {
        a.wrapping_add(w.to_i16())
    }
}

/// `i32`, no saturation (the tick's bound proves none happens).
#[derive(Clone, Copy)]
pub(super) struct Add32;
impl AccAdd for Add32 {
    type T = i32;
    #[inline(always)]
    fn add<W: Wt>(self, a: i32, w: W) -> i32 {
        a.wrapping_add(w.to_i32())
    }
}

/// `i32`, saturating to `acc_bits <= 31` after every addition (no `i32` overflow is possible).
#[derive(Clone, Copy)]
pub(super) struct Sat32 {
    pub(super) lo: i32,
    pub(super) hi: i32,
}
impl AccAdd for Sat32 {
    type T = i32;
    #[inline(always)]
    fn add<W: Wt>(self, a: i32, w: W) -> i32 {
        (a + w.to_i32()).max(self.lo).min(self.hi)
    }
}

/// `i64`, saturating after every addition, exactly as the reference.
#[derive(Clone, Copy)]
pub(super) struct Sat64 {
    pub(super) lo: i64,
    pub(super) hi: i64,
}
impl AccAdd for Sat64 {
    type T = i64;
    #[inline(always)]
    fn add<W: Wt>(self, a: i64, w: W) -> i64 {
        clamp(a.saturating_add(w.to_i32() as i64), self.lo, self.hi)
    }
}

/// Step 2: integration, then depression, for each event in order (then the recurrent ones).
#[inline(always)]
pub(super) fn integrate<I: Isa, W: Wt>(
    isa: I,
    c: &Consts,
    s: &mut State,
    m: &mut Mat<W>,
    events: &[u32],
) {
    let State {
        x,
        y,
        events: rows,
        prev_spikes,
        dropped,
        ..
    } = s;
    rows.clear();
    let inputs = c.inputs as u32;
    rows.extend(events.iter().copied().filter(|&e| e < inputs));
    *dropped += (events.len() - rows.len()) as u64;
    if c.rows > c.inputs {
        rows.extend(prev_spikes.iter().map(|&i| inputs + i));
    }
    if c.stdp {
        let (tmax, inc) = (c.trace_max, c.pre_inc);
        for &j in rows.iter() {
            let xj = &mut x[j as usize];
            *xj = (*xj as u32 + inc).min(tmax) as u16;
        }
    }
    if s.delays.is_some() {
        return super::delays::integrate(c, s, m);
    }

    // The depression vector of this tick.
    let mut ltd = false;
    if c.stdp && s.learning && !rows.is_empty() && c.ltd_shift < 16 && c.span > 0 {
        ltd = isa.ltd_deltas(y, &mut m.ltd, c.ltd_shift, c.span);
    }
    let ltd = ltd.then_some((&m.ltd[..], c.symmetric));
    let (stride, lo, hi) = (m.stride, m.lo, m.hi);
    let w = m.w.as_slice_mut().expect("standard layout");

    // Pick the narrowest exact accumulator for this tick's number of events.
    let k = rows.len() as i64;
    let (pos, neg) = (k * c.w_pos, k * c.w_neg);
    let fits = |lo: i64, hi: i64| pos <= hi.min(c.acc_hi) && neg >= lo.max(c.acc_lo);
    let (acc32, acc64) = (&mut s.acc32[..], &mut s.acc64[..]);
    match c.acc_store {
        AccStore::I32 if k == 0 => acc32.fill(0),
        AccStore::I64 if k == 0 => acc64.fill(0),
        AccStore::I32 if fits(i16::MIN as i64, i16::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc32, ltd, lo, hi, Add16)
        }
        AccStore::I64 if fits(i16::MIN as i64, i16::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc64, ltd, lo, hi, Add16)
        }
        AccStore::I32 if fits(i32::MIN as i64, i32::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc32, ltd, lo, hi, Add32)
        }
        AccStore::I64 if fits(i32::MIN as i64, i32::MAX as i64) => {
            events_kernel(isa, w, stride, rows, acc64, ltd, lo, hi, Add32)
        }
        AccStore::I32 => {
            let p = Sat32 {
                lo: c.acc_lo as i32,
                hi: c.acc_hi as i32,
            };
            events_kernel(isa, w, stride, rows, acc32, ltd, lo, hi, p)
        }
        AccStore::I64 => {
            let p = Sat64 {
                lo: c.acc_lo,
                hi: c.acc_hi,
            };
            events_kernel(isa, w, stride, rows, acc64, ltd, lo, hi, p)
        }
    }
}

/// For each event row in order: add the row into the accumulator, then depress the row by `ltd`
/// (`Some((deltas, true))` adds them: the symmetric rule).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn events_kernel<I: Isa, W: Wt, A: AccAdd, O: Copy + From<A::T>>(
    isa: I,
    w: &mut [W],
    stride: usize,
    rows: &[u32],
    acc: &mut [O],
    ltd: Option<(&[W], bool)>,
    lo: W,
    hi: W,
    p: A,
) {
    match ltd {
        None => isa.events(w, stride, rows, acc, &[], p, None::<fn(W, W) -> W>),
        Some((d, false)) if W::SAT.is_some_and(|(min, _)| min == lo) => {
            isa.events(w, stride, rows, acc, d, p, Some(|x: W, d| x.sat_sub(d)))
        }
        Some((d, false)) => isa.events(
            w,
            stride,
            rows,
            acc,
            d,
            p,
            Some(|x: W, d| x.sub_floor(d, lo)),
        ),
        Some((d, true)) if W::SAT.is_some_and(|(_, max)| max == hi) => {
            isa.events(w, stride, rows, acc, d, p, Some(|x: W, d| x.sat_add(d)))
        }
        Some((d, true)) => isa.events(
            w,
            stride,
            rows,
            acc,
            d,
            p,
            Some(|x: W, d| x.add_ceil(d, hi)),
        ),
    }
}

/// [`events_kernel`] with the depression `f(weight, delta)` (or none), group by group of [`G`]
/// blocks: the columns of one group never interact with those of another, so this order gives
/// the reference's result, and a group's accumulators stay in registers across the events.
#[inline(always)]
pub(super) fn event_groups<W: Wt, A: AccAdd, O: Copy + From<A::T>>(
    w: &mut [W],
    stride: usize,
    rows: &[u32],
    acc: &mut [O],
    ltd: &[W],
    p: A,
    f: Option<impl Fn(W, W) -> W>,
) {
    let mut groups = w.chunks_exact_mut(stride * G);
    let mut accs = acc.chunks_exact_mut(C * G);
    let mut b = 0;
    for (grp, acc) in (&mut groups).zip(&mut accs) {
        let (b01, b23) = grp.split_at_mut(2 * stride);
        let (b0, b1) = b01.split_at_mut(stride);
        let (b2, b3) = b23.split_at_mut(stride);
        let mut a = [A::T::default(); C * G];
        if let Some(f) = &f {
            let d: [W; C * G] = ltd[b * C..][..C * G].try_into().expect("C * G");
            for &j in rows {
                let r = j as usize * C..(j as usize + 1) * C;
                let (p0, p1, p2, p3) = (
                    &mut b0[r.clone()],
                    &mut b1[r.clone()],
                    &mut b2[r.clone()],
                    &mut b3[r],
                );
                let mut x = [W::default(); C * G];
                x[..C].copy_from_slice(p0);
                x[C..2 * C].copy_from_slice(p1);
                x[2 * C..3 * C].copy_from_slice(p2);
                x[3 * C..].copy_from_slice(p3);
                for k in 0..C * G {
                    a[k] = p.add(a[k], x[k]);
                    x[k] = f(x[k], d[k]);
                }
                p0.copy_from_slice(&x[..C]);
                p1.copy_from_slice(&x[C..2 * C]);
                p2.copy_from_slice(&x[2 * C..3 * C]);
                p3.copy_from_slice(&x[3 * C..]);
            }
        } else {
            // Read only: add straight from the four pieces (an unused copy would defeat the
            // vectorizer).
            for &j in rows {
                let r = j as usize * C..(j as usize + 1) * C;
                let pieces = [&b0[r.clone()], &b1[r.clone()], &b2[r.clone()], &b3[r]];
                for (q, pc) in pieces.into_iter().enumerate() {
                    let pc: &[W; C] = pc.try_into().expect("C");
                    for k in 0..C {
                        a[q * C + k] = p.add(a[q * C + k], pc[k]);
                    }
                }
            }
        }
        for (o, &v) in acc.iter_mut().zip(&a) {
            *o = v.into();
        }
        b += G;
    }
    // The blocks that do not fill a group, one by one.
    let rest = groups.into_remainder().chunks_exact_mut(stride);
    for (blk, acc) in rest.zip(accs.into_remainder().chunks_exact_mut(C)) {
        let mut a = [A::T::default(); C];
        let d: [W; C] = match &f {
            Some(_) => ltd[b * C..][..C].try_into().expect("C"),
            None => [W::default(); C],
        };
        for &j in rows {
            let x: &mut [W; C] = (&mut blk[j as usize * C..][..C]).try_into().expect("C");
            for k in 0..C {
                a[k] = p.add(a[k], x[k]);
            }
            if let Some(f) = &f {
                for k in 0..C {
                    x[k] = f(x[k], d[k]);
                }
            }
        }
        for (o, &v) in acc.iter_mut().zip(&a) {
            *o = v.into();
        }
        b += 1;
    }
}

/// The deltas of step 2 per neuron: `y >> sh` clipped to the weight span. Returns whether
/// any is non-zero.
#[inline(always)]
pub(super) fn ltd_deltas<W: Wt>(y: &[u16], ltd: &mut [W], sh: u32, span: u16) -> bool {
    let mut any = 0u16;
    for (d, &yv) in ltd.iter_mut().zip(y.iter()) {
        let t = yv >> sh;
        any |= t;
        *d = W::delta(t, span);
    }
    any != 0
}
