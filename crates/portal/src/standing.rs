//! What a licence is worth today, as the decision says: the portal shows
//! the status, term and service the one decision (`entitle_lifecycle::
//! decide`) gives the licence with the portal's revocation list, as on its
//! customer's installation, and never works them out beside it.

use entitle_lifecycle::{
    Decision, Error as DecisionError, Input, Material, Renewal, RevocationList, Setting, Signed,
    decide, implicit_catalog,
};
use entitle_verify::{
    Error as TokenError, MAX_TOKEN_BYTES, Member as _, PublicKey, SeatModel, Token,
};

use crate::error::Error;

/// A licence's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It counts.
    Active,
    /// It counts, on a renewal's term or service.
    Renewed,
    /// Its term is over.
    Expired,
    /// Its keys were destroyed: a revocation list names it.
    Revoked,
    /// The decision refuses it for another reason (shown).
    Refused,
}

impl Status {
    /// The name in the page's data and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Renewed => "renewed",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::Refused => "refused",
        }
    }
}

/// A licence as the decision sees it today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The serial.
    pub serial: String,
    /// Product and edition.
    pub product: String,
    /// The edition.
    pub edition: String,
    /// Seats.
    pub seats: u32,
    /// `concurrent`, `named`, ….
    pub model: &'static str,
    /// The customer company id it is bound to.
    pub tenant: Option<String>,
    /// The status.
    pub status: Status,
    /// The decision's reason, when refused.
    pub reason: Option<String>,
    /// End of the term in force (renewals applied); `None`: perpetual.
    pub expires_at: Option<u64>,
    /// Newest build covered (the update service); `None`: every build.
    pub updates_until: Option<u64>,
}

fn model_name(model: SeatModel) -> &'static str {
    match model {
        SeatModel::Named => "named",
        SeatModel::Concurrent => "concurrent",
    }
}

/// The decision on `material` as on the installation of `tenant`, whose
/// software has `build_date`, with no state and no machine (the portal
/// decides on what it holds, not on an appliance).
pub fn decide_as_customer<'a>(
    material: &Material<'a>,
    trusted: &[PublicKey],
    tenant: Option<&str>,
    now: u64,
    build_date: Option<u64>,
) -> Decision<'a> {
    let catalog = implicit_catalog(material, trusted);
    let setting = Setting {
        trusted,
        catalog: &catalog,
        remembered: None,
        now,
        clock_tolerance: 0,
        build_date,
        machine: None,
        tenant,
        store: None,
    };
    decide(material, &setting)
}

/// Decides on the licence `text` today, with its `renewals` and the
/// revocation lists in force (the portal's and the vendor's);
/// with `build_date`, as software of that build would (a build its update
/// service does not cover refuses it).
pub fn standing(
    text: &str,
    renewals: &[String],
    trusted: &[PublicKey],
    lists: &[Signed<RevocationList>],
    now: u64,
    build_date: Option<u64>,
) -> Result<Standing, Error> {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let token = Token::decode(text, &mut buf)
        .map_err(|e| Error::Store(format!("a recorded licence does not decode: {e}")))?;
    let claims = *token.claims();
    let renewals = renewals
        .iter()
        .map(|r| Signed::<Renewal>::decode(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Store(format!("a recorded renewal: {e}")))?;
    let material = Material {
        tokens: vec![token],
        renewals,
        revocations: lists.to_vec(),
        ..Material::default()
    };
    let decision = decide_as_customer(&material, trusted, claims.tenant, now, build_date);
    let mut standing = Standing {
        serial: token.serial().to_string(),
        product: claims.product.to_string(),
        edition: claims.edition.to_string(),
        seats: claims.seats,
        model: model_name(claims.model),
        tenant: claims.tenant.map(str::to_string),
        status: Status::Active,
        reason: None,
        expires_at: claims.expires_at,
        updates_until: claims.updates_until,
    };
    if let Some((_, usable)) = decision.licenses.first() {
        let validity = usable.validity();
        standing.expires_at = validity.expires_at;
        standing.updates_until = validity.updates_until;
        if usable.renewed() {
            standing.status = Status::Renewed;
        }
        return Ok(standing);
    }
    standing.status = match decision.verdict(Input::Token(0)) {
        Some(Err(DecisionError::Revoked { .. })) => Status::Revoked,
        Some(Err(DecisionError::Token(TokenError::Expired { .. }))) => Status::Expired,
        Some(Err(other)) => {
            standing.reason = Some(other.to_string());
            Status::Refused
        }
        _ => Status::Refused,
    };
    Ok(standing)
}
