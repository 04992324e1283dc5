//! The vendor's exports as CSV: the requests for quotes and the audit log.
//! Every field is quoted; a field a spreadsheet would read as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: words a
//! customer typed into a quote request) is prefixed with `'`, so that
//! opening the export runs nothing.

use entitle_verify::Utc;

use crate::store::{AuditLine, Quote};

/// One field, quoted and defused.
fn field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

fn line(at: u64, fields: [&str; 5]) -> String {
    let mut out = Utc(at).to_string();
    for f in fields {
        out.push(',');
        out.push_str(&field(f));
    }
    out.push('\n');
    out
}

/// The requests for quotes, a header line first.
pub fn quotes(quotes: &[Quote]) -> String {
    let mut out = String::from("at,company,email,view,serials,note\n");
    for q in quotes {
        out.push_str(&line(
            q.at,
            [&q.company, &q.email, &q.view, &q.serials, &q.note],
        ));
    }
    out
}

/// The audit log, a header line first.
pub fn audit(lines: &[AuditLine]) -> String {
    let mut out = String::from("at,actor,company,view,action,detail\n");
    for l in lines {
        out.push_str(&line(
            l.at,
            [&l.actor, &l.company, &l.view, &l.action, &l.detail],
        ));
    }
    out
}
