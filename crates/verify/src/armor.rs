//! Token text to bytes: the `ent1.` prefix, then base64url without padding.
//!
//! Reading is forgiving of what e-mail and chat do to a pasted token:
//! surrounding whitespace and quotes are dropped, and whitespace or line
//! breaks inside the token are skipped. Anything else is an error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;
use crate::format::{MAX_ARMORED_LEN, MAX_TOKEN_BYTES, PREFIX};

/// Quote marks that mail and chat programs put around pasted text.
const QUOTES: &[char] = &[
    '"', '\'', '`', '\u{201c}', '\u{201d}', '\u{201e}', '\u{2018}', '\u{2019}', '\u{201a}',
    '\u{ab}', '\u{bb}', '\u{2039}', '\u{203a}',
];

/// Decodes armoured token text into `buf`, returning the bytes written.
pub(crate) fn decode<'b>(text: &str, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
    let body = strip_prefix(text)?;
    if body
        .bytes()
        .any(|b| !b.is_ascii() || b.is_ascii_whitespace())
    {
        let mut compact = [0u8; MAX_ARMORED_LEN];
        let mut len = 0usize;
        for c in body.chars().filter(|c| !c.is_whitespace()) {
            let byte = u8::try_from(c).map_err(|_| Error::Encoding)?;
            let slot = compact.get_mut(len).ok_or(Error::TooLong {
                len: body.len(),
                max: MAX_ARMORED_LEN,
            })?;
            *slot = byte;
            len = len.saturating_add(1);
        }
        decode_base64(compact.get(..len).unwrap_or_default(), buf)
    } else {
        decode_base64(body.as_bytes(), buf)
    }
}

fn strip_prefix(text: &str) -> Result<&str, Error> {
    if let Some(body) = text.strip_prefix(PREFIX) {
        return Ok(body);
    }
    // "ent2.", "ent17." ...: a token of another format version.
    let version = text
        .strip_prefix("ent")
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(digits, _)| digits.parse::<u8>().ok());
    Err(match version {
        Some(version) => Error::UnsupportedArmor { version },
        None => Error::Prefix,
    })
}

fn decode_base64<'b>(chars: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    // Unpadded base64: every 4 characters carry 3 bytes; 2 or 3 left over
    // carry 1 or 2 more. The decoder below refuses a left-over of 1.
    let len = (chars.len() / 4)
        .saturating_mul(3)
        .saturating_add(match chars.len() % 4 {
            2 => 1,
            3 => 2,
            _ => 0,
        });
    let max = buf.len().min(MAX_TOKEN_BYTES);
    if len > max {
        return Err(Error::TooLong { len, max });
    }
    let written = URL_SAFE_NO_PAD
        .decode_slice(chars, buf)
        .map_err(|_| Error::Encoding)?;
    buf.get(..written).ok_or(Error::Encoding)
}
