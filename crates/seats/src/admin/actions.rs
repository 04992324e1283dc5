//! What the admin center does: grant, assign and take back named seats,
//! revoke, end sessions, add and remove accounts. Every action that ends a
//! session asks first; each ends on the page with a message saying what
//! was done, or on a page saying why not.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::html::{esc, fill, hidden_token, page, query_escape, refused, sessions_table};
use super::words::{Lang, Word};
use super::{Fields, act, checked_post, field, form_token, on_store};
use crate::error::Error;
use crate::server::Server;
use crate::store::{Account, Agent, Role, Session, Store};

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
