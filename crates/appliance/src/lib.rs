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
//! | `appliance.key` | the appliance key (PKCS#8, 0600), made at the first activation request; signs `state.json` |
//! | `activation-<serial>.key` | one key per activated license (0600): bound by the activation, deleted on deactivation |
//! | `state.json` | the state below, signed by the appliance key, replaced atomically |
//!
//! Losing or editing the state cannot revive an expired license: an edited
//! file fails its signature; a deleted one, where the appliance key exists,
//! is refused; and without any state the high-water mark falls back to the
//! newest `issued_at` of the artifacts at hand (docs/threat-model.md).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

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
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

/// A key error, as the life-cycle error the CLI maps to an exit code.
fn key_error(error: entitle_issue::Error) -> Error {
    Error::Key(error.to_string())
}

fn read_key(path: &Path) -> Result<Option<SigningKey>, Error> {
    match fs::read_to_string(path) {
        Ok(pem) => SigningKey::from_pem(&pem)
            .map(Some)
            .map_err(|e| Error::State(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
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
    /// The certificates of the stored revocation lists' signers, per
    /// certificate serial (hex): so that a partner's or customer's list
    /// cannot be dropped by leaving out its certificate. (Absent from
    /// states written before it existed; empty maps are not written, so
    /// those states keep their signature.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub certificates: BTreeMap<String, String>,
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
    key: Option<SigningKey>,
    /// The state.
    pub state: State,
}

const KEY_FILE: &str = "appliance.key";
const STATE_FILE: &str = "state.json";

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Appliance {
    /// Opens (or starts) the state in `dir`. Refuses a state that was
    /// deleted or altered after the appliance made its key.
    pub fn open(dir: &Path) -> Result<Appliance, Error> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let key_path = dir.join(KEY_FILE);
        let state_path = dir.join(STATE_FILE);
        let key = read_key(&key_path)?;
        let text = match fs::read_to_string(&state_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&state_path)(e)),
        };
        let state = match (text, &key) {
            (None, None) => State {
                version: 1,
                ..State::default()
            },
            (None, Some(_)) => {
                return Err(Error::State(format!(
                    "{} is missing although this appliance has a key: the state was deleted; \
                     activations must be renewed by the vendor or partner",
                    state_path.display()
                )));
            }
            (Some(text), key) => {
                let file: StateFile = serde_json::from_str(&text).map_err(|e| {
                    Error::State(format!("{} is not a state file: {e}", state_path.display()))
                })?;
                check_state_signature(&file, key.as_ref(), &state_path)?;
                file.state
            }
        };
        Ok(Appliance {
            dir: dir.to_path_buf(),
            key,
            state,
        })
    }

    /// The appliance key, made now if the appliance has none.
    pub fn ensure_key(&mut self) -> Result<&SigningKey, Error> {
        if self.key.is_none() {
            let key = SigningKey::generate().map_err(key_error)?;
            let public = self.dir.join("appliance.pub");
            write_key_pair(&key, &self.dir.join(KEY_FILE), &public, false).map_err(key_error)?;
            self.key = Some(key);
        }
        self.key
            .as_ref()
            .ok_or_else(|| Error::State("no appliance key".into()))
    }

    /// Writes the state: signed when the appliance has a key, replacing the
    /// old file atomically (write a temporary file, sync, rename).
    pub fn save(&self) -> Result<(), Error> {
        let signature = match &self.key {
            Some(key) => {
                Some(URL_SAFE_NO_PAD.encode(key.sign(STATE_CONTEXT, &state_digest(&self.state)?)))
            }
            None => None,
        };
        let file = StateFile {
            state: self.state.clone(),
            signature,
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| Error::State(e.to_string()))?;
        let path = self.dir.join(STATE_FILE);
        let tmp = self.dir.join(format!(".{STATE_FILE}.tmp"));
        let written = fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        written
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(io(&path))?;
        // Make the rename itself durable.
        if let Ok(dir) = fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
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
    /// lowered) and the newest revocation list of each signer. Call
    /// [`Appliance::save`] after.
    pub fn record(&mut self, decision: &Decision<'_>) {
        self.state.high_water = self.state.high_water.max(decision.clock.high_water());
        for list in &decision.newest_lists {
            let (signer, sequence) = (list.signer(), list.unverified().sequence);
            // Only a verified newer list of the same signer replaces one;
            // nothing else ever removes a list the appliance has seen.
            self.state.revocations.retain(|_, text| {
                Signed::<RevocationList>::decode(text).map_or(true, |old| {
                    old.signer() != signer || old.unverified().sequence >= sequence
                })
            });
            if self.state.revocations.values().any(|t| t == list.text()) {
                continue;
            }
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
        self.ensure_key()?;
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
                "{} is missing: the activation cannot be ended here",
                key_path.display()
            ))
        })?;
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

    fn activation_key_path(&self, serial: Serial) -> PathBuf {
        self.dir.join(format!("activation-{serial}.key"))
    }
}

fn check_state_signature(
    file: &StateFile,
    key: Option<&SigningKey>,
    path: &Path,
) -> Result<(), Error> {
    let altered = || {
        Error::State(format!(
            "{} was altered: its signature does not match",
            path.display()
        ))
    };
    match (key, &file.signature) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(Error::State(format!(
            "{} is signed, but the appliance key is missing",
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

/// SHA-512 of the state's JSON: what the appliance key signs.
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
