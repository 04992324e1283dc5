//! The seat server's HTTP side (docs/concurrent-seats.md): the listener
//! (HTTP/1.1, TLS beyond loopback), the routes, the agent endpoints behind
//! the agent's credential, and the error answers every endpoint shares.
//! The administrative endpoints are `api.rs`'s, the admin center
//! `admin/`'s, `/metrics` `metrics.rs`'s.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json, Router};
use serde_json::json;
use subtle::ConstantTimeEq as _;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::admin::{self, SignIns};
use crate::api;
use crate::error::{EXHAUSTED_DE, EXHAUSTED_EN, Error};
use crate::store::{Account, Lease, PoolSpec, Store, hash};

/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;
/// Longest a request may take, reading its body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` resolves: HTTP/1.1, a
/// client that takes longer than [`HEADER_TIMEOUT`] for its headers is
/// dropped (with [`REQUEST_TIMEOUT`] for the rest, nothing a slow client
/// sends holds a connection for long). On shutdown, requests in flight get
/// five seconds to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let graceful = GracefulShutdown::new();
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: wait, then go on.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                // Answers go out at once, not held back for the ACK of
                // the one before (Nagle's algorithm).
                let _ = stream.set_nodelay(true);
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
                let service = TowerToHyperService::new(app.clone());
                match &acceptor {
                    None => {
                        let connection =
                            graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                        tokio::spawn(async move {
                            let _ = connection.await;
                        });
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        let watcher = graceful.watcher();
                        let service = TowerToHyperService::new(app.clone().layer(Extension(OverTls)));
                        tokio::spawn(async move {
                            // The handshake, too, within the header deadline.
                            let handshake = tokio::time::timeout(HEADER_TIMEOUT, async {
                                if speaks_plain_http(&stream).await {
                                    refuse_plain_http(stream).await;
                                    return None;
                                }
                                acceptor.accept(stream).await.ok()
                            })
                            .await;
                            if let Ok(Some(stream)) = handshake {
                                let connection =
                                    watcher.watch(http.serve_connection(TokioIo::new(stream), service));
                                let _ = connection.await;
                            }
                        });
                    }
                }
            }
            () = &mut shutdown => break,
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// Resolves on Ctrl-C or SIGTERM: when a server is asked to stop.
pub async fn interrupted() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// Marks a request that came over TLS (its sign-in cookie is `Secure`).
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

/// Whether a client on the TLS port began with plain HTTP (a letter, where
/// a TLS handshake begins with 0x16).
async fn speaks_plain_http(stream: &tokio::net::TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(stream.peek(&mut first).await, Ok(1) if first[0].is_ascii_uppercase())
}

/// Answers plain HTTP on the TLS port with a JSON error that says so,
/// then closes.
async fn refuse_plain_http(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt as _;
    let body = json!({"error": {
        "code": "tls_required",
        "message": "this server speaks TLS only: use https:// (and --server-cert)",
    }})
    .to_string();
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The answers the layers make themselves (413 for a body too large, 408
/// for a request too slow) and 405, as JSON like every other error.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => failure(
            status,
            "too_large",
            &format!("the request body is over {MAX_BODY} bytes"),
        ),
        StatusCode::REQUEST_TIMEOUT => failure(status, "timeout", "the request took too long"),
        StatusCode::METHOD_NOT_ALLOWED => failure(
            status,
            "method_not_allowed",
            "this endpoint does not take that method",
        ),
        _ => response,
    }
}

/// Where the pools come from: the licence decision, made again on demand.
/// It is given the revocation lists the store holds (every server's), and
/// answers the pools with the lists this server's own material holds, for
/// the store to share: a revocation given to one server reaches every
/// server on the store.
pub type Pools = dyn Fn(&[String]) -> Result<(Vec<PoolSpec>, Vec<String>), String> + Send + Sync;

/// Signs a lease of a pool (with the activation key of the pool's
/// licence): the text of an `entl1.` artifact.
pub type LeaseSigner = dyn Fn(&Lease, &PoolSpec) -> Result<String, String> + Send + Sync;

/// Connections to the store opened per server (PostgreSQL; a SQLite store
/// keeps one, `Store::another`): requests that only read (most refusals)
/// are served at once; writers still take turns in the store.
const CONNECTIONS: usize = 4;

/// The store's connections not in use.
struct Connections {
    free: Mutex<Vec<Store>>,
    returned: Condvar,
}

/// A connection in use, put back when dropped.
struct Borrowed<'a> {
    store: Option<Store>,
    from: &'a Connections,
}

impl Drop for Borrowed<'_> {
    fn drop(&mut self) {
        if let (Some(store), Ok(mut free)) = (self.store.take(), self.from.free.lock()) {
            free.push(store);
            self.from.returned.notify_one();
        }
    }
}

/// What every request handler shares.
pub struct Server {
    connections: Connections,
    admin: [u8; 32],
    ttl: u64,
    pools: Box<Pools>,
    signer: Option<Box<LeaseSigner>>,
    current: Mutex<Vec<PoolSpec>>,
    sign_ins: SignIns,
}

impl Server {
    /// A server on `store` (and a few more connections to it), whose
    /// administrator presents a credential with SHA-256 `admin`, handing
    /// out leases of `ttl` seconds, its pools decided by `pools`, its
    /// leases signed by `signer`.
    pub fn new(
        store: Store,
        admin: [u8; 32],
        ttl: u64,
        pools: Box<Pools>,
        signer: Option<Box<LeaseSigner>>,
    ) -> Result<Arc<Server>, Error> {
        let mut stores = Vec::with_capacity(CONNECTIONS);
        for _ in 1..CONNECTIONS {
            match store.another()? {
                Some(another) => stores.push(another),
                None => break,
            }
        }
        stores.push(store);
        Ok(Arc::new(Server {
            connections: Connections {
                free: Mutex::new(stores),
                returned: Condvar::new(),
            },
            admin,
            ttl,
            pools,
            signer,
            current: Mutex::new(Vec::new()),
            sign_ins: SignIns::default(),
        }))
    }

    /// Decides the pools again and sets them; returns what the decision
    /// gave. A decision that fails leaves no pool: nothing is served on
    /// licences that do not count.
    pub fn refresh(&self) -> Result<Vec<PoolSpec>, Error> {
        let shared = self.with_store(|store, _| store.lists())?;
        let (pools, known) = (self.pools)(&shared).unwrap_or_default();
        self.with_store(|store, now| {
            store.publish_lists(&known, now)?;
            store.set_pools(&pools, now)
        })?;
        if let Ok(mut current) = self.current.lock() {
            current.clone_from(&pools);
        }
        Ok(pools)
    }

    /// `lease` with its signed form, when the server signs leases.
    fn sign(&self, mut lease: Lease) -> Result<Lease, Error> {
        let Some(signer) = &self.signer else {
            return Ok(lease);
        };
        let pool = self
            .current
            .lock()
            .ok()
            .and_then(|pools| pools.iter().find(|p| p.id == lease.pool).cloned())
            .ok_or_else(|| {
                Error::NotFound(format!("the pool {} is not licensed here now", lease.pool))
            })?;
        lease.signed = Some(signer(&lease, &pool).map_err(Error::Store)?);
        Ok(lease)
    }

    pub(crate) fn sign_ins(&self) -> &SignIns {
        &self.sign_ins
    }

    pub(crate) fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store, u64) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let poisoned = |_| Error::Store("a request failed while holding the store".into());
        let mut free = self.connections.free.lock().map_err(poisoned)?;
        while free.is_empty() {
            free = self.connections.returned.wait(free).map_err(poisoned)?;
        }
        let mut borrowed = Borrowed {
            store: free.pop(),
            from: &self.connections,
        };
        drop(free);
        match borrowed.store.as_mut() {
            Some(store) => f(store, now()),
            None => Err(Error::Store("no connection to the store".into())),
        }
    }

    /// The account a credential belongs to: the site's first
    /// administrator (`admin.credential`, compared in constant time) or
    /// an account in the store.
    pub(crate) fn account(&self, store: &mut Store, credential: &str) -> Result<Account, Error> {
        if bool::from(hash(credential.trim()).ct_eq(&self.admin)) {
            return Ok(Account::site_admin());
        }
        store.account(credential.trim())
    }
}

/// The clock, Unix seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The routes, with the body limit and the timeout.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/v1/signin", get(signin))
        .route("/v1/leases", post(claim))
        .route("/v1/leases/{id}/renew", post(renew))
        .route("/v1/leases/{id}", delete(release))
        .route("/v1/pools", get(api::pools))
        .route("/v1/agents", get(api::agents).post(api::grant))
        .route("/v1/agents/{id}", delete(api::revoke))
        .route("/v1/agents/{id}/named", put(api::assign))
        .route("/v1/sessions", get(api::sessions))
        .route("/v1/sessions/end", post(api::end))
        .route("/v1/audit", get(api::audit))
        .route("/v1/accounts", get(api::accounts).post(api::add_account))
        .route("/v1/accounts/{id}", delete(api::remove_account))
        .route("/metrics", get(crate::metrics::metrics))
        .route("/admin", get(admin::show))
        .route("/admin/signin", post(admin::sign_in))
        .route("/admin/end-confirm", post(admin::end_confirm))
        .route("/admin/end", post(admin::end))
        .route("/admin/signout", post(admin::sign_out))
        .route("/admin/grant", post(admin::grant))
        .route("/admin/named", post(admin::named))
        .route("/admin/named-confirm", post(admin::named_confirm))
        .route("/admin/revoke-confirm", post(admin::revoke_confirm))
        .route("/admin/revoke", post(admin::revoke))
        .route("/admin/account-add", post(admin::add_account))
        .route("/admin/account-remove", post(admin::remove_account))
        .fallback(|| async { failure(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(json_errors))
        .with_state(server)
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub(crate) fn failure(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

pub(crate) fn error_response(error: &Error) -> Response {
    let status = match error {
        Error::Exhausted { .. } => StatusCode::CONFLICT,
        Error::Unauthorized => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::Exists(_) => StatusCode::CONFLICT,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::LeaseEnded { .. } => StatusCode::GONE,
        Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::Store(_) | Error::Http(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if let Error::Exhausted { pool, seats } = error {
        return (
            status,
            Json(json!({"error": {
                "code": error.code(),
                "message": EXHAUSTED_EN,
                "message_de": EXHAUSTED_DE,
                "pool": pool,
                "seats": seats,
            }})),
        )
            .into_response();
    }
    if let Error::LeaseEnded { lease, ending } = error {
        return (
            status,
            Json(json!({"error": {
                "code": error.code(),
                "message": error.to_string(),
                "message_de": ending.german(),
                "lease": lease,
                "reason": ending.code(),
            }})),
        )
            .into_response();
    }
    failure(status, error.code(), &error.to_string())
}

/// Runs `f` on the store off the async threads and answers with its
/// result as JSON, or its error.
async fn answer<T: serde::Serialize + Send + 'static>(
    server: Arc<Server>,
    status: StatusCode,
    f: impl FnOnce(&mut Store, u64, u64) -> Result<T, Error> + Send + 'static,
) -> Response {
    respond(server, status, move |server| {
        server.with_store(|store, now| f(store, now, server.ttl))
    })
    .await
}

/// As [`answer`], for a lease, which is signed once the store's connection
/// is given back: signing may first read the activation keys from the
/// appliance's state (once per refresh; on a TPM, tens of milliseconds),
/// and no request waiting for the store should wait for that too.
async fn answer_lease(
    server: Arc<Server>,
    status: StatusCode,
    f: impl FnOnce(&mut Store, u64, u64) -> Result<Lease, Error> + Send + 'static,
) -> Response {
    respond(server, status, move |server| {
        let lease = server.with_store(|store, now| f(store, now, server.ttl))?;
        server.sign(lease)
    })
    .await
}

/// Runs `f` off the async threads and answers with its result as JSON, or
/// its error.
pub(crate) async fn respond<T: serde::Serialize + Send + 'static>(
    server: Arc<Server>,
    status: StatusCode,
    f: impl FnOnce(&Server) -> Result<T, Error> + Send + 'static,
) -> Response {
    let result = tokio::task::spawn_blocking(move || f(&server)).await;
    match result {
        Ok(Ok(value)) => (status, Json(value)).into_response(),
        Ok(Err(error)) => error_response(&error),
        Err(_) => failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store",
            "the request failed",
        ),
    }
}

pub(crate) fn unauthorized() -> Response {
    error_response(&Error::Unauthorized)
}

fn agent_credential(headers: &HeaderMap) -> Option<String> {
    bearer(headers).map(str::to_string)
}

async fn signin(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let Some(credential) = agent_credential(&headers) else {
        return unauthorized();
    };
    answer(server, StatusCode::OK, move |store, now, _| {
        let agent = store.agent(&credential)?;
        let pools = store.pools(now)?;
        let pool = pools.iter().find(|p| p.spec.id == agent.pool);
        let free = pool.map_or(0, |p| p.spec.shared.saturating_sub(p.shared_in_use));
        let can_start = pool.is_some() && (agent.named || free > 0);
        Ok(json!({
            "agent": agent.id,
            "pool": agent.pool,
            "named": agent.named,
            "shared_free": free,
            "can_start": can_start,
            "message": (!can_start).then_some(EXHAUSTED_EN),
            "message_de": (!can_start).then_some(EXHAUSTED_DE),
        }))
    })
    .await
}

async fn claim(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let Some(credential) = agent_credential(&headers) else {
        return unauthorized();
    };
    answer_lease(server, StatusCode::CREATED, move |store, now, ttl| {
        store.claim(&credential, now, ttl)
    })
    .await
}

async fn renew(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(credential) = agent_credential(&headers) else {
        return unauthorized();
    };
    answer_lease(server, StatusCode::OK, move |store, now, ttl| {
        store.renew(&credential, &id, now, ttl)
    })
    .await
}

async fn release(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(credential) = agent_credential(&headers) else {
        return unauthorized();
    };
    answer(server, StatusCode::OK, move |store, now, _| {
        store.release(&credential, &id, now)?;
        Ok(json!({"released": id}))
    })
    .await
}

pub(crate) fn bad_json(rejection: &JsonRejection) -> Response {
    let status = match rejection {
        JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    failure(status, "bad_request", &rejection.body_text())
}
