//! The portal's database, SQLite in the state directory or PostgreSQL
//! shared by several instances (`entitle_seats::db`: every write
//! transaction holds the one writers' lock, across instances): companies
//! and their views, users, the licences and who holds them in which view,
//! the activation ledger, the revocation lists, quote requests, sign-ins
//! and the audit log. Nothing here decides; it keeps what was decided.

use std::collections::BTreeMap;
use std::path::Path;

use entitle_lifecycle::{Ledger, LedgerEntry, Role};
use entitle_seats::db::{Db, Param, Row, Sql, int};

use crate::error::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS companies (id TEXT PRIMARY KEY, name TEXT NOT NULL, contract_seats BIGINT, vendor BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS renewals (id {serial}, serial TEXT NOT NULL, renewal TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS company_views (company TEXT NOT NULL, view TEXT NOT NULL, PRIMARY KEY (company, view));
CREATE TABLE IF NOT EXISTS users (email TEXT PRIMARY KEY, name TEXT NOT NULL, company TEXT NOT NULL, password TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sign_ins (hash TEXT PRIMARY KEY, email TEXT NOT NULL, until BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS failures (id {serial}, email TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS licences (serial TEXT PRIMARY KEY, token TEXT NOT NULL, product TEXT NOT NULL, edition TEXT NOT NULL, tenant TEXT NOT NULL, expires_at BIGINT, imported_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS holdings (serial TEXT NOT NULL, company TEXT NOT NULL, view TEXT NOT NULL, PRIMARY KEY (serial, company, view));
CREATE TABLE IF NOT EXISTS ledger (id {serial}, serial TEXT NOT NULL, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revocation_lists (sequence BIGINT PRIMARY KEY, list TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS revoked (serial TEXT PRIMARY KEY, sequence BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS vendor_lists (list TEXT PRIMARY KEY, at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS quotes (id {serial}, at BIGINT NOT NULL, company TEXT NOT NULL, email TEXT NOT NULL, view TEXT NOT NULL, serials TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id {serial}, at BIGINT NOT NULL, actor TEXT NOT NULL, company TEXT NOT NULL, view TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS extra_keys (serial TEXT PRIMARY KEY, token TEXT NOT NULL, certificate TEXT NOT NULL, company TEXT NOT NULL, view TEXT NOT NULL, product TEXT NOT NULL, edition TEXT NOT NULL, tenant TEXT NOT NULL, seats BIGINT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS party_keys (company TEXT NOT NULL, view TEXT NOT NULL, terms TEXT NOT NULL, certificate TEXT NOT NULL, PRIMARY KEY (company, view, terms));
CREATE INDEX IF NOT EXISTS holdings_by_company ON holdings (company, view);
CREATE INDEX IF NOT EXISTS ledger_by_serial ON ledger (serial);
CREATE INDEX IF NOT EXISTS failures_by_email ON failures (email, at);
CREATE INDEX IF NOT EXISTS failures_by_time ON failures (at);
";

/// A company: its id (the tenant id its licences carry, for customers),
/// its name and the views it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// The company id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its views, in the table's order.
    pub views: Vec<Role>,
    /// A service provider's contract: the seats of free extra keys it may
    /// obtain in total ("im Rahmen des … Service Provider Modells").
    pub contract_seats: Option<u32>,
    /// The vendor itself: its users renew terms and see every licence and
    /// quote request (the vendor's own view).
    pub vendor: bool,
}

/// A user of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The e-mail address, which signs in.
    pub email: String,
    /// The name shown.
    pub name: String,
    /// The company id.
    pub company: String,
}

/// A licence as the portal keeps it: its text, and what is shown of it
/// before the decision is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    /// The serial, 16 hex digits.
    pub serial: String,
    /// The licence token's text.
    pub token: String,
    /// Its product.
    pub product: String,
    /// Its edition.
    pub edition: String,
    /// The renewals the vendor signed for it, oldest first.
    pub renewals: Vec<String>,
}

/// A page of a view's licences: the licences with their renewals, their
/// activation ledgers by serial, and how many match in all.
pub type Page = (Vec<Licence>, BTreeMap<String, Ledger>, u64);

/// What was revoked before a new list is signed.
#[derive(Debug, Clone, Default)]
pub struct Revoked {
    /// The licences the portal destroyed.
    pub serials: Vec<String>,
    /// The sequence of the portal's last list.
    pub last: Option<u64>,
    /// The lists the vendor signed elsewhere.
    pub vendor_lists: Vec<String>,
}

/// Product, edition and tenant: what free extra keys are counted per.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The product.
    pub product: String,
    /// The edition.
    pub edition: String,
    /// The tenant (empty: none).
    pub tenant: String,
}

/// What the decision on a new extra key is made with.
#[derive(Debug, Clone, Default)]
pub struct ExtraKeyInputs {
    /// Every licence of the pool the portal holds.
    pub licences: Vec<String>,
    /// Their renewals.
    pub renewals: Vec<String>,
    /// Every extra key of the pool, with its issuer's certificate.
    pub extra: Vec<(String, String)>,
    /// Seats of extra keys the company obtained in this view, in total.
    pub issued: u64,
    /// The company's certificate in this view under its present terms (a
    /// service provider's contract), if it has one.
    pub certificate: Option<String>,
    /// The revocation lists in force.
    pub lists: Vec<String>,
}

/// A free extra key as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraKey {
    /// Its serial.
    pub serial: String,
    /// Its token.
    pub token: String,
    /// The certificate of the key that signed it.
    pub certificate: String,
    /// Its seats.
    pub seats: u32,
    /// When it was issued.
    pub at: u64,
}

/// A request for a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// When, Unix seconds.
    pub at: u64,
    /// The company that asked.
    pub company: String,
    /// The user that asked.
    pub email: String,
    /// The view it asked in.
    pub view: String,
    /// The licences, serials separated by spaces.
    pub serials: String,
    /// What the user wrote.
    pub note: String,
}

/// A line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    /// When, Unix seconds.
    pub at: u64,
    /// Who: a user's e-mail address, or `vendor` for the command line.
    pub actor: String,
    /// The company acted for.
    pub company: String,
    /// The view acted in.
    pub view: String,
    /// What was done.
    pub action: String,
    /// On what.
    pub detail: String,
}

/// The portal's database.
#[derive(Debug)]
pub struct Store {
    db: Db,
}

fn role(name: &str) -> Result<Role, Error> {
    name.parse()
        .map_err(|_| Error::Store(format!("the database holds an unknown view {name:?}")))
}

fn licence(row: &Row) -> Result<Licence, Error> {
    Ok(Licence {
        serial: row.text(0)?,
        token: row.text(1)?,
        product: row.text(2)?,
        edition: row.text(3)?,
        renewals: Vec::new(),
    })
}

/// The licences of `rows` with their renewals.
fn with_renewals(sql: &mut impl Sql, rows: &[Row]) -> Result<Vec<Licence>, Error> {
    rows.iter()
        .map(|row| {
            let mut found = licence(row)?;
            found.renewals = sql.strings(
                "SELECT renewal FROM renewals WHERE serial = $1 ORDER BY id",
                &[Param::Text(&found.serial)],
            )?;
            Ok(found)
        })
        .collect()
}

impl Store {
    /// The store in SQLite at `path` (mode 0600).
    pub fn open(path: &Path) -> Result<Store, Error> {
        Store::with(Db::sqlite(path)?)
    }

    /// The store in PostgreSQL at `url`, shared by several instances.
    pub fn postgres(url: &str) -> Result<Store, Error> {
        Store::with(Db::postgres(url)?)
    }

    fn with(mut db: Db) -> Result<Store, Error> {
        db.create_schema(SCHEMA)?;
        // A database made by the portal's first version lacks these. Its
        // licences then have no tenant and no term recorded: they back no
        // free extra key until imported again (never more than bought).
        db.add_column("companies", "contract_seats", "BIGINT")?;
        db.add_column("companies", "vendor", "BIGINT NOT NULL DEFAULT 0")?;
        db.add_column("licences", "tenant", "TEXT NOT NULL DEFAULT ''")?;
        db.add_column("licences", "expires_at", "BIGINT")?;
        db.execute_batch(
            "CREATE INDEX IF NOT EXISTS licences_by_pool ON licences (product, edition, tenant)",
        )?;
        Ok(Store { db })
    }

    /// Whether the store is in PostgreSQL (else SQLite).
    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }

    /// Adds a company, or gives an existing one this name and these views.
    pub fn put_company(&mut self, company: &Company) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        tx.execute(
            "DELETE FROM companies WHERE id = $1",
            &[Param::Text(&company.id)],
        )?;
        tx.execute(
            "INSERT INTO companies (id, name, contract_seats, vendor) VALUES ($1, $2, $3, $4)",
            &[
                Param::Text(&company.id),
                Param::Text(&company.name),
                Param::OptInt(company.contract_seats.map(i64::from)),
                Param::Int(i64::from(company.vendor)),
            ],
        )?;
        tx.execute(
            "DELETE FROM company_views WHERE company = $1",
            &[Param::Text(&company.id)],
        )?;
        for view in &company.views {
            tx.execute(
                "INSERT INTO company_views (company, view) VALUES ($1, $2)",
                &[Param::Text(&company.id), Param::Text(view.name())],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The company `id`.
    pub fn company(&mut self, id: &str) -> Result<Option<Company>, Error> {
        let Some(row) = self.db.row(
            "SELECT name, contract_seats, vendor FROM companies WHERE id = $1",
            &[Param::Text(id)],
        )?
        else {
            return Ok(None);
        };
        let names = self.db.strings(
            "SELECT view FROM company_views WHERE company = $1",
            &[Param::Text(id)],
        )?;
        let mut views = names
            .iter()
            .map(|n| role(n))
            .collect::<Result<Vec<_>, _>>()?;
        views.sort_by_key(|v| Role::ALL.iter().position(|r| r == v));
        Ok(Some(Company {
            id: id.to_string(),
            name: row.text(0)?,
            views,
            contract_seats: row
                .opt_u64(1)?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            vendor: row.flag(2)?,
        }))
    }

    /// Adds a user, or gives an existing one this name, company and
    /// password (a PHC string, never the password).
    pub fn put_user(&mut self, user: &User, password_hash: &str) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        tx.execute(
            "DELETE FROM users WHERE email = $1",
            &[Param::Text(&user.email)],
        )?;
        tx.execute(
            "INSERT INTO users (email, name, company, password) VALUES ($1, $2, $3, $4)",
            &[
                Param::Text(&user.email),
                Param::Text(&user.name),
                Param::Text(&user.company),
                Param::Text(password_hash),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The user `email` and their password hash.
    pub fn user(&mut self, email: &str) -> Result<Option<(User, String)>, Error> {
        let Some(row) = self.db.row(
            "SELECT name, company, password FROM users WHERE email = $1",
            &[Param::Text(email)],
        )?
        else {
            return Ok(None);
        };
        Ok(Some((
            User {
                email: email.to_string(),
                name: row.text(0)?,
                company: row.text(1)?,
            },
            row.text(2)?,
        )))
    }

    /// Counts a failed sign-in for `email`, and forgets every failure
    /// older than `forget_before` (they no longer count).
    pub fn failed_sign_in(
        &mut self,
        email: &str,
        now: u64,
        forget_before: u64,
    ) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        tx.execute("DELETE FROM failures WHERE at < $1", &[int(forget_before)])?;
        tx.execute(
            "INSERT INTO failures (email, at) VALUES ($1, $2)",
            &[Param::Text(email), int(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Failed sign-ins for `email` since `since`.
    pub fn failures_since(&mut self, email: &str, since: u64) -> Result<u32, Error> {
        Ok(self.db.count(
            "SELECT count(*) FROM failures WHERE email = $1 AND at >= $2",
            &[Param::Text(email), int(since)],
        )?)
    }

    /// Starts a sign-in: the SHA-256 of its cookie (hex), until when.
    pub fn start_sign_in(&mut self, hash: &str, email: &str, until: u64) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        tx.execute(
            "DELETE FROM failures WHERE email = $1",
            &[Param::Text(email)],
        )?;
        tx.execute(
            "INSERT INTO sign_ins (hash, email, until) VALUES ($1, $2, $3)",
            &[Param::Text(hash), Param::Text(email), int(until)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The user signed in with the cookie of SHA-256 `hash`, while it lasts.
    pub fn signed_in(&mut self, hash: &str, now: u64) -> Result<Option<String>, Error> {
        Ok(self
            .db
            .row(
                "SELECT email FROM sign_ins WHERE hash = $1 AND until > $2",
                &[Param::Text(hash), int(now)],
            )?
            .map(|r| r.text(0))
            .transpose()?)
    }

    /// Ends a sign-in, and every one that has run out.
    pub fn end_sign_in(&mut self, hash: &str, now: u64) -> Result<(), Error> {
        self.db.execute(
            "DELETE FROM sign_ins WHERE hash = $1 OR until <= $2",
            &[Param::Text(hash), int(now)],
        )?;
        Ok(())
    }

    /// Records a licence and who holds it in which view (kept with those
    /// already recorded for it).
    pub fn import(
        &mut self,
        licence: &Licence,
        (tenant, expires_at): (Option<&str>, Option<u64>),
        holders: &[(String, Role)],
        now: u64,
    ) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        let known = tx.row(
            "SELECT token FROM licences WHERE serial = $1",
            &[Param::Text(&licence.serial)],
        )?;
        match known {
            Some(row) if row.text(0)? != licence.token => {
                return Err(Error::Refused(format!(
                    "licence {} is recorded with another text: one serial is one licence",
                    licence.serial
                )));
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO licences (serial, token, product, edition, tenant, expires_at, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        Param::Text(&licence.serial),
                        Param::Text(&licence.token),
                        Param::Text(&licence.product),
                        Param::Text(&licence.edition),
                        Param::Text(tenant.unwrap_or_default()),
                        Param::OptInt(expires_at.map(|t| i64::try_from(t).unwrap_or(i64::MAX))),
                        int(now),
                    ],
                )?;
            }
        }
        for (company, view) in holders {
            tx.execute(
                "DELETE FROM holdings WHERE serial = $1 AND company = $2 AND view = $3",
                &[
                    Param::Text(&licence.serial),
                    Param::Text(company),
                    Param::Text(view.name()),
                ],
            )?;
            tx.execute(
                "INSERT INTO holdings (serial, company, view) VALUES ($1, $2, $3)",
                &[
                    Param::Text(&licence.serial),
                    Param::Text(company),
                    Param::Text(view.name()),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A page of the licences `company` holds in `view` whose serial,
    /// product, edition or tenant contains `query`, by product, edition
    /// and serial: `limit` of them from `offset`, with their renewals and
    /// activation ledgers (three queries, whatever the page's size), and
    /// how many match in all.
    pub fn licences(
        &mut self,
        (company, view): (&str, Role),
        query: &str,
        (offset, limit): (u64, u64),
    ) -> Result<Page, Error> {
        let like = format!("%{}%", query.trim().replace(['%', '_'], ""));
        let page = [
            Param::Text(company),
            Param::Text(view.name()),
            Param::Text(&like),
            int(limit),
            int(offset),
        ];
        let mut licences = self
            .db
            .query(
                "SELECT l.serial, l.token, l.product, l.edition FROM licences l \
                 JOIN holdings h ON h.serial = l.serial \
                 WHERE h.company = $1 AND h.view = $2 \
                 AND (l.serial LIKE $3 OR l.product LIKE $3 OR l.edition LIKE $3 OR l.tenant LIKE $3) \
                 ORDER BY l.product, l.edition, l.serial LIMIT $4 OFFSET $5",
                &page,
            )?
            .iter()
            .map(licence)
            .collect::<Result<Vec<_>, Error>>()?;
        let total = self.db.row(
            "SELECT count(*) FROM licences l JOIN holdings h ON h.serial = l.serial \
             WHERE h.company = $1 AND h.view = $2 \
             AND (l.serial LIKE $3 OR l.product LIKE $3 OR l.edition LIKE $3 OR l.tenant LIKE $3)",
            &page[..3],
        )?;
        let total = total.map(|r| r.u64(0)).transpose()?.unwrap_or(0);
        // The page's renewals and ledgers in one query each.
        let renewals = self.db.query(
            "SELECT r.serial, r.renewal FROM renewals r WHERE r.serial IN ( \
               SELECT l.serial FROM licences l JOIN holdings h ON h.serial = l.serial \
               WHERE h.company = $1 AND h.view = $2 \
               AND (l.serial LIKE $3 OR l.product LIKE $3 OR l.edition LIKE $3 OR l.tenant LIKE $3) \
               ORDER BY l.product, l.edition, l.serial LIMIT $4 OFFSET $5) ORDER BY r.id",
            &page,
        )?;
        for row in &renewals {
            let serial = row.text(0)?;
            if let Some(l) = licences.iter_mut().find(|l| l.serial == serial) {
                l.renewals.push(row.text(1)?);
            }
        }
        let rows = self.db.query(
            "SELECT g.serial, g.entry FROM ledger g WHERE g.serial IN ( \
               SELECT l.serial FROM licences l JOIN holdings h ON h.serial = l.serial \
               WHERE h.company = $1 AND h.view = $2 \
               AND (l.serial LIKE $3 OR l.product LIKE $3 OR l.edition LIKE $3 OR l.tenant LIKE $3) \
               ORDER BY l.product, l.edition, l.serial LIMIT $4 OFFSET $5) ORDER BY g.id",
            &page,
        )?;
        let mut entries: BTreeMap<String, Vec<LedgerEntry>> = BTreeMap::new();
        for row in &rows {
            let serial = row.text(0)?;
            let entry = serde_json::from_str(&row.text(1)?).map_err(|e| {
                Error::Store(format!("the ledger of {serial} holds a bad entry: {e}"))
            })?;
            entries.entry(serial).or_default().push(entry);
        }
        let ledgers = entries
            .into_iter()
            .map(|(serial, e)| (serial, Ledger::new(e)))
            .collect();
        Ok((licences, ledgers, total))
    }

    /// The annual-model licences (those with a term) `company` holds in
    /// `view`, with their renewals: what free extra keys are asked beside.
    pub fn annual(&mut self, company: &str, view: Role) -> Result<Vec<Licence>, Error> {
        let rows = self.db.query(
            "SELECT l.serial, l.token, l.product, l.edition FROM licences l \
             JOIN holdings h ON h.serial = l.serial \
             WHERE h.company = $1 AND h.view = $2 AND l.expires_at IS NOT NULL \
             ORDER BY l.product, l.edition, l.serial",
            &[Param::Text(company), Param::Text(view.name())],
        )?;
        with_renewals(&mut self.db, &rows)
    }

    /// The vendor's search: up to `limit` licences whose serial, product
    /// or holder's company id contains `query`, by serial.
    pub fn search(&mut self, query: &str, limit: u64) -> Result<Vec<Licence>, Error> {
        let like = format!("%{}%", query.replace(['%', '_'], ""));
        let rows = self.db.query(
            "SELECT DISTINCT l.serial, l.token, l.product, l.edition FROM licences l \
             LEFT JOIN holdings h ON h.serial = l.serial \
             WHERE l.serial LIKE $1 OR l.product LIKE $1 OR h.company LIKE $1 \
             ORDER BY l.serial LIMIT $2",
            &[Param::Text(&like), int(limit)],
        )?;
        with_renewals(&mut self.db, &rows)
    }

    /// The licence `serial`, whoever holds it (the vendor's view).
    pub fn licence(&mut self, serial: &str) -> Result<Option<Licence>, Error> {
        let rows = self.db.query(
            "SELECT serial, token, product, edition FROM licences WHERE serial = $1",
            &[Param::Text(serial)],
        )?;
        Ok(with_renewals(&mut self.db, &rows)?.into_iter().next())
    }

    /// Records a renewal the vendor signed; `false` if it was recorded
    /// before.
    pub fn add_renewal(&mut self, serial: &str, renewal: &str, now: u64) -> Result<bool, Error> {
        let mut tx = self.db.begin()?;
        let known = tx.count(
            "SELECT count(*) FROM renewals WHERE serial = $1 AND renewal = $2",
            &[Param::Text(serial), Param::Text(renewal)],
        )?;
        if known == 0 {
            tx.execute(
                "INSERT INTO renewals (serial, renewal, at) VALUES ($1, $2, $3)",
                &[Param::Text(serial), Param::Text(renewal), int(now)],
            )?;
        }
        tx.commit()?;
        Ok(known == 0)
    }

    /// The licence `serial`, if `company` holds it in `view`.
    pub fn held(
        &mut self,
        serial: &str,
        company: &str,
        view: Role,
    ) -> Result<Option<Licence>, Error> {
        let rows = self.db.query(
            "SELECT l.serial, l.token, l.product, l.edition FROM licences l \
             JOIN holdings h ON h.serial = l.serial \
             WHERE l.serial = $1 AND h.company = $2 AND h.view = $3",
            &[
                Param::Text(serial),
                Param::Text(company),
                Param::Text(view.name()),
            ],
        )?;
        Ok(with_renewals(&mut self.db, &rows)?.into_iter().next())
    }

    /// The activation ledger of `serial`.
    pub fn ledger(&mut self, serial: &str) -> Result<Ledger, Error> {
        ledger_of(&mut self.db, serial)
    }

    /// Runs `answer` on the ledger of `serial` under the writers' lock and
    /// appends the entries it returns in the same transaction: two
    /// instances answering at once see each other's machines.
    pub fn with_ledger<T>(
        &mut self,
        serial: &str,
        answer: impl FnOnce(&Ledger) -> Result<(T, Vec<LedgerEntry>), Error>,
    ) -> Result<T, Error> {
        let mut tx = self.db.begin()?;
        let ledger = ledger_of(&mut tx, serial)?;
        let (answered, entries) = answer(&ledger)?;
        for entry in &entries {
            let line = serde_json::to_string(entry)
                .map_err(|e| Error::Store(format!("cannot write a ledger entry: {e}")))?;
            tx.execute(
                "INSERT INTO ledger (serial, entry) VALUES ($1, $2)",
                &[Param::Text(serial), Param::Text(&line)],
            )?;
        }
        tx.commit()?;
        Ok(answered)
    }

    /// Adds activation ledger entries signed elsewhere (`entitle activate
    /// respond --ledger FILE`) to the portal's ledger, each once, so that a
    /// machine activated offline counts here too. How many were new.
    pub fn add_ledger_entries(&mut self, entries: &[LedgerEntry]) -> Result<usize, Error> {
        let mut tx = self.db.begin()?;
        let mut added = 0;
        for entry in entries {
            let serial = match entry {
                LedgerEntry::Activated { serial, .. }
                | LedgerEntry::ReceiptSpent { serial, .. } => {
                    entitle_verify::Serial(*serial).to_string()
                }
            };
            let line = serde_json::to_string(entry)
                .map_err(|e| Error::Store(format!("cannot write a ledger entry: {e}")))?;
            let known = tx.count(
                "SELECT count(*) FROM ledger WHERE serial = $1 AND entry = $2",
                &[Param::Text(&serial), Param::Text(&line)],
            )?;
            if known == 0 {
                tx.execute(
                    "INSERT INTO ledger (serial, entry) VALUES ($1, $2)",
                    &[Param::Text(&serial), Param::Text(&line)],
                )?;
                added += 1;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Under the writers' lock: what the portal revoked so far (the
    /// serials, the last list's sequence) and the vendor's lists, given to
    /// `sign`, which returns the new list's text, its sequence and the
    /// serials newly destroyed; kept in the same transaction.
    pub fn with_revocations(
        &mut self,
        now: u64,
        sign: impl FnOnce(&Revoked) -> Result<(String, u64, Vec<String>), Error>,
    ) -> Result<(), Error> {
        let mut tx = self.db.begin()?;
        let before = Revoked {
            serials: tx.strings("SELECT serial FROM revoked ORDER BY serial", &[])?,
            last: tx
                .row("SELECT max(sequence) FROM revocation_lists", &[])?
                .map(|r| r.opt_u64(0))
                .transpose()?
                .flatten(),
            vendor_lists: tx.strings("SELECT list FROM vendor_lists ORDER BY at, list", &[])?,
        };
        let (list, sequence, serials) = sign(&before)?;
        tx.execute(
            "INSERT INTO revocation_lists (sequence, list, at) VALUES ($1, $2, $3)",
            &[int(sequence), Param::Text(&list), int(now)],
        )?;
        for serial in serials.iter().filter(|s| !before.serials.contains(s)) {
            tx.execute(
                "INSERT INTO revoked (serial, sequence) VALUES ($1, $2)",
                &[Param::Text(serial), int(sequence)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The revocation lists in force: the portal's newest (cumulative, it
    /// names every licence destroyed here) and every list the vendor
    /// signed elsewhere and the portal imported.
    pub fn revocation_lists(&mut self) -> Result<Vec<String>, Error> {
        lists_of(&mut self.db)
    }

    /// Records a revocation list the vendor signed elsewhere (its issuance
    /// ledger's); `false` if it was recorded before.
    pub fn add_vendor_list(&mut self, list: &str, now: u64) -> Result<bool, Error> {
        let mut tx = self.db.begin()?;
        let known = tx.count(
            "SELECT count(*) FROM vendor_lists WHERE list = $1",
            &[Param::Text(list)],
        )?;
        if known == 0 {
            tx.execute(
                "INSERT INTO vendor_lists (list, at) VALUES ($1, $2)",
                &[Param::Text(list), int(now)],
            )?;
        }
        tx.commit()?;
        Ok(known == 0)
    }

    /// Records a request for a quote.
    pub fn add_quote(&mut self, quote: &Quote) -> Result<(), Error> {
        self.db.execute(
            "INSERT INTO quotes (at, company, email, view, serials, note) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                int(quote.at),
                Param::Text(&quote.company),
                Param::Text(&quote.email),
                Param::Text(&quote.view),
                Param::Text(&quote.serials),
                Param::Text(&quote.note),
            ],
        )?;
        Ok(())
    }

    /// Every request for a quote, oldest first.
    pub fn quotes(&mut self) -> Result<Vec<Quote>, Error> {
        self.db
            .query(
                "SELECT at, company, email, view, serials, note FROM quotes ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Quote {
                    at: r.u64(0)?,
                    company: r.text(1)?,
                    email: r.text(2)?,
                    view: r.text(3)?,
                    serials: r.text(4)?,
                    note: r.text(5)?,
                })
            })
            .collect()
    }

    /// Under the writers' lock: what free extra keys for `pool` (product,
    /// edition, tenant) are decided on (every licence of the pool the
    /// portal holds, every extra key issued for it with its certificate,
    /// the seats the company issued in this view in total, the company's
    /// certificate in this view if it has one), given to `issue`, which
    /// returns the new extra key (and the certificate, if new); kept in
    /// the same transaction. Two instances never issue past a bound.
    pub fn with_extra_keys<T>(
        &mut self,
        pool: &Pool,
        party: (&str, Role, &str),
        issue: impl FnOnce(&ExtraKeyInputs) -> Result<(T, ExtraKey, Option<String>), Error>,
    ) -> Result<T, Error> {
        let (company, view, terms) = party;
        let mut tx = self.db.begin()?;
        // The pool's licences only: others would count for nothing in
        // the decision (another tenant's), and cost a check each.
        let pool_params = [
            Param::Text(&pool.product),
            Param::Text(&pool.edition),
            Param::Text(&pool.tenant),
        ];
        let licences = tx.strings(
            "SELECT token FROM licences WHERE product = $1 AND edition = $2 AND tenant = $3 \
             ORDER BY serial",
            &pool_params,
        )?;
        let renewals = tx.strings(
            "SELECT r.renewal FROM renewals r JOIN licences l ON l.serial = r.serial \
             WHERE l.product = $1 AND l.edition = $2 AND l.tenant = $3 ORDER BY r.id",
            &pool_params,
        )?;
        let extra = tx.query(
            "SELECT token, certificate FROM extra_keys \
             WHERE product = $1 AND edition = $2 AND tenant = $3 ORDER BY at, serial",
            &pool_params,
        )?;
        let extra = extra
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let issued = tx
            .row(
                "SELECT CAST(COALESCE(sum(seats), 0) AS BIGINT) FROM extra_keys WHERE company = $1 AND view = $2",
                &[Param::Text(company), Param::Text(view.name())],
            )?
            .map(|r| r.u64(0))
            .transpose()?
            .unwrap_or(0);
        let certificate = tx
            .row(
                "SELECT certificate FROM party_keys WHERE company = $1 AND view = $2 AND terms = $3",
                &[Param::Text(company), Param::Text(view.name()), Param::Text(terms)],
            )?
            .map(|r| r.text(0))
            .transpose()?;
        let lists = lists_of(&mut tx)?;
        let inputs = ExtraKeyInputs {
            licences,
            renewals,
            extra,
            issued,
            certificate,
            lists,
        };
        let (out, key, new_certificate) = issue(&inputs)?;
        if let Some(certificate) = &new_certificate {
            tx.execute(
                "INSERT INTO party_keys (company, view, terms, certificate) VALUES ($1, $2, $3, $4)",
                &[
                    Param::Text(company),
                    Param::Text(view.name()),
                    Param::Text(terms),
                    Param::Text(certificate),
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO extra_keys (serial, token, certificate, company, view, product, edition, tenant, seats, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                Param::Text(&key.serial),
                Param::Text(&key.token),
                Param::Text(&key.certificate),
                Param::Text(company),
                Param::Text(view.name()),
                Param::Text(&pool.product),
                Param::Text(&pool.edition),
                Param::Text(&pool.tenant),
                int(u64::from(key.seats)),
                int(key.at),
            ],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// Appends a line to the audit log.
    pub fn audit(&mut self, line: &AuditLine) -> Result<(), Error> {
        self.db.execute(
            "INSERT INTO audit (at, actor, company, view, action, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                int(line.at),
                Param::Text(&line.actor),
                Param::Text(&line.company),
                Param::Text(&line.view),
                Param::Text(&line.action),
                Param::Text(&line.detail),
            ],
        )?;
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit_lines(&mut self) -> Result<Vec<AuditLine>, Error> {
        self.db
            .query(
                "SELECT at, actor, company, view, action, detail FROM audit ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(AuditLine {
                    at: r.u64(0)?,
                    actor: r.text(1)?,
                    company: r.text(2)?,
                    view: r.text(3)?,
                    action: r.text(4)?,
                    detail: r.text(5)?,
                })
            })
            .collect()
    }
}

fn lists_of(sql: &mut impl Sql) -> Result<Vec<String>, Error> {
    let mut lists = sql.strings(
        "SELECT list FROM revocation_lists ORDER BY sequence DESC LIMIT 1",
        &[],
    )?;
    lists.extend(sql.strings("SELECT list FROM vendor_lists ORDER BY at, list", &[])?);
    Ok(lists)
}

fn ledger_of(sql: &mut impl Sql, serial: &str) -> Result<Ledger, Error> {
    let lines = sql.strings(
        "SELECT entry FROM ledger WHERE serial = $1 ORDER BY id",
        &[Param::Text(serial)],
    )?;
    let entries = lines
        .iter()
        .map(|line| {
            serde_json::from_str(line)
                .map_err(|e| Error::Store(format!("the ledger of {serial} holds a bad entry: {e}")))
        })
        .collect::<Result<Vec<LedgerEntry>, Error>>()?;
    Ok(Ledger::new(entries))
}
