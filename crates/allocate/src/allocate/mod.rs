//! Allocation: which configured user holds which license.
//!
//! The scheme (docs/allocation.md), fixed so that the same users hold the
//! same licenses after every restart, whatever the order of the input:
//!
//! 1. Licenses are settled one type after another in the catalog's
//!    allocation order: a license after what it requires, and before the
//!    licenses it includes (Office Plus before Office), so a plain-Office
//!    user never takes the Office base an Office Plus user needs.
//! 2. Within a license type, users are served in ascending order of their
//!    id (byte order). When licenses run short, users whose ids sort first
//!    hold them.
//! 3. A license is granted when the user's role may hold it, its
//!    prerequisites are held (by the user, or by the installation for
//!    system licenses and units) and a license is left in its pool and in
//!    the pool of every license it includes. A granted license is consumed,
//!    whether or not the user ever logs in.
//! 4. Team licenses come last: granted when every member of the user's team
//!    holds the gate license; team leaders need none.

mod denial;
mod ledger;
mod pools;
mod resolve;
mod rules;

use crate::Warning;
use ledger::Ledger;
use pools::Buckets;
use rules::{
    Prerequisites, check_user_license, no_usable_entry, role_denial, team_gates, usage_denial,
};

use std::collections::{BTreeMap, HashMap};

pub use denial::{Denial, Missing};
use resolve::{Entry, Resolver};

use entitle_verify::SeatModel;

use crate::catalog::{Catalog, LicenseId, LicenseKind};
use crate::error::Error;
use crate::setup::Setup;
use crate::supply::{Supply, included_by};
use crate::users::User;

/// One configured license of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<'u> {
    /// The entry as configured (`office`, `voicemail:mobile`).
    pub entry: &'u str,
    /// The license type.
    pub license: LicenseId,
    /// `None` when granted.
    pub denial: Option<Denial>,
}

/// What one user holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrants<'u> {
    /// The user.
    pub user: &'u User,
    /// Each configured license, in the order configured.
    pub grants: Vec<Grant<'u>>,
    /// Entries configured but switched off for the user's configuration
    /// group (setup `groups.G.disabled`): neither granted nor consuming.
    pub disabled: Vec<&'u str>,
}

/// Counts of one license type across the installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// Users configured with it.
    pub configured: u64,
    /// Users granted it (directly; included grants count in `used`).
    pub granted: u64,
    /// Users denied it.
    pub denied: u64,
    /// Licenses of the pool in use, including those consumed through an
    /// including license (an Office Plus user uses an Office too).
    pub used: u64,
}

/// The outcome of [`allocate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation<'u> {
    /// Every user, in ascending id order.
    pub users: Vec<UserGrants<'u>>,
    /// Per license type ([`LicenseId`] index).
    pub totals: Vec<Count>,
    /// Per site, per license type.
    pub sites: BTreeMap<&'u str, Vec<Count>>,
    /// Per configuration group, per license type.
    pub groups: BTreeMap<&'u str, Vec<Count>>,
    /// What breaks the license model without costing a license (one user
    /// with every phone), and users beyond a server's limit.
    pub warnings: Vec<Warning>,
}

/// Allocates the licenses of `supply` to `users` by the fixed scheme above,
/// on an installation without a setup ([`Setup::default`]). Fails only on
/// users the catalog cannot read: an unknown license or role, or a system
/// license configured for a user.
pub fn allocate<'u>(
    catalog: &Catalog,
    supply: &Supply,
    users: &'u [User],
) -> Result<Allocation<'u>, Error> {
    allocate_with_setup(catalog, supply, users, &Setup::default())
}

/// [`allocate`] on an installation with its administrator's [`Setup`]:
/// site contingents, functions switched off per group, capacity in use and
/// facilities.
pub fn allocate_with_setup<'u>(
    catalog: &Catalog,
    supply: &Supply,
    users: &'u [User],
    setup: &Setup,
) -> Result<Allocation<'u>, Error> {
    let n = catalog.licenses.len();
    let includes: Vec<Vec<LicenseId>> = (0..n).map(|id| included_by(catalog, id)).collect();
    let mut resolver = Resolver::new(catalog);

    let mut served: Vec<&'u User> = users.iter().collect();
    served.sort_unstable_by(|a, b| a.id.cmp(&b.id));

    // Every user's entries first, so that a line the catalog cannot read
    // stops the allocation before anything is granted.
    let mut entries: Vec<Vec<Entry<'u>>> = Vec::with_capacity(served.len());
    let mut disabled: Vec<Vec<&'u str>> = Vec::with_capacity(served.len());
    for user in &served {
        let known = |role: &str| (0..catalog.products.len()).any(|p| catalog.knows_role(p, role));
        // One role (the common case) whole; several one by one.
        let unknown = if user.role.contains(';') {
            user.roles().find(|role| !known(role))
        } else {
            (!known(&user.role)).then_some(user.role.as_str())
        };
        if let Some(role) = unknown {
            return Err(Error::Users {
                line: user.line,
                message: format!(
                    "unknown role {role:?}: use member, leader or a role the catalog declares"
                ),
            });
        }
        let off = setup
            .disabled
            .get(&user.group)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut own = Vec::with_capacity(user.licenses.len());
        let mut own_off = Vec::new();
        for (text, &quantity) in user.licenses.iter().zip(&user.quantities) {
            let mut entry = resolver.entry(text, user)?;
            if off.contains(&entry.license) {
                own_off.push(entry.text); // switched off: not configured
            } else {
                entry.quantity = quantity;
                own.push(entry);
            }
        }
        entries.push(own);
        disabled.push(own_off);
    }
    let concurrent = concurrent_licenses(catalog, supply);
    let buckets = Buckets::new(catalog, supply, setup, &concurrent);

    let mut warnings = buckets.warnings.clone();
    let over_limit = user_limits(catalog, &entries, &mut warnings);
    let mut shared_access = vec![0u64; n];
    warnings.extend(misuse_warnings(catalog, &served, &entries));
    let wanting = wanting(n, &entries);

    // License by license in the catalog's allocation order, users in id
    // order within each.
    let mut ledger = Ledger::new(served.len(), n, buckets.capacity.len());
    for &license in &catalog.order {
        let Some(def) = catalog.licenses.get(license) else {
            continue;
        };
        let (kind, product) = (def.kind, def.product);
        let own_includes = includes.get(license).map(Vec::as_slice).unwrap_or_default();
        let mut prerequisites = Prerequisites::of(catalog, supply, license);
        // Settled before this license (the allocation order): does any
        // user hold what the company must have first?
        if let Some(&requires) = def
            .requires_company
            .iter()
            .find(|&&r| !(0..served.len()).any(|u| ledger.holds(u, r)))
        {
            let why = Missing::NobodyHolds;
            prerequisites.installation = Some((0, Denial::MissingPrerequisite { requires, why }));
        }
        // The same for every user: a facility the setup lacks.
        let missing_facility = def
            .requires_facilities
            .iter()
            .find(|f| !setup.facilities.contains(f));
        for &u in wanting.get(license).map(Vec::as_slice).unwrap_or_default() {
            let (Some(user), Some(user_entries)) = (served.get(u), entries.get(u)) else {
                continue;
            };
            if ledger.holds(u, license) {
                continue; // held through an including license
            }
            if let Some(&limit) = (!over_limit.is_empty())
                .then(|| over_limit.get(&(u, product)))
                .flatten()
            {
                ledger.deny(u, license, Denial::UserLimit { product, limit });
                continue;
            }
            if let Some(facility) = missing_facility {
                let facility = facility.clone();
                ledger.deny(u, license, Denial::MissingFacility { facility });
                continue;
            }
            match kind {
                // Consumes nothing, but may need what it belongs to (a
                // STARFACE phone belongs to a licensed user).
                LicenseKind::Free => {
                    let denial = role_denial(catalog, license, user)
                        .or_else(|| prerequisites.check(own_includes, &ledger.of(u)));
                    match denial {
                        None => ledger.hold(u, license),
                        Some(denial) => ledger.deny(u, license, denial),
                    }
                }
                // Access to a concurrent pool: an agent is granted access
                // (and consumes nothing here); occupancy is decided at run
                // time, by the seat server.
                // Its named seats (if any) go to their users in id order, as
                // any license's; every other user it may serve has access
                // to the shared pool, as the seat server serves it.
                LicenseKind::User if concurrent.get(license).is_some_and(Option::is_some) => {
                    let held = ledger.of(u);
                    let denial = check_user_license(
                        catalog,
                        (user, &buckets),
                        (license, &prerequisites),
                        own_includes,
                        &held,
                    );
                    match denial {
                        None => ledger.take(u, license, own_includes, &user.site, &buckets),
                        Some(Denial::PoolExhausted { license: pool, .. }) if pool == license => {
                            if let Some(count) = shared_access.get_mut(license) {
                                *count = count.saturating_add(1);
                            }
                            ledger.hold(u, license);
                        }
                        Some(denial) => ledger.deny(u, license, denial),
                    }
                }
                LicenseKind::User => {
                    let held = ledger.of(u);
                    let denial = check_user_license(
                        catalog,
                        (user, &buckets),
                        (license, &prerequisites),
                        own_includes,
                        &held,
                    )
                    .or_else(|| no_usable_entry(catalog, user_entries, license, &held));
                    match denial {
                        None => ledger.take(u, license, own_includes, &user.site, &buckets),
                        Some(denial) => ledger.deny(u, license, denial),
                    }
                }
                LicenseKind::Company => {
                    let denial = role_denial(catalog, license, user)
                        .or_else(|| prerequisites.check(own_includes, &ledger.of(u)))
                        .or_else(|| {
                            (supply.available.get(license).copied().unwrap_or(0) == 0)
                                .then_some(Denial::NotLicensed { license })
                        });
                    match denial {
                        None => ledger.hold(u, license),
                        Some(denial) => ledger.deny(u, license, denial),
                    }
                }
                // A team license's own prerequisites (the server license,
                // say) now; its team gate after everyone else
                // (`team_gates`). System licenses are refused by the
                // resolver.
                LicenseKind::Team => {
                    let denial = role_denial(catalog, license, user)
                        .or_else(|| prerequisites.check(own_includes, &ledger.of(u)));
                    if let Some(denial) = denial {
                        ledger.deny(u, license, denial);
                    }
                }
                LicenseKind::System => {}
            }
        }
    }

    for (license, named) in concurrent.iter().enumerate() {
        let Some(named) = *named else { continue };
        let access = shared_access.get(license).copied().unwrap_or(0);
        let on_named = (0..served.len())
            .filter(|&u| ledger.holds(u, license))
            .count() as u64;
        let on_named = on_named.saturating_sub(access);
        let shared = supply
            .available
            .get(license)
            .copied()
            .unwrap_or(0)
            .saturating_sub(named);
        let named_note = if named > 0 {
            format!("{on_named} of {named} named seats held by their users; ")
        } else {
            String::new()
        };
        if access > 0 || on_named > 0 {
            warnings.push(Warning::new("concurrent_pool", format!(
                "{}: {named_note}{access} users have access to a concurrent pool of {shared} seats; \
                 who occupies a seat is decided at run time, while sessions are open",
                catalog.display_name(license),
            )));
        }
    }

    let mut result = Vec::with_capacity(served.len());
    for (u, ((user, user_entries), off)) in served.iter().zip(&entries).zip(disabled).enumerate() {
        let held = ledger.of(u);
        let grants = user_entries
            .iter()
            .map(|entry| Grant {
                entry: entry.text,
                license: entry.license,
                denial: if held.holds(entry.license) {
                    usage_denial(catalog, entry, &held)
                } else {
                    held.denial(entry.license)
                },
            })
            .collect();
        result.push(UserGrants {
            user,
            grants,
            disabled: off,
        });
    }

    team_gates(catalog, &mut result);

    let mut totals = vec![Count::default(); n];
    let mut sites: BTreeMap<&str, Vec<Count>> = BTreeMap::new();
    let mut groups: BTreeMap<&str, Vec<Count>> = BTreeMap::new();
    let mut outcomes: Vec<(LicenseId, bool)> = Vec::new();
    for user_grants in &result {
        let user = user_grants.user;
        // One outcome per license: voicemail:client and voicemail:mobile are
        // one voicemail, granted when either is.
        outcomes.clear();
        for grant in &user_grants.grants {
            let granted = grant.denial.is_none();
            match outcomes.iter_mut().find(|(l, _)| *l == grant.license) {
                Some((_, any)) => *any |= granted,
                None => outcomes.push((grant.license, granted)),
            }
        }
        let site = sites
            .entry(user.site.as_str())
            .or_insert_with(|| vec![Count::default(); n]);
        tally(site, &outcomes);
        let group = groups
            .entry(user.group.as_str())
            .or_insert_with(|| vec![Count::default(); n]);
        tally(group, &outcomes);
        tally(&mut totals, &outcomes);
    }
    for (bucket, &used) in ledger.used.iter().enumerate() {
        let license = buckets.license.get(bucket).copied().unwrap_or(usize::MAX);
        if let Some(count) = totals.get_mut(license) {
            count.used = count.used.saturating_add(used);
        }
    }
    for &(unit, in_use) in &setup.in_use {
        let licensed = supply.units.get(unit).copied().unwrap_or(0);
        if in_use > licensed {
            warnings.push(Warning::new(
                "units_short",
                format!(
                    "{}: {in_use} in use, the licenses provide {licensed}",
                    catalog.unit_name(unit)
                ),
            ));
        }
    }
    Ok(Allocation {
        users: result,
        totals,
        sites,
        groups,
        warnings,
    })
}

/// Per license: `None` when no token of it has concurrent seats (or it
/// includes others); else `Some(named seats)`: the seats of its named-model
/// tokens, handed out user by user, beside a shared pool the seat server
/// serves (MODELS.md section 3: named and shared licenses of one account).
fn concurrent_licenses(catalog: &Catalog, supply: &Supply) -> Vec<Option<u64>> {
    (0..catalog.licenses.len())
        .map(|id| {
            let lines = || {
                supply
                    .pools
                    .iter()
                    .filter(move |l| l.license == Some(id) && l.seats > 0)
            };
            let shared = lines().any(|l| l.model == SeatModel::Concurrent)
                && catalog
                    .licenses
                    .get(id)
                    .is_some_and(|l| l.includes.is_empty());
            shared.then(|| {
                lines()
                    .filter(|l| l.model == SeatModel::Named)
                    .map(|l| l.seats)
                    .sum()
            })
        })
        .collect()
}

/// Users configured with more of a free license than its `warn_above`
/// (STARFACE: one user owning every phone of an office).
fn misuse_warnings(
    catalog: &Catalog,
    served: &[&User],
    entries: &[Vec<Entry<'_>>],
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for (user, user_entries) in served.iter().zip(entries) {
        for entry in user_entries {
            let Some(limit) = catalog
                .licenses
                .get(entry.license)
                .and_then(|l| l.warn_above)
            else {
                continue;
            };
            if entry.quantity > limit {
                warnings.push(Warning::new(
                    "above_per_user_limit",
                    format!(
                        "user {} holds {} {}: more than {limit} breaks the license model \
                     (one user's license must not serve others' devices)",
                        user.id,
                        entry.quantity,
                        catalog.display_name(entry.license)
                    ),
                ));
            }
        }
    }
    warnings
}

/// Per license: the users configured with it, by position in id order.
fn wanting(licenses: usize, entries: &[Vec<Entry<'_>>]) -> Vec<Vec<usize>> {
    let mut wanting: Vec<Vec<usize>> = vec![Vec::new(); licenses];
    for (u, user_entries) in entries.iter().enumerate() {
        for entry in user_entries {
            if let Some(list) = wanting.get_mut(entry.license) {
                if list.last() != Some(&u) {
                    list.push(u);
                }
            }
        }
    }
    wanting
}

/// Users beyond their product's `max_users`, in id order: `(user, product)`
/// to the limit. A user counts for a product when configured with any of
/// its licenses.
fn user_limits(
    catalog: &Catalog,
    entries: &[Vec<Entry<'_>>],
    warnings: &mut Vec<Warning>,
) -> HashMap<(usize, usize), u32> {
    let mut over = HashMap::new();
    for (p, product) in catalog.products.iter().enumerate() {
        let Some(limit) = product.max_users else {
            continue;
        };
        let of_product = |e: &Entry<'_>| {
            catalog
                .licenses
                .get(e.license)
                .is_some_and(|l| l.product == p)
        };
        let users: Vec<usize> = (0..entries.len())
            .filter(|&u| entries.get(u).is_some_and(|own| own.iter().any(of_product)))
            .collect();
        let beyond = users
            .get(usize::try_from(limit).unwrap_or(usize::MAX)..)
            .unwrap_or_default();
        if !beyond.is_empty() {
            warnings.push(Warning::new("user_limit", format!(
                "{}: {} users configured, one server serves at most {limit}: the last {} in id order hold none of its licenses",
                product.name,
                users.len(),
                beyond.len()
            )));
        }
        for &u in beyond {
            over.insert((u, p), limit);
        }
    }
    over
}

fn tally(counts: &mut [Count], outcomes: &[(LicenseId, bool)]) {
    for &(license, granted) in outcomes {
        if let Some(count) = counts.get_mut(license) {
            count.configured = count.configured.saturating_add(1);
            if granted {
                count.granted = count.granted.saturating_add(1);
            } else {
                count.denied = count.denied.saturating_add(1);
            }
        }
    }
}
