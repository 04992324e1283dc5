//! The seat store: pools, agents, leases and the audit log in SQLite.
//!
//! Every state change is one `BEGIN IMMEDIATE` transaction that first ends
//! the leases whose time ran out, then checks and writes, and is committed
//! (synced to disk, WAL with `synchronous=FULL`) before the caller answers
//! anyone. Writers are serialised by SQLite itself, so the check "fewer
//! live shared leases than shared seats" and the insert that follows it can
//! never interleave with another claim, in this process or another one on
//! the same file.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use rusqlite::{Connection, OptionalExtension as _, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::Error;

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
}

impl PoolSpec {
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

/// The store. One per server process; several processes may share a file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// Claims refused since this store was opened: a refusal writes
    /// nothing, so that a full pool costs no disk sync.
    refused: u64,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pools (
    id TEXT PRIMARY KEY, product TEXT NOT NULL, edition TEXT NOT NULL, tenant TEXT,
    shared INTEGER NOT NULL, named INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, pool TEXT NOT NULL,
    credential BLOB NOT NULL UNIQUE, named INTEGER NOT NULL DEFAULT 0, granted_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, pool TEXT NOT NULL, kind TEXT NOT NULL,
    since INTEGER NOT NULL, heartbeat INTEGER NOT NULL, not_after INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS leases_pool ON leases (pool, kind);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, event TEXT NOT NULL,
    agent TEXT, lease TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

/// Longest agent id, name or e-mail address accepted.
const MAX_TEXT: usize = 200;

impl Store {
    /// Opens (or makes) the store at `path`: WAL, every commit synced.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Store::with(conn)
    }

    /// A store in memory (tests).
    pub fn in_memory() -> Result<Store, Error> {
        Store::with(Connection::open_in_memory()?)
    }

    fn with(conn: Connection) -> Result<Store, Error> {
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn, refused: 0 })
    }

    fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Sets the pools to what the licences decided now. A pool that is
    /// gone ends its leases; a pool that shrank ends its newest shared
    /// leases beyond its seats and unassigns its newest named seats beyond
    /// its named seats. Returns the ids of the leases ended.
    pub fn set_pools(&mut self, pools: &[PoolSpec], now: u64) -> Result<Vec<String>, Error> {
        let tx = self.begin()?;
        expire(&tx, now)?;
        let mut ended = Vec::new();
        let old: Vec<String> = query_strings(&tx, "SELECT id FROM pools", [])?;
        for id in old.iter().filter(|id| !pools.iter().any(|p| &p.id == *id)) {
            let gone = query_strings(&tx, "SELECT id FROM leases WHERE pool = ?1", [id])?;
            for lease in &gone {
                end_lease(&tx, lease, now, "evicted", "its pool is no longer licensed")?;
            }
            ended.extend(gone);
            tx.execute("DELETE FROM pools WHERE id = ?1", [id])?;
        }
        for pool in pools {
            tx.execute(
                "INSERT INTO pools (id, product, edition, tenant, shared, named)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET shared = ?5, named = ?6",
                params![
                    pool.id,
                    pool.product,
                    pool.edition,
                    pool.tenant,
                    pool.shared,
                    pool.named
                ],
            )?;
            let over: Vec<String> = query_strings(
                &tx,
                "SELECT id FROM leases WHERE pool = ?1 AND kind = 'shared'
                 ORDER BY since DESC, id DESC LIMIT max(0, (SELECT count(*) FROM leases
                   WHERE pool = ?1 AND kind = 'shared') - ?2)",
                params![pool.id, pool.shared],
            )?;
            for lease in &over {
                end_lease(
                    &tx,
                    lease,
                    now,
                    "evicted",
                    "the pool has fewer shared seats now",
                )?;
            }
            ended.extend(over);
            let unassign: Vec<String> = query_strings(
                &tx,
                "SELECT id FROM agents WHERE pool = ?1 AND named = 1
                 ORDER BY granted_at DESC, id DESC LIMIT max(0, (SELECT count(*) FROM agents
                   WHERE pool = ?1 AND named = 1) - ?2)",
                params![pool.id, pool.named],
            )?;
            for agent in &unassign {
                tx.execute("UPDATE agents SET named = 0 WHERE id = ?1", [agent])?;
                let named_leases = query_strings(
                    &tx,
                    "SELECT id FROM leases WHERE agent = ?1 AND kind = 'named'",
                    [agent],
                )?;
                for lease in &named_leases {
                    end_lease(
                        &tx,
                        lease,
                        now,
                        "evicted",
                        "the pool has fewer named seats now",
                    )?;
                }
                ended.extend(named_leases);
                audit(
                    &tx,
                    now,
                    "unassigned",
                    Some(agent),
                    None,
                    Some("the pool has fewer named seats now"),
                )?;
            }
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
        let tx = self.begin()?;
        let known: bool = tx
            .query_row("SELECT count(*) FROM pools WHERE id = ?1", [pool], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n > 0)?;
        if !known {
            return Err(Error::NotFound(format!(
                "no pool {pool:?}: the licences here make {}",
                pool_list(&tx)?
            )));
        }
        tx.execute(
            "INSERT INTO agents (id, name, email, pool, credential, named, granted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)
             ON CONFLICT (id) DO UPDATE SET name = ?2, email = ?3, pool = ?4, credential = ?5",
            params![agent, name, email, pool, hash(&credential).as_slice(), now],
        )?;
        audit(&tx, now, "granted", Some(agent), None, Some(pool))?;
        tx.commit()?;
        Ok(credential)
    }

    /// Takes `agent`'s access away and ends its leases.
    pub fn revoke(&mut self, agent: &str, now: u64) -> Result<(), Error> {
        let tx = self.begin()?;
        let leases = query_strings(&tx, "SELECT id FROM leases WHERE agent = ?1", [agent])?;
        for lease in &leases {
            end_lease(&tx, lease, now, "ended", "the agent's access was revoked")?;
        }
        if tx.execute("DELETE FROM agents WHERE id = ?1", [agent])? == 0 {
            return Err(Error::NotFound(format!("no agent {agent:?}")));
        }
        audit(&tx, now, "revoked", Some(agent), None, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Assigns (or, with `named = false`, takes back) one of the pool's
    /// named seats to `agent`. Refused when every named seat is assigned.
    pub fn assign(&mut self, agent: &str, named: bool, now: u64) -> Result<(), Error> {
        let tx = self.begin()?;
        let pool: Option<String> = tx
            .query_row("SELECT pool FROM agents WHERE id = ?1", [agent], |r| {
                r.get(0)
            })
            .optional()?;
        let pool = pool.ok_or_else(|| Error::NotFound(format!("no agent {agent:?}")))?;
        if named {
            let (seats, assigned): (u32, u32) = tx.query_row(
                "SELECT named, (SELECT count(*) FROM agents WHERE pool = ?1 AND named = 1 AND id != ?2)
                 FROM pools WHERE id = ?1",
                params![pool, agent],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if assigned >= seats {
                return Err(Error::Invalid(format!(
                    "every named seat of {pool} is assigned ({seats} of {seats})"
                )));
            }
        } else {
            let leases = query_strings(
                &tx,
                "SELECT id FROM leases WHERE agent = ?1 AND kind = 'named'",
                [agent],
            )?;
            for lease in &leases {
                end_lease(
                    &tx,
                    lease,
                    now,
                    "ended",
                    "the agent's named seat was taken back",
                )?;
            }
        }
        tx.execute(
            "UPDATE agents SET named = ?2 WHERE id = ?1",
            params![agent, named],
        )?;
        let event = if named { "assigned" } else { "unassigned" };
        audit(&tx, now, event, Some(agent), None, Some(&pool))?;
        tx.commit()?;
        Ok(())
    }

    /// Every agent, by id.
    pub fn agents(&self) -> Result<Vec<Agent>, Error> {
        let mut statement = self
            .conn
            .prepare("SELECT id, name, email, pool, named FROM agents ORDER BY id")?;
        let agents = statement
            .query_map([], agent_row)?
            .collect::<Result<_, _>>()?;
        Ok(agents)
    }

    /// The agent a credential belongs to.
    pub fn agent(&self, credential: &str) -> Result<Agent, Error> {
        self.conn
            .query_row(
                "SELECT id, name, email, pool, named FROM agents WHERE credential = ?1",
                [hash(credential).as_slice()],
                agent_row,
            )
            .optional()?
            .ok_or(Error::Unauthorized)
    }

    /// Claims a seat for the agent of `credential` for `ttl` seconds: its
    /// named seat if it holds one that no session of its uses, else a
    /// shared seat if one is free.
    pub fn claim(&mut self, credential: &str, now: u64, ttl: u64) -> Result<Lease, Error> {
        let agent = self.agent(credential)?;
        if !agent.named {
            // A full pool refuses on a read: nothing to write or sync.
            let full: Option<(u32, u32)> = self
                .conn
                .query_row(
                    "SELECT shared, (SELECT count(*) FROM leases
                       WHERE pool = ?1 AND kind = 'shared' AND not_after > ?2)
                     FROM pools WHERE id = ?1",
                    params![agent.pool, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((shared, _)) = full.filter(|(shared, live)| live >= shared) {
                self.refused = self.refused.saturating_add(1);
                return Err(Error::Exhausted {
                    pool: agent.pool,
                    seats: shared,
                });
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The grant read again, now that no one else can write: a
        // revocation or a changed named seat since the lookup wins.
        let agent: Agent = tx
            .query_row(
                "SELECT id, name, email, pool, named FROM agents WHERE credential = ?1",
                [hash(credential).as_slice()],
                agent_row,
            )
            .optional()?
            .ok_or(Error::Unauthorized)?;
        expire(&tx, now)?;
        let shared: Option<u32> = tx
            .query_row(
                "SELECT shared FROM pools WHERE id = ?1",
                [&agent.pool],
                |r| r.get(0),
            )
            .optional()?;
        let Some(shared) = shared else {
            return Err(Error::NotFound(format!(
                "the pool {} is not licensed here now",
                agent.pool
            )));
        };
        // A named seat is one person's and holds one session at a time
        // (the manuals are silent on more; docs/catalog.md): a second
        // session of its holder takes a shared seat like anyone's, so a
        // named agent's credential passed around yields one seat, not many.
        let named_free = agent.named
            && tx.query_row(
                "SELECT count(*) = 0 FROM leases WHERE agent = ?1 AND kind = 'named'",
                [&agent.id],
                |r| r.get::<_, bool>(0),
            )?;
        let kind = if named_free {
            Kind::Named
        } else {
            let in_use: u32 = tx.query_row(
                "SELECT count(*) FROM leases WHERE pool = ?1 AND kind = 'shared'",
                [&agent.pool],
                |r| r.get(0),
            )?;
            if in_use >= shared {
                tx.commit()?;
                self.refused = self.refused.saturating_add(1);
                return Err(Error::Exhausted {
                    pool: agent.pool,
                    seats: shared,
                });
            }
            Kind::Shared
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
            params![
                lease.id,
                lease.agent,
                lease.pool,
                kind_text(kind),
                lease.since,
                lease.not_after
            ],
        )?;
        count(&tx, "claims", 1)?;
        audit(
            &tx,
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
        let tx = self.begin()?;
        expire(&tx, now)?;
        let found = own_lease(&tx, lease, &agent.id)?;
        let mut found = found.ok_or_else(|| Error::LeaseExpired(lease.to_string()))?;
        found.heartbeat = now;
        found.not_after = now.saturating_add(ttl);
        tx.execute(
            "UPDATE leases SET heartbeat = ?2, not_after = ?3 WHERE id = ?1",
            params![lease, found.heartbeat, found.not_after],
        )?;
        tx.commit()?;
        Ok(found)
    }

    /// Ends the agent's lease `lease` (the session ended).
    pub fn release(&mut self, credential: &str, lease: &str, now: u64) -> Result<(), Error> {
        let agent = self.agent(credential)?;
        let tx = self.begin()?;
        expire(&tx, now)?;
        if own_lease(&tx, lease, &agent.id)?.is_none() {
            return Err(Error::NotFound(format!(
                "no live lease {lease} of agent {}",
                agent.id
            )));
        }
        end_lease(&tx, lease, now, "released", "")?;
        tx.commit()?;
        Ok(())
    }

    /// The administrator ends the leases `leases`; returns how many were live.
    pub fn end(&mut self, leases: &[String], now: u64) -> Result<usize, Error> {
        let tx = self.begin()?;
        expire(&tx, now)?;
        let mut ended = 0usize;
        for lease in leases {
            let live: bool = tx.query_row(
                "SELECT count(*) > 0 FROM leases WHERE id = ?1",
                [lease],
                |r| r.get(0),
            )?;
            if live {
                end_lease(&tx, lease, now, "ended", "by the administrator")?;
                ended = ended.saturating_add(1);
            }
        }
        count(&tx, "admin_ends", u64::try_from(ended).unwrap_or(u64::MAX))?;
        tx.commit()?;
        Ok(ended)
    }

    /// Ends the leases whose time ran out; returns how many.
    pub fn expire(&mut self, now: u64) -> Result<usize, Error> {
        let tx = self.begin()?;
        let n = expire(&tx, now)?;
        tx.commit()?;
        Ok(n)
    }

    /// The live leases with their agents, oldest first.
    pub fn sessions(&mut self, now: u64) -> Result<Vec<Session>, Error> {
        self.expire(now)?;
        let mut statement = self.conn.prepare(
            "SELECT l.id, l.agent, l.pool, l.kind, l.since, l.heartbeat, l.not_after, a.name, a.email
             FROM leases l LEFT JOIN agents a ON a.id = l.agent ORDER BY l.since, l.id",
        )?;
        let sessions = statement
            .query_map([], |r| {
                Ok(Session {
                    lease: lease_row(r)?,
                    name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    email: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(sessions)
    }

    /// Every pool and its use.
    pub fn pools(&mut self, now: u64) -> Result<Vec<PoolUse>, Error> {
        self.expire(now)?;
        let mut statement = self.conn.prepare(
            "SELECT p.id, p.product, p.edition, p.tenant, p.shared, p.named,
               (SELECT count(*) FROM leases WHERE pool = p.id AND kind = 'shared'),
               (SELECT count(*) FROM agents WHERE pool = p.id AND named = 1),
               (SELECT count(*) FROM agents WHERE pool = p.id)
             FROM pools p ORDER BY p.id",
        )?;
        let pools = statement
            .query_map([], |r| {
                Ok(PoolUse {
                    spec: PoolSpec {
                        id: r.get(0)?,
                        product: r.get(1)?,
                        edition: r.get(2)?,
                        tenant: r.get(3)?,
                        shared: r.get(4)?,
                        named: r.get(5)?,
                        licence: String::new(),
                    },
                    shared_in_use: r.get(6)?,
                    named_assigned: r.get(7)?,
                    agents: r.get(8)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(pools)
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT seq, at, event, agent, lease, detail FROM audit ORDER BY seq DESC LIMIT ?1",
        )?;
        let entries = statement
            .query_map([limit], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    event: r.get(2)?,
                    agent: r.get(3)?,
                    lease: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(entries)
    }

    /// The counters.
    pub fn counters(&self) -> Result<Counters, Error> {
        let get = |name: &str| -> Result<u64, Error> {
            Ok(self
                .conn
                .query_row("SELECT value FROM counters WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()?
                .unwrap_or(0))
        };
        Ok(Counters {
            claims: get("claims")?,
            claims_refused: self.refused,
            leases_expired: get("leases_expired")?,
            admin_ends: get("admin_ends")?,
        })
    }
}

fn agent_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        pool: r.get(3)?,
        named: r.get(4)?,
    })
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Shared => "shared",
        Kind::Named => "named",
    }
}

fn lease_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Lease> {
    let kind: String = r.get(3)?;
    Ok(Lease {
        id: r.get(0)?,
        agent: r.get(1)?,
        pool: r.get(2)?,
        kind: if kind == "named" {
            Kind::Named
        } else {
            Kind::Shared
        },
        since: r.get(4)?,
        heartbeat: r.get(5)?,
        not_after: r.get(6)?,
        signed: None,
    })
}

fn own_lease(tx: &Transaction<'_>, lease: &str, agent: &str) -> Result<Option<Lease>, Error> {
    Ok(tx
        .query_row(
            "SELECT id, agent, pool, kind, since, heartbeat, not_after FROM leases
             WHERE id = ?1 AND agent = ?2",
            [lease, agent],
            lease_row,
        )
        .optional()?)
}

/// Ends the leases whose time ran out, in the transaction.
fn expire(tx: &Transaction<'_>, now: u64) -> Result<usize, Error> {
    let expired: Vec<(String, String)> = {
        let mut statement =
            tx.prepare("DELETE FROM leases WHERE not_after <= ?1 RETURNING id, agent")?;
        statement
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (lease, agent) in &expired {
        audit(tx, now, "expired", Some(agent), Some(lease), None)?;
    }
    count(
        tx,
        "leases_expired",
        u64::try_from(expired.len()).unwrap_or(u64::MAX),
    )?;
    Ok(expired.len())
}

fn end_lease(
    tx: &Transaction<'_>,
    lease: &str,
    now: u64,
    event: &str,
    detail: &str,
) -> Result<(), Error> {
    let agent: Option<String> = tx
        .query_row(
            "DELETE FROM leases WHERE id = ?1 RETURNING agent",
            [lease],
            |r| r.get(0),
        )
        .optional()?;
    let detail = (!detail.is_empty()).then_some(detail);
    audit(tx, now, event, agent.as_deref(), Some(lease), detail)
}

fn audit(
    tx: &Transaction<'_>,
    now: u64,
    event: &str,
    agent: Option<&str>,
    lease: Option<&str>,
    detail: Option<&str>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO audit (at, event, agent, lease, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, event, agent, lease, detail],
    )?;
    Ok(())
}

fn count(tx: &Transaction<'_>, name: &str, by: u64) -> Result<(), Error> {
    if by > 0 {
        tx.execute(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = value + ?2",
            params![name, by],
        )?;
    }
    Ok(())
}

fn query_strings<P: rusqlite::Params>(
    tx: &Transaction<'_>,
    sql: &str,
    params: P,
) -> Result<Vec<String>, Error> {
    let mut statement = tx.prepare(sql)?;
    let rows = statement
        .query_map(params, |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn pool_list(tx: &Transaction<'_>) -> Result<String, Error> {
    let pools = query_strings(tx, "SELECT id FROM pools ORDER BY id", [])?;
    Ok(if pools.is_empty() {
        "no pool".to_string()
    } else {
        pools.join(", ")
    })
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
