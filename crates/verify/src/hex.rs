//! Lower-case hex for bytes in messages, key ids and serials: the one hex
//! encoder of entitle.

use core::fmt;

/// Displays bytes as lower-case hex: `Hex(&[0xab, 0x01])` is `ab01`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 32 bytes at a time through a stack buffer: one `write_str` per
        // chunk instead of a formatting call per byte.
        let mut buf = [0u8; 64];
        for chunk in self.0.chunks(32) {
            for (pair, byte) in buf.chunks_exact_mut(2).zip(chunk) {
                pair.copy_from_slice(&[digit(byte >> 4), digit(byte & 0x0f)]);
            }
            let text = buf.get(..chunk.len().saturating_mul(2)).unwrap_or_default();
            f.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

/// The lowercase hex digit of a nibble (0 to 15).
fn digit(nibble: u8) -> u8 {
    if nibble < 10 {
        nibble.wrapping_add(b'0')
    } else {
        nibble.wrapping_add(b'a' - 10)
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    use super::Hex;

    #[test]
    fn hex_is_two_lowercase_digits_per_byte_at_any_length() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in [0, 1, 31, 32, 33, 64, 256] {
            let expected: String = bytes[..len].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(format!("{}", Hex(&bytes[..len])), expected);
        }
    }
}
