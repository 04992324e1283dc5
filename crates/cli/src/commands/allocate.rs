//! `entitle allocate`: the library's allocation report
//! ([`entitle::allocation::allocate_report`]), printed.

use entitle::allocation::{AllocateReport, UserLine, allocate_report};

use crate::cli::AllocateArgs;
use crate::error::CliError;
use crate::json::abbreviate;
use crate::output::say;

/// Runs the command: the decision of `entitle verify` on the same
/// material, then the allocation of exactly the supply it decided.
pub fn run(args: &AllocateArgs) -> Result<(), CliError> {
    let report = allocate_report(&args.material, &args.users, args.setup.as_deref())?;
    if args.json {
        let json = serde_json::to_string(&report).map_err(|e| CliError::input(e.to_string()))?;
        say!("{json}");
    } else {
        print(&report);
    }
    Ok(())
}

fn print(report: &AllocateReport) {
    let names: Vec<String> = report
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
    for (l, name) in report.licenses.iter().zip(&names) {
        say!(
            "{name:<w$} {:>6} {:>9} {:>6} {:>10} {:>6}",
            l.bought,
            l.available,
            l.used,
            l.configured,
            l.denied
        );
    }
    for u in &report.units {
        say!("{:<w$} {:>16}", format!("{} (units)", u.unit), u.available);
    }
    say!();
    let width = |f: fn(&UserLine) -> &str, title: &str| {
        report
            .users
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
    for u in &report.users {
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
    for (title, areas) in [("SITE", &report.sites), ("GROUP", &report.groups)] {
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
    if !report.teams.is_empty() {
        say!();
    }
    for t in &report.teams {
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
    if !report.rejected.is_empty() || !report.warnings.is_empty() {
        say!();
    }
    for r in &report.rejected {
        say!("rejected  {}: {}", abbreviate(&r.token), r.reason);
    }
    for w in &report.warnings {
        say!("warning   {w}");
    }
}
