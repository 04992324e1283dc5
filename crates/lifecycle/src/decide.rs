//! The one decision of entitle: what a set of license material is worth,
//! here and now.
//!
//! [`decide`] takes the trusted keys, everything the user handed over
//! (tokens, certificates, renewals, revocation lists, activations,
//! receipts), the catalog, what the appliance remembers and the clock, and
//! returns the usable [`Supply`] and, for every input, whether it was kept
//! or refused and why. `entitle verify`, `allocate` and `activate accept`
//! call it and nothing else (docs/architecture.md), so that no command can
//! count a license another refuses.

use std::collections::BTreeMap;

use entitle_allocate::{Candidate, Catalog, Installation, Refusal, Supply};
use entitle_verify::{
    Authentic, Claims, Error as TokenError, Kind, Member, PublicKey, Serial, Token, Validity,
    Verifier,
};

use crate::activation::{Activation, Receipt, fingerprint, verify_receipt};
use crate::cert::{Authority, Capability, Certificate, Chains, Role};
use crate::envelope::Signed;
use crate::error::Error;
use crate::revocation::{Renewal, RevocationList};

/// Everything handed over: decoded, not yet verified.
#[derive(Debug, Clone, Default)]
pub struct Material<'a> {
    /// License tokens.
    pub tokens: Vec<Token<'a>>,
    /// Partner certificates.
    pub certificates: Vec<Signed<Certificate>>,
    /// Renewals.
    pub renewals: Vec<Signed<Renewal>>,
    /// Revocation lists.
    pub revocations: Vec<Signed<RevocationList>>,
    /// Activation responses.
    pub activations: Vec<Signed<Activation>>,
    /// Deactivation receipts: an activation they end no longer counts.
    pub receipts: Vec<Signed<Receipt>>,
}

/// What an appliance remembers between runs (`entitle-appliance` reads and
/// writes it). The decision checks every artifact in it again.
#[derive(Debug, Clone, Default)]
pub struct Remembered {
    /// The latest time seen.
    pub high_water: u64,
    /// The newest revocation lists seen.
    pub revocations: Vec<Signed<RevocationList>>,
    /// The certificate chains of their signers.
    pub certificates: Vec<Signed<Certificate>>,
    /// Accepted activations.
    pub activations: Vec<Signed<Activation>>,
    /// Public halves of the activation keys the appliance holds, per license.
    pub activation_keys: Vec<(Serial, entitle_verify::PublicKey)>,
}

/// Where and when the decision is made.
#[derive(Debug, Clone, Copy)]
pub struct Setting<'s> {
    /// Trusted vendor keys.
    pub trusted: &'s [entitle_verify::PublicKey],
    /// The product catalog: a signed one, or [`implicit_catalog`].
    pub catalog: &'s Catalog,
    /// What the appliance remembers, if it keeps state.
    pub remembered: Option<&'s Remembered>,
    /// The clock, Unix seconds.
    pub now: u64,
    /// How far the clock may read behind the newest time seen, in seconds.
    pub clock_tolerance: u64,
    /// Build date of the running software, when updates are checked.
    pub build_date: Option<u64>,
    /// The machine's identity bytes, when licenses must be activated on it.
    pub machine: Option<&'s [u8]>,
    /// The company id the installation is configured with.
    pub tenant: Option<&'s str>,
}

/// One input, by its kind and position in [`Material`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// `material.tokens[i]`.
    Token(usize),
    /// `material.certificates[i]`.
    Certificate(usize),
    /// `material.renewals[i]`.
    Renewal(usize),
    /// `material.revocations[i]`.
    RevocationList(usize),
    /// `material.activations[i]`.
    Activation(usize),
    /// `material.receipts[i]`.
    Receipt(usize),
}

/// A license token that counts, with the validity in force (its own, or a
/// renewal's). Only [`decide`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usable<'a> {
    authentic: Authentic<'a>,
    validity: Validity,
}

impl<'a> Usable<'a> {
    /// The token.
    pub fn token(&self) -> &Token<'a> {
        self.authentic.token()
    }

    /// Whether a renewal extended its term or service (the validity in
    /// force is not the token's own).
    pub fn renewed(&self) -> bool {
        self.validity != self.authentic.own_validity()
    }
}

impl<'a> Member<'a> for Usable<'a> {
    fn claims(&self) -> &Claims<'a> {
        self.authentic.token().claims()
    }
    fn serial(&self) -> Serial {
        self.authentic.token().serial()
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

/// The clock check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// The clock given.
    pub now: u64,
    /// The earliest the clock may read: the appliance's high-water mark, or
    /// without state the newest `issued_at` of the authentic material.
    pub floor: u64,
}

impl Clock {
    /// The high-water mark to remember after this decision.
    pub fn high_water(&self) -> u64 {
        self.now.max(self.floor)
    }
}

/// What the material is worth.
#[derive(Debug)]
pub struct Decision<'a> {
    /// Every input once, in the order of [`Input`]: kept (`Ok`) or refused.
    pub verdicts: Vec<(Input, Result<(), Error>)>,
    /// The tokens that count: index in `material.tokens`, and the license.
    pub licenses: Vec<(usize, Usable<'a>)>,
    /// The usable pools and licenses.
    pub supply: Supply,
    /// Things to know.
    pub warnings: Vec<String>,
    /// The clock check.
    pub clock: Clock,
    /// The revocation lists for the appliance to remember: every list that
    /// applies, less those another list of the same signer covers entry by
    /// entry (a cumulative list makes its predecessors redundant).
    pub lists_to_keep: Vec<Signed<RevocationList>>,
    /// The texts of lists another list of the same key covers: an
    /// appliance that stored one may let it go.
    pub lists_covered: Vec<String>,
    /// The certificates of those lists' signers, for the appliance to
    /// remember with them.
    pub list_certificates: Vec<Signed<Certificate>>,
}

impl Decision<'_> {
    /// The verdict on `input`.
    pub fn verdict(&self, input: Input) -> Option<&Result<(), Error>> {
        self.verdicts
            .iter()
            .find(|(i, _)| *i == input)
            .map(|(_, v)| v)
    }
}

/// The catalog of an installation without a signed one
/// ([`Catalog::implicit`]): the products and editions of the tokens whose
/// signature checks out under `trusted` keys, directly or through the
/// certificates at hand. A forged token names nothing in the report (its
/// product cannot, say, make another product's edition name ambiguous);
/// the decision refuses it for its signature.
pub fn implicit_catalog(material: &Material<'_>, trusted: &[PublicKey]) -> Catalog {
    let chains = Chains::new(trusted, &material.certificates, Vec::new());
    Catalog::implicit(
        material
            .tokens
            .iter()
            .filter(|token| {
                chains
                    .signer_of(token.key_id(), |key| {
                        Verifier::new(std::slice::from_ref(key))
                            .authenticate(**token)
                            .map_err(Error::Token)
                    })
                    .is_ok()
            })
            .map(|t| (t.claims().product, t.claims().edition)),
    )
}

/// A token on its way through the decision.
struct Pending<'a> {
    index: usize,
    usable: Usable<'a>,
    expired_at: Option<u64>,
    issuer: Authority,
    capability: Capability,
}

/// Decides what `material` is worth in `setting`: every signature through
/// its chain to a trusted key, every signer's rights and limits (per token
/// and in total), revocation, renewal, activation, the clock, the catalog's
/// rules, stacking and caps. Pure: nothing is read or written.
pub fn decide<'a>(material: &Material<'a>, setting: &Setting<'_>) -> Decision<'a> {
    let mut verdicts: Vec<(Input, Result<(), Error>)> = Vec::new();
    let mut warnings = Vec::new();
    let mut times: Vec<u64> = Vec::new();

    // The certificates at hand, and those the appliance kept for the lists
    // it remembers (so that a list cannot be dropped by leaving out its
    // signer's certificate).
    let certificates: Vec<Signed<Certificate>> = material
        .certificates
        .iter()
        .chain(setting.remembered.map_or(&[][..], |r| &r.certificates))
        .cloned()
        .collect();
    let (chains, lists) =
        revocation_lists(material, &certificates, setting, &mut verdicts, &mut times);
    let list_certificates: Vec<Signed<Certificate>> = certificates
        .iter()
        .filter(|c| {
            lists
                .iter()
                .any(|(_, _, auth)| auth.certificate_serials().contains(&c.unverified().serial))
        })
        .cloned()
        .collect();
    for (i, cert) in material.certificates.iter().enumerate() {
        let subject = entitle_verify::KeyId::of(&cert.unverified().subject);
        let verdict = chains
            .authorities(subject)
            .map(|_| times.push(cert.unverified().issued_at));
        verdicts.push((Input::Certificate(i), verdict));
    }
    let renewals = renewals(material, &chains, &mut verdicts, &mut times);
    let ended = receipts(material, &chains, &mut verdicts, &mut times);
    let mut activation_used: Vec<Option<Result<(), Error>>> =
        (0..material.activations.len()).map(|_| None).collect();

    let mut pending = Vec::new();
    for (index, token) in material.tokens.iter().enumerate() {
        let checked = license(
            token,
            setting,
            &chains,
            &lists,
            &renewals,
            &ended,
            material,
            &mut activation_used,
            &mut times,
            &mut warnings,
        );
        match checked {
            Ok((usable, expired_at, issuer, capability)) => pending.push(Pending {
                index,
                usable,
                expired_at,
                issuer,
                capability,
            }),
            Err(e) => verdicts.push((Input::Token(index), Err(e))),
        }
    }
    for (i, used) in activation_used.into_iter().enumerate() {
        let verdict = match (used, setting.machine, material.activations.get(i)) {
            (Some(verdict), _, _) => verdict,
            // Not asked to check activation here: kept if genuine.
            (None, None, Some(activation)) => chains
                .signer_of(activation.signer(), |key| {
                    activation.verify(key).map(|_| ())
                })
                .map(|_| ()),
            (None, _, _) => Err(Error::Activation(
                "it activates none of the licenses given on this machine".into(),
            )),
        };
        verdicts.push((Input::Activation(i), verdict));
    }

    let floor = setting
        .remembered
        .map_or(0, |r| r.high_water)
        .max(times.iter().copied().max().unwrap_or(0));
    let clock = Clock {
        now: setting.now,
        floor,
    };
    if setting.now.saturating_add(setting.clock_tolerance) < floor {
        // Every genuine token is refused for the clock, also those the
        // clock made look not yet valid or expired.
        for (input, verdict) in &mut verdicts {
            let timed = matches!(
                verdict,
                Err(Error::Token(
                    TokenError::NotYetValid { .. } | TokenError::Expired { .. }
                ))
            );
            if matches!(input, Input::Token(_)) && timed {
                *verdict = Err(Error::ClockSetBack {
                    now: setting.now,
                    seen: floor,
                });
            }
        }
        for p in pending.drain(..) {
            verdicts.push((
                Input::Token(p.index),
                Err(Error::ClockSetBack {
                    now: setting.now,
                    seen: floor,
                }),
            ));
        }
    }

    let repeats = one_per_serial(&mut pending, &mut verdicts);
    let installation = Installation {
        tenant: setting.tenant.map(str::to_string),
        now: setting.now,
    };
    // Limits in total count only what counts: a license the catalog
    // refuses backs no extra key and no feature, so the totals are made
    // again without it until nothing changes (each round refuses more, so
    // this ends; almost always after one).
    let mut excluded: Vec<(usize, Error)> = Vec::new();
    let partners = pending.iter().any(|p| !p.issuer.is_vendor());
    let (refusals, candidates, candidate_index, supply) = loop {
        let left_out: Vec<usize> = excluded.iter().map(|(i, _)| *i).collect();
        let refusals = in_total(&pending, &left_out);
        let mut candidates = Vec::new();
        let mut candidate_index = Vec::new();
        for (p, refusal) in pending.iter().zip(&refusals) {
            if refusal.is_none() && !left_out.contains(&p.index) {
                candidates.push(Candidate {
                    license: p.usable,
                    expired_at: p.expired_at,
                    vendor_issued: p.issuer.is_vendor(),
                });
                candidate_index.push(p.index);
            }
        }
        let supply = Supply::from_candidates(setting.catalog, &candidates, &installation);
        if !partners || supply.refused.is_empty() {
            break (refusals, candidates, candidate_index, supply);
        }
        for (k, refusal) in &supply.refused {
            if let Some(&index) = candidate_index.get(*k)
                && !excluded.iter().any(|(i, _)| *i == index)
            {
                excluded.push((index, catalog_error(refusal)));
            }
        }
    };
    for (p, refusal) in pending.iter().zip(refusals) {
        if let Some(e) = refusal {
            verdicts.push((Input::Token(p.index), Err(e)));
        }
    }
    let mut refused = vec![false; candidates.len()];
    for (k, refusal) in &supply.refused {
        if let (Some(&index), Some(slot @ false)) = (candidate_index.get(*k), refused.get_mut(*k)) {
            *slot = true;
            verdicts.push((Input::Token(index), Err(catalog_error(refusal))));
        }
    }
    // What the catalog refused in an earlier round, with its reason.
    for (index, error) in excluded {
        verdicts.push((Input::Token(index), Err(error)));
    }
    let mut licenses = Vec::new();
    for ((candidate, &index), refused) in candidates.iter().zip(&candidate_index).zip(refused) {
        if !refused {
            verdicts.push((Input::Token(index), Ok(())));
            licenses.push((index, candidate.license));
        }
    }
    // A token given again has the verdict of its first occurrence.
    for (index, first) in &repeats {
        let verdict = verdicts
            .iter()
            .find(|(input, _)| *input == Input::Token(*first))
            .map(|(_, v)| match v {
                Ok(()) => Ok(()),
                Err(e) => Err(e.replicate()),
            });
        if let Some(verdict) = verdict {
            verdicts.push((Input::Token(*index), verdict));
        }
    }
    warn_repeated_serials(&licenses, &repeats, &mut warnings);
    verdicts.sort_by_key(|(input, _)| *input);
    let (lists_to_keep, lists_covered) = lists_to_keep(&lists);
    Decision {
        verdicts,
        licenses,
        supply,
        warnings,
        clock,
        lists_to_keep,
        lists_covered,
        list_certificates,
    }
}

fn catalog_error(refusal: &Refusal) -> Error {
    match refusal {
        Refusal::Token(e) => Error::Token(*e),
        Refusal::Catalog(why) => Error::Catalog(why.clone()),
    }
}

/// The lists that apply: the artifact, its fields (checked), its signer.
type Lists = Vec<(Signed<RevocationList>, RevocationList, Authority)>;

/// Every list that applies, from the input and the appliance's memory, and
/// the chains with the certificates the vendor revoked. Only a list signed
/// by a trusted key itself revokes certificates; a list whose signer's
/// chain includes a revoked certificate counts for nothing.
fn revocation_lists<'c>(
    material: &Material<'_>,
    certificates: &'c [Signed<Certificate>],
    setting: &Setting<'c>,
    verdicts: &mut Vec<(Input, Result<(), Error>)>,
    times: &mut Vec<u64>,
) -> (Chains<'c>, Lists) {
    let offered = material
        .revocations
        .iter()
        .enumerate()
        .map(|(i, l)| (Some(i), l));
    let stored = setting
        .remembered
        .map(|r| r.revocations.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|l| (None, l));
    let all: Vec<(Option<usize>, &Signed<RevocationList>)> = offered.chain(stored).collect();

    let vendor_only = Chains::new(setting.trusted, &[], Vec::new());
    let mut revoked_certificates = Vec::new();
    for (_, list) in &all {
        if let Ok((_, body)) = vendor_only.signer_of(list.signer(), |key| list.verify(key).cloned())
        {
            revoked_certificates.extend(body.certificates.iter().copied());
        }
    }
    let chains = Chains::new(setting.trusted, certificates, revoked_certificates);

    // Every authentic list its signer may issue revokes what it names,
    // whatever its sequence number: a newer list never un-revokes, and an
    // old one given again changes nothing it did not already do.
    let mut lists: Lists = Vec::new();
    for (input, list) in &all {
        let checked = chains
            .signer_of(list.signer(), |key| list.verify(key).cloned())
            .and_then(|(auth, body)| {
                auth.allows(Capability::Revoke, body.issued_at, None)?;
                Ok((auth, body))
            });
        let verdict = match checked {
            Ok((auth, body)) => {
                times.push(body.issued_at);
                if !lists.iter().any(|(l, _, _)| l.text() == list.text()) {
                    lists.push(((*list).clone(), body, auth));
                }
                Ok(())
            }
            Err(e) => Err(e),
        };
        if let Some(i) = input {
            verdicts.push((Input::RevocationList(*i), verdict));
        }
    }
    (chains, lists)
}

/// The lists not covered by another list of the same signing key, and the
/// texts of those covered; of lists with the same entries, the one with
/// the highest sequence number (then the first text in sort order) is
/// kept, so that the result is the same in every order.
fn lists_to_keep(lists: &Lists) -> (Vec<Signed<RevocationList>>, Vec<String>) {
    let rank = |list: &Signed<RevocationList>, body: &RevocationList| {
        (std::cmp::Reverse(body.sequence), list.text().to_string())
    };
    let covered = |(list, body, auth): &(Signed<RevocationList>, RevocationList, Authority)| {
        lists.iter().any(|(other, other_body, other_auth)| {
            other.text() != list.text()
                && other_auth.key() == auth.key()
                && other_body.covers(body)
                && (!body.covers(other_body) || rank(other, other_body) < rank(list, body))
        })
    };
    let (redundant, kept): (Vec<_>, Vec<_>) = lists.iter().partition(|l| covered(l));
    (
        kept.into_iter().map(|(list, _, _)| list.clone()).collect(),
        redundant
            .into_iter()
            .map(|(list, _, _)| list.text().to_string())
            .collect(),
    )
}

/// Checks every renewal's signer (its right to extend, for a license, is
/// checked with the license). Returns `(renewal, signer)` of the kept ones.
fn renewals<'m>(
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
fn receipts(
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

type Checked<'a> = (Usable<'a>, Option<u64>, Authority, Capability);

/// One token: its signer's chain, the signer's right to issue it,
/// revocation, renewal, the validity window, the build, activation.
#[allow(clippy::too_many_arguments)] // the decision's inputs, by reference
fn license<'a>(
    token: &Token<'a>,
    setting: &Setting<'_>,
    chains: &Chains<'_>,
    lists: &Lists,
    renewals: &[(&Renewal, Authority)],
    ended: &[String],
    material: &Material<'_>,
    activation_used: &mut [Option<Result<(), Error>>],
    times: &mut Vec<u64>,
    warnings: &mut Vec<String>,
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
        if !warnings.contains(&warning) {
            warnings.push(warning);
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
fn renewed(
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
fn activated(
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
    let mut last_error =
        Error::Activation(format!("license {serial} is not activated on this machine"));
    let mut found = false;
    for (input, activation) in stored.chain(offered) {
        let checked = chains
            .signer_of(activation.signer(), |key| activation.verify(key).cloned())
            .and_then(|(auth, body)| {
                if body.serial != serial.0 {
                    return Err(Error::Activation("it is for another license".into()));
                }
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
                if body.fingerprint != fingerprint(claims.product, machine) {
                    return Err(Error::Activation("it is for another machine".into()));
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
                    if activation.unverified().serial == serial.0 && slot.is_none() {
                        *slot = Some(Err(Error::Activation(e.to_string())));
                    }
                }
                last_error = e;
            }
        }
    }
    if found { Ok(()) } else { Err(last_error) }
}

/// Product, edition, tenant: what limits in total are counted per.
type PoolKey = (String, String, Option<String>);

/// The annual-model licenses of a pool that free extra keys come out of.
#[derive(Debug, Clone, Default)]
struct Annual {
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
fn in_total(pending: &[Pending<'_>], excluded: &[usize]) -> Vec<Option<Error>> {
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
        if p.capability == Capability::ExtraKeys {
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
fn partner_limits(
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
fn one_per_serial<'a>(
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

fn warn_repeated_serials(
    licenses: &[(usize, Usable<'_>)],
    repeats: &[(usize, usize)],
    warnings: &mut Vec<String>,
) {
    let mut counts: BTreeMap<Serial, usize> = BTreeMap::new();
    for (index, license) in licenses {
        let given = 1 + repeats.iter().filter(|(_, first)| first == index).count();
        counts.insert(license.serial(), given);
    }
    for (serial, count) in counts.into_iter().filter(|&(_, n)| n > 1) {
        warnings.push(format!(
            "serial {serial} was given {count} times; it counts once"
        ));
    }
}
