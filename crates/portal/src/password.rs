//! Passwords: Argon2id (RFC 9106) with the argon2 crate's defaults (19 MiB,
//! two passes), kept as PHC strings; never the password itself.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use subtle::ConstantTimeEq as _;

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use zeroize::Zeroizing;

use crate::error::Error;

/// Shortest password taken.
pub const MIN_PASSWORD: usize = 12;

/// The PHC string of `password`, with a fresh salt.
pub fn hash(password: &str) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(Error::Refused(format!(
            "the password is too short: at least {MIN_PASSWORD} characters"
        )));
    }
    let mut salt = [0u8; 16];
    SysRng.try_fill_bytes(&mut salt).map_err(|_| {
        Error::Setup("the operating system's random number generator failed".into())
    })?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| Error::Setup(format!("cannot make a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Setup(format!("cannot hash the password: {e}")))
}

/// Password checks at once: each takes 19 MiB. They run on this many
/// threads of their own, so that a flood of sign-ins waits its turn, and
/// the memory the allocator keeps per thread stays that of four checks,
/// not of every request thread.
pub const CHECKS_AT_ONCE: usize = 4;

/// A check for the workers: the password, the PHC string, where to answer.
type Job = (Zeroizing<String>, String, mpsc::Sender<bool>);

fn workers() -> Option<&'static Mutex<mpsc::Sender<Job>>> {
    static JOBS: OnceLock<Option<Mutex<mpsc::Sender<Job>>>> = OnceLock::new();
    JOBS.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..CHECKS_AT_ONCE {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    // Each worker's Argon2 memory, kept between checks: no
                    // 19 MiB allocated and freed per sign-in, which the
                    // allocator would keep resident, fragmented.
                    let mut memory = Vec::new();
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok((password, stored, reply)) = job else {
                            return;
                        };
                        let _ = reply.send(matches_with(&mut memory, &password, &stored));
                    }
                })
                .ok()?;
        }
        Some(Mutex::new(jobs))
    })
    .as_ref()
}

/// [`matches_with`] on the password workers; blocks until they answer (false
/// if they cannot).
pub fn check(password: &str, stored: &str) -> bool {
    let (reply, answer) = mpsc::channel();
    let job = (
        Zeroizing::new(password.to_string()),
        stored.to_string(),
        reply,
    );
    let sent = workers()
        .and_then(|jobs| jobs.lock().ok())
        .is_some_and(|jobs| jobs.send(job).is_ok());
    sent && answer.recv().unwrap_or(false)
}

/// Whether `password` matches the PHC string `stored` (an Argon2id hash;
/// compared in constant time), with `memory` as Argon2's working memory.
pub fn matches_with(memory: &mut Vec<Block>, password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    if hash.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    let (Ok(params), Some(expected), Some(salt)) = (Params::try_from(&hash), hash.hash, hash.salt)
    else {
        return false;
    };
    let version = hash
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(Algorithm::Argon2id, version, params);
    let Some(working) = memory.get_mut(..blocks) else {
        return false;
    };
    argon
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, working)
        .is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// A PHC string that matches no password: checked when the user is
/// unknown, so that a sign-in takes as long whether the address exists.
pub fn decoy() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Lr3Kb0ZkCq7bKdGhH8wM7yq2m3WwT9S1V0mJ7m0oTgc"
}
