//! Revocation lists in a decision: which apply, and which an appliance
//! keeps.

use crate::cert::{Authority, Capability, Certificate, Chains};
use crate::envelope::Signed;
use crate::error::Error;
use crate::revocation::RevocationList;

use super::{Input, Material, Setting};

/// The lists that apply: the artifact, its fields (checked), its signer.
pub(super) type Lists = Vec<(Signed<RevocationList>, RevocationList, Authority)>;

/// Every list that applies, from the input and the appliance's memory, and
/// the chains with the certificates the vendor revoked. Only a list signed
/// by a trusted key itself revokes certificates; a list whose signer's
/// chain includes a revoked certificate counts for nothing.
pub(super) fn revocation_lists<'c>(
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
pub(super) fn lists_to_keep(lists: &Lists) -> (Vec<Signed<RevocationList>>, Vec<String>) {
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
