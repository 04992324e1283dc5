//! One license token in a decision: its signer's chain and rights,
//! revocation, renewal, validity and activation; and the renewals and
//! receipts it is checked against.

use entitle_verify::{Error as TokenError, Token, Validity, Verifier};

use crate::activation::{Activation, fingerprint, verify_receipt};
use crate::cert::{Authority, Capability, Chains, Role};
use crate::envelope::Signed;
use crate::error::Error;
use crate::revocation::Renewal;

use super::lists::Lists;
use super::{Input, Material, Setting, Usable};

/// Checks every renewal's signer (its right to extend, for a license, is
/// checked with the license). Returns `(renewal, signer)` of the kept ones.
pub(super) fn renewals<'m>(
    material: &'m Material<'_>,
    chains: &Chains<'_>,
    verdicts: &mut Vec<(Input, Result<(), Error>)>,
    times: &mut Vec<u64>,
) -> Vec<(&'m Renewal, Authority)> {
    let mut kept = Vec::new();
    for (i, renewal) in material.renewals.iter().enumerate() {
        match chains.signer_of(renewal.signer(), |key| renewal.verify(key)) {
            Ok((auth, body)) => {
                times.push(body.issued_at);
                kept.push((body, auth));
                verdicts.push((Input::Renewal(i), Ok(())));
            }
            Err(e) => verdicts.push((Input::Renewal(i), Err(e))),
        }
    }
    kept
}

/// Checks every receipt: signed by the appliance key of the activation it
/// ends, which itself chains to a trusted key. Returns the ended activations.
pub(super) fn receipts(
    material: &Material<'_>,
    chains: &Chains<'_>,
    verdicts: &mut Vec<(Input, Result<(), Error>)>,
    times: &mut Vec<u64>,
) -> Vec<String> {
    let mut ended = Vec::new();
    for (i, receipt) in material.receipts.iter().enumerate() {
        let checked = verify_receipt(receipt).and_then(|activation| {
            chains.signer_of(activation.signer(), |key| {
                activation.verify(key).map(|_| ())
            })?;
            Ok(activation)
        });
        match checked {
            Ok(activation) => {
                times.push(receipt.unverified().deactivated_at);
                ended.push(activation.text().to_string());
                verdicts.push((Input::Receipt(i), Ok(())));
            }
            Err(e) => verdicts.push((Input::Receipt(i), Err(e))),
        }
    }
    ended
}

pub(super) type Checked<'a> = (Usable<'a>, Option<u64>, Authority, Capability);

/// One token: its signer's chain, the signer's right to issue it,
/// revocation, renewal, the validity window, the build, activation.
#[allow(clippy::too_many_arguments)] // the decision's inputs, by reference
pub(super) fn license<'a>(
    token: &Token<'a>,
    setting: &Setting<'_>,
    chains: &Chains<'_>,
    lists: &Lists,
    renewals: &[(&Renewal, Authority)],
    ended: &[String],
    material: &Material<'_>,
    activation_used: &mut [Option<Result<(), Error>>],
    times: &mut Vec<u64>,
    warnings: &mut Vec<entitle_allocate::Warning>,
) -> Result<Checked<'a>, Error> {
    let (issuer, authentic) = chains
        .signer_of(token.key_id(), |key| {
            Verifier::new(std::slice::from_ref(key))
                .authenticate(*token)
                .map_err(Error::Token)
        })
        .map_err(|e| match e {
            Error::UnknownSigner { .. } => Error::Token(TokenError::UnknownKey(token.key_id())),
            other => other,
        })?;
    let claims = token.claims();
    times.push(claims.issued_at);
    let capability = issuer.may_issue(claims)?;

    // Every list that may revoke the token is asked first, so which lists
    // name it but revoke nothing is said only when none revokes it,
    // whatever order the lists came in.
    let mut out_of_scope = Vec::new();
    for (_, body, auth) in lists {
        if !body.revokes(token.serial()) {
            continue;
        }
        // The vendor revokes anything; anyone else only what it, or those
        // it certified, issued, within its limits (its tenants). The views
        // that destroy keys (MODELS.md section 4) also destroy the
        // customer's own: a customer those of its tenant, a system
        // integrator or service provider (who manage keys on a customer's
        // behalf) those of the tenants its certificate names, never of
        // tenants it does not name.
        let destroys_for_customer = matches!(
            auth.role(),
            Some(Role::Customer | Role::SystemIntegrator | Role::ServiceProvider)
        ) && auth.limits().is_some_and(|l| !l.tenants.is_empty());
        let in_scope = auth.is_vendor()
            || ((issuer.is_under(auth) || destroys_for_customer)
                && auth
                    .allows(Capability::Revoke, body.issued_at, Some(claims))
                    .is_ok());
        if in_scope {
            return Err(Error::Revoked {
                serial: token.serial(),
            });
        }
        out_of_scope.push((body, auth));
    }
    for (body, auth) in out_of_scope {
        let whose = if matches!(
            auth.role(),
            Some(Role::Customer | Role::SystemIntegrator | Role::ServiceProvider)
        ) {
            ", or those of the tenants its certificate names"
        } else {
            ""
        };
        let warning = format!(
            "revocation list {} of {} names license {} but revokes nothing here: it may destroy only licenses it, or those it certified, issued{whose}, within its limits",
            body.sequence,
            auth.name(),
            token.serial()
        );
        if !warnings.iter().any(|w| w.message == warning) {
            warnings.push(entitle_allocate::Warning::new(
                "revocation_out_of_scope",
                warning,
            ));
        }
    }

    let validity = renewed(token, &issuer, renewals).unwrap_or_else(|| authentic.own_validity());
    let expired_at = match validity.check(setting.now) {
        Ok(()) => None,
        Err(TokenError::Expired { expires_at, .. }) => Some(expires_at),
        Err(e) => return Err(Error::Token(e)),
    };
    if let Some(build_date) = setting.build_date {
        validity.check_build(build_date).map_err(Error::Token)?;
    }
    if let Some(machine) = setting.machine {
        activated(
            token,
            &issuer,
            lists,
            machine,
            setting,
            chains,
            ended,
            material,
            activation_used,
            times,
        )?;
    }
    Ok((
        Usable {
            authentic,
            validity,
        },
        expired_at,
        issuer,
        capability,
    ))
}

/// The validity of the latest renewal of the token that its signer may
/// make: the vendor for any license; a partner allowed to extend, for
/// licenses it or those it certified issued, within its own window. A
/// renewal in format 2 names the token (its content and signature); one in
/// format 1 names a serial only, and extends only a token its own key
/// signed (a partner's: or one under it), never another signer's token
/// that carries the same serial.
pub(super) fn renewed(
    token: &Token<'_>,
    issuer: &Authority,
    renewals: &[(&Renewal, Authority)],
) -> Option<Validity> {
    let claims = token.claims();
    renewals
        .iter()
        .filter(|(r, _)| r.names(token))
        .filter(|(r, auth)| {
            let bound = r.license.is_some()
                || issuer.key() == auth.key()
                || (!auth.is_vendor() && issuer.is_under(auth));
            if !bound {
                return false;
            }
            if auth.is_vendor() {
                return true;
            }
            let within_window = auth
                .limits()
                .is_some_and(|l| r.expires_at.is_some_and(|e| e <= l.not_after));
            issuer.is_under(auth)
                && within_window
                && auth
                    .allows(Capability::Extend, r.issued_at, Some(claims))
                    .is_ok()
        })
        .max_by_key(|(r, _)| r.issued_at)
        .map(|(r, _)| Validity {
            not_before: claims.not_before,
            expires_at: r.expires_at,
            updates_until: r.updates_until.or(claims.updates_until),
        })
}

/// Refuses unless the license is activated on this machine: an activation
/// (remembered, or offered now) signed by the license's issuer, which must
/// be allowed to activate it, for this machine's fingerprint, bound to an
/// activation key the appliance still holds, neither ended by a receipt
/// nor revoked.
#[allow(clippy::too_many_arguments)] // the decision's inputs, by reference
pub(super) fn activated(
    token: &Token<'_>,
    issuer: &Authority,
    lists: &Lists,
    machine: &[u8],
    setting: &Setting<'_>,
    chains: &Chains<'_>,
    ended: &[String],
    material: &Material<'_>,
    activation_used: &mut [Option<Result<(), Error>>],
    times: &mut Vec<u64>,
) -> Result<(), Error> {
    let serial = token.serial();
    let claims = token.claims();
    let held = setting.remembered.and_then(|r| {
        r.activation_keys
            .iter()
            .find(|(s, _)| *s == serial)
            .map(|(_, k)| k.to_bytes())
    });
    // Only the activations of this license are checked: a signature is
    // verified once per activation at boot, not once per license and
    // activation.
    let stored = setting
        .remembered
        .map(|r| r.activations.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| (None, a));
    let offered = material
        .activations
        .iter()
        .enumerate()
        .map(|(i, a)| (Some(i), a));
    let of_this_license =
        |(_, a): &(Option<usize>, &Signed<Activation>)| a.unverified().serial == serial.0;
    let here = fingerprint(claims.product, machine);
    // Once the licence is bound to a seat store on this machine (a standby
    // pair), an older activation that is not bound counts no more: the
    // pair never serves the pool on a second store through it.
    let bound_here = stored.clone().chain(offered.clone()).any(|(_, a)| {
        let body = a.unverified();
        body.serial == serial.0 && body.store.is_some() && body.fingerprint == here
    });
    let mut last_error =
        Error::Activation(format!("license {serial} is not activated on this machine"));
    let mut found = false;
    for (input, activation) in stored.chain(offered).filter(of_this_license) {
        let checked = chains
            .signer_of(activation.signer(), |key| activation.verify(key).cloned())
            .and_then(|(auth, body)| {
                auth.allows(Capability::Activate, body.issued_at, Some(claims))?;
                // The license names who activates it: the key that issued
                // it, and no one else, so that one ledger counts its
                // machines (docs/reseller-offline-activation.md).
                if auth.key() != issuer.key() {
                    return Err(Error::Activation(format!(
                        "it is signed by {}, but only {}, which issued the license, activates it",
                        auth.name(),
                        issuer.name()
                    )));
                }
                let revoked = lists.iter().any(|(_, list, by)| {
                    list.revokes_activation(body.nonce)
                        && (by.is_vendor() || issuer.is_under(by))
                });
                if revoked {
                    return Err(Error::Activation(
                        "this activation was revoked (its machine was deactivated)".into(),
                    ));
                }
                if body.fingerprint != here {
                    return Err(Error::Activation("it is for another machine".into()));
                }
                if body.store.is_none() && bound_here {
                    return Err(Error::Activation(
                        "the licence is bound to a seat store on this machine: an activation that is not bound counts no more".into(),
                    ));
                }
                // A licence of a primary and standby pair counts only on the
                // seat store both are bound to: never twice, on two stores.
                if let Some(bound) = body.store {
                    if setting.store != Some(bound) {
                        return Err(Error::Activation(format!(
                            "it is bound to seat store {}, and counts only in entitle serve on that store",
                            entitle_verify::Hex(&bound)
                        )));
                    }
                }
                if held != Some(body.appliance) {
                    return Err(Error::Activation(
                        "this appliance does not hold the key it was activated for (deactivated, or another appliance)".into(),
                    ));
                }
                if ended.iter().any(|e| e == activation.text()) {
                    return Err(Error::Activation(
                        "a deactivation receipt ended it".into(),
                    ));
                }
                Ok(body)
            });
        match checked {
            Ok(body) => {
                times.push(body.issued_at);
                found = true;
                if let Some(slot) = input.and_then(|i| activation_used.get_mut(i)) {
                    *slot = Some(Ok(()));
                }
            }
            Err(e) => {
                if let Some(slot) = input.and_then(|i| activation_used.get_mut(i)) {
                    if slot.is_none() {
                        *slot = Some(Err(Error::Activation(e.to_string())));
                    }
                }
                last_error = e;
            }
        }
    }
    if found { Ok(()) } else { Err(last_error) }
}
