//! Hardware arithmetic as named operations.
//!
//! Every saturating add, arithmetic shift, clamp and decay of the model is one of these functions;
//! the golden model uses them for its values and the Verilog generator uses the range helpers to
//! size its signals, so the two cannot disagree on a bound. Values are carried in `i64`, which holds
//! every quantity of the model (at most 32-bit state, 16-bit weights, 48-bit products) with room to
//! compute one operation "wide" before the result is narrowed.

/// Arithmetic (floor) right shift, as Verilog's `>>>` on a signed value. A shift of 63 or more
/// gives 0 or -1.
#[inline(always)]
pub fn asr(v: i64, shift: u32) -> i64 {
    v >> shift.min(63)
}

/// Smallest value of a signed two's-complement number of `bits` bits (1..=63).
#[inline(always)]
pub const fn signed_min(bits: u32) -> i64 {
    -(1i64 << (bits - 1))
}

/// Largest value of a signed two's-complement number of `bits` bits (1..=63).
#[inline(always)]
pub const fn signed_max(bits: u32) -> i64 {
    (1i64 << (bits - 1)) - 1
}

/// Largest value of an unsigned number of `bits` bits (0..=62).
#[inline(always)]
pub const fn unsigned_max(bits: u32) -> i64 {
    (1i64 << bits) - 1
}

/// Clamp `v` to `[lo, hi]` (`lo <= hi`).
#[inline(always)]
pub fn clamp(v: i64, lo: i64, hi: i64) -> i64 {
    v.max(lo).min(hi)
}

/// Saturate to a signed `bits`-bit range.
#[inline(always)]
pub fn sat_signed(v: i64, bits: u32) -> i64 {
    clamp(v, signed_min(bits), signed_max(bits))
}

/// Saturate to an unsigned `bits`-bit range (negative values become 0).
#[inline(always)]
pub fn sat_unsigned(v: i64, bits: u32) -> i64 {
    clamp(v, 0, unsigned_max(bits))
}

/// Exponential decay by a shift: `x - (x >> shift)`; a shift of 0 means no decay.
#[inline(always)]
pub fn decay(x: i64, shift: u32) -> i64 {
    if shift == 0 { x } else { x - asr(x, shift) }
}

/// Saturating increment of an unsigned `bits`-bit quantity (traces, theta).
#[inline(always)]
pub fn sat_inc(x: i64, inc: i64, bits: u32) -> i64 {
    sat_unsigned(x + inc, bits)
}

/// Number of bits needed to hold the unsigned value `v` (at least 1).
pub const fn bits_unsigned(v: u64) -> u32 {
    if v == 0 { 1 } else { 64 - v.leading_zeros() }
}

/// Number of bits of a signed number that holds every value of `[lo, hi]` (at least 1).
pub const fn bits_signed(lo: i64, hi: i64) -> u32 {
    let mut b = 1;
    while b < 64 && (lo < signed_min(b) || hi > signed_max(b)) {
        b += 1;
    }
    b
}

/// `ceil(log2(n))` for address widths: the bits needed to index `n` entries (at least 1).
pub const fn addr_bits(n: u64) -> u32 {
    if n <= 2 {
        1
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// Division rounding toward zero, as C and Lava's `div0` (`b != 0`).
#[inline(always)]
pub fn div0(a: i64, b: i64) -> i64 {
    a / b
}

/// Wrap to 24 bits exactly as Lava 0.10's bit-accurate LIF does: a value above `2^23` moves down
/// by `2^24`, a value at or below `-2^23` moves up by `2^24`, once.
#[inline(always)]
pub fn wrap24_lava(v: i64) -> i64 {
    const M: i64 = 1 << 23;
    if v > M {
        v - 2 * M
    } else if v <= -M {
        v + 2 * M
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asr_is_floor_division_by_power_of_two() {
        assert_eq!(asr(-1, 4), -1);
        assert_eq!(asr(-17, 4), -2);
        assert_eq!(asr(17, 4), 1);
        assert_eq!(asr(-5, 70), -1);
        assert_eq!(asr(5, 70), 0);
    }

    #[test]
    fn decay_of_zero_shift_is_identity_and_small_values_stick() {
        assert_eq!(decay(100, 0), 100);
        assert_eq!(decay(7, 3), 7); // 7 >> 3 == 0: traces below 2^shift never reach zero
        assert_eq!(decay(64, 3), 56);
        assert_eq!(decay(-64, 3), -56);
        assert_eq!(decay(-1, 3), 0); // -1 >> 3 == -1
    }

    #[test]
    fn ranges_and_widths() {
        assert_eq!(signed_min(16), -32768);
        assert_eq!(signed_max(16), 32767);
        assert_eq!(unsigned_max(8), 255);
        assert_eq!(sat_signed(40000, 16), 32767);
        assert_eq!(sat_unsigned(-3, 8), 0);
        assert_eq!(sat_inc(250, 64, 8), 255);
        assert_eq!(bits_unsigned(0), 1);
        assert_eq!(bits_unsigned(255), 8);
        assert_eq!(bits_unsigned(256), 9);
        assert_eq!(bits_signed(-128, 127), 8);
        assert_eq!(bits_signed(0, 128), 9);
        assert_eq!(bits_signed(-1, 0), 1);
        assert_eq!(addr_bits(1), 1);
        assert_eq!(addr_bits(2), 1);
        assert_eq!(addr_bits(3), 2);
        assert_eq!(addr_bits(256), 8);
        assert_eq!(addr_bits(257), 9);
    }

    #[test]
    fn lava_wrap_is_asymmetric_like_lava() {
        let m = 1i64 << 23;
        assert_eq!(wrap24_lava(m), m); // exactly 2^23 is not wrapped (Lava's `>` test)
        assert_eq!(wrap24_lava(m + 1), 1 - m);
        assert_eq!(wrap24_lava(-m), m);
        assert_eq!(wrap24_lava(-m + 1), -m + 1);
        assert_eq!(div0(-7, 2), -3);
    }
}
