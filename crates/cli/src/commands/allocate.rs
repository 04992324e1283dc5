//! `entitle allocate`: read files, run the allocation library, print.

use std::collections::BTreeMap;

use entitle_allocate::{
    Allocation, Catalog, Count, Denial, LicenseKind, Setup, Supply, allocate_with_setup,
    parse_users,
};
use serde::Serialize;

use crate::cli::AllocateArgs;
use crate::decision::decide_args;
use crate::error::CliError;
use crate::input::read_file;
use crate::json::{Rejected, abbreviate};
use crate::output::say;

/// Runs the command: the decision of `entitle verify` on the same
/// material, then the allocation of exactly the supply it decided.
pub fn run(args: &AllocateArgs) -> Result<(), CliError> {
    let users_text = read_file(&args.users)?;
    let users = parse_users(&users_text)
        .map_err(|e| CliError::input(format!("{}: {e}", args.users.display())))?;
    let outcome = decide_args(&args.material)?;
    let rejected = outcome
        .inputs
        .iter()
        .filter(|i| i.verdict == "refused")
        .map(|i| Rejected {
            token: i.input.clone(),
            reason: i.reason.clone().unwrap_or_default(),
            code: i.code.unwrap_or("invalid"),
        })
        .collect();
    let catalog = &outcome.catalog;
    let supply = &outcome.supply;
    let setup = match &args.setup {
        Some(path) => Setup::parse(&read_file(path)?, catalog)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?,
        None => Setup::default(),
    };
    let allocation = allocate_with_setup(catalog, supply, &users, &setup)
        .map_err(|e| CliError::input(format!("{}: {e}", args.users.display())))?;
    let report = Report::new(catalog, supply, &allocation, rejected, &outcome.warnings);
    if args.json {
        let json = serde_json::to_string(&report).map_err(|e| CliError::input(e.to_string()))?;
        say!("{json}");
    } else {
        report.print();
    }
    Ok(())
}

/// `entitle allocate --json` (docs/allocation.md).
#[derive(Debug, Serialize)]
struct Report {
    licenses: Vec<LicenseLine>,
    units: Vec<UnitLine>,
    features: BTreeMap<String, Vec<String>>,
    users: Vec<UserLine>,
    sites: Vec<AreaLine>,
    groups: Vec<AreaLine>,
    teams: Vec<TeamLine>,
    rejected: Vec<Rejected>,
    warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
struct LicenseLine {
    license: String,
    kind: &'static str,
    bought: u64,
    available: u64,
    used: u64,
    configured: u64,
    granted: u64,
    denied: u64,
}

#[derive(Debug, Serialize)]
struct UnitLine {
    unit: String,
    available: u64,
}

#[derive(Debug, Serialize)]
struct UserLine {
    id: String,
    site: String,
    group: String,
    team: String,
    role: String,
    licenses: Vec<GrantLine>,
    /// Switched off for the user's configuration group: not consuming.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    disabled: Vec<String>,
}

#[derive(Debug, Serialize)]
struct GrantLine {
    license: String,
    granted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct AreaLine {
    name: String,
    licenses: Vec<AreaCount>,
}

#[derive(Debug, Serialize)]
struct AreaCount {
    license: String,
    configured: u64,
    granted: u64,
    denied: u64,
}

#[derive(Debug, Serialize)]
struct TeamLine {
    team: String,
    license: String,
    gate: String,
    members: usize,
    missing: Vec<String>,
    granted: bool,
    /// Why it is denied when the gate is not the reason (a missing facility).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
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

impl Report {
    fn new(
        catalog: &Catalog,
        supply: &Supply,
        allocation: &Allocation<'_>,
        rejected: Vec<Rejected>,
        warnings: &[String],
    ) -> Report {
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
                warnings.push(format!(
                    "{}: {} of {} configured users hold none ({} available)",
                    line.license, line.denied, line.configured, line.available
                ));
            }
        }
        let teams = teams(catalog, allocation);
        for team in teams.iter().filter(|t| !t.granted) {
            warnings.push(match &team.reason {
                Some(reason) => format!("team {}: no {}: {reason}", team.team, team.license),
                None => format!(
                    "team {}: no {}: {} of {} members hold no {} license",
                    team.team,
                    team.license,
                    team.missing.len(),
                    team.members,
                    team.gate
                ),
            });
        }
        Report {
            licenses,
            units,
            features,
            users,
            sites: area(&allocation.sites),
            groups: area(&allocation.groups),
            teams,
            rejected,
            warnings,
        }
    }

    fn print(&self) {
        let names: Vec<String> = self
            .licenses
            .iter()
            .map(|l| format!("{} ({})", l.license, l.kind))
            .collect();
        let w = names.iter().map(String::len).chain([7]).max().unwrap_or(7);
        say!(
            "{:<w$} {:>6} {:>9} {:>6} {:>10} {:>6}",
            "LICENSE",
            "BOUGHT",
            "AVAILABLE",
            "USED",
            "CONFIGURED",
            "DENIED"
        );
        for (l, name) in self.licenses.iter().zip(&names) {
            say!(
                "{name:<w$} {:>6} {:>9} {:>6} {:>10} {:>6}",
                l.bought,
                l.available,
                l.used,
                l.configured,
                l.denied
            );
        }
        for u in &self.units {
            say!("{:<w$} {:>16}", format!("{} (units)", u.unit), u.available);
        }
        say!();
        let width = |f: fn(&UserLine) -> &str, title: &str| {
            self.users
                .iter()
                .map(|u| f(u).len())
                .chain([title.len(), 1])
                .max()
                .unwrap_or(1)
        };
        let (wi, ws, wg, wt, wr) = (
            width(|u| &u.id, "USER"),
            width(|u| &u.site, "SITE"),
            width(|u| &u.group, "GROUP"),
            width(|u| &u.team, "TEAM"),
            width(|u| &u.role, "ROLE"),
        );
        say!(
            "{:<wi$} {:<ws$} {:<wg$} {:<wt$} {:<wr$} LICENSES (! = denied)",
            "USER",
            "SITE",
            "GROUP",
            "TEAM",
            "ROLE"
        );
        for u in &self.users {
            let list: Vec<String> = u
                .licenses
                .iter()
                .map(|g| {
                    if g.granted {
                        g.license.clone()
                    } else {
                        format!("!{}", g.license)
                    }
                })
                .chain(u.disabled.iter().map(|d| format!("({d}: off)")))
                .collect();
            let team = if u.team.is_empty() { "-" } else { &u.team };
            say!(
                "{:<wi$} {:<ws$} {:<wg$} {team:<wt$} {:<wr$} {}",
                u.id,
                u.site,
                u.group,
                u.role,
                list.join(" ")
            );
            for g in u.licenses.iter().filter(|g| !g.granted) {
                say!(
                    "{:<wi$}   denied {}: {}",
                    "",
                    g.license,
                    g.reason.as_deref().unwrap_or_default()
                );
            }
        }
        for (title, areas) in [("SITE", &self.sites), ("GROUP", &self.groups)] {
            say!();
            for area in areas {
                let counts: Vec<String> = area
                    .licenses
                    .iter()
                    .map(|c| format!("{} {}/{}", c.license, c.granted, c.configured))
                    .collect();
                say!(
                    "{title} {:<18} granted/configured: {}",
                    area.name,
                    counts.join(", ")
                );
            }
        }
        if !self.teams.is_empty() {
            say!();
        }
        for t in &self.teams {
            let state = if t.granted {
                "granted".to_string()
            } else {
                format!("denied, without {}: {}", t.gate, t.missing.join(", "))
            };
            say!(
                "TEAM {:<18} {} for {} members: {state}",
                t.team,
                t.license,
                t.members
            );
        }
        if !self.rejected.is_empty() || !self.warnings.is_empty() {
            say!();
        }
        for r in &self.rejected {
            say!("rejected  {}: {}", abbreviate(&r.token), r.reason);
        }
        for w in &self.warnings {
            say!("warning   {w}");
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
