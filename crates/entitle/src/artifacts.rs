//! Sorting inputs into tokens and life-cycle artifacts, and reading the
//! artifacts a command names (`--cert`, `--license`, a receipt).

use std::path::PathBuf;

use entitle_lifecycle::{
    Activation, Certificate, Error, ErrorKind, Receipt, Renewal, RevocationList, Signed,
};
use entitle_verify::{ArtifactKind, MAX_TOKEN_BYTES, Token};

use crate::error::{Error as CliError, Exit};
use crate::input::{TokenInput, read_file, read_tokens};

/// A life-cycle error as a CLI failure with the right exit code.
pub fn lifecycle_error(error: &Error, context: impl std::fmt::Display) -> CliError {
    let exit = match error.kind() {
        ErrorKind::Invalid => Exit::Invalid,
        ErrorKind::NotValidNow => Exit::NotValidNow,
        ErrorKind::Input => Exit::Input,
        ErrorKind::Incomplete => Exit::Incomplete,
    };
    CliError::new(exit, format!("{context}{error}"))
}

/// Life-cycle artifacts, decoded (not yet verified), with where each came from.
#[derive(Debug, Default)]
pub struct Artifacts {
    /// Partner certificates.
    pub certificates: Vec<(TokenInput, Signed<Certificate>)>,
    /// Renewals.
    pub renewals: Vec<(TokenInput, Signed<Renewal>)>,
    /// Revocation lists.
    pub revocations: Vec<(TokenInput, Signed<RevocationList>)>,
    /// Activation responses.
    pub activations: Vec<(TokenInput, Signed<Activation>)>,
    /// Deactivation receipts.
    pub receipts: Vec<(TokenInput, Signed<Receipt>)>,
}

/// Inputs sorted by kind, by their prefix ([`ArtifactKind::of`]).
#[derive(Debug, Default)]
pub struct Sorted {
    /// Token texts (and texts that are no known artifact: the token
    /// decoder names what is wrong with them).
    pub tokens: Vec<TokenInput>,
    /// The other artifacts, decoded.
    pub artifacts: Artifacts,
    /// Artifacts that could not be decoded, or that are no license material.
    pub malformed: Vec<(TokenInput, Error)>,
}

fn push<T: entitle_lifecycle::Artifact>(
    list: &mut Vec<(TokenInput, Signed<T>)>,
    malformed: &mut Vec<(TokenInput, Error)>,
    input: TokenInput,
) {
    match Signed::decode(&input.text) {
        Ok(artifact) => list.push((input, artifact)),
        Err(e) => malformed.push((input, e)),
    }
}

/// Sorts TOKEN arguments into tokens and artifacts. An input that looks
/// like an artifact but cannot be read is refused, never skipped.
pub fn sort_inputs(inputs: Vec<TokenInput>) -> Sorted {
    let mut sorted = Sorted::default();
    let a = &mut sorted.artifacts;
    for input in inputs {
        match ArtifactKind::of(&input.text) {
            Some(ArtifactKind::Certificate) => {
                push(&mut a.certificates, &mut sorted.malformed, input);
            }
            Some(ArtifactKind::Renewal) => push(&mut a.renewals, &mut sorted.malformed, input),
            Some(ArtifactKind::RevocationList) => {
                push(&mut a.revocations, &mut sorted.malformed, input);
            }
            Some(ArtifactKind::Activation) => {
                push(&mut a.activations, &mut sorted.malformed, input);
            }
            Some(ArtifactKind::Receipt) => push(&mut a.receipts, &mut sorted.malformed, input),
            Some(ArtifactKind::Lease) => sorted.malformed.push((
                input,
                Error::Malformed {
                    what: "license material",
                    detail: "a seat lease is checked with `entitle lease verify`; \
                             it is no license material"
                        .into(),
                },
            )),
            Some(ArtifactKind::Request) => sorted.malformed.push((
                input,
                Error::Malformed {
                    what: "license material",
                    detail: "an activation request is answered with `entitle activate respond`; \
                             it is no license material"
                        .into(),
                },
            )),
            Some(ArtifactKind::Token) | None => sorted.tokens.push(input),
        }
    }
    sorted
}

/// Reads certificate files (lines starting `entc1.`; other lines are ignored).
pub fn read_certificates(paths: &[PathBuf]) -> Result<Vec<Signed<Certificate>>, CliError> {
    let mut certs = Vec::new();
    for path in paths {
        let text = read_file(path)?;
        let before = certs.len();
        for line in text
            .lines()
            .filter(|l| ArtifactKind::of(l) == Some(ArtifactKind::Certificate))
        {
            certs.push(
                Signed::decode(line)
                    .map_err(|e| lifecycle_error(&e, format!("{}: ", path.display())))?,
            );
        }
        if certs.len() == before {
            return Err(CliError::input(format!(
                "{}: no certificate (entc1.) in it",
                path.display()
            )));
        }
    }
    Ok(certs)
}

/// Reads exactly one artifact or token text from an argument.
pub fn read_one(arg: &str, what: &str) -> Result<String, CliError> {
    let inputs = read_tokens(std::slice::from_ref(&arg.to_string()))?;
    match inputs.as_slice() {
        [one] => Ok(one.text.clone()),
        _ => Err(CliError::input(format!(
            "{arg}: expected one {what}, found {}",
            inputs.len()
        ))),
    }
}

/// Decodes the license token given with `--license`.
pub fn read_license<'b>(
    arg: &str,
    buf: &'b mut [u8; MAX_TOKEN_BYTES],
) -> Result<(Token<'b>, Vec<String>), CliError> {
    let inputs = read_tokens(std::slice::from_ref(&arg.to_string()))?;
    let sorted = sort_inputs(inputs);
    let [license] = sorted.tokens.as_slice() else {
        return Err(CliError::input(format!(
            "--license {arg}: expected one license token, found {}",
            sorted.tokens.len()
        )));
    };
    let token = Token::decode(&license.text, buf).map_err(|e| CliError::token(e, "--license"))?;
    let certs = sorted
        .artifacts
        .certificates
        .iter()
        .map(|(_, c)| c.text().to_string())
        .collect();
    Ok((token, certs))
}
