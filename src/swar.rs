//! Bytes of a word tested together ("SIMD within a register"): the reading of short filter
//! values and of percent-encoded query strings, eight bytes at a time, with no unsafe code.

/// `0x01` in every byte of a word.
pub(crate) const ONES: u64 = u64::from_le_bytes([1; 8]);

/// The high bit of each byte of `word` that is zero, and maybe of bytes above one that is
/// (a borrow runs upward): nonzero exactly when some byte is zero, and its lowest flag is
/// always exact (the first zero byte, in little-endian order).
pub(crate) fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & (ONES << 7)
}

/// The flags of [`zero_bytes`] for the bytes of `word` equal to `byte`.
pub(crate) fn bytes_equal(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ (ONES * u64::from(byte)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a byte-by-byte reading: whether a byte matches, and where the first one is.
    #[test]
    fn flags_find_the_first_equal_byte() {
        let bytes = [0u8, 1, b'%', b'+', 0x7F, 0x80, 0xA5, 0xFF, b'a'];
        for a in bytes {
            for b in bytes {
                for at in 0..8 {
                    let mut word = [a; 8];
                    word[at] = b;
                    let w = u64::from_le_bytes(word);
                    for target in bytes {
                        let first = word.iter().position(|&x| x == target);
                        let flags = bytes_equal(w, target);
                        assert_eq!(flags != 0, first.is_some(), "{word:?} {target}");
                        if let Some(i) = first {
                            assert_eq!(flags.trailing_zeros() / 8, i as u32, "{word:?} {target}");
                        }
                    }
                }
            }
        }
    }
}
