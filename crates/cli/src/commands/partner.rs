//! `entitle partner certify` and `entitle partner show`.

use entitle_issue::{public_key_from_pem, unix_now};
use entitle_lifecycle::{
    Capability, Certificate, Chains, Limits, ProductLimit, Role, Signed, ViewFunction,
};
use entitle_verify::Utc;
use entitle_verify::names::{is_valid_name, is_valid_tenant};
use rand::rand_core::TryRng as _;
use serde::Serialize;

use crate::artifacts::{Signer, lifecycle_error};
use crate::cli::{CertifyArgs, PartnerCommand, ShowArgs};
use crate::error::CliError;
use crate::input::{read_file, read_public_keys, read_tokens};
use crate::output::say;

/// Runs a partner command.
pub fn run(command: &PartnerCommand) -> Result<(), CliError> {
    match command {
        PartnerCommand::Certify(args) => certify(args),
        PartnerCommand::Show(args) => show(args),
    }
}

fn certify(args: &CertifyArgs) -> Result<(), CliError> {
    let signer = Signer::load(&args.signer)?;
    let now = args.signer.now.unwrap_or_else(unix_now);
    let subject = public_key_from_pem(&read_file(&args.subject)?)
        .map_err(|e| CliError::input(format!("{}: {e}", args.subject.display())))?;
    let role: Role = args.role.parse().map_err(CliError::input)?;
    // A certificate confers exactly what it grants; without --grant, the
    // role's preset (MODELS.md section 4) is granted, written out.
    let mut granted = Vec::new();
    for name in &args.grants {
        let capability: Capability = name.parse().map_err(CliError::input)?;
        if !granted.contains(&capability) {
            granted.push(capability);
        }
    }
    if granted.is_empty() {
        granted = role.preset();
    }
    let beyond = role.beyond_table(&granted);
    if !beyond.is_empty() {
        let names: Vec<&str> = beyond.iter().map(|c| c.name()).collect();
        eprintln!(
            "entitle: note: --grant {} goes beyond the ThinPrint table for a {} (MODELS.md section 4); `partner show` lists it",
            names.join(", "),
            role.name()
        );
    }
    let mut products = Vec::new();
    for spec in &args.products {
        let (product, editions) = spec.split_once(':').unwrap_or((spec, ""));
        let editions: Vec<String> = editions
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(bad) = std::iter::once(product)
            .chain(editions.iter().map(String::as_str))
            .find(|n| !is_valid_name(n))
        {
            return Err(CliError::input(format!(
                "--product {spec}: {bad:?} is not a valid name"
            )));
        }
        products.push(ProductLimit {
            product: product.to_string(),
            editions,
        });
    }
    if let Some(bad) = args.tenants.iter().find(|t| !is_valid_tenant(t)) {
        return Err(CliError::input(format!(
            "--tenant {bad:?} is not a valid tenant id"
        )));
    }
    if args.name.trim().is_empty() {
        return Err(CliError::input("--name must not be empty"));
    }
    let mut serial = [0u8; 8];
    rand::rngs::SysRng
        .try_fill_bytes(&mut serial)
        .map_err(|_| CliError::input("the operating system's random number generator failed"))?;
    let certificate = Certificate {
        version: 1,
        signer: signer.key.key_id().0,
        serial,
        subject: subject.to_bytes(),
        name: args.name.clone(),
        role,
        granted,
        depth: args.depth,
        limits: Limits {
            products,
            max_seats: args.max_seats,
            not_before: args.not_before.unwrap_or(now),
            not_after: args.not_after,
            tenants: args.tenants.clone(),
        },
        issued_at: now,
    };
    let signed =
        Signed::sign(certificate, signer.key.as_ref()).map_err(|e| lifecycle_error(&e, ""))?;
    // Check the new link exactly as a verifier will: a certificate that
    // widens its issuer is refused here, not only on the appliance.
    let own = [signer.key.public_key()];
    let trusted = match (signer.vendor_keys.is_empty(), signer.certs.is_empty()) {
        (false, _) => &signer.vendor_keys[..],
        (true, true) => &own[..],
        (true, false) => {
            return Err(CliError::input(
                "a partner certifying others must give --public (the vendor key), so that the new chain is checked",
            ));
        }
    };
    let mut chain = signer.certs.clone();
    chain.push(signed.clone());
    Chains::new(trusted, &chain, Vec::new())
        .authorities(subject.id())
        .map_err(|e| lifecycle_error(&e, ""))?;
    if args.signer.json {
        let json = CertJson::new(&signed, signer.chain());
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
    } else {
        say!("{}", signer.with_chain(signed.text()));
    }
    Ok(())
}

fn show(args: &ShowArgs) -> Result<(), CliError> {
    let vendor_keys = read_public_keys(&args.public)?;
    let inputs = read_tokens(&args.certs)?;
    let mut certs = Vec::new();
    for input in &inputs {
        certs.push(
            Signed::<Certificate>::decode(&input.text)
                .map_err(|e| lifecycle_error(&e, format!("{}: ", input.origin)))?,
        );
    }
    let mut out = Vec::new();
    for cert in &certs {
        let subject = cert
            .unverified()
            .subject_key()
            .map_err(|e| lifecycle_error(&e, ""))?;
        let chain = if vendor_keys.is_empty() {
            None
        } else {
            Some(
                Chains::new(&vendor_keys, &certs, Vec::new())
                    .authorities(subject.id())
                    .map(|found| {
                        found
                            .first()
                            .map(|a| a.chain().to_vec())
                            .unwrap_or_default()
                    })
                    .map_err(|e| e.to_string()),
            )
        };
        out.push((cert, chain));
    }
    if args.json {
        let json: Vec<CertJson> = out
            .iter()
            .map(|(cert, chain)| {
                let mut j = CertJson::new(cert, Vec::new());
                j.chain_valid = chain.as_ref().map(Result::is_ok);
                j.chain_error = chain.as_ref().and_then(|c| c.as_ref().err().cloned());
                j
            })
            .collect();
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
        return Ok(());
    }
    for (cert, chain) in out {
        let c = cert.unverified();
        let rights = c.rights();
        let caps: Vec<&str> = rights.capabilities.iter().map(|c| c.name()).collect();
        say!("{} ({})", c.name, c.role.name());
        say!(
            "  key id       {}",
            c.subject_key()
                .map(|k| k.id().to_string())
                .unwrap_or_default()
        );
        say!("  certified by {}", hex(&c.signer));
        say!("  serial       {}", hex(&c.serial));
        say!(
            "  may          {}{}",
            if caps.is_empty() {
                "nothing".to_string()
            } else {
                caps.join(", ")
            },
            match (rights.has(Capability::ExtraKeys), c.role) {
                (true, Role::ServiceProvider) => " (extra keys: within its contract's max seats)",
                (true, _) => " (extra keys: out of the annual-model licenses held)",
                (false, _) => "",
            }
        );
        let beyond: Vec<&str> = c
            .role
            .beyond_table(&rights.capabilities)
            .iter()
            .map(|c| c.name())
            .collect();
        if !beyond.is_empty() {
            say!("  beyond table {} (granted explicitly)", beyond.join(", "));
        }
        // Which cells are functions of the vendor's portal, which are
        // rights this certificate carries offline.
        let view: Vec<String> = ViewFunction::ALL
            .into_iter()
            .filter(|&f| c.role.offers(f))
            .map(|f| {
                let how = match f {
                    ViewFunction::Download | ViewFunction::ServiceQuote => "portal",
                    ViewFunction::Activation => "portal; offline, the license's issuer answers",
                    ViewFunction::DestroyKeys => "offline: revoke",
                    ViewFunction::ExtraKeys => "offline: extra-keys",
                };
                format!("{} ({how})", f.name())
            })
            .collect();
        say!(
            "  view         {}",
            if view.is_empty() {
                "nothing".to_string()
            } else {
                view.join(", ")
            }
        );
        say!(
            "  window       {} to {}",
            Utc(c.limits.not_before),
            Utc(c.limits.not_after)
        );
        let products: Vec<String> = c
            .limits
            .products
            .iter()
            .map(|p| {
                if p.editions.is_empty() {
                    p.product.clone()
                } else {
                    format!("{}:{}", p.product, p.editions.join(","))
                }
            })
            .collect();
        say!(
            "  products     {}",
            if products.is_empty() {
                "all".to_string()
            } else {
                products.join(", ")
            }
        );
        say!(
            "  tenants      {}",
            if c.limits.tenants.is_empty() {
                "all".to_string()
            } else {
                c.limits.tenants.join(", ")
            }
        );
        say!(
            "  max seats    {}",
            c.limits
                .max_seats
                .map_or("no limit".to_string(), |n| n.to_string())
        );
        say!("  may certify  {} levels below", c.depth);
        match chain {
            None => say!("  chain        not checked (give --public)"),
            Some(Ok(names)) => say!("  chain        valid: vendor -> {}", names.join(" -> ")),
            Some(Err(e)) => say!("  chain        INVALID: {e}"),
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    entitle_verify::Hex(bytes).to_string()
}

#[derive(Serialize)]
struct CertJson {
    certificate: String,
    chain: Vec<String>,
    name: String,
    role: &'static str,
    key_id: String,
    signer: String,
    serial: String,
    capabilities: Vec<&'static str>,
    /// The functions of the role's portal view (MODELS.md section 4).
    view: std::collections::BTreeMap<&'static str, bool>,
    /// Capabilities granted beyond the role's row of the table.
    beyond_table: Vec<&'static str>,
    depth: u8,
    products: Vec<ProductLimit>,
    max_seats: Option<u32>,
    not_before: String,
    not_after: String,
    tenants: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chain_valid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chain_error: Option<String>,
}

impl CertJson {
    fn new(cert: &Signed<Certificate>, chain: Vec<String>) -> CertJson {
        let c = cert.unverified();
        let rights = c.rights();
        CertJson {
            certificate: cert.text().to_string(),
            chain,
            name: c.name.clone(),
            role: c.role.name(),
            key_id: c
                .subject_key()
                .map(|k| k.id().to_string())
                .unwrap_or_default(),
            signer: hex(&c.signer),
            serial: hex(&c.serial),
            capabilities: rights.capabilities.iter().map(|c| c.name()).collect(),
            view: ViewFunction::ALL
                .into_iter()
                .map(|f| (f.name(), c.role.offers(f)))
                .collect(),
            beyond_table: c
                .role
                .beyond_table(&rights.capabilities)
                .iter()
                .map(|c| c.name())
                .collect(),
            depth: c.depth,
            products: c.limits.products.clone(),
            max_seats: c.limits.max_seats,
            not_before: Utc(c.limits.not_before).to_string(),
            not_after: Utc(c.limits.not_after).to_string(),
            tenants: c.limits.tenants.clone(),
            chain_valid: None,
            chain_error: None,
        }
    }
}
