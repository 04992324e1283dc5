//! `entitle key export`: the vendor's public key in the forms firmware and
//! tools take, each with the key id as a comment.

use std::io::Write as _;

use entitle_issue::{public_key_to_der, public_key_to_pem};
use entitle_verify::Hex;

use crate::cli::{ExportArgs, KeyFormat};
use crate::error::CliError;
use crate::input::read_public_keys;
use crate::output::say_raw;

/// Runs the command.
pub fn export(args: &ExportArgs) -> Result<(), CliError> {
    let [key] = read_public_keys(std::slice::from_ref(&args.public))?[..] else {
        return Err(CliError::input("--public: expected one key"));
    };
    let bytes = key.to_bytes();
    let id = key.id();
    let origin = args.public.display();
    match args.format {
        KeyFormat::Rust => say_raw!(
            "// entitle vendor public key {origin}, key id {id}: the 32 raw Ed25519\n// bytes, for `include!` in firmware.\n{}",
            array(&bytes, "[", "]")
        ),
        KeyFormat::C => say_raw!(
            "/* entitle vendor public key {origin}, key id {id}: the 32 raw Ed25519 bytes. */\nstatic const unsigned char ENTITLE_VENDOR_KEY[32] = {};\n",
            array(&bytes, "{", "}").trim_end()
        ),
        KeyFormat::Hex => say_raw!("# key id {id}\n{}\n", Hex(&bytes)),
        KeyFormat::Pem => {
            let pem = public_key_to_pem(&key)?;
            say_raw!("key id {id} ({origin})\n{pem}");
        }
        KeyFormat::SpkiDer => {
            let der = public_key_to_der(&key)?;
            eprintln!("entitle: key id {id}");
            std::io::stdout()
                .lock()
                .write_all(&der)
                .map_err(|e| CliError::input(format!("cannot write: {e}")))?;
        }
    }
    Ok(())
}

/// `open 0xcb, 0xb1, ...  close`, eight bytes a line.
fn array(bytes: &[u8], open: &str, close: &str) -> String {
    let mut out = format!("{open}\n");
    for row in bytes.chunks(8) {
        let cells: Vec<String> = row.iter().map(|b| format!("0x{b:02x},")).collect();
        out.push_str(&format!("    {}\n", cells.join(" ")));
    }
    out.push_str(close);
    out.push('\n');
    out
}
