//! `entitle inspect`: decode any artifact without trusting it: tokens,
//! signed catalogs, certificates, revocation lists, renewals, activation
//! requests and responses, receipts and leases, each said what it is.

use entitle_allocate::{Catalog, SIGNATURE_LINE};
use entitle_lifecycle::{
    Activation, Artifact, Certificate, Lease, Receipt, Renewal, Request, RevocationList, Signed,
};
use entitle_verify::{ArtifactKind, Hex, KeyId, MAX_TOKEN_BYTES, Token};
use serde::Serialize;
use serde_json::{Value, json};

use crate::artifacts::lifecycle_error;
use crate::cli::InspectArgs;
use crate::error::CliError;
use crate::input::{TokenInput, read_file, read_tokens};
use crate::json::{TokenJson, rfc3339};
use crate::output::say;

const WARNING: &str = "UNVERIFIED: decoded only, the signature was NOT checked; \
                       use `entitle verify` before trusting any of this";

/// Runs the command.
pub fn run(args: &InspectArgs) -> Result<(), CliError> {
    if let Some(path) = args.token.strip_prefix('@') {
        let text = read_file(std::path::Path::new(path))?;
        if text.contains("[products.") {
            return print_fields(&catalog(&text, path)?, args.json);
        }
    }
    for input in read_tokens(std::slice::from_ref(&args.token))? {
        match ArtifactKind::of(&input.text) {
            Some(ArtifactKind::Token) | None => token(&input, args.json)?,
            Some(kind) => print_fields(&artifact(kind, &input)?, args.json)?,
        }
    }
    Ok(())
}

fn token(input: &TokenInput, json: bool) -> Result<(), CliError> {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let token =
        Token::decode(&input.text, &mut buf).map_err(|e| CliError::token(e, &input.origin))?;
    if json {
        #[derive(Serialize)]
        struct Inspected<'a> {
            artifact: &'static str,
            verified: bool,
            warning: &'static str,
            format_version: u8,
            #[serde(flatten)]
            claims: TokenJson<'a>,
        }
        let json = Inspected {
            artifact: ArtifactKind::Token.name(),
            verified: false,
            warning: WARNING,
            format_version: entitle_verify::format::VERSION,
            claims: TokenJson::new(&token),
        };
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
    } else {
        print_plain(&token);
    }
    Ok(())
}

/// An artifact's fields (`artifact`: its kind, and `verified: false`), or why it
/// cannot be decoded.
fn artifact(kind: ArtifactKind, input: &TokenInput) -> Result<Value, CliError> {
    let at = format!("{}: ", input.origin);
    let text = input.text.as_str();
    let decode_error = |e: entitle_lifecycle::Error| lifecycle_error(&e, &at);
    let hex = |bytes: &[u8]| Hex(bytes).to_string();
    let time = |t: u64| rfc3339(t);
    let fields = match kind {
        ArtifactKind::Certificate => {
            let c = decoded::<Certificate>(text).map_err(decode_error)?;
            json!({
                "signer": KeyId(c.signer).to_string(),
                "serial": hex(&c.serial),
                "subject_key_id": KeyId::of(&c.subject).to_string(),
                "name": c.name,
                "role": c.role.name(),
                "granted": c.granted.iter().map(|g| g.name()).collect::<Vec<_>>(),
                "depth": c.depth,
                "products": c.limits.products.iter().map(|p| json!({"product": p.product, "editions": p.editions})).collect::<Vec<_>>(),
                "max_seats": c.limits.max_seats,
                "not_before": time(c.limits.not_before),
                "not_after": time(c.limits.not_after),
                "tenants": c.limits.tenants,
                "issued_at": time(c.issued_at),
            })
        }
        ArtifactKind::RevocationList => {
            let l = decoded::<RevocationList>(text).map_err(decode_error)?;
            json!({
                "format_version": l.version,
                "signer": KeyId(l.signer).to_string(),
                "sequence": l.sequence,
                "issued_at": time(l.issued_at),
                "licenses": l.licenses.iter().map(|s| hex(s)).collect::<Vec<_>>(),
                "certificates": l.certificates.iter().map(|s| hex(s)).collect::<Vec<_>>(),
                "activations": l.activations.iter().map(|s| hex(s)).collect::<Vec<_>>(),
            })
        }
        ArtifactKind::Renewal => {
            let r = decoded::<Renewal>(text).map_err(decode_error)?;
            json!({
                "format_version": r.version,
                "signer": KeyId(r.signer).to_string(),
                "serial": hex(&r.serial),
                "license_binding": r.license.map(|b| hex(&b)),
                "issued_at": time(r.issued_at),
                "expires_at": r.expires_at.map(time),
                "updates_until": r.updates_until.map(time),
            })
        }
        ArtifactKind::Request => {
            let r = Request::from_text(text).map_err(decode_error)?;
            json!({
                "serial": hex(&r.serial),
                "fingerprint": hex(&r.fingerprint),
                "nonce": hex(&r.nonce),
                "appliance_key_id": KeyId::of(&r.appliance).to_string(),
            })
        }
        ArtifactKind::Activation => {
            let a = decoded::<Activation>(text).map_err(decode_error)?;
            json!({
                "signer": KeyId(a.signer).to_string(),
                "serial": hex(&a.serial),
                "fingerprint": hex(&a.fingerprint),
                "nonce": hex(&a.nonce),
                "appliance_key_id": KeyId::of(&a.appliance).to_string(),
                "issued_at": time(a.issued_at),
                "seat_store": a.store.map(|store| hex(&store)),
            })
        }
        ArtifactKind::Receipt => {
            let r = decoded::<Receipt>(text).map_err(decode_error)?;
            let ended = Signed::<Activation>::decode(&r.activation).map_err(decode_error)?;
            json!({
                "signer": KeyId(r.signer).to_string(),
                "ends_activation_of": hex(&ended.unverified().serial),
                "ends_activation_nonce": hex(&ended.unverified().nonce),
                "deactivated_at": time(r.deactivated_at),
            })
        }
        ArtifactKind::Lease => {
            let l = decoded::<Lease>(text).map_err(decode_error)?;
            let activation = Signed::<Activation>::decode(&l.activation).map_err(decode_error)?;
            json!({
                "signer": KeyId(l.signer).to_string(),
                "lease": l.lease,
                "agent": l.agent,
                "pool": l.pool,
                "licence": hex(&activation.unverified().serial),
                "issued_at": time(l.issued_at),
                "not_after": time(l.not_after),
            })
        }
        ArtifactKind::Token => return Err(CliError::input("internal: a token here")),
    };
    Ok(with_kind(kind.name(), fields))
}

fn decoded<T: Artifact + Clone>(text: &str) -> Result<T, entitle_lifecycle::Error> {
    Signed::<T>::decode(text).map(|s| s.unverified().clone())
}

/// A signed catalog's signer and products, read without checking its
/// signature.
fn catalog(text: &str, path: &str) -> Result<Value, CliError> {
    let (body, signer) = match text.rfind(SIGNATURE_LINE) {
        Some(start) => {
            let (body, line) = text.split_at(start);
            let key_id = line
                .strip_prefix(SIGNATURE_LINE)
                .and_then(|fields| fields.split(' ').next())
                .map(str::to_string);
            (body, key_id)
        }
        None => (text, None),
    };
    let catalog = Catalog::parse(body).map_err(|e| CliError::input(format!("{path}: {e}")))?;
    let products: Vec<Value> = catalog
        .products
        .iter()
        .map(|p| {
            json!({
                "product": p.name,
                "editions": p.editions.iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(with_kind(
        "catalog",
        json!({
            "signed": signer.is_some(),
            "signer": signer,
            "products": products,
            "license_types": catalog.licenses.len(),
        }),
    ))
}

fn with_kind(kind: &str, fields: Value) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("artifact".into(), kind.into());
    object.insert("verified".into(), false.into());
    object.insert("warning".into(), WARNING.into());
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    Value::Object(object)
}

/// One JSON line, or `field  value` lines after the warning.
fn print_fields(fields: &Value, json: bool) -> Result<(), CliError> {
    if json {
        say!(
            "{}",
            serde_json::to_string(fields).map_err(|e| CliError::input(e.to_string()))?
        );
        return Ok(());
    }
    say!("{WARNING}");
    say!(
        "{:<17}{}",
        "artifact",
        fields["artifact"].as_str().unwrap_or_default()
    );
    for (name, value) in fields.as_object().into_iter().flatten() {
        if matches!(name.as_str(), "warning" | "verified" | "artifact") {
            continue;
        }
        let shown = match value {
            Value::String(s) => s.clone(),
            Value::Null => "none".to_string(),
            Value::Array(items) if items.is_empty() => "none".to_string(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        say!("{:<17}{shown}", name.replace('_', " "));
    }
    Ok(())
}

fn print_plain(token: &Token<'_>) {
    let c = token.claims();
    let or_none = |v: Option<String>, none: &str| v.unwrap_or_else(|| none.to_string());
    say!("{WARNING}");
    say!("format        1");
    say!("key id        {}", token.key_id());
    say!("serial        {}", token.serial());
    say!("product       {}", c.product);
    say!("edition       {}", c.edition);
    say!("kind          {}", c.kind);
    say!("seats         {} ({})", c.seats, c.model);
    say!(
        "cap           {}",
        or_none(c.cap.map(|n| n.to_string()), "none")
    );
    say!("tenant        {}", c.tenant.unwrap_or("none"));
    let features: Vec<&str> = c.features.iter().collect();
    say!(
        "features      {}",
        if features.is_empty() {
            "none".to_string()
        } else {
            features.join(", ")
        }
    );
    say!("issued at     {}", rfc3339(c.issued_at));
    say!("not before    {}", rfc3339(c.not_before));
    say!(
        "expires at    {}",
        or_none(c.expires_at.map(rfc3339), "never (perpetual)")
    );
    say!(
        "updates until {}",
        or_none(c.updates_until.map(rfc3339), "no limit")
    );
}
