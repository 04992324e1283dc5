//! What a pool is doing: sessions, pools and their use, the audit log and
//! the counters.

use super::{
    AuditEntry, PoolCounters, PoolSpec, PoolUse, ServerFigure, Session, Store, capacity, int,
    lease_row,
};
use crate::db::{Param, Sql};
use crate::error::Error;

impl Store {
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
                    "SELECT instance, shared, named, fresh_until > $2, host FROM pool_seats
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
                        host: f.opt_text(4)?.unwrap_or_default(),
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
                "SELECT seq, at, event, agent, lease, detail, actor FROM audit
                 ORDER BY seq DESC LIMIT $1",
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
                    actor: r.opt_text(6)?,
                })
            })
            .collect()
    }

    /// The counters, by pool. Counters kept before they were kept per pool
    /// are left out.
    pub fn counters(&mut self) -> Result<PoolCounters, Error> {
        let rows = self.db.query("SELECT name, value FROM counters", &[])?;
        let mut counters = PoolCounters::default();
        if let Ok(refused) = self.refused.lock() {
            for (pool, n) in refused.iter() {
                counters.0.entry(pool.clone()).or_default().claims_refused = *n;
            }
        }
        for row in &rows {
            let value = row.u64(1)?;
            let key = row.text(0)?;
            let Some((name, pool)) = key.split_once('\t') else {
                continue;
            };
            let pool = counters.0.entry(pool.to_string()).or_default();
            match name {
                "claims" => pool.claims = value,
                "leases_expired" => pool.leases_expired = value,
                "admin_ends" => pool.admin_ends = value,
                _ => {}
            }
        }
        Ok(counters)
    }
}
