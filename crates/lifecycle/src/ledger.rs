//! The signer's activation ledger: which machines hold which license, and
//! which deactivation receipts were spent. The party that activates a
//! license (the key that issued it, see `decide`) keeps one; `entitle
//! activate respond` consults it before signing and appends to it.
//!
//! The rules are here, pure; the file (append-only JSON lines) is the
//! command line's.

use entitle_verify::{Hex, Serial, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::activation::{Activation, FINGERPRINT_LEN, Request, STORE_ID_LEN};
use crate::error::Error;

/// Machines one license may be activated on at a time.
pub const MACHINES_PER_LICENSE: usize = 1;

/// Machines a licence bound to a seat store may be activated on at a
/// time: a primary and a standby seat server.
pub const MACHINES_PER_PAIR: usize = 2;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LedgerEntry {
    /// An activation response was signed.
    Activated {
        /// The license.
        #[serde(with = "hex_bytes")]
        serial: [u8; 8],
        /// The machine.
        #[serde(with = "hex_bytes")]
        fingerprint: [u8; FINGERPRINT_LEN],
        /// The appliance's key for the license.
        #[serde(with = "hex_bytes")]
        appliance: [u8; 32],
        /// The request's nonce: names the activation.
        #[serde(with = "hex_bytes")]
        nonce: [u8; 8],
        /// When, Unix seconds.
        at: u64,
        /// The seat store the activation is bound to (format 2), for a
        /// primary and standby pair.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_opt")]
        store: Option<[u8; STORE_ID_LEN]>,
    },
    /// A deactivation receipt ended the activation `nonce`; it cannot be
    /// spent again.
    ReceiptSpent {
        /// The license.
        #[serde(with = "hex_bytes")]
        serial: [u8; 8],
        /// The activation it ended.
        #[serde(with = "hex_bytes")]
        nonce: [u8; 8],
        /// When, Unix seconds.
        at: u64,
    },
}

/// The ledger, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    entries: Vec<LedgerEntry>,
}

impl Ledger {
    /// A ledger with these entries, oldest first.
    pub fn new(entries: Vec<LedgerEntry>) -> Ledger {
        Ledger { entries }
    }

    /// The activations of `serial` no receipt has ended: (fingerprint,
    /// nonce, when).
    pub fn active(&self, serial: Serial) -> Vec<([u8; FINGERPRINT_LEN], [u8; 8], u64)> {
        let spent = |nonce: &[u8; 8]| {
            self.entries.iter().any(|e| {
                matches!(e, LedgerEntry::ReceiptSpent { serial: s, nonce: n, .. }
                    if *s == serial.0 && n == nonce)
            })
        };
        self.entries
            .iter()
            .filter_map(|e| match e {
                LedgerEntry::Activated {
                    serial: s,
                    fingerprint,
                    nonce,
                    at,
                    ..
                } if *s == serial.0 && !spent(nonce) => Some((*fingerprint, *nonce, *at)),
                _ => None,
            })
            .collect()
    }

    /// The other machines that hold `serial` (not `machine`), each with the
    /// store its newest activation no receipt has ended is bound to (a
    /// machine activated again holds the newest: an appliance keeps one
    /// activation of a licence).
    fn others(
        &self,
        serial: Serial,
        machine: &[u8; FINGERPRINT_LEN],
        ended: Option<&[u8; 8]>,
    ) -> Vec<([u8; FINGERPRINT_LEN], Option<[u8; STORE_ID_LEN]>)> {
        let active: Vec<[u8; 8]> = self.active(serial).iter().map(|a| a.1).collect();
        let mut newest: Vec<([u8; FINGERPRINT_LEN], Option<[u8; STORE_ID_LEN]>)> = Vec::new();
        for entry in &self.entries {
            if let LedgerEntry::Activated {
                serial: s,
                fingerprint,
                nonce,
                store,
                ..
            } = entry
            {
                if *s == serial.0
                    && fingerprint != machine
                    && active.contains(nonce)
                    && ended != Some(nonce)
                {
                    newest.retain(|(f, _)| f != fingerprint);
                    newest.push((*fingerprint, *store));
                }
            }
        }
        newest
    }

    /// Whether `request` may be answered, with `ended` the activation a
    /// (verified) deactivation receipt ended, if one was brought. Returns
    /// the entries to append before the response is handed out.
    ///
    /// - A receipt must end an activation of this license that this ledger
    ///   holds and that no receipt ended yet: a receipt is spent once.
    /// - The machine of the request may hold the license if it holds it
    ///   already (activated again, e.g. after a lost state), or while fewer
    ///   than [`MACHINES_PER_LICENSE`] other machines do.
    ///
    /// A licence bound to a seat store (`store`, format 2) may be held by
    /// two machines at a time, a primary and a standby seat server, both
    /// bound to that one store; while another machine holds it, every
    /// activation, on it or on this machine, is bound to the same store.
    pub fn admit(
        &self,
        request: &Request,
        ended: Option<&Activation>,
        store: Option<[u8; STORE_ID_LEN]>,
        now: u64,
    ) -> Result<Vec<LedgerEntry>, Error> {
        let serial = Serial(request.serial);
        let mut entries = Vec::new();
        let mut active = self.active(serial);
        if let Some(ended) = ended {
            if ended.serial != request.serial {
                return Err(Error::Activation(format!(
                    "the receipt ends license {}, not {serial}",
                    Serial(ended.serial)
                )));
            }
            let held = active
                .iter()
                .position(|(fingerprint, nonce, _)| {
                    *nonce == ended.nonce && *fingerprint == ended.fingerprint
                })
                .ok_or_else(|| {
                    Error::Activation(
                        "the receipt ends an activation this ledger does not hold, or one a receipt ended already: a receipt is spent once".into(),
                    )
                })?;
            active.remove(held);
            entries.push(LedgerEntry::ReceiptSpent {
                serial: serial.0,
                nonce: ended.nonce,
                at: now,
            });
        }
        let others = self.others(serial, &request.fingerprint, ended.map(|e| &e.nonce));
        let mut machines: Vec<[u8; FINGERPRINT_LEN]> = others.iter().map(|o| o.0).collect();
        machines.sort_unstable();
        machines.dedup();
        let since = active.iter().map(|a| a.2).max().unwrap_or_default();
        let pair = store.is_some() && others.iter().all(|(_, bound)| *bound == store);
        let allowed = if pair {
            MACHINES_PER_PAIR
        } else {
            MACHINES_PER_LICENSE
        };
        if machines.len() >= allowed {
            return Err(Error::Activation(if store.is_some() && !pair {
                format!(
                    "license {serial} is activated on another machine (since {}) that is not bound to the same seat store; a standby pair is bound to one store on both machines",
                    Utc(since)
                )
            } else if pair {
                format!(
                    "license {serial} is activated on another machine and its standby (since {}): a pair is two machines; deactivate one and bring its receipt (--receipt)",
                    Utc(since)
                )
            } else {
                format!(
                    "license {serial} is activated on another machine (since {}); deactivate it there and bring its receipt (--receipt)",
                    Utc(since)
                )
            }));
        }
        entries.push(LedgerEntry::Activated {
            serial: serial.0,
            fingerprint: request.fingerprint,
            appliance: request.appliance,
            nonce: request.nonce,
            at: now,
            store,
        });
        Ok(entries)
    }
}

/// An optional byte array as lower-case hex, or absent.
mod hex_opt {
    use super::{Deserializer, Serializer, hex_bytes};

    #[allow(clippy::ref_option)] // serde's `with` hands the field by reference
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &Option<[u8; N]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => hex_bytes::serialize(bytes, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<Option<[u8; N]>, D::Error> {
        hex_bytes::deserialize(deserializer).map(Some)
    }
}

/// Byte arrays as lower-case hex in the ledger's JSON.
mod hex_bytes {
    use super::{Deserialize, Deserializer, Hex, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Hex(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(deserializer)?;
        let invalid = || serde::de::Error::custom(format!("{text:?} is not {N} bytes of hex"));
        if text.len() != N * 2 {
            return Err(invalid());
        }
        let mut out = [0u8; N];
        for (slot, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            *slot = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(out)
    }
}
