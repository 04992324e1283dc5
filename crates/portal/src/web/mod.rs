//! The portal's web face: server-rendered HTML in English and German,
//! over the seat server's listener and TLS (`entitle_seats::server`,
//! `entitle_seats::tls`).
//!
//! A sign-in checks the password (Argon2id) and makes a session cookie
//! (`HttpOnly`, `SameSite=Strict`, `Secure` over TLS, eight hours) whose
//! SHA-256 alone is kept, in the database, so that every instance behind
//! a load balancer knows it. Five failed sign-ins for an address within 15
//! minutes refuse the next ones until the window passes. Every form
//! carries a token derived from the session, checked on each POST. The
//! views, licences and actions are `Portal`'s; here, only HTTP.

mod pages;
mod words;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use entitle_lifecycle::{Role, ViewFunction};
use entitle_seats::cookie;
use entitle_seats::server::OverTls;
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::Error;
use crate::password;
use crate::portal::{Actor, Portal, now};
pub use words::Lang;

/// How long a sign-in lasts, seconds.
const SIGN_IN_FOR: u64 = 8 * 3600;
/// The sign-in cookie.
const COOKIE: &str = "entitle_portal";
/// The language cookie.
const LANG_COOKIE: &str = "entitle_lang";
/// Failed sign-ins for one address allowed within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: u32 = 5;
/// Seconds failed sign-ins are counted over.
pub const FAILURE_WINDOW: u64 = 15 * 60;
/// Largest form accepted (an activation request and receipt are ~1 KB).
const MAX_FORM: usize = 64 * 1024;

/// How the portal listens.
#[derive(Debug, Clone)]
pub struct Listen {
    /// The address; on any address but loopback, TLS only.
    pub address: SocketAddr,
    /// TLS on loopback too.
    pub tls: bool,
    /// Host names browsers use, for the certificate made on first start.
    pub tls_names: Vec<String>,
    /// Where the certificate is kept.
    pub state_dir: PathBuf,
}

/// Serves `portal` until interrupted (Ctrl-C or SIGTERM).
pub fn run(portal: Portal, listen: &Listen) -> Result<(), Error> {
    let tls = if listen.tls || !listen.address.ip().is_loopback() {
        Some(entitle_seats::tls::for_listen(
            &listen.state_dir,
            listen.address,
            &listen.tls_names,
        )?)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the portal: {e}")))?;
    let app = router(Arc::new(portal));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen.address)
            .await
            .map_err(|e| Error::Setup(format!("cannot listen on {}: {e}", listen.address)))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Setup(e.to_string()))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("entitle: portal on {scheme}://{address}");
        if let Some(tls) = &tls {
            println!("entitle: TLS certificate SHA-256 {}", tls.fingerprint);
        }
        let stop = entitle_seats::server::interrupted();
        entitle_seats::server::serve(listener, app, tls.map(|t| t.config), stop).await;
        println!("entitle: portal stopped");
        Ok(())
    })
}

/// The routes.
pub fn router(portal: Arc<Portal>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/signin", post(sign_in))
        .route("/signout", post(sign_out))
        .route("/activate", post(activate))
        .route("/quote", post(quote))
        .route("/destroy", post(destroy))
        .route("/extra-key", post(extra_key))
        .route("/renew", post(renew))
        .route("/renewal", get(renewal))
        .route("/quotes.csv", get(quotes_csv))
        .route("/downloads", get(downloads))
        .route("/download/{serial}/{version}/{file}", get(download))
        .route("/revocations.txt", get(revocations))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM))
        .with_state(portal)
}

/// A form's fields, in order (`application/x-www-form-urlencoded`;
/// repeated names kept, as checkboxes send them).
fn fields(body: &[u8]) -> Vec<(String, String)> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (b, hex) {
                (b'+', _) => out.push(b' '),
                (b'%', Some(v)) => {
                    out.push(v);
                    i += 2;
                }
                (b, _) => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn session_hash(session: &str) -> String {
    hex(&Sha256::digest(session.as_bytes()))
}

/// The form token of a sign-in.
fn form_token(session: &str) -> String {
    hex(&Sha256::digest(
        format!("entitle portal form\0{session}").as_bytes(),
    ))
}

/// The page's language: the switch, the cookie, the browser's.
fn lang(headers: &HeaderMap, switch: Option<&str>) -> Lang {
    switch
        .and_then(Lang::from_code)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(|c| Lang::from_code(&c)))
        .unwrap_or_else(|| {
            Lang::from_accept(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
            )
        })
}

/// A signed-in request: the session's cookie and the actor.
struct Session {
    token: String,
    actor: Actor,
}

/// The signed-in user acting in `view`, or why not.
fn session(portal: &Portal, headers: &HeaderMap, view: Option<&str>) -> Result<Session, Error> {
    let (token, email) = signed_in(portal, headers)?;
    let view = match view.filter(|v| !v.is_empty()) {
        Some(name) => Some(
            name.parse::<Role>()
                .map_err(|_| Error::Refused(format!("unknown view {name:?}")))?,
        ),
        None => None,
    };
    let actor = portal.actor(&email, view)?;
    Ok(Session { token, actor })
}

/// The sign-in's cookie and the user's e-mail address.
fn signed_in(portal: &Portal, headers: &HeaderMap) -> Result<(String, String), Error> {
    let token =
        cookie(headers, COOKIE).ok_or_else(|| Error::Unauthorized("sign in first".into()))?;
    let email = portal
        .store()?
        .signed_in(&session_hash(&token), now())?
        .ok_or_else(|| Error::Unauthorized("the sign-in ended: sign in again".into()))?;
    Ok((token, email))
}

/// Refuses a form whose token is not this sign-in's.
fn check_form(token: &str, form: &[(String, String)]) -> Result<(), Error> {
    let expected = form_token(token);
    let given = field(form, "csrf").unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(Error::Refused(
            "the form is out of date or not from this portal: reload the page and try again".into(),
        ))
    }
}

/// A POST's session, with its form token checked.
fn posted(
    portal: &Portal,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<Session, Error> {
    let session = session(portal, headers, field(form, "view"))?;
    check_form(&session.token, form)?;
    Ok(session)
}

/// An error as a page: 401 shows the sign-in form.
fn refused(lang: Lang, error: &Error) -> Response {
    match error {
        Error::Unauthorized(_) => pages::sign_in(lang, None, StatusCode::UNAUTHORIZED),
        Error::Refused(why) => pages::refused(lang, StatusCode::BAD_REQUEST, why),
        other => pages::refused(lang, StatusCode::INTERNAL_SERVER_ERROR, &other.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct PageQuery {
    view: Option<String>,
    lang: Option<String>,
    serial: Option<String>,
    q: Option<String>,
    page: Option<u64>,
}

/// Runs `work` off the async threads: its answer, or its error as a page.
async fn blocking(
    lang: Lang,
    work: impl FnOnce() -> Result<Response, Error> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => refused(lang, &e),
        Err(_) => refused(lang, &Error::Store("the request failed".into())),
    }
}

/// Plain text for the appliance, or 404 saying there is none.
fn text_or(lines: &[String], none: &'static str) -> Response {
    if lines.is_empty() {
        return (StatusCode::NOT_FOUND, format!("{none}\n")).into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", lines.join("\n")),
    )
        .into_response()
}

async fn home(
    State(portal): State<Arc<Portal>>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = lang(&headers, query.lang.as_deref());
    let switch = query.lang.clone();
    let page = blocking(lang, move || {
        let (token, email) = match signed_in(&portal, &headers) {
            Ok(found) => found,
            Err(Error::Unauthorized(_)) => return Ok(pages::sign_in(lang, None, StatusCode::OK)),
            Err(e) => return Err(e),
        };
        if let Ok(vendor) = portal.vendor(&email) {
            let q = query.q.unwrap_or_default();
            let found = portal.search(&vendor, &q, now())?;
            let quotes = portal.quotes(&vendor)?;
            return Ok(pages::vendor(
                lang,
                &vendor,
                &q,
                &found,
                &quotes,
                &form_token(&token),
            ));
        }
        let session = session(&portal, &headers, query.view.as_deref())?;
        let q = query.q.unwrap_or_default();
        let now = now();
        let listing = portal.licences(&session.actor, &q, query.page.unwrap_or(0), now)?;
        let choices = portal.extra_key_choices(&session.actor, &listing, now)?;
        Ok(pages::licences(
            lang,
            &session.actor,
            (&listing, &q),
            &choices,
            &form_token(&session.token),
        ))
    })
    .await;
    with_lang(page, switch.as_deref())
}

/// Keeps a language switched to in a cookie.
fn with_lang(mut response: Response, switch: Option<&str>) -> Response {
    if let Some(lang) = switch.and_then(Lang::from_code)
        && let Ok(value) = format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
            lang.code()
        )
        .parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn sign_in(
    State(portal): State<Arc<Portal>>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = lang(&headers, None);
    let form = fields(&body);
    let email = field(&form, "email")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let given = field(&form, "password").unwrap_or_default().to_string();
    let outcome = tokio::task::spawn_blocking(move || -> Result<Option<String>, Error> {
        let now = now();
        let mut store = portal.store()?;
        if store.failures_since(&email, now.saturating_sub(FAILURE_WINDOW))? >= MAX_FAILURES {
            return Err(Error::Refused(lang.word("too_many").into()));
        }
        let user = store.user(&email)?;
        drop(store);
        // The same work whether the address exists or not.
        let stored = user
            .as_ref()
            .map_or(password::decoy(), |(_, hash)| hash.as_str());
        if !password::check(&given, stored) || user.is_none() {
            portal
                .writer()?
                .failed_sign_in(&email, now, now.saturating_sub(FAILURE_WINDOW))?;
            return Ok(None);
        }
        let mut token = [0u8; 32];
        SysRng.try_fill_bytes(&mut token).map_err(|_| {
            Error::Setup("the operating system's random number generator failed".into())
        })?;
        let token = hex(&token);
        portal.writer()?.start_sign_in(
            &session_hash(&token),
            &email,
            now.saturating_add(SIGN_IN_FOR),
        )?;
        Ok(Some(token))
    })
    .await;
    match outcome {
        Ok(Ok(Some(token))) => {
            let secure = if tls.is_some() { "; Secure" } else { "" };
            let cookie = format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SIGN_IN_FOR}{secure}"
            );
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Ok(Ok(None)) => pages::sign_in(lang, Some(lang.word("wrong")), StatusCode::UNAUTHORIZED),
        Ok(Err(Error::Refused(why))) => {
            pages::sign_in(lang, Some(&why), StatusCode::TOO_MANY_REQUESTS)
        }
        Ok(Err(e)) => refused(lang, &e),
        Err(_) => refused(lang, &Error::Store("the request failed".into())),
    }
}

async fn sign_out(State(portal): State<Arc<Portal>>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, COOKIE) {
        let _ = tokio::task::spawn_blocking(move || {
            portal
                .writer()
                .and_then(|mut s| s.end_sign_in(&session_hash(&token), now()))
        })
        .await;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0").parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Runs a POST's action off the async threads: the form, its session
/// checked, then `act`.
async fn act(
    portal: Arc<Portal>,
    headers: HeaderMap,
    body: Bytes,
    act: impl FnOnce(&Portal, &Session, &[(String, String)], Lang) -> Result<Response, Error>
    + Send
    + 'static,
) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        let form = fields(&body);
        let session = posted(&portal, &headers, &form)?;
        act(&portal, &session, &form, lang)
    })
    .await
}

async fn activate(State(portal): State<Arc<Portal>>, headers: HeaderMap, body: Bytes) -> Response {
    act(portal, headers, body, |portal, session, form, lang| {
        let request = field(form, "request").unwrap_or_default();
        let receipt = field(form, "receipt");
        let response = portal.activate(&session.actor, request, receipt, now())?;
        Ok(pages::activated(lang, &session.actor, &response))
    })
    .await
}

async fn quote(State(portal): State<Arc<Portal>>, headers: HeaderMap, body: Bytes) -> Response {
    act(portal, headers, body, |portal, session, form, lang| {
        let serials = all(form, "serial");
        portal.quote(
            &session.actor,
            &serials,
            field(form, "note").unwrap_or_default(),
            now(),
        )?;
        Ok(pages::message(
            lang,
            &session.actor,
            lang.word("quote_done"),
        ))
    })
    .await
}

async fn destroy(State(portal): State<Arc<Portal>>, headers: HeaderMap, body: Bytes) -> Response {
    act(portal, headers, body, |portal, session, form, lang| {
        let serials = all(form, "serial");
        if field(form, "confirmed") != Some("yes") {
            // Nothing is destroyed before the user confirms.
            Portal::offers(&session.actor, ViewFunction::DestroyKeys)?;
            return Ok(pages::confirm_destroy(
                lang,
                &session.actor,
                &serials,
                &form_token(&session.token),
            ));
        }
        let list = portal.destroy(&session.actor, &serials, now())?;
        Ok(pages::destroyed(lang, &session.actor, &list))
    })
    .await
}

async fn extra_key(State(portal): State<Arc<Portal>>, headers: HeaderMap, body: Bytes) -> Response {
    act(portal, headers, body, |portal, session, form, lang| {
        let serial = field(form, "serial").unwrap_or_default();
        let seats = field(form, "seats")
            .and_then(|s| s.trim().parse::<u32>().ok())
            .filter(|s| *s > 0)
            .ok_or_else(|| Error::Refused("seats: give a whole number of at least 1".into()))?;
        let text = portal.extra_key(&session.actor, serial, seats, now())?;
        Ok(pages::extra_key(lang, &session.actor, &text))
    })
    .await
}

async fn renew(State(portal): State<Arc<Portal>>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        let form = fields(&body);
        let (token, email) = signed_in(&portal, &headers)?;
        check_form(&token, &form)?;
        let vendor = portal.vendor(&email)?;
        let date = |name: &str| -> Result<Option<u64>, Error> {
            match field(&form, name).map(str::trim).filter(|d| !d.is_empty()) {
                None | Some("perpetual") => Ok(None),
                Some(text) => entitle::input::parse_date(text)
                    .map(Some)
                    .map_err(|e| Error::Refused(format!("{name}: {e}"))),
            }
        };
        let serial = field(&form, "serial").unwrap_or_default();
        let text = portal.renew(
            &vendor,
            serial,
            date("expires")?,
            date("updates_until")?,
            now(),
        )?;
        Ok(pages::renewed(lang, &vendor, serial, &text))
    })
    .await
}

/// The requests for quotes, for the vendor (its users only).
async fn quotes_csv(State(portal): State<Arc<Portal>>, headers: HeaderMap) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        let (_, email) = signed_in(&portal, &headers)?;
        let vendor = portal.vendor(&email)?;
        let csv = crate::csv::quotes(&portal.quotes(&vendor)?);
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"quotes.csv\"",
                ),
            ],
            csv,
        )
            .into_response())
    })
    .await
}

async fn renewal(
    State(portal): State<Arc<Portal>>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        let session = session(&portal, &headers, query.view.as_deref())?;
        let renewals = portal.renewals(&session.actor, &query.serial.unwrap_or_default())?;
        Ok(text_or(&renewals, "no renewal for this licence"))
    })
    .await
}

async fn downloads(
    State(portal): State<Arc<Portal>>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        let session = session(&portal, &headers, query.view.as_deref())?;
        let serial = query.serial.unwrap_or_default();
        let versions = portal.downloads(&session.actor, &serial, now())?;
        Ok(pages::downloads(lang, &session.actor, &serial, &versions))
    })
    .await
}

async fn download(
    State(portal): State<Arc<Portal>>,
    headers: HeaderMap,
    Path((serial, version, file)): Path<(String, String, String)>,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        let session = session(&portal, &headers, query.view.as_deref())?;
        let path = portal.download(&session.actor, &serial, &version, &file, now())?;
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::Setup(format!("cannot read {}: {e}", path.display())))?;
        let disposition = format!("attachment; filename=\"{}\"", file.replace('"', ""));
        Ok((
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

async fn revocations(State(portal): State<Arc<Portal>>, headers: HeaderMap) -> Response {
    let lang = lang(&headers, None);
    blocking(lang, move || {
        session(&portal, &headers, None)?;
        Ok(text_or(
            &portal.revocation_lists()?,
            "no licence was destroyed",
        ))
    })
    .await
}
