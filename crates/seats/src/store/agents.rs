//! Who may use a pool: granting and revoking agents, assigning named seats.

use super::{
    Account, Action, Agent, Ending, Store, audit, capacity, check_texts, end_lease,
    end_named_leases, hash, int, new_secret, permit, valid_email,
};
use crate::db::{Param, Row, Sql};
use crate::error::Error;

impl Store {
    /// Grants `agent` access to `pool` and returns its new credential (the
    /// only time it is shown; the store keeps its SHA-256). An agent
    /// granted already is refused unless `replace`: then its name, e-mail
    /// address, pool and credential are replaced, and its old credential
    /// still renews and releases the sessions it started, so that none
    /// loses its seat. `agent.named` is not taken: named seats are
    /// assigned apart ([`Store::assign`]).
    pub fn grant(
        &mut self,
        by: &Account,
        agent: &Agent,
        replace: bool,
        now: u64,
    ) -> Result<String, Error> {
        let Agent {
            id: agent,
            name,
            email,
            pool,
            ..
        } = agent;
        permit(by, Action::ManageAccess)?;
        check_texts(&[("agent id", agent), ("name", name), ("e-mail", email)])?;
        if !valid_email(email) {
            return Err(Error::Invalid(format!(
                "e-mail: {email:?} is not an e-mail address"
            )));
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
        let exists = tx.count(
            "SELECT count(*) FROM agents WHERE id = $1",
            &[Param::Text(agent)],
        )? > 0;
        if exists && !replace {
            return Err(Error::Exists(format!(
                "agent {agent:?} is granted already: granting it again replaces its name, \
                 e-mail address and credential (its running sessions keep their seats)"
            )));
        }
        tx.execute(
            "INSERT INTO agents (id, name, email, pool, credential, named, granted_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6)
             ON CONFLICT (id) DO UPDATE SET name = $2, email = $3, pool = $4,
               old_credential = agents.credential, credential = $5",
            &[
                Param::Text(agent),
                Param::Text(name),
                Param::Text(email),
                Param::Text(pool),
                Param::Bytes(&hash(&credential)),
                int(now),
            ],
        )?;
        audit(
            &mut tx,
            now,
            (
                if exists { "granted again" } else { "granted" },
                Some(&by.id),
            ),
            Some(agent),
            None,
            Some(pool),
        )?;
        tx.commit()?;
        Ok(credential)
    }

    /// Takes `agent`'s access away and ends its leases.
    pub fn revoke(&mut self, by: &Account, agent: &str, now: u64) -> Result<(), Error> {
        permit(by, Action::ManageAccess)?;
        let mut tx = self.db.begin()?;
        let leases = tx.strings(
            "SELECT id FROM leases WHERE agent = $1",
            &[Param::Text(agent)],
        )?;
        for lease in &leases {
            end_lease(&mut tx, lease, now, (Ending::AccessRevoked, Some(&by.id)))?;
        }
        if tx.execute("DELETE FROM agents WHERE id = $1", &[Param::Text(agent)])? == 0 {
            return Err(Error::NotFound(format!("no agent {agent:?}")));
        }
        audit(
            &mut tx,
            now,
            ("revoked", Some(&by.id)),
            Some(agent),
            None,
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Assigns (or, with `named = false`, takes back) one of the pool's
    /// named seats to `agent`. Refused when every named seat is assigned.
    pub fn assign(
        &mut self,
        by: &Account,
        agent: &str,
        named: bool,
        now: u64,
    ) -> Result<(), Error> {
        permit(by, Action::ManageAccess)?;
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
                (Ending::NamedSeatTakenBack, Some(&by.id)),
            )?;
        }
        tx.execute(
            "UPDATE agents SET named = $2 WHERE id = $1",
            &[Param::Text(agent), Param::Int(named.into())],
        )?;
        let event = if named { "assigned" } else { "unassigned" };
        audit(
            &mut tx,
            now,
            (event, Some(&by.id)),
            Some(agent),
            None,
            Some(&pool),
        )?;
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

    /// The agent whose credential `credential` was before a new grant
    /// replaced it.
    pub(super) fn replaced(&mut self, credential: &str) -> Result<Option<Agent>, Error> {
        self.db
            .row(
                "SELECT id, name, email, pool, named FROM agents WHERE old_credential = $1",
                &[Param::Bytes(&hash(credential))],
            )?
            .map(|r| agent_row(&r))
            .transpose()
    }
}

pub(super) fn agent_row(r: &Row) -> Result<Agent, Error> {
    Ok(Agent {
        id: r.text(0)?,
        name: r.text(1)?,
        email: r.text(2)?,
        pool: r.text(3)?,
        named: r.flag(4)?,
    })
}

pub(super) fn agent_by_credential(sql: &mut impl Sql, credential: &str) -> Result<Agent, Error> {
    sql.row(
        "SELECT id, name, email, pool, named FROM agents WHERE credential = $1",
        &[Param::Bytes(&hash(credential))],
    )?
    .ok_or(Error::Unauthorized)
    .and_then(|r| agent_row(&r))
}
