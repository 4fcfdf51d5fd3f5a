//! Lava's weight preprocessing: what Lava 0.10's bit-accurate `Dense` (`PyDenseModelBitAcc`)
//! does to its weight matrix before it sums anything, so a matrix written for Lava runs here as
//! it runs there (docs/model.md, "Lava's weight preprocessing"; the config key
//! `synapse.lava_weight_bits`).
//!
//! Key decision: the model itself sums the weights it is given; this preprocessing is an option
//! of the weight loader, applied once to the matrix read from `init_file`, like Lava applies it
//! once at its first tick. Written from Lava's documented behaviour (`determine_sign_mode`,
//! `clip_weights(.., num_bits = 8)`, `truncate_weights(.., num_weight_bits)`), not copied.

use ndarray::Array2;

/// The sign mode Lava determines from a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMode {
    /// Every weight `>= 0` (also the all-zero matrix).
    Excitatory,
    /// Every weight `<= 0`, some below 0.
    Inhibitory,
    /// Weights of both signs.
    Mixed,
}

/// Lava's `determine_sign_mode`: excitatory when the minimum is at least 0, else inhibitory
/// when the maximum is at most 0, else mixed.
pub fn sign_mode(w: &Array2<i32>) -> SignMode {
    let min = w.iter().copied().min().unwrap_or(0);
    let max = w.iter().copied().max().unwrap_or(0);
    if min >= 0 {
        SignMode::Excitatory
    } else if max <= 0 {
        SignMode::Inhibitory
    } else {
        SignMode::Mixed
    }
}

/// One weight through Lava's clip to 8 bits and truncation to `num_weight_bits` (1..=8) in
/// sign mode `mode`: an inhibitory weight is negated, processed and negated back; the clip range
/// is `0..=255` (`-256..=255` when mixed); the truncation clears the low `8 - num_weight_bits`
/// bits, one more when mixed (a floor shift: a negative weight moves down).
pub fn dense_weight(w: i32, mode: SignMode, num_weight_bits: u32) -> i32 {
    let mixed = mode == SignMode::Mixed;
    let inh = mode == SignMode::Inhibitory;
    let w = if inh { -w } else { w };
    let lo = if mixed { -256 } else { 0 };
    let w = w.clamp(lo, 255);
    let k = 8 - num_weight_bits + mixed as u32;
    let w = (w >> k) << k;
    if inh { -w } else { w }
}

/// The matrix as Lava's bit-accurate `Dense` sums it, for `num_weight_bits` (1..=8, Lava's
/// default 8): the sign mode of the whole matrix, then [`dense_weight`] on every weight. A mixed
/// matrix loses its least significant bit even at 8 bits.
pub fn dense_weights(w: &Array2<i32>, num_weight_bits: u32) -> Array2<i32> {
    assert!(
        (1..=8).contains(&num_weight_bits),
        "num_weight_bits {num_weight_bits} outside 1..=8"
    );
    let mode = sign_mode(w);
    w.mapv(|x| dense_weight(x, mode, num_weight_bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_mixed_matrix_loses_its_least_significant_bit_at_8_bits() {
        let w = array![[5, -5], [127, -128], [255, -255]];
        assert_eq!(sign_mode(&w), SignMode::Mixed);
        // floor to even: 5 -> 4, -5 -> -6, 127 -> 126, -255 -> -256
        assert_eq!(
            dense_weights(&w, 8),
            array![[4, -6], [126, -128], [254, -256]]
        );
    }

    #[test]
    fn one_signed_matrices_keep_8_bits_and_clip() {
        let w = array![[5, 300], [0, 255]];
        assert_eq!(sign_mode(&w), SignMode::Excitatory);
        assert_eq!(dense_weights(&w, 8), array![[5, 255], [0, 255]]);
        let w = array![[-5, -300], [0, -255]];
        assert_eq!(sign_mode(&w), SignMode::Inhibitory);
        // magnitudes are processed: -300 clips to -255; no bit lost at 8 bits
        assert_eq!(dense_weights(&w, 8), array![[-5, -255], [0, -255]]);
        assert_eq!(sign_mode(&array![[0, 0]]), SignMode::Excitatory);
    }

    #[test]
    fn fewer_weight_bits_clear_more_low_bits_toward_minus_infinity_or_zero() {
        // excitatory, 6 bits: the low 2 bits cleared
        assert_eq!(dense_weights(&array![[7, 255]], 6), array![[4, 252]]);
        // inhibitory, 6 bits: the magnitude's low 2 bits cleared (toward 0)
        assert_eq!(dense_weights(&array![[-7, -1]], 6), array![[-4, 0]]);
        // mixed, 6 bits: 3 bits cleared by a floor shift
        assert_eq!(
            dense_weights(&array![[7, -1], [9, -9]], 6),
            array![[0, -8], [8, -16]]
        );
    }
}
