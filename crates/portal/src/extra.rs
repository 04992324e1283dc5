//! Free extra licence keys ("Abruf kostenfreier Zusatz-Lizenzschlüssel
//! im Rahmen des Annual Licensing (ALM) sowie des Service Provider
//! Modells"), issued so that the appliance bounds them as the portal did.
//!
//! Each company's extra keys in a view are signed by a key of its own,
//! certified by the portal's key in the company's role with the one
//! capability `extra-keys` (a customer's certificate names its company id
//! as tenant; a service provider's names its contract as `max_seats`). The
//! key is derived from the portal key's Ed25519 signature over the
//! company, view and terms, which RFC 8032 makes deterministic, so that no
//! secret is stored. (A key in a hardware module that signs by RFC 8032
//! derives it too; that is not tested here.) The one decision then counts every
//! extra key of a product, edition and tenant against the annual-model
//! licences held there, on the appliance exactly as in the portal, where
//! it is asked under the database's writers' lock with every licence and
//! extra key of the pool.

use entitle_issue::{Issuer, LicenseSpec, MAX_TIME, SigningKey};
use entitle_lifecycle::{
    Capability, Certificate, Input, Limits, Material, Renewal, RevocationList, Role, Signed,
};
use entitle_verify::{MAX_TOKEN_BYTES, PublicKey, Serial, Signer, Token};
use sha2::{Digest as _, Sha256};

use crate::error::Error;
use crate::standing::decide_as_customer;
use crate::store::{ExtraKey, ExtraKeyInputs};

/// The context of the signature an extra-keys key is derived from.
const DERIVE_CONTEXT: &[u8] = b"entitle portal extra-keys key v1";

/// What a company's extra-keys certificate states beyond its role: a
/// service provider's contract (`max_seats`), or none. A new contract is a
/// new key with a certificate of its own.
pub fn terms(view: Role, contract_seats: Option<u32>) -> String {
    match (view, contract_seats) {
        (Role::ServiceProvider, Some(seats)) => format!("contract {seats}"),
        _ => "none".to_string(),
    }
}

/// The key `company` signs its extra keys with in `view` under `terms`.
pub fn party_key(
    portal: &dyn Signer,
    company: &str,
    view: Role,
    terms: &str,
) -> Result<SigningKey, Error> {
    let message = format!("{company}\0{}\0{terms}", view.name());
    let signature = portal
        .sign(DERIVE_CONTEXT, message.as_bytes())
        .map_err(|e| Error::Setup(format!("cannot derive the extra-keys key: {e}")))?;
    let seed: [u8; 32] = Sha256::digest(signature).into();
    SigningKey::from_seed(&seed)
        .map_err(|e| Error::Setup(format!("cannot derive the extra-keys key: {e}")))
}

/// The certificate of `company`'s extra-keys key in `view`, signed by the
/// portal's key.
pub fn certify(
    portal: &dyn Signer,
    party: &SigningKey,
    company: &str,
    name: &str,
    view: Role,
    contract_seats: Option<u32>,
    now: u64,
) -> Result<Signed<Certificate>, Error> {
    let serial: [u8; 8] = Sha256::digest(party.public_key().to_bytes())
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .unwrap_or_default();
    let certificate = Certificate {
        version: 1,
        signer: portal.key_id().0,
        serial,
        subject: party.public_key().to_bytes(),
        name: name.to_string(),
        role: view,
        granted: vec![Capability::ExtraKeys],
        depth: 0,
        limits: Limits {
            products: Vec::new(),
            max_seats: if view == Role::ServiceProvider {
                contract_seats
            } else {
                None
            },
            not_before: now,
            not_after: MAX_TIME,
            tenants: if view == Role::Customer {
                vec![company.to_string()]
            } else {
                Vec::new()
            },
        },
        issued_at: now,
    };
    Signed::sign(certificate, portal).map_err(|e| Error::Setup(format!("cannot certify: {e}")))
}

/// The indices of the tokens the decision keeps of `tokens` with these
/// certificates, for `tenant`, now.
fn kept(
    tokens: &[String],
    renewals: &[Signed<Renewal>],
    certificates: &[Signed<Certificate>],
    lists: &[Signed<RevocationList>],
    trusted: &[PublicKey],
    tenant: Option<&str>,
    now: u64,
) -> Result<Vec<bool>, Error> {
    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; tokens.len()];
    let mut decoded = Vec::with_capacity(tokens.len());
    for (text, buf) in tokens.iter().zip(buffers.iter_mut()) {
        decoded.push(
            Token::decode(text.lines().next().unwrap_or_default(), buf)
                .map_err(|e| Error::Store(format!("a recorded licence does not decode: {e}")))?,
        );
    }
    let material = Material {
        tokens: decoded,
        certificates: certificates.to_vec(),
        renewals: renewals.to_vec(),
        revocations: lists.to_vec(),
        ..Material::default()
    };
    let decision = decide_as_customer(&material, trusted, tenant, now, None);
    Ok((0..tokens.len())
        .map(|i| matches!(decision.verdict(Input::Token(i)), Some(Ok(()))))
        .collect())
}

/// What one request for an extra key needs.
pub struct Request<'a> {
    /// The portal's key.
    pub portal: &'a dyn Signer,
    /// The vendor keys.
    pub trusted: &'a [PublicKey],
    /// The company, its name, its view and contract.
    pub company: &'a str,
    /// Its name, for its certificate.
    pub name: &'a str,
    /// The view.
    pub view: Role,
    /// A service provider's contract.
    pub contract_seats: Option<u32>,
    /// What the extra key is: product, edition, tenant, seats, model and
    /// term of the licence it is asked beside.
    pub spec: LicenseSpec,
    /// Now.
    pub now: u64,
}

/// Issues the extra key `request` asks for if the decision keeps it with
/// everything else of its pool and drops nothing it kept before; returns
/// the key's text followed by its certificate, the key as kept, and the
/// certificate's text if it is new.
pub fn issue(
    request: &Request<'_>,
    inputs: &ExtraKeyInputs,
) -> Result<(String, ExtraKey, Option<String>), Error> {
    let party = party_key(
        request.portal,
        request.company,
        request.view,
        &terms(request.view, request.contract_seats),
    )?;
    let (certificate, new) = match &inputs.certificate {
        Some(text) => (
            Signed::<Certificate>::decode(text)
                .map_err(|e| Error::Store(format!("a recorded certificate: {e}")))?,
            None,
        ),
        None => {
            let c = certify(
                request.portal,
                &party,
                request.company,
                request.name,
                request.view,
                request.contract_seats,
                request.now,
            )?;
            let text = c.text().to_string();
            (c, Some(text))
        }
    };
    // A service provider's contract holds over every extra key it
    // obtained, wherever they are installed.
    if request.view == Role::ServiceProvider {
        let contract = u64::from(request.contract_seats.unwrap_or(0));
        let total = inputs.issued.saturating_add(u64::from(request.spec.seats));
        if total > contract {
            return Err(Error::Refused(format!(
                "free extra keys come out of the service-provider contract: {contract} seats, {} obtained, and this would make {total}",
                inputs.issued
            )));
        }
    }
    let issued = Issuer::new(party)
        .issue(&request.spec)
        .map_err(|e| Error::Refused(format!("the extra key: {e}")))?;
    let lists = inputs
        .lists
        .iter()
        .map(|l| Signed::<RevocationList>::decode(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Store(format!("a recorded revocation list: {e}")))?;
    let mut certificates: Vec<Signed<Certificate>> = inputs
        .extra
        .iter()
        .map(|(_, c)| Signed::<Certificate>::decode(c))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Store(format!("a recorded certificate: {e}")))?;
    certificates.push(certificate.clone());
    certificates.sort_by(|a, b| a.text().cmp(b.text()));
    certificates.dedup_by(|a, b| a.text() == b.text());
    let mut tokens: Vec<String> = inputs.licences.clone();
    tokens.extend(inputs.extra.iter().map(|(t, _)| t.clone()));
    let tenant = request.spec.tenant.as_deref();
    let renewals = inputs
        .renewals
        .iter()
        .map(|r| Signed::<Renewal>::decode(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Store(format!("a recorded renewal: {e}")))?;
    let before = kept(
        &tokens,
        &renewals,
        &certificates,
        &lists,
        request.trusted,
        tenant,
        request.now,
    )?;
    tokens.push(issued.text.clone());
    let after = kept(
        &tokens,
        &renewals,
        &certificates,
        &lists,
        request.trusted,
        tenant,
        request.now,
    )?;
    let dropped = before.iter().zip(&after).any(|(b, a)| *b && !*a);
    if !after.last().copied().unwrap_or(false) || dropped {
        return Err(Error::Refused(format!(
            "no free extra key of {} seats: with the annual-model licences held for {} {}{} and the extra keys obtained before, the decision would not count it",
            request.spec.seats,
            request.spec.product,
            request.spec.edition,
            tenant.map(|t| format!(" ({t})")).unwrap_or_default()
        )));
    }
    let key = ExtraKey {
        serial: Serial::to_string(&issued.serial),
        token: issued.text.clone(),
        certificate: certificate.text().to_string(),
        seats: request.spec.seats,
        at: request.now,
    };
    Ok((format!("{}\n{}", issued.text, certificate.text()), key, new))
}
