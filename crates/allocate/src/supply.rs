//! Supply: how many licenses of each type an installation holds, from its
//! signed tokens read through the catalog.

use crate::Warning;
use std::collections::BTreeMap;

use entitle_verify::{Claims, Error as TokenError, Kind, Member, SeatModel, Serial, Utc, pools};

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

/// A license the decision (`entitle_lifecycle::decide`) found genuine and
/// within its signer's rights, handed to the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<M> {
    /// The license, with the validity in force.
    pub license: M,
    /// `Some(expiry)` for a genuine license whose term is over (it may count
    /// as its edition's fallback); `None` when valid now.
    pub expired_at: Option<u64>,
    /// Signed by a trusted vendor key itself, not by a partner.
    pub vendor_issued: bool,
}

/// One stack of licenses: one product, edition, tenant and seat model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolLine {
    /// Product name.
    pub product: String,
    /// Edition name.
    pub edition: String,
    /// Tenant, if bound to one.
    pub tenant: Option<String>,
    /// Seat model.
    pub model: SeatModel,
    /// Usable seats, after every cap.
    pub seats: u64,
    /// Seats bought.
    pub seats_bought: u64,
    /// The cap in force (tokens' and catalog's).
    pub cap: Option<u32>,
    /// Features, in order of first appearance.
    pub features: Vec<String>,
    /// When the seat count next drops.
    pub expires_at: Option<u64>,
    /// The earliest end of update entitlement among the members.
    pub updates_until: Option<u64>,
    /// Serials of the members.
    pub serials: Vec<Serial>,
    /// The members: indices into the candidates given to
    /// [`Supply::from_candidates`] (a repeated serial included).
    pub members: Vec<usize>,
    /// Whether these seats come from licenses that fell back to this
    /// (lesser) edition.
    pub fallen_back: bool,
    /// Where its seats count in the catalog, `None` when they do not carry
    /// over (see the warnings).
    pub license: Option<LicenseId>,
}

/// Licenses available to an installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supply {
    /// The stacks of licenses, as `entitle verify` shows them.
    pub pools: Vec<PoolLine>,
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
    /// Candidates that do not count: (index in the input, why).
    pub refused: Vec<(usize, Refusal)>,
    /// Things to know: seats lost to caps, fallbacks, unusable system licenses.
    pub warnings: Vec<Warning>,
}

/// Seats one edition contributes to a license type.
struct Contribution {
    /// Index in [`Supply::pools`].
    pool: usize,
    license: LicenseId,
    edition: String,
    migratable: bool,
    seats: u64,
    bought: u64,
}

/// A base token that now counts as its edition's fallback edition.
struct Fallen {
    /// Index among the candidates.
    index: usize,
    product: usize,
    edition: Edition,
    tenant: Option<String>,
    model: SeatModel,
    serial: Serial,
    seats: u64,
}

impl Supply {
    /// Applies the catalog's rules to `candidates` and adds up what the
    /// installation may use. Only the decision function should call it:
    /// it trusts that every candidate was verified.
    pub fn from_candidates<'a, M: Member<'a> + Copy>(
        catalog: &Catalog,
        candidates: &[Candidate<M>],
        installation: &Installation,
    ) -> Supply {
        let now = installation.now;
        let mut supply = Supply {
            pools: Vec::new(),
            available: vec![0; catalog.licenses.len()],
            bought: vec![0; catalog.licenses.len()],
            units: vec![0; catalog.units.len()],
            features: vec![Vec::new(); catalog.products.len()],
            refused: Vec::new(),
            warnings: Vec::new(),
        };
        let mut regular: Vec<M> = Vec::new();
        let mut regular_index = Vec::new();
        let mut regular_vendor = Vec::new();
        let mut fallen = Vec::new();
        for (i, candidate) in candidates.iter().enumerate() {
            let license = candidate.license;
            let claims = *license.claims();
            let Some((product, edition)) = catalog.edition(claims.product, claims.edition) else {
                supply.refused.push((
                    i,
                    Refusal::Catalog(format!(
                        "the catalog knows no {} edition {:?}",
                        claims.product, claims.edition
                    )),
                ));
                continue;
            };
            // Every rule first, also for a license whose term is over: one
            // bound to another company, or issued after its edition was
            // withdrawn, falls back to nothing.
            if let Some(reason) = catalog_refusal(catalog, product, &edition, &claims, installation)
            {
                supply.refused.push((i, Refusal::Catalog(reason)));
                continue;
            }
            if let Some(expires_at) = candidate.expired_at {
                if edition.fallback.is_some() {
                    fall_back(
                        i,
                        catalog,
                        product,
                        &edition,
                        &license,
                        &format!("expired at {}", Utc(expires_at)),
                        &mut fallen,
                        &mut supply,
                    );
                } else {
                    supply
                        .refused
                        .push((i, Refusal::Token(TokenError::Expired { now, expires_at })));
                }
                continue;
            }
            match edition.fallback_at {
                Some(at) if now >= at => {
                    fall_back(
                        i,
                        catalog,
                        product,
                        &edition,
                        &license,
                        &format!("reached {}", Utc(at)),
                        &mut fallen,
                        &mut supply,
                    );
                }
                _ => {
                    regular.push(license);
                    regular_index.push(i);
                    regular_vendor.push(candidate.vendor_issued);
                }
            }
        }
        // Licenses whose term is over still count as replacing others
        // (a replaced license stays replaced until the vendor issues again).
        let ended: Vec<(M, bool)> = candidates
            .iter()
            .filter(|c| c.expired_at.is_some())
            .map(|c| (c.license, c.vendor_issued))
            .collect();
        exclusive(
            catalog,
            &mut regular,
            &mut regular_index,
            &regular_vendor,
            &ended,
            &mut supply,
        );

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
            let cap = pool.cap_within(edition.cap);
            let bought = pool.seats_bought();
            let seats = pool.seats_within(edition.cap);
            let over = pool.seats_over_cap_within(edition.cap);
            if over > 0 {
                let tenant = pool
                    .tenant()
                    .map(|t| format!(" for {t}"))
                    .unwrap_or_default();
                supply.warnings.push(Warning::new("cap_exceeded", format!(
                    "{} {}{tenant}: {bought} seats bought but the cap is {}; {over} seats cannot be used",
                    pool.product(),
                    pool.edition(),
                    cap.unwrap_or_default(),
                )));
            }
            add_features(&mut supply.features, product, pool.features());
            supply.pools.push(PoolLine {
                product: pool.product().to_string(),
                edition: pool.edition().to_string(),
                tenant: pool.tenant().map(str::to_string),
                model: pool.model(),
                seats,
                seats_bought: bought,
                cap,
                features: sorted(pool.features()),
                expires_at: pool.expires_at(),
                updates_until: pool.updates_until(),
                serials: pool.members().map(|l| l.serial()).collect(),
                members: regular
                    .iter()
                    .zip(&regular_index)
                    .filter(|(l, _)| pool.contains(l))
                    .map(|(_, &i)| i)
                    .collect(),
                fallen_back: false,
                license: Some(edition.license),
            });
            contributions.push(Contribution {
                pool: supply.pools.len().saturating_sub(1),
                license: edition.license,
                edition: edition.name.clone(),
                migratable: edition.migratable,
                seats,
                bought,
            });
        }
        supply.cap_per_installation(&mut contributions);
        contributions.extend(fallen_contributions(catalog, fallen, &mut supply));
        supply.count(catalog, contributions);
        supply.system_licenses(catalog);
        supply
    }

    /// A cap holds for the installation, not per pool: where one edition
    /// stands in several pools (other tenants, no tenant, another seat
    /// model), their seats together stay within the smallest cap any of
    /// them has. The pools lose seats in a fixed order (by tenant, seat
    /// model, serials), the last first, so the input order never matters.
    fn cap_per_installation(&mut self, contributions: &mut [Contribution]) {
        let mut editions: Vec<(String, String)> = self
            .pools
            .iter()
            .map(|p| (p.product.clone(), p.edition.clone()))
            .collect();
        editions.sort();
        editions.dedup();
        for (product, edition) in editions {
            let mut group: Vec<usize> = (0..self.pools.len())
                .filter(|&i| {
                    self.pools
                        .get(i)
                        .is_some_and(|p| p.product == product && p.edition == edition)
                })
                .collect();
            if group.len() < 2 {
                continue;
            }
            let pools = &self.pools;
            let cap = group
                .iter()
                .filter_map(|&i| pools.get(i).and_then(|p| p.cap))
                .min();
            let total: u64 = group
                .iter()
                .filter_map(|&i| pools.get(i).map(|p| p.seats))
                .sum();
            let Some(cap) = cap.map(u64::from).filter(|&cap| total > cap) else {
                continue;
            };
            group.sort_by_key(|&i| {
                pools
                    .get(i)
                    .map(|p| (p.tenant.clone(), p.model, p.serials.clone()))
            });
            let mut over = total.saturating_sub(cap);
            self.warnings.push(Warning::new("cap_exceeded_across_pools", format!(
                "{product} {edition}: {total} seats in {} pools on one installation, but the cap is {cap}; {over} seats cannot be used",
                group.len()
            )));
            for &i in group.iter().rev() {
                let Some(line) = self.pools.get_mut(i) else {
                    continue;
                };
                let cut = over.min(line.seats);
                line.seats = line.seats.saturating_sub(cut);
                over = over.saturating_sub(cut);
                for c in contributions.iter_mut().filter(|c| c.pool == i) {
                    c.seats = c.seats.saturating_sub(cut);
                }
                if over == 0 {
                    break;
                }
            }
        }
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
                let why = format!(
                    "{} seats of edition {} do not carry over into {}",
                    c.seats,
                    c.edition,
                    others.join(", ")
                );
                if let Some(line) = self.pools.get_mut(c.pool) {
                    line.license = None;
                    line.seats = 0;
                    for &i in &line.members {
                        self.refused.push((i, Refusal::Catalog(why.clone())));
                    }
                }
                self.warnings.push(Warning::new("no_carry_over", why));
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
            let why = format!("system license {name} does not work: {why}");
            for line in self.pools.iter().filter(|l| l.license == Some(id)) {
                for &i in &line.members {
                    self.refused.push((i, Refusal::Catalog(why.clone())));
                }
            }
            self.warnings
                .push(Warning::new("system_license_unmet", why));
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

/// The catalog's `exclusive` rule: of the editions a product lists there,
/// one license is in use at a time (pcvisit: the bundled license or the
/// company's own). The newest base wins, issued by the vendor itself before
/// any partner's (a partner never replaces a vendor's base); on a tie the
/// one with fewer seats, then the lower serial. The licenses of the other
/// editions of the list, and their add-ons, are refused with the reason.
/// A license whose term is over (`ended`) still replaces older ones: when
/// the bundled license ends, the own license it replaced does not come
/// back by itself ("so sind manuelle Schritte notwendig"); the vendor
/// issues it again.
fn exclusive<'a, M: Member<'a>>(
    catalog: &Catalog,
    licenses: &mut Vec<M>,
    indices: &mut Vec<usize>,
    vendor_issued: &[bool],
    ended: &[(M, bool)],
    supply: &mut Supply,
) {
    let mut drop = vec![false; licenses.len()];
    for product in &catalog.products {
        if product.exclusive.is_empty() {
            continue;
        }
        let in_group = |l: &M| {
            let c = l.claims();
            c.product == product.name && product.exclusive.iter().any(|e| e == c.edition)
        };
        let winner = licenses
            .iter()
            .zip(vendor_issued)
            .chain(ended.iter().map(|(l, v)| (l, v)))
            .filter(|(l, _)| in_group(l) && l.claims().kind == Kind::Base)
            .max_by(|(a, va), (b, vb)| {
                let (ca, cb) = (a.claims(), b.claims());
                va.cmp(vb)
                    .then(ca.issued_at.cmp(&cb.issued_at))
                    .then(cb.seats.cmp(&ca.seats))
                    .then(b.serial().cmp(&a.serial()))
            })
            .map(|(l, _)| (l.claims().edition, l.serial()));
        let Some((edition, serial)) = winner else {
            continue;
        };
        for (k, license) in licenses.iter().enumerate() {
            if in_group(license) && license.claims().edition != edition {
                if let (Some(slot), Some(&i)) = (drop.get_mut(k), indices.get(k)) {
                    *slot = true;
                    supply.refused.push((
                        i,
                        Refusal::Catalog(format!(
                            "replaced by the {} {edition} license {serial}: one of {} is in use at a time (catalog rule `exclusive`)",
                            product.name,
                            product.exclusive.join(", ")
                        )),
                    ));
                }
            }
        }
    }
    let mut keep = drop.iter().map(|d| !d);
    licenses.retain(|_| keep.next().unwrap_or(true));
    let mut keep = drop.iter().map(|d| !d);
    indices.retain(|_| keep.next().unwrap_or(true));
}

/// Why the catalog does not let a genuine token count here, or `None`:
/// every rule of an edition that a token can break, checked whoever issued
/// it and however.
fn catalog_refusal(
    catalog: &Catalog,
    product: usize,
    edition: &Edition,
    claims: &Claims<'_>,
    installation: &Installation,
) -> Option<String> {
    let (kind, seats, tenant) = (claims.kind, claims.seats, claims.tenant);
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
    if let Some(at) = edition.withdrawn_at.filter(|&at| claims.issued_at >= at) {
        return Some(format!(
            "edition {name} was withdrawn on {}; this license was issued on or after it",
            Utc(at)
        ));
    }
    if let Some(included) = edition
        .included
        .filter(|&n| kind == Kind::Base && seats > n)
    {
        return Some(format!(
            "a {name} base license includes {included} seats, this one carries {seats}"
        ));
    }
    if !edition.updates && claims.updates_until.is_none_or(|u| u > claims.issued_at) {
        return Some(format!(
            "edition {name} comes without updates, and this license carries an update entitlement"
        ));
    }
    let known = catalog.features(product);
    if let Some(unknown) =
        known.and_then(|known| claims.features.iter().find(|f| !known.contains(f)))
    {
        return Some(format!(
            "no edition of {} grants a feature {unknown:?}",
            claims.product
        ));
    }
    None
}

#[allow(clippy::too_many_arguments)] // one candidate and where it goes
fn fall_back<'a, M: Member<'a>>(
    index: usize,
    catalog: &Catalog,
    product: usize,
    edition: &Edition,
    token: &M,
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
        supply.warnings.push(Warning::new(
            "addon_lapses",
            format!(
                "{} add-on {} {why} and lapses with its edition",
                edition.name,
                token.serial()
            ),
        ));
        return;
    }
    supply.warnings.push(Warning::new(
        "edition_fell_back",
        format!(
            "{} license {} {why}: it counts as {} now",
            edition.name,
            token.serial(),
            target.name
        ),
    ));
    // The fallback shrinks features, not seats (seed 000 says only that the
    // features were reduced); the fallback edition's cap still applies.
    let seats = u64::from(claims.seats);
    fallen.push(Fallen {
        index,
        product,
        edition: target.clone(),
        tenant: claims.tenant.map(str::to_string),
        model: claims.model,
        serial: token.serial(),
        seats,
    });
}

fn fallen_contributions(
    catalog: &Catalog,
    fallen: Vec<Fallen>,
    supply: &mut Supply,
) -> Vec<Contribution> {
    // (product, fallback edition, tenant, model) -> (edition, serials counted, seats)
    type Key = (usize, String, Option<String>, SeatModel);
    type Group = (Edition, Vec<Serial>, u64, Vec<usize>);
    let mut by_edition: BTreeMap<Key, Group> = BTreeMap::new();
    for f in fallen {
        let entry = by_edition
            .entry((f.product, f.edition.name.clone(), f.tenant, f.model))
            .or_insert_with(|| (f.edition.clone(), Vec::new(), 0, Vec::new()));
        entry.3.push(f.index);
        if !entry.1.contains(&f.serial) {
            entry.1.push(f.serial);
            entry.2 = entry.2.saturating_add(f.seats);
        }
    }
    let mut contributions = Vec::new();
    for ((product, _, tenant, model), (edition, serials, bought, members)) in by_edition {
        add_features(
            &mut supply.features,
            product,
            edition.features.iter().map(String::as_str),
        );
        let seats = edition.cap.map_or(bought, |cap| bought.min(u64::from(cap)));
        supply.pools.push(PoolLine {
            product: catalog
                .products
                .get(product)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            edition: edition.name.clone(),
            tenant,
            model,
            seats,
            seats_bought: bought,
            cap: edition.cap,
            features: sorted(edition.features.iter().map(String::as_str)),
            expires_at: None,
            updates_until: None,
            serials,
            members,
            fallen_back: true,
            license: Some(edition.license),
        });
        contributions.push(Contribution {
            pool: supply.pools.len().saturating_sub(1),
            license: edition.license,
            edition: edition.name,
            migratable: edition.migratable,
            seats,
            bought,
        });
    }
    contributions
}

/// Features in the one order entitle shows them: byte order, as tokens
/// carry them.
fn sorted<'f>(features: impl Iterator<Item = &'f str>) -> Vec<String> {
    let mut list: Vec<String> = features.map(str::to_string).collect();
    list.sort_unstable();
    list.dedup();
    list
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
        list.sort_unstable();
    }
}
