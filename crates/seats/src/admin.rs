//! The administrator's web page: plain server-rendered HTML, no script.
//! Sign in with the admin credential; see pool use, every active shared
//! session (agent, e-mail, pool, since, last heartbeat), the agents and
//! their named seats, and the audit log; select sessions and end them
//! after a confirmation; grant an agent (its credential shown once),
//! assign or take back its named seat, revoke it after a confirmation.
//!
//! A sign-in makes a session cookie (`HttpOnly`, `SameSite=Strict`, eight
//! hours); the server keeps only its SHA-256. Every form carries a token
//! derived from the session, checked on each POST.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::Error;
use crate::server::{OverTls, Server, now};
use crate::store::{Account, Action, AuditEntry, PoolUse, Role, Session, Store, hash, new_secret};

/// How long a sign-in lasts, seconds.
const SIGN_IN_FOR: u64 = 8 * 3600;
/// The cookie's name.
const COOKIE: &str = "entitle_admin";

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

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
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
    let session = cookie(headers)?;
    let account = server.sign_ins().account(&session)?;
    Some(SignedIn { session, account })
}

/// HTML-escapes text.
fn esc(text: &str) -> String {
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

/// A time for people, UTC, without a date library: days to the civil
/// calendar (Howard Hinnant's `civil_from_days`).
fn time(t: u64) -> String {
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
    format!("{year:04}-{month:02}-{d:02} {h:02}:{m:02}:{s:02} UTC")
}

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{} · entitle seats</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:72em}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}\
         .full{{color:#a00;font-weight:bold}}button{{padding:.4em 1em}}</style></head>\
         <body><h1>{}</h1>{body}</body></html>",
        esc(title),
        esc(title)
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

/// `GET /admin`: the sign-in form, or the page.
pub async fn show(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let Some(signed) = signed_in(&server, &headers) else {
        return sign_in_form("");
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
        Err(Error::Unauthorized) => {
            return sign_in_form("The account you signed in with was removed.");
        }
        Err(_) => return page("Seat server", "<p>The store cannot be read now.</p>"),
    };
    let (may_change, may_end) = (
        account.may(Action::ManageAccess),
        account.may(Action::EndSessions),
    );
    let mut body = format!(
        "<form method=\"post\" action=\"/admin/signout\" id=\"who\">{}\
         Signed in as <b>{}</b> ({}, {}) <button type=\"submit\">Sign out</button></form>",
        hidden_token(&token),
        esc(&account.name),
        esc(&account.id),
        role_words(&account)
    );
    body.push_str("<h2>Pools</h2><table><tr><th>pool</th><th>shared seats in use</th><th>named seats assigned</th><th>agents</th><th>servers (shared, named)</th></tr>");
    for p in &pools {
        let full = p.shared_in_use >= p.spec.shared;
        let servers: Vec<String> = p
            .servers
            .iter()
            .map(|f| {
                format!(
                    "{} {}, {}{}",
                    esc(&f.server),
                    f.shared,
                    f.named,
                    if f.holds { "" } else { " (lapsed)" }
                )
            })
            .collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td{}>{} of {}</td><td>{} of {}</td><td>{}</td><td>{}</td></tr>",
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
    body.push_str("</table>");
    let _ = write!(
        body,
        "<h2>Active sessions ({})</h2><form method=\"post\" action=\"/admin/end-confirm\">{}",
        sessions.len(),
        hidden_token(&token)
    );
    body.push_str(&sessions_table(&sessions, may_end));
    if may_end && !sessions.is_empty() {
        body.push_str(
            "<button type=\"submit\" id=\"end-selected\">End selected sessions…</button>",
        );
    }
    body.push_str("</form><h2>Agents</h2><table><tr><th>agent</th><th>name</th><th>e-mail</th><th>pool</th><th>named seat</th><th></th></tr>");
    for a in &agents {
        let id = esc(&a.id);
        let _ = write!(
            body,
            "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>",
            esc(&a.name),
            esc(&a.email),
            esc(&a.pool),
        );
        if may_change {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/admin/named\">{}\
                 <input type=\"hidden\" name=\"agent\" value=\"{id}\">\
                 <input type=\"hidden\" name=\"named\" value=\"{}\">\
                 {} <button type=\"submit\" id=\"named-{id}\">{}</button></form></td>\
                 <td><form method=\"post\" action=\"/admin/revoke-confirm\">{}\
                 <input type=\"hidden\" name=\"agent\" value=\"{id}\">\
                 <button type=\"submit\" id=\"revoke-{id}\">Revoke…</button></form></td></tr>",
                hidden_token(&token),
                if a.named { "0" } else { "1" },
                if a.named { "yes" } else { "no" },
                if a.named { "Take back" } else { "Assign" },
                hidden_token(&token),
            );
        } else {
            let _ = write!(
                body,
                "{}</td><td></td></tr>",
                if a.named { "yes" } else { "no" }
            );
        }
    }
    body.push_str("</table>");
    if may_change {
        body.push_str(&grant_form(&token, &pools));
    }
    if account.may(Action::ManageAccounts) {
        body.push_str(&accounts_section(&token, &accounts));
    }
    body.push_str("<h2>Audit log (newest first)</h2>");
    body.push_str(&audit_table(&audit));
    page("Seat server", &body)
}

/// An account's role and permissions, in words.
fn role_words(account: &Account) -> String {
    match account.role {
        Role::Administrator => "administrator".into(),
        Role::Manager => {
            let held: Vec<&str> = [
                (account.add_remove_users, "add/remove users"),
                (account.manage_products, "manage products"),
            ]
            .into_iter()
            .filter_map(|(held, name)| held.then_some(name))
            .collect();
            if held.is_empty() {
                "manager, no permission".into()
            } else {
                format!("manager: {}", held.join(", "))
            }
        }
    }
}

/// The accounts and the form that adds one (administrators only).
fn accounts_section(token: &str, accounts: &[Account]) -> String {
    let mut out = String::from(
        "<h2>Administrators and managers</h2><table><tr><th>account</th><th>name</th><th>role</th><th></th></tr>",
    );
    for a in accounts {
        let id = esc(&a.id);
        let remove = if a.id == Account::SITE_ADMIN {
            String::new()
        } else {
            format!(
                "<form method=\"post\" action=\"/admin/account-remove\">{}\
                 <input type=\"hidden\" name=\"account\" value=\"{id}\">\
                 <button type=\"submit\" id=\"remove-account-{id}\">Remove</button></form>",
                hidden_token(token)
            )
        };
        let _ = write!(
            out,
            "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{remove}</td></tr>",
            esc(&a.name),
            role_words(a)
        );
    }
    out.push_str("</table>");
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/admin/account-add\">{}\
         <p><label>Account id <input name=\"id\" size=\"16\"></label> \
         <label>Name <input name=\"name\" size=\"24\"></label> \
         <label>Role <select name=\"role\"><option value=\"manager\">manager</option>\
         <option value=\"administrator\">administrator</option></select></label> \
         <label><input type=\"checkbox\" name=\"users\" value=\"1\"> add/remove users</label> \
         <label><input type=\"checkbox\" name=\"products\" value=\"1\"> manage products</label> \
         <button type=\"submit\" id=\"add-account\">Add account</button></p>\
         <p>A manager grants and revokes access only with both permissions; only \
         administrators end sessions and manage accounts.</p></form>",
        hidden_token(token)
    );
    out
}

fn hidden_token(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"token\" value=\"{token}\">")
}

fn grant_form(token: &str, pools: &[PoolUse]) -> String {
    let mut form = format!(
        "<h2>Grant an agent</h2><form method=\"post\" action=\"/admin/grant\">{}\
         <p><label>Agent id <input name=\"id\" size=\"20\"></label> \
         <label>Name <input name=\"name\" size=\"24\"></label> \
         <label>E-mail <input name=\"email\" size=\"28\"></label> \
         <label>Pool <select name=\"pool\">",
        hidden_token(token)
    );
    for p in pools {
        let _ = write!(form, "<option>{}</option>", esc(&p.spec.id));
    }
    form.push_str(
        "</select></label> <button type=\"submit\" id=\"grant\">Grant</button></p>\
         <p>Granting an agent again replaces its credential.</p></form>",
    );
    form
}

/// A page saying what went wrong, with the way back.
fn refused(what: &str, error: &Error) -> Response {
    let status = match error {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::Forbidden(_) | Error::Unauthorized => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        page(
            what,
            &format!(
                "<p class=\"full\" id=\"refused\">{}</p><p><a href=\"/admin\">Back</a></p>",
                esc(&error.to_string())
            ),
        ),
    )
        .into_response()
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

/// `POST /admin/grant`: grants an agent and shows its credential, once.
pub async fn grant(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (signed, fields) = match checked_post(&server, &headers, &body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let (id, name, email, pool) = (
        field(&fields, "id").trim().to_string(),
        field(&fields, "name").trim().to_string(),
        field(&fields, "email").trim().to_string(),
        field(&fields, "pool").to_string(),
    );
    let agent = id.clone();
    match act(server, signed, move |store, by, now| {
        store.grant(by, &id, &name, &email, &pool, now)
    })
    .await
    {
        Ok(credential) => page(
            "Agent granted",
            &format!(
                "<p>{} may use the pool now. Give the agent app this credential; \
                 it is shown this once (the server keeps only its SHA-256):</p>\
                 <p><code id=\"credential\">{}</code></p><p><a href=\"/admin\">Back</a></p>",
                esc(&agent),
                esc(&credential)
            ),
        ),
        Err(error) => refused("Not granted", &error),
    }
}

/// `POST /admin/named`: assigns (`named=1`) or takes back (`named=0`) an
/// agent's named seat.
pub async fn named(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    change_agent(
        server,
        &headers,
        &body,
        "Named seat",
        |store, by, agent, fields, now| store.assign(by, agent, field(fields, "named") == "1", now),
    )
    .await
}

/// `POST /admin/revoke-confirm`: asks before revoking an agent.
pub async fn revoke_confirm(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (signed, fields) = match checked_post(&server, &headers, &body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let agent = esc(field(&fields, "agent"));
    page(
        "Revoke an agent",
        &format!(
            "<p id=\"question\">Revoke {agent}? Its credential stops working, and its \
             sessions end now.</p><form method=\"post\" action=\"/admin/revoke\">{}\
             <input type=\"hidden\" name=\"agent\" value=\"{agent}\">\
             <button type=\"submit\" id=\"confirm-revoke\">Revoke</button> \
             <a href=\"/admin\">Cancel</a></form>",
            hidden_token(&form_token(&signed.session))
        ),
    )
}

/// `POST /admin/revoke`: revokes the confirmed agent.
pub async fn revoke(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    change_agent(
        server,
        &headers,
        &body,
        "Not revoked",
        |store, by, agent, _, now| store.revoke(by, agent, now),
    )
    .await
}

/// A form that changes the agent in its `agent` field: `change` on the
/// store, then the page again, or why not under `title`.
async fn change_agent(
    server: Arc<Server>,
    headers: &HeaderMap,
    body: &str,
    title: &str,
    change: impl FnOnce(&mut Store, &Account, &str, &Fields, u64) -> Result<(), Error> + Send + 'static,
) -> Response {
    let (signed, fields) = match checked_post(&server, headers, body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let agent = field(&fields, "agent").to_string();
    match act(server, signed, move |store, by, now| {
        change(store, by, &agent, &fields, now)
    })
    .await
    {
        Ok(()) => Redirect::to("/admin").into_response(),
        Err(error) => refused(title, &error),
    }
}

fn sessions_table(sessions: &[Session], selectable: bool) -> String {
    if sessions.is_empty() {
        return "<p>No active sessions.</p>".into();
    }
    let mut out = String::from("<table><tr>");
    if selectable {
        out.push_str("<th></th>");
    }
    out.push_str("<th>agent</th><th>e-mail</th><th>pool</th><th>seat</th><th>since</th><th>last heartbeat</th><th>lease</th></tr>");
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
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"lease\">{}</td></tr>",
            esc(&s.name),
            esc(&s.email),
            esc(&s.lease.pool),
            match s.lease.kind {
                crate::Kind::Shared => "shared",
                crate::Kind::Named => "named",
            },
            time(s.lease.since),
            time(s.lease.heartbeat),
            esc(&s.lease.id)
        );
    }
    out.push_str("</table>");
    out
}

fn audit_table(entries: &[AuditEntry]) -> String {
    let mut out = String::from(
        "<table><tr><th>time</th><th>event</th><th>by</th><th>agent</th><th>lease</th><th>detail</th></tr>",
    );
    for e in entries {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
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

fn sign_in_form(error: &str) -> Response {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<p class=\"full\">{}</p>", esc(error))
    };
    page(
        "Sign in",
        &format!(
            "{error}<form method=\"post\" action=\"/admin/signin\">\
             <label>Your credential (your account's, or the file <code>admin.credential</code> in the server's state directory)<br>\
             <input type=\"password\" name=\"credential\" size=\"60\" autofocus></label>\
             <p><button type=\"submit\" id=\"sign-in\">Sign in</button></p></form>"
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
    tls: Option<Extension<OverTls>>,
    Form(form): Form<SignIn>,
) -> Response {
    let check = server.clone();
    let account = tokio::task::spawn_blocking(move || {
        check.with_store(|store, _| check.account(store, &form.credential))
    })
    .await;
    let Ok(Ok(account)) = account else {
        return (
            StatusCode::UNAUTHORIZED,
            sign_in_form("That is not the credential of an administrator or manager here."),
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
    let (signed, leases) = match checked_post(&server, &headers, &body) {
        Ok((signed, fields)) => (signed, leases(fields)),
        Err(response) => return *response,
    };
    if leases.is_empty() {
        return page(
            "Seat server",
            "<p>No session was selected.</p><p><a href=\"/admin\">Back</a></p>",
        );
    }
    let chosen = leases.clone();
    let Ok(sessions) = on_store(server, |store, now| store.sessions(now)).await else {
        return page("Seat server", "<p>The store cannot be read now.</p>");
    };
    let selected: Vec<Session> = sessions
        .into_iter()
        .filter(|s| chosen.contains(&s.lease.id))
        .collect();
    let token = form_token(&signed.session);
    let mut body = format!(
        "<p id=\"question\">End {} session{}? Their agents lose their seats now.</p>",
        selected.len(),
        if selected.len() == 1 { "" } else { "s" }
    );
    body.push_str(&sessions_table(&selected, false));
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/admin/end\"><input type=\"hidden\" name=\"token\" value=\"{token}\">"
    );
    for s in &selected {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"lease\" value=\"{}\">",
            esc(&s.lease.id)
        );
    }
    body.push_str("<button type=\"submit\" id=\"confirm-end\">End them</button> <a href=\"/admin\">Cancel</a></form>");
    page("End sessions", &body)
}

/// `POST /admin/end`: ends the confirmed sessions.
pub async fn end(State(server): State<Arc<Server>>, headers: HeaderMap, body: String) -> Response {
    let (signed, leases) = match checked_post(&server, &headers, &body) {
        Ok((signed, fields)) => (signed, leases(fields)),
        Err(response) => return *response,
    };
    match act(server, signed, move |store, by, now| {
        store.end(by, &leases, now)
    })
    .await
    {
        Ok(_) => Redirect::to("/admin").into_response(),
        Err(error) => refused("Not ended", &error),
    }
}

/// `POST /admin/account-add`: adds an account and shows its credential,
/// once.
pub async fn add_account(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
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
        Ok(credential) => page(
            "Account added",
            &format!(
                "<p>{} may sign in here now with this credential; it is shown this once \
                 (the server keeps only its SHA-256):</p>\
                 <p><code id=\"credential\">{}</code></p><p><a href=\"/admin\">Back</a></p>",
                esc(&id),
                esc(&credential)
            ),
        ),
        Err(error) => refused("Not added", &error),
    }
}

/// `POST /admin/account-remove`.
pub async fn remove_account(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (signed, fields) = match checked_post(&server, &headers, &body) {
        Ok(checked) => checked,
        Err(response) => return *response,
    };
    let id = field(&fields, "account").to_string();
    match act(server, signed, move |store, by, now| {
        store.remove_account(by, &id, now)
    })
    .await
    {
        Ok(()) => Redirect::to("/admin").into_response(),
        Err(error) => refused("Not removed", &error),
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
    fn text_is_escaped_and_forms_decode() {
        assert_eq!(
            esc("<a href=\"x\">O'Neil & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
        assert_eq!(
            fields("token=ab&lease=x%2By&lease=a+b&bad"),
            [
                ("token".into(), "ab".into()),
                ("lease".into(), "x+y".into()),
                ("lease".into(), "a b".into())
            ]
        );
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(1_795_652_156), "2026-11-26 00:15:56 UTC");
        assert_eq!(time(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
