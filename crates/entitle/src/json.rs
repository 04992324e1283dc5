//! The JSON shapes of the command's output (documented in docs/cli.md).

use entitle_verify::{Token, Utc};
use serde::Serialize;

/// RFC 3339 UTC text of Unix seconds.
pub fn rfc3339(secs: u64) -> String {
    Utc(secs).to_string()
}

/// The start of a token, enough to recognise it in a list.
pub fn abbreviate(token: &str) -> String {
    let mut short: String = token.chars().take(24).collect();
    if short.len() < token.len() {
        short.push('…');
    }
    short
}

/// A token's header and claims.
#[derive(Debug, Serialize)]
pub struct TokenJson<'a> {
    /// Key id, hex.
    pub key_id: String,
    /// Serial, hex.
    pub serial: String,
    /// Product.
    pub product: &'a str,
    /// Edition.
    pub edition: &'a str,
    /// Seats of this token.
    pub seats: u32,
    /// `named` or `concurrent`.
    pub model: &'static str,
    /// Cap, if any.
    pub cap: Option<u32>,
    /// `base` or `addon`.
    pub kind: &'static str,
    /// Tenant, if any.
    pub tenant: Option<&'a str>,
    /// Features.
    pub features: Vec<&'a str>,
    /// RFC 3339.
    pub issued_at: String,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339, or null for perpetual.
    pub expires_at: Option<String>,
    /// RFC 3339, or null for all builds.
    pub updates_until: Option<String>,
}

impl<'a> TokenJson<'a> {
    /// The JSON view of `token`.
    pub fn new(token: &Token<'a>) -> TokenJson<'a> {
        let c = token.claims();
        TokenJson {
            key_id: token.key_id().to_string(),
            serial: token.serial().to_string(),
            product: c.product,
            edition: c.edition,
            seats: c.seats,
            model: c.model.as_str(),
            cap: c.cap,
            kind: c.kind.as_str(),
            tenant: c.tenant,
            features: c.features.iter().collect(),
            issued_at: rfc3339(c.issued_at),
            not_before: rfc3339(c.not_before),
            expires_at: c.expires_at.map(rfc3339),
            updates_until: c.updates_until.map(rfc3339),
        }
    }
}

/// `entitle verify --json`.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    /// Usable licenses, stacked per product, edition, tenant and seat model.
    pub licenses: Vec<StackedLicense>,
    /// Inputs refused, with the reason (the refused entries of `inputs`).
    pub rejected: Vec<Rejected>,
    /// Things to know that did not stop a license from working.
    pub warnings: Vec<String>,
    /// The code of each warning, in the same order (docs/cli.md, "Warning
    /// codes"): stable where the words may change.
    pub warning_codes: Vec<&'static str>,
    /// Every input, `kept` or `refused` with the reason.
    pub inputs: Vec<crate::decision::InputLine>,
    /// Usable licenses per license type of the catalog, and capacity units:
    /// exactly what `entitle allocate` distributes.
    pub supply: SupplyJson,
}

/// The supply: usable licenses per license type, and units.
#[derive(Debug, Default, Serialize)]
pub struct SupplyJson {
    /// License type (catalog name) to usable count; types with none left out.
    pub licenses: std::collections::BTreeMap<String, u64>,
    /// Unit name to count.
    pub units: std::collections::BTreeMap<String, u64>,
}

impl SupplyJson {
    /// The supply of a decision, named by its catalog.
    pub fn new(
        catalog: &entitle_allocate::Catalog,
        supply: &entitle_allocate::Supply,
    ) -> SupplyJson {
        SupplyJson {
            licenses: supply
                .available
                .iter()
                .enumerate()
                .filter(|&(_, &n)| n > 0)
                .map(|(id, &n)| (catalog.display_name(id), n))
                .collect(),
            units: supply
                .units
                .iter()
                .enumerate()
                .filter(|&(_, &n)| n > 0)
                .map(|(id, &n)| (catalog.unit_name(id), n))
                .collect(),
        }
    }
}

/// One usable, stacked license.
#[derive(Debug, Serialize)]
pub struct StackedLicense {
    /// Product.
    pub product: String,
    /// Edition.
    pub edition: String,
    /// Tenant, or null.
    pub tenant: Option<String>,
    /// `named` or `concurrent`.
    pub model: &'static str,
    /// Usable seats: min(seats bought, cap).
    pub seats: u64,
    /// Seats bought: the sum over the stacked tokens.
    pub seats_bought: u64,
    /// Cap, or null.
    pub cap: Option<u32>,
    /// Features of all stacked tokens.
    pub features: Vec<String>,
    /// Earliest expiry among the stacked tokens (RFC 3339), or null.
    pub expires_at: Option<String>,
    /// Earliest end of updates among the stacked tokens (RFC 3339), or null.
    pub updates_until: Option<String>,
    /// Serials of the stacked tokens, hex.
    pub serials: Vec<String>,
    /// Each stacked license: its status, term and service.
    pub members: Vec<crate::decision::LicenseStatus>,
}

/// A refused token.
#[derive(Debug, Serialize)]
pub struct Rejected {
    /// The token text as given.
    pub token: String,
    /// Why it was refused.
    pub reason: String,
    /// The reason's stable code (docs/cli.md, "Reason codes").
    pub code: &'static str,
}
