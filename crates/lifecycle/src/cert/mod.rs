//! Partner certificates: the vendor delegates rights to partners, who may
//! delegate narrower rights further down, never wider.

use std::fmt;

use entitle_verify::ArtifactKind;
use entitle_verify::format::CERTIFICATE_CONTEXT;
use entitle_verify::{Claims, KeyId, PublicKey, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::{Artifact, version_1};
use crate::error::Error;

mod chains;

pub use chains::Chains;

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

    /// What `entitle partner certify` grants the role when no capability
    /// is named, from the table of MODELS.md section 4: activate, destroy
    /// (revoke) and obtain free extra keys for system integrators and
    /// service providers, destroy and extra keys for customers; none of
    /// these for resellers, distributors and partners. (Download and service
    /// quotes are not entitle operations.)
    /// Extra keys are always bounded by the annual-model licenses the holder
    /// has (docs/catalog.md, "Free extra keys").
    ///
    /// A customer's preset does not include `activate`: node locking would
    /// mean nothing if the customer could activate its licenses itself. A
    /// customer activates only where its certificate grants `activate`
    /// explicitly, and only licenses it issued (free extra keys), one
    /// machine each, through its ledger.
    pub fn preset(self) -> Vec<Capability> {
        match self {
            Role::Customer => vec![Capability::Revoke, Capability::ExtraKeys],
            Role::SystemIntegrator | Role::ServiceProvider => vec![
                Capability::Activate,
                Capability::Revoke,
                Capability::ExtraKeys,
            ],
            Role::Reseller | Role::Distributor | Role::Partner => Vec::new(),
        }
    }
}

/// The functions of a ThinPrint portal view, the columns of the table in
/// MODELS.md section 4 ("Die folgende Tabelle zeigt die verfügbaren
/// Funktionen").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewFunction {
    /// Software download.
    Download,
    /// Software activation.
    Activation,
    /// Requesting a non-binding service quote.
    ServiceQuote,
    /// Destroying license keys.
    DestroyKeys,
    /// Obtaining free additional keys (with annual-model licenses).
    ExtraKeys,
}

impl ViewFunction {
    /// Every function, in the table's order.
    pub const ALL: [ViewFunction; 5] = [
        ViewFunction::Download,
        ViewFunction::Activation,
        ViewFunction::ServiceQuote,
        ViewFunction::DestroyKeys,
        ViewFunction::ExtraKeys,
    ];

    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ViewFunction::Download => "download",
            ViewFunction::Activation => "activation",
            ViewFunction::ServiceQuote => "service_quote",
            ViewFunction::DestroyKeys => "destroy_keys",
            ViewFunction::ExtraKeys => "extra_keys",
        }
    }
}

impl Role {
    /// Of `granted`, the capabilities the seed's table gives this role no
    /// cell for: `activate`, `revoke` or `extra-keys` where its row has no
    /// "Software-Aktivierung", "Vernichtung von Lizenzschlüsseln" or
    /// "Abruf kostenfreier Zusatz-Lizenzschlüssel" (MODELS.md section 4).
    /// Distribution rights (`issue`, `extend`, `delegate`) are not in the
    /// table. A certificate may grant them all the same; `partner certify`
    /// says so and `partner show` lists them.
    pub fn beyond_table(self, granted: &[Capability]) -> Vec<Capability> {
        granted
            .iter()
            .copied()
            .filter(|capability| {
                let function = match capability {
                    Capability::Activate => ViewFunction::Activation,
                    Capability::Revoke => ViewFunction::DestroyKeys,
                    Capability::ExtraKeys => ViewFunction::ExtraKeys,
                    _ => return false,
                };
                !self.offers(function)
            })
            .collect()
    }

    /// Whether the role's view offers `function`: the seed's table, cell by
    /// cell. Download and service quotes are portal functions, shown here
    /// and not entitle operations; destroying keys and extra keys are the
    /// role's preset ([`Role::preset`]); a customer's activation is its
    /// request, answered by the vendor or the integrator or provider that
    /// manages its keys (docs/catalog.md), so its preset signs none.
    pub fn offers(self, function: ViewFunction) -> bool {
        match function {
            ViewFunction::Download => true,
            ViewFunction::ServiceQuote => self != Role::Partner,
            ViewFunction::Activation | ViewFunction::DestroyKeys | ViewFunction::ExtraKeys => {
                matches!(
                    self,
                    Role::Customer | Role::SystemIntegrator | Role::ServiceProvider
                )
            }
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
}

impl Rights {
    /// Whether the party has `capability`.
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    fn within(&self, parent: &Rights) -> Result<(), String> {
        match self.capabilities.iter().find(|c| !parent.has(**c)) {
            Some(c) => Err(format!("grants {c}, which its issuer does not have")),
            None => Ok(()),
        }
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
    /// What the partner may do: exactly what the certificate grants. A
    /// role's preset ([`Role::preset`]) is what `entitle partner certify`
    /// grants when no capability is named; it is written into the
    /// certificate, never added at verification.
    pub fn rights(&self) -> Rights {
        let mut capabilities = self.granted.clone();
        capabilities.sort();
        capabilities.dedup();
        Rights { capabilities }
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
    const KIND: ArtifactKind = ArtifactKind::Certificate;
    const CONTEXT: &'static [u8] = CERTIFICATE_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        version_1(self.version)?;
        if self.role == Role::Customer && self.limits.tenants.is_empty() {
            return Err("a customer certificate must name its tenant (company id)".into());
        }
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

/// What a verified chain allows its last key to do. Only [`Chains`] makes
/// one, by checking the chain back to a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    key: PublicKey,
    certified: Option<Certified>,
    chain: Vec<String>,
    /// The keys along the chain, vendor key first, this key last: whole
    /// keys, never key ids, which two keys can share (4 bytes: a birthday
    /// search finds a pair in seconds).
    path: Vec<PublicKey>,
}

/// Rights and limits of a certified (partner) key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Certified {
    role: Role,
    rights: Rights,
    limits: Limits,
    /// Serial, holder's name and `max_seats` of every certificate of the
    /// chain, vendor's first.
    levels: Vec<([u8; 8], String, Option<u32>)>,
    /// Levels it may certify below itself.
    depth: u8,
}

impl Authority {
    /// The key that signs.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// Whether this is a trusted (vendor) key itself.
    pub fn is_vendor(&self) -> bool {
        self.certified.is_none()
    }

    /// The leaf certificate's role; `None` for the vendor.
    pub fn role(&self) -> Option<Role> {
        self.certified.as_ref().map(|c| c.role)
    }

    /// The serial of the key's own certificate; `None` for the vendor.
    fn leaf_serial(&self) -> Option<[u8; 8]> {
        self.certified
            .as_ref()
            .and_then(|c| c.levels.last())
            .map(|(serial, _, _)| *serial)
    }

    /// The leaf certificate's limits; `None` for the vendor (no limits).
    pub fn limits(&self) -> Option<&Limits> {
        self.certified.as_ref().map(|c| &c.limits)
    }

    /// Whether the party has `capability` (the vendor has all).
    pub fn has(&self, capability: Capability) -> bool {
        self.certified
            .as_ref()
            .is_none_or(|c| c.rights.has(capability))
    }

    /// The capabilities of the party; every one for the vendor.
    pub fn capabilities(&self) -> Vec<Capability> {
        match &self.certified {
            Some(c) => c.rights.capabilities.clone(),
            None => Capability::ALL.to_vec(),
        }
    }

    /// Serials of the certificates of the chain, vendor's first.
    pub fn certificate_serials(&self) -> Vec<[u8; 8]> {
        self.levels().map(|(serial, _, _)| *serial).collect()
    }

    /// Every certificate of the chain that limits seats in total: serial,
    /// holder's name, `max_seats`.
    pub fn seat_limits(&self) -> Vec<([u8; 8], String, u32)> {
        self.levels()
            .filter_map(|(serial, name, max)| max.map(|max| (*serial, name.clone(), max)))
            .collect()
    }

    fn levels(&self) -> impl Iterator<Item = &([u8; 8], String, Option<u32>)> {
        self.certified.iter().flat_map(|c| c.levels.iter())
    }

    /// Names along the chain, vendor first, for messages.
    pub fn chain(&self) -> &[String] {
        &self.chain
    }

    /// Whether `other` signs on this chain: it is this key, or one that
    /// certified it (directly or further up).
    pub fn is_under(&self, other: &Authority) -> bool {
        self.path.contains(&other.key) && other.path.iter().zip(&self.path).all(|(a, b)| a == b)
    }

    /// The party's name (the leaf's), or "the vendor".
    pub fn name(&self) -> &str {
        self.chain.last().map_or("the vendor", String::as_str)
    }

    fn who(&self) -> String {
        match &self.certified {
            Some(c) => format!("{} ({})", self.name(), c.role.name()),
            None => "the vendor".into(),
        }
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
        let who = self.who();
        if !certified.rights.has(capability) {
            return Err(Error::NotAllowed(format!(
                "{who} may not {}: its certificate does not grant it",
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

    /// The capability under which this party issued a token with `claims`
    /// (`Issue`, else `ExtraKeys`), or why it may not have issued it. Limits
    /// that hold in total (seats, extra keys out of annual-model licenses)
    /// are checked over all tokens by the decision (`decide`).
    pub fn may_issue(&self, claims: &Claims<'_>) -> Result<Capability, Error> {
        let Some(certified) = &self.certified else {
            return Ok(Capability::Issue);
        };
        let who = self.who();
        let capability = if certified.rights.has(Capability::Issue) {
            Capability::Issue
        } else {
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
        Ok(capability)
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
