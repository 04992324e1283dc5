//! The installation's own setup, by its administrator (setup.toml,
//! docs/allocation.md): licenses assigned per site, functions switched off
//! per configuration group, capacity in use, facilities set up. Not signed:
//! it can only restrict what the signed material grants, never add to it.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{Catalog, LicenseId, LicenseKind, UnitId, line_of};
use crate::error::Error;

/// A checked setup. The default is an installation without any: one
/// shared pool per license, every configured function on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setup {
    /// Per site: licenses assigned to it (`(license, count)`). Its users
    /// draw those licenses from this contingent only; users of sites
    /// without one share what is not assigned.
    pub contingents: BTreeMap<String, Vec<(LicenseId, u64)>>,
    /// Per configuration group: licenses whose functions are switched off.
    /// Its users are not configured with them and consume none.
    pub disabled: BTreeMap<String, Vec<LicenseId>>,
    /// Capacity configured (data sources, Auto Attendant channels): flagged
    /// when beyond what the system licenses provide.
    pub in_use: Vec<(UnitId, u64)>,
    /// Facilities set up (a CTI connection): licenses that require one are
    /// denied without it.
    pub facilities: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    #[serde(default)]
    facilities: Vec<Spanned<String>>,
    #[serde(default)]
    in_use: BTreeMap<Spanned<String>, Spanned<u64>>,
    #[serde(default)]
    sites: BTreeMap<Spanned<String>, RawSite>,
    #[serde(default)]
    groups: BTreeMap<Spanned<String>, RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    #[serde(default)]
    contingents: BTreeMap<Spanned<String>, Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    #[serde(default)]
    disabled: Vec<Spanned<String>>,
}

impl Setup {
    /// Parses and checks setup TOML against the catalog: every license,
    /// unit and facility it names must be one the catalog knows.
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Setup, Error> {
        let bad = |span: std::ops::Range<usize>, path: String, message: String| Error::Catalog {
            line: line_of(text, span.start),
            path,
            message,
        };
        let raw: RawSetup = toml::from_str(text).map_err(|e| Error::Catalog {
            line: e.span().map_or(0, |span| line_of(text, span.start)),
            path: String::new(),
            message: e.message().trim().to_string(),
        })?;
        let license = |name: &Spanned<String>, path: String| -> Result<LicenseId, Error> {
            let id = catalog
                .resolve(name.get_ref())
                .map_err(|message| bad(name.span(), path.clone(), message))?;
            match catalog.licenses.get(id).map(|l| l.kind) {
                Some(LicenseKind::User | LicenseKind::Team | LicenseKind::Free) => Ok(id),
                _ => Err(bad(
                    name.span(),
                    path,
                    format!(
                        "{} is not configured per user; only user, team and free licenses are",
                        name.get_ref()
                    ),
                )),
            }
        };
        let mut setup = Setup::default();
        for (site, raw_site) in &raw.sites {
            let mut assigned = Vec::new();
            for (name, count) in &raw_site.contingents {
                let path = format!("sites.{}.contingents", site.get_ref());
                let id = license(name, path.clone())?;
                if catalog.licenses.get(id).map(|l| l.kind) != Some(LicenseKind::User) {
                    return Err(bad(
                        name.span(),
                        path,
                        format!(
                            "{} is not counted: only user licenses have contingents",
                            name.get_ref()
                        ),
                    ));
                }
                assigned.push((id, *count.get_ref()));
            }
            setup.contingents.insert(site.get_ref().clone(), assigned);
        }
        for (group, raw_group) in &raw.groups {
            let mut off = Vec::new();
            for name in &raw_group.disabled {
                off.push(license(
                    name,
                    format!("groups.{}.disabled", group.get_ref()),
                )?);
            }
            setup.disabled.insert(group.get_ref().clone(), off);
        }
        for (unit, count) in &raw.in_use {
            let Some(id) = catalog.units.iter().position(|u| &u.name == unit.get_ref()) else {
                return Err(bad(
                    unit.span(),
                    "in_use".to_string(),
                    format!(
                        "no system license of the catalog provides unit {:?}",
                        unit.get_ref()
                    ),
                ));
            };
            setup.in_use.push((id, *count.get_ref()));
        }
        for facility in &raw.facilities {
            let known = catalog
                .licenses
                .iter()
                .any(|l| l.requires_facilities.contains(facility.get_ref()));
            if !known {
                return Err(bad(
                    facility.span(),
                    "facilities".to_string(),
                    format!(
                        "no license of the catalog requires a facility {:?}",
                        facility.get_ref()
                    ),
                ));
            }
            setup.facilities.push(facility.get_ref().clone());
        }
        Ok(setup)
    }
}
