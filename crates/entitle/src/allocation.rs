//! The report of an allocation, as `entitle allocate --json` prints it:
//! the decision of `entitle verify` on the same material, then the
//! allocation of exactly the supply it decided ([`allocate_report`]).

use entitle_allocate::Warning;
use std::collections::BTreeMap;
use std::path::Path;

use entitle_allocate::{
    Allocation, Catalog, Count, Denial, LicenseKind, Setup, Supply, allocate_with_setup,
    parse_users,
};
use serde::Serialize;

use crate::args::MaterialArgs;
use crate::decision::decide_args;
use crate::error::Error;
use crate::input::read_file;
use crate::json::Rejected;

/// Decides on `material`, reads users.csv at `users` and the setup at
/// `setup`, and allocates: the report of `entitle allocate --json`.
pub fn allocate_report(
    material: &MaterialArgs,
    users: &Path,
    setup: Option<&Path>,
) -> Result<AllocateReport, Error> {
    let users_text = read_file(users)?;
    let parsed =
        parse_users(&users_text).map_err(|e| Error::input(format!("{}: {e}", users.display())))?;
    let outcome = decide_args(material)?;
    let rejected = outcome.rejected();
    let catalog = &outcome.catalog;
    let supply = &outcome.supply;
    let setup = match setup {
        Some(path) => Setup::parse(&read_file(path)?, catalog)
            .map_err(|e| Error::input(format!("{}: {e}", path.display())))?,
        None => Setup::default(),
    };
    let allocation = allocate_with_setup(catalog, supply, &parsed, &setup)
        .map_err(|e| Error::input(format!("{}: {e}", users.display())))?;
    Ok(AllocateReport::new(
        catalog,
        supply,
        &allocation,
        rejected,
        &outcome.warnings,
    ))
}

/// `entitle allocate --json` (docs/allocation.md, docs/schema/allocate-report.v1.schema.json).
#[derive(Debug, Serialize)]
pub struct AllocateReport {
    /// Per license type: bought, available, used, configured, granted, denied.
    pub licenses: Vec<LicenseLine>,
    /// Capacity units the installation has.
    pub units: Vec<UnitLine>,
    /// Features granted, per product.
    pub features: BTreeMap<String, Vec<String>>,
    /// Every user in id order, with each configured entry.
    pub users: Vec<UserLine>,
    /// Counts per site.
    pub sites: Vec<AreaLine>,
    /// Counts per configuration group.
    pub groups: Vec<AreaLine>,
    /// Team licenses and their gates, per team.
    pub teams: Vec<TeamLine>,
    /// Inputs the decision refused.
    pub rejected: Vec<Rejected>,
    /// Things to know.
    pub warnings: Vec<String>,
    /// The code of each warning, in the same order (docs/cli.md, "Warning
    /// codes").
    pub warning_codes: Vec<&'static str>,
}

/// One license type of the allocation.
#[derive(Debug, Serialize)]
pub struct LicenseLine {
    /// The license type (or entry) as named.
    pub license: String,
    /// `user`, `system`, `free`, `team` or `company`.
    pub kind: &'static str,
    /// Licenses bought.
    pub bought: u64,
    /// Licenses usable.
    pub available: u64,
    /// Licenses consumed.
    pub used: u64,
    /// Users configured with it.
    pub configured: u64,
    /// Granted (for a line: users granted; for a team: whether granted).
    pub granted: u64,
    /// Users denied it.
    pub denied: u64,
}

/// One capacity unit.
#[derive(Debug, Serialize)]
pub struct UnitLine {
    /// The unit.
    pub unit: String,
    /// Licenses usable.
    pub available: u64,
}

/// One user and each configured entry.
#[derive(Debug, Serialize)]
pub struct UserLine {
    /// The user id.
    pub id: String,
    /// Site.
    pub site: String,
    /// Configuration group.
    pub group: String,
    /// Team.
    pub team: String,
    /// Role(s), as users.csv lists them.
    pub role: String,
    /// Per license type: bought, available, used, configured, granted, denied.
    pub licenses: Vec<GrantLine>,
    /// Switched off for the user's configuration group: not consuming.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled: Vec<String>,
}

/// One configured entry of a user: granted or denied, and why.
#[derive(Debug, Serialize)]
pub struct GrantLine {
    /// The license type (or entry) as named.
    pub license: String,
    /// Granted (for a line: users granted; for a team: whether granted).
    pub granted: bool,
    /// Why denied, as a code (docs/allocation.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<&'static str>,
    /// Why denied, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Counts of one site or configuration group.
#[derive(Debug, Serialize)]
pub struct AreaLine {
    /// The site or group.
    pub name: String,
    /// Per license type: bought, available, used, configured, granted, denied.
    pub licenses: Vec<AreaCount>,
}

/// One license type's counts in a site or group.
#[derive(Debug, Serialize)]
pub struct AreaCount {
    /// The license type (or entry) as named.
    pub license: String,
    /// Users configured with it.
    pub configured: u64,
    /// Granted (for a line: users granted; for a team: whether granted).
    pub granted: u64,
    /// Users denied it.
    pub denied: u64,
}

/// One team license of one team.
#[derive(Debug, Serialize)]
pub struct TeamLine {
    /// Team.
    pub team: String,
    /// The license type (or entry) as named.
    pub license: String,
    /// The license every member must hold.
    pub gate: String,
    /// Members of the team.
    pub members: usize,
    /// Members without the gate license.
    pub missing: Vec<String>,
    /// Granted (for a line: users granted; for a team: whether granted).
    pub granted: bool,
    /// Why it is denied when the gate is not the reason (a missing facility).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn kind_name(kind: LicenseKind) -> &'static str {
    match kind {
        LicenseKind::User => "user",
        LicenseKind::System => "system",
        LicenseKind::Free => "free",
        LicenseKind::Team => "team",
        LicenseKind::Company => "company",
    }
}

impl AllocateReport {
    /// The report of `allocation` of `supply` under `catalog`, with the
    /// decision's refusals and warnings.
    pub fn new(
        catalog: &Catalog,
        supply: &Supply,
        allocation: &Allocation<'_>,
        rejected: Vec<Rejected>,
        warnings: &[Warning],
    ) -> AllocateReport {
        let licenses = catalog
            .licenses
            .iter()
            .enumerate()
            .filter(|(id, l)| {
                let count = allocation.totals.get(*id).copied().unwrap_or_default();
                l.kind != LicenseKind::Free
                    && (count.configured > 0 || supply.available.get(*id).is_some_and(|&n| n > 0))
            })
            .map(|(id, l)| {
                let count = allocation.totals.get(id).copied().unwrap_or_default();
                LicenseLine {
                    license: catalog.display_name(id),
                    kind: kind_name(l.kind),
                    bought: supply.bought.get(id).copied().unwrap_or(0),
                    available: supply.available.get(id).copied().unwrap_or(0),
                    used: count.used,
                    configured: count.configured,
                    granted: count.granted,
                    denied: count.denied,
                }
            })
            .collect();
        let units = supply
            .units
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(id, &available)| UnitLine {
                unit: catalog.unit_name(id),
                available,
            })
            .collect();
        let features = catalog
            .products
            .iter()
            .zip(&supply.features)
            .filter(|(_, f)| !f.is_empty())
            .map(|(p, f)| (p.name.clone(), f.clone()))
            .collect();
        let users = allocation
            .users
            .iter()
            .map(|u| UserLine {
                id: u.user.id.clone(),
                site: u.user.site.clone(),
                group: u.user.group.clone(),
                team: u.user.team.clone(),
                role: u.user.role.clone(),
                licenses: u
                    .grants
                    .iter()
                    .map(|g| GrantLine {
                        license: g.entry.to_string(),
                        granted: g.denial.is_none(),
                        reason_code: g.denial.as_ref().map(Denial::code),
                        reason: g.denial.as_ref().map(|d| d.describe(catalog)),
                    })
                    .collect(),
                disabled: u.disabled.iter().map(|d| (*d).to_string()).collect(),
            })
            .collect();
        let area = |areas: &BTreeMap<&str, Vec<Count>>| -> Vec<AreaLine> {
            areas
                .iter()
                .map(|(name, counts)| AreaLine {
                    name: (*name).to_string(),
                    licenses: counts
                        .iter()
                        .enumerate()
                        .filter(|(id, c)| {
                            c.configured > 0
                                && catalog
                                    .licenses
                                    .get(*id)
                                    .is_some_and(|l| l.kind != LicenseKind::Free)
                        })
                        .map(|(id, c)| AreaCount {
                            license: catalog.display_name(id),
                            configured: c.configured,
                            granted: c.granted,
                            denied: c.denied,
                        })
                        .collect(),
                })
                .collect()
        };
        let mut warnings = warnings.to_vec();
        warnings.extend(allocation.warnings.iter().cloned());
        for line in &licenses {
            let line: &LicenseLine = line;
            if line.denied > 0 && line.kind == "user" {
                warnings.push(Warning::new(
                    "users_without_license",
                    format!(
                        "{}: {} of {} configured users hold none ({} available)",
                        line.license, line.denied, line.configured, line.available
                    ),
                ));
            }
        }
        let teams = teams(catalog, allocation);
        for team in teams.iter().filter(|t| !t.granted) {
            warnings.push(Warning::new(
                "team_without_license",
                match &team.reason {
                    Some(reason) => format!("team {}: no {}: {reason}", team.team, team.license),
                    None => format!(
                        "team {}: no {}: {} of {} members hold no {} license",
                        team.team,
                        team.license,
                        team.missing.len(),
                        team.members,
                        team.gate
                    ),
                },
            ));
        }
        AllocateReport {
            licenses,
            units,
            features,
            users,
            sites: area(&allocation.sites),
            groups: area(&allocation.groups),
            teams,
            rejected,
            warning_codes: warnings.iter().map(|w| w.code).collect(),
            warnings: warnings.into_iter().map(|w| w.message).collect(),
        }
    }
}

/// One line per team and team license configured in it.
fn teams(catalog: &Catalog, allocation: &Allocation<'_>) -> Vec<TeamLine> {
    let mut lines: BTreeMap<(String, usize), TeamLine> = BTreeMap::new();
    for u in &allocation.users {
        for g in &u.grants {
            let Some(gate) = catalog.licenses.get(g.license).and_then(|l| l.team_gate) else {
                continue;
            };
            if u.user.team.is_empty() {
                continue;
            }
            let members = allocation
                .users
                .iter()
                .filter(|m| m.user.team == u.user.team && m.user.has_role("member"))
                .count();
            let missing = match &g.denial {
                Some(Denial::TeamGate { missing, .. }) => missing.clone(),
                _ => Vec::new(),
            };
            lines
                .entry((u.user.team.clone(), g.license))
                .or_insert_with(|| TeamLine {
                    team: u.user.team.clone(),
                    license: catalog.display_name(g.license),
                    gate: catalog.display_name(gate),
                    members,
                    granted: g.denial.is_none(),
                    missing,
                    reason: g
                        .denial
                        .as_ref()
                        .filter(|d| !matches!(d, Denial::TeamGate { .. }))
                        .map(|d| d.describe(catalog)),
                });
        }
    }
    lines.into_values().collect()
}
