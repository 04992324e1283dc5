//! Reading what the user hands the command: dates, tokens, key files.

use std::io::Read as _;
use std::path::Path;

use entitle_issue::public_key_from_pem;
use entitle_verify::PublicKey;
use zeroize::Zeroizing;

use crate::error::Error as CliError;

/// Parses `YYYY-MM-DD` (00:00:00 UTC of that day) or an RFC 3339 time into
/// Unix seconds.
pub fn parse_date(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let timestamp = if text.len() == 10 {
        text.parse::<jiff::civil::Date>()
            .map_err(|e| e.to_string())
            .and_then(|date| {
                date.to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp())
                    .map_err(|e| e.to_string())
            })
    } else {
        text.parse::<jiff::Timestamp>().map_err(|e| e.to_string())
    };
    let timestamp = timestamp.map_err(|e| {
        format!("{text:?} is not a date: use YYYY-MM-DD or RFC 3339 (2027-01-31T12:00:00Z) ({e})")
    })?;
    u64::try_from(timestamp.as_second())
        .map_err(|_| format!("{text:?} is before 1970-01-01, which the format cannot carry"))
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", path.display())))
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
    Ok(text)
}

/// One token text and where it came from, for messages.
#[derive(Debug, Clone)]
pub struct TokenInput {
    /// The text as given (trimmed).
    pub text: String,
    /// `argument 2`, `tokens.txt line 4`, `standard input line 1`.
    pub origin: String,
    /// Its place among all the inputs of the command, for reports in input
    /// order.
    pub position: usize,
}

/// Expands TOKEN arguments: token text, `@FILE` (tokens one per line), or
/// `-` (the same from standard input).
///
/// Each line (and each argument) is read with the one paste reader,
/// `entitle_verify::artifacts`: what a mail or chat put around an artifact
/// is left out, several artifacts on a line are each taken, and a line
/// where an artifact's end is unclear is an error naming the character.
/// In files, blank lines and lines starting with `#` are skipped, a line of
/// base64url alone continues the artifact before it (wrapped by a mail
/// program), a line of prose (no run of 20 base64url characters) is
/// skipped, and any other line is kept for the decoder to name what is
/// wrong with it.
pub fn read_tokens(args: &[String]) -> Result<Vec<TokenInput>, CliError> {
    let mut tokens = Vec::new();
    let mut stdin_used = false;
    for (i, arg) in args.iter().enumerate() {
        let (text, source) = if arg == "-" {
            if stdin_used {
                return Err(CliError::input("standard input (-) can be read only once"));
            }
            stdin_used = true;
            (read_stdin()?, "standard input".to_string())
        } else if let Some(path) = arg.strip_prefix('@') {
            (read_file(Path::new(path))?, path.to_string())
        } else {
            let origin = format!("argument {}", i.saturating_add(1));
            let before = tokens.len();
            if arg.trim().contains('\n') {
                // A paste wrapped over lines: read as a file would be.
                split_lines(arg, &origin, &mut tokens)?;
            } else {
                take_artifacts(arg.trim(), &origin, &mut tokens)?;
            }
            if tokens.len() == before {
                tokens.push(TokenInput {
                    text: arg.trim().to_string(),
                    origin,
                    position: 0,
                });
            }
            continue;
        };
        let before = tokens.len();
        split_lines(&text, &source, &mut tokens)?;
        if tokens.len() == before {
            return Err(CliError::input(format!("no token found in {source}")));
        }
    }
    for (position, token) in tokens.iter_mut().enumerate() {
        token.position = position;
    }
    Ok(tokens)
}

/// The artifacts of one line; several on a line are told apart by their
/// character offset.
fn take_artifacts(line: &str, origin: &str, tokens: &mut Vec<TokenInput>) -> Result<(), CliError> {
    let found: Vec<(usize, &str)> = entitle_verify::artifacts(line)
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::new(crate::error::Exit::Invalid, format!("{origin}: {e}")))?;
    let several = found.len() > 1;
    for (offset, text) in found {
        tokens.push(TokenInput {
            text: text.to_string(),
            origin: if several {
                format!("{origin}, character {}", offset.saturating_add(1))
            } else {
                origin.to_string()
            },
            position: 0,
        });
    }
    Ok(())
}

fn is_base64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn split_lines(text: &str, source: &str, tokens: &mut Vec<TokenInput>) -> Result<(), CliError> {
    let first = tokens.len();
    // Whether the last line ended with an artifact that may go on.
    let mut open = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            open = false;
            continue;
        }
        let origin = format!("{source} line {}", n.saturating_add(1));
        let before = tokens.len();
        take_artifacts(line, &origin, tokens)?;
        if tokens.len() > before {
            open = tokens
                .last()
                .is_some_and(|t| entitle_verify::unwrap_paste(line).ends_with(t.text.as_str()));
            continue;
        }
        // A mail quote's marker, then what a paste adds around a line.
        let bare = entitle_verify::unwrap_paste(line.trim_start_matches(['>', ' ']));
        let wrapped = bare.chars().all(is_base64url) && !bare.is_empty();
        let own = tokens.len() > first;
        match tokens.last_mut() {
            Some(last) if open && wrapped && own => last.text.push_str(bare),
            _ => {
                let longest = bare
                    .split(|c: char| !is_base64url(c))
                    .map(str::len)
                    .max()
                    .unwrap_or(0);
                if longest >= 20 {
                    tokens.push(TokenInput {
                        text: line.to_string(),
                        origin,
                        position: 0,
                    });
                }
                open = false;
            }
        }
    }
    Ok(())
}

/// Reads public keys (PEM SPKI files).
pub fn read_public_keys(paths: &[std::path::PathBuf]) -> Result<Vec<PublicKey>, CliError> {
    paths
        .iter()
        .map(|path| {
            public_key_from_pem(&read_key_file(path)?)
                .map_err(|e| CliError::input(format!("{}: {e}", path.display())))
        })
        .collect()
}

/// Reads a key file as text; a binary one is named as what it likely is.
pub fn read_key_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let bytes =
        Zeroizing::new(std::fs::read(path).map_err(|e| {
            CliError::input(format!("cannot read the key {}: {e}", path.display()))
        })?);
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_string())),
        Err(_) => Err(CliError::input(format!(
            "{}: not a PEM key: the file is binary (DER?); convert it with \
             `openssl pkey -inform DER -in {0} -out key.pem` (add -pubin -pubout for a public key)",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2027-01-31"), Ok(1_801_353_600));
        assert_eq!(parse_date("2027-01-31T01:00:00+01:00"), Ok(1_801_353_600));
        assert_eq!(parse_date("2027-01-31T00:00:05Z"), Ok(1_801_353_605));
        assert!(parse_date("31.01.2027").is_err());
        assert!(parse_date("2027-02-30").is_err());
        assert!(parse_date("1969-12-31").is_err());
        assert!(parse_date("2027-01-31T00:00:00").is_err(), "no offset");
    }

    #[test]
    fn lines_and_wrapped_tokens() {
        let mut tokens = Vec::new();
        let read = split_lines(
            "# comment\nent1.AAAA\n  BBBB\n\n\"ent1.CCCC\"\nThanks, Bob\nnt1.DDDDDDDDDDDDDDDDDDDDDDDD\n> entr1.EEEE ent1.FFFF.\n",
            "f",
            &mut tokens,
        );
        assert!(read.is_ok(), "{read:?}");
        let texts: Vec<_> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "ent1.AAAABBBB",
                "ent1.CCCC",
                "nt1.DDDDDDDDDDDDDDDDDDDDDDDD",
                "entr1.EEEE",
                "ent1.FFFF"
            ]
        );
        assert_eq!(tokens[1].origin, "f line 5");
        assert_eq!(tokens[4].origin, "f line 8, character 14");
        let mut tokens = Vec::new();
        let error = split_lines("ent1.AAAA*BBBB\n", "f", &mut tokens).unwrap_err();
        assert!(
            error
                .message
                .contains("f line 1: the artifact stops making sense at character 10"),
            "{}",
            error.message
        );
    }
}
