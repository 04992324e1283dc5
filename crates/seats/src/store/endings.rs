//! How leases end: their time runs out ([`expire`]), the agent releases
//! them, or an administrator or the server ends them ([`end_lease`]); why
//! is kept for a day, so that the agent is told when it next renews
//! ([`ended`]).

use super::{Ending, audit, count, int};
use crate::db::{Param, Sql, Tx};
use crate::error::Error;

/// Ends the leases whose time ran out, in the transaction.
pub(super) fn expire(tx: &mut Tx<'_>, now: u64) -> Result<usize, Error> {
    let expired = tx.query(
        "DELETE FROM leases WHERE not_after <= $1 RETURNING id, agent, pool",
        &[int(now)],
    )?;
    for row in &expired {
        let (lease, agent, pool) = (row.text(0)?, row.text(1)?, row.text(2)?);
        record_ending(tx, &lease, &agent, Ending::Lapsed, now)?;
        count(tx, "leases_expired", &pool, 1)?;
        audit(tx, now, ("expired", None), Some(&agent), Some(&lease), None)?;
    }
    Ok(expired.len())
}

/// Ends `lease` for the reason `ending`, caused by `actor` (an account) or
/// by the agent or the server (`None`): the agent is told why when it
/// next renews, and an account's ends are counted.
pub(super) fn end_lease(
    tx: &mut Tx<'_>,
    lease: &str,
    now: u64,
    (ending, actor): (Ending, Option<&str>),
) -> Result<(), Error> {
    let Some(row) = tx.row(
        "DELETE FROM leases WHERE id = $1 RETURNING agent, pool",
        &[Param::Text(lease)],
    )?
    else {
        return Ok(());
    };
    let agent = row.text(0)?;
    if ending != Ending::Released {
        record_ending(tx, lease, &agent, ending, now)?;
    }
    if actor.is_some() {
        count(tx, "admin_ends", &row.text(1)?, 1)?;
    }
    let detail = (ending != Ending::Released).then(|| ending.english());
    audit(
        tx,
        now,
        (ending.event(), actor),
        Some(&agent),
        Some(lease),
        detail,
    )
}

/// Keeps why `lease` ended for a day, for its agent's next renewal.
fn record_ending(
    tx: &mut Tx<'_>,
    lease: &str,
    agent: &str,
    ending: Ending,
    now: u64,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO ended (lease, agent, reason, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (lease) DO UPDATE SET reason = $3, at = $4",
        &[
            Param::Text(lease),
            Param::Text(agent),
            Param::Text(ending.code()),
            int(now),
        ],
    )?;
    Ok(())
}

/// How long why a lease ended is kept, seconds.
pub(super) const ENDINGS_KEPT: u64 = 86_400;

/// The error for `agent`'s lease `lease`, which is not live: why it
/// ended, or that it lapsed (a lease never seen, or ended over a day ago).
pub(super) fn ended(tx: &mut Tx<'_>, lease: &str, agent: &str) -> Result<Error, Error> {
    let ending = tx
        .row(
            "SELECT reason FROM ended WHERE lease = $1 AND agent = $2",
            &[Param::Text(lease), Param::Text(agent)],
        )?
        .map(|r| r.text(0))
        .transpose()?
        .and_then(|code| Ending::from_code(&code))
        .unwrap_or(Ending::Lapsed);
    Ok(Error::LeaseEnded {
        lease: lease.to_string(),
        ending,
    })
}
