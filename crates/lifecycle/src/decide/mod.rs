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

use entitle_allocate::{Candidate, Catalog, Installation, Refusal, Supply};
use entitle_verify::{
    Authentic, Claims, Error as TokenError, Member, PublicKey, Serial, Token, Validity, Verifier,
};

use crate::activation::{Activation, Receipt};
use crate::cert::{Authority, Capability, Certificate, Chains};
use crate::envelope::Signed;
use crate::error::Error;
use crate::revocation::{Renewal, RevocationList};

mod license;
mod lists;
mod totals;

use license::{license, receipts, renewals};
use lists::{lists_to_keep, revocation_lists};
use totals::{in_total, one_per_serial, warn_repeated_serials};

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
    /// The seat store the decision is made for (`entitle serve`): a
    /// licence whose activation here is bound to a store (format 2, a
    /// primary and standby pair) counts only when this is that store, and
    /// nowhere else (`None`: not a seat server).
    pub store: Option<[u8; crate::STORE_ID_LEN]>,
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
    pub warnings: Vec<entitle_allocate::Warning>,
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
