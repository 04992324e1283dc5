//! Pasted text to artifact text, and token text to bytes.
//!
//! [`unwrap_paste`] is the one place that decides what a pasted text is:
//! every reader (tokens here, life-cycle artifacts, the command line) calls
//! it, so that no two readers can disagree about a paste. It drops what
//! e-mail and chat put around an artifact: whitespace, quote marks of any
//! language, a byte-order mark, zero-width characters. Whitespace or line
//! breaks inside a token are skipped. Anything else is an error.

use crate::error::Error;
use crate::format::{MAX_ARMORED_LEN, MAX_TOKEN_BYTES, PREFIX};

/// Quote marks that mail and chat programs put around pasted text: ASCII,
/// typographic (English, German, French, Swiss), and CJK corner brackets.
pub const QUOTES: &[char] = &[
    '"', '\'', '`', '\u{201c}', '\u{201d}', '\u{201e}', '\u{201f}', '\u{2018}', '\u{2019}',
    '\u{201a}', '\u{201b}', '\u{ab}', '\u{bb}', '\u{2039}', '\u{203a}', '\u{300c}', '\u{300d}',
    '\u{300e}', '\u{300f}',
];

/// Characters that are invisible in a paste: byte-order mark, zero-width
/// space, joiners, word joiner.
pub const INVISIBLE: &[char] = &['\u{feff}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}'];

/// Whether `c` is dropped around (and, for invisible ones and whitespace,
/// inside) a pasted artifact.
pub fn is_paste_noise(c: char) -> bool {
    is_white_space(c) || QUOTES.contains(&c) || INVISIBLE.contains(&c)
}

/// `char::is_whitespace`, written out: Unicode's White_Space property is
/// these 25 characters, and the standard library's lookup table behind it
/// cost firmware half a kilobyte (a test compares the two over every char).
fn is_white_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// The artifact text inside a paste: `text` without the whitespace, quote
/// marks, byte-order mark and zero-width characters around it. Every reader
/// of tokens and life-cycle artifacts starts here.
///
/// ```
/// use entitle_verify::unwrap_paste;
/// assert_eq!(unwrap_paste("\u{feff} \u{201a}ent1.AAAA\u{2018}\n"), "ent1.AAAA");
/// assert_eq!(unwrap_paste("\u{2039}entr1.BBBB\u{203a}"), "entr1.BBBB");
/// ```
pub fn unwrap_paste(text: &str) -> &str {
    text.trim_matches(is_paste_noise)
}

/// What an armoured text is, by its prefix (docs/lifecycle-format.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    /// A license token, `ent1.`.
    Token,
    /// A partner certificate, `entc1.`.
    Certificate,
    /// A renewal, `entn1.`.
    Renewal,
    /// A revocation list, `entr1.`.
    RevocationList,
    /// An activation request, `entq1.`.
    Request,
    /// An activation response, `enta1.`.
    Activation,
    /// A deactivation receipt, `entd1.`.
    Receipt,
    /// A seat lease from a seat server, `entl1.`.
    Lease,
}

impl ArtifactKind {
    /// Every kind.
    pub const ALL: [ArtifactKind; 8] = [
        ArtifactKind::Token,
        ArtifactKind::Certificate,
        ArtifactKind::Renewal,
        ArtifactKind::RevocationList,
        ArtifactKind::Request,
        ArtifactKind::Activation,
        ArtifactKind::Receipt,
        ArtifactKind::Lease,
    ];

    /// The armour prefix, e.g. `entc1.`.
    pub const fn prefix(self) -> &'static str {
        match self {
            ArtifactKind::Token => crate::format::PREFIX,
            ArtifactKind::Certificate => "entc1.",
            ArtifactKind::Renewal => "entn1.",
            ArtifactKind::RevocationList => "entr1.",
            ArtifactKind::Request => "entq1.",
            ArtifactKind::Activation => "enta1.",
            ArtifactKind::Receipt => "entd1.",
            ArtifactKind::Lease => "entl1.",
        }
    }

    /// The name used in messages.
    pub const fn name(self) -> &'static str {
        match self {
            ArtifactKind::Token => "license token",
            ArtifactKind::Certificate => "partner certificate",
            ArtifactKind::Renewal => "renewal",
            ArtifactKind::RevocationList => "revocation list",
            ArtifactKind::Request => "activation request",
            ArtifactKind::Activation => "activation response",
            ArtifactKind::Receipt => "deactivation receipt",
            ArtifactKind::Lease => "seat lease",
        }
    }

    /// The kind of a pasted text, after [`unwrap_paste`]; `None` when it
    /// starts with no known prefix.
    pub fn of(text: &str) -> Option<ArtifactKind> {
        let text = unwrap_paste(text);
        ArtifactKind::ALL
            .into_iter()
            .find(|kind| text.starts_with(kind.prefix()))
    }
}

fn is_base64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The armour prefix (`ent1.`, `entc1.`, an unknown `ent7.` too) that
/// starts at the beginning of `text`, if any.
fn prefix_at(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("ent")?;
    let letter = usize::from(rest.starts_with(|c: char| c.is_ascii_lowercase()));
    let after = rest.get(letter..)?;
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && after.get(digits..)?.starts_with('.')).then(|| {
        3usize
            .saturating_add(letter)
            .saturating_add(digits)
            .saturating_add(1)
    })
}

/// Why a pasted line cannot be read unambiguously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasteError {
    /// Where, in characters from the start of the line (0-based).
    pub offset: usize,
    /// The character found there.
    pub found: char,
}

impl core::fmt::Display for PasteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the artifact stops making sense at character {}: {:?} is not base64url, and more text follows it (a typo? or put a space before what follows)",
            self.offset.saturating_add(1),
            self.found
        )
    }
}

/// The artifacts (tokens, certificates, lists, ...) in one line of a
/// paste, each with its character offset in the line: what mail and chat
/// put around them (quote marks, a `> ` mail quote, "License key:", a
/// sentence, a full stop or comma after) is left out, and two artifacts
/// glued together are told apart. A character that joins more text to an
/// artifact (`ent1.AbC*dEf`) makes the line ambiguous: an error naming it.
///
/// ```
/// use entitle_verify::artifacts;
/// # fn main() -> Result<(), entitle_verify::PasteError> {
/// let line = "> License key: \u{201e}ent1.AbC\u{201c}, list entr1.DeF.";
/// let found: Vec<_> = artifacts(line).collect::<Result<_, _>>()?;
/// assert_eq!(found, [(16, "ent1.AbC"), (32, "entr1.DeF")]);
/// let glued: Vec<_> = artifacts("ent1.AbCentr1.DeF").collect::<Result<_, _>>()?;
/// assert_eq!(glued, [(0, "ent1.AbC"), (8, "entr1.DeF")]);
/// assert!(artifacts("ent1.AbC*dEf").all(|found| found.is_err()));
/// # Ok(())
/// # }
/// ```
pub fn artifacts(line: &str) -> Artifacts<'_> {
    Artifacts {
        line,
        at: 0,
        glued: false,
    }
}

/// Iterator over the artifacts of a line; see [`artifacts`].
#[derive(Debug, Clone)]
pub struct Artifacts<'a> {
    line: &'a str,
    /// Byte position to search from.
    at: usize,
    /// Whether an artifact glued to the last one starts at `at`.
    glued: bool,
}

impl<'a> Iterator for Artifacts<'a> {
    type Item = Result<(usize, &'a str), PasteError>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.line;
        // The next prefix that starts a word (after a character that cannot
        // be part of an artifact).
        let start = line
            .char_indices()
            .filter(|&(i, _)| i >= self.at)
            .find(|&(i, _)| {
                let boundary = (self.glued && i == self.at)
                    || line
                        .get(..i)
                        .and_then(|before| before.chars().next_back())
                        .is_none_or(|c| !is_base64url(c) && c != '.');
                boundary && line.get(i..).and_then(prefix_at).is_some()
            })
            .map(|(i, _)| i)?;
        let rest = line.get(start..)?;
        let prefix = prefix_at(rest)?;
        let body = rest.get(prefix..)?;
        let mut end = body
            .char_indices()
            .find(|&(_, c)| !is_base64url(c))
            .map_or(body.len(), |(i, _)| i);
        // Glued: the run ends with the stem of another prefix and its `.`.
        let stem = (1..end).find(|&i| {
            body.get(i..).and_then(prefix_at) == Some(end.saturating_sub(i).saturating_add(1))
        });
        self.glued = stem.is_some();
        if let Some(stem) = stem {
            end = stem;
        }
        let stop = start.saturating_add(prefix).saturating_add(end);
        self.at = stop;
        let offset = line.get(..start).map_or(0, |b| b.chars().count());
        // What follows must end the artifact: nothing, a space, punctuation
        // or a quote, or the next artifact; never more base64url text.
        let after = line.get(stop..).unwrap_or_default();
        let mut chars = after.chars();
        if let Some(next) = chars.next() {
            let then = chars.as_str();
            let continues = !self.glued
                && !next.is_whitespace()
                && then.starts_with(is_base64url)
                && prefix_at(then).is_none();
            if continues {
                self.at = line.len();
                let position = line.get(..stop).map_or(0, |b| b.chars().count());
                return Some(Err(PasteError {
                    offset: position,
                    found: next,
                }));
            }
        }
        Some(Ok((offset, line.get(start..stop)?)))
    }
}

/// Decodes armoured token text into `buf`, returning the bytes written.
pub(crate) fn decode<'b>(text: &str, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    let text = unwrap_paste(text);
    let body = strip_prefix(text)?;
    if body
        .bytes()
        .any(|b| !b.is_ascii() || b.is_ascii_whitespace())
    {
        let mut compact = [0u8; MAX_ARMORED_LEN];
        let mut len = 0usize;
        for (i, c) in body
            .chars()
            .filter(|&c| !is_white_space(c) && !INVISIBLE.contains(&c))
            .enumerate()
        {
            let byte = u8::try_from(c).map_err(|_| Error::Encoding {
                offset: PREFIX.len().saturating_add(i),
                found: Some(c),
            })?;
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

/// Decodes exactly `ent1.` + base64url into `buf`, nothing around or
/// inside it: the firmware's reader of a token it stored itself.
pub(crate) fn decode_exact<'b>(text: &str, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    decode_base64(strip_prefix(text)?.as_bytes(), buf)
}

fn strip_prefix(text: &str) -> Result<&str, Error> {
    if let Some(body) = text.strip_prefix(PREFIX) {
        return Ok(body);
    }
    // "ent2.", "ent17." ...: a token of another format version (digits
    // read by hand: `str::parse` and a char searcher cost firmware code).
    let version = text.strip_prefix("ent").and_then(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = rest.as_bytes().split_at_checked(digits)?;
        if number.is_empty() || after.first() != Some(&b'.') {
            return None;
        }
        number.iter().try_fold(0u8, |version, &d| {
            version.checked_mul(10)?.checked_add(d.wrapping_sub(b'0'))
        })
    });
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
    let at = |i: usize, byte: Option<u8>| Error::Encoding {
        offset: PREFIX.len().saturating_add(i),
        found: byte.map(char::from),
    };
    // Strict, unpadded base64url (RFC 4648 section 5), written out: the
    // generic engine of the `base64` crate cost 3 KB of firmware code.
    // The first character outside the alphabet is named with its offset; a
    // left-over of 1 character, a '=' or set trailing bits (a non-canonical
    // encoding) are refused at the end.
    let out = buf.get_mut(..len).ok_or(at(chars.len(), None))?;
    let mut acc: u32 = 0; // the bits not yet written, `bits` of them
    let mut bits: u32 = 0;
    let mut written = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        let value = match BASE64URL.get(usize::from(c)).copied().unwrap_or(INVALID) {
            INVALID if c == b'=' => return Err(at(chars.len(), None)),
            INVALID => return Err(at(i, Some(c))),
            value => value,
        };
        acc = acc.wrapping_shl(6) | u32::from(value);
        bits = bits.wrapping_add(6);
        if bits >= 8 {
            bits = bits.wrapping_sub(8);
            let [.., byte] = acc.wrapping_shr(bits).to_be_bytes();
            acc &= 1u32.wrapping_shl(bits).wrapping_sub(1);
            *out.get_mut(written).ok_or(at(chars.len(), None))? = byte;
            written = written.wrapping_add(1);
        }
    }
    // 6 bits left: one character over; any left bit set: not canonical.
    if bits >= 6 || acc != 0 || written != len {
        return Err(at(chars.len(), None));
    }
    Ok(out)
}

/// Not a base64url character.
const INVALID: u8 = 0xFF;

/// The value of each base64url character, `INVALID` for any other byte.
// Evaluated by the compiler: an index out of range fails the build, never
// the appliance.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const BASE64URL: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    // Offsets in test expectations; the decoder itself keeps the lints.
    #![allow(clippy::arithmetic_side_effects)]

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    use super::{Error, MAX_TOKEN_BYTES, PREFIX, decode_base64};

    #[test]
    fn white_space_is_char_is_whitespace_for_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(super::is_white_space(c), c.is_whitespace(), "{:?}", c);
        }
    }

    proptest! {
        /// The hand-written decoder accepts exactly what the `base64`
        /// crate's strict, unpadded base64url engine accepts, gives the
        /// same bytes, and names the first character outside the alphabet.
        #[test]
        fn decodes_exactly_as_the_base64_crate(text in "[A-Za-z0-9_=+/ .-]{0,160}") {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let ours = decode_base64(text.as_bytes(), &mut buf).map(<[u8]>::to_vec);
            match URL_SAFE_NO_PAD.decode(text.as_bytes()) {
                Ok(bytes) => prop_assert_eq!(ours, Ok(bytes)),
                // The crate names some bad character; this decoder the first.
                Err(base64::DecodeError::InvalidByte(..)) if !text.contains('=') => {
                    let first = text
                        .char_indices()
                        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
                    let expected = first.map(|(at, c)| Error::Encoding {
                        offset: PREFIX.len() + at,
                        found: Some(c),
                    });
                    prop_assert_eq!(ours.err(), expected);
                }
                Err(_) => prop_assert!(ours.is_err()),
            }
        }

        #[test]
        fn round_trips_every_byte_string(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let text = URL_SAFE_NO_PAD.encode(&bytes);
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            prop_assert_eq!(decode_base64(text.as_bytes(), &mut buf), Ok(&bytes[..]));
        }
    }
}
