//! The seat store: pools, agents, leases and the audit log, in SQLite (one
//! server) or PostgreSQL (several servers sharing one pool).
//!
//! Every state change is one write transaction that first ends the leases
//! whose time ran out, then checks and writes, and is committed (on disk)
//! before the caller answers anyone. Writers are serialised (SQLite's
//! `BEGIN IMMEDIATE`; PostgreSQL's advisory lock, `db.rs`), so the check
//! "fewer live shared leases than shared seats" and the insert that follows
//! it never interleave with another claim, in this process or another one
//! on the same database.
//!
//! Each server ("instance") records what its own decision found for each
//! pool, with the serials it counted and until when its figure holds. A
//! pool's capacity (`Seats::of`) is the sum over the instances whose
//! figures still hold, a licence counted by two instances counted once,
//! and never beyond the smallest cap any of them knows
//! (docs/concurrent-seats.md, "Several servers, one pool").

mod db;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::Error;
use db::{Db, Param, Row, Sql, Tx, int};

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

/// The store. One per server process; several processes may share one
/// database.
#[derive(Debug)]
pub struct Store {
    db: Db,
    /// The server this store speaks for: its figures are the ones
    /// [`Store::set_pools`] records.
    instance: String,
    /// How long the figures recorded by [`Store::set_pools`] hold unless
    /// recorded again (`None`: until replaced, the only server).
    holds_for: Option<u64>,
    /// Where it is, for another connection.
    place: Place,
    /// Claims refused since this store was opened, shared with its other
    /// connections: a refusal writes nothing, so that a full pool costs no
    /// disk sync.
    refused: Arc<AtomicU64>,
    /// The only server's pools as its decision made them at the last
    /// [`Store::set_pools`]: a claim never counts on more, whatever the
    /// file says now (root on the host can write the file).
    decided: BTreeMap<String, Seats>,
}

/// Where a store is.
#[derive(Clone)]
enum Place {
    Memory,
    File,
    /// The connection string, which may hold a password.
    Postgres(String),
}

impl std::fmt::Debug for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Place::Memory => "Memory",
            Place::File => "File",
            Place::Postgres(_) => "Postgres(<connection string withheld>)",
        })
    }
}

/// The tables, for both databases: `{serial}` and `{bytes}` are each one's
/// spelling.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pools (
    id TEXT PRIMARY KEY, product TEXT NOT NULL, edition TEXT NOT NULL, tenant TEXT);
CREATE TABLE IF NOT EXISTS pool_seats (
    pool TEXT NOT NULL, instance TEXT NOT NULL,
    shared BIGINT NOT NULL, named BIGINT NOT NULL,
    shared_cap BIGINT, named_cap BIGINT, serials TEXT NOT NULL,
    fresh_until BIGINT NOT NULL, PRIMARY KEY (pool, instance));
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, pool TEXT NOT NULL,
    credential {bytes} NOT NULL UNIQUE, named BIGINT NOT NULL DEFAULT 0,
    granted_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, pool TEXT NOT NULL, kind TEXT NOT NULL,
    since BIGINT NOT NULL, heartbeat BIGINT NOT NULL, not_after BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS leases_pool ON leases (pool, kind);
CREATE INDEX IF NOT EXISTS leases_not_after ON leases (not_after);
CREATE INDEX IF NOT EXISTS leases_agent ON leases (agent);
CREATE TABLE IF NOT EXISTS audit (
    seq {serial}, at BIGINT NOT NULL, event TEXT NOT NULL,
    agent TEXT, lease TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
";

/// The instance name of a store with one server (SQLite).
const LOCAL: &str = "local";

/// Longest agent id, name or e-mail address accepted.
const MAX_TEXT: usize = 200;

impl Store {
    /// Opens (or makes) the SQLite store at `path`: WAL, every commit synced.
    pub fn open(path: &Path) -> Result<Store, Error> {
        Store::with(Db::sqlite(path)?, Place::File, LOCAL, None)
    }

    /// A SQLite store in memory (tests).
    pub fn in_memory() -> Result<Store, Error> {
        Store::with(Db::sqlite_in_memory()?, Place::Memory, LOCAL, None)
    }

    /// Opens (or makes) the store in the PostgreSQL database at `url`, for
    /// the server `instance` (its machine), whose figures hold for
    /// `holds_for` seconds unless it records them again: several instances
    /// share the pools there, and a stopped one's seats leave the pool
    /// when its figures lapse.
    pub fn postgres(url: &str, instance: &str, holds_for: u64) -> Result<Store, Error> {
        let place = Place::Postgres(url.to_string());
        Store::with(Db::postgres(url)?, place, instance, Some(holds_for))
    }

    fn with(
        mut db: Db,
        place: Place,
        instance: &str,
        holds_for: Option<u64>,
    ) -> Result<Store, Error> {
        if !matches!(place, Place::Postgres(_)) {
            // A store made before pools were shared kept a pool's seats in
            // `pools`; they are the decision's to give, at every start, so
            // the columns go (agents, leases and the audit log stay).
            let old = db.count(
                "SELECT count(*) FROM pragma_table_info('pools') WHERE name = 'shared'",
                &[],
            )?;
            if old > 0 {
                db.execute_batch(
                    "BEGIN IMMEDIATE;
                     ALTER TABLE pools DROP COLUMN shared;
                     ALTER TABLE pools DROP COLUMN named;
                     COMMIT;",
                )?;
            }
        }
        db.create_schema(SCHEMA)?;
        Ok(Store {
            db,
            instance: instance.to_string(),
            holds_for,
            place,
            refused: Arc::new(AtomicU64::new(0)),
            decided: BTreeMap::new(),
        })
    }

    /// Another connection to the same store, for requests served at once
    /// (its refusals counted with this one's); `None` where one connection
    /// serves best: SQLite, in memory (it has one) or in a file (a reader
    /// in the process is faster than a second connection waiting on the
    /// file's lock, measured in docs/performance.md).
    pub fn another(&self) -> Result<Option<Store>, Error> {
        let db = match &self.place {
            Place::Memory | Place::File => return Ok(None),
            Place::Postgres(url) => Db::postgres(url)?,
        };
        Ok(Some(Store {
            db,
            instance: self.instance.clone(),
            holds_for: self.holds_for,
            place: self.place.clone(),
            refused: self.refused.clone(),
            decided: self.decided.clone(),
        }))
    }

    fn within_decision(&self, view: ClaimView) -> ClaimView {
        ClaimView {
            seats: view
                .seats
                .map(|seats| bound(self.holds_for, &self.decided, &view.agent.pool, seats)),
            ..view
        }
    }

    fn refuse(&self, pool: String, seats: u32) -> Error {
        self.refused.fetch_add(1, Ordering::Relaxed);
        Error::Exhausted { pool, seats }
    }

    /// Records what this instance's licences decided now, and holds every
    /// pool to its capacity: a pool no instance finds any more ends its
    /// leases; a pool that shrank ends its newest shared leases beyond its
    /// seats and unassigns its newest named seats beyond its named seats.
    /// Returns the ids of the leases ended.
    pub fn set_pools(&mut self, pools: &[PoolSpec], now: u64) -> Result<Vec<String>, Error> {
        let me = self.instance.as_str();
        let fresh_until = self.holds_for.map_or(i64::MAX, |s| {
            i64::try_from(now.saturating_add(s)).unwrap_or(i64::MAX)
        });
        if self.holds_for.is_none() {
            self.decided = pools
                .iter()
                .map(|p| {
                    let within = |seats: u32, cap: Option<u32>| seats.min(cap.unwrap_or(u32::MAX));
                    let seats = Seats {
                        shared: within(p.shared, p.shared_cap),
                        named: within(p.named, p.named_cap),
                    };
                    (p.id.clone(), seats)
                })
                .collect();
        }
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        if self.holds_for.is_none() {
            // The only server (SQLite): no other server's figures belong
            // here, whoever wrote them into the file.
            tx.execute(
                "DELETE FROM pool_seats WHERE instance != $1",
                &[Param::Text(me)],
            )?;
        }
        let mine = tx.strings(
            "SELECT pool FROM pool_seats WHERE instance = $1",
            &[Param::Text(me)],
        )?;
        for id in mine.iter().filter(|id| !pools.iter().any(|p| &p.id == *id)) {
            tx.execute(
                "DELETE FROM pool_seats WHERE pool = $1 AND instance = $2",
                &[Param::Text(id), Param::Text(me)],
            )?;
        }
        for pool in pools {
            tx.execute(
                "INSERT INTO pools (id, product, edition, tenant) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO NOTHING",
                &[
                    Param::Text(&pool.id),
                    Param::Text(&pool.product),
                    Param::Text(&pool.edition),
                    Param::OptText(pool.tenant.as_deref()),
                ],
            )?;
            let serials = pool.serials.join(",");
            let cap = |c: Option<u32>| c.map_or(Param::OptInt(None), |c| int(c.into()));
            tx.execute(
                "INSERT INTO pool_seats
                   (pool, instance, shared, named, shared_cap, named_cap, serials, fresh_until)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (pool, instance) DO UPDATE SET shared = $3, named = $4,
                   shared_cap = $5, named_cap = $6, serials = $7, fresh_until = $8",
                &[
                    Param::Text(&pool.id),
                    Param::Text(me),
                    int(pool.shared.into()),
                    int(pool.named.into()),
                    cap(pool.shared_cap),
                    cap(pool.named_cap),
                    Param::Text(&serials),
                    Param::Int(fresh_until),
                ],
            )?;
        }
        let mut ended = Vec::new();
        let gone = tx.strings(
            "SELECT id FROM pools p WHERE NOT EXISTS (SELECT 1 FROM pool_seats s WHERE s.pool = p.id)",
            &[],
        )?;
        for id in &gone {
            let leases = tx.strings("SELECT id FROM leases WHERE pool = $1", &[Param::Text(id)])?;
            for lease in &leases {
                end_lease(
                    &mut tx,
                    lease,
                    now,
                    "evicted",
                    "its pool is no longer licensed",
                )?;
            }
            ended.extend(leases);
            tx.execute("DELETE FROM pools WHERE id = $1", &[Param::Text(id)])?;
        }
        for pool in tx.strings("SELECT id FROM pools ORDER BY id", &[])? {
            let seats = capacity(&mut tx, &pool, now)?.unwrap_or_default();
            ended.extend(hold_to_capacity(&mut tx, &pool, seats, now)?);
        }
        tx.commit()?;
        Ok(ended)
    }

    /// Grants `agent` access to `pool` and returns its new credential (the
    /// only time it is shown; the store keeps its SHA-256). Granting an
    /// agent again replaces its credential.
    pub fn grant(
        &mut self,
        agent: &str,
        name: &str,
        email: &str,
        pool: &str,
        now: u64,
    ) -> Result<String, Error> {
        for (what, text) in [("agent id", agent), ("name", name), ("e-mail", email)] {
            if text.trim().is_empty() || text.len() > MAX_TEXT || text.chars().any(char::is_control)
            {
                return Err(Error::Invalid(format!(
                    "{what}: 1 to {MAX_TEXT} characters without control characters"
                )));
            }
        }
        let credential = new_secret("esa1_")?;
        let mut tx = self.db.begin()?;
        if tx.count(
            "SELECT count(*) FROM pools WHERE id = $1",
            &[Param::Text(pool)],
        )? == 0
        {
            let known = tx.strings("SELECT id FROM pools ORDER BY id", &[])?;
            let known = if known.is_empty() {
                "no pool".to_string()
            } else {
                known.join(", ")
            };
            return Err(Error::NotFound(format!(
                "no pool {pool:?}: the licences here make {known}"
            )));
        }
        tx.execute(
            "INSERT INTO agents (id, name, email, pool, credential, named, granted_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6)
             ON CONFLICT (id) DO UPDATE SET name = $2, email = $3, pool = $4, credential = $5",
            &[
                Param::Text(agent),
                Param::Text(name),
                Param::Text(email),
                Param::Text(pool),
                Param::Bytes(&hash(&credential)),
                int(now),
            ],
        )?;
        audit(&mut tx, now, "granted", Some(agent), None, Some(pool))?;
        tx.commit()?;
        Ok(credential)
    }

    /// Takes `agent`'s access away and ends its leases.
    pub fn revoke(&mut self, agent: &str, now: u64) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        let leases = tx.strings(
            "SELECT id FROM leases WHERE agent = $1",
            &[Param::Text(agent)],
        )?;
        for lease in &leases {
            end_lease(
                &mut tx,
                lease,
                now,
                "ended",
                "the agent's access was revoked",
            )?;
        }
        if tx.execute("DELETE FROM agents WHERE id = $1", &[Param::Text(agent)])? == 0 {
            return Err(Error::NotFound(format!("no agent {agent:?}")));
        }
        audit(&mut tx, now, "revoked", Some(agent), None, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Assigns (or, with `named = false`, takes back) one of the pool's
    /// named seats to `agent`. Refused when every named seat is assigned.
    pub fn assign(&mut self, agent: &str, named: bool, now: u64) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        let pool = tx
            .row(
                "SELECT pool FROM agents WHERE id = $1",
                &[Param::Text(agent)],
            )?
            .ok_or_else(|| Error::NotFound(format!("no agent {agent:?}")))?
            .text(0)?;
        if named {
            let seats = capacity(&mut tx, &pool, now)?.unwrap_or_default().named;
            let assigned = tx.count(
                "SELECT count(*) FROM agents WHERE pool = $1 AND named = 1 AND id != $2",
                &[Param::Text(&pool), Param::Text(agent)],
            )?;
            if assigned >= seats {
                return Err(Error::Invalid(format!(
                    "every named seat of {pool} is assigned ({seats} of {seats})"
                )));
            }
        } else {
            end_named_leases(
                &mut tx,
                agent,
                now,
                ("ended", "the agent's named seat was taken back"),
            )?;
        }
        tx.execute(
            "UPDATE agents SET named = $2 WHERE id = $1",
            &[Param::Text(agent), Param::Int(named.into())],
        )?;
        let event = if named { "assigned" } else { "unassigned" };
        audit(&mut tx, now, event, Some(agent), None, Some(&pool))?;
        tx.commit()?;
        Ok(())
    }

    /// Every agent, by id.
    pub fn agents(&mut self) -> Result<Vec<Agent>, Error> {
        self.db
            .query(
                "SELECT id, name, email, pool, named FROM agents ORDER BY id",
                &[],
            )?
            .iter()
            .map(agent_row)
            .collect()
    }

    /// The agent a credential belongs to.
    pub fn agent(&mut self, credential: &str) -> Result<Agent, Error> {
        agent_by_credential(&mut self.db, credential)
    }

    /// Claims a seat for the agent of `credential` for `ttl` seconds: its
    /// named seat if it holds one that no session of its uses, else a
    /// shared seat if one is free.
    pub fn claim(&mut self, credential: &str, now: u64, ttl: u64) -> Result<Lease, Error> {
        // A full pool refuses on a read: nothing to write or sync.
        let view = claim_view(&mut self.db, credential, now)?;
        let view = self.within_decision(view);
        if let Some(seats) = view.seats {
            let new_seat = !view.on_named_seat(seats) && view.own_live == 0;
            if new_seat && view.shared_in_use(seats) >= seats.shared {
                return Err(self.refuse(view.agent.pool, seats.shared));
            }
        }
        let (holds_for, decided) = (self.holds_for, &self.decided);
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        // Read again, now that no one else can write: a revocation, a
        // changed named seat or a claim since the first read wins.
        let view = claim_view(&mut tx, credential, now)?;
        let view = ClaimView {
            seats: view
                .seats
                .map(|seats| bound(holds_for, decided, &view.agent.pool, seats)),
            ..view
        };
        let shared_in_use = view.seats.map_or(0, |seats| view.shared_in_use(seats));
        let on_named_seat = view.seats.is_some_and(|seats| view.on_named_seat(seats));
        let agent = view.agent;
        let Some(seats) = view.seats else {
            return Err(Error::NotFound(format!(
                "the pool {} is not licensed here now",
                agent.pool
            )));
        };
        // A named seat is its holder's with every session of theirs; a
        // technician with a live session holds a shared seat already, and
        // a further session of theirs takes no other.
        let kind = if on_named_seat {
            Kind::Named
        } else if view.own_live > 0 || shared_in_use < seats.shared {
            Kind::Shared
        } else {
            tx.commit()?;
            return Err(self.refuse(agent.pool, seats.shared));
        };
        let lease = Lease {
            id: lease_id()?,
            agent: agent.id,
            pool: agent.pool,
            kind,
            since: now,
            heartbeat: now,
            not_after: now.saturating_add(ttl),
            signed: None,
        };
        tx.execute(
            "INSERT INTO leases (id, agent, pool, kind, since, heartbeat, not_after)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
            &[
                Param::Text(&lease.id),
                Param::Text(&lease.agent),
                Param::Text(&lease.pool),
                Param::Text(kind_text(kind)),
                int(lease.since),
                int(lease.not_after),
            ],
        )?;
        count(&mut tx, "claims", 1)?;
        audit(
            &mut tx,
            now,
            "claimed",
            Some(&lease.agent),
            Some(&lease.id),
            Some(kind_text(kind)),
        )?;
        tx.commit()?;
        Ok(lease)
    }

    /// Extends the agent's live lease `lease` to `now + ttl`. A lease whose
    /// time ran out is not revived: its seat may be someone else's.
    pub fn renew(
        &mut self,
        credential: &str,
        lease: &str,
        now: u64,
        ttl: u64,
    ) -> Result<Lease, Error> {
        let agent = self.agent(credential)?;
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        let mut found = own_lease(&mut tx, lease, &agent.id)?
            .ok_or_else(|| Error::LeaseExpired(lease.to_string()))?;
        found.heartbeat = now;
        found.not_after = now.saturating_add(ttl);
        tx.execute(
            "UPDATE leases SET heartbeat = $2, not_after = $3 WHERE id = $1",
            &[
                Param::Text(lease),
                int(found.heartbeat),
                int(found.not_after),
            ],
        )?;
        tx.commit()?;
        Ok(found)
    }

    /// Ends the agent's lease `lease` (the session ended).
    pub fn release(&mut self, credential: &str, lease: &str, now: u64) -> Result<(), Error> {
        let agent = self.agent(credential)?;
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        if own_lease(&mut tx, lease, &agent.id)?.is_none() {
            return Err(Error::NotFound(format!(
                "no live lease {lease} of agent {}",
                agent.id
            )));
        }
        end_lease(&mut tx, lease, now, "released", "")?;
        tx.commit()?;
        Ok(())
    }

    /// The administrator ends the leases `leases`; returns how many were live.
    pub fn end(&mut self, leases: &[String], now: u64) -> Result<usize, Error> {
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        let mut ended = 0usize;
        for lease in leases {
            if tx.count(
                "SELECT count(*) FROM leases WHERE id = $1",
                &[Param::Text(lease)],
            )? > 0
            {
                end_lease(&mut tx, lease, now, "ended", "by the administrator")?;
                ended = ended.saturating_add(1);
            }
        }
        count(
            &mut tx,
            "admin_ends",
            u64::try_from(ended).unwrap_or(u64::MAX),
        )?;
        tx.commit()?;
        Ok(ended)
    }

    /// Ends the leases whose time ran out; returns how many.
    pub fn expire(&mut self, now: u64) -> Result<usize, Error> {
        let mut tx = self.db.begin()?;
        let n = expire(&mut tx, now)?;
        tx.commit()?;
        Ok(n)
    }

    /// The live leases with their agents, oldest first.
    pub fn sessions(&mut self, now: u64) -> Result<Vec<Session>, Error> {
        self.expire(now)?;
        self.db
            .query(
                "SELECT l.id, l.agent, l.pool, l.kind, l.since, l.heartbeat, l.not_after,
                   a.name, a.email
                 FROM leases l LEFT JOIN agents a ON a.id = l.agent ORDER BY l.since, l.id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Session {
                    lease: lease_row(r)?,
                    name: r.opt_text(7)?.unwrap_or_default(),
                    email: r.opt_text(8)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Every pool, its seats (the sum of the servers' figures, module docs) and
    /// its use.
    pub fn pools(&mut self, now: u64) -> Result<Vec<PoolUse>, Error> {
        self.expire(now)?;
        let rows = self.db.query(
            "SELECT p.id, p.product, p.edition, p.tenant,
               (SELECT count(DISTINCT agent) FROM leases WHERE pool = p.id AND not_after > $1),
               (SELECT count(*) FROM agents WHERE pool = p.id AND named = 1),
               (SELECT count(*) FROM agents WHERE pool = p.id),
               (SELECT count(DISTINCT l.agent) FROM leases l JOIN agents g ON g.id = l.agent
                 WHERE l.pool = p.id AND g.named = 1 AND l.not_after > $1)
             FROM pools p ORDER BY p.id",
            &[int(now)],
        )?;
        let mut pools = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = r.text(0)?;
            let seats = capacity(&mut self.db, &id, now)?.unwrap_or_default();
            let mut spec = PoolSpec::new(
                &r.text(1)?,
                &r.text(2)?,
                r.opt_text(3)?.as_deref(),
                seats.shared,
                seats.named,
            );
            spec.id = id;
            let servers = self
                .db
                .query(
                    "SELECT instance, shared, named, fresh_until > $2 FROM pool_seats
                     WHERE pool = $1 ORDER BY instance",
                    &[Param::Text(&spec.id), int(now)],
                )?
                .iter()
                .map(|f| {
                    Ok(ServerFigure {
                        server: f.text(0)?,
                        shared: f.u32(1)?,
                        named: f.u32(2)?,
                        holds: f.flag(3)?,
                    })
                })
                .collect::<Result<_, Error>>()?;
            // As a claim counts them (`ClaimView`): never by stored kind.
            let shared_in_use = r.u32(4)?.saturating_sub(r.u32(7)?.min(seats.named));
            pools.push(PoolUse {
                spec,
                shared_in_use,
                named_assigned: r.u32(5)?,
                agents: r.u32(6)?,
                servers,
            });
        }
        Ok(pools)
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit(&mut self, limit: u32) -> Result<Vec<AuditEntry>, Error> {
        self.db
            .query(
                "SELECT seq, at, event, agent, lease, detail FROM audit ORDER BY seq DESC LIMIT $1",
                &[int(limit.into())],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.int(0)?,
                    at: r.u64(1)?,
                    event: r.text(2)?,
                    agent: r.opt_text(3)?,
                    lease: r.opt_text(4)?,
                    detail: r.opt_text(5)?,
                })
            })
            .collect()
    }

    /// The counters.
    pub fn counters(&mut self) -> Result<Counters, Error> {
        let rows = self.db.query("SELECT name, value FROM counters", &[])?;
        let mut counters = Counters {
            claims_refused: self.refused.load(Ordering::Relaxed),
            ..Counters::default()
        };
        for row in &rows {
            let value = row.u64(1)?;
            match row.text(0)?.as_str() {
                "claims" => counters.claims = value,
                "leases_expired" => counters.leases_expired = value,
                "admin_ends" => counters.admin_ends = value,
                _ => {}
            }
        }
        Ok(counters)
    }
}

fn agent_row(r: &Row) -> Result<Agent, Error> {
    Ok(Agent {
        id: r.text(0)?,
        name: r.text(1)?,
        email: r.text(2)?,
        pool: r.text(3)?,
        named: r.flag(4)?,
    })
}

fn agent_by_credential(sql: &mut impl Sql, credential: &str) -> Result<Agent, Error> {
    sql.row(
        "SELECT id, name, email, pool, named FROM agents WHERE credential = $1",
        &[Param::Bytes(&hash(credential))],
    )?
    .ok_or(Error::Unauthorized)
    .and_then(|r| agent_row(&r))
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Shared => "shared",
        Kind::Named => "named",
    }
}

fn lease_row(r: &Row) -> Result<Lease, Error> {
    Ok(Lease {
        id: r.text(0)?,
        agent: r.text(1)?,
        pool: r.text(2)?,
        kind: if r.text(3)? == "named" {
            Kind::Named
        } else {
            Kind::Shared
        },
        since: r.u64(4)?,
        heartbeat: r.u64(5)?,
        not_after: r.u64(6)?,
        signed: None,
    })
}

/// A pool's seats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Seats {
    shared: u32,
    named: u32,
}

/// The columns, after a `pool_seats s` join, that [`Seats::of`] reads.
macro_rules! figures {
    () => {
        "s.shared, s.named, s.shared_cap, s.named_cap, s.serials, s.fresh_until > $2"
    };
}

/// The seats of `pool` now (`None` when there is no such pool).
fn capacity(sql: &mut impl Sql, pool: &str, now: u64) -> Result<Option<Seats>, Error> {
    let rows = sql.query(
        concat!(
            "SELECT ",
            figures!(),
            " FROM pools p LEFT JOIN pool_seats s ON s.pool = p.id WHERE p.id = $1"
        ),
        &[Param::Text(pool), int(now)],
    )?;
    if rows.is_empty() {
        return Ok(None);
    }
    Seats::of(&rows, 0).map(Some)
}

impl Seats {
    /// The seats of a pool from its instances' figures (one row each, the
    /// [`figures!`] columns from `first` on): the sum of the figures that
    /// still hold, where instances that counted a licence in common are
    /// one term, the largest of their figures (each figure is a whole
    /// decision over licences activated on that machine, so the largest of
    /// them never exceeds what their licences hold together); and never
    /// beyond the smallest cap any instance knows.
    fn of(rows: &[Row], first: usize) -> Result<Seats, Error> {
        // Groups of instances linked by a serial in common: (serials, shared, named).
        let mut groups: Vec<(Vec<String>, u64, u64)> = Vec::new();
        let (mut shared_cap, mut named_cap) = (u64::MAX, u64::MAX);
        for row in rows {
            let Some(serials) = row.opt_text(first + 4)? else {
                continue; // a pool without figures
            };
            if !row.flag(first + 5)? {
                continue; // figures that lapsed
            }
            let mut group: (Vec<String>, u64, u64) = (
                serials
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                row.u64(first)?,
                row.u64(first + 1)?,
            );
            let (linked, apart): (Vec<_>, Vec<_>) = groups
                .into_iter()
                .partition(|g| g.0.iter().any(|s| group.0.contains(s)));
            for linked in linked {
                group.0.extend(linked.0);
                group.1 = group.1.max(linked.1);
                group.2 = group.2.max(linked.2);
            }
            groups = apart;
            groups.push(group);
            if let Some(cap) = row.opt_u64(first + 2)? {
                shared_cap = shared_cap.min(cap);
            }
            if let Some(cap) = row.opt_u64(first + 3)? {
                named_cap = named_cap.min(cap);
            }
        }
        let total = |f: fn(&(Vec<String>, u64, u64)) -> u64, cap: u64| {
            let sum = groups.iter().map(f).fold(0u64, u64::saturating_add);
            u32::try_from(sum.min(cap)).unwrap_or(u32::MAX)
        };
        Ok(Seats {
            shared: total(|g| g.1, shared_cap),
            named: total(|g| g.2, named_cap),
        })
    }
}

/// `seats` of `pool` as read from the store, never beyond what this server
/// decided (`decided`) when it is the only one (`holds_for` is `None`,
/// SQLite); a shared database's figures are the servers' sum and stand as
/// read.
fn bound(
    holds_for: Option<u64>,
    decided: &BTreeMap<String, Seats>,
    pool: &str,
    seats: Seats,
) -> Seats {
    if holds_for.is_some() {
        return seats;
    }
    let decided = decided.get(pool).copied().unwrap_or_default();
    Seats {
        shared: seats.shared.min(decided.shared),
        named: seats.named.min(decided.named),
    }
}

/// What a claim needs to know, read in one round trip: the agent of a
/// credential, its pool's seats, and who holds seats now. A seat follows
/// from who holds a lease, never from the `kind` stored with it (root on
/// the server's host can write that), and the manual counts technicians,
/// not sessions (MODELS.md section 3):
///
/// - an agent with a named seat (of the pool's named seats, the earliest
///   assigned) holds it with every session of theirs, and takes no shared
///   seat ("ihnen und nur ihnen gehört");
/// - every other agent with live sessions holds one shared seat, however
///   many sessions ("wenn z. B. 10 Techniker … 10 gemeinsam genutzte
///   Lizenzen belegen").
struct ClaimView {
    agent: Agent,
    /// `None` when the agent's pool is not licensed here now.
    seats: Option<Seats>,
    /// Agents with live sessions in the pool.
    live_agents: u32,
    /// Of those, agents with a named seat.
    named_holders: u32,
    /// Live sessions of the agent.
    own_live: u32,
    /// Agents with a named seat assigned before this one.
    named_rank: u32,
}

impl ClaimView {
    /// Shared seats in use, with `seats` the pool's: the agents with live
    /// sessions but those holding named seats (at most the named seats).
    fn shared_in_use(&self, seats: Seats) -> u32 {
        self.live_agents
            .saturating_sub(self.named_holders.min(seats.named))
    }

    /// Whether the agent holds one of the pool's named seats.
    fn on_named_seat(&self, seats: Seats) -> bool {
        self.agent.named && self.named_rank < seats.named
    }
}

fn claim_view(sql: &mut impl Sql, credential: &str, now: u64) -> Result<ClaimView, Error> {
    let rows = sql.query(
        concat!(
            "SELECT a.id, a.name, a.email, a.pool, a.named,
               (SELECT count(*) FROM pools WHERE id = a.pool),
               (SELECT count(DISTINCT agent) FROM leases WHERE pool = a.pool AND not_after > $2),
               (SELECT count(DISTINCT l.agent) FROM leases l JOIN agents g ON g.id = l.agent
                 WHERE l.pool = a.pool AND g.named = 1 AND l.not_after > $2),
               (SELECT count(*) FROM leases WHERE agent = a.id AND not_after > $2),
               (SELECT count(*) FROM agents b WHERE b.pool = a.pool AND b.named = 1
                 AND (b.granted_at < a.granted_at OR (b.granted_at = a.granted_at AND b.id < a.id))), ",
            figures!(),
            " FROM agents a LEFT JOIN pool_seats s ON s.pool = a.pool WHERE a.credential = $1"
        ),
        &[Param::Bytes(&hash(credential)), int(now)],
    )?;
    let first = rows.first().ok_or(Error::Unauthorized)?;
    Ok(ClaimView {
        agent: agent_row(first)?,
        seats: if first.u32(5)? > 0 {
            Some(Seats::of(&rows, 10)?)
        } else {
            None
        },
        live_agents: first.u32(6)?,
        named_holders: first.u32(7)?,
        own_live: first.u32(8)?,
        named_rank: first.u32(9)?,
    })
}

fn own_lease(tx: &mut Tx<'_>, lease: &str, agent: &str) -> Result<Option<Lease>, Error> {
    tx.row(
        "SELECT id, agent, pool, kind, since, heartbeat, not_after FROM leases
         WHERE id = $1 AND agent = $2",
        &[Param::Text(lease), Param::Text(agent)],
    )?
    .map(|r| lease_row(&r))
    .transpose()
}

/// Ends the pool's newest shared leases beyond `shared` seats, and
/// unassigns its newest named seats beyond `named`; returns the leases
/// ended.
fn hold_to_capacity(
    tx: &mut Tx<'_>,
    pool: &str,
    seats: Seats,
    now: u64,
) -> Result<Vec<String>, Error> {
    let holders = shared_holders(tx, pool, seats, now)?;
    let over = holders.len().saturating_sub(seats.shared as usize);
    // The agents who took their seats last lose them, every session.
    let mut ended: Vec<String> = holders
        .into_iter()
        .rev()
        .take(over)
        .flat_map(|(_, leases)| leases)
        .collect();
    for lease in &ended {
        end_lease(
            tx,
            lease,
            now,
            "evicted",
            "the pool has fewer shared seats now",
        )?;
    }
    let assigned = tx.count(
        "SELECT count(*) FROM agents WHERE pool = $1 AND named = 1",
        &[Param::Text(pool)],
    )?;
    let over = u64::from(assigned.saturating_sub(seats.named));
    if over > 0 {
        let unassign = tx.strings(
            "SELECT id FROM agents WHERE pool = $1 AND named = 1
             ORDER BY granted_at DESC, id DESC LIMIT $2",
            &[Param::Text(pool), int(over)],
        )?;
        for agent in &unassign {
            tx.execute(
                "UPDATE agents SET named = 0 WHERE id = $1",
                &[Param::Text(agent)],
            )?;
            ended.extend(end_named_leases(
                tx,
                agent,
                now,
                ("evicted", "the pool has fewer named seats now"),
            )?);
            audit(
                tx,
                now,
                "unassigned",
                Some(agent),
                None,
                Some("the pool has fewer named seats now"),
            )?;
        }
    }
    Ok(ended)
}

/// The agents of `pool` that hold shared seats now, each with its live
/// leases, in the order they took their seat (first lease), whatever kind
/// is stored with the leases: every agent with a live lease but the first
/// `seats.named` agents with a named seat (earliest assigned first).
fn shared_holders(
    tx: &mut Tx<'_>,
    pool: &str,
    seats: Seats,
    now: u64,
) -> Result<Vec<(String, Vec<String>)>, Error> {
    let rows = tx.query(
        "SELECT l.id, l.agent FROM leases l WHERE l.pool = $1 AND l.not_after > $2
         ORDER BY l.since, l.id",
        &[Param::Text(pool), int(now)],
    )?;
    let on_named = tx.strings(
        "SELECT id FROM agents WHERE pool = $1 AND named = 1
         ORDER BY granted_at, id LIMIT $2",
        &[Param::Text(pool), int(u64::from(seats.named))],
    )?;
    let mut holders: Vec<(String, Vec<String>)> = Vec::new();
    for row in &rows {
        let (id, agent) = (row.text(0)?, row.text(1)?);
        if on_named.contains(&agent) {
            continue;
        }
        match holders.iter_mut().find(|(a, _)| *a == agent) {
            Some((_, leases)) => leases.push(id),
            None => holders.push((agent, vec![id])),
        }
    }
    Ok(holders)
}

/// Ends `agent`'s named-seat leases; returns them.
fn end_named_leases(
    tx: &mut Tx<'_>,
    agent: &str,
    now: u64,
    (event, why): (&str, &str),
) -> Result<Vec<String>, Error> {
    let leases = tx.strings(
        "SELECT id FROM leases WHERE agent = $1 AND kind = 'named'",
        &[Param::Text(agent)],
    )?;
    for lease in &leases {
        end_lease(tx, lease, now, event, why)?;
    }
    Ok(leases)
}

/// Ends the leases whose time ran out, in the transaction.
fn expire(tx: &mut Tx<'_>, now: u64) -> Result<usize, Error> {
    let expired = tx.query(
        "DELETE FROM leases WHERE not_after <= $1 RETURNING id, agent",
        &[int(now)],
    )?;
    for row in &expired {
        let (lease, agent) = (row.text(0)?, row.text(1)?);
        audit(tx, now, "expired", Some(&agent), Some(&lease), None)?;
    }
    count(
        tx,
        "leases_expired",
        u64::try_from(expired.len()).unwrap_or(u64::MAX),
    )?;
    Ok(expired.len())
}

fn end_lease(
    tx: &mut Tx<'_>,
    lease: &str,
    now: u64,
    event: &str,
    detail: &str,
) -> Result<(), Error> {
    let agent = tx
        .row(
            "DELETE FROM leases WHERE id = $1 RETURNING agent",
            &[Param::Text(lease)],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    let detail = (!detail.is_empty()).then_some(detail);
    audit(tx, now, event, agent.as_deref(), Some(lease), detail)
}

fn audit(
    tx: &mut Tx<'_>,
    now: u64,
    event: &str,
    agent: Option<&str>,
    lease: Option<&str>,
    detail: Option<&str>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO audit (at, event, agent, lease, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            int(now),
            Param::Text(event),
            Param::OptText(agent),
            Param::OptText(lease),
            Param::OptText(detail),
        ],
    )?;
    Ok(())
}

fn count(tx: &mut Tx<'_>, name: &str, by: u64) -> Result<(), Error> {
    if by > 0 {
        tx.execute(
            "INSERT INTO counters (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + $2",
            &[Param::Text(name), int(by)],
        )?;
    }
    Ok(())
}

/// A new lease id: 16 random bytes as 32 lowercase hex digits (nothing a
/// shell or a command line could take for a flag).
fn lease_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    SysRng.try_fill_bytes(&mut bytes).map_err(|_| {
        Error::Store("the operating system's random number generator failed".into())
    })?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// SHA-256 of a credential: what the store keeps instead of it.
pub fn hash(credential: &str) -> [u8; 32] {
    Sha256::digest(credential.as_bytes()).into()
}

/// A new secret: `prefix` and 32 random bytes, base64url.
pub fn new_secret(prefix: &str) -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    SysRng.try_fill_bytes(&mut bytes).map_err(|_| {
        Error::Store("the operating system's random number generator failed".into())
    })?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}
