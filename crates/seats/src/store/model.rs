//! What the store holds and reports: pools as the decision made them,
//! agents, leases and sessions, each server's figure, the audit log and
//! the counters.

use serde::{Deserialize, Serialize};

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
    /// The serials (hex) of every licence counted in `shared` and `named`:
    /// two servers that both count a licence count it once between them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// The cap on the shared seats (tokens' and catalog's), which the
    /// servers sharing a pool never exceed together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_cap: Option<u32>,
    /// The cap on the named seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub named_cap: Option<u32>,
}

impl PoolSpec {
    /// A pool of `shared` and `named` seats, its id made from `product`,
    /// `edition` and `tenant`, with no licence, serial or cap recorded.
    pub fn new(
        product: &str,
        edition: &str,
        tenant: Option<&str>,
        shared: u32,
        named: u32,
    ) -> PoolSpec {
        PoolSpec {
            id: PoolSpec::id_of(product, edition, tenant),
            product: product.to_string(),
            edition: edition.to_string(),
            tenant: tenant.map(str::to_string),
            shared,
            named,
            licence: String::new(),
            serials: Vec::new(),
            shared_cap: None,
            named_cap: None,
        }
    }

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

impl Agent {
    /// An agent to grant: `id`, `name`, `email`, in `pool`, no named seat
    /// (assigned apart, [`crate::Store::assign`]).
    pub fn new(id: &str, name: &str, email: &str, pool: &str) -> Agent {
        Agent {
            id: id.to_string(),
            name: name.to_string(),
            email: email.to_string(),
            pool: pool.to_string(),
            named: false,
        }
    }
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
    /// What each server recorded for the pool (one, `local`, on SQLite).
    #[serde(default)]
    pub servers: Vec<ServerFigure>,
}

/// What one server's decision found for a pool, as it recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerFigure {
    /// The server: `m-` and 16 hex digits of its machine, or `local`.
    pub server: String,
    /// Its shared seats.
    pub shared: u32,
    /// Its named seats.
    pub named: u32,
    /// Whether the figure still holds (the server recorded it within three
    /// refreshes); a lapsed figure counts for nothing.
    pub holds: bool,
    /// The host name of the server's machine, as it recorded its figure.
    #[serde(default)]
    pub host: String,
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
    /// Who did it: the account of the administrator or manager, or none
    /// (the agent itself, or the server: a lease that ran out, a pool
    /// that shrank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// Why a session's lease ended: what the technician is told when the
/// agent app next renews it, by a code of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The agent released it: the session ended.
    Released,
    /// An administrator ended the session to free its seat.
    EndedByAdmin,
    /// The agent's access to the pool was revoked.
    AccessRevoked,
    /// The agent's named seat was taken back.
    NamedSeatTakenBack,
    /// The pool has fewer seats now than are in use (a licence ended or
    /// left), and this session's seat was among the newest.
    PoolShrank,
    /// No licence here makes the pool any more.
    PoolUnlicensed,
    /// The lease was not renewed in time.
    Lapsed,
}

impl Ending {
    /// Every ending, for documentation and tests.
    pub const ALL: [Ending; 7] = [
        Ending::Released,
        Ending::EndedByAdmin,
        Ending::AccessRevoked,
        Ending::NamedSeatTakenBack,
        Ending::PoolShrank,
        Ending::PoolUnlicensed,
        Ending::Lapsed,
    ];

    /// Its code, as in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Ending::Released => "released",
            Ending::EndedByAdmin => "ended_by_admin",
            Ending::AccessRevoked => "access_revoked",
            Ending::NamedSeatTakenBack => "named_seat_taken_back",
            Ending::PoolShrank => "pool_shrank",
            Ending::PoolUnlicensed => "pool_unlicensed",
            Ending::Lapsed => "lapsed",
        }
    }

    /// The ending of a code.
    pub fn from_code(code: &str) -> Option<Ending> {
        Ending::ALL.into_iter().find(|e| e.code() == code)
    }

    /// Why, in English.
    pub fn english(self) -> &'static str {
        match self {
            Ending::Released => "the session was ended by its agent",
            Ending::EndedByAdmin => "an administrator ended the session to free its seat",
            Ending::AccessRevoked => "your access to the pool was revoked",
            Ending::NamedSeatTakenBack => "your named seat was taken back",
            Ending::PoolShrank => "the pool has fewer seats now, and yours was among the newest",
            Ending::PoolUnlicensed => "no licence here makes the pool any more",
            Ending::Lapsed => "the lease was not renewed in time",
        }
    }

    /// Why, in German.
    pub fn german(self) -> &'static str {
        match self {
            Ending::Released => "Die Sitzung wurde vom Techniker beendet",
            Ending::EndedByAdmin => {
                "Ein Administrator hat die Sitzung beendet, um die Lizenz freizugeben"
            }
            Ending::AccessRevoked => "Ihr Zugriff auf die Lizenzen wurde entzogen",
            Ending::NamedSeatTakenBack => "Ihre benannte Lizenz wurde Ihnen entzogen",
            Ending::PoolShrank => {
                "Es gibt jetzt weniger Lizenzen, und Ihre gehörte zu den zuletzt belegten"
            }
            Ending::PoolUnlicensed => "Für diese Lizenzen gibt es hier keine Lizenz mehr",
            Ending::Lapsed => "Die Lizenz wurde nicht rechtzeitig erneuert",
        }
    }

    /// The audit log's event for it.
    pub(crate) fn event(self) -> &'static str {
        match self {
            Ending::Released => "released",
            Ending::EndedByAdmin | Ending::AccessRevoked | Ending::NamedSeatTakenBack => "ended",
            Ending::PoolShrank | Ending::PoolUnlicensed => "evicted",
            Ending::Lapsed => "expired",
        }
    }
}

/// The two kinds of people who administer the seats (GoToAssist:
/// "Administratoren oder Manager").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything: access, named seats, ending sessions, accounts.
    Administrator,
    /// What its permissions say (`Account::may`).
    Manager,
}

/// What an account may be asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Grant or revoke an agent's access, assign or take back a named
    /// seat: "den Zugriff … gewähren und entziehen".
    ManageAccess,
    /// End sessions to free their seats: "Dort können Administratoren eine
    /// genutzte Lizenz bei Bedarf löschen".
    EndSessions,
    /// Add or remove administrator and manager accounts.
    ManageAccounts,
}

/// A person who administers the seat server, with a credential of their
/// own: the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its id (a login name); `admin` is the site's first administrator,
    /// whose credential is the file `admin.credential`.
    pub id: String,
    /// The person's name.
    pub name: String,
    /// Administrator or manager.
    pub role: Role,
    /// "Benutzer hinzufügen/löschen".
    pub add_remove_users: bool,
    /// "Produkte verwalten".
    pub manage_products: bool,
}

impl Account {
    /// The id of the site's first administrator.
    pub const SITE_ADMIN: &'static str = "admin";

    /// The site's first administrator: whoever holds `admin.credential`.
    pub fn site_admin() -> Account {
        Account {
            id: Account::SITE_ADMIN.into(),
            name: "site administrator (admin.credential)".into(),
            role: Role::Administrator,
            add_remove_users: true,
            manage_products: true,
        }
    }

    /// Whether the account may do `action`. The manual names both
    /// permissions for granting and revoking access, and administrators
    /// alone for ending a session; it is silent on accounts, which only
    /// administrators manage (docs/catalog.md, readings).
    pub fn may(&self, action: Action) -> bool {
        match (self.role, action) {
            (Role::Administrator, _) => true,
            (Role::Manager, Action::ManageAccess) => self.add_remove_users && self.manage_products,
            (Role::Manager, Action::EndSessions | Action::ManageAccounts) => false,
        }
    }
}

/// One pool's counters for `/metrics` (or every pool's, added up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Claims granted.
    pub claims: u64,
    /// Claims refused because the pool was full, since the server started.
    pub claims_refused: u64,
    /// Leases whose time ran out.
    pub leases_expired: u64,
    /// Leases an administrator ended: ended sessions, revoked agents, named
    /// seats taken back.
    pub admin_ends: u64,
}

/// The counters of each pool, by pool id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolCounters(pub std::collections::BTreeMap<String, Counters>);

impl PoolCounters {
    /// Every pool's counters added up.
    pub fn total(&self) -> Counters {
        self.0
            .values()
            .fold(Counters::default(), |sum, c| Counters {
                claims: sum.claims.saturating_add(c.claims),
                claims_refused: sum.claims_refused.saturating_add(c.claims_refused),
                leases_expired: sum.leases_expired.saturating_add(c.leases_expired),
                admin_ends: sum.admin_ends.saturating_add(c.admin_ends),
            })
    }
}
