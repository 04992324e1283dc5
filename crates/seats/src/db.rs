//! The two databases the seat store and the portal run on, behind one small interface: SQL
//! written once with `$1`-style parameters, integer, text and byte values,
//! and transactions that admit one writer at a time.
//!
//! - SQLite (one server, the default): WAL, every commit synced
//!   (`synchronous=FULL`), writers serialised by `BEGIN IMMEDIATE`.
//! - PostgreSQL (several servers sharing one pool): every write
//!   transaction first takes one advisory lock, so writers are serialised
//!   across every instance exactly as SQLite serialises them; each commit
//!   is durable before it returns (`synchronous_commit` on, the default,
//!   and set explicitly per connection).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use crate::error::Error;

/// A PostgreSQL write transaction's start: the advisory lock every writer
/// holds until it commits, its key "entl" in ASCII (0x656e746c), so that it
/// is recognisable in `pg_locks`.
const BEGIN_AND_LOCK: &str = "BEGIN; SELECT pg_advisory_xact_lock(1701737580)";

/// More than the store's distinct statements (about 40): each is prepared
/// once per connection.
const STATEMENTS: usize = 64;

/// A statement parameter.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// An integer.
    Int(i64),
    /// An integer or NULL.
    OptInt(Option<i64>),
    /// Text.
    Text(&'a str),
    /// Text or NULL.
    OptText(Option<&'a str>),
    /// Bytes.
    Bytes(&'a [u8]),
}

/// Unix seconds (or a count) as a parameter; beyond `i64::MAX` is saturated.
pub fn int(n: u64) -> Param<'static> {
    Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A value read back.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// A row read back, its columns by position.
#[derive(Debug)]
pub struct Row(Vec<Value>);

impl Row {
    fn column(&self, i: usize) -> Result<&Value, Error> {
        self.0
            .get(i)
            .ok_or_else(|| Error::Store(format!("a query returned no column {i}")))
    }

    /// Column `i` as an integer (NULL as 0).
    pub fn int(&self, i: usize) -> Result<i64, Error> {
        match self.column(i)? {
            Value::Int(n) => Ok(*n),
            Value::Null => Ok(0),
            other => Err(Error::Store(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    /// A non-negative integer: a time or a count.
    pub fn u64(&self, i: usize) -> Result<u64, Error> {
        Ok(self.opt_u64(i)?.unwrap_or(0))
    }

    /// A non-negative integer or NULL.
    pub fn opt_u64(&self, i: usize) -> Result<Option<u64>, Error> {
        match self.column(i)? {
            Value::Null => Ok(None),
            _ => u64::try_from(self.int(i)?)
                .map(Some)
                .map_err(|_| Error::Store(format!("column {i}: a negative time or count"))),
        }
    }

    /// Column `i` as a count.
    pub fn u32(&self, i: usize) -> Result<u32, Error> {
        u32::try_from(self.int(i)?)
            .map_err(|_| Error::Store(format!("column {i}: a count beyond 32 bits")))
    }

    /// Column `i` as a flag (non-zero).
    pub fn flag(&self, i: usize) -> Result<bool, Error> {
        Ok(self.int(i)? != 0)
    }

    /// Column `i` as text, or NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, Error> {
        match self.column(i)? {
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Null => Ok(None),
            other => Err(Error::Store(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    /// Column `i` as text.
    pub fn text(&self, i: usize) -> Result<String, Error> {
        self.opt_text(i)?
            .ok_or_else(|| Error::Store(format!("column {i}: expected text, found NULL")))
    }
}

/// The database, SQLite or PostgreSQL.
pub enum Db {
    /// SQLite.
    Sqlite(rusqlite::Connection),
    /// PostgreSQL.
    Postgres(Box<Postgres>),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the connection string: it may hold a password.
        f.write_str(match self {
            Db::Sqlite(_) => "Db::Sqlite",
            Db::Postgres(_) => "Db::Postgres",
        })
    }
}

/// A PostgreSQL connection and its prepared statements.
pub struct Postgres {
    url: String,
    /// `None` only while being dropped.
    client: Option<postgres::Client>,
    statements: HashMap<&'static str, postgres::Statement>,
    /// Whether the connection was lost (the server restarted, dropped it,
    /// or the network broke): the next use connects anew.
    broken: bool,
}

/// A PostgreSQL connection in use: every error that means the connection
/// is gone marks it broken.
pub struct PgConn<'a> {
    client: &'a mut postgres::Client,
    statements: &'a mut HashMap<&'static str, postgres::Statement>,
    broken: &'a mut bool,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // The client says goodbye to the server by blocking on its own
        // runtime, which must not happen on an async thread: it is dropped
        // on a thread of its own.
        if let Some(client) = self.client.take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// A write transaction: committed by [`Tx::commit`], rolled back when
/// dropped.
pub enum Tx<'a> {
    /// SQLite's.
    Sqlite {
        /// The connection.
        conn: &'a rusqlite::Connection,
        /// Until committed: rolled back when dropped.
        open: bool,
    },
    /// PostgreSQL's.
    Postgres {
        /// The connection.
        conn: PgConn<'a>,
        /// Until committed: rolled back when dropped.
        open: bool,
    },
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        // An error here (a connection gone) leaves nothing to undo.
        match self {
            Tx::Sqlite { conn, open: true } => {
                let _ = conn.execute_batch("ROLLBACK");
            }
            Tx::Postgres { conn, open: true } => {
                let _ = conn.batch("ROLLBACK");
            }
            _ => {}
        }
    }
}

/// Reads and writes, the same on a database and in a transaction.
pub trait Sql {
    /// Runs `sql` and returns its rows.
    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, Error>;

    /// Runs `sql` and returns how many rows it changed.
    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, Error>;

    /// The first row, if any.
    fn row(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Option<Row>, Error> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first column of every row, as text.
    fn strings(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<String>, Error> {
        self.query(sql, params)?.iter().map(|r| r.text(0)).collect()
    }

    /// The first column of the first row, as a count (0 without a row).
    fn count(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u32, Error> {
        self.row(sql, params)?.map_or(Ok(0), |r| r.u32(0))
    }
}

impl Db {
    /// SQLite at `path`: WAL, every commit synced. The file and its WAL
    /// and shared-memory files (which SQLite makes with the file's mode)
    /// are the owner's alone, mode 0600: they hold names, e-mail
    /// addresses and the audit log.
    pub fn sqlite(path: &Path) -> Result<Db, Error> {
        owner_only(path)?;
        let conn = rusqlite::Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Ok(Db::sqlite_with(conn))
    }

    /// SQLite in memory (tests, examples).
    pub fn sqlite_in_memory() -> Result<Db, Error> {
        Ok(Db::sqlite_with(rusqlite::Connection::open_in_memory()?))
    }

    /// Room for every statement the store has, prepared once.
    fn sqlite_with(conn: rusqlite::Connection) -> Db {
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Db::Sqlite(conn)
    }

    /// PostgreSQL at `url` (`postgres://user:password@host/db`, or the
    /// `key=value` form).
    pub fn postgres(url: &str) -> Result<Db, Error> {
        Ok(Db::Postgres(Box::new(Postgres {
            url: url.to_string(),
            client: Some(pg_connect(url)?),
            statements: HashMap::new(),
            broken: false,
        })))
    }

    /// Makes the tables the store needs, once, whoever comes first.
    pub fn create_schema(&mut self, template: &str) -> Result<(), Error> {
        match self {
            Db::Sqlite(conn) => {
                let sql = template
                    .replace("{serial}", "INTEGER PRIMARY KEY AUTOINCREMENT")
                    .replace("{bytes}", "BLOB");
                conn.execute_batch(&sql)?;
            }
            Db::Postgres(pg) => {
                let sql = template
                    .replace("{serial}", "BIGSERIAL PRIMARY KEY")
                    .replace("{bytes}", "BYTEA");
                // Two instances starting at once would race on the
                // catalogue: the schema is made under the writers' lock.
                let mut tx = pg.begin()?;
                if let Tx::Postgres { conn, .. } = &mut tx {
                    conn.batch(&sql)?;
                }
                tx.commit()?;
            }
        }
        Ok(())
    }

    /// Adds `column` of `kind` (`{bytes}` spelled as the database does) to
    /// `table` where a store made by an older version lacks it (names are
    /// the store's own, never input).
    pub fn add_column(
        &mut self,
        table: &'static str,
        column: &'static str,
        kind: &'static str,
    ) -> Result<(), Error> {
        match self {
            Db::Sqlite(conn) => {
                let present: i64 = conn.query_row(
                    "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
                    [table, column],
                    |row| row.get(0),
                )?;
                if present == 0 {
                    let kind = kind.replace("{bytes}", "BLOB");
                    conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
                }
            }
            Db::Postgres(pg) => {
                let mut tx = pg.begin()?;
                if let Tx::Postgres { conn, .. } = &mut tx {
                    let kind = kind.replace("{bytes}", "BYTEA");
                    conn.batch(&format!(
                        "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"
                    ))?;
                }
                tx.commit()?;
            }
        }
        Ok(())
    }

    /// Runs several statements without parameters, as one text.
    pub fn execute_batch(&mut self, sql: &str) -> Result<(), Error> {
        match self {
            Db::Sqlite(conn) => conn.execute_batch(sql)?,
            Db::Postgres(pg) => pg.conn()?.batch(sql)?,
        }
        Ok(())
    }

    /// Begins a write transaction: no other writer, in this process or
    /// another, until it commits or is dropped.
    pub fn begin(&mut self) -> Result<Tx<'_>, Error> {
        match self {
            Db::Sqlite(conn) => {
                conn.execute_batch("BEGIN IMMEDIATE")?;
                Ok(Tx::Sqlite { conn, open: true })
            }
            Db::Postgres(pg) => pg.begin(),
        }
    }
}

/// Makes `path` (empty) with mode 0600 if it is missing, and sets 0600 on
/// it and on its `-wal` and `-shm` files where a store made by an older
/// version left them readable by others.
fn owner_only(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        let fail = |e: std::io::Error| Error::Store(format!("{}: {e}", path.display()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(fail(e)),
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = std::path::PathBuf::from(name);
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(fail)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Postgres {
    /// The connection; a new one (whose statements are prepared anew)
    /// after it was lost.
    fn conn(&mut self) -> Result<PgConn<'_>, Error> {
        if self.broken || self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.statements.clear();
            self.client = None;
            self.client = Some(pg_connect(&self.url)?);
            self.broken = false;
        }
        let Postgres {
            client,
            statements,
            broken,
            ..
        } = self;
        Ok(PgConn {
            client: client
                .as_mut()
                .ok_or_else(|| Error::Store("no connection to PostgreSQL".into()))?,
            statements,
            broken,
        })
    }

    /// BEGIN and the writers' lock, in one round trip.
    fn begin(&mut self) -> Result<Tx<'_>, Error> {
        let mut conn = self.conn()?;
        conn.batch(BEGIN_AND_LOCK)?;
        Ok(Tx::Postgres { conn, open: true })
    }
}

impl PgConn<'_> {
    /// `error`, the connection marked broken when the error means it is
    /// gone: anything but a statement's own error (a FATAL one ends the
    /// session too).
    fn fail(&mut self, error: postgres::Error) -> Error {
        let statement_error = error
            .as_db_error()
            .is_some_and(|e| !matches!(e.severity(), "FATAL" | "PANIC"));
        if error.is_closed() || !statement_error {
            *self.broken = true;
        }
        Error::from(error)
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.client.batch_execute(sql).map_err(|e| self.fail(e))
    }

    /// The prepared statement of `sql`, prepared once per connection.
    fn statement(&mut self, sql: &'static str) -> Result<postgres::Statement, Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(|e| self.fail(e))?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, Error> {
        let statement = self.statement(sql)?;
        let rows = self
            .client
            .query(&statement, &pg_params(params))
            .map_err(|e| self.fail(e))?;
        pg_rows(rows)
    }

    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, Error> {
        let statement = self.statement(sql)?;
        self.client
            .execute(&statement, &pg_params(params))
            .map_err(|e| self.fail(e))
    }
}

impl Tx<'_> {
    /// Whether this is PostgreSQL's, where one statement may write several
    /// tables (a round trip saved each time).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres { .. })
    }

    /// Commits: durable on disk before this returns.
    pub fn commit(mut self) -> Result<(), Error> {
        match &mut self {
            Tx::Sqlite { conn, open } => {
                conn.execute_batch("COMMIT")?;
                *open = false;
            }
            Tx::Postgres { conn, open } => {
                conn.batch("COMMIT")?;
                *open = false;
            }
        }
        Ok(())
    }
}

impl Sql for Db {
    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, Error> {
        match self {
            Db::Sqlite(conn) => sqlite_query(conn, sql, params),
            Db::Postgres(pg) => pg.conn()?.query(sql, params),
        }
    }

    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, Error> {
        match self {
            Db::Sqlite(conn) => sqlite_execute(conn, sql, params),
            Db::Postgres(pg) => pg.conn()?.execute(sql, params),
        }
    }
}

impl Sql for Tx<'_> {
    fn query(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Row>, Error> {
        match self {
            Tx::Sqlite { conn, .. } => sqlite_query(conn, sql, params),
            Tx::Postgres { conn, .. } => conn.query(sql, params),
        }
    }

    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, Error> {
        match self {
            Tx::Sqlite { conn, .. } => sqlite_execute(conn, sql, params),
            Tx::Postgres { conn, .. } => conn.execute(sql, params),
        }
    }
}

fn sqlite_params<'a>(params: &'a [Param<'a>]) -> Vec<&'a dyn rusqlite::ToSql> {
    params
        .iter()
        .map(|p| -> &dyn rusqlite::ToSql {
            match p {
                Param::Int(n) => n,
                Param::OptInt(n) => n,
                Param::Text(s) => s,
                Param::OptText(s) => s,
                Param::Bytes(b) => b,
            }
        })
        .collect()
}

/// SQLite spells `$1` as `?1`; nothing else in the store's SQL has a `$`.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

fn sqlite_query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Param<'_>],
) -> Result<Vec<Row>, Error> {
    let mut statement = conn.prepare_cached(&sqlite_sql(sql))?;
    let columns = statement.column_count();
    let mut rows = statement.query(sqlite_params(params).as_slice())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns);
        for i in 0..columns {
            values.push(match row.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                rusqlite::types::ValueRef::Text(t) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
                rusqlite::types::ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                rusqlite::types::ValueRef::Real(_) => {
                    return Err(Error::Store(format!("column {i}: a real number")));
                }
            });
        }
        out.push(Row(values));
    }
    Ok(out)
}

fn sqlite_execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Param<'_>],
) -> Result<u64, Error> {
    let mut statement = conn.prepare_cached(&sqlite_sql(sql))?;
    let changed = statement.execute(sqlite_params(params).as_slice())?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

fn pg_connect(url: &str) -> Result<postgres::Client, Error> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| Error::Store(format!("--database: {e}")))?;
    config
        .application_name("entitle serve")
        .connect_timeout(Duration::from_secs(10));
    let mut client = config
        .connect(postgres::NoTls)
        .map_err(|e| Error::Store(format!("cannot connect to PostgreSQL: {e}")))?;
    // A claim is answered only once it is on disk: never relaxed here,
    // whatever the database's default.
    client.batch_execute("SET synchronous_commit = on")?;
    Ok(client)
}

fn pg_params<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| -> &(dyn postgres::types::ToSql + Sync) {
            match p {
                Param::Int(n) => n,
                Param::OptInt(n) => n,
                Param::Text(s) => s,
                Param::OptText(s) => s,
                Param::Bytes(b) => b,
            }
        })
        .collect()
}

/// Rows as the store reads them.
fn pg_rows(rows: Vec<postgres::Row>) -> Result<Vec<Row>, Error> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(row.len());
        for (i, column) in row.columns().iter().enumerate() {
            let ty = column.type_();
            let value = if *ty == Type::INT8 {
                row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
            } else if *ty == Type::INT4 {
                row.try_get::<_, Option<i32>>(i)?
                    .map(|n| Value::Int(i64::from(n)))
            } else if *ty == Type::BOOL {
                row.try_get::<_, Option<bool>>(i)?
                    .map(|b| Value::Int(i64::from(b)))
            } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
                row.try_get::<_, Option<String>>(i)?.map(Value::Text)
            } else if *ty == Type::BYTEA {
                row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes)
            } else {
                return Err(Error::Store(format!("column {i}: unexpected type {ty}")));
            };
            values.push(value.unwrap_or(Value::Null));
        }
        out.push(Row(values));
    }
    Ok(out)
}
