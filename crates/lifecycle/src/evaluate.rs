//! Putting it together on the appliance: which tokens are licenses now,
//! given the certificates, renewals, revocation lists and activations at
//! hand.

use std::cell::RefCell;

use entitle_verify::{Claims, KeyId, Kind, License, PublicKey, Serial, Token, Validity, Verifier};

use crate::activation::{Activation, fingerprint};
use crate::cert::{Authority, Capability, Certificate, authority};
use crate::envelope::{Artifact as _, Signed};
use crate::error::Error;
use crate::revocation::{Renewal, RevocationList};
use crate::state::Appliance;

/// Life-cycle artifacts, decoded (not yet verified).
#[derive(Debug, Clone, Default)]
pub struct Artifacts {
    /// Partner certificates.
    pub certificates: Vec<Signed<Certificate>>,
    /// Renewals.
    pub renewals: Vec<Signed<Renewal>>,
    /// Revocation lists.
    pub revocations: Vec<Signed<RevocationList>>,
    /// Activation responses.
    pub activations: Vec<Signed<Activation>>,
}

/// How to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct Options<'m> {
    /// The time, Unix seconds.
    pub now: u64,
    /// Build date of the running software, if checked.
    pub build_date: Option<u64>,
    /// The machine's identity bytes, when licenses must be activated on it.
    pub machine: Option<&'m [u8]>,
}

/// What a token became.
#[derive(Debug)]
pub struct Evaluation<'a> {
    /// Usable licenses, with the index of their token.
    pub licenses: Vec<(usize, License<'a>)>,
    /// Refused tokens: index and why.
    pub refused: Vec<(usize, Error)>,
    /// Refused artifacts (certificates are refused with the tokens that need them).
    pub refused_artifacts: Vec<(String, Error)>,
    /// Things to know.
    pub warnings: Vec<String>,
    /// `issued_at` of every artifact verified, for the clock check.
    pub times: Vec<u64>,
}

/// Verifies every token against the vendor keys, through partner chains,
/// applying revocations, renewals, activation (when `options.machine` is
/// given) and supersession, and records newest revocation lists in the
/// appliance state.
pub fn evaluate<'a>(
    vendor_keys: &[PublicKey],
    tokens: &[Token<'a>],
    artifacts: &Artifacts,
    mut appliance: Option<&mut Appliance>,
    options: Options<'_>,
) -> Evaluation<'a> {
    let mut eval = Evaluation {
        licenses: Vec::new(),
        refused: Vec::new(),
        refused_artifacts: Vec::new(),
        warnings: Vec::new(),
        times: Vec::new(),
    };
    let lists = revocation_lists(vendor_keys, artifacts, appliance.as_deref_mut(), &mut eval);
    // Only the vendor revokes certificates: a partner's list could otherwise
    // cut off other partners.
    let revoked_certificates: Vec<[u8; 8]> = lists
        .iter()
        .filter(|(_, auth)| auth.certified.is_none())
        .flat_map(|(l, _)| l.body.certificates.iter().copied())
        .collect();
    // Chains are checked once per signer, however many artifacts it signed.
    let checked: RefCell<Vec<Authority>> = RefCell::new(Vec::new());
    let find_authority = |key_id: KeyId| -> Result<Authority, Error> {
        if let Some(known) = checked.borrow().iter().find(|a| a.key.id() == key_id) {
            return Ok(known.clone());
        }
        let found = authority(
            vendor_keys,
            &artifacts.certificates,
            key_id,
            &revoked_certificates,
        )?;
        checked.borrow_mut().push(found.clone());
        Ok(found)
    };

    for (index, token) in tokens.iter().enumerate() {
        match license(
            token,
            artifacts,
            &lists,
            &find_authority,
            appliance.as_deref(),
            options,
            &mut eval,
        ) {
            Ok(license) => eval.licenses.push((index, license)),
            Err(error) => eval.refused.push((index, error)),
        }
    }
    supersede(&mut eval);
    eval
}

type Lists = Vec<(Signed<RevocationList>, Authority)>;

/// The newest valid revocation list of each signer, from the input and the
/// appliance's memory.
fn revocation_lists(
    vendor_keys: &[PublicKey],
    artifacts: &Artifacts,
    mut appliance: Option<&mut Appliance>,
    eval: &mut Evaluation<'_>,
) -> Lists {
    let mut candidates: Vec<Signed<RevocationList>> = artifacts.revocations.clone();
    if let Some(stored) = appliance.as_deref().map(Appliance::stored_revocations) {
        match stored {
            Ok(stored) => candidates.extend(stored),
            Err(e) => eval
                .warnings
                .push(format!("stored revocation lists unreadable: {e}")),
        }
    }
    let mut newest: Lists = Vec::new();
    for list in candidates {
        // Lists' own signers are checked against the vendor's revocations only.
        let checked = authority(
            vendor_keys,
            &artifacts.certificates,
            list.body.signer(),
            &[],
        )
        .and_then(|auth| {
            list.check_signature(&auth.key)?;
            auth.allows(Capability::Revoke, list.body.issued_at, None)?;
            Ok(auth)
        });
        let auth = match checked {
            Ok(auth) => auth,
            Err(e) => {
                eval.refused_artifacts.push((list.text().to_string(), e));
                continue;
            }
        };
        if let Some(appliance) = appliance.as_deref_mut() {
            if let Err(e) = appliance.remember_revocations(&list) {
                eval.refused_artifacts.push((list.text().to_string(), e));
                continue;
            }
        }
        eval.times.push(list.body.issued_at);
        match newest
            .iter_mut()
            .find(|(l, _)| l.body.signer == list.body.signer)
        {
            Some(slot) if slot.0.body.sequence < list.body.sequence => *slot = (list, auth),
            Some(_) => {}
            None => newest.push((list, auth)),
        }
    }
    newest
}

#[allow(clippy::too_many_arguments)] // the evaluation's inputs, by reference
fn license<'a>(
    token: &Token<'a>,
    artifacts: &Artifacts,
    lists: &Lists,
    find_authority: &dyn Fn(entitle_verify::KeyId) -> Result<Authority, Error>,
    appliance: Option<&Appliance>,
    options: Options<'_>,
    eval: &mut Evaluation<'a>,
) -> Result<License<'a>, Error> {
    let issuer = find_authority(token.key_id()).map_err(|e| match e {
        Error::UnknownSigner { .. } => {
            Error::Token(entitle_verify::Error::UnknownKey(token.key_id()))
        }
        other => other,
    })?;
    let authentic = Verifier::new(std::slice::from_ref(&issuer.key))
        .authenticate(*token)
        .map_err(Error::Token)?;
    let claims = token.claims();
    issuer.may_issue(claims)?;
    eval.times.push(claims.issued_at);

    for (list, auth) in lists {
        if list.body.revokes(token.serial())
            && auth
                .allows(Capability::Revoke, list.body.issued_at, Some(claims))
                .is_ok()
        {
            return Err(Error::Revoked {
                serial: token.serial(),
            });
        }
    }

    let validity =
        renewed(token, artifacts, find_authority, eval).unwrap_or_else(|| authentic.own_validity());
    let license = authentic
        .valid_within(options.now, validity)
        .map_err(Error::Token)?;
    if let Some(build_date) = options.build_date {
        license.check_build(build_date).map_err(Error::Token)?;
    }
    if let Some(machine) = options.machine {
        activated(
            token.serial(),
            claims,
            machine,
            artifacts,
            appliance,
            find_authority,
            eval,
        )?;
    }
    Ok(license)
}

/// The validity of the latest valid renewal of the token, if any.
fn renewed(
    token: &Token<'_>,
    artifacts: &Artifacts,
    find_authority: &dyn Fn(entitle_verify::KeyId) -> Result<Authority, Error>,
    eval: &mut Evaluation<'_>,
) -> Option<Validity> {
    let claims = token.claims();
    let mut best: Option<&Renewal> = None;
    for renewal in artifacts
        .renewals
        .iter()
        .filter(|r| r.body.serial == token.serial().0)
    {
        let checked = find_authority(renewal.body.signer()).and_then(|auth| {
            renewal.check_signature(&auth.key)?;
            auth.allows(Capability::Extend, renewal.body.issued_at, Some(claims))?;
            if let Some(certified) = &auth.certified {
                let beyond = renewal
                    .body
                    .expires_at
                    .is_none_or(|e| e > certified.limits.not_after);
                if beyond {
                    return Err(Error::NotAllowed(format!(
                        "{} may not extend beyond its own window",
                        auth.name()
                    )));
                }
            }
            Ok(())
        });
        match checked {
            Ok(()) => {
                eval.times.push(renewal.body.issued_at);
                if best.is_none_or(|b| renewal.body.issued_at > b.issued_at) {
                    best = Some(&renewal.body);
                }
            }
            Err(e) => eval.refused_artifacts.push((renewal.text().to_string(), e)),
        }
    }
    best.map(|r| Validity {
        not_before: claims.not_before,
        expires_at: r.expires_at,
        updates_until: r.updates_until.or(claims.updates_until),
    })
}

/// Refuses unless the license is activated on this machine and appliance.
fn activated(
    serial: Serial,
    claims: &Claims<'_>,
    machine: &[u8],
    artifacts: &Artifacts,
    appliance: Option<&Appliance>,
    find_authority: &dyn Fn(entitle_verify::KeyId) -> Result<Authority, Error>,
    eval: &mut Evaluation<'_>,
) -> Result<(), Error> {
    let stored = appliance
        .map(|a| a.activation(serial))
        .transpose()?
        .flatten();
    let offered = artifacts
        .activations
        .iter()
        .filter(|a| a.body.serial == serial.0)
        .cloned();
    let mut last_error =
        Error::Activation(format!("license {serial} is not activated on this machine"));
    for activation in stored.into_iter().chain(offered) {
        match check_activation(&activation, claims, machine, appliance, find_authority) {
            Ok(()) => {
                eval.times.push(activation.body.issued_at);
                return Ok(());
            }
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

/// Checks an activation response for this machine: signed by a party
/// allowed to activate this license, for this machine's fingerprint, and
/// bound to an activation key this appliance still holds.
pub fn check_activation(
    activation: &Signed<Activation>,
    claims: &Claims<'_>,
    machine: &[u8],
    appliance: Option<&Appliance>,
    find_authority: &dyn Fn(entitle_verify::KeyId) -> Result<Authority, Error>,
) -> Result<(), Error> {
    let auth = find_authority(activation.body.signer())?;
    activation.check_signature(&auth.key)?;
    auth.allows(
        Capability::Activate,
        activation.body.issued_at,
        Some(claims),
    )?;
    if activation.body.fingerprint != fingerprint(claims.product, machine) {
        return Err(Error::Activation("it is for another machine".into()));
    }
    let key = appliance.and_then(|a| a.activation_key(activation.body.serial()));
    if key.is_none_or(|k| k.to_bytes() != activation.body.appliance) {
        return Err(Error::Activation(
            "this appliance does not hold the key it was activated for (deactivated, or another appliance)".into(),
        ));
    }
    Ok(())
}

/// Of the base licenses of one product and tenant in different editions,
/// the newest generation (the latest issued) wins: licenses of the other
/// editions are superseded (switching between a bundled and an own license).
fn supersede(eval: &mut Evaluation<'_>) {
    let newest_bases: Vec<(String, Option<String>, String, Serial, u64)> = {
        let mut found: Vec<(String, Option<String>, String, Serial, u64)> = Vec::new();
        for (_, l) in &eval.licenses {
            let c = l.claims();
            if c.kind != Kind::Base {
                continue;
            }
            let key = (c.product.to_string(), c.tenant.map(str::to_string));
            match found.iter_mut().find(|f| (f.0.clone(), f.1.clone()) == key) {
                Some(f) if c.issued_at > f.4 => {
                    *f = (key.0, key.1, c.edition.to_string(), l.serial(), c.issued_at)
                }
                Some(_) => {}
                None => found.push((key.0, key.1, c.edition.to_string(), l.serial(), c.issued_at)),
            }
        }
        found
    };
    let mut kept = Vec::new();
    for (index, license) in std::mem::take(&mut eval.licenses) {
        let c = license.claims();
        let newer = newest_bases
            .iter()
            .find(|f| f.0 == c.product && f.1.as_deref() == c.tenant && f.2 != c.edition);
        match newer {
            Some((_, _, edition, serial, _)) => eval.refused.push((
                index,
                Error::Superseded {
                    by: *serial,
                    edition: edition.clone(),
                },
            )),
            None => kept.push((index, license)),
        }
    }
    eval.licenses = kept;
}
