//! What to issue: the claims of a new token, checked before signing.

use entitle_verify::format::limits::{MAX_FEATURES, MAX_NAME_LEN, MAX_TENANT_LEN};
use entitle_verify::names::{is_valid_name, is_valid_tenant};
use entitle_verify::{Kind, SeatModel, Utc};

use crate::error::{Error, invalid};

/// Latest time the format can carry: timestamps are 32-bit Unix seconds.
pub const MAX_TIME: u64 = u32::MAX as u64;

/// The claims of a token to issue. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseSpec {
    /// Product name, e.g. `starface`.
    pub product: String,
    /// Edition name, e.g. `compact`.
    pub edition: String,
    /// Seats granted, at least 1.
    pub seats: u32,
    /// Named or concurrent seats.
    pub model: SeatModel,
    /// Most seats of this product and edition a tenant may use in total.
    pub cap: Option<u32>,
    /// Base license or add-on.
    pub kind: Kind,
    /// Time of issue; `None` means now, taken when the token is signed.
    pub issued_at: Option<u64>,
    /// Start of validity; `None` means the time of issue.
    pub not_before: Option<u64>,
    /// End of validity (exclusive); `None` for a perpetual license.
    pub expires_at: Option<u64>,
    /// Newest software build date covered; `None` for all builds.
    pub updates_until: Option<u64>,
    /// Customer company id.
    pub tenant: Option<String>,
    /// Feature names; the token carries them in byte order.
    pub features: Vec<String>,
}

impl LicenseSpec {
    /// A perpetual base license of `seats` named seats, without tenant,
    /// cap or features; set the other fields directly.
    pub fn new(product: impl Into<String>, edition: impl Into<String>, seats: u32) -> LicenseSpec {
        LicenseSpec {
            product: product.into(),
            edition: edition.into(),
            seats,
            model: SeatModel::Named,
            cap: None,
            kind: Kind::Base,
            issued_at: None,
            not_before: None,
            expires_at: None,
            updates_until: None,
            tenant: None,
            features: Vec::new(),
        }
    }

    /// Checks every rule the format and common sense impose, naming the
    /// field and the rule on failure. `issued_at` is the time of issue to
    /// check against when the spec leaves it open.
    pub fn validate(&self, issued_at: u64) -> Result<(), Error> {
        check_name("product", &self.product)?;
        check_name("edition", &self.edition)?;
        if self.seats == 0 {
            return Err(invalid("seats", "must be at least 1"));
        }
        if let Some(cap) = self.cap {
            if cap == 0 {
                return Err(invalid("cap", "must be at least 1"));
            }
            if self.seats > cap {
                return Err(invalid(
                    "seats",
                    format!("{} seats exceed the cap of {cap}", self.seats),
                ));
            }
        }
        let issued_at = self.issued_at.unwrap_or(issued_at);
        check_time("issued-at", issued_at)?;
        let not_before = self.not_before.unwrap_or(issued_at);
        check_time("not-before", not_before)?;
        if let Some(expires_at) = self.expires_at {
            check_time("expires", expires_at)?;
            if expires_at <= not_before {
                return Err(invalid(
                    "expires",
                    format!(
                        "must be after not-before ({} is not after {})",
                        Utc(expires_at),
                        Utc(not_before)
                    ),
                ));
            }
        }
        if let Some(updates_until) = self.updates_until {
            check_time("updates-until", updates_until)?;
        }
        if let Some(tenant) = &self.tenant {
            if !is_valid_tenant(tenant) {
                return Err(invalid(
                    "tenant",
                    format!(
                        "{tenant:?} is not a valid tenant id: 1 to {MAX_TENANT_LEN} characters \
                         of A-Z a-z 0-9 . _ - :, starting with a letter or digit"
                    ),
                ));
            }
        }
        if self.features.len() > MAX_FEATURES {
            return Err(invalid(
                "feature",
                format!("{} features, at most {MAX_FEATURES}", self.features.len()),
            ));
        }
        for (i, feature) in self.features.iter().enumerate() {
            check_name("feature", feature)?;
            if self.features.iter().take(i).any(|f| f == feature) {
                return Err(invalid("feature", format!("{feature:?} is given twice")));
            }
        }
        Ok(())
    }
}

fn check_name(field: &'static str, name: &str) -> Result<(), Error> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "{name:?} is not a valid name: 1 to {MAX_NAME_LEN} characters of a-z 0-9 . _ -, \
                 starting with a letter or digit"
            ),
        ))
    }
}

fn check_time(field: &'static str, time: u64) -> Result<(), Error> {
    if time > MAX_TIME {
        Err(invalid(
            field,
            format!(
                "{} is after {}, the last time the format can carry",
                Utc(time),
                Utc(MAX_TIME)
            ),
        ))
    } else {
        Ok(())
    }
}
