//! Why a configured license was not granted: the reasons and their words.

use crate::catalog::{Catalog, LicenseId, UnitId};

/// Why a configured license was not granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The user's role may not hold it.
    Role {
        /// The user's role.
        role: String,
    },
    /// A license it requires is not held.
    MissingPrerequisite {
        /// The required license.
        requires: LicenseId,
        /// Why it is not held.
        why: Missing,
    },
    /// The installation has too few units (IP channels, ...).
    MissingUnits {
        /// The unit.
        unit: UnitId,
        /// How many are needed.
        needed: u64,
        /// How many there are.
        available: u64,
    },
    /// Every license of the pool is taken by users served first (by the
    /// scheme: a license before those it includes, then id order).
    PoolExhausted {
        /// The pool that ran out (the license itself or one it includes).
        license: LicenseId,
        /// Its size.
        available: u64,
    },
    /// A team license whose gate is not met.
    TeamGate {
        /// The license every member must hold.
        gate: LicenseId,
        /// The team; empty when the user has none.
        team: String,
        /// Members without the gate license, in id order.
        missing: Vec<String>,
    },
    /// The user's site has a contingent of the license, and users that come
    /// first hold all of it.
    ContingentExhausted {
        /// The license (the one configured or one it includes).
        license: LicenseId,
        /// The site.
        site: String,
        /// The contingent's size.
        available: u64,
    },
    /// The installation lacks a facility the license needs (a CTI
    /// connection for XPhone Analytics).
    MissingFacility {
        /// The facility, as the catalog names it.
        facility: String,
    },
    /// The installation holds no license of this company-wide type.
    NotLicensed {
        /// The license type.
        license: LicenseId,
    },
    /// The installation serves at most `limit` users of the product, and
    /// this user's id sorts after theirs.
    UserLimit {
        /// The product.
        product: usize,
        /// Its users per installation (the catalog's `max_users`).
        limit: u32,
    },
}

/// Why a prerequisite is not held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The user is not configured with it.
    NotConfigured,
    /// The user is configured with it but it was denied.
    Denied,
    /// The installation does not have the system license (or it does not work).
    NotInstalled,
    /// No user of the installation holds it (`requires_company`).
    NobodyHolds,
}

impl Denial {
    /// A short, stable code for scripts: `role`, `missing_prerequisite`,
    /// `missing_units`, `pool_exhausted`, `team_gate`, `user_limit`,
    /// `not_licensed`, `contingent_exhausted`, `missing_facility`.
    pub fn code(&self) -> &'static str {
        match self {
            Denial::Role { .. } => "role",
            Denial::MissingPrerequisite { .. } => "missing_prerequisite",
            Denial::MissingUnits { .. } => "missing_units",
            Denial::PoolExhausted { .. } => "pool_exhausted",
            Denial::TeamGate { .. } => "team_gate",
            Denial::UserLimit { .. } => "user_limit",
            Denial::NotLicensed { .. } => "not_licensed",
            Denial::ContingentExhausted { .. } => "contingent_exhausted",
            Denial::MissingFacility { .. } => "missing_facility",
        }
    }

    /// The reason in words.
    pub fn describe(&self, catalog: &Catalog) -> String {
        match self {
            Denial::Role { role } => format!("role {role} may not hold this license"),
            Denial::ContingentExhausted {
                license,
                site,
                available,
            } => format!(
                "contingent exhausted: all {available} {} licenses of site {site} are held by its users served first",
                catalog.display_name(*license)
            ),
            Denial::MissingFacility { facility } => format!(
                "missing facility: needs {facility}, which the installation's setup does not list"
            ),
            Denial::NotLicensed { license } => format!(
                "not licensed: the installation holds no {} license",
                catalog.display_name(*license)
            ),
            Denial::UserLimit { product, limit } => format!(
                "user limit: one {} server serves at most {limit} users, held by users served first",
                catalog
                    .products
                    .get(*product)
                    .map_or("", |p| p.name.as_str())
            ),
            Denial::MissingPrerequisite { requires, why } => {
                let name = catalog.display_name(*requires);
                match why {
                    Missing::NotConfigured => format!(
                        "missing prerequisite: requires {name}, which the user is not configured with"
                    ),
                    Missing::Denied => {
                        format!("missing prerequisite: requires {name}, which was denied")
                    }
                    Missing::NotInstalled => format!(
                        "missing prerequisite: requires system license {name}, which the installation lacks"
                    ),
                    Missing::NobodyHolds => format!(
                        "missing prerequisite: no user of the installation holds {name} yet"
                    ),
                }
            }
            Denial::MissingUnits {
                unit,
                needed,
                available,
            } => format!(
                "missing prerequisite: needs at least {needed} {} units, the installation has {available}",
                catalog.unit_name(*unit)
            ),
            Denial::PoolExhausted { license, available } => format!(
                "pool exhausted: all {available} {} licenses are held by users served first",
                catalog.display_name(*license)
            ),
            Denial::TeamGate {
                gate,
                team,
                missing,
            } if team.is_empty() => {
                let _ = missing;
                format!(
                    "team gate: the user is in no team, and {} is granted per team",
                    catalog.display_name(*gate)
                )
            }
            Denial::TeamGate {
                gate,
                team,
                missing,
            } if missing.is_empty() => format!(
                "team gate: team {team} has no members, and {} is granted for a team whose every member holds {}",
                catalog.display_name(*gate),
                catalog.display_name(*gate)
            ),
            Denial::TeamGate {
                gate,
                team,
                missing,
            } => {
                let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
                let more = if missing.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                };
                format!(
                    "team gate: {} of team {team} hold no {} license ({}{more})",
                    missing.len(),
                    catalog.display_name(*gate),
                    shown.join(", ")
                )
            }
        }
    }
}
