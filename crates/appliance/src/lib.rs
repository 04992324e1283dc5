//! The appliance side of `entitle`: its own keys and signed state
//! directory, activation requests and deactivation. The decision itself is
//! `entitle_lifecycle::decide`; this crate hands it what the appliance
//! remembers ([`Appliance::remembered`]) and keeps what it decided
//! ([`Appliance::record`]).
//!
//! The state: pending activation requests, accepted activations, the newest
//! revocation lists seen, and the high-water mark of time that catches a
//! clock set back.
//!
//! Files in the state directory:
//!
//! | file | what |
//! |---|---|
//! | `state.json` | the state below, signed by the platform's sealing key, replaced atomically |
//! | `activation-<serial>.key` | one key per activated license (0600): bound by the activation, deleted on deactivation |
//! | `appliance.key`, `counter.json` | the sealing key and the counter of the [`FilePlatform`]; a TPM keeps both instead |
//!
//! The state fails closed: an edited file fails its signature; a state or
//! sealing key that is missing while the other, or an activation key, is
//! there is refused; a state older than the platform's counter (restored
//! from a copy) is refused; all with "appliance state missing or altered:
//! re-activate". Without any state the clock's floor is the newest
//! `issued_at` of the material at hand (docs/threat-model.md).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod platform;
#[cfg(feature = "tpm")]
mod tpm;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_issue::{SigningKey, write_key_pair};
use entitle_lifecycle::{
    Activation, Certificate, Decision, Error, FINGERPRINT_LEN, Remembered, Request, RevocationList,
    Signed,
};
use entitle_verify::format::STATE_CONTEXT;
use entitle_verify::{PublicKey, SIGNATURE_LEN, Serial};
pub use platform::{FilePlatform, Platform};
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};
#[cfg(feature = "tpm")]
pub use tpm::TpmPlatform;

/// A key error, as the life-cycle error the CLI maps to an exit code.
pub(crate) fn key_error(error: entitle_issue::Error) -> Error {
    Error::Key(error.to_string())
}

/// The error of a state that cannot be trusted: exit 4, re-activate.
pub(crate) fn lost(detail: String) -> Error {
    Error::StateLost(detail)
}

pub(crate) fn read_key(path: &Path) -> Result<Option<SigningKey>, Error> {
    match fs::read_to_string(path) {
        Ok(pem) => SigningKey::from_pem(&pem)
            .map(Some)
            .map_err(|e| Error::State(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// The activation of one license on this appliance and the key it binds,
/// for signing seat leases ([`Appliance::lease_key`]). The key is wiped
/// from memory when this is dropped; `Debug` shows only its key id.
#[derive(Debug)]
pub struct LeaseKey {
    activation: String,
    key: SigningKey,
}

impl LeaseKey {
    /// Signs a seat lease, carrying the activation, so that an agent can
    /// check it back to the vendor key.
    pub fn sign(&self, lease: LeaseTerms<'_>) -> Result<String, Error> {
        let signed = Signed::sign(
            entitle_lifecycle::Lease {
                version: 1,
                signer: self.key.id().0,
                activation: self.activation.clone(),
                lease: lease.id.to_string(),
                agent: lease.agent.to_string(),
                pool: lease.pool.to_string(),
                issued_at: lease.issued_at,
                not_after: lease.not_after,
            },
            &self.key,
        )?;
        Ok(signed.text().to_string())
    }
}

/// What a seat lease says: see [`LeaseKey::sign`].
#[derive(Debug, Clone, Copy)]
pub struct LeaseTerms<'a> {
    /// The lease id.
    pub id: &'a str,
    /// The agent holding it.
    pub agent: &'a str,
    /// The pool.
    pub pool: &'a str,
    /// When it is signed, Unix seconds.
    pub issued_at: u64,
    /// When it ends unless renewed, Unix seconds.
    pub not_after: u64,
}

/// What the appliance remembers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Format version: 1.
    pub version: u32,
    /// The latest time seen: the clock at each check, and the `issued_at`
    /// of every artifact verified.
    pub high_water: u64,
    /// The newest revocation lists seen, keyed by signer key id (hex; more
    /// than one per signer only when two lists of one sequence number
    /// conflict): their text, so that replaying an older list cannot bring
    /// a revoked license back.
    pub revocations: BTreeMap<String, String>,
    /// Pending activation requests, per license serial (hex): the request text.
    pub pending: BTreeMap<String, String>,
    /// Accepted activations, per license serial (hex): the response text.
    pub activations: BTreeMap<String, String>,
    /// The platform counter's value this state was written with. (0 in
    /// states written before it existed; 0 is not written, so those states
    /// keep their signature.)
    #[serde(default, skip_serializing_if = "is_zero")]
    pub counter: u64,
    /// The certificates of the stored revocation lists' signers, per
    /// certificate serial (hex): so that a partner's or customer's list
    /// cannot be dropped by leaving out its certificate. (Absent from
    /// states written before it existed; empty maps are not written, so
    /// those states keep their signature.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub certificates: BTreeMap<String, String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    state: State,
    /// base64url signature by the appliance key over STATE_CONTEXT || state JSON.
    signature: Option<String>,
}

/// An appliance's state directory, opened.
#[derive(Debug)]
pub struct Appliance {
    dir: PathBuf,
    platform: Box<dyn Platform>,
    key: Option<SigningKey>,
    /// The state.
    pub state: State,
}

const STATE_FILE: &str = "state.json";

pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Appliance {
    /// Opens (or starts) the state in `dir` on `platform`. Refuses a state
    /// that was deleted, altered, or restored from an older copy.
    pub fn open(dir: &Path, mut platform: Box<dyn Platform>) -> Result<Appliance, Error> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let state_path = dir.join(STATE_FILE);
        let key = platform.sealing_key(dir, false)?;
        let text = match fs::read_to_string(&state_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&state_path)(e)),
        };
        let activation_keys = activation_key_files(dir)?;
        let state = match (text, &key) {
            (None, None) if activation_keys.is_empty() => State {
                version: 1,
                ..State::default()
            },
            (None, None) => {
                return Err(lost(format!(
                    "{} holds activation keys ({}) but no state and no sealing key",
                    dir.display(),
                    activation_keys.join(", ")
                )));
            }
            (None, Some(_)) => {
                return Err(lost(format!(
                    "{} was deleted; the sealing key is still there",
                    state_path.display()
                )));
            }
            (Some(text), key) => {
                let file: StateFile = serde_json::from_str(&text).map_err(|e| {
                    lost(format!("{} is not a state file: {e}", state_path.display()))
                })?;
                check_state_signature(&file, key.as_ref(), &activation_keys, &state_path)?;
                file.state
            }
        };
        if let Some(key) = &key {
            check_counter(platform.as_mut(), dir, key, state.counter)?;
        }
        for name in &activation_keys {
            let known = state
                .pending
                .keys()
                .chain(state.activations.keys())
                .any(|serial| *name == format!("activation-{serial}.key"));
            if !known {
                return Err(lost(format!(
                    "{name} belongs to no activation or request of this state"
                )));
            }
        }
        Ok(Appliance {
            dir: dir.to_path_buf(),
            platform,
            key,
            state,
        })
    }

    /// The machine's identity bytes, from the platform.
    pub fn machine_id(&mut self) -> Result<Vec<u8>, Error> {
        self.platform.machine_id()
    }

    /// Writes the state, signed by the platform's sealing key (made at the
    /// first save), replacing the old file atomically, then advances the
    /// platform's counter: a copy of any earlier state is refused from then
    /// on. (A crash between the two leaves the state one ahead, which the
    /// next open completes.)
    pub fn save(&mut self) -> Result<(), Error> {
        if self.key.is_none() {
            self.key = self.platform.sealing_key(&self.dir, true)?;
        }
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| Error::State("the platform made no sealing key".into()))?;
        let current = match self.platform.counter(&self.dir, key)? {
            Some(current) => current,
            None => self.platform.start(&self.dir, key)?,
        };
        let counter = current.saturating_add(1);
        self.state.counter = counter;
        let signature =
            URL_SAFE_NO_PAD.encode(key.sign(STATE_CONTEXT, &state_digest(&self.state)?));
        let file = StateFile {
            state: self.state.clone(),
            signature: Some(signature),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| Error::State(e.to_string()))?;
        write_atomically(&self.dir, STATE_FILE, text.as_bytes())?;
        self.platform.advance(&self.dir, key, counter)
    }

    /// What the appliance remembers, for `entitle_lifecycle::decide`. A
    /// stored artifact that cannot be read, or an activation key file that
    /// cannot be read, is an error: never "nothing remembered".
    pub fn remembered(&self) -> Result<Remembered, Error> {
        let revocations = self
            .state
            .revocations
            .values()
            .map(|text| Signed::decode(text))
            .collect::<Result<Vec<Signed<RevocationList>>, Error>>()?;
        let activations = self
            .state
            .activations
            .values()
            .map(|text| Signed::decode(text))
            .collect::<Result<Vec<Signed<Activation>>, Error>>()?;
        let mut activation_keys = Vec::new();
        for activation in &activations {
            let serial = Serial(activation.unverified().serial);
            if let Some(key) = self.activation_key(serial)? {
                activation_keys.push((serial, key));
            }
        }
        for text in self.state.pending.values() {
            let serial = Serial(Request::from_text(text)?.serial);
            if !activation_keys.iter().any(|(s, _)| *s == serial) {
                if let Some(key) = self.activation_key(serial)? {
                    activation_keys.push((serial, key));
                }
            }
        }
        let certificates = self
            .state
            .certificates
            .values()
            .map(|text| Signed::decode(text))
            .collect::<Result<Vec<Signed<Certificate>>, Error>>()?;
        Ok(Remembered {
            high_water: self.state.high_water,
            revocations,
            certificates,
            activations,
            activation_keys,
        })
    }

    /// Keeps what a decision saw: the high-water mark of time (never
    /// lowered) and every revocation list that applies. A stored list goes
    /// only when the decision found it covered by a kept list of the same
    /// key (every entry of it); nothing else ever removes a list the
    /// appliance has seen, so no later list un-revokes. Call
    /// [`Appliance::save`] after.
    pub fn record(&mut self, decision: &Decision<'_>) {
        self.state.high_water = self.state.high_water.max(decision.clock.high_water());
        let kept: Vec<RevocationList> = decision
            .lists_to_keep
            .iter()
            .map(|l| l.unverified().clone())
            .collect();
        self.state.revocations.retain(|_, text| {
            Signed::<RevocationList>::decode(text).map_or(true, |old| {
                decision
                    .lists_to_keep
                    .iter()
                    .any(|l| l.text() == text.as_str())
                    || !kept.iter().any(|new| new.covers(old.unverified()))
            })
        });
        for list in &decision.lists_to_keep {
            if self.state.revocations.values().any(|t| t == list.text()) {
                continue;
            }
            let (signer, sequence) = (list.signer(), list.unverified().sequence);
            let mut key = signer.to_string();
            let mut n = 0u32;
            while self.state.revocations.contains_key(&key) {
                n = n.saturating_add(1);
                key = format!("{signer}.{sequence}.{n}");
            }
            self.state.revocations.insert(key, list.text().to_string());
        }
        for cert in &decision.list_certificates {
            let serial = Serial(cert.unverified().serial).to_string();
            self.state
                .certificates
                .insert(serial, cert.text().to_string());
        }
    }

    /// Makes an activation request for license `serial` on machine
    /// `fingerprint`, with a fresh nonce and the license's own key.
    pub fn request(
        &mut self,
        serial: Serial,
        fingerprint: [u8; FINGERPRINT_LEN],
    ) -> Result<Request, Error> {
        let key_path = self.activation_key_path(serial);
        // An existing key is kept, never replaced: only a key file that is
        // not there is made anew.
        let key = match read_key(&key_path)? {
            Some(key) => key,
            None => {
                let key = SigningKey::generate().map_err(key_error)?;
                write_key_pair(
                    &key,
                    &key_path,
                    &self.dir.join(format!("activation-{serial}.pub")),
                    true,
                )
                .map_err(key_error)?;
                key
            }
        };
        let mut nonce = [0u8; 8];
        SysRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| key_error(entitle_issue::Error::Random))?;
        let request = Request {
            version: 1,
            serial: serial.0,
            fingerprint,
            nonce,
            appliance: key.public_key().to_bytes(),
        };
        self.state
            .pending
            .insert(serial.to_string(), request.to_text()?);
        Ok(request)
    }

    /// The pending request for `serial`.
    pub fn pending(&self, serial: Serial) -> Result<Request, Error> {
        let text = self.state.pending.get(&serial.to_string()).ok_or_else(|| {
            Error::Activation(format!(
                "this appliance has no pending request for license {serial}"
            ))
        })?;
        Request::from_text(text)
    }

    /// The public key of license `serial`'s activation key; `None` when the
    /// appliance does not hold one, an error when it cannot be read.
    pub fn activation_key(&self, serial: Serial) -> Result<Option<PublicKey>, Error> {
        Ok(read_key(&self.activation_key_path(serial))?.map(|k| k.public_key()))
    }

    /// Records an accepted activation (one `entitle_lifecycle::decide` kept
    /// for this machine); the request is settled.
    pub fn accept(&mut self, activation: &Signed<Activation>) {
        let serial = Serial(activation.unverified().serial).to_string();
        self.state.pending.remove(&serial);
        self.state
            .activations
            .insert(serial, activation.text().to_string());
    }

    /// Ends the activation of `serial`: signs a receipt with its activation
    /// key, then deletes the key and the activation. Returns the receipt text.
    pub fn deactivate(&mut self, serial: Serial, now: u64) -> Result<String, Error> {
        let (activation, key, key_path) = self.activation_and_key(serial)?;
        let receipt = Signed::sign(
            entitle_lifecycle::Receipt {
                version: 1,
                signer: key.id().0,
                activation,
                deactivated_at: now,
            },
            &key,
        )?;
        drop(key);
        self.state.activations.remove(&serial.to_string());
        self.save()?;
        // The key is gone: the receipt is the last thing it ever signed.
        overwrite_and_remove(&key_path)?;
        let _ = fs::remove_file(self.dir.join(format!("activation-{serial}.pub")));
        Ok(receipt.text().to_string())
    }

    /// What signs seat leases for license `serial` (its accepted activation
    /// and activation key): the seat server's side (`entitle serve`), which
    /// reads it once and signs many leases with it. Refused when this
    /// appliance holds no accepted activation of `serial`.
    pub fn lease_key(&self, serial: Serial) -> Result<LeaseKey, Error> {
        let (activation, key, _) = self.activation_and_key(serial)?;
        Ok(LeaseKey { activation, key })
    }

    /// The accepted activation of `serial` (its text), the key it binds
    /// and that key's file: what signs for the license on this appliance.
    fn activation_and_key(&self, serial: Serial) -> Result<(String, SigningKey, PathBuf), Error> {
        let activation = self
            .state
            .activations
            .get(&serial.to_string())
            .cloned()
            .ok_or_else(|| {
                Error::Activation(format!(
                    "license {serial} is not activated on this appliance"
                ))
            })?;
        let key_path = self.activation_key_path(serial);
        let key = read_key(&key_path)?.ok_or_else(|| {
            Error::State(format!(
                "{} is missing: nothing can be signed for license {serial} here",
                key_path.display()
            ))
        })?;
        Ok((activation, key, key_path))
    }

    fn activation_key_path(&self, serial: Serial) -> PathBuf {
        self.dir.join(format!("activation-{serial}.key"))
    }
}

fn check_state_signature(
    file: &StateFile,
    key: Option<&SigningKey>,
    activation_keys: &[String],
    path: &Path,
) -> Result<(), Error> {
    let altered = || {
        lost(format!(
            "{} was altered: its signature does not match",
            path.display()
        ))
    };
    match (key, &file.signature) {
        // A state from before states were always signed: it held no
        // activation, and counts for no more than no state at all.
        (None, None) if activation_keys.is_empty() && file.state.activations.is_empty() => Ok(()),
        (None, _) => Err(lost(format!(
            "{} is there, but the sealing key is missing",
            path.display()
        ))),
        (Some(_), None) => Err(altered()),
        (Some(key), Some(signature)) => {
            let digest = state_digest(&file.state)?;
            let mut sig = [0u8; SIGNATURE_LEN];
            match URL_SAFE_NO_PAD.decode_slice(signature, &mut sig) {
                Ok(SIGNATURE_LEN) => {}
                _ => return Err(altered()),
            }
            key.public_key()
                .verify_signature(STATE_CONTEXT, &digest, &sig)
                .map_err(|_| altered())
        }
    }
}

/// Refuses a state whose counter is not the platform's: restored from an
/// older copy, or the counter rolled back. One ahead is a save that was
/// interrupted before the counter moved: completed here.
fn check_counter(
    platform: &mut dyn Platform,
    dir: &Path,
    key: &SigningKey,
    state: u64,
) -> Result<(), Error> {
    let counter = platform.counter(dir, key)?;
    match counter {
        Some(c) if c == state => Ok(()),
        None if state == 0 => Ok(()),
        Some(c) if state == c.saturating_add(1) => platform.advance(dir, key, state),
        c => Err(lost(format!(
            "the state was written at count {state}, the {} counter is at {}: restored from an older copy",
            platform.name(),
            c.map_or_else(|| "none".to_string(), |c| c.to_string())
        ))),
    }
}

/// The `activation-*.key` files in `dir`.
fn activation_key_files(dir: &Path) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let name = entry.map_err(io(dir))?.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("activation-") && name.ends_with(".key") {
            names.push(name.into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Writes `name` in `dir` atomically (`entitle_issue::write_file`), mode 0600.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    entitle_issue::write_file(&dir.join(name), bytes, 0o600, true).map_err(|e| match e {
        entitle_issue::Error::Io { path, source } => Error::Io { path, source },
        other => key_error(other),
    })
}

/// SHA-512 of the state's JSON: what the sealing key signs.
fn state_digest(state: &State) -> Result<[u8; 64], Error> {
    let json = serde_json::to_vec(state).map_err(|e| Error::State(e.to_string()))?;
    Ok(Sha512::digest(&json).into())
}

/// Overwrites a secret key file with zeros before removing it.
fn overwrite_and_remove(path: &Path) -> Result<(), Error> {
    let len = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let zeros = vec![0u8; usize::try_from(len).unwrap_or(0)];
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| {
            f.write_all(&zeros)?;
            f.sync_all()
        })
        .and_then(|()| fs::remove_file(path))
        .map_err(io(path))
}
