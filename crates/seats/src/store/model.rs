//! What the store holds and reports: pools as the decision made them,
//! agents, leases and sessions, each server's figure, the audit log and
//! the counters.

use serde::{Deserialize, Serialize};

/// What the licences decided for one pool: its shared (concurrent) and
/// named seats. The server gets these from `entitle_lifecycle::decide`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    /// `product/edition`, or `product/edition/tenant`.
    pub id: String,
    /// Product.
    pub product: String,
    /// Edition.
    pub edition: String,
    /// Tenant, when the licences are bound to one.
    pub tenant: Option<String>,
    /// Concurrent seats, shared by the agents granted access.
    pub shared: u32,
    /// Named seats, each assigned to one agent.
    pub named: u32,
    /// The licence (serial, hex) whose activation on this server signs the
    /// pool's leases; the store does not keep it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub licence: String,
    /// The serials (hex) of every licence counted in `shared` and `named`:
    /// two servers that both count a licence count it once between them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// The cap on the shared seats (tokens' and catalog's), which the
    /// servers sharing a pool never exceed together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_cap: Option<u32>,
    /// The cap on the named seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub named_cap: Option<u32>,
}

impl PoolSpec {
    /// A pool of `shared` and `named` seats, its id made from `product`,
    /// `edition` and `tenant`, with no licence, serial or cap recorded.
    pub fn new(
        product: &str,
        edition: &str,
        tenant: Option<&str>,
        shared: u32,
        named: u32,
    ) -> PoolSpec {
        PoolSpec {
            id: PoolSpec::id_of(product, edition, tenant),
            product: product.to_string(),
            edition: edition.to_string(),
            tenant: tenant.map(str::to_string),
            shared,
            named,
            licence: String::new(),
            serials: Vec::new(),
            shared_cap: None,
            named_cap: None,
        }
    }

    /// The pool id of `product`, `edition` and `tenant`.
    pub fn id_of(product: &str, edition: &str, tenant: Option<&str>) -> String {
        match tenant {
            Some(tenant) => format!("{product}/{edition}/{tenant}"),
            None => format!("{product}/{edition}"),
        }
    }
}

/// An agent granted access to a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Its id (a login name).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its e-mail address.
    pub email: String,
    /// The pool it may use.
    pub pool: String,
    /// Whether it holds one of the pool's named seats.
    pub named: bool,
}

/// Whether a lease takes a shared seat or the agent's named one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One of the pool's shared seats.
    Shared,
    /// The agent's own named seat.
    Named,
}

/// A seat held for a session, until `not_after` unless renewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Its id.
    pub id: String,
    /// The agent holding it.
    pub agent: String,
    /// The pool.
    pub pool: String,
    /// Shared or named.
    pub kind: Kind,
    /// When it was claimed, Unix seconds.
    pub since: u64,
    /// The last claim or renewal, Unix seconds.
    pub heartbeat: u64,
    /// When it ends unless renewed, Unix seconds.
    pub not_after: u64,
    /// The lease signed by the server's activation key (`entl1.`), which
    /// an agent app checks offline (`entitle lease verify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<String>,
}

/// A live lease with who holds it, for the administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The lease.
    #[serde(flatten)]
    pub lease: Lease,
    /// The agent's name.
    pub name: String,
    /// The agent's e-mail address.
    pub email: String,
}

/// A pool and how much of it is in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolUse {
    /// The pool.
    #[serde(flatten)]
    pub spec: PoolSpec,
    /// Live shared leases.
    pub shared_in_use: u32,
    /// Named seats assigned.
    pub named_assigned: u32,
    /// Agents granted access.
    pub agents: u32,
    /// What each server recorded for the pool (one, `local`, on SQLite).
    #[serde(default)]
    pub servers: Vec<ServerFigure>,
}

/// What one server's decision found for a pool, as it recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerFigure {
    /// The server: `m-` and 16 hex digits of its machine, or `local`.
    pub server: String,
    /// Its shared seats.
    pub shared: u32,
    /// Its named seats.
    pub named: u32,
    /// Whether the figure still holds (the server recorded it within three
    /// refreshes); a lapsed figure counts for nothing.
    pub holds: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its number, increasing.
    pub seq: i64,
    /// When, Unix seconds.
    pub at: u64,
    /// What: `claimed`, `released`, `expired`, `ended`, `evicted`,
    /// `granted`, `revoked`, `assigned`, `unassigned`.
    pub event: String,
    /// The agent concerned.
    pub agent: Option<String>,
    /// The lease concerned.
    pub lease: Option<String>,
    /// More, in words.
    pub detail: Option<String>,
}

/// Counters for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Claims granted.
    pub claims: u64,
    /// Claims refused because the pool was full, since the server started.
    pub claims_refused: u64,
    /// Leases whose time ran out.
    pub leases_expired: u64,
    /// Leases ended by the administrator.
    pub admin_ends: u64,
}
