//! The administrative API (`/v1/pools`, `/v1/agents`, `/v1/sessions`,
//! `/v1/audit`, `/v1/accounts`): each request answered as the account of
//! its credential, which the store checks for every change.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::error::Error;
use crate::server::{Server, bad_json, bearer, error_response, failure, respond, unauthorized};
use crate::store::{Account, Agent, Store};

/// Answers an administrative request: `f` with the account of the
/// request's credential (the store checks what it may do) and its body.
/// The credential is checked before the body is read: a stranger learns
/// nothing about what the endpoint accepts.
async fn as_account<B: Send + 'static, T: serde::Serialize + Send + 'static>(
    server: Arc<Server>,
    headers: &HeaderMap,
    status: StatusCode,
    body: Result<Json<B>, JsonRejection>,
    f: impl FnOnce(&mut Store, &Account, B, u64) -> Result<T, Error> + Send + 'static,
) -> Response {
    let Some(credential) = bearer(headers).map(str::to_string) else {
        return unauthorized();
    };
    let check = server.clone();
    let account = tokio::task::spawn_blocking(move || {
        check.with_store(|store, _| check.account(store, &credential))
    })
    .await;
    let account = match account {
        Ok(Ok(account)) => account,
        Ok(Err(error)) => return error_response(&error),
        Err(_) => {
            return failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store",
                "the request failed",
            );
        }
    };
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => return bad_json(&rejection),
    };
    respond(server, status, move |server| {
        server.with_store(|store, now| f(store, &account, body, now))
    })
    .await
}

impl Grant {
    fn agent(&self) -> Agent {
        Agent::new(&self.id, &self.name, &self.email, &self.pool)
    }
}

/// No body.
const NO_BODY: Result<Json<()>, JsonRejection> = Ok(Json(()));

pub(crate) async fn pools(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        |store, _, (), now| store.pools(now),
    )
    .await
}

pub(crate) async fn agents(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        |store, _, (), _| store.agents(),
    )
    .await
}

/// `POST /v1/agents`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Grant {
    id: String,
    name: String,
    email: String,
    pool: String,
    /// Replace an agent granted already (its running sessions keep their
    /// seats).
    #[serde(default)]
    replace: bool,
}

pub(crate) async fn grant(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Result<Json<Grant>, JsonRejection>,
) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::CREATED,
        body,
        |store, by, grant, now| {
            let credential = store.grant(by, &grant.agent(), grant.replace, now)?;
            Ok(json!({"agent": grant.id, "pool": grant.pool, "credential": credential}))
        },
    )
    .await
}

pub(crate) async fn revoke(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        move |store, by, (), now| {
            store.revoke(by, &id, now)?;
            Ok(json!({"revoked": id}))
        },
    )
    .await
}

/// `PUT /v1/agents/{id}/named`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Assign {
    named: bool,
}

pub(crate) async fn assign(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Assign>, JsonRejection>,
) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        body,
        move |store, by, assign, now| {
            store.assign(by, &id, assign.named, now)?;
            Ok(json!({"agent": id, "named": assign.named}))
        },
    )
    .await
}

pub(crate) async fn sessions(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        |store, _, (), now| store.sessions(now),
    )
    .await
}

/// `POST /v1/sessions/end`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct End {
    leases: Vec<String>,
}

pub(crate) async fn end(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Result<Json<End>, JsonRejection>,
) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        body,
        |store, by, end, now| {
            let not_live = store.end(by, &end.leases, now)?;
            let ended = end.leases.len().saturating_sub(not_live.len());
            Ok(json!({"ended": ended, "not_live": not_live}))
        },
    )
    .await
}

/// `GET /v1/audit?limit=N`.
#[derive(Debug, Deserialize)]
pub(crate) struct AuditQuery {
    limit: Option<u32>,
}

pub(crate) async fn audit(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &rejection.body_text(),
            );
        }
    };
    let limit = query.limit.unwrap_or(100).min(10_000);
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        move |store, _, (), _| store.audit(limit),
    )
    .await
}

pub(crate) async fn accounts(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        |store, _, (), _| store.accounts(),
    )
    .await
}

/// `POST /v1/accounts`: an account for a person; its credential is in the
/// answer, once.
pub(crate) async fn add_account(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Result<Json<Account>, JsonRejection>,
) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::CREATED,
        body,
        |store, by, account, now| {
            let credential = store.add_account(by, &account, now)?;
            Ok(json!({"account": account, "credential": credential}))
        },
    )
    .await
}

pub(crate) async fn remove_account(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    as_account(
        server,
        &headers,
        StatusCode::OK,
        NO_BODY,
        move |store, by, (), now| {
            store.remove_account(by, &id, now)?;
            Ok(json!({"removed": id}))
        },
    )
    .await
}
