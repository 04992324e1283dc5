//! The portal's pages. Every function button carries
//! `data-function="…"` (the names of `ViewFunction`), so that a test and a
//! screen reader find the same thing the eye does.

use std::fmt::Write as _;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use entitle_lifecycle::{Role, ViewFunction};
use entitle_seats::{STYLE, esc};
use entitle_verify::Utc;

use super::words::Lang;
use crate::downloads::Version;
use crate::portal::{Actor, Held, Listing, Vendor};
use crate::standing::{Standing, Status};
use crate::store::Quote;

/// A date, `YYYY-MM-DD`.
fn date(t: u64) -> String {
    Utc(t).to_string().chars().take(10).collect()
}

/// What the pages may load and where their forms may go.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A licence's cells: serial, product and edition (and tenant), seats,
/// status, term, update service.
fn cells(lang: Lang, s: &Standing) -> String {
    let tenant = s
        .tenant
        .as_deref()
        .map_or(String::new(), |t| format!(" · {}", esc(t)));
    format!(
        "<td><code>{}</code></td><td>{} {}{tenant}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td>",
        esc(&s.serial),
        esc(&s.product),
        esc(&s.edition),
        s.seats,
        s.model,
        esc(lang.word(s.status.name())),
        s.expires_at
            .map_or_else(|| lang.word("perpetual").to_string(), date),
        s.updates_until
            .map_or_else(|| lang.word("all_builds").to_string(), date),
    )
}

/// Text for a URL's query (letters, digits and `-._~` as they are).
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The heads of [`cells`].
fn head_cells(lang: Lang) -> String {
    ["serial", "product", "seats", "status", "term", "service"]
        .iter()
        .map(|w| format!("<th>{}</th>", esc(lang.word(w))))
        .collect()
}

/// The frame: header with the view switch at the top left, the language
/// switch and sign-out; then `body`.
fn frame(
    lang: Lang,
    actor: Option<&Actor>,
    csrf: Option<&str>,
    status: StatusCode,
    body: &str,
) -> Response {
    let mut head = String::new();
    let _ = write!(head, "<h1>{}</h1>", esc(lang.word("title")));
    if let Some(actor) = actor {
        let _ = write!(head, "<nav aria-label=\"{}\">", esc(lang.word("views")));
        for view in &actor.company.views {
            let current = if *view == actor.view {
                " aria-current=\"page\" class=\"current\""
            } else {
                ""
            };
            let _ = write!(
                head,
                "<a href=\"/?view={}\" data-view=\"{}\"{current}>{} View</a>",
                view.name(),
                view.name(),
                esc(lang.view(*view))
            );
        }
        let _ = write!(
            head,
            "</nav><span>{} · {}</span><form method=\"post\" action=\"/signout\">{}<button class=\"quiet\">{}</button></form>",
            esc(&actor.user.name),
            esc(&actor.company.name),
            csrf.map_or(String::new(), |c| hidden(actor, c)),
            esc(lang.word("sign_out"))
        );
    }
    let view = actor.map_or(String::new(), |a| format!("&view={}", a.view.name()));
    document(lang, &head, &view, status, body)
}

/// The page around `head` (the header's start) and `body`, with the
/// language switch (keeping `query`).
fn document(lang: Lang, head: &str, query: &str, status: StatusCode, body: &str) -> Response {
    let other = match lang {
        Lang::En => ("de", "Deutsch"),
        Lang::De => ("en", "English"),
    };
    let switch = format!(
        "<a href=\"/?lang={}{query}\" lang=\"{}\">{}</a>",
        other.0, other.0, other.1
    );
    let page = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{}</title><style>{STYLE}nav a{{margin-right:.8em}}nav a.current{{font-weight:700;text-decoration:none;border-bottom:3px solid var(--accent)}}\
.qr svg{{max-width:16em;height:auto}}textarea{{width:100%;font-family:monospace}}</style></head>\
<body><header>{head}{switch}</header><main>{body}</main></body></html>",
        lang.code(),
        esc(lang.word("title"))
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            // No script, no framing (a confirmation clicked through a
            // frame), forms only to the portal itself.
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(page),
    )
        .into_response()
}

/// The vendor's own view: every licence (searched), renewal, the quote
/// requests.
pub fn vendor(
    lang: Lang,
    vendor: &Vendor,
    query: &str,
    found: &[Held],
    quotes: &[Quote],
    csrf: &str,
) -> Response {
    let mut rows = String::new();
    for h in found {
        let s = &h.standing;
        let _ = write!(
            rows,
            "<tr data-serial=\"{}\" data-status=\"{}\">{}\
<td><form method=\"post\" action=\"/renew\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"serial\" value=\"{}\">\
<input name=\"expires\" placeholder=\"YYYY-MM-DD\" size=\"10\" required> <input name=\"updates_until\" placeholder=\"YYYY-MM-DD\" size=\"10\"> <button data-function=\"renew\">{}</button></form></td></tr>",
            esc(&s.serial),
            s.status.name(),
            cells(lang, s),
            esc(csrf),
            esc(&s.serial),
            esc(lang.word("renew")),
        );
    }
    let mut asked = String::new();
    for q in quotes.iter().rev().take(50) {
        let _ = write!(
            asked,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            date(q.at),
            esc(&q.company),
            esc(&q.email),
            esc(&q.view),
            esc(&q.serials),
            esc(&q.note)
        );
    }
    let body = format!(
        "<section><h2>{}</h2><form method=\"get\" action=\"/\"><input name=\"q\" value=\"{}\" placeholder=\"{}\"> <button class=\"quiet\">{}</button></form>\
<table><thead><tr>{}<th>{}</th></tr></thead><tbody>{rows}</tbody></table>\
<p class=\"note\">{}</p></section><section><h2>{}</h2><p><a href=\"/quotes.csv\">quotes.csv</a></p><table><tbody>{asked}</tbody></table></section>",
        esc(lang.word("licences")),
        esc(query),
        esc(lang.word("search_hint")),
        esc(lang.word("search")),
        head_cells(lang),
        esc(lang.word("renew")),
        esc(lang.word("renew_note")),
        esc(lang.word("quotes")),
    );
    let head = format!(
        "<h1>{}</h1><nav><a class=\"current\" aria-current=\"page\" href=\"/\">{}</a></nav><span>{} · {}</span><form method=\"post\" action=\"/signout\"><button class=\"quiet\">{}</button></form>",
        esc(lang.word("title")),
        esc(lang.word("vendor_view")),
        esc(&vendor.user.name),
        esc(&vendor.company.name),
        esc(lang.word("sign_out"))
    );
    document(lang, &head, "", StatusCode::OK, &body)
}

/// A renewal signed by the vendor.
pub fn renewed(lang: Lang, vendor: &Vendor, serial: &str, text: &str) -> Response {
    let body = format!(
        "<section><p class=\"flash\" id=\"done\">{} <code>{}</code></p><p><textarea id=\"renewal\" rows=\"3\" readonly>{}</textarea></p><p><a href=\"/\">{}</a></p></section>",
        esc(lang.word("renewed_done")),
        esc(serial),
        esc(text),
        esc(lang.word("back"))
    );
    let head = format!(
        "<h1>{}</h1><span>{} · {}</span>",
        esc(lang.word("title")),
        esc(&vendor.user.name),
        esc(&vendor.company.name)
    );
    document(lang, &head, "", StatusCode::OK, &body)
}

/// The sign-in form, with a message.
pub fn sign_in(lang: Lang, message: Option<&str>, status: StatusCode) -> Response {
    let note = message.map_or(String::new(), |m| {
        format!("<p class=\"refused\">{}</p>", esc(m))
    });
    let body = format!(
        "<section><h2>{}</h2>{note}<form method=\"post\" action=\"/signin\">\
<p><label>{}<br><input name=\"email\" type=\"email\" autocomplete=\"username\" required></label></p>\
<p><label>{}<br><input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label></p>\
<p><button id=\"sign-in\">{}</button></p></form></section>",
        esc(lang.word("sign_in")),
        esc(lang.word("email")),
        esc(lang.word("password")),
        esc(lang.word("sign_in"))
    );
    frame(lang, None, None, status, &body)
}

/// Why an action was not done.
pub fn refused(lang: Lang, status: StatusCode, why: &str) -> Response {
    let body = format!(
        "<section><h2>{}</h2><p class=\"refused\" id=\"refused\">{}</p><p><a href=\"/\">{}</a></p></section>",
        esc(lang.word("refused_title")),
        esc(why),
        esc(lang.word("back"))
    );
    frame(lang, None, None, status, &body)
}

fn hidden(actor: &Actor, csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"view\" value=\"{}\">",
        esc(csrf),
        actor.view.name()
    )
}

fn back(lang: Lang, actor: &Actor) -> String {
    format!(
        "<p><a href=\"/?view={}\">{}</a></p>",
        actor.view.name(),
        esc(lang.word("back"))
    )
}

/// The licences of a view and the functions the view offers.
pub fn licences(
    lang: Lang,
    actor: &Actor,
    (listing, query): (&Listing, &str),
    choices: &[Standing],
    csrf: &str,
) -> Response {
    let held = &listing.held;
    let offers = |f| actor.view.offers(f);
    let selectable = offers(ViewFunction::ServiceQuote) || offers(ViewFunction::DestroyKeys);
    let mut rows = String::new();
    for h in held {
        let s = &h.standing;
        let tick = if selectable {
            format!(
                "<td><input type=\"checkbox\" form=\"chosen\" name=\"serial\" value=\"{}\"></td>",
                esc(&s.serial)
            )
        } else {
            "<td></td>".to_string()
        };
        let download = if offers(ViewFunction::Download) {
            format!(
                "<a data-function=\"download\" href=\"/downloads?view={}&amp;serial={}\">{}</a>",
                actor.view.name(),
                esc(&s.serial),
                esc(lang.function(ViewFunction::Download))
            )
        } else {
            String::new()
        };
        let where_: String = h
            .machines
            .iter()
            .map(|m| {
                format!(
                    "<br><small class=\"note\"><code>{}…</code> {}</small>",
                    esc(&m.fingerprint),
                    date(m.since)
                )
            })
            .collect();
        let renewal = if s.status == Status::Renewed {
            format!(
                " <a data-renewal href=\"/renewal?view={}&amp;serial={}\">{}</a>",
                actor.view.name(),
                esc(&s.serial),
                esc(lang.word("renewal"))
            )
        } else {
            String::new()
        };
        let _ = write!(
            rows,
            "<tr data-serial=\"{}\" data-status=\"{}\">{tick}{}<td>{} {}{where_}</td><td>{download}{renewal}</td></tr>",
            esc(&s.serial),
            s.status.name(),
            cells(lang, s),
            h.machines.len(),
            esc(lang.word("machines")),
        );
    }
    let table = if held.is_empty() {
        format!("<p class=\"note\">{}</p>", esc(lang.word("none")))
    } else {
        format!(
            "<p class=\"note\">{}</p><table><thead><tr><th></th>{}<th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
            esc(if selectable { lang.word("choose") } else { "" }),
            head_cells(lang),
            esc(lang.word("activated")),
        )
    };
    let mut functions = String::new();
    if selectable {
        let _ = write!(
            functions,
            "<form id=\"chosen\" method=\"post\">{}",
            hidden(actor, csrf)
        );
        if offers(ViewFunction::ServiceQuote) {
            let _ = write!(
                functions,
                "<p><label>{}<br><textarea name=\"note\" rows=\"2\"></textarea></label></p><button data-function=\"service_quote\" formaction=\"/quote\">{}</button> ",
                esc(lang.word("note")),
                esc(lang.function(ViewFunction::ServiceQuote))
            );
        }
        if offers(ViewFunction::DestroyKeys) {
            let _ = write!(
                functions,
                "<button class=\"danger\" data-function=\"destroy_keys\" formaction=\"/destroy\">{}</button>",
                esc(lang.function(ViewFunction::DestroyKeys))
            );
        }
        functions.push_str("</form>");
    }
    if offers(ViewFunction::Activation) {
        let _ = write!(
            functions,
            "<section><h2>{}</h2><form method=\"post\" action=\"/activate\">{}\
<p><label>{}<br><textarea name=\"request\" rows=\"3\" required></textarea></label></p>\
<p><label>{}<br><textarea name=\"receipt\" rows=\"2\"></textarea></label></p>\
<button data-function=\"activation\">{}</button></form></section>",
            esc(lang.function(ViewFunction::Activation)),
            hidden(actor, csrf),
            esc(lang.word("request")),
            esc(lang.word("receipt")),
            esc(lang.function(ViewFunction::Activation))
        );
    }
    // The seed's cell, and for a customer or integrator its footnote: an
    // annual-model licence held.
    let extra_keys = offers(ViewFunction::ExtraKeys)
        && (actor.view == Role::ServiceProvider || !choices.is_empty());
    if extra_keys {
        let mut options = String::new();
        for s in choices {
            let _ = write!(
                options,
                "<option value=\"{}\">{} {} {} · {}</option>",
                esc(&s.serial),
                esc(&s.serial),
                esc(&s.product),
                esc(&s.edition),
                s.expires_at
                    .map_or_else(|| lang.word("perpetual").to_string(), date)
            );
        }
        let _ = write!(
            functions,
            "<section><h2>{}</h2><form method=\"post\" action=\"/extra-key\">{}\
<p><label>{}<br><select name=\"serial\">{options}</select></label> <label>{}<br><input name=\"seats\" type=\"number\" min=\"1\" value=\"1\" required></label></p>\
<button data-function=\"extra_keys\">{}</button></form></section>",
            esc(lang.function(ViewFunction::ExtraKeys)),
            hidden(actor, csrf),
            esc(lang.word("beside")),
            esc(lang.word("seats")),
            esc(lang.function(ViewFunction::ExtraKeys))
        );
    }
    let view = actor.view.name();
    let search = format!(
        "<form method=\"get\" action=\"/\"><input type=\"hidden\" name=\"view\" value=\"{view}\"><input name=\"q\" value=\"{}\" placeholder=\"{}\"> <button class=\"quiet\">{}</button></form>",
        esc(query),
        esc(lang.word("search_hint_view")),
        esc(lang.word("search"))
    );
    let mut pager = String::new();
    if listing.pages > 1 {
        let link = |page: u64, word: &str| {
            format!(
                "<a data-page=\"{page}\" href=\"/?view={view}&amp;q={}&amp;page={page}\">{}</a>",
                query_escape(query),
                esc(word)
            )
        };
        let _ = write!(pager, "<p class=\"pager\">");
        if listing.page > 0 {
            pager.push_str(&link(listing.page - 1, lang.word("previous")));
        }
        let _ = write!(
            pager,
            "<span>{} {} / {} · {} {}</span>",
            esc(lang.word("page")),
            listing.page + 1,
            listing.pages,
            listing.total,
            esc(lang.word("counted"))
        );
        if listing.page + 1 < listing.pages {
            pager.push_str(&link(listing.page + 1, lang.word("next")));
        }
        pager.push_str("</p>");
    }
    let body = format!(
        "<section><h2>{} — {} View</h2>{search}{pager}{table}{pager}{functions}</section><p><a href=\"/revocations.txt\">{}</a></p>",
        esc(lang.word("licences")),
        esc(lang.view(actor.view)),
        esc(lang.word("list"))
    );
    frame(lang, Some(actor), Some(csrf), StatusCode::OK, &body)
}

/// A page handing over what an action signed, for the appliance: a
/// heading, a message, the text (in `<textarea id="{id}">`) and `after`.
fn handed_over(
    lang: Lang,
    actor: &Actor,
    function: ViewFunction,
    message: &str,
    (id, text): (&str, &str),
    after: &str,
) -> Response {
    let body = format!(
        "<section><h2>{}</h2><p class=\"flash\" id=\"done\">{}</p><p><textarea id=\"{id}\" rows=\"4\" readonly>{}</textarea></p>{after}{}</section>",
        esc(lang.function(function)),
        esc(message),
        esc(text),
        back(lang, actor)
    );
    frame(lang, Some(actor), None, StatusCode::OK, &body)
}

/// The signed activation response, as text and as a QR code.
pub fn activated(lang: Lang, actor: &Actor, response: &str) -> Response {
    let qr = qrcode::QrCode::new(response.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .build()
        })
        .unwrap_or_default();
    handed_over(
        lang,
        actor,
        ViewFunction::Activation,
        lang.word("response"),
        ("response", response),
        &format!("<div class=\"qr\">{qr}</div>"),
    )
}

/// A free extra key and its certificate, for the appliance.
pub fn extra_key(lang: Lang, actor: &Actor, text: &str) -> Response {
    handed_over(
        lang,
        actor,
        ViewFunction::ExtraKeys,
        lang.word("extra_done"),
        ("extra", text),
        "",
    )
}

/// A message after an action.
pub fn message(lang: Lang, actor: &Actor, text: &str) -> Response {
    let body = format!(
        "<section><p class=\"flash\" id=\"done\">{}</p>{}</section>",
        esc(text),
        back(lang, actor)
    );
    frame(lang, Some(actor), None, StatusCode::OK, &body)
}

/// Asks before licence keys are destroyed.
pub fn confirm_destroy(lang: Lang, actor: &Actor, serials: &[String], csrf: &str) -> Response {
    let mut list = String::new();
    let mut inputs = String::new();
    for serial in serials {
        let _ = write!(list, "<li><code>{}</code></li>", esc(serial));
        let _ = write!(
            inputs,
            "<input type=\"hidden\" name=\"serial\" value=\"{}\">",
            esc(serial)
        );
    }
    let body = format!(
        "<section><h2>{}</h2><p class=\"refused\">{}</p><ul>{list}</ul><form method=\"post\" action=\"/destroy\">{}{inputs}\
<input type=\"hidden\" name=\"confirmed\" value=\"yes\"><button class=\"danger\" id=\"confirm\">{}</button> <a href=\"/?view={}\">{}</a></form></section>",
        esc(lang.function(ViewFunction::DestroyKeys)),
        esc(lang.word("confirm_destroy")),
        hidden(actor, csrf),
        esc(lang.word("yes_destroy")),
        actor.view.name(),
        esc(lang.word("cancel"))
    );
    frame(lang, Some(actor), None, StatusCode::OK, &body)
}

/// The revocation list after licence keys were destroyed.
pub fn destroyed(lang: Lang, actor: &Actor, list: &str) -> Response {
    handed_over(
        lang,
        actor,
        ViewFunction::DestroyKeys,
        lang.word("destroyed"),
        ("list", list),
        "<p><a href=\"/revocations.txt\">revocations.txt</a></p>",
    )
}

/// The versions a licence's update service covers, with checksums.
pub fn downloads(lang: Lang, actor: &Actor, serial: &str, versions: &[Version]) -> Response {
    let mut rows = String::new();
    for version in versions {
        for file in &version.files {
            let _ = write!(
                rows,
                "<tr><td>{}</td><td>{}</td><td><a data-file=\"{}\" href=\"/download/{}/{}/{}?view={}\">{}</a></td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&version.name),
                date(version.build_date),
                esc(&file.name),
                esc(serial),
                esc(&version.name),
                esc(&file.name),
                actor.view.name(),
                esc(&file.name),
                file.size,
                esc(&file.sha256),
            );
        }
    }
    let table = if rows.is_empty() {
        format!("<p class=\"note\">{}</p>", esc(lang.word("no_downloads")))
    } else {
        format!(
            "<table><thead><tr><th>{}</th><th>Build</th><th>{}</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>{rows}</tbody></table>",
            esc(lang.word("version")),
            esc(lang.word("file"))
        )
    };
    let body = format!(
        "<section><h2>{} — <code>{}</code></h2>{table}{}</section>",
        esc(lang.function(ViewFunction::Download)),
        esc(serial),
        back(lang, actor)
    );
    frame(lang, Some(actor), None, StatusCode::OK, &body)
}
