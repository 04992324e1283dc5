//! The one path from text to `entitle_lifecycle::decide`: `verify`,
//! `allocate`, `activate accept`, `serve` and the C ABI read their material
//! here and get back the same decision for the same input. Nothing here
//! decides.

use std::path::Path;

use entitle_allocate::{Catalog, Supply, open_signed_catalog};
use entitle_appliance::Appliance;
use entitle_issue::unix_now;
use entitle_lifecycle::{Input, Material, Setting, decide, implicit_catalog, token_code};
use entitle_verify::{MAX_TOKEN_BYTES, Member, PublicKey, Token};
use serde::Serialize;

use crate::args::MaterialArgs;
use crate::artifacts::{Sorted, lifecycle_error, sort_inputs};
use crate::error::{Error as CliError, Exit};
use crate::input::{TokenInput, read_file, read_public_keys, read_tokens};
use crate::json::rfc3339;

/// What one input came to.
#[derive(Debug, Serialize)]
pub struct InputLine {
    /// The text as given.
    pub input: String,
    /// Where it came from: `argument 2`, `tokens.txt line 4`.
    pub origin: String,
    /// What it is: `license token`, `revocation list`, ...
    pub kind: &'static str,
    /// Its place among the inputs.
    #[serde(skip)]
    pub position: usize,
    /// `kept` or `refused`.
    pub verdict: &'static str,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reason's stable code (docs/cli.md, "Reason codes").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

/// A decision, owned, for reports.
#[derive(Debug)]
pub struct Outcome {
    /// Every input once, in input order.
    pub inputs: Vec<InputLine>,
    /// The usable pools and licenses.
    pub supply: Supply,
    /// The catalog decided with (the signed one, or the implicit one).
    pub catalog: Catalog,
    /// Things to know.
    pub warnings: Vec<entitle_allocate::Warning>,
    /// The refusals as CLI failures, with the input's position, for the
    /// exit code (the first refused input's decides).
    pub failures: Vec<(usize, CliError)>,
    /// Each license that counts: its status, term and service (ThinPrint:
    /// "Status, Service-Berechtigungen, (Service-)Laufzeiten").
    pub statuses: Vec<LicenseStatus>,
}

impl Outcome {
    /// The refused inputs, in input order, as both reports list them.
    pub fn rejected(&self) -> Vec<crate::json::Rejected> {
        self.inputs
            .iter()
            .filter(|i| i.verdict == "refused")
            .map(|i| crate::json::Rejected {
                token: i.input.clone(),
                reason: i.reason.clone().unwrap_or_default(),
                code: i.code.unwrap_or("invalid"),
            })
            .collect()
    }
}

/// One license's status, term and service, as `verify` shows them.
#[derive(Debug, Clone, Serialize)]
pub struct LicenseStatus {
    /// Serial, hex.
    pub serial: String,
    /// `active`, or `renewed` when a renewal extended it.
    pub status: &'static str,
    /// End of term (RFC 3339), null for perpetual.
    pub expires_at: Option<String>,
    /// End of service (updates; RFC 3339), null for all versions.
    pub updates_until: Option<String>,
}

/// Everything a decision needs besides the material.
pub struct Where<'w> {
    /// Trusted vendor keys.
    pub keys: &'w [PublicKey],
    /// The signed catalog, if given.
    pub catalog: Option<Catalog>,
    /// The appliance, when it keeps state.
    pub appliance: Option<&'w mut Appliance>,
    /// The machine's identity bytes, when activation is required.
    pub machine: Option<&'w [u8]>,
    /// The clock.
    pub now: u64,
    /// Clock tolerance, seconds.
    pub clock_tolerance: u64,
    /// Build date of the running software.
    pub build_date: Option<u64>,
    /// The installation's company id.
    pub tenant: Option<&'w str>,
    /// The seat store a seat server decides for
    /// ([`entitle_lifecycle::Setting::store`]).
    pub store: Option<[u8; entitle_lifecycle::STORE_ID_LEN]>,
}

/// Reads `--public`, `--catalog`, `--state-dir` and the TOKEN arguments,
/// and decides.
pub fn decide_args(args: &MaterialArgs) -> Result<Outcome, CliError> {
    decide_args_for_store(args, None)
}

/// [`decide_args`] for a seat server on the store `store`: licences bound
/// to that store count, those bound to another do not.
pub fn decide_args_for_store(
    args: &MaterialArgs,
    store: Option<[u8; entitle_lifecycle::STORE_ID_LEN]>,
) -> Result<Outcome, CliError> {
    let keys = read_public_keys(&args.public)?;
    let sorted = sort_inputs(read_tokens(&args.tokens)?);
    let catalog = args
        .catalog
        .as_deref()
        .map(|path| read_catalog(path, &keys))
        .transpose()?;
    let mut appliance = args
        .state_dir
        .as_deref()
        .map(|dir| crate::appliance::open(dir, &args.machine_id, args.tpm.as_deref()))
        .transpose()?;
    let machine = match (&mut appliance, args.require_activation) {
        (Some(appliance), true) => Some(
            appliance
                .machine_id()
                .map_err(|e| lifecycle_error(&e, "the machine id: "))?,
        ),
        _ => None,
    };
    decide_sorted(
        sorted,
        Where {
            keys: &keys,
            catalog,
            appliance: appliance.as_mut(),
            machine: machine.as_deref(),
            now: args.now.unwrap_or_else(unix_now),
            clock_tolerance: args.clock_tolerance,
            build_date: args.build_date,
            tenant: args.tenant.as_deref(),
            store,
        },
    )
}

/// Opens a signed catalog file.
pub fn read_catalog(path: &Path, keys: &[PublicKey]) -> Result<Catalog, CliError> {
    open_signed_catalog(&read_file(path)?, keys).map_err(|e| catalog_error(path, &e))
}

/// Decodes the tokens, decides, and records the decision in the appliance
/// state (then saved).
pub fn decide_sorted(sorted: Sorted, place: Where<'_>) -> Result<Outcome, CliError> {
    let mut inputs = Vec::new();
    let mut failures = Vec::new();
    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; sorted.tokens.len()];
    let mut tokens = Vec::new();
    let mut token_inputs: Vec<(usize, &TokenInput)> = Vec::new(); // (index, input)
    let mut undecodable = Vec::new();
    for (position, (input, buf)) in sorted.tokens.iter().zip(buffers.iter_mut()).enumerate() {
        match Token::decode(&input.text, buf) {
            Ok(token) => {
                tokens.push(token);
                token_inputs.push((position, input));
            }
            Err(error) => {
                undecodable.push((input, error));
                failures.push((input.position, CliError::token(error, &input.origin)));
            }
        }
    }
    let appliance = place.appliance;
    let remembered = appliance
        .as_deref()
        .map(Appliance::remembered)
        .transpose()
        .map_err(|e| lifecycle_error(&e, ""))?;
    let a = &sorted.artifacts;
    let material = Material {
        tokens,
        certificates: a.certificates.iter().map(|(_, x)| x.clone()).collect(),
        renewals: a.renewals.iter().map(|(_, x)| x.clone()).collect(),
        revocations: a.revocations.iter().map(|(_, x)| x.clone()).collect(),
        activations: a.activations.iter().map(|(_, x)| x.clone()).collect(),
        receipts: a.receipts.iter().map(|(_, x)| x.clone()).collect(),
    };
    let catalog = place
        .catalog
        .unwrap_or_else(|| implicit_catalog(&material, place.keys));
    let setting = Setting {
        trusted: place.keys,
        catalog: &catalog,
        remembered: remembered.as_ref(),
        now: place.now,
        clock_tolerance: place.clock_tolerance,
        build_date: place.build_date,
        machine: place.machine,
        tenant: place.tenant,
        store: place.store,
    };
    let decision = decide(&material, &setting);
    if let Some(appliance) = appliance {
        appliance.record(&decision);
        appliance.save().map_err(|e| lifecycle_error(&e, ""))?;
    }

    for (input, verdict) in &decision.verdicts {
        let (source, kind) = match *input {
            Input::Token(i) => (token_inputs.get(i).map(|(_, t)| *t), "license token"),
            Input::Certificate(i) => (a.certificates.get(i).map(|x| &x.0), "partner certificate"),
            Input::Renewal(i) => (a.renewals.get(i).map(|x| &x.0), "renewal"),
            Input::RevocationList(i) => (a.revocations.get(i).map(|x| &x.0), "revocation list"),
            Input::Activation(i) => (a.activations.get(i).map(|x| &x.0), "activation response"),
            Input::Receipt(i) => (a.receipts.get(i).map(|x| &x.0), "deactivation receipt"),
        };
        let Some(source) = source else { continue };
        if let Err(error) = verdict {
            failures.push((
                source.position,
                lifecycle_error(error, format!("{}: ", source.origin)),
            ));
        }
        inputs.push(InputLine {
            input: source.text.clone(),
            origin: source.origin.clone(),
            kind,
            position: source.position,
            verdict: if verdict.is_ok() { "kept" } else { "refused" },
            reason: verdict.as_ref().err().map(ToString::to_string),
            code: verdict.as_ref().err().map(entitle_lifecycle::Error::code),
        });
    }
    for (input, error) in undecodable {
        inputs.push(InputLine {
            input: input.text.clone(),
            origin: input.origin.clone(),
            kind: "license token",
            position: input.position,
            verdict: "refused",
            reason: Some(error.to_string()),
            code: Some(token_code(&error)),
        });
    }
    for (input, error) in &sorted.malformed {
        inputs.push(InputLine {
            input: input.text.clone(),
            origin: input.origin.clone(),
            kind: "artifact",
            position: input.position,
            verdict: "refused",
            reason: Some(error.to_string()),
            code: Some(error.code()),
        });
        failures.push((
            input.position,
            lifecycle_error(error, format!("{}: ", input.origin)),
        ));
    }
    inputs.sort_by_key(|line| line.position);
    let mut warnings = decision.supply.warnings.clone();
    warnings.extend(decision.warnings.iter().cloned());
    let statuses = decision
        .licenses
        .iter()
        .map(|(_, usable)| {
            let validity = usable.validity();
            LicenseStatus {
                serial: usable.serial().to_string(),
                status: if usable.renewed() {
                    "renewed"
                } else {
                    "active"
                },
                expires_at: validity.expires_at.map(rfc3339),
                updates_until: validity.updates_until.map(rfc3339),
            }
        })
        .collect();
    Ok(Outcome {
        inputs,
        supply: decision.supply,
        catalog,
        warnings,
        failures,
        statuses,
    })
}

/// A catalog error as a failure of this crate: a bad signature is an invalid
/// artifact (exit 4), anything else bad input (exit 3).
pub fn catalog_error(file: &std::path::Path, error: &entitle_allocate::Error) -> CliError {
    let exit = match error {
        entitle_allocate::Error::Signature(_) => Exit::Invalid,
        _ => Exit::Input,
    };
    CliError::new(exit, format!("{}: {error}", file.display()))
}
