//! What the machine under the state provides: the key that seals (signs)
//! the state, a counter that only goes up, and the machine's identity.
//!
//! | | [`FilePlatform`] | `TpmPlatform` (feature `tpm`) |
//! |---|---|---|
//! | sealing key | `appliance.key` in the state directory | an Ed25519 seed sealed by the TPM; only its blob is on disk |
//! | counter | `counter.json`, signed by the sealing key | a TPM NV counter: it only goes up |
//! | machine identity | a file (`/etc/machine-id`) | the TPM's endorsement key |
//! | stops | edits of any file, deleting some files, replaying one older file | also a restore of the whole directory, and a copy to another machine |
//! | does not stop | root restoring every file of an older copy, or re-signing with the key on disk | root on the running machine using the TPM as the appliance does |

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_issue::{SigningKey, write_key_pair};
use entitle_lifecycle::Error;
use entitle_verify::SIGNATURE_LEN;
use entitle_verify::format::COUNTER_CONTEXT;
use serde::{Deserialize, Serialize};

use crate::{io, key_error, lost, read_key, write_atomically};

/// The sealing key, counter and identity of the machine an appliance's
/// state lives on.
pub trait Platform: std::fmt::Debug {
    /// For messages: `files`, `TPM 2.0`.
    fn name(&self) -> &'static str;

    /// The machine's identity bytes, hashed into activation fingerprints.
    fn machine_id(&mut self) -> Result<Vec<u8>, Error>;

    /// The key that seals the state in `dir`; made now when `create` and
    /// there is none. `None`: there is none.
    fn sealing_key(&mut self, dir: &Path, create: bool) -> Result<Option<SigningKey>, Error>;

    /// The counter's value; `None` when it was never started.
    fn counter(&mut self, dir: &Path, key: &SigningKey) -> Result<Option<u64>, Error>;

    /// Starts the counter and returns its first value (a TPM's new counter
    /// starts at the highest any counter of it ever had, not at 0).
    fn start(&mut self, dir: &Path, key: &SigningKey) -> Result<u64, Error>;

    /// Raises the counter by one, to `value`; refuses when it is not one
    /// below.
    fn advance(&mut self, dir: &Path, key: &SigningKey, value: u64) -> Result<(), Error>;
}

/// The platform of plain files (docs/threat-model.md says what it stops).
#[derive(Debug, Clone)]
pub struct FilePlatform {
    machine_id: PathBuf,
}

const KEY_FILE: &str = "appliance.key";
const COUNTER_FILE: &str = "counter.json";

#[derive(Serialize, Deserialize)]
struct CounterFile {
    counter: u64,
    /// base64url Ed25519 by the sealing key over COUNTER_CONTEXT || counter (8 bytes, big-endian).
    signature: String,
}

impl FilePlatform {
    /// Files, with the machine identified by the file `machine_id`.
    pub fn new(machine_id: &Path) -> FilePlatform {
        FilePlatform {
            machine_id: machine_id.to_path_buf(),
        }
    }
}

impl Platform for FilePlatform {
    fn name(&self) -> &'static str {
        "files"
    }

    fn machine_id(&mut self) -> Result<Vec<u8>, Error> {
        let bytes = fs::read(&self.machine_id).map_err(io(&self.machine_id))?;
        let trimmed = bytes.trim_ascii();
        if trimmed.is_empty() {
            return Err(Error::State(format!(
                "the machine id {} is empty",
                self.machine_id.display()
            )));
        }
        Ok(trimmed.to_vec())
    }

    fn sealing_key(&mut self, dir: &Path, create: bool) -> Result<Option<SigningKey>, Error> {
        let path = dir.join(KEY_FILE);
        match read_key(&path)? {
            Some(key) => Ok(Some(key)),
            None if create => {
                let key = SigningKey::generate().map_err(key_error)?;
                write_key_pair(&key, &path, &dir.join("appliance.pub"), false)
                    .map_err(key_error)?;
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    fn counter(&mut self, dir: &Path, key: &SigningKey) -> Result<Option<u64>, Error> {
        let path = dir.join(COUNTER_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        let altered = || lost(format!("{} was altered", path.display()));
        let file: CounterFile = serde_json::from_str(&text).map_err(|_| altered())?;
        let mut signature = [0u8; SIGNATURE_LEN];
        match URL_SAFE_NO_PAD.decode_slice(&file.signature, &mut signature) {
            Ok(SIGNATURE_LEN) => {}
            _ => return Err(altered()),
        }
        key.public_key()
            .verify_signature(COUNTER_CONTEXT, &file.counter.to_be_bytes(), &signature)
            .map_err(|_| altered())?;
        Ok(Some(file.counter))
    }

    fn start(&mut self, dir: &Path, key: &SigningKey) -> Result<u64, Error> {
        self.advance(dir, key, 0)?;
        Ok(0)
    }

    fn advance(&mut self, dir: &Path, key: &SigningKey, value: u64) -> Result<(), Error> {
        let signature = key.sign(COUNTER_CONTEXT, &value.to_be_bytes());
        let file = CounterFile {
            counter: value,
            signature: URL_SAFE_NO_PAD.encode(signature),
        };
        let text = serde_json::to_string(&file).map_err(|e| Error::State(e.to_string()))?;
        write_atomically(dir, COUNTER_FILE, text.as_bytes())
    }
}
