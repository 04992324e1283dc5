//! `GET /metrics`: the seat server in Prometheus' text format. Gauges say
//! what is (per pool, and per pool and server); counters, which only
//! grow, end in `_total`.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::server::{Server, failure};

/// Prometheus text format: seats and use per pool, each server's figure
/// for it, and the counters per pool. Gauges say what is; counters, which
/// only grow, end in `_total`.
pub(crate) async fn metrics(State(server): State<Arc<Server>>) -> Response {
    let result = tokio::task::spawn_blocking(move || {
        server.with_store(|store, now| Ok((store.pools(now)?, store.counters()?)))
    })
    .await;
    let Ok(Ok((pools, counters))) = result else {
        return failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store",
            "metrics unavailable",
        );
    };
    let mut out = String::new();
    let pool_labels = |pool: &crate::PoolSpec| {
        format!(
            "pool=\"{}\",product=\"{}\",edition=\"{}\"",
            label(&pool.id),
            label(&pool.product),
            label(&pool.edition)
        )
    };
    let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, u64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    };
    let per_pool = |value: &dyn Fn(&crate::PoolUse) -> u32| -> Vec<(String, u64)> {
        pools
            .iter()
            .map(|p| (pool_labels(&p.spec), u64::from(value(p))))
            .collect()
    };
    family(
        "entitle_shared_seats",
        "gauge",
        "Shared (concurrent) seats the licences grant now.",
        per_pool(&|p| p.spec.shared),
    );
    family(
        "entitle_shared_seats_in_use",
        "gauge",
        "Shared seats held by live leases.",
        per_pool(&|p| p.shared_in_use),
    );
    family(
        "entitle_named_seats",
        "gauge",
        "Named seats the licences grant now.",
        per_pool(&|p| p.spec.named),
    );
    family(
        "entitle_named_seats_assigned",
        "gauge",
        "Named seats assigned to agents.",
        per_pool(&|p| p.named_assigned),
    );
    let per_server = |value: &dyn Fn(&crate::ServerFigure) -> u64| -> Vec<(String, u64)> {
        pools
            .iter()
            .flat_map(|p| {
                p.servers.iter().map(|f| {
                    (
                        format!("{},server=\"{}\"", pool_labels(&p.spec), label(&f.server)),
                        value(f),
                    )
                })
            })
            .collect()
    };
    family(
        "entitle_server_shared_seats",
        "gauge",
        "Shared seats each server's licences bring to the pool (counted only while its figure holds).",
        per_server(&|f| f.shared.into()),
    );
    family(
        "entitle_server_named_seats",
        "gauge",
        "Named seats each server's licences bring to the pool.",
        per_server(&|f| f.named.into()),
    );
    family(
        "entitle_server_figure_holds",
        "gauge",
        "1 while the server's figure holds, 0 once it lapsed (three refreshes missed): alert on 0.",
        per_server(&|f| u64::from(f.holds)),
    );
    let counted = |value: &dyn Fn(&crate::Counters) -> u64| -> Vec<(String, u64)> {
        counters
            .0
            .iter()
            .map(|(pool, c)| (format!("pool=\"{}\"", label(pool)), value(c)))
            .collect()
    };
    family(
        "entitle_claims_total",
        "counter",
        "Claims granted.",
        counted(&|c| c.claims),
    );
    family(
        "entitle_claims_refused_total",
        "counter",
        "Claims refused because every shared seat was in use, since this server started.",
        counted(&|c| c.claims_refused),
    );
    family(
        "entitle_leases_expired_total",
        "counter",
        "Leases whose time ran out unrenewed.",
        counted(&|c| c.leases_expired),
    );
    family(
        "entitle_admin_ends_total",
        "counter",
        "Leases an administrator ended: sessions ended, agents revoked, named seats taken back.",
        counted(&|c| c.admin_ends),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// A Prometheus label value, escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
