//! Who administers the seats: administrator and manager accounts, each
//! with a credential of its own, and the permission check every
//! administrative change passes first.

use super::{Account, Action, Role, Store, audit, check_texts, hash, int, new_secret};
use crate::db::{Param, Row, Sql};
use crate::error::Error;

impl Store {
    /// Adds an account for a person and returns its new credential (shown
    /// once; the store keeps its SHA-256). Only an administrator may; an
    /// id already in use is refused, never replaced.
    pub fn add_account(
        &mut self,
        by: &Account,
        account: &Account,
        now: u64,
    ) -> Result<String, Error> {
        permit(by, Action::ManageAccounts)?;
        check_texts(&[("account id", &account.id), ("name", &account.name)])?;
        if account.id == Account::SITE_ADMIN {
            return Err(Error::Invalid(format!(
                "the account id {:?} is the site's first administrator's (admin.credential)",
                Account::SITE_ADMIN
            )));
        }
        let credential = new_secret("eac1_")?;
        let mut tx = self.db.begin()?;
        let taken = tx.count(
            "SELECT count(*) FROM accounts WHERE id = $1",
            &[Param::Text(&account.id)],
        )?;
        if taken > 0 {
            return Err(Error::Exists(format!(
                "an account {:?} exists: remove it first to make it anew",
                account.id
            )));
        }
        tx.execute(
            "INSERT INTO accounts
               (id, name, role, add_remove_users, manage_products, credential, created)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                Param::Text(&account.id),
                Param::Text(&account.name),
                Param::Text(role_text(account.role)),
                Param::Int(account.add_remove_users.into()),
                Param::Int(account.manage_products.into()),
                Param::Bytes(&hash(&credential)),
                int(now),
            ],
        )?;
        let detail = describe(account);
        audit(
            &mut tx,
            now,
            ("account added", Some(&by.id)),
            None,
            None,
            Some(&detail),
        )?;
        tx.commit()?;
        Ok(credential)
    }

    /// Removes an account: its credential stops working, its browser
    /// sign-ins with it. Only an administrator may.
    pub fn remove_account(&mut self, by: &Account, id: &str, now: u64) -> Result<(), Error> {
        permit(by, Action::ManageAccounts)?;
        let mut tx = self.db.begin()?;
        if tx.execute("DELETE FROM accounts WHERE id = $1", &[Param::Text(id)])? == 0 {
            return Err(Error::NotFound(format!("no account {id:?}")));
        }
        audit(
            &mut tx,
            now,
            ("account removed", Some(&by.id)),
            None,
            None,
            Some(id),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every account, by id, the site's first administrator first.
    pub fn accounts(&mut self) -> Result<Vec<Account>, Error> {
        let mut accounts = vec![Account::site_admin()];
        for row in self.db.query(
            "SELECT id, name, role, add_remove_users, manage_products FROM accounts ORDER BY id",
            &[],
        )? {
            accounts.push(account_row(&row)?);
        }
        Ok(accounts)
    }

    /// The account a credential belongs to (not the site's first
    /// administrator's, which the server checks itself).
    pub fn account(&mut self, credential: &str) -> Result<Account, Error> {
        self.db
            .row(
                "SELECT id, name, role, add_remove_users, manage_products FROM accounts
                 WHERE credential = $1",
                &[Param::Bytes(&hash(credential))],
            )?
            .ok_or(Error::Unauthorized)
            .and_then(|r| account_row(&r))
    }

    /// The account `id`, as it is now: a browser signed in with an account
    /// since removed is signed out.
    pub fn account_by_id(&mut self, id: &str) -> Result<Account, Error> {
        if id == Account::SITE_ADMIN {
            return Ok(Account::site_admin());
        }
        self.db
            .row(
                "SELECT id, name, role, add_remove_users, manage_products FROM accounts
                 WHERE id = $1",
                &[Param::Text(id)],
            )?
            .ok_or(Error::Unauthorized)
            .and_then(|r| account_row(&r))
    }
}

/// Refuses `action` to an account that may not do it.
pub(super) fn permit(by: &Account, action: Action) -> Result<(), Error> {
    if by.may(action) {
        return Ok(());
    }
    let what = match action {
        Action::ManageAccess => {
            "grant or revoke access, or assign named seats: that takes both permissions, \
             \"add/remove users\" and \"manage products\""
        }
        Action::EndSessions => "end sessions: only an administrator may",
        Action::ManageAccounts => "add or remove accounts: only an administrator may",
    };
    Err(Error::Forbidden(format!(
        "the account {} may not {what}",
        by.id
    )))
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Administrator => "administrator",
        Role::Manager => "manager",
    }
}

fn describe(account: &Account) -> String {
    let mut detail = format!("{} {}", role_text(account.role), account.id);
    if account.role == Role::Manager {
        for (held, name) in [
            (account.add_remove_users, "add/remove users"),
            (account.manage_products, "manage products"),
        ] {
            if held {
                detail.push_str(", ");
                detail.push_str(name);
            }
        }
    }
    detail
}

fn account_row(r: &Row) -> Result<Account, Error> {
    let role = match r.text(2)?.as_str() {
        "administrator" => Role::Administrator,
        "manager" => Role::Manager,
        other => return Err(Error::Store(format!("an account with the role {other:?}"))),
    };
    Ok(Account {
        id: r.text(0)?,
        name: r.text(1)?,
        role,
        add_remove_users: r.flag(3)?,
        manage_products: r.flag(4)?,
    })
}
