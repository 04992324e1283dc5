//! The product catalog: what a vendor sells and the rules that come with it,
//! read from TOML (docs/catalog.md) and checked rule by rule, each error
//! naming its line.
//!
//! - this module: the checked model ([`Catalog`]) and what can be asked of it;
//! - `raw`: the TOML as written;
//! - `compile`: from the one to the other, rule by rule.

mod compile;
mod raw;

use serde::Deserialize;

use crate::error::Error;
use compile::Compiler;
use raw::RawCatalog;

/// Index of a license type in [`Catalog::licenses`].
pub type LicenseId = usize;
/// Index of a unit in [`Catalog::units`].
pub type UnitId = usize;

/// What a license type is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseKind {
    /// Configured per user; each configured user consumes one.
    User,
    /// Per installation (a server license, channels, databases).
    System,
    /// Configurable per user without consuming anything (phones, numbers).
    Free,
    /// Granted to a user only if every member of the user's team holds the
    /// gate license; team leaders are exempt. Consumes nothing itself.
    Team,
    /// One license for the whole company (installation), without a seat
    /// count: every user whose role may hold it uses it while the
    /// installation holds one (pcvisit's bundled and own licenses).
    Company,
}

/// Whether tokens of an edition carry a tenant (company id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantRule {
    /// Tokens may carry one or not.
    #[default]
    Optional,
    /// Bound to a company id (bring-your-own licenses): tokens must carry
    /// one, and count only on an installation configured with that id.
    Required,
    /// Bound to the platform (bundled licenses): tokens must not carry one.
    Forbidden,
}

/// A license type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseType {
    /// The product it belongs to.
    pub product: usize,
    /// Its name, unique within the product.
    pub name: String,
    /// How it is counted.
    pub kind: LicenseKind,
    /// Licenses that must be held too: by the same user for user licenses,
    /// by the installation for system licenses.
    pub requires: Vec<LicenseId>,
    /// Licenses each one of these also is (an Office Plus carries its own
    /// Office base): they add to those pools and are consumed with it.
    pub includes: Vec<LicenseId>,
    /// Units one license provides (system licenses): `(unit, count)`.
    pub units: Vec<(UnitId, u64)>,
    /// Installation units needed before this license works: `(unit, at least)`.
    pub requires_units: Vec<(UnitId, u64)>,
    /// User roles that may hold it; empty for any role.
    pub roles: Vec<String>,
    /// For team licenses: the user license every team member must hold.
    pub team_gate: Option<LicenseId>,
    /// Ways of using the license that need more licenses, e.g. Voicemail in
    /// the mobile app needs Office Plus.
    pub usages: Vec<Usage>,
    /// Free licenses: a user holding more than this many is flagged (one
    /// user owning every phone of an office violates STARFACE's model).
    pub warn_above: Option<u32>,
    /// Facilities the installation must have set up, not licensed (XPhone
    /// Analytics needs a CTI connection between server and PBX): named in
    /// the installation's setup (`facilities`).
    pub requires_facilities: Vec<String>,
    /// Licenses some user of the installation must hold first (pcvisit: an
    /// "Architekt" enables the integration before anyone uses it).
    pub requires_company: Vec<LicenseId>,
}

impl LicenseType {
    /// A license type without rules.
    pub(crate) fn new(product: usize, name: String, kind: LicenseKind) -> LicenseType {
        LicenseType {
            product,
            name,
            kind,
            requires: Vec::new(),
            includes: Vec::new(),
            units: Vec::new(),
            requires_units: Vec::new(),
            roles: Vec::new(),
            team_gate: None,
            usages: Vec::new(),
            warn_above: None,
            requires_facilities: Vec::new(),
            requires_company: Vec::new(),
        }
    }
}

/// A usage of a license with its own extra prerequisites (`voicemail:mobile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// Its name.
    pub name: String,
    /// Licenses the same user must hold for this usage.
    pub requires: Vec<LicenseId>,
}

/// An edition: what a token of `product` + `edition` grants, and the rules
/// for issuing and counting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    /// Its name, as tokens carry it.
    pub name: String,
    /// The license type its seats count as.
    pub license: LicenseId,
    /// Seats a base token carries (the server license's included users).
    pub included: Option<u32>,
    /// Most seats usable in total, however many tokens are stacked.
    pub cap: Option<u32>,
    /// Seat counts an add-on pack may have; `None` for any.
    pub packs: Option<Vec<u32>>,
    /// Whether add-on packs exist for it.
    pub addons: bool,
    /// Whether its seats carry over when another edition of the product is
    /// present; a Free edition's do not.
    pub migratable: bool,
    /// Whether it comes with software updates; without, tokens cover only
    /// builds up to their issue date.
    pub updates: bool,
    /// Features every token of the edition carries.
    pub features: Vec<String>,
    /// Tenant binding.
    pub tenant: TenantRule,
    /// The edition a token becomes when it expires, or at `fallback_at`.
    pub fallback: Option<usize>,
    /// A fixed date (Unix seconds) from which tokens count as `fallback`.
    pub fallback_at: Option<u64>,
    /// The date (Unix seconds) the edition was withdrawn: no license of it
    /// issued from then on is issued or counts.
    pub withdrawn_at: Option<u64>,
}

/// A product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Its name, as tokens carry it.
    pub name: String,
    /// User roles beyond `member` and `leader`.
    pub roles: Vec<String>,
    /// Its editions, by name.
    pub editions: Vec<Edition>,
    /// Editions of which one license is in use at a time (pcvisit: the
    /// bundled license or the company's own); empty for none.
    pub exclusive: Vec<String>,
    /// Most users one installation (server) serves; users beyond it, in id
    /// order, are denied the product's licenses.
    pub max_users: Option<u32>,
}

/// A unit of capacity (IP channels, data sources) of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The product.
    pub product: usize,
    /// Its name.
    pub name: String,
}

/// A checked catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Products, by name.
    pub products: Vec<Product>,
    /// License types of all products.
    pub licenses: Vec<LicenseType>,
    /// Units of all products.
    pub units: Vec<Unit>,
    /// License ids in the order allocation settles them: a license after
    /// what it requires beyond what it includes (and its usages'
    /// prerequisites and team gate), and before the licenses it includes.
    pub order: Vec<LicenseId>,
}

/// The roles every product knows.
pub const BASE_ROLES: [&str; 2] = ["member", "leader"];

impl Catalog {
    /// Parses and checks catalog TOML.
    pub fn parse(text: &str) -> Result<Catalog, Error> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| Error::Catalog {
            line: e.span().map_or(0, |span| line_of(text, span.start)),
            path: String::new(),
            message: e.message().trim().to_string(),
        })?;
        Compiler::new(text).compile(raw)
    }

    /// The product named `name`.
    pub fn product(&self, name: &str) -> Option<usize> {
        self.products.iter().position(|p| p.name == name)
    }

    /// The license type `name` of `product`.
    pub fn license(&self, product: usize, name: &str) -> Option<LicenseId> {
        self.licenses
            .iter()
            .position(|l| l.product == product && l.name == name)
    }

    /// Resolves `name` or `product/name`; a bare name must be unique.
    pub fn resolve(&self, reference: &str) -> Result<LicenseId, String> {
        if let Some((product, name)) = reference.split_once('/') {
            let p = self
                .product(product)
                .ok_or_else(|| format!("unknown product {product:?}"))?;
            return self
                .license(p, name)
                .ok_or_else(|| format!("{product} has no license {name:?}"));
        }
        let mut found = self
            .licenses
            .iter()
            .enumerate()
            .filter(|(_, l)| l.name == reference);
        match (found.next(), found.next()) {
            (Some((id, _)), None) => Ok(id),
            (Some(_), Some(_)) => Err(format!(
                "license {reference:?} exists in several products; write product/{reference}"
            )),
            (None, _) => Err(format!("unknown license {reference:?}")),
        }
    }

    /// `name`, or `product/name` when several products use the name.
    pub fn display_name(&self, id: LicenseId) -> String {
        let Some(license) = self.licenses.get(id) else {
            return String::new();
        };
        let shared = self
            .licenses
            .iter()
            .filter(|l| l.name == license.name)
            .count()
            > 1;
        match self.products.get(license.product) {
            Some(product) if shared => format!("{}/{}", product.name, license.name),
            _ => license.name.clone(),
        }
    }

    /// `name`, or `product/name` when several products use the name.
    pub fn unit_name(&self, id: UnitId) -> String {
        let Some(unit) = self.units.get(id) else {
            return String::new();
        };
        let shared = self.units.iter().filter(|u| u.name == unit.name).count() > 1;
        match self.products.get(unit.product) {
            Some(product) if shared => format!("{}/{}", product.name, unit.name),
            _ => unit.name.clone(),
        }
    }

    /// The edition a token of `product` and `edition` is: a declared
    /// edition, or, for a license type sold on its own, a plain edition
    /// named after it. `None` when the catalog knows neither.
    pub fn edition(&self, product: &str, edition: &str) -> Option<(usize, Edition)> {
        let p = self.product(product)?;
        let declared = self
            .products
            .get(p)?
            .editions
            .iter()
            .find(|e| e.name == edition);
        if let Some(declared) = declared {
            return Some((p, declared.clone()));
        }
        let license = self.license(p, edition)?;
        let kind = self.licenses.get(license)?.kind;
        matches!(
            kind,
            LicenseKind::User | LicenseKind::System | LicenseKind::Company
        )
        .then(|| (p, plain_edition(edition, license)))
    }

    /// The catalog an installation without a signed catalog works with:
    /// every product and edition of its tokens becomes a user license of
    /// that name, without rules.
    pub fn implicit<'a>(editions: impl IntoIterator<Item = (&'a str, &'a str)>) -> Catalog {
        let mut catalog = Catalog {
            products: Vec::new(),
            licenses: Vec::new(),
            units: Vec::new(),
            order: Vec::new(),
        };
        for (product, edition) in editions {
            let p = catalog.product(product).unwrap_or_else(|| {
                catalog.products.push(Product {
                    name: product.to_string(),
                    roles: Vec::new(),
                    editions: Vec::new(),
                    exclusive: Vec::new(),
                    max_users: None,
                });
                catalog.products.len().saturating_sub(1)
            });
            if catalog.license(p, edition).is_none() {
                catalog.order.push(catalog.licenses.len());
                catalog
                    .licenses
                    .push(LicenseType::new(p, edition.to_string(), LicenseKind::User));
            }
        }
        catalog
    }

    /// The features `product` knows: those its editions grant, and no
    /// other may be carried by its tokens. `None` for a product that
    /// declares no edition (it sells license types on their own, or the
    /// catalog is implicit): its catalog states no feature rule.
    pub fn features(&self, product: usize) -> Option<Vec<&str>> {
        let editions = &self.products.get(product)?.editions;
        if editions.is_empty() {
            return None;
        }
        let mut known: Vec<&str> = Vec::new();
        for feature in editions.iter().flat_map(|e| &e.features) {
            if !known.contains(&feature.as_str()) {
                known.push(feature);
            }
        }
        Some(known)
    }

    /// Whether `role` is known to `product`.
    pub fn knows_role(&self, product: usize, role: &str) -> bool {
        BASE_ROLES.contains(&role)
            || self
                .products
                .get(product)
                .is_some_and(|p| p.roles.iter().any(|r| r == role))
    }
}

/// The edition of a license type sold on its own: no rules.
fn plain_edition(name: &str, license: LicenseId) -> Edition {
    Edition {
        name: name.to_string(),
        license,
        included: None,
        cap: None,
        packs: None,
        addons: true,
        migratable: true,
        updates: true,
        features: Vec::new(),
        tenant: TenantRule::Optional,
        fallback: None,
        fallback_at: None,
        withdrawn_at: None,
    }
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count().saturating_add(1))
}
