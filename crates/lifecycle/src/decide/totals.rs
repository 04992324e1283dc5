//! What holds over all tokens at once: one license per serial, and the
//! limits in total (partners' `max_seats`, extra keys out of annual-model
//! licenses, add-ons' features).

use std::collections::BTreeMap;

use entitle_verify::{Claims, Kind, Member, Serial};

use crate::cert::{Capability, Role};
use crate::error::Error;

use super::{Input, Pending, Usable};

/// Product, edition, tenant: what limits in total are counted per.
pub(super) type PoolKey = (String, String, Option<String>);

/// The annual-model licenses of a pool that free extra keys come out of.
#[derive(Debug, Clone, Default)]
pub(super) struct Annual {
    seats: u64,
    features: Vec<String>,
    /// The latest end of their terms.
    until: u64,
}

/// The limits that hold over all valid tokens, not per token. Each serial
/// is here once (`one_per_serial`), and tokens the catalog refused are
/// left out (`excluded`), so that nothing backs a limit twice or without
/// counting itself. Applied in a fixed order, so that the same tokens are
/// refused whatever the input order: licenses bought (bases, then add-ons)
/// before extra keys, each oldest issued first, then by serial:
///
/// - a partner's add-on adds no feature its base licenses do not grant;
/// - the seats issued under a certificate with `max_seats`, by its holder
///   or anyone it certified, add up to at most `max_seats` on this
///   installation, over every product, edition, tenant and seat model;
/// - extra keys (`extra-keys`) for a product, edition and tenant add up to
///   at most the seats of the annual-model (term) licenses issued under
///   `issue` for the same that count here, and grant no feature those do
///   not.
pub(super) fn in_total(pending: &[Pending<'_>], excluded: &[usize]) -> Vec<Option<Error>> {
    let mut refusals: Vec<Option<Error>> = (0..pending.len()).map(|_| None).collect();
    let mut order: Vec<usize> = (0..pending.len())
        .filter(|&k| pending.get(k).is_some_and(|p| !excluded.contains(&p.index)))
        .collect();
    order.sort_by_key(|&k| {
        pending.get(k).map(|p| {
            let c = p.usable.claims();
            (
                p.capability == Capability::ExtraKeys,
                c.kind == Kind::Addon,
                c.issued_at,
                p.usable.serial(),
            )
        })
    });
    let key = |c: &Claims<'_>| -> PoolKey {
        (
            c.product.to_string(),
            c.edition.to_string(),
            c.tenant.map(str::to_string),
        )
    };

    // Features of the bases, and seats of annual-model licenses, per pool:
    // of the tokens that passed, as they pass.
    let mut base_features: BTreeMap<PoolKey, Vec<String>> = BTreeMap::new();
    let mut annual: BTreeMap<PoolKey, Annual> = BTreeMap::new();
    let mut issued_under: BTreeMap<[u8; 8], u64> = BTreeMap::new();
    let mut extra_used: BTreeMap<PoolKey, u64> = BTreeMap::new();
    for k in order {
        let Some(p) = pending.get(k) else { continue };
        let c = p.usable.claims();
        let pool = key(c);
        // The vendor's tokens have no such limits; an expired token counts
        // for nothing here (its term is over; where its edition falls back
        // to a lesser one, that edition's included seats are the catalog's).
        let refusal = if p.expired_at.is_some() || p.issuer.is_vendor() {
            None
        } else {
            partner_limits(
                p,
                &pool,
                &base_features,
                &annual,
                &issued_under,
                &extra_used,
            )
        };
        if let Some(e) = refusal {
            if let Some(slot) = refusals.get_mut(k) {
                *slot = Some(e);
            }
            continue;
        }
        if p.expired_at.is_some() {
            continue;
        }
        if c.kind == Kind::Base {
            let features = base_features.entry(pool.clone()).or_default();
            features.extend(c.features.iter().map(str::to_string));
        }
        if let (Capability::Issue, Some(expires_at)) =
            (p.capability, p.usable.validity().expires_at)
        {
            let entry = annual.entry(pool.clone()).or_default();
            entry.seats = entry.seats.saturating_add(u64::from(c.seats));
            entry.features.extend(c.features.iter().map(str::to_string));
            entry.until = entry.until.max(expires_at);
        }
        // A service provider's extra keys come out of its contract, not
        // out of the annual-model licenses of the pool: they use none of
        // what the customer's own annual licenses allow (else which keys
        // count would hang on the order of serials issued in one second).
        if p.capability == Capability::ExtraKeys && p.issuer.role() != Some(Role::ServiceProvider) {
            let used = extra_used.entry(pool).or_default();
            *used = used.saturating_add(u64::from(c.seats));
        }
        for (serial, _, _) in p.issuer.seat_limits() {
            let sum = issued_under.entry(serial).or_default();
            *sum = sum.saturating_add(u64::from(c.seats));
        }
    }
    refusals
}

/// Why a partner's token breaks a limit in total, given what passed
/// before it.
pub(super) fn partner_limits(
    p: &Pending<'_>,
    pool: &PoolKey,
    base_features: &BTreeMap<PoolKey, Vec<String>>,
    annual: &BTreeMap<PoolKey, Annual>,
    issued_under: &BTreeMap<[u8; 8], u64>,
    extra_used: &BTreeMap<PoolKey, u64>,
) -> Option<Error> {
    let c = p.usable.claims();
    let who = p.issuer.name();
    if c.kind == Kind::Addon {
        let granted = base_features
            .get(pool)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(f) = c.features.iter().find(|f| !granted.iter().any(|g| g == f)) {
            return Some(Error::Limit {
                code: "addon_feature",
                why: format!(
                    "{who} issued an add-on with feature {f:?}, which its base licenses do not grant"
                ),
            });
        }
    }
    // A service provider's free keys come out of its own contract, its
    // certificate's `max_seats` (checked with the seat limits below), not
    // out of annual-model licenses it does not hold ("Abruf kostenfreier
    // Lizenzschlüssel im Rahmen des Annual Licensing (ALM) sowie des
    // Service Provider Modells").
    let provider = p.issuer.role() == Some(Role::ServiceProvider);
    if p.capability == Capability::ExtraKeys && provider && p.issuer.seat_limits().is_empty() {
        return Some(Error::Limit {
            code: "extra_keys_exceed_contract",
            why: format!(
                "{who} may issue free extra keys only within its service-provider contract, and its certificate names no max_seats"
            ),
        });
    }
    if p.capability == Capability::ExtraKeys && !provider {
        let Annual {
            seats: held,
            features,
            until,
        } = annual.get(pool).cloned().unwrap_or_default();
        let used = extra_used.get(pool).copied().unwrap_or(0);
        let total = used.saturating_add(u64::from(c.seats));
        if held > 0 && p.usable.validity().expires_at.is_none_or(|e| e > until) {
            return Some(Error::Limit {
                code: "extra_key_outlives_annual",
                why: format!(
                    "{who} issued an extra key that outlives the annual-model licenses it comes out of (they end {})",
                    entitle_verify::Utc(until)
                ),
            });
        }
        if total > held {
            return Some(Error::Limit {
                code: "extra_keys_exceed_annual",
                why: format!(
                    "{who} may issue free extra keys only out of the annual-model licenses {} holds for {} {}: {held} seats, and this key would make {total}",
                    c.tenant.unwrap_or("the customer"),
                    c.product,
                    c.edition
                ),
            });
        }
        if let Some(f) = c.features.iter().find(|f| !features.iter().any(|g| g == f)) {
            return Some(Error::Limit {
                code: "extra_key_feature",
                why: format!(
                    "{who} issued an extra key with feature {f:?}, which the annual-model licenses do not grant"
                ),
            });
        }
    }
    p.issuer.seat_limits().iter().find_map(|(serial, name, max)| {
        let so_far = issued_under.get(serial).copied().unwrap_or(0);
        let total = so_far.saturating_add(u64::from(c.seats));
        (total > u64::from(*max)).then(|| {
            Error::Limit {
                code: "seat_limit",
                why: format!(
                    "the certificate of {name} allows {max} seats in total on an installation; with this key ({} {}), what it and those it certified issued makes {total}",
                    c.product, c.edition
                ),
            }
        })
    })
}

/// One license per serial, before anything is counted, whatever the order
/// of the input: the same token given again counts once (returned as
/// `(index, index of its first occurrence)`, its verdict copied at the
/// end); of tokens with one serial and different content (an order minted
/// twice without its ledger, or a partner's token reusing another's
/// serial), one counts and the others are refused: a vendor's before a
/// partner's, then the one that grants least (fewest seats, earliest end
/// of term and of updates, fewest features, lowest cap), then the lowest
/// signed bytes. Never more than one of them grants alone.
pub(super) fn one_per_serial<'a>(
    pending: &mut Vec<Pending<'a>>,
    verdicts: &mut Vec<(Input, Result<(), Error>)>,
) -> Vec<(usize, usize)> {
    let rank = |p: &Pending<'a>| {
        let c = p.usable.claims();
        let validity = p.usable.validity();
        (
            !p.issuer.is_vendor(),
            c.seats,
            validity.expires_at.unwrap_or(u64::MAX),
            validity.updates_until.unwrap_or(u64::MAX),
            c.features.iter().count(),
            c.cap.map_or(u64::MAX, u64::from),
            p.usable.token().body(),
        )
    };
    let mut repeats = Vec::new();
    let mut counted: Vec<Pending<'a>> = Vec::with_capacity(pending.len());
    for p in pending.drain(..) {
        let serial = p.usable.serial();
        let Some(slot) = counted.iter_mut().find(|q| q.usable.serial() == serial) else {
            counted.push(p);
            continue;
        };
        if slot.usable.token().body() == p.usable.token().body() {
            // `pending` is in input order: the slot holds the first.
            repeats.push((p.index, slot.index));
            continue;
        }
        let refused = if rank(&p) < rank(slot) {
            std::mem::replace(slot, p)
        } else {
            p
        };
        verdicts.push((
            Input::Token(refused.index),
            Err(Error::SerialConflict { serial }),
        ));
    }
    // (A repeat of a token that lost to another with its serial takes the
    // refusal of its first occurrence with the other verdicts, at the end.)
    counted.sort_by_key(|p| p.index);
    *pending = counted;
    repeats
}

pub(super) fn warn_repeated_serials(
    licenses: &[(usize, Usable<'_>)],
    repeats: &[(usize, usize)],
    warnings: &mut Vec<entitle_allocate::Warning>,
) {
    let mut counts: BTreeMap<Serial, usize> = BTreeMap::new();
    for (index, license) in licenses {
        let given = 1 + repeats.iter().filter(|(_, first)| first == index).count();
        counts.insert(license.serial(), given);
    }
    for (serial, count) in counts.into_iter().filter(|&(_, n)| n > 1) {
        warnings.push(entitle_allocate::Warning::new(
            "given_again",
            format!("serial {serial} was given {count} times; it counts once"),
        ));
    }
}
