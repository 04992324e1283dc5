//! A site's seat server, started by one call ([`run`]; `entitle serve` is
//! a thin command over it, docs/concurrent-seats.md). The pools it serves
//! are exactly what `entitle verify` decides on the same material, on this
//! machine (every licence must be activated here), made again every
//! refresh; the leases are signed with the activation keys of the
//! appliance's state.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entitle::Error as SiteError;
use entitle::appliance;
use entitle::args::MaterialArgs;
use entitle::artifacts::sort_inputs;
use entitle::decision::{Outcome, decide_args_for_store};
use entitle::input::read_tokens;
use entitle_appliance::{LeaseKey, LeaseTerms};
use entitle_verify::{SeatModel, Serial};

use crate::server::{Server, router, serve};
use crate::{Lease, PoolSpec, ServedHere, Store, hash, new_secret};

/// The admin credential's file in the state directory.
const ADMIN_FILE: &str = "admin.credential";
/// The store's file in the state directory.
const STORE_FILE: &str = "seats.sqlite";

/// How a site's server runs: `entitle serve`'s options.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// The licence material and the machine; `state_dir` is required, and
    /// every licence must be activated on this machine.
    pub material: MaterialArgs,
    /// Where to listen; on any address but loopback, TLS only.
    pub listen: std::net::SocketAddr,
    /// TLS on loopback too.
    pub tls: bool,
    /// Host names LAN clients use, for the certificate made on first start.
    pub tls_names: Vec<String>,
    /// Seconds a lease lasts unless renewed.
    pub lease_ttl: u64,
    /// Seconds between decisions on the licence material.
    pub refresh: u64,
    /// PostgreSQL (`postgres://…`) instead of SQLite in the state
    /// directory, for several servers sharing one pool.
    pub database: Option<String>,
    /// Days the audit log keeps its lines (0: for ever).
    pub audit_days: u64,
}

/// Runs the site's server until interrupted (Ctrl-C or SIGTERM).
pub fn run(args: &SiteOptions) -> Result<(), SiteError> {
    let Some(dir) = args.material.state_dir.clone() else {
        return Err(SiteError::input(
            "entitle serve needs --state-dir: the machine's state, where its licences are activated",
        ));
    };
    // A server runs on the machine's clock: a --now in the past would serve,
    // refresh after refresh, what the clock already refuses (an expired
    // licence); one in the future, what is not valid yet.
    if args.material.now.is_some() {
        return Err(SiteError::input(
            "entitle serve runs on this machine's clock: --now is not taken (it is for verify)",
        ));
    }
    // Plain HTTP on loopback only: anywhere else, TLS.
    let tls = args.tls || !args.listen.ip().is_loopback();
    let mut material = args.material.clone();
    material.require_activation = true;

    let (machine_id, tpm) = (material.machine_id.clone(), material.tpm.clone());
    let machine = appliance::open(&dir, &machine_id, tpm.as_deref())?
        .machine_id()
        .map_err(|e| SiteError::input(e.to_string()))?;
    let admin = admin_credential(&dir)?;
    let database = args.database.clone().filter(|url| !url.is_empty());
    let mut instance = None;
    let mut store = match &database {
        None => Store::open(&dir.join(STORE_FILE))?,
        Some(url) => {
            let name = instance_name(&machine);
            // An instance's figures lapse after three missed refreshes:
            // a stopped server's seats leave the shared pool.
            let store = Store::postgres(url, &name, args.refresh.saturating_mul(3))?;
            instance = Some(name);
            store
        }
    };
    store.keep_audit_for(args.audit_days);
    // A licence of a primary and standby pair counts only on the store it
    // is bound to (docs/concurrent-seats.md, "A standby").
    let identity = store.identity()?;
    let first = decide_with(&material, identity, &store.lists()?)?.0;
    let pools = pool_specs(&first);
    if pools.is_empty() {
        let why = first
            .failures
            .first()
            .map(|(_, e)| format!(": {}", e.message))
            .unwrap_or_default();
        return Err(SiteError::input(format!(
            "nothing to serve: no licence with concurrent seats counts on this machine{why}"
        )));
    }
    // One activation feeds one pool: a licence another server on this
    // machine serves (the same state directory, a copy of it, another
    // database) is not served here.
    let served = ServedHere::new(&machine);
    let (pools, elsewhere) = served.keep(pools);
    if let Some(serial) = elsewhere.first() {
        return Err(SiteError::input(format!(
            "licence {serial} is already served on this machine by another entitle serve: one activation feeds one pool"
        )));
    }
    let decide = move |shared: &[String]| {
        decide_with(&material, identity, shared)
            .map(|(o, known)| (served.keep(pool_specs(&o)).0, known))
            .map_err(|e| e.message)
    };
    let lease_keys = LeaseKeys {
        state: dir.clone(),
        machine_id,
        tpm,
        every: Duration::from_secs(args.refresh),
        read: Mutex::new(ReadKeys::default()),
    };
    let signer = move |lease: &Lease, pool: &PoolSpec| lease_keys.sign(lease, pool);
    let server = Server::new(
        store,
        hash(&admin),
        args.lease_ttl,
        Box::new(decide),
        Some(Box::new(signer)),
    )?;
    server.refresh()?;

    let tls = if tls {
        Some(crate::tls::for_listen(&dir, args.listen, &args.tls_names)?)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SiteError::input(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| SiteError::input(format!("cannot listen on {}: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| SiteError::input(e.to_string()))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("entitle: serving on {scheme}://{address}");
        for pool in &pools {
            println!(
                "entitle: pool {}: {} shared seats, {} named{}",
                pool.id,
                pool.shared,
                pool.named,
                if instance.is_some() {
                    " from this machine's licences"
                } else {
                    ""
                }
            );
        }
        match &instance {
            Some(instance) => println!(
                "entitle: seats in PostgreSQL, shared with the other servers there; this one is {instance}; store identity {} (a primary and standby pair is activated for it)",
                identity.map(|id| entitle_verify::Hex(&id).to_string()).unwrap_or_default()
            ),
            None => println!(
                "entitle: seats in {}",
                dir.join(STORE_FILE).display()
            ),
        }
        println!(
            "entitle: admin credential in {} (mode 0600)",
            dir.join(ADMIN_FILE).display()
        );
        if let Some(tls) = &tls {
            println!(
                "entitle: TLS certificate {} ({}) for {}; clients pin it with --server-cert",
                dir.join(crate::tls::CERT_FILE).display(),
                tls.fingerprint,
                tls.names.as_deref().unwrap_or("names made by an older version")
            );
        }
        let refresher = server.clone();
        let every = Duration::from_secs(args.refresh);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let server = refresher.clone();
                let _ = tokio::task::spawn_blocking(move || server.refresh()).await;
            }
        });
        serve(
            listener,
            router(server),
            tls.map(|tls| tls.config),
            crate::server::interrupted(),
        )
        .await;
        println!(
            "entitle: stopped; live leases stay in the store and hold at the next start until their time runs out"
        );
        Ok(())
    })
}

/// The admin credential: read from the state directory, or made there
/// (mode 0600) on first start.
fn admin_credential(dir: &Path) -> Result<String, SiteError> {
    let path = dir.join(ADMIN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
        Ok(_) => Err(SiteError::input(format!("{} is empty", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let credential = new_secret("esk1_")?;
            crate::tls::write_new(&path, format!("{credential}\n").as_bytes(), 0o600)?;
            Ok(credential)
        }
        Err(e) => Err(SiteError::input(format!("{}: {e}", path.display()))),
    }
}

/// Decides on `material` and the revocation lists the store shares
/// (`shared`, every server's), for the store `identity`; returns the
/// outcome and the lists this server's own material holds, for the store
/// to share: a revocation given to one server of a shared store reaches
/// them all, and none forgets it.
fn decide_with(
    material: &MaterialArgs,
    identity: Option<[u8; 16]>,
    shared: &[String],
) -> Result<(Outcome, Vec<String>), SiteError> {
    let own: Vec<String> = sort_inputs(read_tokens(&material.tokens)?)
        .artifacts
        .revocations
        .iter()
        .map(|(_, list)| list.text().to_string())
        .collect();
    let mut with_shared = material.clone();
    with_shared
        .tokens
        .extend(shared.iter().filter(|text| !own.contains(text)).cloned());
    Ok((decide_args_for_store(&with_shared, identity)?, own))
}

/// The name a machine's server goes by in a shared database: the first 8
/// bytes of SHA-256 of its machine id, in hex (the id itself stays on the
/// machine).
fn instance_name(machine_id: &[u8]) -> String {
    let digest = hash(&entitle_verify::Hex(machine_id).to_string());
    format!(
        "m-{}",
        entitle_verify::Hex(digest.get(..8).unwrap_or_default())
    )
}

/// The activation keys that sign leases, read from the appliance's state
/// at most once per refresh. Opening the state checks its signature and
/// its counter (on a TPM, round trips of tens of milliseconds each: 62 ms
/// a renewal on swtpm when every lease opened it), too slow for every
/// claim and renewal; a refresh's staleness is what the pools have anyway.
struct LeaseKeys {
    state: PathBuf,
    machine_id: PathBuf,
    tpm: Option<String>,
    every: Duration,
    read: Mutex<ReadKeys>,
}

/// The keys read, and when they started being read.
#[derive(Default)]
struct ReadKeys {
    since: Option<Instant>,
    keys: BTreeMap<Serial, LeaseKey>,
}

impl LeaseKeys {
    /// Signs `lease` of `pool` with the activation key of the pool's licence.
    fn sign(&self, lease: &Lease, pool: &PoolSpec) -> Result<String, String> {
        let serial = parse_serial(&pool.licence)
            .ok_or_else(|| format!("the pool {} names no licence", pool.id))?;
        let mut read = self
            .read
            .lock()
            .map_err(|_| "a lease failed while its key was read".to_string())?;
        let now = Instant::now();
        if read
            .since
            .is_none_or(|since| now.duration_since(since) >= self.every)
        {
            read.keys.clear();
            read.since = Some(now);
        }
        let key = match read.keys.entry(serial) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let appliance = appliance::open(&self.state, &self.machine_id, self.tpm.as_deref())
                    .map_err(|e| e.message)?;
                new.insert(appliance.lease_key(serial).map_err(|e| e.to_string())?)
            }
        };
        key.sign(LeaseTerms {
            id: &lease.id,
            agent: &lease.agent,
            pool: &lease.pool,
            issued_at: lease.heartbeat,
            not_after: lease.not_after,
        })
        .map_err(|e| e.to_string())
    }
}

/// A serial from its 16 hex digits.
fn parse_serial(hex: &str) -> Option<Serial> {
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
        .map(|n| Serial(n.to_be_bytes()))
}

/// The pools of a decision the server serves: per product, edition and
/// tenant with concurrent seats, those seats shared and the named seats of
/// the same licence type beside them.
fn pool_specs(outcome: &Outcome) -> Vec<PoolSpec> {
    let mut pools: BTreeMap<String, PoolSpec> = BTreeMap::new();
    for line in &outcome.supply.pools {
        let id = PoolSpec::id_of(&line.product, &line.edition, line.tenant.as_deref());
        let pool = pools.entry(id).or_insert_with(|| {
            PoolSpec::new(&line.product, &line.edition, line.tenant.as_deref(), 0, 0)
        });
        let seats = u32::try_from(line.seats).unwrap_or(u32::MAX);
        let narrower = |cap: Option<u32>| match (cap, line.cap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match line.model {
            SeatModel::Concurrent => {
                pool.shared = pool.shared.saturating_add(seats);
                pool.shared_cap = narrower(pool.shared_cap);
                if let (true, Some(serial)) = (pool.licence.is_empty(), line.serials.first()) {
                    pool.licence = serial.to_string();
                }
            }
            SeatModel::Named => {
                pool.named = pool.named.saturating_add(seats);
                pool.named_cap = narrower(pool.named_cap);
            }
        }
        for serial in &line.serials {
            let serial = serial.to_string();
            if !pool.serials.contains(&serial) {
                pool.serials.push(serial);
            }
        }
    }
    pools.into_values().filter(|p| p.shared > 0).collect()
}
