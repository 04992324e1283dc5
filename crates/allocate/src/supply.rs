//! Supply: how many licenses of each type an installation holds, from its
//! signed tokens read through the catalog.

use std::collections::BTreeMap;

use entitle_verify::{Error as TokenError, Kind, License, Serial, Token, Utc, Verifier, pools};

use crate::catalog::{Catalog, Edition, LicenseId, LicenseKind, TenantRule};

/// What the allocation needs to know about the installation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Installation {
    /// The company id the installation is configured with; licenses bound to
    /// another company id do not count here.
    pub tenant: Option<String>,
    /// The time, Unix seconds.
    pub now: u64,
}

/// Why a token does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The verifier refused it (forged, expired, ...).
    Token(TokenError),
    /// The catalog refuses it; the reason in words.
    Catalog(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Token(e) => e.fmt(f),
            Refusal::Catalog(reason) => f.write_str(reason),
        }
    }
}

/// Licenses available to an installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supply {
    /// Usable licenses per license type ([`LicenseId`] index), after caps,
    /// with included licenses added (100 Office + 50 Office Plus gives 150
    /// Office), and 0 for a system license whose prerequisites fail.
    pub available: Vec<u64>,
    /// Seats bought per license type, from its own tokens, before caps.
    pub bought: Vec<u64>,
    /// Units per unit ([`crate::UnitId`] index), from usable system licenses.
    pub units: Vec<u64>,
    /// Features the installation's licenses grant, per product.
    pub features: Vec<Vec<String>>,
    /// Tokens that do not count: (index in the input, why).
    pub refused: Vec<(usize, Refusal)>,
    /// Things to know: seats lost to caps, fallbacks, unusable system licenses.
    pub warnings: Vec<String>,
}

/// Seats one edition contributes to a license type.
struct Contribution {
    license: LicenseId,
    edition: String,
    migratable: bool,
    seats: u64,
    bought: u64,
}

/// A base token that now counts as its edition's fallback edition.
struct Fallen {
    product: usize,
    edition: Edition,
    tenant: Option<String>,
    serial: Serial,
    seats: u64,
}

impl Supply {
    /// Verifies `tokens`, applies the catalog's rules to them and adds up
    /// what the installation may use.
    pub fn from_tokens(
        catalog: &Catalog,
        verifier: &Verifier<'_>,
        tokens: &[Token<'_>],
        installation: &Installation,
    ) -> Supply {
        let now = installation.now;
        let mut supply = Supply {
            available: vec![0; catalog.licenses.len()],
            bought: vec![0; catalog.licenses.len()],
            units: vec![0; catalog.units.len()],
            features: vec![Vec::new(); catalog.products.len()],
            refused: Vec::new(),
            warnings: Vec::new(),
        };
        let mut regular: Vec<License<'_>> = Vec::new();
        let mut regular_index = Vec::new();
        let mut fallen = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let claims = token.claims();
            let Some((product, edition)) = catalog.edition(claims.product, claims.edition) else {
                match verifier.verify(*token, now) {
                    Err(e) => supply.refused.push((i, Refusal::Token(e))),
                    Ok(_) => supply.refused.push((
                        i,
                        Refusal::Catalog(format!(
                            "the catalog knows no {} edition {:?}",
                            claims.product, claims.edition
                        )),
                    )),
                }
                continue;
            };
            let license = match verifier.verify(*token, now) {
                Ok(license) => license,
                // Time is checked after the signature: an expired token is authentic.
                Err(TokenError::Expired { expires_at, .. }) if edition.fallback.is_some() => {
                    fall_back(
                        catalog,
                        product,
                        &edition,
                        token,
                        &format!("expired at {}", Utc(expires_at)),
                        &mut fallen,
                        &mut supply,
                    );
                    continue;
                }
                Err(e) => {
                    supply.refused.push((i, Refusal::Token(e)));
                    continue;
                }
            };
            if let Some(reason) = catalog_refusal(
                &edition,
                license.claims().kind,
                license.claims().seats,
                claims.tenant,
                installation,
            ) {
                supply.refused.push((i, Refusal::Catalog(reason)));
                continue;
            }
            match edition.fallback_at {
                Some(at) if now >= at => {
                    fall_back(
                        catalog,
                        product,
                        &edition,
                        token,
                        &format!("reached {}", Utc(at)),
                        &mut fallen,
                        &mut supply,
                    );
                }
                _ => {
                    regular.push(license);
                    regular_index.push(i);
                }
            }
        }

        let mut contributions = Vec::new();
        for pool in pools(&regular) {
            if pool.check().is_err() {
                for (license, &i) in regular.iter().zip(&regular_index) {
                    if pool.contains(license) {
                        supply
                            .refused
                            .push((i, Refusal::Token(TokenError::AddonWithoutBase)));
                    }
                }
                continue;
            }
            let Some((product, edition)) = catalog.edition(pool.product(), pool.edition()) else {
                continue;
            };
            let cap = match (pool.cap(), edition.cap) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let bought = pool.seats_bought();
            let seats = cap.map_or(bought, |cap| bought.min(u64::from(cap)));
            if seats < bought {
                supply.warnings.push(format!(
                    "{} {}: {bought} seats bought but the cap is {}; {} seats cannot be used",
                    pool.product(),
                    pool.edition(),
                    cap.unwrap_or_default(),
                    bought.saturating_sub(seats)
                ));
            }
            add_features(&mut supply.features, product, pool.features());
            contributions.push(Contribution {
                license: edition.license,
                edition: edition.name.clone(),
                migratable: edition.migratable,
                seats,
                bought,
            });
        }
        contributions.extend(fallen_contributions(fallen, &mut supply));
        supply.count(catalog, contributions);
        supply.system_licenses(catalog);
        supply
    }

    /// Adds contributions up per license type, drops editions that do not
    /// carry over, and adds included licenses.
    fn count(&mut self, catalog: &Catalog, contributions: Vec<Contribution>) {
        let mut own = vec![0u64; catalog.licenses.len()];
        for c in &contributions {
            let editions: Vec<&Contribution> = contributions
                .iter()
                .filter(|o| o.license == c.license && o.edition != c.edition)
                .collect();
            if !c.migratable && editions.iter().any(|o| o.migratable) {
                let others: Vec<&str> = editions.iter().map(|o| o.edition.as_str()).collect();
                self.warnings.push(format!(
                    "{} seats of edition {} do not carry over into {}",
                    c.seats,
                    c.edition,
                    others.join(", ")
                ));
                continue;
            }
            if let Some(slot) = own.get_mut(c.license) {
                *slot = slot.saturating_add(c.seats);
            }
            if let Some(slot) = self.bought.get_mut(c.license) {
                *slot = slot.saturating_add(c.bought);
            }
        }
        self.available.clone_from(&own);
        for (id, &count) in own.iter().enumerate() {
            for included in included_by(catalog, id) {
                if let Some(slot) = self.available.get_mut(included) {
                    *slot = slot.saturating_add(count);
                }
            }
        }
    }

    /// A system license works only when the system licenses it requires work
    /// and the units it requires are there; units come only from working
    /// system licenses. Repeats until nothing changes.
    fn system_licenses(&mut self, catalog: &Catalog) {
        let systems: Vec<LicenseId> = catalog
            .licenses
            .iter()
            .enumerate()
            .filter(|(id, l)| {
                l.kind == LicenseKind::System && self.available.get(*id).is_some_and(|&n| n > 0)
            })
            .map(|(id, _)| id)
            .collect();
        let mut working: Vec<LicenseId> = systems.clone();
        loop {
            let mut units = vec![0u64; catalog.units.len()];
            for &id in &working {
                let count = self.available.get(id).copied().unwrap_or(0);
                for &(unit, per) in catalog
                    .licenses
                    .get(id)
                    .map(|l| l.units.as_slice())
                    .unwrap_or_default()
                {
                    if let Some(slot) = units.get_mut(unit) {
                        *slot = slot.saturating_add(count.saturating_mul(per));
                    }
                }
            }
            let still: Vec<LicenseId> = working
                .iter()
                .copied()
                .filter(|&id| {
                    catalog.licenses.get(id).is_some_and(|l| {
                        l.requires.iter().all(|r| working.contains(r))
                            && l.requires_units
                                .iter()
                                .all(|&(u, n)| units.get(u).copied().unwrap_or(0) >= n)
                    })
                })
                .collect();
            if still.len() == working.len() {
                self.units = units;
                break;
            }
            working = still;
        }
        for id in systems.into_iter().filter(|id| !working.contains(id)) {
            let name = catalog.display_name(id);
            let why = catalog
                .licenses
                .get(id)
                .map(|l| self.system_shortfall(catalog, l, &working))
                .unwrap_or_default();
            self.warnings
                .push(format!("system license {name} does not work: {why}"));
            if let Some(slot) = self.available.get_mut(id) {
                *slot = 0;
            }
        }
    }

    fn system_shortfall(
        &self,
        catalog: &Catalog,
        license: &crate::catalog::LicenseType,
        working: &[LicenseId],
    ) -> String {
        if let Some(missing) = license.requires.iter().find(|r| !working.contains(r)) {
            return format!("it requires {}", catalog.display_name(*missing));
        }
        for &(unit, needed) in &license.requires_units {
            let have = self.units.get(unit).copied().unwrap_or(0);
            if have < needed {
                return format!(
                    "it needs at least {needed} {} units, {have} available",
                    catalog.unit_name(unit)
                );
            }
        }
        String::new()
    }
}

/// The licenses `id` includes, directly or through others.
pub(crate) fn included_by(catalog: &Catalog, id: LicenseId) -> Vec<LicenseId> {
    let mut found: Vec<LicenseId> = Vec::new();
    let mut todo: Vec<LicenseId> = catalog
        .licenses
        .get(id)
        .map(|l| l.includes.clone())
        .unwrap_or_default();
    while let Some(next) = todo.pop() {
        if next != id && !found.contains(&next) {
            found.push(next);
            todo.extend(
                catalog
                    .licenses
                    .get(next)
                    .map(|l| l.includes.clone())
                    .unwrap_or_default(),
            );
        }
    }
    found
}

/// Why the catalog does not let a genuine, valid token count here.
fn catalog_refusal(
    edition: &Edition,
    kind: Kind,
    seats: u32,
    tenant: Option<&str>,
    installation: &Installation,
) -> Option<String> {
    let name = &edition.name;
    let here = installation.tenant.as_deref();
    match (edition.tenant, tenant) {
        (TenantRule::Required, None) => {
            return Some(format!("edition {name} must be bound to a company id"));
        }
        (TenantRule::Required, Some(t)) if here != Some(t) => {
            return Some(format!(
                "bound to company id {t}; this installation is configured with {}",
                here.unwrap_or("none")
            ));
        }
        (TenantRule::Forbidden, Some(_)) => {
            return Some(format!(
                "edition {name} is bound to the platform and cannot carry a company id"
            ));
        }
        (TenantRule::Optional, Some(t)) if here.is_some_and(|h| h != t) => {
            return Some(format!(
                "bound to company id {t}, not {}",
                here.unwrap_or_default()
            ));
        }
        _ => {}
    }
    if kind == Kind::Addon {
        if !edition.addons {
            return Some(format!("edition {name} takes no add-ons"));
        }
        if let Some(packs) = edition.packs.as_ref().filter(|p| !p.contains(&seats)) {
            let sizes: Vec<String> = packs.iter().map(u32::to_string).collect();
            return Some(format!(
                "a pack of {seats} is not sold for {name} (packs: {})",
                sizes.join(", ")
            ));
        }
    }
    None
}

fn fall_back(
    catalog: &Catalog,
    product: usize,
    edition: &Edition,
    token: &Token<'_>,
    why: &str,
    fallen: &mut Vec<Fallen>,
    supply: &mut Supply,
) {
    let claims = token.claims();
    let Some(target) = edition
        .fallback
        .and_then(|f| catalog.products.get(product)?.editions.get(f))
    else {
        return;
    };
    if claims.kind == Kind::Addon {
        supply.warnings.push(format!(
            "{} add-on {} {why} and lapses with its edition",
            edition.name,
            token.serial()
        ));
        return;
    }
    supply.warnings.push(format!(
        "{} license {} {why}: it counts as {} now",
        edition.name,
        token.serial(),
        target.name
    ));
    let seats = u64::from(target.included.unwrap_or(claims.seats));
    fallen.push(Fallen {
        product,
        edition: target.clone(),
        tenant: claims.tenant.map(str::to_string),
        serial: token.serial(),
        seats,
    });
}

fn fallen_contributions(fallen: Vec<Fallen>, supply: &mut Supply) -> Vec<Contribution> {
    // (product, fallback edition, tenant) -> (edition, serials counted, seats)
    type Key = (usize, String, Option<String>);
    let mut by_edition: BTreeMap<Key, (Edition, Vec<Serial>, u64)> = BTreeMap::new();
    for f in fallen {
        let entry = by_edition
            .entry((f.product, f.edition.name.clone(), f.tenant))
            .or_insert_with(|| (f.edition.clone(), Vec::new(), 0));
        if !entry.1.contains(&f.serial) {
            entry.1.push(f.serial);
            entry.2 = entry.2.saturating_add(f.seats);
        }
    }
    by_edition
        .into_iter()
        .map(|((product, _, _), (edition, _, bought))| {
            add_features(
                &mut supply.features,
                product,
                edition.features.iter().map(String::as_str),
            );
            let seats = edition.cap.map_or(bought, |cap| bought.min(u64::from(cap)));
            Contribution {
                license: edition.license,
                edition: edition.name,
                migratable: edition.migratable,
                seats,
                bought,
            }
        })
        .collect()
}

fn add_features<'f>(
    features: &mut [Vec<String>],
    product: usize,
    new: impl Iterator<Item = &'f str>,
) {
    if let Some(list) = features.get_mut(product) {
        for feature in new {
            if !list.iter().any(|f| f == feature) {
                list.push(feature.to_string());
            }
        }
    }
}
