//! The catalog TOML as written: every field with its span, for errors
//! that name the line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{LicenseKind, TenantRule};

pub(super) type Named<T> = BTreeMap<Spanned<String>, T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalog {
    pub(super) version: Spanned<u32>,
    #[serde(default)]
    pub(super) products: Named<RawProduct>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProduct {
    #[allow(dead_code)] // for people reading the catalog
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) roles: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) licenses: Named<RawLicense>,
    #[serde(default)]
    pub(super) editions: Named<RawEdition>,
    #[serde(default)]
    pub(super) exclusive: Vec<Spanned<String>>,
    pub(super) max_users: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLicense {
    #[allow(dead_code)]
    pub(super) description: Option<String>,
    pub(super) kind: Option<Spanned<LicenseKind>>,
    #[serde(default)]
    pub(super) requires: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) includes: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) units: Named<Spanned<u64>>,
    #[serde(default)]
    pub(super) requires_units: Named<Spanned<u64>>,
    #[serde(default)]
    pub(super) roles: Vec<Spanned<String>>,
    pub(super) team_gate: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) usages: Named<RawUsage>,
    pub(super) warn_above: Option<Spanned<u32>>,
    #[serde(default)]
    pub(super) requires_facilities: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) requires_company: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUsage {
    #[allow(dead_code)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) requires: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEdition {
    #[allow(dead_code)]
    pub(super) description: Option<String>,
    pub(super) license: Option<Spanned<String>>,
    pub(super) included: Option<Spanned<u32>>,
    pub(super) cap: Option<Spanned<u32>>,
    pub(super) packs: Option<Spanned<Vec<u32>>>,
    pub(super) addons: Option<Spanned<bool>>,
    pub(super) migratable: Option<bool>,
    pub(super) updates: Option<bool>,
    #[serde(default)]
    pub(super) features: Vec<Spanned<String>>,
    pub(super) tenant: Option<TenantRule>,
    pub(super) fallback: Option<Spanned<String>>,
    pub(super) fallback_at: Option<Spanned<toml::value::Datetime>>,
    pub(super) withdrawn: Option<Spanned<toml::value::Datetime>>,
}
