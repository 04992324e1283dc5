//! Order ids and the serials derived from them: the same order always
//! yields the same licence serial under one vendor key, so a re-run CI job
//! re-mints the same licence (stacking counts a serial once) instead of a
//! second one (docs/format.md, "Serials of orders").

use entitle_verify::{KeyId, Serial};
use sha2::{Digest as _, Sha512};

use crate::error::{Error, invalid};

/// Longest order id.
pub const MAX_ORDER_LEN: usize = 64;

/// Domain separation of the derivation: no other hash in entitle starts so.
const ORDER_SERIAL_CONTEXT: &[u8] = b"entitle order serial v1\0";

/// Checks an order id: 1 to 64 characters of `A-Z a-z 0-9 . _ - : / #`,
/// starting with a letter or digit (what ERP order numbers look like, and
/// nothing that needs quoting in CSV, JSON or a shell).
pub fn check_order_id(order: &str) -> Result<(), Error> {
    let ok = order.len() <= MAX_ORDER_LEN
        && order
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && order.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'/' | b'#')
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "order",
            format!(
                "{order:?} is not an order id: 1 to {MAX_ORDER_LEN} characters of \
                 A-Z a-z 0-9 . _ - : / #, starting with a letter or digit"
            ),
        ))
    }
}

/// The serial of order `order` under the key `key_id`: the first 8 bytes
/// of SHA-512(`"entitle order serial v1\0"` ‖ key id (4 bytes) ‖ length of
/// the order id (1 byte) ‖ order id). Another vendor key gives another
/// serial, so two vendors' order numbers never collide.
pub fn order_serial(key_id: KeyId, order: &str) -> Result<Serial, Error> {
    check_order_id(order)?;
    let mut hash = Sha512::new();
    hash.update(ORDER_SERIAL_CONTEXT);
    hash.update(key_id.0);
    hash.update([u8::try_from(order.len()).unwrap_or(u8::MAX)]);
    hash.update(order.as_bytes());
    let digest = hash.finalize();
    let mut serial = [0u8; 8];
    serial.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    Ok(Serial(serial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_depends_on_order_and_key_only() {
        let a = order_serial(KeyId([1, 2, 3, 4]), "SO-2026-0001").ok();
        assert_eq!(a, order_serial(KeyId([1, 2, 3, 4]), "SO-2026-0001").ok());
        assert_ne!(a, order_serial(KeyId([1, 2, 3, 5]), "SO-2026-0001").ok());
        assert_ne!(a, order_serial(KeyId([1, 2, 3, 4]), "SO-2026-0002").ok());
    }

    #[test]
    fn a_known_order_gives_its_documented_serial() {
        // The example of docs/format.md, "Serials of orders", which Python's
        // hashlib computes too.
        let serial = order_serial(KeyId([0x99, 0xe8, 0x52, 0x89]), "SO-2026-0001");
        assert_eq!(
            serial.map(|s| entitle_verify::Hex(&s.0).to_string()).ok(),
            Some(String::from("c8203e0d3710b0aa"))
        );
    }

    #[test]
    fn odd_order_ids_are_refused() {
        for bad in ["", "-x", "a b", "a,b", "a;b", "ä", &"9".repeat(65)] {
            assert!(check_order_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_order_id("SO/2026#17:a.b_c-d").is_ok());
    }
}
