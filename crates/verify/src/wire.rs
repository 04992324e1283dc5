//! Reading the primitives of the wire format from a byte slice.
//!
//! Varints and strings use postcard's encoding (LEB128 varints, strings as
//! varint length + UTF-8), read with postcard and held to one extra rule:
//! a varint must use its shortest form, so that every token has exactly one
//! encoding. Timestamps are fixed 4-byte big-endian Unix seconds.

use crate::error::{Error, Field};

/// A cursor over the bytes of a token body.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Takes `N` raw bytes.
    pub(crate) fn array<const N: usize>(&mut self, field: Field) -> Result<[u8; N], Error> {
        let (head, rest) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(Error::Truncated(field))?;
        self.rest = rest;
        Ok(*head)
    }

    /// Takes a canonical LEB128 varint of at most 32 bits.
    pub(crate) fn varint(&mut self, field: Field) -> Result<u32, Error> {
        let (value, rest) = postcard::take_from_bytes::<u32>(self.rest).map_err(|e| match e {
            postcard::Error::DeserializeUnexpectedEnd => Error::Truncated(field),
            _ => Error::Invalid(field),
        })?;
        let used = self.rest.len().saturating_sub(rest.len());
        if used != varint_len(value) {
            return Err(Error::Invalid(field));
        }
        self.rest = rest;
        Ok(value)
    }

    /// Takes a 4-byte big-endian timestamp.
    pub(crate) fn time(&mut self, field: Field) -> Result<u64, Error> {
        Ok(u64::from(u32::from_be_bytes(self.array::<4>(field)?)))
    }

    /// Takes a length-prefixed UTF-8 string.
    pub(crate) fn str(&mut self, field: Field) -> Result<&'a str, Error> {
        let len = usize::try_from(self.varint(field)?).map_err(|_| Error::Invalid(field))?;
        let (bytes, rest) = self
            .rest
            .split_at_checked(len)
            .ok_or(Error::Truncated(field))?;
        self.rest = rest;
        core::str::from_utf8(bytes).map_err(|_| Error::Invalid(field))
    }

    /// Takes everything that is left as UTF-8.
    pub(crate) fn rest_str(&mut self, field: Field) -> Result<&'a str, Error> {
        let bytes = core::mem::take(&mut self.rest);
        core::str::from_utf8(bytes).map_err(|_| Error::Invalid(field))
    }
}

/// Bytes of the shortest LEB128 encoding of `value`.
pub(crate) const fn varint_len(value: u32) -> usize {
    match value {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}
