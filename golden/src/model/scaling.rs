//! Step 5 of the optimized model: synaptic scaling of every neuron's column, block by block of
//! the weight layout. The ratio and the scaled weight are [`crate::rules::scaling_ratio`] and
//! [`crate::rules::scaled_weight`], shared with the reference.

use super::Consts;
use super::weights::{C, Mat, Wt};
use crate::rules;

/// Step 5: synaptic scaling of every neuron's column toward `normalize_target`. A neuron whose
/// column sum is not positive gets the ratio `2^16`, which leaves its weights as they are.
#[inline(always)]
pub(super) fn scale<W: Wt>(c: &Consts, m: &mut Mat<W>) {
    let (lo, hi) = (c.w_min, c.w_max);
    let target = c.norm_target;
    let stride = m.stride;
    for blk in m.flat().chunks_exact_mut(stride) {
        let mut r = [0i64; C];
        for row in blk.chunks_exact(C) {
            for k in 0..C {
                r[k] += row[k].to_i32() as i64;
            }
        }
        for v in r.iter_mut() {
            *v = rules::scaling_ratio(target, *v).unwrap_or(1 << 16);
        }
        for row in blk.chunks_exact_mut(C) {
            for k in 0..C {
                row[k] =
                    W::from_i32(rules::scaled_weight(row[k].to_i32() as i64, r[k], lo, hi) as i32);
            }
        }
    }
}
