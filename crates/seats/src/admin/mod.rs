//! The admin center: server-rendered HTML in English and German (the
//! browser's language, or the switch), times in the browser's time zone.
//! Each administrator and manager signs in with their own credential and
//! sees the buttons their role allows (the store refuses the rest
//! anyway): pool use, the active sessions and the agents, searched and in
//! pages of [`PAGE`], the accounts and the audit log. Every action that
//! ends a session asks first; re-granting an agent warns first; each
//! action ends with a message saying what was done.
//!
//! A sign-in makes a session cookie (`HttpOnly`, `SameSite=Strict`,
//! `Secure` over TLS, eight hours); the server keeps only its SHA-256.
//! Every form carries a token derived from the session, checked on each
//! POST.

mod html;
mod words;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::Error;
use crate::server::{OverTls, Server, now};
use crate::store::{Account, Action, Agent, PoolUse, Role, Session, Store, hash, new_secret};
use html::{
    audit_table, esc, fill, hidden_token, page, pager, query_escape, refused, role_words,
    sessions_table,
};
use words::{LANG_COOKIE, Lang, Word};

/// How long a sign-in lasts, seconds.
const SIGN_IN_FOR: u64 = 8 * 3600;
/// The sign-in cookie's name.
const COOKIE: &str = "entitle_admin";
/// Agents or sessions on one page.
pub const PAGE: usize = 50;

/// Signed-in browser sessions: SHA-256 of the cookie → when it ends and
/// the account signed in.
#[derive(Debug, Default)]
pub struct SignIns(Mutex<HashMap<[u8; 32], (u64, String)>>);

impl SignIns {
    fn start(&self, account: &str) -> Option<String> {
        let token = new_secret("").ok()?;
        let mut map = self.0.lock().ok()?;
        let now = now();
        map.retain(|_, (until, _)| *until > now);
        map.insert(
            hash(&token),
            (now.saturating_add(SIGN_IN_FOR), account.to_string()),
        );
        Some(token)
    }

    /// The account signed in with `token`, while the sign-in lasts.
    fn account(&self, token: &str) -> Option<String> {
        let now = now();
        self.0
            .lock()
            .ok()
            .and_then(|map| map.get(&hash(token)).cloned())
            .filter(|(until, _)| *until > now)
            .map(|(_, account)| account)
    }

    fn end(&self, token: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&hash(token));
        }
    }
}

/// The value of the cookie `name`.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_string())
}

/// The form token of a sign-in.
fn form_token(session: &str) -> String {
    let digest = Sha256::digest(format!("entitle admin form\0{session}").as_bytes());
    digest.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A browser's sign-in: its cookie and the account's id.
struct SignedIn {
    session: String,
    account: String,
}

fn signed_in(server: &Server, headers: &HeaderMap) -> Option<SignedIn> {
    let session = cookie(headers, COOKIE)?;
    let account = server.sign_ins().account(&session)?;
    Some(SignedIn { session, account })
}

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

/// The page after an action refused, with the store's reason.
fn not_done(lang: Lang, error: &Error) -> Response {
    let status = match error {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::Exists(_) => StatusCode::CONFLICT,
        Error::Forbidden(_) | Error::Unauthorized => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refused(lang, status, &error.to_string())
}

/// Runs `f` on the store off the async threads, as the signed-in account
/// as it is now (a removed account may do nothing).
async fn act<T: Send + 'static>(
    server: Arc<Server>,
    signed: SignedIn,
    f: impl FnOnce(&mut Store, &Account, u64) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    on_store(server, move |store, now| {
        let by = store.account_by_id(&signed.account)?;
        f(store, &by, now)
    })
    .await
}

/// Runs `f` on the store off the async threads.
async fn on_store<T: Send + 'static>(
    server: Arc<Server>,
    f: impl FnOnce(&mut Store, u64) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(move || server.with_store(f))
        .await
        .unwrap_or_else(|e| Err(Error::Store(e.to_string())))
}

/// The value of the form field `name`.
fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A confirmation page: `question`, and a form posting `fields` again to
/// `action` with the button `confirm` (its id `button`), or cancel.
fn confirm(
    lang: Lang,
    token: &str,
    question: &str,
    (action, fields): (&str, &[(&str, &str)]),
    (confirm, button): (Word, &str),
    extra: &str,
) -> Response {
    let mut hidden = hidden_token(token);
    for (name, value) in fields {
        let _ = write!(
            hidden,
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            esc(value)
        );
    }
    page(
        lang,
        "",
        &format!(
            "<section><p id=\"question\">{question}</p>{extra}\
             <form method=\"post\" action=\"{action}\">{hidden}\
             <button type=\"submit\" class=\"danger\" id=\"{button}\">{}</button> \
             <a href=\"/admin\">{}</a></form></section>",
            esc(lang.t(confirm)),
            esc(lang.t(Word::Cancel))
        ),
    )
}

/// `POST /admin/grant`: grants an agent and shows its credential, once;
/// an agent granted already is replaced only after a warning.
pub async fn grant(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let lang = Lang::of(&headers, None);
    let (signed, fields) = match checked_post(&server, &headers, &body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let agent = Agent::new(
        field(&fields, "id").trim(),
        field(&fields, "name").trim(),
        field(&fields, "email").trim(),
        field(&fields, "pool"),
    );
    let replace = field(&fields, "replace") == "1";
    let token = form_token(&signed.session);
    let asked = agent.clone();
    let result = act(server, signed, move |store, by, now| {
        match store.grant(by, &asked, replace, now) {
            Err(Error::Exists(_)) => {
                let known = store.agents()?.into_iter().find(|a| a.id == asked.id);
                Ok(Err(known))
            }
            granted => granted.map(Ok),
        }
    })
    .await;
    match result {
        Ok(Ok(credential)) => shown_once(
            lang,
            (Word::Granted, Word::GrantedText),
            &agent.id,
            &credential,
        ),
        Ok(Err(known)) => {
            let known = known.unwrap_or_else(|| agent.clone());
            confirm(
                lang,
                &token,
                &fill(
                    lang.t(Word::RegrantQuestion),
                    &[
                        ("agent", &known.id),
                        ("name", &known.name),
                        ("email", &known.email),
                    ],
                ),
                (
                    "/admin/grant",
                    &[
                        ("id", &agent.id),
                        ("name", &agent.name),
                        ("email", &agent.email),
                        ("pool", &agent.pool),
                        ("replace", "1"),
                    ],
                ),
                (Word::GrantAgain, "confirm-grant"),
                "",
            )
        }
        Err(error) => not_done(lang, &error),
    }
}

/// `POST /admin/named`: assigns (`named=1`) or takes back (`named=0`,
/// after [`named_confirm`]) an agent's named seat.
pub async fn named(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    change_agent(server, &headers, &body, |store, by, agent, fields, now| {
        let named = field(fields, "named") == "1";
        store.assign(by, agent, named, now)?;
        Ok(if named { "assigned" } else { "unassigned" })
    })
    .await
}

/// `POST /admin/named-confirm`: asks before taking a named seat back.
pub async fn named_confirm(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    ask_about_agent(
        &server,
        &headers,
        &body,
        (Word::TakeBackQuestion, "/admin/named", Some(("named", "0"))),
        (Word::TakeBackNow, "confirm-take-back"),
    )
}

/// `POST /admin/revoke-confirm`: asks before revoking an agent.
pub async fn revoke_confirm(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    ask_about_agent(
        &server,
        &headers,
        &body,
        (Word::RevokeQuestion, "/admin/revoke", None),
        (Word::RevokeNow, "confirm-revoke"),
    )
}

/// Asks `question` about the agent in the form, to post it (with `also`)
/// to `action` on the button `confirm`.
fn ask_about_agent(
    server: &Server,
    headers: &HeaderMap,
    body: &str,
    (question, action, also): (Word, &str, Option<(&str, &str)>),
    confirmed: (Word, &str),
) -> Response {
    let lang = Lang::of(headers, None);
    let (signed, fields) = match checked_post(server, headers, body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let agent = field(&fields, "agent");
    let mut posted = vec![("agent", agent)];
    posted.extend(also);
    confirm(
        lang,
        &form_token(&signed.session),
        &fill(lang.t(question), &[("agent", agent)]),
        (action, &posted),
        confirmed,
        "",
    )
}

/// `POST /admin/revoke`: revokes the confirmed agent.
pub async fn revoke(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    change_agent(server, &headers, &body, |store, by, agent, _, now| {
        store.revoke(by, agent, now)?;
        Ok("revoked")
    })
    .await
}

/// A form that changes the agent in its `agent` field: `change` on the
/// store, then the page again with the message it names.
async fn change_agent(
    server: Arc<Server>,
    headers: &HeaderMap,
    body: &str,
    change: impl FnOnce(&mut Store, &Account, &str, &Fields, u64) -> Result<&'static str, Error>
    + Send
    + 'static,
) -> Response {
    let lang = Lang::of(headers, None);
    let (signed, fields) = match checked_post(&server, headers, body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let agent = field(&fields, "agent").to_string();
    let who = agent.clone();
    match act(server, signed, move |store, by, now| {
        change(store, by, &agent, &fields, now)
    })
    .await
    {
        Ok(msg) => done(msg, &[("who", &who)]),
        Err(error) => not_done(lang, &error),
    }
}

/// The page that shows a new credential of `who`, this once.
fn shown_once(lang: Lang, (title, text): (Word, Word), who: &str, credential: &str) -> Response {
    page(
        lang,
        "",
        &format!(
            "<section><h2>{}</h2><p>{}</p><p><code id=\"credential\">{}</code></p>\
             <p><a href=\"/admin\">{}</a></p></section>",
            esc(lang.t(title)),
            fill(lang.t(text), &[("agent", who)]),
            esc(credential),
            esc(lang.t(Word::Back))
        ),
    )
}

/// Back to the page, with the message `msg` about `values`.
fn done(msg: &str, values: &[(&str, &str)]) -> Response {
    let mut to = format!("/admin?msg={msg}");
    for (name, value) in values {
        let _ = write!(to, "&{name}={}", query_escape(value));
    }
    Redirect::to(&to).into_response()
}

fn sign_in_form(lang: Lang, error: &str) -> Response {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<p class=\"refused\">{}</p>", esc(error))
    };
    page(
        lang,
        "",
        &format!(
            "<section><h2>{}</h2>{error}<form method=\"post\" action=\"/admin/signin\">\
             <label>{}<br><input type=\"password\" name=\"credential\" size=\"60\" autofocus></label>\
             <p><button type=\"submit\" id=\"sign-in\">{}</button></p></form></section>",
            esc(lang.t(Word::SignIn)),
            esc(lang.t(Word::SignInLabel)),
            esc(lang.t(Word::SignIn)),
        ),
    )
}

/// `POST /admin/signin`.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    credential: String,
}

/// Checks the credential (the site administrator's in constant time, an
/// account's by its hash) and sets the session cookie.
pub async fn sign_in(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    tls: Option<Extension<OverTls>>,
    Form(form): Form<SignIn>,
) -> Response {
    let lang = Lang::of(&headers, None);
    let check = server.clone();
    let account = tokio::task::spawn_blocking(move || {
        check.with_store(|store, _| check.account(store, &form.credential))
    })
    .await;
    let Ok(Ok(account)) = account else {
        return (
            StatusCode::UNAUTHORIZED,
            sign_in_form(lang, lang.t(Word::SignInWrong)),
        )
            .into_response();
    };
    let Some(session) = server.sign_ins().start(&account.id) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot sign in now").into_response();
    };
    let cookie = format!(
        "{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age={SIGN_IN_FOR}{}",
        if tls.is_some() { "; Secure" } else { "" }
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/admin")).into_response()
}

/// A form with the session's token and, for ending, leases. Browsers send
/// one `lease` field per checked box; axum's `Form` reads repeated fields
/// into a list only through this raw form.
fn fields(body: &str) -> Fields {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// `application/x-www-form-urlencoded` decoding of one field.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i.saturating_add(1)..i.saturating_add(3))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i = i.saturating_add(2);
                } else {
                    out.push(b);
                }
            }
            _ => out.push(b),
        }
        i = i.saturating_add(1);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A form's fields, in order, a name repeated for each checked box.
type Fields = Vec<(String, String)>;

/// The signed-in session and the fields of a POST, when its token holds.
fn checked_post(
    server: &Server,
    headers: &HeaderMap,
    body: &str,
) -> Result<(SignedIn, Fields), Box<Response>> {
    let Some(signed) = signed_in(server, headers) else {
        return Err(Box::new(Redirect::to("/admin").into_response()));
    };
    let fields = fields(body);
    let token = fields
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.as_str());
    let expected = form_token(&signed.session);
    if !token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(expected.as_bytes()))) {
        return Err(Box::new(
            (StatusCode::FORBIDDEN, "the form is not from this sign-in").into_response(),
        ));
    }
    Ok((signed, fields))
}

/// The `lease` fields (one per checked box).
fn leases(fields: Fields) -> Vec<String> {
    fields
        .into_iter()
        .filter(|(k, _)| k == "lease")
        .map(|(_, v)| v)
        .collect()
}

/// `POST /admin/end-confirm`: asks before ending the selected sessions.
pub async fn end_confirm(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let lang = Lang::of(&headers, None);
    let (signed, leases) = match checked_post(&server, &headers, &body) {
        Ok((signed, fields)) => (signed, leases(fields)),
        Err(response) => return *response,
    };
    let back = format!("<p><a href=\"/admin\">{}</a></p>", esc(lang.t(Word::Back)));
    if leases.is_empty() {
        return page(
            lang,
            "",
            &format!(
                "<section><p>{}</p>{back}</section>",
                esc(lang.t(Word::NoSelection))
            ),
        );
    }
    let chosen = leases.clone();
    let Ok(sessions) = on_store(server, |store, now| store.sessions(now)).await else {
        return page(
            lang,
            "",
            &format!("<p>{}</p>", esc(lang.t(Word::StoreUnreadable))),
        );
    };
    let selected: Vec<Session> = sessions
        .into_iter()
        .filter(|s| chosen.contains(&s.lease.id))
        .collect();
    let ids: Vec<(&str, &str)> = selected
        .iter()
        .map(|s| ("lease", s.lease.id.as_str()))
        .collect();
    confirm(
        lang,
        &form_token(&signed.session),
        &fill(
            lang.t(Word::EndQuestion),
            &[("n", &selected.len().to_string())],
        ),
        ("/admin/end", &ids),
        (Word::EndThem, "confirm-end"),
        &sessions_table(lang, &selected, false),
    )
}

/// `POST /admin/end`: ends the confirmed sessions.
pub async fn end(State(server): State<Arc<Server>>, headers: HeaderMap, body: String) -> Response {
    let lang = Lang::of(&headers, None);
    let (signed, leases) = match checked_post(&server, &headers, &body) {
        Ok((signed, fields)) => (signed, leases(fields)),
        Err(response) => return *response,
    };
    let asked = leases.len();
    match act(server, signed, move |store, by, now| {
        store.end(by, &leases, now)
    })
    .await
    {
        Ok(not_live) => done(
            "ended",
            &[("n", &asked.saturating_sub(not_live.len()).to_string())],
        ),
        Err(error) => not_done(lang, &error),
    }
}

/// `POST /admin/account-add`: adds an account and shows its credential,
/// once.
pub async fn add_account(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let lang = Lang::of(&headers, None);
    let (signed, fields) = match checked_post(&server, &headers, &body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let account = Account {
        id: field(&fields, "id").trim().to_string(),
        name: field(&fields, "name").trim().to_string(),
        role: if field(&fields, "role") == "administrator" {
            Role::Administrator
        } else {
            Role::Manager
        },
        add_remove_users: field(&fields, "users") == "1",
        manage_products: field(&fields, "products") == "1",
    };
    let id = account.id.clone();
    match act(server, signed, move |store, by, now| {
        store.add_account(by, &account, now)
    })
    .await
    {
        Ok(credential) => shown_once(
            lang,
            (Word::AccountAdded, Word::AccountAddedText),
            &id,
            &credential,
        ),
        Err(error) => not_done(lang, &error),
    }
}

/// `POST /admin/account-remove`.
pub async fn remove_account(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let lang = Lang::of(&headers, None);
    let (signed, fields) = match checked_post(&server, &headers, &body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let id = field(&fields, "account").to_string();
    let who = id.clone();
    match act(server, signed, move |store, by, now| {
        store.remove_account(by, &id, now)
    })
    .await
    {
        Ok(()) => done("account-removed", &[("who", &who)]),
        Err(error) => not_done(lang, &error),
    }
}

/// `POST /admin/signout`.
pub async fn sign_out(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Ok((signed, _)) = checked_post(&server, &headers, &body) {
        server.sign_ins().end(&signed.session);
    }
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0"),
        )],
        Redirect::to("/admin"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_pages_split() {
        assert_eq!(
            fields("token=ab&lease=x%2By&lease=a+b&bad"),
            [
                ("token".into(), "ab".into()),
                ("lease".into(), "x+y".into()),
                ("lease".into(), "a b".into())
            ]
        );
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
