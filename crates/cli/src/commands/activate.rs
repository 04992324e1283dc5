//! `entitle activate request|respond|accept|deactivate`.

use entitle_appliance::Appliance;
use entitle_issue::unix_now;
use entitle_lifecycle::{
    Activation, Capability, Chains, Request, Signed, fingerprint, receipt_ends,
};
use entitle_verify::{MAX_TOKEN_BYTES, Serial, Verifier};
use serde::Serialize;

use crate::artifacts::{Signer, lifecycle_error, read_license, read_one, sort_inputs};
use crate::cli::{
    AcceptArgs, ActivateCommand, ApplianceArgs, DeactivateArgs, RequestArgs, RespondArgs,
};
use crate::decision::{Where, decide_sorted};
use crate::error::CliError;
use crate::input::{read_public_keys, read_tokens};
use crate::ledger;
use crate::output::say;

/// Runs an activation command.
///
/// `--license` may hold several licences (a licence file): `request`
/// writes one request per licence, one per line; `respond` answers each
/// request with the licence of its serial; `accept` takes each response
/// with the licence it activates.
pub fn run(command: &ActivateCommand) -> Result<(), CliError> {
    match command {
        ActivateCommand::Request(args) => {
            for licence in each_licence(&args.license)? {
                request(args, &licence.text)?;
            }
            Ok(())
        }
        ActivateCommand::Respond(args) => {
            let licences = each_licence(&args.license)?;
            let requests = read_tokens(std::slice::from_ref(&args.request))?;
            if args.receipt.is_some() && requests.len() > 1 {
                return Err(CliError::input(format!(
                    "--receipt ends one activation: give it with one request, not {}",
                    requests.len()
                )));
            }
            // Every request's licence first: none is answered unless all can be.
            let mut pairs = Vec::with_capacity(requests.len());
            for request in &requests {
                let serial = Request::from_text(&request.text)
                    .map_err(|e| lifecycle_error(&e, format!("{}: ", request.origin)))?
                    .serial;
                pairs.push((licence_of(&licences, serial, &request.origin)?, request));
            }
            for (licence, request) in pairs {
                respond(args, &licence.text, &request.text)?;
            }
            Ok(())
        }
        ActivateCommand::Accept(args) => {
            let licences = each_licence(&args.license)?;
            let sorted = sort_inputs(read_tokens(std::slice::from_ref(&args.response))?);
            if let Some((input, error)) = sorted.malformed.first() {
                return Err(lifecycle_error(error, format!("{}: ", input.origin)));
            }
            let chain: Vec<&str> = sorted
                .artifacts
                .certificates
                .iter()
                .map(|(_, c)| c.text())
                .collect();
            if sorted.artifacts.activations.is_empty() {
                return Err(CliError::input(format!(
                    "{}: expected an activation response",
                    args.response
                )));
            }
            let mut pairs = Vec::with_capacity(sorted.artifacts.activations.len());
            for (input, activation) in &sorted.artifacts.activations {
                let licence = licence_of(&licences, activation.unverified().serial, &input.origin)?;
                pairs.push((licence, activation));
            }
            for (licence, activation) in pairs {
                let response = std::iter::once(activation.text())
                    .chain(chain.iter().copied())
                    .collect::<Vec<_>>()
                    .join("\n");
                accept(args, &licence.text, &response)?;
            }
            Ok(())
        }
        ActivateCommand::Deactivate(args) => deactivate(args),
    }
}

/// One licence given with `--license`, with the certificates given beside
/// it, as text for the commands that take one.
struct Licence {
    serial: Serial,
    text: String,
}

/// The licences in `--license` (text, @FILE or '-'), each with every
/// certificate given there.
fn each_licence(arg: &str) -> Result<Vec<Licence>, CliError> {
    let sorted = sort_inputs(read_tokens(&[arg.to_string()])?);
    if let Some((input, error)) = sorted.malformed.first() {
        return Err(lifecycle_error(error, format!("{}: ", input.origin)));
    }
    if sorted.tokens.is_empty() {
        return Err(CliError::input(format!(
            "--license {arg}: no license token"
        )));
    }
    let certificates: Vec<&str> = sorted
        .artifacts
        .certificates
        .iter()
        .map(|(_, c)| c.text())
        .collect();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    sorted
        .tokens
        .iter()
        .map(|token| {
            let serial = entitle_verify::Token::decode(&token.text, &mut buf)
                .map_err(|e| CliError::token(e, format!("--license {}", token.origin)))?
                .serial();
            let text = std::iter::once(token.text.as_str())
                .chain(certificates.iter().copied())
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Licence { serial, text })
        })
        .collect()
}

/// The licence of `serial` among those given, for the artifact from
/// `origin` that names it.
fn licence_of<'l>(
    licences: &'l [Licence],
    serial: [u8; 8],
    origin: &str,
) -> Result<&'l Licence, CliError> {
    licences
        .iter()
        .find(|l| l.serial.0 == serial)
        .ok_or_else(|| {
            CliError::input(format!(
                "{origin}: it is for license {}, which --license does not hold",
                Serial(serial)
            ))
        })
}

fn open(args: &ApplianceArgs) -> Result<Appliance, CliError> {
    Ok(crate::appliance::open(
        &args.state_dir,
        &args.machine_id,
        args.tpm.as_deref(),
    )?)
}

/// The machine's identity bytes, from the appliance's platform.
fn machine(appliance: &mut Appliance) -> Result<Vec<u8>, CliError> {
    appliance
        .machine_id()
        .map_err(|e| lifecycle_error(&e, "the machine id: "))
}

fn json_line<T: Serialize>(value: &T) -> Result<(), CliError> {
    say!(
        "{}",
        serde_json::to_string(value).map_err(|e| CliError::input(e.to_string()))?
    );
    Ok(())
}

fn request(args: &RequestArgs, licence: &str) -> Result<(), CliError> {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let (license, _) = read_license(licence, &mut buf)?;
    let mut appliance = open(&args.appliance)?;
    let machine = machine(&mut appliance)?;
    let request = appliance
        .request(
            license.serial(),
            fingerprint(license.claims().product, &machine),
        )
        .map_err(|e| lifecycle_error(&e, ""))?;
    appliance.save().map_err(|e| lifecycle_error(&e, ""))?;
    let text = request.to_text().map_err(|e| lifecycle_error(&e, ""))?;
    if args.appliance.json {
        #[derive(Serialize)]
        struct Out<'a> {
            request: &'a str,
            serial: String,
            product: &'a str,
        }
        return json_line(&Out {
            request: &text,
            serial: license.serial().to_string(),
            product: license.claims().product,
        });
    }
    say!("{text}");
    if args.qr {
        let code = qrcode::QrCode::new(text.as_bytes())
            .map_err(|e| CliError::input(format!("cannot draw the QR code: {e}")))?;
        let image = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build();
        // On standard error, so that standard output stays the request alone.
        eprintln!("{image}");
    }
    Ok(())
}

fn respond(args: &RespondArgs, licence: &str, request: &str) -> Result<(), CliError> {
    let signer = Signer::load(&args.signer)?;
    let now = args.signer.now.unwrap_or_else(unix_now);
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let (license, _) = read_license(licence, &mut buf)?;
    let request = Request::from_text(request).map_err(|e| lifecycle_error(&e, ""))?;
    if request.serial != license.serial().0 {
        return Err(lifecycle_error(
            &entitle_lifecycle::Error::Activation(format!(
                "the request is for license {}, not {}",
                Serial(request.serial),
                license.serial()
            )),
            "",
        ));
    }
    if let Some(authority) = &signer.authority {
        authority
            .allows(Capability::Activate, now, Some(license.claims()))
            .map_err(|e| lifecycle_error(&e, ""))?;
    }
    // The license names who activates it: the key that issued it (an
    // appliance refuses any other's response). Refused here, before it is
    // signed, with the appliance's reason.
    let own = [signer.key.public_key()];
    if Verifier::new(&own).authenticate(license).is_err() {
        return Err(lifecycle_error(
            &entitle_lifecycle::Error::Activation(format!(
                "it would be signed by key {}, but only the key that issued license {} ({}) activates it",
                signer.key.key_id(),
                license.serial(),
                license.key_id()
            )),
            "not signed: ",
        ));
    }
    let ended = match &args.receipt {
        Some(receipt) => Some(check_receipt(
            &read_one(receipt, "deactivation receipt")?,
            &signer,
            license.serial(),
        )?),
        None => None,
    };
    let ledger = ledger::read(&args.ledger)?;
    let entries = ledger
        .admit(&request, ended.as_ref(), args.store, now)
        .map_err(|e| lifecycle_error(&e, ""))?;
    let activation = match args.store {
        Some(store) => Activation::answer_for_store(&request, signer.key.key_id(), now, store),
        None => Activation::answer(&request, signer.key.key_id(), now),
    };
    let signed =
        Signed::sign(activation, signer.key.as_ref()).map_err(|e| lifecycle_error(&e, ""))?;
    // In the ledger before it is handed out: a crash between the two leaves
    // the ledger counting a machine that has no response, never the reverse.
    ledger::append(&args.ledger, &entries)?;
    if args.signer.json {
        #[derive(Serialize)]
        struct Out<'a> {
            response: &'a str,
            chain: Vec<String>,
            serial: String,
        }
        return json_line(&Out {
            response: signed.text(),
            chain: signer.chain(),
            serial: license.serial().to_string(),
        });
    }
    say!("{}", signer.with_chain(signed.text()));
    Ok(())
}

/// A receipt must end an activation of this license, signed by the key that
/// activation bound, and the activation itself must chain to a trusted key
/// (the vendor's, or the signer's own when it is the vendor).
fn check_receipt(text: &str, signer: &Signer, serial: Serial) -> Result<Activation, CliError> {
    let own = [signer.key.public_key()];
    let trusted = if signer.vendor_keys.is_empty() {
        &own[..]
    } else {
        &signer.vendor_keys[..]
    };
    receipt_ends(text, trusted, &signer.certs, serial)
        .map_err(|e| lifecycle_error(&e, "--receipt: "))
}

/// On the appliance: the response must answer this appliance's pending
/// request, and the license must count on this machine with it, by the
/// same decision `entitle verify --require-activation` makes.
fn accept(args: &AcceptArgs, licence: &str, response: &str) -> Result<(), CliError> {
    let keys = read_public_keys(&args.public)?;
    let mut inputs = read_tokens(&[licence.to_string()])?;
    inputs.extend(read_tokens(&[response.to_string()])?);
    let sorted = sort_inputs(inputs);
    if let Some((input, error)) = sorted.malformed.first() {
        return Err(lifecycle_error(error, format!("{}: ", input.origin)));
    }
    let [(_, activation)] = sorted.artifacts.activations.as_slice() else {
        return Err(CliError::input(format!(
            "{}: expected one activation response",
            args.response
        )));
    };
    let activation = activation.clone();
    let certificates: Vec<_> = sorted
        .artifacts
        .certificates
        .iter()
        .map(|(_, c)| c.clone())
        .collect();
    if sorted.tokens.len() != 1 {
        return Err(CliError::input(format!(
            "--license {}: expected one license token, found {}",
            args.license,
            sorted.tokens.len()
        )));
    }
    let now = args.appliance.now.unwrap_or_else(unix_now);
    let mut appliance = open(&args.appliance)?;
    let machine = machine(&mut appliance)?;
    let serial = Serial(activation.unverified().serial);
    let pending = appliance
        .pending(serial)
        .map_err(|e| lifecycle_error(&e, ""))?;
    activation
        .unverified()
        .matches(&pending)
        .map_err(|e| lifecycle_error(&e, ""))?;
    let outcome = decide_sorted(
        sorted,
        Where {
            keys: &keys,
            catalog: None,
            appliance: Some(&mut appliance),
            machine: Some(&machine),
            now,
            clock_tolerance: args.clock_tolerance,
            build_date: None,
            tenant: None,
            // Accepted as it will count: on the seat store it is bound to.
            store: activation.unverified().store,
        },
    )?;
    let kept = outcome
        .inputs
        .iter()
        .any(|i| i.kind == "license token" && i.verdict == "kept");
    if !kept {
        let mut failures = outcome.failures;
        failures.sort_by_key(|(position, _)| *position);
        return Err(failures.into_iter().map(|(_, f)| f).next().map_or_else(
            || CliError::input("the license does not count on this machine"),
            CliError::from,
        ));
    }
    appliance.accept(&activation);
    appliance.save().map_err(|e| lifecycle_error(&e, ""))?;
    // For the message: who signed the activation the decision kept.
    let by = Chains::new(&keys, &certificates, Vec::new())
        .signer_of(activation.signer(), |key| {
            activation.verify(key).map(|_| ())
        })
        .map_or_else(
            |_| activation.signer().to_string(),
            |(a, ())| a.name().to_string(),
        );
    if args.appliance.json {
        #[derive(Serialize)]
        struct Out {
            accepted: bool,
            serial: String,
            activated_by: String,
        }
        return json_line(&Out {
            accepted: true,
            serial: serial.to_string(),
            activated_by: by,
        });
    }
    say!("license {serial} is activated on this machine (by {by})");
    Ok(())
}

fn deactivate(args: &DeactivateArgs) -> Result<(), CliError> {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let (license, _) = read_license(&args.license, &mut buf)?;
    let now = args.appliance.now.unwrap_or_else(unix_now);
    let mut appliance = open(&args.appliance)?;
    let receipt = appliance
        .deactivate(license.serial(), now)
        .map_err(|e| lifecycle_error(&e, ""))?;
    if args.appliance.json {
        #[derive(Serialize)]
        struct Out<'a> {
            receipt: &'a str,
            serial: String,
        }
        return json_line(&Out {
            receipt: &receipt,
            serial: license.serial().to_string(),
        });
    }
    say!("{receipt}");
    Ok(())
}
