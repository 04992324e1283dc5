//! A PostgreSQL database of its own for one test, dropped with it.
//!
//! `ENTITLE_TEST_POSTGRES` names a database whose role may create
//! databases (`postgres://user:password@host:port/db`); `.ci/run` starts a
//! PostgreSQL and sets it, so in CI the PostgreSQL tests run, never skip.
//! Without it they say so and pass.

pub struct Database {
    admin: String,
    name: String,
    /// The test's database.
    pub url: String,
}

impl Database {
    /// A new, empty database; `None` (and a word on standard error) when
    /// `ENTITLE_TEST_POSTGRES` is not set.
    pub fn new() -> Option<Database> {
        let Ok(admin) = std::env::var("ENTITLE_TEST_POSTGRES") else {
            eprintln!("skipped: ENTITLE_TEST_POSTGRES is not set");
            return None;
        };
        let secret = entitle_seats::new_secret("").unwrap();
        let name = format!("entitle_test_{}", &secret[..12])
            .to_lowercase()
            .replace('-', "_");
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Some(Database { admin, name, url })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
