//! The TPM 2.0 platform (feature `tpm`): the state's sealing key is sealed
//! by the TPM (only its encrypted blob lies in the state directory, and no
//! other TPM can unseal it), the counter is a TPM NV counter (it only goes
//! up, so a restored copy of the directory is refused), and the machine is
//! identified by the TPM's endorsement key (a copied machine-id file clones
//! nothing).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_issue::SigningKey;
use entitle_lifecycle::Error;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tss_esapi::abstraction::ek;
use tss_esapi::attributes::{NvIndexAttributesBuilder, ObjectAttributesBuilder};
use tss_esapi::constants::nv_index_type::NvIndexType;
use tss_esapi::constants::{CapabilityType, StartupType};
use tss_esapi::handles::{KeyHandle, NvIndexTpmHandle, ObjectHandle, TpmHandle};
use tss_esapi::interface_types::algorithm::{
    AsymmetricAlgorithm, HashingAlgorithm, PublicAlgorithm,
};
use tss_esapi::interface_types::key_bits::RsaKeyBits;
use tss_esapi::interface_types::resource_handles::{Hierarchy, NvAuth, Provision};
use tss_esapi::structures::{
    CapabilityData, KeyedHashScheme, NvPublicBuilder, Private, Public, PublicBuilder,
    PublicKeyedHashParameters, RsaExponent, SensitiveData, SymmetricDefinitionObject,
};
use tss_esapi::traits::{Marshall as _, UnMarshall as _};
use tss_esapi::{Context, TctiNameConf};

use crate::platform::Platform;
use crate::{io, lost, write_atomically};

const SEALED_FILE: &str = "sealed.json";

/// The state on a TPM 2.0.
pub struct TpmPlatform {
    context: Context,
    tcti: String,
    /// The counter's NV index in use: derived from the sealing key
    /// ([`key_index`]); for a state sealed before that, from the
    /// directory's path.
    nv_index: u32,
    /// The index of states sealed before the counter followed the key:
    /// derived from the directory's canonical path.
    path_index: u32,
}

/// The counter's NV index of the state sealed with `key`: `0x015` and 20
/// bits of SHA-256 of the sealing key's public half. It follows the state
/// wherever its files are put, so a restored copy meets its own counter,
/// which has moved on (an index derived from the path could be matched by
/// choosing the path: 16 bits, about 47,000 names).
fn key_index(key: &SigningKey) -> u32 {
    let digest = Sha256::digest(key.public_key().to_bytes());
    let low = u32::from_be_bytes([0, digest[0], digest[1], digest[2]]) & 0x000F_FFFF;
    0x0150_0000 | low
}

impl fmt::Debug for TpmPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TpmPlatform")
            .field("tcti", &self.tcti)
            .field("nv_index", &format_args!("{:#010x}", self.nv_index))
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    /// Hex of the name of the endorsement key of the TPM that sealed it:
    /// checked before the TPM is asked to load it.
    tpm: String,
    /// base64url of the marshalled TPM2B_PUBLIC of the sealed object.
    public: String,
    /// base64url of the TPM2B_PRIVATE (encrypted by the TPM's storage key).
    private: String,
}

impl TpmPlatform {
    /// Opens the TPM at `tcti` (e.g. `device:/dev/tpmrm0`,
    /// `swtpm:host=127.0.0.1,port=2321`) for the state in `dir`. The NV
    /// counter's index is derived from the state's sealing key, so that
    /// several state directories can share one TPM and a restored copy
    /// meets its own counter wherever it is put. (States sealed before
    /// that keep the index derived from their directory's path.)
    pub fn new(tcti: &str, dir: &Path) -> Result<TpmPlatform, Error> {
        let fail = tpm_error(tcti);
        let conf = TctiNameConf::from_str(tcti).map_err(&fail)?;
        let mut context = Context::new(conf).map_err(&fail)?;
        // A TPM that was just powered on needs its start-up; one that runs
        // already answers that it was initialised, which is fine.
        let _ = context.startup(StartupType::Clear);
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let place = std::fs::canonicalize(dir).map_err(io(dir))?;
        let digest = Sha256::digest(place.to_string_lossy().as_bytes());
        let low = u32::from(u16::from_be_bytes([digest[0], digest[1]]));
        Ok(TpmPlatform {
            context,
            tcti: tcti.to_string(),
            nv_index: 0x0150_0000 | low,
            path_index: 0x0150_0000 | low,
        })
    }

    fn fail(&self) -> impl Fn(tss_esapi::Error) -> Error + '_ {
        tpm_error(&self.tcti)
    }

    /// The owner's storage primary key, the same each time for this TPM.
    fn storage_primary(&mut self) -> Result<KeyHandle, Error> {
        let template = tss_esapi::utils::create_restricted_decryption_rsa_public(
            SymmetricDefinitionObject::AES_128_CFB,
            RsaKeyBits::Rsa2048,
            RsaExponent::default(),
        )
        .map_err(self.fail())?;
        let primary = self
            .context
            .execute_with_nullauth_session(|ctx| {
                ctx.create_primary(Hierarchy::Owner, template, None, None, None, None)
            })
            .map_err(tpm_error(&self.tcti))?;
        Ok(primary.key_handle)
    }

    fn flush(&mut self, handle: KeyHandle) {
        let _ = self.context.flush_context(ObjectHandle::from(handle));
    }

    fn nv_handle(&mut self) -> Result<NvIndexTpmHandle, Error> {
        NvIndexTpmHandle::new(self.nv_index).map_err(self.fail())
    }

    /// Uses the counter of the state sealed with `key`: the one its key
    /// names, or for a state sealed before counters followed keys, the one
    /// its path names when only that one is defined.
    fn use_counter_of(&mut self, key: &SigningKey) -> Result<(), Error> {
        self.nv_index = key_index(key);
        if !self.counter_defined()? {
            let by_key = self.nv_index;
            self.nv_index = self.path_index;
            if !self.counter_defined()? {
                self.nv_index = by_key;
            }
        }
        Ok(())
    }

    /// Whether the counter's NV index is defined (asked from the TPM's
    /// list of handles, not by a lookup that fails when it is not).
    fn counter_defined(&mut self) -> Result<bool, Error> {
        let nv_index = self.nv_index;
        let (data, _) = self
            .context
            .execute_without_session(|ctx| ctx.get_capability(CapabilityType::Handles, nv_index, 1))
            .map_err(self.fail())?;
        Ok(match data {
            CapabilityData::Handles(handles) => handles.iter().any(|h| u32::from(*h) == nv_index),
            _ => false,
        })
    }

    /// The counter's value, `None` when its index is not defined.
    fn read_counter(&mut self) -> Result<Option<u64>, Error> {
        if !self.counter_defined()? {
            return Ok(None);
        }
        let index = self.nv_handle()?;
        let handle = self
            .context
            .execute_without_session(|ctx| ctx.tr_from_tpm_public(TpmHandle::NvIndex(index)))
            .map_err(self.fail())?;
        let data = self
            .context
            .execute_with_nullauth_session(|ctx| ctx.nv_read(NvAuth::Owner, handle.into(), 8, 0))
            .map_err(tpm_error(&self.tcti))?;
        let bytes: [u8; 8] = data
            .value()
            .try_into()
            .map_err(|_| lost("the TPM counter is not 8 bytes".into()))?;
        Ok(Some(u64::from_be_bytes(bytes)))
    }
}

impl Platform for TpmPlatform {
    fn name(&self) -> &'static str {
        "TPM 2.0"
    }

    fn machine_id(&mut self) -> Result<Vec<u8>, Error> {
        let handle = ek::create_ek_object(&mut self.context, AsymmetricAlgorithm::Ecc, None)
            .map_err(self.fail())?;
        let read = self.context.read_public(handle).map_err(self.fail());
        self.flush(handle);
        let (_, name, _) = read?;
        Ok(name.value().to_vec())
    }

    fn sealing_key(&mut self, dir: &Path, create: bool) -> Result<Option<SigningKey>, Error> {
        let path = dir.join(SEALED_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&path)(e)),
        };
        match text {
            Some(text) => unseal(self, &path, &text).map(Some),
            None if create => seal(self, dir).map(Some),
            None => Ok(None),
        }
    }

    fn counter(&mut self, _dir: &Path, key: &SigningKey) -> Result<Option<u64>, Error> {
        self.use_counter_of(key)?;
        self.read_counter()
    }

    fn start(&mut self, _dir: &Path, key: &SigningKey) -> Result<u64, Error> {
        self.nv_index = key_index(key);
        let index = self.nv_handle()?;
        let attributes = NvIndexAttributesBuilder::new()
            .with_owner_write(true)
            .with_owner_read(true)
            .with_nv_index_type(NvIndexType::Counter)
            .build()
            .map_err(self.fail())?;
        let public = NvPublicBuilder::new()
            .with_nv_index(index)
            .with_index_name_algorithm(HashingAlgorithm::Sha256)
            .with_index_attributes(attributes)
            .with_data_area_size(8)
            .build()
            .map_err(self.fail())?;
        let handle = self
            .context
            .execute_with_nullauth_session(|ctx| {
                ctx.nv_define_space(Provision::Owner, None, public)
            })
            .map_err(tpm_error(&self.tcti))?;
        // The first increment starts the counter at the highest value any
        // counter of this TPM ever had.
        self.context
            .execute_with_nullauth_session(|ctx| ctx.nv_increment(NvAuth::Owner, handle))
            .map_err(tpm_error(&self.tcti))?;
        self.read_counter()?
            .ok_or_else(|| lost("the TPM counter vanished".into()))
    }

    fn advance(&mut self, _dir: &Path, key: &SigningKey, value: u64) -> Result<(), Error> {
        self.use_counter_of(key)?;
        let index = self.nv_handle()?;
        match self.read_counter()? {
            Some(current) if current.checked_add(1) == Some(value) => {}
            current => {
                return Err(lost(format!(
                    "the TPM counter is at {}, the state asks for {value}",
                    current.map_or_else(|| "none".to_string(), |c| c.to_string())
                )));
            }
        }
        let handle = self
            .context
            .execute_without_session(|ctx| ctx.tr_from_tpm_public(TpmHandle::NvIndex(index)))
            .map_err(self.fail())?;
        self.context
            .execute_with_nullauth_session(|ctx| ctx.nv_increment(NvAuth::Owner, handle.into()))
            .map_err(tpm_error(&self.tcti))
    }
}

/// Makes a sealing key and seals it under the TPM's storage key.
fn seal(platform: &mut TpmPlatform, dir: &Path) -> Result<SigningKey, Error> {
    let key = SigningKey::generate().map_err(crate::key_error)?;
    let pem = key.to_pem().map_err(crate::key_error)?;
    let sensitive = SensitiveData::try_from(pem.as_bytes().to_vec()).map_err(platform.fail())?;
    let primary = platform.storage_primary()?;
    let created = platform
        .context
        .execute_with_nullauth_session(|ctx| {
            ctx.create(primary, sealed_object()?, None, Some(sensitive), None, None)
        })
        .map_err(tpm_error(&platform.tcti));
    platform.flush(primary);
    let created = created?;
    let sealed = Sealed {
        tpm: entitle_verify::Hex(&platform.machine_id()?).to_string(),
        public: URL_SAFE_NO_PAD.encode(created.out_public.marshall().map_err(platform.fail())?),
        private: URL_SAFE_NO_PAD.encode(created.out_private.value()),
    };
    let text = serde_json::to_string(&sealed).map_err(|e| Error::State(e.to_string()))?;
    write_atomically(dir, SEALED_FILE, text.as_bytes())?;
    Ok(key)
}

/// Unseals the sealing key: only the TPM that sealed it can.
fn unseal(platform: &mut TpmPlatform, path: &Path, text: &str) -> Result<SigningKey, Error> {
    let altered = || lost(format!("{} was altered", path.display()));
    let sealed: Sealed = serde_json::from_str(text).map_err(|_| altered())?;
    if sealed.tpm != entitle_verify::Hex(&platform.machine_id()?).to_string() {
        return Err(lost(format!(
            "{} was sealed by another TPM: this state was copied from another machine",
            path.display()
        )));
    }
    let public = URL_SAFE_NO_PAD
        .decode(&sealed.public)
        .ok()
        .and_then(|b| Public::unmarshall(&b).ok())
        .ok_or_else(altered)?;
    let private = URL_SAFE_NO_PAD
        .decode(&sealed.private)
        .ok()
        .and_then(|b| Private::try_from(b).ok())
        .ok_or_else(altered)?;
    let primary = platform.storage_primary()?;
    let loaded = platform
        .context
        .execute_with_nullauth_session(|ctx| ctx.load(primary, private, public));
    platform.flush(primary);
    let loaded = loaded.map_err(|e| {
        lost(format!(
            "this TPM cannot load {} (sealed by another TPM?): {e}",
            path.display()
        ))
    })?;
    let unsealed = platform
        .context
        .execute_with_nullauth_session(|ctx| ctx.unseal(loaded.into()));
    platform.flush(loaded);
    let unsealed = unsealed.map_err(tpm_error(&platform.tcti))?;
    let pem = std::str::from_utf8(unsealed.value()).map_err(|_| altered())?;
    SigningKey::from_pem(pem).map_err(|_| altered())
}

/// A sealed data object: fixed to this TPM and its parent.
fn sealed_object() -> tss_esapi::Result<Public> {
    let attributes = ObjectAttributesBuilder::new()
        .with_fixed_tpm(true)
        .with_fixed_parent(true)
        .with_no_da(true)
        .with_user_with_auth(true)
        .build()?;
    PublicBuilder::new()
        .with_public_algorithm(PublicAlgorithm::KeyedHash)
        .with_name_hashing_algorithm(HashingAlgorithm::Sha256)
        .with_object_attributes(attributes)
        .with_keyed_hash_parameters(PublicKeyedHashParameters::new(KeyedHashScheme::Null))
        .with_keyed_hash_unique_identifier(Default::default())
        .build()
}

fn tpm_error(tcti: &str) -> impl Fn(tss_esapi::Error) -> Error + '_ {
    move |e| Error::Io {
        path: PathBuf::from(format!("TPM {tcti}")),
        source: std::io::Error::other(e.to_string()),
    }
}
