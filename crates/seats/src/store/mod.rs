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

mod accounts;
mod agents;

mod endings;
mod model;
mod reports;
mod seats;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use sha2::{Digest as _, Sha256};

use crate::db::{Db, Param, Row, Sql, Tx, int};
use crate::error::Error;
use accounts::permit;
use endings::{ENDINGS_KEPT, end_lease, ended, expire};
pub use model::{
    Account, Action, Agent, AuditEntry, Counters, Ending, Kind, Lease, PoolCounters, PoolSpec,
    PoolUse, Role, ServerFigure, Session,
};
use seats::{
    ClaimView, Seats, bound, capacity, claim_view, end_named_leases, hold_to_capacity, own_lease,
};

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
    refused: Arc<Mutex<BTreeMap<String, u64>>>,
    /// The only server's pools as its decision made them at the last
    /// [`Store::set_pools`]: a claim never counts on more, whatever the
    /// file says now (root on the host can write the file).
    decided: BTreeMap<String, Seats>,
    /// How long audit lines are kept, seconds (`None`: for ever); older
    /// ones go at each [`Store::set_pools`].
    audit_kept: Option<u64>,
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
    fresh_until BIGINT NOT NULL, host TEXT, PRIMARY KEY (pool, instance));
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, pool TEXT NOT NULL,
    credential {bytes} NOT NULL UNIQUE, named BIGINT NOT NULL DEFAULT 0,
    granted_at BIGINT NOT NULL, old_credential {bytes});
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, pool TEXT NOT NULL, kind TEXT NOT NULL,
    since BIGINT NOT NULL, heartbeat BIGINT NOT NULL, not_after BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS leases_pool ON leases (pool, kind);
CREATE INDEX IF NOT EXISTS leases_not_after ON leases (not_after);
CREATE INDEX IF NOT EXISTS leases_agent ON leases (agent);
CREATE INDEX IF NOT EXISTS agents_named ON agents (pool, named, granted_at);
CREATE TABLE IF NOT EXISTS audit (
    seq {serial}, at BIGINT NOT NULL, event TEXT NOT NULL,
    agent TEXT, lease TEXT, detail TEXT, actor TEXT);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
    add_remove_users BIGINT NOT NULL, manage_products BIGINT NOT NULL,
    credential {bytes} NOT NULL UNIQUE, created BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ended (
    lease TEXT PRIMARY KEY, agent TEXT NOT NULL, reason TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS ended_at ON ended (at);
CREATE TABLE IF NOT EXISTS lists (
    digest TEXT PRIMARY KEY, text TEXT NOT NULL, at BIGINT NOT NULL);
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
        // A store made before accounts had no `actor` in its audit log.
        db.add_column("audit", "actor", "TEXT")?;
        // Nor did its agents keep the credential a new grant replaced.
        db.add_column("agents", "old_credential", "{bytes}")?;
        // Nor did its servers say which host they are.
        db.add_column("pool_seats", "host", "TEXT")?;
        // Nor did its leases keep the order they were taken in within one
        // second (`seq`): who came last loses a seat when the pool shrinks.
        db.add_column("leases", "seq", "BIGINT")?;
        db.execute_batch("CREATE INDEX IF NOT EXISTS leases_seq ON leases (seq)")?;
        Ok(Store {
            db,
            instance: instance.to_string(),
            holds_for,
            place,
            refused: Arc::new(Mutex::new(BTreeMap::new())),
            decided: BTreeMap::new(),
            audit_kept: None,
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
            audit_kept: self.audit_kept,
        }))
    }

    /// Keeps audit lines for `days` days from now on (0: for ever): a
    /// server that runs for years does not fill its disk with them. Older
    /// lines go at each refresh of the pools.
    pub fn keep_audit_for(&mut self, days: u64) {
        self.audit_kept = (days > 0).then(|| days.saturating_mul(86_400));
    }

    /// Keeps the revocation lists `texts` (`entr1.…`, as a server's material
    /// holds them) for every server on the store. Nothing is checked here:
    /// each server's decision takes only authentic lists, so a list written
    /// in by hand revokes nothing it may not.
    pub fn publish_lists(&mut self, texts: &[String], now: u64) -> Result<(), Error> {
        // One server alone (SQLite) has no one to share them with.
        if texts.is_empty() || !matches!(self.place, Place::Postgres(_)) {
            return Ok(());
        }
        let mut tx = self.db.begin()?;
        for text in texts {
            let digest = hash(text)
                .iter()
                .fold(String::with_capacity(64), |mut s, b| {
                    use std::fmt::Write as _;
                    let _ = write!(s, "{b:02x}");
                    s
                });
            tx.execute(
                "INSERT INTO lists (digest, text, at) VALUES ($1, $2, $3)
                 ON CONFLICT (digest) DO NOTHING",
                &[Param::Text(&digest), Param::Text(text), int(now)],
            )?;
        }
        tx.commit()
    }

    /// Every revocation list a server on this store published.
    pub fn lists(&mut self) -> Result<Vec<String>, Error> {
        self.db
            .strings("SELECT text FROM lists ORDER BY digest", &[])
    }

    /// The identity of this store, to which an activation in format 2
    /// binds a licence served by a primary and a standby server: 16 bytes
    /// of SHA-256 over PostgreSQL's system identifier (made by `initdb`,
    /// not copied by a dump or `CREATE DATABASE … TEMPLATE`) and the
    /// database's oid. `None` on SQLite: a file copied to another machine
    /// would be the same store, so no pair is served from SQLite.
    pub fn identity(&mut self) -> Result<Option<[u8; 16]>, Error> {
        if !matches!(self.place, Place::Postgres(_)) {
            return Ok(None);
        }
        let row = self
            .db
            .row(
                "SELECT (SELECT system_identifier::text FROM pg_control_system()),
                   (SELECT oid::text FROM pg_database WHERE datname = current_database())",
                &[],
            )?
            .ok_or_else(|| Error::Store("the database did not say who it is".into()))?;
        let digest = Sha256::new()
            .chain_update(b"entitle seat store v1\0")
            .chain_update(row.text(0)?.as_bytes())
            .chain_update([0u8])
            .chain_update(row.text(1)?.as_bytes())
            .finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        Ok(Some(id))
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
        if let Ok(mut refused) = self.refused.lock() {
            let count = refused.entry(pool.clone()).or_default();
            *count = count.saturating_add(1);
        }
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
        // Which host records the figure, for people reading the pool.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
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
                   (pool, instance, shared, named, shared_cap, named_cap, serials, fresh_until,
                    host)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (pool, instance) DO UPDATE SET shared = $3, named = $4,
                   shared_cap = $5, named_cap = $6, serials = $7, fresh_until = $8, host = $9",
                &[
                    Param::Text(&pool.id),
                    Param::Text(me),
                    int(pool.shared.into()),
                    int(pool.named.into()),
                    cap(pool.shared_cap),
                    cap(pool.named_cap),
                    Param::Text(&serials),
                    Param::Int(fresh_until),
                    Param::Text(&host),
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
                end_lease(&mut tx, lease, now, (Ending::PoolUnlicensed, None))?;
            }
            ended.extend(leases);
            tx.execute("DELETE FROM pools WHERE id = $1", &[Param::Text(id)])?;
        }
        for pool in tx.strings("SELECT id FROM pools ORDER BY id", &[])? {
            let seats = capacity(&mut tx, &pool, now)?.unwrap_or_default();
            ended.extend(hold_to_capacity(&mut tx, &pool, seats, now)?);
        }
        tx.execute(
            "DELETE FROM ended WHERE at < $1",
            &[int(now.saturating_sub(ENDINGS_KEPT))],
        )?;
        if let Some(kept) = self.audit_kept {
            tx.execute(
                "DELETE FROM audit WHERE at < $1",
                &[int(now.saturating_sub(kept))],
            )?;
        }
        tx.commit()?;
        Ok(ended)
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
        let lease_params = [
            Param::Text(&lease.id),
            Param::Text(&lease.agent),
            Param::Text(&lease.pool),
            Param::Text(kind_text(kind)),
            int(lease.since),
            int(lease.not_after),
        ];
        if tx.is_postgres() {
            // The lease, its count and its audit line in one round trip
            // under the writers' lock (docs/performance.md).
            let counter = counter_key("claims", &lease.pool);
            let mut params = lease_params.to_vec();
            params.push(Param::Text(&counter));
            tx.execute(
                "WITH lease AS (
                   INSERT INTO leases (id, agent, pool, kind, since, heartbeat, not_after, seq)
                   VALUES ($1, $2, $3, $4, $5, $5, $6,
                           (SELECT COALESCE(max(seq), 0) + 1 FROM leases))),
                 counted AS (
                   INSERT INTO counters (name, value) VALUES ($7, 1)
                   ON CONFLICT (name) DO UPDATE SET value = counters.value + 1)
                 INSERT INTO audit (at, event, agent, lease, detail, actor)
                 VALUES ($5, 'claimed', $2, $1, $4, NULL)",
                &params,
            )?;
        } else {
            tx.execute(
                "INSERT INTO leases (id, agent, pool, kind, since, heartbeat, not_after, seq)
                 VALUES ($1, $2, $3, $4, $5, $5, $6, (SELECT COALESCE(max(seq), 0) + 1 FROM leases))",
                &lease_params,
            )?;
            count(&mut tx, "claims", &lease.pool, 1)?;
            audit(
                &mut tx,
                now,
                ("claimed", None),
                Some(&lease.agent),
                Some(&lease.id),
                Some(kind_text(kind)),
            )?;
        }
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
        let agent = self.lease_holder(credential, lease)?;
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        let Some(mut found) = own_lease(&mut tx, lease, &agent.id)? else {
            return Err(ended(&mut tx, lease, &agent.id)?);
        };
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
        let agent = self.lease_holder(credential, lease)?;
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        if own_lease(&mut tx, lease, &agent.id)?.is_none() {
            return Err(ended(&mut tx, lease, &agent.id)?);
        }
        end_lease(&mut tx, lease, now, (Ending::Released, None))?;
        tx.commit()?;
        Ok(())
    }

    /// An administrator (`by`) ends the leases `leases`; returns those that
    /// were not live (ended already, or never leases).
    pub fn end(&mut self, by: &Account, leases: &[String], now: u64) -> Result<Vec<String>, Error> {
        permit(by, Action::EndSessions)?;
        let mut tx = self.db.begin()?;
        expire(&mut tx, now)?;
        let mut not_live = Vec::new();
        for lease in leases {
            if tx.count(
                "SELECT count(*) FROM leases WHERE id = $1",
                &[Param::Text(lease)],
            )? > 0
            {
                end_lease(&mut tx, lease, now, (Ending::EndedByAdmin, Some(&by.id)))?;
            } else if !not_live.contains(lease) {
                not_live.push(lease.clone());
            }
        }
        tx.commit()?;
        Ok(not_live)
    }

    /// The agent of `credential`, who asks about `lease`; an agent whose
    /// access was revoked is told that its lease ended for that reason.
    fn lease_holder(&mut self, credential: &str, lease: &str) -> Result<Agent, Error> {
        match self.agent(credential) {
            Err(Error::Unauthorized) => {
                // The credential a new grant replaced still renews and
                // releases the sessions it started (never claims a new one).
                if let Some(agent) = self.replaced(credential)? {
                    return Ok(agent);
                }
                let revoked = self.db.count(
                    "SELECT count(*) FROM ended WHERE lease = $1 AND reason = $2",
                    &[
                        Param::Text(lease),
                        Param::Text(Ending::AccessRevoked.code()),
                    ],
                )?;
                Err(if revoked > 0 {
                    Error::LeaseEnded {
                        lease: lease.to_string(),
                        ending: Ending::AccessRevoked,
                    }
                } else {
                    Error::Unauthorized
                })
            }
            found => found,
        }
    }

    /// Ends the leases whose time ran out; returns how many.
    pub fn expire(&mut self, now: u64) -> Result<usize, Error> {
        let mut tx = self.db.begin()?;
        let n = expire(&mut tx, now)?;
        tx.commit()?;
        Ok(n)
    }
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

/// One line of the audit log: `event` about `agent` and `lease`, done by
/// `actor` (an account; `None` for the agent itself or the server).
fn audit(
    tx: &mut Tx<'_>,
    now: u64,
    (event, actor): (&str, Option<&str>),
    agent: Option<&str>,
    lease: Option<&str>,
    detail: Option<&str>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO audit (at, event, agent, lease, detail, actor)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            int(now),
            Param::Text(event),
            Param::OptText(agent),
            Param::OptText(lease),
            Param::OptText(detail),
            Param::OptText(actor),
        ],
    )?;
    Ok(())
}

/// The key of the counter `name` of `pool`: `name`, a tab, the pool.
fn counter_key(name: &str, pool: &str) -> String {
    format!("{name}\t{pool}")
}

/// Adds `by` to the counter `name` of `pool`.
fn count(tx: &mut Tx<'_>, name: &str, pool: &str, by: u64) -> Result<(), Error> {
    if by > 0 {
        tx.execute(
            "INSERT INTO counters (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + $2",
            &[Param::Text(&counter_key(name, pool)), int(by)],
        )?;
    }
    Ok(())
}

/// Whether `email` looks like an e-mail address: one `@`, something
/// before it, a dotted domain after it, no spaces.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

/// Refuses an id, name or e-mail address that is empty, too long or holds
/// control characters.
fn check_texts(texts: &[(&str, &str)]) -> Result<(), Error> {
    for (what, text) in texts {
        if text.trim().is_empty() || text.len() > MAX_TEXT || text.chars().any(char::is_control) {
            return Err(Error::Invalid(format!(
                "{what}: 1 to {MAX_TEXT} characters without control characters"
            )));
        }
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
