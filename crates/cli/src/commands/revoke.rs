//! `entitle revoke` and `entitle renew`.

use entitle_issue::unix_now;
use entitle_lifecycle::{
    Capability, Decision, Input, Material, Receipt, Renewal, RevocationList, Setting, Signed,
    decide, implicit_catalog, verify_receipt,
};
use entitle_verify::{MAX_TOKEN_BYTES, Serial, Utc};
use serde::Serialize;

use crate::artifacts::{Signer, lifecycle_error, read_license, read_one};
use crate::cli::{RenewArgs, RevokeArgs};
use crate::error::CliError;
use crate::issuance::{Entry, Event, IssuanceLedger};
use crate::output::say;

fn parse_serial(hex: &str, flag: &str) -> Result<[u8; 8], CliError> {
    let bad = || CliError::input(format!("{flag} {hex:?} is not a serial (16 hex digits)"));
    if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    u64::from_str_radix(hex, 16)
        .map(u64::to_be_bytes)
        .map_err(|_| bad())
}

fn hex(serial: &[u8; 8]) -> String {
    entitle_verify::Hex(serial).to_string()
}

/// Runs `entitle revoke`.
pub fn revoke(args: &RevokeArgs) -> Result<(), CliError> {
    let signer = Signer::load(&args.signer)?;
    let now = args.signer.now.unwrap_or_else(unix_now);
    if let Some(authority) = &signer.authority {
        authority
            .allows(Capability::Revoke, now, None)
            .map_err(|e| lifecycle_error(&e, ""))?;
        for license in &args.licenses {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let (token, _) = read_license(license, &mut buf)?;
            authority
                .allows(Capability::Revoke, now, Some(token.claims()))
                .map_err(|e| lifecycle_error(&e, ""))?;
        }
    }
    let mut ledger = if args.orders.is_empty() {
        IssuanceLedger::open(args.ledger.as_deref())?
    } else {
        Some(IssuanceLedger::require(args.ledger.as_deref(), "--order")?)
    };
    let mut licenses = Vec::new();
    for serial in &args.serials {
        licenses.push(parse_serial(serial, "--serial")?);
    }
    for order in &args.orders {
        let issued = ledger
            .as_ref()
            .map(|l| l.issued_for_order(order))
            .unwrap_or_default();
        if issued.is_empty() {
            return Err(CliError::input(format!(
                "--order {order}: the issuance ledger holds no licence of this order"
            )));
        }
        for entry in issued {
            // The serial the ledger's own licence carries, checked: an
            // edited line revokes nothing in its stead.
            entry.check_issued(None).map_err(CliError::input)?;
            licenses.push(parse_serial(&entry.serial, "the ledger's serial")?);
        }
    }
    let mut activations = Vec::new();
    for receipt in &args.receipts {
        let text = read_one(receipt, "deactivation receipt")?;
        let receipt =
            Signed::<Receipt>::decode(&text).map_err(|e| lifecycle_error(&e, "--receipt: "))?;
        let ended = verify_receipt(&receipt).map_err(|e| lifecycle_error(&e, "--receipt: "))?;
        activations.push(ended.unverified().nonce);
    }
    let mut certificates = Vec::new();
    for serial in &args.certificates {
        certificates.push(parse_serial(serial, "--certificate")?);
    }
    if let Some(ledger) = &ledger {
        // Lists are cumulative: the new one names everything this key
        // revoked before, so that it alone is complete.
        let earlier = ledger.revocation_lists(&signer.key.public_key())?;
        if let Some(last) = earlier.iter().map(|l| l.sequence).max()
            && args.sequence <= last
        {
            return Err(CliError::input(format!(
                "--sequence {}: the ledger holds list {last} of this key; give --sequence {}",
                args.sequence,
                last.saturating_add(1)
            )));
        }
        for list in earlier {
            licenses.extend(list.licenses);
            certificates.extend(list.certificates);
            activations.extend(list.activations);
        }
    }
    activations.sort_unstable();
    activations.dedup();
    licenses.sort_unstable();
    licenses.dedup();
    certificates.sort_unstable();
    certificates.dedup();
    if licenses.is_empty()
        && certificates.is_empty()
        && activations.is_empty()
        && args.sequence == 0
    {
        return Err(CliError::input(
            "nothing to revoke: give --serial, --receipt or --certificate",
        ));
    }
    let list = RevocationList {
        version: RevocationList::version_for(&activations),
        signer: signer.key.key_id().0,
        sequence: args.sequence,
        issued_at: now,
        licenses,
        certificates,
        activations,
    };
    let signed = Signed::sign(list, signer.key.as_ref()).map_err(|e| lifecycle_error(&e, ""))?;
    revokes_what_it_names(&signer, &args.licenses, &signed, now)?;
    if let Some(ledger) = &mut ledger {
        let mut entries: Vec<_> = signed
            .unverified()
            .licenses
            .iter()
            .map(|serial| {
                ledger.entry_about(
                    Event::Revoked,
                    now,
                    Serial(*serial),
                    signer.key.key_id(),
                    signed.text(),
                )
            })
            .collect();
        if entries.is_empty() {
            // A list of certificates or activations only: kept for the
            // next list all the same.
            entries.push(Entry::list(now, signer.key.key_id(), signed.text()));
        }
        ledger.append(entries)?;
    }
    if args.signer.json {
        #[derive(Serialize)]
        struct Out<'a> {
            revocation_list: &'a str,
            chain: Vec<String>,
            sequence: u64,
            issued_at: String,
            licenses: Vec<String>,
            certificates: Vec<String>,
            activations: Vec<String>,
        }
        let body = signed.unverified();
        let json = Out {
            revocation_list: signed.text(),
            chain: signer.chain(),
            sequence: body.sequence,
            issued_at: Utc(body.issued_at).to_string(),
            licenses: body.licenses.iter().map(hex).collect(),
            certificates: body.certificates.iter().map(hex).collect(),
            activations: body.activations.iter().map(hex).collect(),
        };
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
        return Ok(());
    }
    say!("{}", signer.with_chain(signed.text()));
    Ok(())
}

/// Decides, as an appliance would, on the licences given with `--license`
/// and the list just signed: a list that names a licence and would not
/// revoke it there (outside the signer's scope) is refused before it is
/// handed out, with the appliance's own reason. Needs the vendor keys
/// (`--public`) to decide; without them, or without `--license`, the list
/// is signed unchecked.
fn revokes_what_it_names(
    signer: &Signer,
    licenses: &[String],
    list: &Signed<RevocationList>,
    now: u64,
) -> Result<(), CliError> {
    if signer.vendor_keys.is_empty() || licenses.is_empty() {
        return Ok(());
    }
    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; licenses.len()];
    let mut tokens = Vec::new();
    let mut certificates = signer.certs.clone();
    for (license, buf) in licenses.iter().zip(buffers.iter_mut()) {
        let (token, chain) = read_license(license, buf)?;
        for text in chain {
            certificates
                .push(Signed::decode(&text).map_err(|e| lifecycle_error(&e, "--license: "))?);
        }
        tokens.push(token);
    }
    let material = Material {
        tokens,
        certificates,
        revocations: vec![list.clone()],
        ..Material::default()
    };
    let decision = as_an_appliance(signer, &material, now);
    for (i, token) in material.tokens.iter().enumerate() {
        let named = list.unverified().revokes(token.serial());
        let revoked = matches!(
            decision.verdict(Input::Token(i)),
            Some(Err(entitle_lifecycle::Error::Revoked { .. }))
        );
        if named && !revoked {
            let why = decision
                .warnings
                .iter()
                .find(|w| {
                    w.message
                        .contains(&format!("names license {}", token.serial()))
                })
                .map(|w| w.message.clone())
                .unwrap_or_else(|| format!("license {} would not be revoked", token.serial()));
            return Err(lifecycle_error(
                &entitle_lifecycle::Error::NotAllowed(why),
                "not signed: ",
            ));
        }
    }
    Ok(())
}

/// Decides, as an appliance would, on the licence and the renewal just
/// signed: a renewal that would extend nothing there (another signer's
/// licence, beyond the signer's window) is refused before it is handed
/// out. Needs the vendor keys (`--public`); without them it is signed
/// unchecked.
fn extends_what_it_names(
    signer: &Signer,
    license: &str,
    renewal: &Signed<Renewal>,
    now: u64,
) -> Result<(), CliError> {
    if signer.vendor_keys.is_empty() {
        return Ok(());
    }
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let (token, chain) = read_license(license, &mut buf)?;
    let mut certificates = signer.certs.clone();
    for text in chain {
        certificates.push(Signed::decode(&text).map_err(|e| lifecycle_error(&e, "--license: "))?);
    }
    let material = Material {
        tokens: vec![token],
        certificates,
        renewals: vec![renewal.clone()],
        ..Material::default()
    };
    let decision = as_an_appliance(signer, &material, now);
    if decision
        .licenses
        .iter()
        .any(|(i, usable)| *i == 0 && usable.renewed())
    {
        return Ok(());
    }
    let why = match decision.verdict(Input::Token(0)) {
        Some(Err(e)) => format!("the license does not count here: {e}"),
        _ => "its own term stays in force".to_string(),
    };
    Err(lifecycle_error(
        &entitle_lifecycle::Error::NotAllowed(format!(
            "the renewal extends nothing here ({why}); a partner extends only licenses it, or those it certified, issued, and not beyond its window"
        )),
        "not signed: ",
    ))
}

/// The decision of an appliance that trusts the signer's vendor keys, at
/// `now`, on `material` alone (no catalog, no state): what the artifact
/// just signed would do there.
fn as_an_appliance<'a>(signer: &Signer, material: &Material<'a>, now: u64) -> Decision<'a> {
    let catalog = implicit_catalog(material, &signer.vendor_keys);
    let setting = Setting {
        trusted: &signer.vendor_keys,
        catalog: &catalog,
        remembered: None,
        now,
        clock_tolerance: u64::MAX,
        build_date: None,
        machine: None,
        tenant: None,
        store: None,
    };
    decide(material, &setting)
}

/// Runs `entitle renew`.
pub fn renew(args: &RenewArgs) -> Result<(), CliError> {
    let signer = Signer::load(&args.signer)?;
    let now = args.signer.now.unwrap_or_else(unix_now);
    let mut ledger = match &args.order {
        None => IssuanceLedger::open(args.ledger.as_deref())?,
        Some(_) => Some(IssuanceLedger::require(args.ledger.as_deref(), "--order")?),
    };
    let license_text = match (&args.license, &args.order) {
        (Some(text), _) => text.clone(),
        (None, Some(order)) => {
            let first = ledger
                .as_ref()
                .and_then(|l| l.issued_for_order(order).first().copied().cloned());
            if let Some(entry) = &first {
                entry.check_issued(None).map_err(CliError::input)?;
            }
            let issued = first.map(|e| e.artifact);
            issued.ok_or_else(|| {
                CliError::input(format!(
                    "--order {order}: the issuance ledger holds no licence of this order"
                ))
            })?
        }
        (None, None) => return Err(CliError::input("give --license or --order")),
    };
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let (license, _) = read_license(&license_text, &mut buf)?;
    let expires_at = if args.perpetual { None } else { args.expires };
    if let Some(authority) = &signer.authority {
        authority
            .allows(Capability::Extend, now, Some(license.claims()))
            .map_err(|e| lifecycle_error(&e, ""))?;
    }
    let renewal = Renewal {
        version: 2,
        license: Some(Renewal::binding_of(&license)),
        signer: signer.key.key_id().0,
        serial: license.serial().0,
        issued_at: now,
        expires_at,
        updates_until: args.updates_until,
    };
    let signed = Signed::sign(renewal, signer.key.as_ref()).map_err(|e| lifecycle_error(&e, ""))?;
    extends_what_it_names(&signer, &license_text, &signed, now)?;
    if let Some(ledger) = &mut ledger {
        let mut entry = ledger.entry_about(
            Event::Renewed,
            now,
            license.serial(),
            signer.key.key_id(),
            signed.text(),
        );
        entry.expires = Some(expires_at.map_or_else(|| "perpetual".into(), |t| Utc(t).to_string()));
        ledger.append(vec![entry])?;
    }
    if args.signer.json {
        #[derive(Serialize)]
        struct Out<'a> {
            renewal: &'a str,
            chain: Vec<String>,
            serial: String,
            expires_at: Option<String>,
            updates_until: Option<String>,
        }
        let json = Out {
            renewal: signed.text(),
            chain: signer.chain(),
            serial: license.serial().to_string(),
            expires_at: expires_at.map(|t| Utc(t).to_string()),
            updates_until: args.updates_until.map(|t| Utc(t).to_string()),
        };
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
        return Ok(());
    }
    say!("{}", signer.with_chain(signed.text()));
    Ok(())
}
