//! Partner certificates: the vendor delegates rights to partners, who may
//! delegate narrower rights further down, never wider.

use std::fmt;

use entitle_verify::format::CERTIFICATE_CONTEXT;
use entitle_verify::{Claims, KeyId, PublicKey, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::{Artifact, Signed, version_1};
use crate::error::Error;

/// Most certificates between the vendor key and the party that signs.
pub const MAX_CHAIN: usize = 4;

/// The parties of ../shared/MODELS.md section 4 (ThinPrint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// End customer.
    Customer,
    /// Manages keys and services for customers.
    SystemIntegrator,
    /// Uses licenses for paid cloud services.
    ServiceProvider,
    /// Sells licenses to customers.
    Reseller,
    /// Sells licenses to resellers.
    Distributor,
    /// Channel or OEM partner.
    Partner,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Customer,
        Role::SystemIntegrator,
        Role::ServiceProvider,
        Role::Reseller,
        Role::Distributor,
        Role::Partner,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::SystemIntegrator => "system-integrator",
            Role::ServiceProvider => "service-provider",
            Role::Reseller => "reseller",
            Role::Distributor => "distributor",
            Role::Partner => "partner",
        }
    }

    /// What the role may do without anything granted explicitly, exactly
    /// as the table of MODELS.md section 4 says: activate, destroy (revoke)
    /// and obtain free extra keys for customers, system integrators and
    /// service providers; none of these for resellers, distributors and
    /// partners. (Download and service quotes are not entitle operations.)
    pub fn preset(self) -> Rights {
        let all = Rights {
            capabilities: vec![
                Capability::Activate,
                Capability::Revoke,
                Capability::ExtraKeys,
            ],
            extra_keys_annual_only: false,
        };
        match self {
            // (1) "only where annual-model (ALM) licenses were bought"
            Role::Customer | Role::SystemIntegrator => Rights {
                extra_keys_annual_only: true,
                ..all
            },
            Role::ServiceProvider => all,
            Role::Reseller | Role::Distributor | Role::Partner => Rights::default(),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(name: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| format!("unknown role {name:?}; roles: customer, system-integrator, service-provider, reseller, distributor, partner"))
    }
}

/// Something a certified party may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Capability {
    /// Issue license tokens.
    Issue,
    /// Sign activation responses (node locking).
    Activate,
    /// Sign revocation lists (destroy keys).
    Revoke,
    /// Sign renewals (term extension).
    Extend,
    /// Issue free extra license keys.
    ExtraKeys,
    /// Certify other parties, with narrower rights.
    Delegate,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 6] = [
        Capability::Issue,
        Capability::Activate,
        Capability::Revoke,
        Capability::Extend,
        Capability::ExtraKeys,
        Capability::Delegate,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Issue => "issue",
            Capability::Activate => "activate",
            Capability::Revoke => "revoke",
            Capability::Extend => "extend",
            Capability::ExtraKeys => "extra-keys",
            Capability::Delegate => "delegate",
        }
    }
}

impl std::str::FromStr for Capability {
    type Err = String;

    fn from_str(name: &str) -> Result<Capability, String> {
        Capability::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| format!("unknown capability {name:?}; capabilities: issue, activate, revoke, extend, extra-keys, delegate"))
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a party may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rights {
    /// Capabilities, sorted.
    pub capabilities: Vec<Capability>,
    /// Free extra keys only for annual-model (term) licenses.
    pub extra_keys_annual_only: bool,
}

impl Rights {
    /// Whether the party has `capability`.
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    fn within(&self, parent: &Rights) -> Result<(), String> {
        if let Some(c) = self.capabilities.iter().find(|c| !parent.has(**c)) {
            return Err(format!("grants {c}, which its issuer does not have"));
        }
        if self.has(Capability::ExtraKeys)
            && parent.extra_keys_annual_only
            && !self.extra_keys_annual_only
        {
            return Err(
                "grants extra keys beyond annual-model licenses, which its issuer may not".into(),
            );
        }
        Ok(())
    }
}

/// A product and the editions a party may act on (none listed: all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLimit {
    /// Product name.
    pub product: String,
    /// Editions; empty for every edition.
    pub editions: Vec<String>,
}

/// Within what a party may act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Products (and editions); empty for every product.
    pub products: Vec<ProductLimit>,
    /// Most seats on one token; `None` for no limit.
    pub max_seats: Option<u32>,
    /// Start of the window in which the party may act (Unix seconds).
    pub not_before: u64,
    /// End of the window (exclusive): nothing it signs may be valid later.
    pub not_after: u64,
    /// Tenants (company ids); empty for every tenant.
    pub tenants: Vec<String>,
}

impl Limits {
    /// Whether a token's product, edition, tenant and seats are within.
    pub fn covers(&self, claims: &Claims<'_>) -> Result<(), String> {
        if !self.products.is_empty() {
            let product = self
                .products
                .iter()
                .find(|p| p.product == claims.product)
                .ok_or_else(|| format!("product {} is outside its limits", claims.product))?;
            if !product.editions.is_empty() && !product.editions.iter().any(|e| e == claims.edition)
            {
                return Err(format!(
                    "edition {} {} is outside its limits",
                    claims.product, claims.edition
                ));
            }
        }
        if !self.tenants.is_empty()
            && !claims
                .tenant
                .is_some_and(|t| self.tenants.iter().any(|x| x == t))
        {
            return Err(format!(
                "tenant {} is outside its limits",
                claims.tenant.unwrap_or("(none)")
            ));
        }
        Ok(())
    }

    /// Whether `time` is inside the window.
    pub fn window_covers(&self, time: u64) -> bool {
        self.not_before <= time && time < self.not_after
    }

    fn within(&self, parent: &Limits) -> Result<(), String> {
        if !parent.products.is_empty() {
            if self.products.is_empty() {
                return Err("covers every product; its issuer only some".into());
            }
            for p in &self.products {
                let theirs = parent
                    .products
                    .iter()
                    .find(|q| q.product == p.product)
                    .ok_or_else(|| format!("covers product {}, its issuer does not", p.product))?;
                if !theirs.editions.is_empty() {
                    if p.editions.is_empty() {
                        return Err(format!(
                            "covers every edition of {}, its issuer only some",
                            p.product
                        ));
                    }
                    if let Some(e) = p.editions.iter().find(|e| !theirs.editions.contains(e)) {
                        return Err(format!(
                            "covers edition {} {e}, its issuer does not",
                            p.product
                        ));
                    }
                }
            }
        }
        match (self.max_seats, parent.max_seats) {
            (None, Some(max)) => {
                return Err(format!(
                    "allows any number of seats, its issuer at most {max}"
                ));
            }
            (Some(own), Some(max)) if own > max => {
                return Err(format!(
                    "allows {own} seats per key, its issuer at most {max}"
                ));
            }
            _ => {}
        }
        if self.not_before < parent.not_before || self.not_after > parent.not_after {
            return Err(format!(
                "is valid {} to {}, outside its issuer's window {} to {}",
                Utc(self.not_before),
                Utc(self.not_after),
                Utc(parent.not_before),
                Utc(parent.not_after)
            ));
        }
        if !parent.tenants.is_empty() {
            if self.tenants.is_empty() {
                return Err("covers every tenant; its issuer only some".into());
            }
            if let Some(t) = self.tenants.iter().find(|t| !parent.tenants.contains(t)) {
                return Err(format!("covers tenant {t}, its issuer does not"));
            }
        }
        Ok(())
    }
}

/// The fields of a partner certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Format version: 1.
    pub version: u8,
    /// Key id of the issuer (the vendor key, or the parent partner's key).
    pub signer: KeyIdBytes,
    /// Random serial, for revocation.
    pub serial: [u8; 8],
    /// The partner's public key.
    pub subject: [u8; 32],
    /// The partner's name, for people.
    pub name: String,
    /// The partner's role.
    pub role: Role,
    /// Capabilities granted beyond the role's preset, explicitly.
    pub granted: Vec<Capability>,
    /// How many further levels it may certify below itself.
    pub depth: u8,
    /// Within what it may act.
    pub limits: Limits,
    /// When it was issued.
    pub issued_at: u64,
}

/// Key id bytes as stored in artifacts.
pub type KeyIdBytes = [u8; 4];

impl Certificate {
    /// What the partner may do: its role's preset plus what is granted.
    pub fn rights(&self) -> Rights {
        let mut rights = self.role.preset();
        for c in &self.granted {
            if !rights.has(*c) {
                rights.capabilities.push(*c);
            }
        }
        // ExtraKeys granted explicitly is not limited to annual licenses.
        if self.granted.contains(&Capability::ExtraKeys) {
            rights.extra_keys_annual_only = false;
        }
        rights.capabilities.sort();
        rights
    }

    /// The partner's key.
    pub fn subject_key(&self) -> Result<PublicKey, Error> {
        PublicKey::from_bytes(&self.subject).map_err(|_| Error::Malformed {
            what: Self::NAME,
            detail: "the subject is not a valid Ed25519 public key".into(),
        })
    }
}

impl Artifact for Certificate {
    const PREFIX: &'static str = "entc1.";
    const CONTEXT: &'static [u8] = CERTIFICATE_CONTEXT;
    const NAME: &'static str = "partner certificate";

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        version_1(self.version)?;
        if self.limits.not_before >= self.limits.not_after {
            return Err("its window ends before it starts".into());
        }
        if self.name.is_empty() || self.name.len() > 128 || self.name.chars().any(char::is_control)
        {
            return Err("the name must be 1 to 128 printable characters".into());
        }
        Ok(())
    }
}

/// What a verified chain allows its last key to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// The key that signs.
    pub key: PublicKey,
    /// `None` for a trusted vendor key (no limits); the leaf certificate's
    /// rights and limits otherwise.
    pub certified: Option<Certified>,
    /// Names along the chain, vendor first, for messages.
    pub chain: Vec<String>,
}

/// Rights and limits of a certified (partner) key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certified {
    /// The leaf certificate's role.
    pub role: Role,
    /// What it may do.
    pub rights: Rights,
    /// Within what.
    pub limits: Limits,
    /// Serials of every certificate of the chain (for revocation).
    pub serials: Vec<[u8; 8]>,
}

impl Authority {
    /// The party's name (the leaf's), or "the vendor".
    pub fn name(&self) -> &str {
        self.chain.last().map_or("the vendor", String::as_str)
    }

    /// Refuses unless the party may use `capability` at `time` on a token
    /// with `claims` (`None` for acts not about one token).
    pub fn allows(
        &self,
        capability: Capability,
        time: u64,
        claims: Option<&Claims<'_>>,
    ) -> Result<(), Error> {
        let Some(certified) = &self.certified else {
            return Ok(()); // the vendor may do anything
        };
        let who = format!("{} ({})", self.name(), certified.role.name());
        if !certified.rights.has(capability) {
            return Err(Error::NotAllowed(format!(
                "{who} may not {}: not in its role, and not granted",
                verb(capability)
            )));
        }
        if !certified.limits.window_covers(time) {
            return Err(Error::NotAllowed(format!(
                "{who} acted at {}, outside its window {} to {}",
                Utc(time),
                Utc(certified.limits.not_before),
                Utc(certified.limits.not_after)
            )));
        }
        if let Some(claims) = claims {
            certified
                .limits
                .covers(claims)
                .map_err(|why| Error::NotAllowed(format!("{who}: {why}")))?;
        }
        Ok(())
    }

    /// Refuses a token this party may not have issued.
    pub fn may_issue(&self, claims: &Claims<'_>) -> Result<(), Error> {
        let Some(certified) = &self.certified else {
            return Ok(());
        };
        let who = format!("{} ({})", self.name(), certified.role.name());
        let rights = &certified.rights;
        let capability = if rights.has(Capability::Issue) {
            Capability::Issue
        } else {
            if rights.has(Capability::ExtraKeys)
                && rights.extra_keys_annual_only
                && claims.expires_at.is_none()
            {
                return Err(Error::NotAllowed(format!(
                    "{who} may issue extra keys only for annual-model (term) licenses, not perpetual ones"
                )));
            }
            Capability::ExtraKeys
        };
        self.allows(capability, claims.issued_at, Some(claims))?;
        let limits = &certified.limits;
        if let Some(max) = limits.max_seats.filter(|&max| claims.seats > max) {
            return Err(Error::NotAllowed(format!(
                "{who} may issue at most {max} seats per key, not {}",
                claims.seats
            )));
        }
        let ends_in_window = claims.expires_at.is_some_and(|e| e <= limits.not_after);
        if claims.not_before < limits.not_before || !ends_in_window {
            return Err(Error::NotAllowed(format!(
                "{who} may issue licenses valid only within {} to {}",
                Utc(limits.not_before),
                Utc(limits.not_after)
            )));
        }
        Ok(())
    }
}

fn verb(capability: Capability) -> &'static str {
    match capability {
        Capability::Issue => "issue licenses",
        Capability::Activate => "activate",
        Capability::Revoke => "revoke (destroy) licenses",
        Capability::Extend => "extend terms",
        Capability::ExtraKeys => "issue extra keys",
        Capability::Delegate => "certify other parties",
    }
}

/// Finds and checks the chain from a trusted key to `key_id`: each
/// certificate signed by its issuer's key, no link wider than its issuer,
/// every issuer allowed to delegate, at most [`MAX_CHAIN`] links, none
/// revoked (`revoked` holds revoked certificate serials).
pub fn authority(
    trusted: &[PublicKey],
    certificates: &[Signed<Certificate>],
    key_id: KeyId,
    revoked: &[[u8; 8]],
) -> Result<Authority, Error> {
    if let Some(key) = trusted.iter().find(|k| k.id() == key_id) {
        return Ok(Authority {
            key: *key,
            certified: None,
            chain: Vec::new(),
        });
    }
    // Walk up from the leaf to a trusted key.
    let mut path: Vec<&Signed<Certificate>> = Vec::new();
    let mut want = key_id;
    loop {
        let cert = certificates
            .iter()
            .find(|c| KeyId::of(&c.body.subject) == want)
            .ok_or(Error::UnknownSigner {
                what: "artifact",
                key_id,
            })?;
        if path.iter().any(|c| c.body.serial == cert.body.serial) || path.len() >= MAX_CHAIN {
            return Err(Error::Chain(format!(
                "more than {MAX_CHAIN} certificates between the vendor and key {key_id}"
            )));
        }
        path.push(cert);
        if trusted.iter().any(|k| k.id() == cert.body.signer()) {
            break;
        }
        want = cert.body.signer();
    }
    path.reverse();

    let mut issuer_key = trusted
        .iter()
        .find(|k| path.first().is_some_and(|c| k.id() == c.body.signer()))
        .copied()
        .ok_or(Error::UnknownSigner {
            what: "artifact",
            key_id,
        })?;
    let mut parent: Option<&Certificate> = None;
    let mut chain = Vec::new();
    let mut serials = Vec::new();
    for signed in &path {
        let cert = &signed.body;
        signed
            .check_signature(&issuer_key)
            .map_err(|e| Error::Chain(format!("certificate of {}: {e}", cert.name)))?;
        if revoked.contains(&cert.serial) {
            return Err(Error::Chain(format!(
                "the certificate of {} was revoked",
                cert.name
            )));
        }
        if let Some(parent) = parent {
            let at = |why: String| {
                Error::Chain(format!(
                    "{} certified {}, which {why}",
                    parent.name, cert.name
                ))
            };
            if !parent.rights().has(Capability::Delegate) {
                return Err(at(format!(
                    "it may not do: {} ({}) may not certify other parties",
                    parent.name,
                    parent.role.name()
                )));
            }
            if cert.depth >= parent.depth {
                return Err(at(format!(
                    "may certify {} levels, its issuer only {} below itself",
                    cert.depth, parent.depth
                )));
            }
            cert.rights().within(&parent.rights()).map_err(at)?;
            cert.limits.within(&parent.limits).map_err(at)?;
            if !parent.limits.window_covers(cert.issued_at) {
                return Err(at("was certified outside its issuer's window".into()));
            }
        }
        chain.push(cert.name.clone());
        serials.push(cert.serial);
        issuer_key = cert.subject_key()?;
        parent = Some(cert);
    }
    let leaf = parent.ok_or(Error::UnknownSigner {
        what: "artifact",
        key_id,
    })?;
    Ok(Authority {
        key: issuer_key,
        certified: Some(Certified {
            role: leaf.role,
            rights: leaf.rights(),
            limits: leaf.limits.clone(),
            serials,
        }),
        chain,
    })
}
