//! The admin page's HTML: the frame (style, language switch, local
//! times), escaping, and the tables.

use std::fmt::Write as _;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::words::{Lang, Word};
use crate::store::{Account, AuditEntry, Kind, Role, Session};

/// The stylesheet: readable on a phone and a wall screen, no framework.
pub const STYLE: &str = "\
:root{--fg:#1d2330;--muted:#5b6474;--line:#dde2ea;--bg:#f6f8fb;--accent:#0b5cad;--bad:#a61b1b;--good:#1b6e2e}\
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg);margin:0}\
header{display:flex;flex-wrap:wrap;gap:1em;align-items:center;justify-content:space-between;background:#fff;border-bottom:1px solid var(--line);padding:.6em 1.5em;position:sticky;top:0}\
header h1{font-size:1.2em;margin:0}header form,header nav{display:inline-flex;gap:.6em;align-items:center;margin:0}\
main{max-width:80em;margin:0 auto;padding:1em 1.5em 3em}\
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.8em 1.2em;margin:1em 0}\
h2{font-size:1.05em;margin:.2em 0 .6em}\
table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{border-bottom:1px solid var(--line);padding:.35em .5em;text-align:left;vertical-align:middle}\
th{color:var(--muted);font-weight:600;font-size:.9em}tr:hover td{background:#f9fbfe}\
td form{display:inline;margin:0}.full{color:var(--bad);font-weight:600}\
button{font:inherit;padding:.3em .9em;border:1px solid var(--accent);border-radius:5px;background:var(--accent);color:#fff;cursor:pointer}\
button.quiet{background:#fff;color:var(--accent)}button.danger{background:var(--bad);border-color:var(--bad)}\
input,select{font:inherit;padding:.3em .4em;border:1px solid var(--line);border-radius:4px}\
.note{color:var(--muted);font-size:.9em}.flash{border-left:4px solid var(--good);background:#eef8f0;padding:.6em 1em;border-radius:4px}\
.refused{border-left:4px solid var(--bad);background:#fbeeee;padding:.6em 1em;border-radius:4px}\
.pager{display:flex;gap:1em;align-items:center}code{background:#eef1f6;padding:.1em .3em;border-radius:3px;word-break:break-all}\
a{color:var(--accent)}";

/// Shows every `<time>` in the browser's time zone; without script the
/// page shows UTC.
const LOCAL_TIMES: &str = "document.querySelectorAll('time[datetime]').forEach(function(t){\
var d=new Date(t.getAttribute('datetime'));if(!isNaN(d)){t.textContent=d.toLocaleString(document.documentElement.lang);}});";

/// HTML-escapes text.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` with each `{name}` replaced by its (escaped) value.
pub(crate) fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = esc(text);
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), &esc(value));
    }
    out
}

/// A time for people: `<time>` in UTC, which the page's script shows in
/// the browser's time zone. Days to the civil calendar after Howard
/// Hinnant's `civil_from_days`.
pub(crate) fn time(t: u64) -> String {
    let days = t / 86_400;
    let rem = t % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "<time datetime=\"{year:04}-{month:02}-{d:02}T{h:02}:{m:02}:{s:02}Z\">\
         {year:04}-{month:02}-{d:02} {h:02}:{m:02}:{s:02} UTC</time>"
    )
}

/// A whole page: the header (title, `who` with sign-out, the language
/// switch) and `body`.
pub(crate) fn page(lang: Lang, who: &str, body: &str) -> Response {
    let switch = match lang {
        Lang::En => {
            "<a href=\"/admin?lang=de\" hreflang=\"de\" id=\"lang-de\">Deutsch</a> · <b>English</b>"
        }
        Lang::De => {
            "<b>Deutsch</b> · <a href=\"/admin?lang=en\" hreflang=\"en\" id=\"lang-en\">English</a>"
        }
    };
    let title = lang.t(Word::Title);
    let html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · entitle</title><style>{STYLE}</style></head>\
         <body><header><h1>{title}</h1><nav>{who} <span>{switch}</span></nav></header>\
         <main>{body}</main><script>{LOCAL_TIMES}</script></body></html>",
        lang.code()
    );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response()
}

/// A page saying why an action was refused, with the way back.
pub(crate) fn refused(lang: Lang, status: StatusCode, why: &str) -> Response {
    (
        status,
        page(
            lang,
            "",
            &format!(
                "<section><h2>{}</h2><p class=\"refused\" id=\"refused\">{}</p>\
                 <p><a href=\"/admin\">{}</a></p></section>",
                esc(lang.t(Word::NotDone)),
                esc(why),
                esc(lang.t(Word::Back))
            ),
        ),
    )
        .into_response()
}

/// The hidden field with the form token.
pub(crate) fn hidden_token(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"token\" value=\"{token}\">")
}

/// An account's role and permissions, in words.
pub(crate) fn role_words(lang: Lang, account: &Account) -> String {
    match account.role {
        Role::Administrator => lang.t(Word::Administrator).into(),
        Role::Manager => {
            let held: Vec<&str> = [
                (account.add_remove_users, Word::AddRemoveUsers),
                (account.manage_products, Word::ManageProducts),
            ]
            .into_iter()
            .filter(|(held, _)| *held)
            .map(|(_, word)| lang.t(word))
            .collect();
            if held.is_empty() {
                format!("{}, {}", lang.t(Word::Manager), lang.t(Word::NoPermission))
            } else {
                format!("{}: {}", lang.t(Word::Manager), held.join(", "))
            }
        }
    }
}

/// The sessions, with a box to select each when `selectable`.
pub(crate) fn sessions_table(lang: Lang, sessions: &[Session], selectable: bool) -> String {
    if sessions.is_empty() {
        return format!("<p>{}</p>", esc(lang.t(Word::NoSessions)));
    }
    let mut out = String::from("<table><tr>");
    if selectable {
        out.push_str("<th></th>");
    }
    for word in [
        Word::Agent,
        Word::Email,
        Word::Pool,
        Word::Seat,
        Word::Since,
        Word::Heartbeat,
        Word::Lease,
    ] {
        let _ = write!(out, "<th>{}</th>", esc(lang.t(word)));
    }
    out.push_str("</tr>");
    for s in sessions {
        out.push_str("<tr>");
        if selectable {
            let _ = write!(
                out,
                "<td><input type=\"checkbox\" name=\"lease\" value=\"{}\"></td>",
                esc(&s.lease.id)
            );
        }
        let _ = write!(
            out,
            "<td>{} <span class=\"note\">{}</span></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td class=\"lease note\">{}</td></tr>",
            esc(&s.name),
            esc(&s.lease.agent),
            esc(&s.email),
            esc(&s.lease.pool),
            esc(lang.t(match s.lease.kind {
                Kind::Shared => Word::Shared,
                Kind::Named => Word::Named,
            })),
            time(s.lease.since),
            time(s.lease.heartbeat),
            esc(&s.lease.id)
        );
    }
    out.push_str("</table>");
    out
}

/// The audit log.
pub(crate) fn audit_table(lang: Lang, entries: &[AuditEntry]) -> String {
    let mut out = String::from("<table><tr>");
    for word in [
        Word::Time,
        Word::Event,
        Word::By,
        Word::Agent,
        Word::Lease,
        Word::Detail,
    ] {
        let _ = write!(out, "<th>{}</th>", esc(lang.t(word)));
    }
    out.push_str("</tr>");
    for e in entries {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"note\">{}</td><td>{}</td></tr>",
            time(e.at),
            esc(&e.event),
            esc(e.actor.as_deref().unwrap_or("")),
            esc(e.agent.as_deref().unwrap_or("")),
            esc(e.lease.as_deref().unwrap_or("")),
            esc(e.detail.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table>");
    out
}

/// The links to the pages before and after `page` (from 1) of `pages`,
/// keeping the search `q`; `param` names the page in the query.
pub(crate) fn pager(lang: Lang, param: &str, page: usize, pages: usize, q: &str) -> String {
    if pages <= 1 {
        return String::new();
    }
    let link = |to: usize, word: Word, id: &str| {
        format!(
            "<a href=\"/admin?{param}={to}&amp;q={}\" id=\"{id}\">{}</a>",
            esc(&query_escape(q)),
            esc(lang.t(word))
        )
    };
    let mut out = String::from("<p class=\"pager\">");
    if page > 1 {
        out.push_str(&link(
            page - 1,
            Word::Previous,
            &format!("{param}-previous"),
        ));
    }
    let _ = write!(
        out,
        "<span>{}</span>",
        fill(
            lang.t(Word::Page),
            &[("page", &page.to_string()), ("pages", &pages.to_string())]
        )
    );
    if page < pages {
        out.push_str(&link(page + 1, Word::Next, &format!("{param}-next")));
    }
    out.push_str("</p>");
    out
}

/// `text` for a URL query: unreserved bytes as they are, the rest
/// percent-encoded.
pub(crate) fn query_escape(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_filled_and_dated() {
        assert_eq!(
            esc("<a href=\"x\">O'Neil & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
        assert_eq!(
            fill("{n} of <{m}>", &[("n", "1"), ("m", "<b>")]),
            "1 of &lt;&lt;b&gt;&gt;"
        );
        assert!(time(0).contains("1970-01-01T00:00:00Z"));
        assert!(time(1_795_652_156).contains("2026-11-26 00:15:56 UTC"));
        assert!(time(951_782_400).contains("2000-02-29"));
        assert_eq!(query_escape("a b&c"), "a%20b%26c");
    }
}
