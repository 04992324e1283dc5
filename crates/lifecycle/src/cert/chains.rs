//! Resolving signer key ids to checked certificate chains: the one key-id
//! dispatch of entitle, linear in the number of certificates whatever they
//! claim.

use std::cell::RefCell;
use std::collections::HashMap;

use entitle_verify::{KeyId, PublicKey};

use super::{Authority, Capability, Certificate, Certified, MAX_CHAIN, Role};
use crate::envelope::Signed;
use crate::error::Error;

/// The chains a walk found, or why none holds.
type Walked = Result<Vec<Authority>, Error>;

/// Certificate signatures checked: (certificate index, issuer key) to
/// `None` when it checked out, else why not.
type Links = HashMap<(usize, [u8; 32]), Option<String>>;

fn replicate(found: &Walked) -> Walked {
    match found {
        Ok(authorities) => Ok(authorities.clone()),
        Err(e) => Err(e.replicate()),
    }
}

/// Resolves signer key ids to checked chains: the one key-id dispatch of
/// entitle. A key id names a trusted key, or the subject of a certificate;
/// on a key-id collision every candidate is tried.
///
/// Each key id's chains are checked once and remembered, however many
/// artifacts its key signed.
#[derive(Debug)]
pub struct Chains<'c> {
    trusted: &'c [PublicKey],
    certificates: &'c [Signed<Certificate>],
    revoked: Vec<[u8; 8]>,
    /// Walks done: key id, depth, result.
    checked: RefCell<Vec<(KeyId, usize, Walked)>>,
    /// (certificate index, issuer key) whose signature was checked: `None`
    /// when it checked out, else why not. Each is checked once, also a
    /// forged one met again on another walk.
    links: RefCell<Links>,
    /// Every distinct key that may sign: trusted keys, then the valid
    /// subjects of the certificates, each with its id.
    keys: Vec<(KeyId, PublicKey)>,
}

impl<'c> Chains<'c> {
    /// Chains from `trusted` keys through `certificates`, none of whose
    /// serials is in `revoked`.
    pub fn new(
        trusted: &'c [PublicKey],
        certificates: &'c [Signed<Certificate>],
        revoked: Vec<[u8; 8]>,
    ) -> Chains<'c> {
        let mut keys: Vec<(KeyId, PublicKey)> = trusted.iter().map(|k| (k.id(), *k)).collect();
        // Each distinct subject decompressed once.
        for certificate in certificates {
            let subject = &certificate.unverified().subject;
            if keys.iter().any(|(_, k)| k.to_bytes() == *subject) {
                continue;
            }
            if let Ok(key) = PublicKey::from_bytes(subject) {
                keys.push((key.id(), key));
            }
        }
        Chains {
            trusted,
            certificates,
            revoked,
            checked: RefCell::new(Vec::new()),
            links: RefCell::new(HashMap::new()),
            keys,
        }
    }

    /// Every checked chain that ends in a key with id `key_id`, vendor keys
    /// first; the error of the first that failed when none holds.
    pub fn authorities(&self, key_id: KeyId) -> Result<Vec<Authority>, Error> {
        self.walk(key_id, 0)
    }

    /// The chain whose key passes `check` (a signature check), and what
    /// `check` returned: the signer of an artifact, trying every candidate
    /// key with its id.
    ///
    /// A key acts in one view (ThinPrint: what a company may do depends on
    /// the view it has open, not on all its roles together). A key that
    /// holds valid certificates in two roles is refused as ambiguous,
    /// whatever the order of the certificates; of several certificates in
    /// the same role, the one with the lowest serial is used, so that the
    /// order of the input never matters. A trusted vendor key is itself.
    pub fn signer_of<R>(
        &self,
        key_id: KeyId,
        check: impl Fn(&PublicKey) -> Result<R, Error>,
    ) -> Result<(Authority, R), Error> {
        let mut last = None;
        let mut found: Option<(Authority, R)> = None;
        for authority in self.authorities(key_id)? {
            let checked = match check(&authority.key) {
                Ok(checked) => checked,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            if authority.certified.is_none() {
                return Ok((authority, checked)); // a vendor key
            }
            match &found {
                Some((first, _)) if first.key != authority.key => {} // another key, same id
                Some((first, _)) if first.role() != authority.role() => {
                    let views = [first.role(), authority.role()]
                        .map(|r| r.map_or("vendor", Role::name))
                        .join(", ");
                    return Err(Error::NotAllowed(format!(
                        "key {key_id} is certified in several views ({views}); a key acts in one \
                         view only: certify one key per view"
                    )));
                }
                Some((first, _)) if first.leaf_serial() <= authority.leaf_serial() => {}
                _ => found = Some((authority, checked)),
            }
        }
        found.ok_or_else(|| {
            last.unwrap_or(Error::UnknownSigner {
                what: "artifact",
                key_id,
            })
        })
    }

    /// The chains ending in `key_id`, found `depth` links below the key
    /// first asked for (which bounds the walk, also through a cycle of
    /// certificates). A certificate's signature is checked under each
    /// candidate issuer key before the walk goes up to that key, and every
    /// `(key id, depth)` is walked once: the work is linear in the number of
    /// certificates, whatever they claim (forged ones stop at their
    /// signature). A walk done with more depth to spare (found nearer the
    /// key first asked for) is complete for any deeper one and is reused;
    /// every chain's length is checked when it is linked.
    fn walk(&self, key_id: KeyId, depth: usize) -> Result<Vec<Authority>, Error> {
        let remembered = self
            .checked
            .borrow()
            .iter()
            .find(|(id, at, _)| *id == key_id && *at <= depth)
            .map(|(_, _, found)| replicate(found));
        if let Some(found) = remembered {
            return found;
        }
        let found = self.walk_uncached(key_id, depth);
        self.checked
            .borrow_mut()
            .push((key_id, depth, replicate(&found)));
        found
    }

    fn walk_uncached(&self, key_id: KeyId, depth: usize) -> Result<Vec<Authority>, Error> {
        let mut found: Vec<Authority> = self
            .trusted
            .iter()
            .filter(|k| k.id() == key_id)
            .map(|key| Authority {
                key: *key,
                certified: None,
                chain: Vec::new(),
                path: vec![*key],
            })
            .collect();
        let mut first_error = None;
        for (index, signed) in self
            .certificates
            .iter()
            .enumerate()
            .filter(|(_, c)| KeyId::of(&c.unverified().subject) == key_id)
        {
            let too_long = || {
                Error::Chain(format!(
                    "more than {MAX_CHAIN} certificates between the vendor and key {key_id}"
                ))
            };
            if depth >= MAX_CHAIN {
                first_error.get_or_insert_with(too_long);
                continue;
            }
            // The keys that may have signed it, each tried by its signature
            // before its own chains are looked for.
            let mut issuer_keys: Vec<PublicKey> = Vec::new();
            for key in self.candidate_keys(signed.signer()) {
                match self.signed_by(index, signed, &key) {
                    Ok(()) => issuer_keys.push(key),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if issuer_keys.is_empty() {
                first_error.get_or_insert_with(|| Error::UnknownSigner {
                    what: "certificate",
                    key_id: signed.signer(),
                });
                continue;
            }
            let parents = match self.walk(signed.signer(), depth.saturating_add(1)) {
                Ok(parents) => parents,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            for parent in parents.iter().filter(|p| issuer_keys.contains(&p.key)) {
                // The path holds the vendor key and one key per certificate.
                if parent.path.len() > MAX_CHAIN {
                    first_error.get_or_insert_with(too_long);
                    continue;
                }
                match self.link(parent, index, signed) {
                    Ok(authority) => found.push(authority),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        if found.is_empty() {
            return Err(first_error.unwrap_or(Error::UnknownSigner {
                what: "artifact",
                key_id,
            }));
        }
        Ok(found)
    }

    /// The distinct keys with id `key_id`: trusted keys and the subjects of
    /// the certificates at hand.
    fn candidate_keys(&self, key_id: KeyId) -> Vec<PublicKey> {
        self.keys
            .iter()
            .filter(|(id, _)| *id == key_id)
            .map(|(_, key)| *key)
            .collect()
    }

    /// Whether certificate `index` is signed by `key` (checked once).
    fn signed_by(
        &self,
        index: usize,
        signed: &Signed<Certificate>,
        key: &PublicKey,
    ) -> Result<(), Error> {
        let link = (index, key.to_bytes());
        let known = self.links.borrow().get(&link).cloned();
        let outcome = match known {
            Some(outcome) => outcome,
            None => {
                let outcome = signed.verify(key).err().map(|e| e.to_string());
                self.links.borrow_mut().insert(link, outcome.clone());
                outcome
            }
        };
        match outcome {
            None => Ok(()),
            Some(why) => Err(Error::Chain(format!(
                "certificate of {}: {why}",
                signed.unverified().name
            ))),
        }
    }

    /// Checks one certificate under its issuer's checked chain.
    fn link(
        &self,
        parent: &Authority,
        index: usize,
        signed: &Signed<Certificate>,
    ) -> Result<Authority, Error> {
        self.signed_by(index, signed, &parent.key)?;
        let cert = signed.unverified(); // its signature under this key checked out
        if self.revoked.contains(&cert.serial) {
            return Err(Error::Chain(format!(
                "the certificate of {} was revoked",
                cert.name
            )));
        }
        if let Some(issuer) = &parent.certified {
            let at = |why: String| {
                Error::Chain(format!(
                    "{} certified {}, which {why}",
                    parent.name(),
                    cert.name
                ))
            };
            if !issuer.rights.has(Capability::Delegate) {
                return Err(at(format!(
                    "it may not do: {} ({}) may not certify other parties",
                    parent.name(),
                    issuer.role.name()
                )));
            }
            if cert.depth >= issuer.depth {
                return Err(at(format!(
                    "may certify {} levels, its issuer only {} below itself",
                    cert.depth, issuer.depth
                )));
            }
            cert.rights().within(&issuer.rights).map_err(at)?;
            cert.limits.within(&issuer.limits).map_err(at)?;
            if !issuer.limits.window_covers(cert.issued_at) {
                return Err(at("was certified outside its issuer's window".into()));
            }
        }
        let mut chain = parent.chain.clone();
        chain.push(cert.name.clone());
        let mut levels: Vec<_> = parent.levels().cloned().collect();
        levels.push((cert.serial, cert.name.clone(), cert.limits.max_seats));
        // The subject's key, decompressed once for the whole decision.
        let key = match self.keys.iter().find(|(_, k)| k.to_bytes() == cert.subject) {
            Some((_, key)) => *key,
            None => cert.subject_key()?,
        };
        let mut path = parent.path.clone();
        path.push(key);
        Ok(Authority {
            key,
            certified: Some(Certified {
                role: cert.role,
                rights: cert.rights(),
                limits: cert.limits.clone(),
                levels,
                depth: cert.depth,
            }),
            chain,
            path,
        })
    }
}
