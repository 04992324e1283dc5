//! The admin center: server-rendered HTML in English and German (the
//! browser's language, or the switch), times in the browser's time zone.
//! Each administrator and manager signs in with their own credential and
//! sees the buttons their role allows (the store refuses the rest
//! anyway): pool use, the active sessions and the agents, searched and in
//! pages of 50, the accounts and the audit log. Every action that ends a
//! session asks first; re-granting an agent warns first; each action ends
//! with a message saying what was done.
//!
//! The files: `view.rs` the page, `actions.rs` what its forms do,
//! `html.rs` the frame and tables, `words.rs` the two languages; here,
//! signing in and the forms' checks.
//!
//! A sign-in makes a session cookie (`HttpOnly`, `SameSite=Strict`,
//! `Secure` over TLS, eight hours); the server keeps only its SHA-256.
//! Every form carries a token derived from the session, checked on each
//! POST.

mod actions;
pub(crate) mod html;
mod view;
mod words;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::Error;
use crate::server::{OverTls, Server, now};
use crate::store::{Account, Store, hash, new_secret};
use html::{esc, page};
use words::{Lang, Word};

pub use actions::{
    add_account, end, end_confirm, grant, named, named_confirm, remove_account, revoke,
    revoke_confirm,
};
pub use view::show;

/// How long a sign-in lasts, seconds.
const SIGN_IN_FOR: u64 = 8 * 3600;
/// The sign-in cookie's name.
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

/// The value of the cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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
    fn forms_decode() {
        assert_eq!(
            fields("token=ab&lease=x%2By&lease=a+b&bad"),
            [
                ("token".into(), "ab".into()),
                ("lease".into(), "x+y".into()),
                ("lease".into(), "a b".into())
            ]
        );
    }
}
