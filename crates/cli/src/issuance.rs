//! The issuance ledger: every licence a vendor issued, renewed or revoked,
//! one JSON line each, appended before the artifact is printed and never
//! rewritten (docs/ci.md). It answers "what did we sell to FIRMA-000123",
//! makes a re-run order print the licence it issued the first time, and
//! turns an order id into the serials `revoke --order` destroys.

use std::path::{Path, PathBuf};

use entitle_lifecycle::{RevocationList, Signed};
use entitle_verify::{Hex, KeyId, MAX_TOKEN_BYTES, PublicKey, Serial, Token, Utc, Verifier};
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::ledger;
use crate::order::Request;

/// The environment variable naming the ledger when `--ledger` is not given.
pub const LEDGER_ENV: &str = "ENTITLE_LEDGER";

/// What happened to a serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// A licence was signed.
    Issued,
    /// A renewal was signed for it.
    Renewed,
    /// A revocation list naming it was signed.
    Revoked,
    /// A revocation list naming no licence (certificates or activations
    /// only) was signed; its serial is `-`.
    Listed,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// What happened.
    pub event: Event,
    /// The order id, when the licence has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// The licence serial, 16 hex digits.
    pub serial: String,
    /// Product of the licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Edition of the licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Tenant of the licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Key id of the signer.
    pub signer: String,
    /// For `issued`: the request as ordered (what a re-run must repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// For `renewed`: the new end of term (RFC 3339, none: perpetual).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The signed artifact: the token, the renewal or the revocation list.
    pub artifact: String,
}

impl Entry {
    /// A new entry of `event` at `at` (RFC 3339, `Utc`'s form), signed by
    /// `signer`.
    pub fn new(event: Event, at: &str, serial: Serial, signer: KeyId, artifact: &str) -> Entry {
        Entry {
            at: at.to_string(),
            event,
            order: None,
            serial: Hex(&serial.0).to_string(),
            product: None,
            edition: None,
            tenant: None,
            signer: signer.to_string(),
            request: None,
            expires: None,
            artifact: artifact.to_string(),
        }
    }
}

impl Entry {
    /// Checks an `issued` line against its own licence: the artifact is a
    /// token (signed by `key` when given, and the line names that key),
    /// with the line's serial, product, edition and tenant, and for an
    /// order, the serial derived from the order id and the key id (docs/
    /// format.md, "Serials of orders"). A ledger edited by hand (another
    /// serial, a tenant that is a path, a foreign text) fails here.
    pub fn check_issued(&self, key: Option<&PublicKey>) -> Result<(), String> {
        let altered = |why: String| {
            format!(
                "order {:?}, serial {}: {why}; the ledger was altered",
                self.order.as_deref().unwrap_or("-"),
                self.serial
            )
        };
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&self.artifact, &mut buf)
            .map_err(|e| altered(format!("its licence is not a token ({e})")))?;
        if let Some(key) = key {
            if self.signer != key.id().to_string() {
                return Err(altered(format!(
                    "it names key {}, not {}",
                    self.signer,
                    key.id()
                )));
            }
            Verifier::new(std::slice::from_ref(key))
                .authenticate(token)
                .map_err(|e| {
                    altered(format!(
                        "its licence does not verify under the signing key ({e})"
                    ))
                })?;
        }
        let claims = token.claims();
        let matches = Hex(&token.serial().0).to_string() == self.serial
            && token.key_id().to_string() == self.signer
            && self.product.as_deref().is_none_or(|p| p == claims.product)
            && self.edition.as_deref().is_none_or(|e| e == claims.edition)
            && self.tenant.as_deref() == claims.tenant;
        if !matches {
            return Err(altered("the line does not match its licence".into()));
        }
        if let Some(order) = &self.order {
            let derived = entitle_issue::order_serial(token.key_id(), order)
                .map_err(|e| altered(e.to_string()))?;
            if derived != token.serial() {
                return Err(altered(format!(
                    "serial {} is not the one order {order} gives",
                    token.serial()
                )));
            }
        }
        Ok(())
    }

    /// The entry of a revocation list that names no licence.
    pub fn list(now: u64, signer: KeyId, artifact: &str) -> Entry {
        let mut entry = Entry::new(
            Event::Listed,
            &Utc(now).to_string(),
            Serial([0; 8]),
            signer,
            artifact,
        );
        entry.serial = "-".into();
        entry
    }
}

fn ledger_path(flag: Option<&Path>) -> Option<PathBuf> {
    match flag {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::var_os(LEDGER_ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    }
}

fn missing(why: &str) -> CliError {
    CliError::input(format!(
        "{why} needs the issuance ledger: give --ledger PATH or set {LEDGER_ENV}"
    ))
}

/// How `now` differs from what was first ordered, field by field:
/// `seats 5, now 6`.
fn differences(first: Option<&Request>, now: &Request) -> String {
    let (Ok(first), Ok(serde_json::Value::Object(now))) =
        (serde_json::to_value(first), serde_json::to_value(now))
    else {
        return String::new();
    };
    now.iter()
        .filter(|(field, value)| first.get(field.as_str()) != Some(*value))
        .map(|(field, value)| {
            let was = first
                .get(field.as_str())
                .unwrap_or(&serde_json::Value::Null);
            format!("{field} {was}, now {value}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The ledger file and what it holds.
#[derive(Debug)]
pub struct IssuanceLedger {
    /// Where it is.
    pub path: PathBuf,
    /// Its entries, oldest first.
    pub entries: Vec<Entry>,
    /// The open file, locked exclusively from reading to appending, so
    /// that two jobs minting at once never both take an order for new
    /// (`None` when opened to read only).
    _lock: Option<std::fs::File>,
}

impl IssuanceLedger {
    /// The ledger `--ledger` or `ENTITLE_LEDGER` names, made if missing,
    /// locked and read; `None` when neither names one.
    pub fn open(flag: Option<&Path>) -> Result<Option<IssuanceLedger>, CliError> {
        let Some(path) = ledger_path(flag) else {
            return Ok(None);
        };
        let existed = path.exists();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|file| file.lock().map(|()| file))
            .map_err(|e| {
                CliError::input(format!("cannot open the ledger {}: {e}", path.display()))
            })?;
        if !existed {
            ledger::sync_parent(&path)?;
        }
        let entries = ledger::read_lines(&path, "issuance ledger entry")?;
        Ok(Some(IssuanceLedger {
            path,
            entries,
            _lock: Some(file),
        }))
    }

    /// Like [`IssuanceLedger::open`], but a ledger is required for `why`.
    pub fn require(flag: Option<&Path>, why: &str) -> Result<IssuanceLedger, CliError> {
        IssuanceLedger::open(flag)?.ok_or_else(|| missing(why))
    }

    /// The ledger, read without locking or making it (`entitle ledger`).
    pub fn read_only(flag: Option<&Path>, why: &str) -> Result<IssuanceLedger, CliError> {
        let path = ledger_path(flag).ok_or_else(|| missing(why))?;
        if !path.exists() {
            return Err(CliError::input(format!(
                "no ledger at {}: nothing was issued with it yet",
                path.display()
            )));
        }
        let entries = ledger::read_lines(&path, "issuance ledger entry")?;
        Ok(IssuanceLedger {
            path,
            entries,
            _lock: None,
        })
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The licence first issued for `order` by `signer`, if any.
    pub fn issued(&self, order: &str, signer: KeyId) -> Option<&Entry> {
        let signer = signer.to_string();
        self.entries.iter().find(|e| {
            e.event == Event::Issued && e.order.as_deref() == Some(order) && e.signer == signer
        })
    }

    /// Every licence issued for `order`, by any key.
    pub fn issued_for_order(&self, order: &str) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.event == Event::Issued && e.order.as_deref() == Some(order))
            .collect()
    }

    /// A new entry about `serial`, with the order, product, edition and
    /// tenant of the licence the ledger holds for it (if it does).
    pub fn entry_about(
        &self,
        event: Event,
        now: u64,
        serial: Serial,
        signer: KeyId,
        artifact: &str,
    ) -> Entry {
        let mut entry = Entry::new(event, &Utc(now).to_string(), serial, signer, artifact);
        if let Some(issued) = self
            .entries
            .iter()
            .find(|e| e.event == Event::Issued && e.serial == entry.serial)
        {
            entry.order.clone_from(&issued.order);
            entry.product.clone_from(&issued.product);
            entry.edition.clone_from(&issued.edition);
            entry.tenant.clone_from(&issued.tenant);
        }
        entry
    }

    /// Checks that `request` repeats what `order` was first issued as, and
    /// returns that first licence; `None` for a new order. The licence the
    /// ledger holds is checked first ([`Entry::check_issued`]): a ledger
    /// line that does not match its own licence is refused, not printed.
    pub fn repeat_of(
        &self,
        order: &str,
        signer: &PublicKey,
        request: &Request,
    ) -> Result<Option<&Entry>, String> {
        let Some(first) = self.issued(order, signer.id()) else {
            return Ok(None);
        };
        first
            .check_issued(Some(signer))
            .map_err(|why| format!("the ledger {}: {why}", self.path.display()))?;
        if first.request.as_ref() == Some(request) {
            return Ok(Some(first));
        }
        Err(format!(
            "order {order} was issued on {} as serial {} with different content ({}); \
             a change is a new order id",
            first.at,
            first.serial,
            differences(first.request.as_ref(), request)
        ))
    }

    /// Every revocation list `key` signed, as the ledger holds them, each
    /// checked against `key`: a line that does not verify means the ledger
    /// was altered, and is refused rather than obeyed.
    pub fn revocation_lists(&self, key: &PublicKey) -> Result<Vec<RevocationList>, CliError> {
        let signer = key.id().to_string();
        let mut lists: Vec<RevocationList> = Vec::new();
        for (line, entry) in self.entries.iter().enumerate() {
            if !matches!(entry.event, Event::Revoked | Event::Listed) || entry.signer != signer {
                continue;
            }
            let altered = |why: String| {
                CliError::input(format!(
                    "the ledger {} line {}: {why}; the ledger was altered",
                    self.path.display(),
                    line.saturating_add(1)
                ))
            };
            let list = Signed::<RevocationList>::decode(&entry.artifact)
                .and_then(|l| l.verify(key).cloned())
                .map_err(|e| altered(e.to_string()))?;
            let names_serial = entry.event == Event::Listed
                || list
                    .licenses
                    .iter()
                    .any(|s| Hex(s).to_string() == entry.serial);
            if !names_serial {
                return Err(altered(format!(
                    "its revocation list does not name serial {}",
                    entry.serial
                )));
            }
            if !lists.contains(&list) {
                lists.push(list);
            }
        }
        Ok(lists)
    }

    /// Appends `entries` (synced to disk before this returns).
    pub fn append(&mut self, entries: Vec<Entry>) -> Result<(), CliError> {
        if entries.is_empty() {
            return Ok(());
        }
        ledger::append(&self.path, &entries)?;
        self.entries.extend(entries);
        Ok(())
    }
}
