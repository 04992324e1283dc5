//! Whether one user may hold one license: role, prerequisites, pools,
//! usages, team gates.

use super::ledger::Held;
use super::pools::Buckets;
use super::resolve::Entry;
use super::{Denial, Missing, UserGrants};
use crate::catalog::{Catalog, LicenseId, LicenseKind};
use crate::supply::Supply;
use crate::users::User;

#[inline(always)]
pub(super) fn check_user_license(
    catalog: &Catalog,
    (user, buckets): (&User, &Buckets),
    (license, prerequisites): (LicenseId, &Prerequisites),
    own_includes: &[LicenseId],
    ledger: &Held<'_>,
) -> Option<Denial> {
    if let Some(denial) = role_denial(catalog, license, user) {
        return Some(denial);
    }
    if let Some(denial) = prerequisites.check(own_includes, ledger) {
        return Some(denial);
    }
    for &pool in std::iter::once(&license).chain(own_includes) {
        if pool != license && ledger.holds(pool) {
            continue; // already holds the included license
        }
        let bucket = buckets.of(&user.site, pool);
        let available = buckets.capacity.get(bucket).copied().unwrap_or(0);
        if ledger.used(bucket) >= available {
            return Some(if bucket == pool {
                Denial::PoolExhausted {
                    license: pool,
                    available,
                }
            } else {
                Denial::ContingentExhausted {
                    license: pool,
                    site: user.site.clone(),
                    available,
                }
            });
        }
    }
    None
}

/// A license's prerequisites, split once per allocation: the user
/// licenses each user must hold, and the first installation-level failure
/// (a system license missing, units short), which is the same for every
/// user. Positions keep the catalog's order, so the reason reported is the
/// first unmet one, as written.
pub(super) struct Prerequisites {
    /// `(position in requires, license)` of the user-level requirements.
    pub(super) user: Vec<(usize, LicenseId)>,
    /// The first installation-level failure and its position (units come
    /// after every `requires`).
    pub(super) installation: Option<(usize, Denial)>,
}

impl Prerequisites {
    #[inline]
    pub(super) fn of(catalog: &Catalog, supply: &Supply, license: LicenseId) -> Prerequisites {
        let mut user = Vec::new();
        let mut installation = None;
        let Some(def) = catalog.licenses.get(license) else {
            return Prerequisites { user, installation };
        };
        for (position, &requires) in def.requires.iter().enumerate() {
            let is_system = catalog
                .licenses
                .get(requires)
                .is_some_and(|l| l.kind == LicenseKind::System);
            if !is_system {
                user.push((position, requires));
            } else if installation.is_none()
                && supply.available.get(requires).is_none_or(|&n| n == 0)
            {
                let why = Missing::NotInstalled;
                installation = Some((position, Denial::MissingPrerequisite { requires, why }));
            }
        }
        if installation.is_none() {
            installation = def.requires_units.iter().find_map(|&(unit, needed)| {
                let available = supply.units.get(unit).copied().unwrap_or(0);
                (available < needed).then_some((
                    def.requires.len(),
                    Denial::MissingUnits {
                        unit,
                        needed,
                        available,
                    },
                ))
            });
        }
        Prerequisites { user, installation }
    }

    /// The first unmet prerequisite for a user: required user licenses held
    /// (by the user, or included by the license itself), system licenses
    /// and units installed.
    #[inline]
    pub(super) fn check(&self, own_includes: &[LicenseId], ledger: &Held<'_>) -> Option<Denial> {
        let installation_at = self.installation.as_ref().map_or(usize::MAX, |(p, _)| *p);
        for &(position, requires) in &self.user {
            if installation_at < position {
                break;
            }
            if !(ledger.holds(requires) || own_includes.contains(&requires)) {
                let why = if ledger.was_denied(requires) {
                    Missing::Denied
                } else {
                    Missing::NotConfigured
                };
                return Some(Denial::MissingPrerequisite { requires, why });
            }
        }
        self.installation.as_ref().map(|(_, denial)| denial.clone())
    }
}

/// Licenses with a role list may be held only by users of those roles.
#[inline(always)]
pub(super) fn role_denial(catalog: &Catalog, license: LicenseId, user: &User) -> Option<Denial> {
    let roles = &catalog.licenses.get(license)?.roles;
    if roles.is_empty() {
        return None;
    }
    // One role (the common case) is looked up whole.
    let allowed = if user.role.contains(';') {
        roles.iter().any(|r| user.has_role(r))
    } else {
        roles.contains(&user.role)
    };
    (!allowed).then(|| Denial::Role {
        role: user.role.clone(),
    })
}

/// A license configured only with usages that all lack their prerequisites
/// is not consumed: the first usage's reason stands for it.
#[inline(always)]
pub(super) fn no_usable_entry(
    catalog: &Catalog,
    entries: &[Entry<'_>],
    license: LicenseId,
    ledger: &Held<'_>,
) -> Option<Denial> {
    let mut first = None;
    for entry in entries.iter().filter(|e| e.license == license) {
        match usage_denial(catalog, entry, ledger) {
            None => return None,
            Some(denial) => first = first.or(Some(denial)),
        }
    }
    first
}

#[inline(always)]
pub(super) fn usage_denial(
    catalog: &Catalog,
    entry: &Entry<'_>,
    ledger: &Held<'_>,
) -> Option<Denial> {
    let usage = catalog
        .licenses
        .get(entry.license)?
        .usages
        .get(entry.usage?)?;
    usage
        .requires
        .iter()
        .find(|&&r| !ledger.holds(r))
        .map(|&requires| Denial::MissingPrerequisite {
            requires,
            why: if ledger.was_denied(requires) {
                Missing::Denied
            } else {
                Missing::NotConfigured
            },
        })
}

/// Grants or denies every team license once all user licenses are settled.
#[inline]
pub(super) fn team_gates(catalog: &Catalog, result: &mut [UserGrants<'_>]) {
    let holds = |u: &UserGrants<'_>, gate: LicenseId| {
        u.grants
            .iter()
            .any(|g| g.license == gate && g.denial.is_none())
    };
    // team -> members (role "member"), in id order
    let mut teams: rustc_hash::FxHashMap<&str, Vec<usize>> = rustc_hash::FxHashMap::default();
    for (i, u) in result.iter().enumerate() {
        if u.user.has_role("member") && !u.user.team.is_empty() {
            teams.entry(u.user.team.as_str()).or_default().push(i);
        }
    }
    let mut decisions = Vec::new();
    for (i, u) in result.iter().enumerate() {
        for (g, grant) in u.grants.iter().enumerate() {
            let Some(gate) = catalog
                .licenses
                .get(grant.license)
                .filter(|l| l.kind == LicenseKind::Team)
                .and_then(|l| l.team_gate)
            else {
                continue;
            };
            if grant.denial.is_some() {
                continue; // beyond the server's user limit
            }
            if let Some(denial) = role_denial(catalog, grant.license, u.user) {
                decisions.push((i, g, Some(denial)));
                continue;
            }
            let team = u.user.team.as_str();
            let missing: Vec<String> = teams
                .get(team)
                .map(|members| {
                    members
                        .iter()
                        .filter_map(|&m| result.get(m))
                        .filter(|m| !holds(m, gate))
                        .map(|m| m.user.id.clone())
                        .collect()
                })
                .unwrap_or_default();
            // Every member must hold the gate, and there must be members:
            // no grant follows from an empty team.
            let members = teams.get(team).map_or(0, Vec::len);
            let denial = (team.is_empty() || members == 0 || !missing.is_empty()).then(|| {
                Denial::TeamGate {
                    gate,
                    team: team.to_string(),
                    missing,
                }
            });
            decisions.push((i, g, denial));
        }
    }
    for (i, g, denial) in decisions {
        if let Some(grant) = result.get_mut(i).and_then(|u| u.grants.get_mut(g)) {
            grant.denial = denial;
        }
    }
}
