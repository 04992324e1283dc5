//! Who holds which seat: a pool's seats as the servers decided them
//! ([`Seats`]), what a claim reads ([`ClaimView`]), and holding a pool to
//! its capacity. A seat follows from who holds a lease, never from the
//! `kind` stored with it.

use std::collections::BTreeMap;

use super::agents::agent_row;
use super::{Agent, Ending, Lease, audit, end_lease, hash, int, lease_row};
use crate::db::{Param, Row, Sql, Tx};
use crate::error::Error;

/// A pool's seats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Seats {
    pub(super) shared: u32,
    pub(super) named: u32,
}

/// The columns, after a `pool_seats s` join, that [`Seats::of`] reads.
macro_rules! figures {
    () => {
        "s.shared, s.named, s.shared_cap, s.named_cap, s.serials, s.fresh_until > $2"
    };
}

/// The seats of `pool` now (`None` when there is no such pool).
pub(super) fn capacity(sql: &mut impl Sql, pool: &str, now: u64) -> Result<Option<Seats>, Error> {
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
    pub(super) fn of(rows: &[Row], first: usize) -> Result<Seats, Error> {
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
pub(super) fn bound(
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
pub(super) struct ClaimView {
    pub(super) agent: Agent,
    /// `None` when the agent's pool is not licensed here now.
    pub(super) seats: Option<Seats>,
    /// Agents with live sessions in the pool.
    pub(super) live_agents: u32,
    /// Of those, agents with a named seat.
    pub(super) named_holders: u32,
    /// Live sessions of the agent.
    pub(super) own_live: u32,
    /// Agents with a named seat assigned before this one.
    pub(super) named_rank: u32,
}

impl ClaimView {
    /// Shared seats in use, with `seats` the pool's: the agents with live
    /// sessions but those holding named seats (at most the named seats).
    pub(super) fn shared_in_use(&self, seats: Seats) -> u32 {
        self.live_agents
            .saturating_sub(self.named_holders.min(seats.named))
    }

    /// Whether the agent holds one of the pool's named seats.
    pub(super) fn on_named_seat(&self, seats: Seats) -> bool {
        self.agent.named && self.named_rank < seats.named
    }
}

pub(super) fn claim_view(
    sql: &mut impl Sql,
    credential: &str,
    now: u64,
) -> Result<ClaimView, Error> {
    let rows = sql.query(
        concat!(
            "SELECT a.id, a.name, a.email, a.pool, a.named,
               (SELECT count(*) FROM pools WHERE id = a.pool),
               (SELECT count(DISTINCT agent) FROM leases WHERE pool = a.pool AND not_after > $2),
               CASE WHEN EXISTS (SELECT 1 FROM agents WHERE pool = a.pool AND named = 1) THEN
                 (SELECT count(DISTINCT l.agent) FROM leases l JOIN agents g ON g.id = l.agent
                   WHERE l.pool = a.pool AND g.named = 1 AND l.not_after > $2)
               ELSE 0 END,
               (SELECT count(*) FROM leases WHERE agent = a.id AND not_after > $2),
               CASE WHEN a.named = 1 THEN
                 (SELECT count(*) FROM agents b WHERE b.pool = a.pool AND b.named = 1
                   AND (b.granted_at < a.granted_at OR (b.granted_at = a.granted_at AND b.id < a.id)))
               ELSE 0 END, ",
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

pub(super) fn own_lease(tx: &mut Tx<'_>, lease: &str, agent: &str) -> Result<Option<Lease>, Error> {
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
pub(super) fn hold_to_capacity(
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
        end_lease(tx, lease, now, (Ending::PoolShrank, None))?;
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
                (Ending::PoolShrank, None),
            )?);
            audit(
                tx,
                now,
                ("unassigned", None),
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
pub(super) fn shared_holders(
    tx: &mut Tx<'_>,
    pool: &str,
    seats: Seats,
    now: u64,
) -> Result<Vec<(String, Vec<String>)>, Error> {
    let rows = tx.query(
        "SELECT l.id, l.agent FROM leases l WHERE l.pool = $1 AND l.not_after > $2
         ORDER BY l.since, COALESCE(l.seq, 0), l.id",
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
pub(super) fn end_named_leases(
    tx: &mut Tx<'_>,
    agent: &str,
    now: u64,
    why: (Ending, Option<&str>),
) -> Result<Vec<String>, Error> {
    let leases = tx.strings(
        "SELECT id FROM leases WHERE agent = $1 AND kind = 'named'",
        &[Param::Text(agent)],
    )?;
    for lease in &leases {
        end_lease(tx, lease, now, why)?;
    }
    Ok(leases)
}
