//! What the catalog means for `entitle issue --catalog`: refuse what it
//! forbids, fill in what it implies.

use entitle_allocate::{Catalog, Error, TenantRule};
use entitle_verify::Kind;

use crate::spec::LicenseSpec;

fn forbidden(field: &'static str, message: impl Into<String>) -> Error {
    Error::Forbidden {
        field,
        message: message.into(),
    }
}

/// Checks `spec` against the catalog and completes it: a base license's
/// included seats (when `spec.seats` is 0), the edition's cap and
/// features, and for editions without updates an update entitlement
/// ending at the time of issue (`issued_at`).
pub fn prepare_spec(
    catalog: &Catalog,
    spec: &mut LicenseSpec,
    issued_at: u64,
) -> Result<(), Error> {
    let Some(product) = catalog.product(&spec.product) else {
        let names = catalog.products.iter().map(|p| p.name.as_str());
        return Err(forbidden(
            "product",
            format!(
                "the catalog has no product {:?}{}",
                spec.product,
                did_you_mean(&spec.product, names)
            ),
        ));
    };
    let Some((_, edition)) = catalog.edition(&spec.product, &spec.edition) else {
        let editions = catalog
            .products
            .get(product)
            .map(|p| {
                p.editions
                    .iter()
                    .map(|e| e.name.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let licenses: Vec<String> = catalog
            .licenses
            .iter()
            .filter(|l| l.product == product)
            .map(|l| l.name.clone())
            .collect();
        return Err(forbidden(
            "edition",
            format!(
                "{} has no edition or license type {:?}{}",
                spec.product,
                spec.edition,
                did_you_mean(
                    &spec.edition,
                    editions.iter().chain(&licenses).map(String::as_str)
                )
            ),
        ));
    };
    let known = catalog.features(product).unwrap_or_default();
    if let Some(unknown) = spec.features.iter().find(|f| !known.contains(&f.as_str())) {
        return Err(forbidden(
            "feature",
            format!(
                "no edition of {} grants a feature {unknown:?}{}",
                spec.product,
                did_you_mean(unknown, known.iter().copied())
            ),
        ));
    }
    let name = format!("{} {}", spec.product, spec.edition);
    if let Some(at) = edition.withdrawn_at {
        if spec.issued_at.unwrap_or(issued_at) >= at {
            return Err(forbidden(
                "edition",
                format!(
                    "{name} was withdrawn on {}: no new license may be issued",
                    entitle_verify::Utc(at)
                ),
            ));
        }
    }
    match spec.kind {
        Kind::Base => match edition.included {
            Some(included) if spec.seats == 0 => spec.seats = included,
            Some(included) if spec.seats != included => {
                return Err(forbidden(
                    "seats",
                    format!(
                        "a {name} base license includes {included} seats; add more with add-on packs"
                    ),
                ));
            }
            _ => {}
        },
        Kind::Addon => {
            if !edition.addons {
                return Err(forbidden("kind", format!("{name} takes no add-ons")));
            }
            if let Some(packs) = &edition.packs {
                if !packs.contains(&spec.seats) {
                    let sizes: Vec<String> = packs.iter().map(u32::to_string).collect();
                    return Err(forbidden(
                        "seats",
                        format!(
                            "{name} add-ons come in packs of {}; {} is not one of them",
                            sizes.join(" or "),
                            spec.seats
                        ),
                    ));
                }
            }
        }
    }
    if spec.seats == 0 {
        return Err(forbidden(
            "seats",
            "give --seats: the catalog implies no seat count",
        ));
    }
    match (spec.cap, edition.cap) {
        (None, cap) => spec.cap = cap,
        (Some(given), Some(cap)) if given != cap => {
            return Err(forbidden(
                "cap",
                format!("the catalog caps {name} at {cap}, not {given}"),
            ));
        }
        _ => {}
    }
    if let Some(cap) = spec.cap {
        if spec.seats > cap {
            return Err(forbidden(
                "seats",
                format!("{} seats exceed the cap of {cap} for {name}", spec.seats),
            ));
        }
    }
    let mut features = edition.features.clone();
    for feature in spec.features.drain(..) {
        if !features.contains(&feature) {
            features.push(feature);
        }
    }
    spec.features = features;
    match (edition.tenant, &spec.tenant) {
        (TenantRule::Required, None) => {
            return Err(forbidden(
                "tenant",
                format!("{name} is bound to a company id: give --tenant"),
            ));
        }
        (TenantRule::Forbidden, Some(_)) => {
            return Err(forbidden(
                "tenant",
                format!("{name} is bound to the platform, not to a company id: leave out --tenant"),
            ));
        }
        _ => {}
    }
    if !edition.updates {
        if spec.updates_until.is_some() {
            return Err(forbidden(
                "updates-until",
                format!("{name} comes without updates"),
            ));
        }
        spec.updates_until = Some(spec.issued_at.unwrap_or(issued_at));
    }
    Ok(())
}

/// `; did you mean "office"?` for the known name closest to `given`, when
/// one is close enough to be a typo; empty otherwise.
pub(crate) fn did_you_mean<'a>(given: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|name| (distance(given, name), name))
        .filter(|&(d, name)| d <= 2.max(name.len() / 4))
        .min()
        .map(|(_, name)| format!("; did you mean {name:?}?"))
        .unwrap_or_default()
}

/// Levenshtein distance, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i.saturating_add(1);
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j.saturating_add(1)).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = usize::from(ca != *cb);
            let value = (above.saturating_add(1))
                .min(left.saturating_add(1))
                .min(diagonal.saturating_add(cost));
            diagonal = above;
            if let Some(slot) = row.get_mut(j.saturating_add(1)) {
                *slot = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}
