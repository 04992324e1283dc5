//! A small blocking client of the seat server, for agent apps and the
//! `entitle lease` and `entitle seats` commands.
//!
//! ```no_run
//! use entitle_seats::client::Client;
//!
//! # fn main() -> Result<(), entitle_seats::Error> {
//! let agent = Client::new("http://127.0.0.1:7447", "esa1_...");
//! let lease = agent.claim()?; // Error::Exhausted when every shared seat is in use
//! agent.renew(&lease.id)?;    // while the session lives, well within the TTL
//! agent.release(&lease.id)?;  // when it ends
//! # Ok(())
//! # }
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::Error;
use crate::store::{Account, Agent, AuditEntry, Ending, Lease, PoolUse, Session};

/// A connection to a seat server with one credential (an agent's or an
/// account's). Several servers sharing one pool may be given, separated by
/// commas: a request goes to the one that answered last, and to the next
/// when that one cannot be reached, so that a session renews through
/// another server while one is down. (A claim whose answer was lost with
/// its server may leave a lease behind that lapses unrenewed; the
/// technician's next claim takes no second seat.)
#[derive(Debug)]
pub struct Client {
    bases: Vec<String>,
    /// Which of `bases` answered last.
    current: AtomicUsize,
    credential: String,
    http: ureq::Agent,
}

impl Client {
    /// A client of the server at `base` (`http://host:port`, or several,
    /// comma-separated) presenting `credential`. For `https://`, see
    /// [`Client::pinned`]: this client trusts no certificate at all.
    pub fn new(base: &str, credential: &str) -> Client {
        let nothing = ureq::tls::RootCerts::Specific(std::sync::Arc::new(Vec::new()));
        let tls = ureq::tls::TlsConfig::builder().root_certs(nothing).build();
        Client::with_config(base, credential, tls)
    }

    /// A client of servers at `https://…` that trusts exactly the server
    /// certificates in `certs_pem` (each server's `tls.cert.pem` that
    /// `entitle serve` made, one after the other): pinned, no other
    /// authority.
    pub fn pinned(base: &str, credential: &str, certs_pem: &[u8]) -> Result<Client, Error> {
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(certs_pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => return Err(Error::Invalid(format!("the server certificate: {e}"))),
            }
        }
        if certs.is_empty() {
            return Err(Error::Invalid(
                "the server certificate: no PEM certificate found".into(),
            ));
        }
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)))
            .build();
        Ok(Client::with_config(base, credential, tls))
    }

    fn with_config(base: &str, credential: &str, tls: ureq::tls::TlsConfig) -> Client {
        let http = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(15)))
            .tls_config(tls)
            .build()
            .into();
        Client {
            bases: base
                .split(',')
                .map(|b| b.trim().trim_end_matches('/').to_string())
                .filter(|b| !b.is_empty())
                .collect(),
            current: AtomicUsize::new(0),
            credential: credential.trim().to_string(),
            http,
        }
    }

    /// Claims a seat for a session.
    pub fn claim(&self) -> Result<Lease, Error> {
        self.send("POST", "/v1/leases", None::<&()>)
    }

    /// Extends lease `id`.
    pub fn renew(&self, id: &str) -> Result<Lease, Error> {
        self.send("POST", &format!("/v1/leases/{id}/renew"), None::<&()>)
    }

    /// Releases lease `id`.
    pub fn release(&self, id: &str) -> Result<(), Error> {
        self.send::<Value>("DELETE", &format!("/v1/leases/{id}"), None::<&()>)
            .map(drop)
    }

    /// The sign-in check: may this agent start a session now?
    pub fn signin(&self) -> Result<Value, Error> {
        self.send("GET", "/v1/signin", None::<&()>)
    }

    /// Admin: grants `agent` access to its pool; returns its credential.
    /// An agent granted already is refused ([`Error::Exists`]) unless
    /// `replace`.
    pub fn grant(&self, agent: &Agent, replace: bool) -> Result<String, Error> {
        let body = json!({
            "id": agent.id,
            "name": agent.name,
            "email": agent.email,
            "pool": agent.pool,
            "replace": replace,
        });
        let answer: Value = self.send("POST", "/v1/agents", Some(&body))?;
        answer
            .get("credential")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::Http("the server sent no credential".into()))
    }

    /// Admin: takes agent `id`'s access away.
    pub fn revoke(&self, id: &str) -> Result<(), Error> {
        self.send::<Value>(
            "DELETE",
            &format!("/v1/agents/{}", segment(id)),
            None::<&()>,
        )
        .map(drop)
    }

    /// Admin: assigns (or takes back) a named seat.
    pub fn assign(&self, id: &str, named: bool) -> Result<(), Error> {
        let body = json!({"named": named});
        self.send::<Value>(
            "PUT",
            &format!("/v1/agents/{}/named", segment(id)),
            Some(&body),
        )
        .map(drop)
    }

    /// Admin: every agent.
    pub fn agents(&self) -> Result<Vec<Agent>, Error> {
        self.send("GET", "/v1/agents", None::<&()>)
    }

    /// Admin: every pool and its use.
    pub fn pools(&self) -> Result<Vec<PoolUse>, Error> {
        self.send("GET", "/v1/pools", None::<&()>)
    }

    /// Admin: every live lease.
    pub fn sessions(&self) -> Result<Vec<Session>, Error> {
        self.send("GET", "/v1/sessions", None::<&()>)
    }

    /// Admin: ends leases; returns those that were not live (ended
    /// already, or never leases).
    pub fn end(&self, leases: &[String]) -> Result<Vec<String>, Error> {
        let answer: Value =
            self.send("POST", "/v1/sessions/end", Some(&json!({"leases": leases})))?;
        answer
            .get("not_live")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| Error::Http(format!("unexpected answer: {e}")))
            .map(Option::unwrap_or_default)
    }

    /// Admin: every administrator and manager account.
    pub fn accounts(&self) -> Result<Vec<Account>, Error> {
        self.send("GET", "/v1/accounts", None::<&()>)
    }

    /// Admin: adds an account; returns its credential.
    pub fn add_account(&self, account: &Account) -> Result<String, Error> {
        let answer: Value = self.send("POST", "/v1/accounts", Some(account))?;
        answer
            .get("credential")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::Http("the server sent no credential".into()))
    }

    /// Admin: removes an account.
    pub fn remove_account(&self, id: &str) -> Result<(), Error> {
        self.send::<Value>(
            "DELETE",
            &format!("/v1/accounts/{}", segment(id)),
            None::<&()>,
        )
        .map(drop)
    }

    /// Admin: the newest audit entries.
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, Error> {
        self.send("GET", &format!("/v1/audit?limit={limit}"), None::<&()>)
    }

    /// Sends the request to the server that answered last, and on to the
    /// next while one cannot be reached.
    fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, Error> {
        let first = self.current.load(Ordering::Relaxed);
        let mut unreachable = Vec::new();
        for i in 0..self.bases.len() {
            let at = (first + i) % self.bases.len();
            let Some(base) = self.bases.get(at) else {
                continue;
            };
            match self.send_to(base, method, path, body) {
                Ok(response) => {
                    self.current.store(at, Ordering::Relaxed);
                    return response;
                }
                Err(e) => unreachable.push(format!("{base}{path}: {e}")),
            }
        }
        Err(Error::Http(if unreachable.is_empty() {
            "no server given".into()
        } else {
            unreachable.join("; ")
        }))
    }

    /// One server's answer, or why it could not be reached.
    fn send_to<T: DeserializeOwned>(
        &self,
        base: &str,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Result<T, Error>, ureq::Error> {
        let url = format!("{base}{path}");
        let auth = format!("Bearer {}", self.credential);
        let mut response = match (method, body) {
            ("GET", _) => self.http.get(&url).header("Authorization", &auth).call(),
            ("DELETE", _) => self.http.delete(&url).header("Authorization", &auth).call(),
            ("PUT", Some(body)) => self
                .http
                .put(&url)
                .header("Authorization", &auth)
                .send_json(body),
            (_, Some(body)) => self
                .http
                .post(&url)
                .header("Authorization", &auth)
                .send_json(body),
            (_, None) => self
                .http
                .post(&url)
                .header("Authorization", &auth)
                .send_empty(),
        }?;
        let status = response.status().as_u16();
        let value: Value = match response.body_mut().read_json() {
            Ok(value) => value,
            Err(e) => {
                return Ok(Err(Error::Http(format!(
                    "{url}: answered {status} without JSON: {e}"
                ))));
            }
        };
        if (200..300).contains(&status) {
            return Ok(serde_json::from_value(value)
                .map_err(|e| Error::Http(format!("{url}: unexpected answer: {e}"))));
        }
        Ok(Err(error_of(status, &value)))
    }
}

/// `text` as one URL path segment: every byte but unreserved ones
/// percent-encoded.
fn segment(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes()
        .fold(String::with_capacity(text.len()), |mut out, b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
            out
        })
}

/// The error a failure answer stands for.
fn error_of(status: u16, value: &Value) -> Error {
    let error = value.get("error");
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match field("code").as_str() {
        "pool_exhausted" => Error::Exhausted {
            pool: field("pool"),
            seats: error
                .and_then(|e| e.get("seats"))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
        },
        "unauthorized" => Error::Unauthorized,
        "not_found" => Error::NotFound(field("message")),
        "lease_expired" | "lease_ended" => Error::LeaseEnded {
            lease: field("lease"),
            ending: Ending::from_code(&field("reason")).unwrap_or(Ending::Lapsed),
        },
        "forbidden" => Error::Forbidden(field("message")),
        "exists" => Error::Exists(field("message")),
        "invalid" | "bad_request" => Error::Invalid(field("message")),
        _ => Error::Http(format!(
            "the server answered {status}: {}",
            field("message")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn an_id_is_one_path_segment_whatever_it_holds() {
        assert_eq!(segment("agent-01_x.y~z"), "agent-01_x.y~z");
        assert_eq!(segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(segment("ü"), "%C3%BC");
    }
}
