//! The admin center's page: pools, the sessions and agents (searched, in
//! pages of [`PAGE`]), the grant form, the accounts and the audit log,
//! with only the buttons the signed-in account may use.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;

use super::html::{audit_table, esc, fill, hidden_token, page, pager, role_words, sessions_table};
use super::words::{LANG_COOKIE, Lang, Word};
use super::{form_token, on_store, sign_in_form, signed_in};
use crate::error::Error;
use crate::server::Server;
use crate::store::{Account, Action, Agent, PoolUse, Session};

/// Agents or sessions on one page.
pub const PAGE: usize = 50;

/// `GET /admin`'s query: the language switch, the search, the pages, and
/// the message of the action just done.
#[derive(Debug, Default, Deserialize)]
pub struct View {
    lang: Option<String>,
    q: Option<String>,
    page: Option<String>,
    spage: Option<String>,
    msg: Option<String>,
    n: Option<String>,
    who: Option<String>,
}

/// `GET /admin`: the sign-in form, or the page.
pub async fn show(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers, view.lang.as_deref());
    let mut response = render(server, &headers, lang, view).await;
    // The switch's choice is kept for the next pages.
    if let Ok(value) = format!(
        "{LANG_COOKIE}={}; SameSite=Strict; Path=/admin; Max-Age=31536000",
        lang.code()
    )
    .parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn render(server: Arc<Server>, headers: &HeaderMap, lang: Lang, view: View) -> Response {
    let Some(signed) = signed_in(&server, headers) else {
        return sign_in_form(lang, "");
    };
    let token = form_token(&signed.session);
    let data = on_store(server, move |store, now| {
        Ok((
            store.account_by_id(&signed.account)?,
            store.pools(now)?,
            store.sessions(now)?,
            store.agents()?,
            store.audit(50)?,
            store.accounts()?,
        ))
    })
    .await;
    let (account, pools, sessions, agents, audit, accounts) = match data {
        Ok(data) => data,
        Err(Error::Unauthorized) => return sign_in_form(lang, lang.t(Word::AccountRemoved)),
        Err(_) => {
            return page(
                lang,
                "",
                &format!("<p>{}</p>", esc(lang.t(Word::StoreUnreadable))),
            );
        }
    };
    let who = format!(
        "<form method=\"post\" action=\"/admin/signout\" id=\"who\">{}{} <b>{}</b> ({}) \
         <button type=\"submit\" class=\"quiet\">{}</button></form> \
         <a href=\"/admin\" id=\"refresh\">{}</a>",
        hidden_token(&token),
        esc(lang.t(Word::SignedInAs)),
        esc(&account.name),
        esc(&role_words(lang, &account)),
        esc(lang.t(Word::SignOut)),
        esc(lang.t(Word::Refresh)),
    );
    let q = view.q.as_deref().unwrap_or_default().trim().to_string();
    let mut body = flash(lang, &view);
    body.push_str(&pools_section(lang, &pools));
    let _ = write!(
        body,
        "<section><form method=\"get\" action=\"/admin\" role=\"search\">\
         <label>{} <input type=\"search\" name=\"q\" value=\"{}\" size=\"32\"></label> \
         <button type=\"submit\" id=\"search\">{}</button></form></section>",
        esc(lang.t(Word::SearchLabel)),
        esc(&q),
        esc(lang.t(Word::Search))
    );
    let found = |id: &str, name: &str, email: &str| {
        let q = q.to_lowercase();
        q.is_empty()
            || [id, name, email]
                .iter()
                .any(|text| text.to_lowercase().contains(&q))
    };
    let sessions: Vec<Session> = sessions
        .into_iter()
        .filter(|s| found(&s.lease.agent, &s.name, &s.email))
        .collect();
    let agents: Vec<Agent> = agents
        .into_iter()
        .filter(|a| found(&a.id, &a.name, &a.email))
        .collect();
    body.push_str(&sessions_section(
        lang,
        &token,
        &sessions,
        account.may(Action::EndSessions),
        (number(view.spage.as_deref()), &q),
    ));
    body.push_str(&agents_section(
        lang,
        &token,
        &agents,
        account.may(Action::ManageAccess),
        (number(view.page.as_deref()), &q),
    ));
    if account.may(Action::ManageAccess) {
        body.push_str(&grant_form(lang, &token, &pools));
    }
    if account.may(Action::ManageAccounts) {
        body.push_str(&accounts_section(lang, &token, &accounts));
    }
    let _ = write!(
        body,
        "<section><h2>{}</h2>{}</section>",
        esc(lang.t(Word::AuditLog)),
        audit_table(lang, &audit)
    );
    page(lang, &who, &body)
}

/// A page number from the query: 1 when missing or not a number.
fn number(text: Option<&str>) -> usize {
    text.and_then(|t| t.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

/// Page `page` (from 1) of `items`, and how many pages there are.
fn paged<T>(items: &[T], page: usize) -> (&[T], usize, usize) {
    let pages = items.len().div_ceil(PAGE).max(1);
    let page = page.min(pages);
    let start = (page - 1).saturating_mul(PAGE);
    let end = start.saturating_add(PAGE).min(items.len());
    (items.get(start..end).unwrap_or_default(), page, pages)
}

/// The message of the action just done, if any.
fn flash(lang: Lang, view: &View) -> String {
    let word = match view.msg.as_deref() {
        Some("ended") => Word::MsgEnded,
        Some("assigned") => Word::MsgAssigned,
        Some("unassigned") => Word::MsgUnassigned,
        Some("revoked") => Word::MsgRevoked,
        Some("account-removed") => Word::MsgAccountRemoved,
        _ => return String::new(),
    };
    format!(
        "<p class=\"flash\" id=\"flash\" role=\"status\">{}</p>",
        fill(
            lang.t(word),
            &[
                ("n", view.n.as_deref().unwrap_or_default()),
                ("agent", view.who.as_deref().unwrap_or_default()),
            ]
        )
    )
}

fn pools_section(lang: Lang, pools: &[PoolUse]) -> String {
    let mut out = format!("<section><h2>{}</h2><table><tr>", esc(lang.t(Word::Pools)));
    for word in [
        Word::Pool,
        Word::SharedInUse,
        Word::NamedAssigned,
        Word::Agents,
        Word::Servers,
    ] {
        let _ = write!(out, "<th>{}</th>", esc(lang.t(word)));
    }
    out.push_str("</tr>");
    for p in pools {
        let full = p.shared_in_use >= p.spec.shared;
        let servers: Vec<String> = p
            .servers
            .iter()
            .map(|f| {
                format!(
                    "{} <span class=\"note\">{}</span> {}, {}{}",
                    esc(if f.host.is_empty() {
                        &f.server
                    } else {
                        &f.host
                    }),
                    esc(&f.server),
                    f.shared,
                    f.named,
                    if f.holds {
                        String::new()
                    } else {
                        format!(" ({})", esc(lang.t(Word::Lapsed)))
                    }
                )
            })
            .collect();
        let of = esc(lang.t(Word::Of));
        let _ = write!(
            out,
            "<tr><td>{}</td><td{}>{} {of} {}</td><td>{} {of} {}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.spec.id),
            if full { " class=\"full\"" } else { "" },
            p.shared_in_use,
            p.spec.shared,
            p.named_assigned,
            p.spec.named,
            p.agents,
            servers.join("<br>")
        );
    }
    out.push_str("</table></section>");
    out
}

fn sessions_section(
    lang: Lang,
    token: &str,
    sessions: &[Session],
    may_end: bool,
    (page, q): (usize, &str),
) -> String {
    let (shown, page, pages) = paged(sessions, page);
    let mut out = format!(
        "<section><h2>{} ({})</h2><form method=\"post\" action=\"/admin/end-confirm\">{}",
        esc(lang.t(Word::ActiveSessions)),
        sessions.len(),
        hidden_token(token)
    );
    out.push_str(&sessions_table(lang, shown, may_end));
    if may_end && !shown.is_empty() {
        let _ = write!(
            out,
            "<button type=\"submit\" class=\"danger\" id=\"end-selected\">{}</button>",
            esc(lang.t(Word::EndSelected))
        );
    }
    out.push_str("</form>");
    out.push_str(&pager(lang, "spage", page, pages, q));
    out.push_str("</section>");
    out
}

fn agents_section(
    lang: Lang,
    token: &str,
    agents: &[Agent],
    may_change: bool,
    (page, q): (usize, &str),
) -> String {
    let (shown, page, pages) = paged(agents, page);
    let mut out = format!(
        "<section><h2>{} ({})</h2><table id=\"agents\"><tr>",
        esc(lang.t(Word::Agents)),
        agents.len()
    );
    for word in [
        Word::Agent,
        Word::Name,
        Word::Email,
        Word::Pool,
        Word::NamedSeat,
    ] {
        let _ = write!(out, "<th>{}</th>", esc(lang.t(word)));
    }
    out.push_str("<th></th></tr>");
    for a in shown {
        let id = esc(&a.id);
        let _ = write!(
            out,
            "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ",
            esc(&a.name),
            esc(&a.email),
            esc(&a.pool),
            esc(lang.t(if a.named { Word::Yes } else { Word::No })),
        );
        if may_change {
            // Taking a named seat back ends its sessions: asked first.
            let (action, word) = if a.named {
                ("/admin/named-confirm", Word::TakeBack)
            } else {
                ("/admin/named", Word::Assign)
            };
            let _ = write!(
                out,
                "<form method=\"post\" action=\"{action}\">{}\
                 <input type=\"hidden\" name=\"agent\" value=\"{id}\">\
                 <input type=\"hidden\" name=\"named\" value=\"{}\">\
                 <button type=\"submit\" class=\"quiet\" id=\"named-{id}\">{}</button></form></td>\
                 <td><form method=\"post\" action=\"/admin/revoke-confirm\">{}\
                 <input type=\"hidden\" name=\"agent\" value=\"{id}\">\
                 <button type=\"submit\" class=\"quiet\" id=\"revoke-{id}\">{}</button></form></td></tr>",
                hidden_token(token),
                if a.named { "0" } else { "1" },
                esc(lang.t(word)),
                hidden_token(token),
                esc(lang.t(Word::Revoke)),
            );
        } else {
            out.push_str("</td><td></td></tr>");
        }
    }
    out.push_str("</table>");
    out.push_str(&pager(lang, "page", page, pages, q));
    out.push_str("</section>");
    out
}

fn grant_form(lang: Lang, token: &str, pools: &[PoolUse]) -> String {
    let mut form = format!(
        "<section><h2>{}</h2><form method=\"post\" action=\"/admin/grant\">{}\
         <p><label>{} <input name=\"id\" size=\"16\" required></label> \
         <label>{} <input name=\"name\" size=\"22\" required></label> \
         <label>{} <input name=\"email\" type=\"email\" size=\"26\" required></label> \
         <label>{} <select name=\"pool\">",
        esc(lang.t(Word::GrantAnAgent)),
        hidden_token(token),
        esc(lang.t(Word::AgentId)),
        esc(lang.t(Word::Name)),
        esc(lang.t(Word::Email)),
        esc(lang.t(Word::Pool)),
    );
    for p in pools {
        let _ = write!(form, "<option>{}</option>", esc(&p.spec.id));
    }
    let _ = write!(
        form,
        "</select></label> <button type=\"submit\" id=\"grant\">{}</button></p></form></section>",
        esc(lang.t(Word::Grant))
    );
    form
}

/// The accounts and the form that adds one (administrators only).
fn accounts_section(lang: Lang, token: &str, accounts: &[Account]) -> String {
    let mut out = format!(
        "<section><h2>{}</h2><table><tr>",
        esc(lang.t(Word::Accounts))
    );
    for word in [Word::Account, Word::Name, Word::Role] {
        let _ = write!(out, "<th>{}</th>", esc(lang.t(word)));
    }
    out.push_str("<th></th></tr>");
    for a in accounts {
        let id = esc(&a.id);
        let remove = if a.id == Account::SITE_ADMIN {
            String::new()
        } else {
            format!(
                "<form method=\"post\" action=\"/admin/account-remove\">{}\
                 <input type=\"hidden\" name=\"account\" value=\"{id}\">\
                 <button type=\"submit\" class=\"quiet\" id=\"remove-account-{id}\">{}</button></form>",
                hidden_token(token),
                esc(lang.t(Word::Remove))
            )
        };
        let _ = write!(
            out,
            "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{remove}</td></tr>",
            esc(&a.name),
            esc(&role_words(lang, a))
        );
    }
    let _ = write!(
        out,
        "</table><form method=\"post\" action=\"/admin/account-add\">{}\
         <p><label>{} <input name=\"id\" size=\"14\" required></label> \
         <label>{} <input name=\"name\" size=\"22\" required></label> \
         <label>{} <select name=\"role\"><option value=\"manager\">{}</option>\
         <option value=\"administrator\">{}</option></select></label> \
         <label><input type=\"checkbox\" name=\"users\" value=\"1\"> {}</label> \
         <label><input type=\"checkbox\" name=\"products\" value=\"1\"> {}</label> \
         <button type=\"submit\" id=\"add-account\">{}</button></p>\
         <p class=\"note\">{}</p></form></section>",
        hidden_token(token),
        esc(lang.t(Word::Account)),
        esc(lang.t(Word::Name)),
        esc(lang.t(Word::Role)),
        esc(lang.t(Word::Manager)),
        esc(lang.t(Word::Administrator)),
        esc(lang.t(Word::AddRemoveUsers)),
        esc(lang.t(Word::ManageProducts)),
        esc(lang.t(Word::AddAccount)),
        esc(lang.t(Word::AccountsNote)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split() {
        let items: Vec<usize> = (0..120).collect();
        assert_eq!(paged(&items, 1), (&items[..50], 1, 3));
        assert_eq!(paged(&items, 3), (&items[100..], 3, 3));
        assert_eq!(
            paged(&items, 9),
            (&items[100..], 3, 3),
            "past the end: the last page"
        );
        assert_eq!(paged::<usize>(&[], 1).2, 1);
        assert_eq!(number(Some("x")), 1);
        assert_eq!(number(Some("0")), 1);
    }
}
