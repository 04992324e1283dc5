//! The portal's actions, the same for the web page and any other face:
//! each one first finds the signed-in user's company and view, refuses
//! what the view does not offer (the seed's table, [`Role::offers`]) and
//! any licence the company does not hold in that view, then asks the
//! decision, signs, and writes the audit log.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use entitle_lifecycle::{
    Activation, Ledger, Renewal, Request, RevocationList, Role, Signed, ViewFunction, receipt_ends,
};
use entitle_verify::{MAX_TOKEN_BYTES, PublicKey, Serial, Signer, Token, Verifier};

use crate::downloads::{self, Version};
use crate::error::Error;
use crate::extra;
use crate::standing::{Standing, Status, standing};
use crate::store::{AuditLine, Company, Licence, Pool, Quote, Store, User};

/// The portal: its database, the key it signs with, the vendor keys its
/// licences chain to, and the software it offers.
pub struct Portal {
    /// Connections to the database: reads go in parallel; writers take
    /// turns in the database (SQLite's immediate transactions,
    /// PostgreSQL's writers' lock).
    stores: Vec<Mutex<Store>>,
    next: std::sync::atomic::AtomicUsize,
    /// Writers of this process take turns here on SQLite (see
    /// [`Portal::writer`]).
    turn: Mutex<()>,
    /// Whether the database is PostgreSQL.
    postgres: bool,
    key: Mutex<Box<dyn Signer + Send>>,
    key_public: PublicKey,
    trusted: Vec<PublicKey>,
    downloads: Option<PathBuf>,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("key", &self.key_public.id())
            .field("downloads", &self.downloads)
            .finish_non_exhaustive()
    }
}

/// Who acts: a signed-in user, their company, and the view they act in.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user: User,
    /// Their company.
    pub company: Company,
    /// The view in use, one of the company's.
    pub view: Role,
}

/// A machine a licence is activated on, as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// The start of its fingerprint (hex), as `entitle inspect` shows it
    /// in the machine's activation request.
    pub fingerprint: String,
    /// Since when, Unix seconds.
    pub since: u64,
}

/// A connection held for a write, with this process's writer turn.
pub struct Writing<'p> {
    store: MutexGuard<'p, Store>,
    _turn: Option<MutexGuard<'p, ()>>,
}

impl std::ops::Deref for Writing<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

impl std::ops::DerefMut for Writing<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

/// A user of the vendor, acting in the vendor's own view.
#[derive(Debug, Clone)]
pub struct Vendor {
    /// The user.
    pub user: User,
    /// The vendor's company.
    pub company: Company,
}

/// Licences shown on one page of a view.
pub const PER_PAGE: u64 = 50;

/// One page of a view's licences.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The licences on the page.
    pub held: Vec<Held>,
    /// How many match in all.
    pub total: u64,
    /// This page (0 first).
    pub page: u64,
    /// How many pages there are (at least 1).
    pub pages: u64,
}

/// A licence in a view: the decision's standing and where it is activated.
#[derive(Debug, Clone)]
pub struct Held {
    /// What the decision says of it today.
    pub standing: Standing,
    /// Machines it is activated on (the portal's ledger).
    pub machines: Vec<Machine>,
}

/// Unix seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Portal {
    /// A portal on `stores` (connections to one database, at least one),
    /// signing with `key`; licences chain to
    /// `trusted` (the vendor keys; the signing key's own public half is
    /// trusted too when it is the vendor's).
    pub fn new(
        stores: Vec<Store>,
        key: Box<dyn Signer + Send>,
        mut trusted: Vec<PublicKey>,
        downloads: Option<PathBuf>,
    ) -> Portal {
        let key_public = key.public_key();
        if trusted.is_empty() {
            trusted.push(key_public);
        }
        Portal {
            postgres: stores.first().is_some_and(Store::is_postgres),
            stores: stores.into_iter().map(Mutex::new).collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            turn: Mutex::new(()),
            key: Mutex::new(key),
            key_public,
            trusted,
            downloads,
        }
    }

    /// A connection to the database, locked: a free one if there is one,
    /// else the next in turn.
    pub fn store(&self) -> Result<MutexGuard<'_, Store>, Error> {
        for store in &self.stores {
            if let Ok(free) = store.try_lock() {
                return Ok(free);
            }
        }
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.stores
            .get(turn % self.stores.len().max(1))
            .ok_or_else(|| Error::Setup("the portal has no database connection".into()))?
            .lock()
            .map_err(|_| Error::Store("a request failed while holding the database".into()))
    }

    /// A connection for a write, on SQLite after this process's earlier
    /// writers: they take turns here rather than in SQLite's busy handler,
    /// which sleeps between tries.
    pub fn writer(&self) -> Result<Writing<'_>, Error> {
        // PostgreSQL orders writers itself (its writers' lock, rows locked
        // rather than the whole file): no turn to wait for here. On SQLite
        // the turn comes first, then a connection, never the other way.
        let turn = if self.postgres {
            None
        } else {
            Some(
                self.turn
                    .lock()
                    .map_err(|_| Error::Store("a write failed while holding its turn".into()))?,
            )
        };
        Ok(Writing {
            store: self.store()?,
            _turn: turn,
        })
    }

    /// The public half of the key the portal signs with.
    pub fn public_key(&self) -> PublicKey {
        self.key_public
    }

    /// `email` acting in `view` (`None`: the company's first view).
    pub fn actor(&self, email: &str, view: Option<Role>) -> Result<Actor, Error> {
        let mut store = self.store()?;
        let Some((user, _)) = store.user(email)? else {
            return Err(Error::Unauthorized("no such user".into()));
        };
        let Some(company) = store.company(&user.company)? else {
            return Err(Error::Unauthorized(format!(
                "the company {} of {email} is not in the portal",
                user.company
            )));
        };
        let view = match view {
            Some(view) if company.views.contains(&view) => view,
            Some(view) => {
                return Err(Error::Refused(format!(
                    "{} has no {} view",
                    company.name,
                    view.name()
                )));
            }
            None => *company.views.first().ok_or_else(|| {
                Error::Refused(format!("{} has no view in the portal", company.name))
            })?,
        };
        Ok(Actor {
            user,
            company,
            view,
        })
    }

    /// A page of the licences of the actor's company in its view (those
    /// whose serial, product, edition or tenant contains `query`), as the
    /// decision sees them today: [`PER_PAGE`] from page `page` (0 first).
    pub fn licences(
        &self,
        actor: &Actor,
        query: &str,
        page: u64,
        now: u64,
    ) -> Result<Listing, Error> {
        let (licences, ledgers, total, lists) = {
            let mut store = self.store()?;
            let (licences, ledgers, total) = store.licences(
                (&actor.company.id, actor.view),
                query,
                (page.saturating_mul(PER_PAGE), PER_PAGE),
            )?;
            (licences, ledgers, total, store.revocation_lists()?)
        };
        let held = self.as_held(&licences, &ledgers, &parse_lists(&lists)?, now)?;
        Ok(Listing {
            held,
            total,
            page,
            pages: total.div_ceil(PER_PAGE).max(1),
        })
    }

    /// The licences a free extra key may be asked beside, in the actor's
    /// view, as the decision sees them today: for a customer or system
    /// integrator its annual-model licences that count (the footnote,
    /// "sofern Lizenzen des Annual License Models erworben wurden"); for
    /// a service provider, the licences of the page it is on.
    pub fn extra_key_choices(
        &self,
        actor: &Actor,
        listing: &Listing,
        now: u64,
    ) -> Result<Vec<Standing>, Error> {
        if !actor.view.offers(ViewFunction::ExtraKeys) {
            return Ok(Vec::new());
        }
        let counting = |s: &Standing| matches!(s.status, Status::Active | Status::Renewed);
        if actor.view == Role::ServiceProvider {
            return Ok(listing
                .held
                .iter()
                .map(|h| h.standing.clone())
                .filter(counting)
                .collect());
        }
        let (annual, lists) = {
            let mut store = self.store()?;
            (
                store.annual(&actor.company.id, actor.view)?,
                store.revocation_lists()?,
            )
        };
        let lists = parse_lists(&lists)?;
        let mut choices = Vec::new();
        for licence in &annual {
            let today = standing(
                &licence.token,
                &licence.renewals,
                &self.trusted,
                &lists,
                now,
                None,
            )?;
            if counting(&today) && today.expires_at.is_some() {
                choices.push(today);
            }
        }
        Ok(choices)
    }

    /// Each licence as the decision sees it today, with the machines its
    /// ledger holds.
    fn as_held(
        &self,
        licences: &[Licence],
        ledgers: &BTreeMap<String, Ledger>,
        lists: &[Signed<RevocationList>],
        now: u64,
    ) -> Result<Vec<Held>, Error> {
        licences
            .iter()
            .map(|licence| {
                let machines = match ledgers.get(&licence.serial) {
                    Some(ledger) => {
                        // A machine answered twice (the same request
                        // again) is one machine, since its first answer.
                        let mut machines: Vec<Machine> = Vec::new();
                        for (fingerprint, _, since) in ledger.active(serial(&licence.serial)?) {
                            let fingerprint: String = fingerprint
                                .iter()
                                .take(6)
                                .map(|b| format!("{b:02x}"))
                                .collect();
                            match machines.iter_mut().find(|m| m.fingerprint == fingerprint) {
                                Some(known) => known.since = known.since.min(since),
                                None => machines.push(Machine { fingerprint, since }),
                            }
                        }
                        machines
                    }
                    None => Vec::new(),
                };
                Ok(Held {
                    standing: standing(
                        &licence.token,
                        &licence.renewals,
                        &self.trusted,
                        lists,
                        now,
                        None,
                    )?,
                    machines,
                })
            })
            .collect()
    }

    /// Refuses a function the actor's view does not offer.
    pub fn offers(actor: &Actor, function: ViewFunction) -> Result<(), Error> {
        if actor.view.offers(function) {
            Ok(())
        } else {
            Err(Error::Refused(format!(
                "the {} view does not offer {}",
                actor.view.name(),
                function.name()
            )))
        }
    }

    /// The licence `serial` if the actor's company holds it in its view;
    /// otherwise the same refusal whether it exists or not.
    fn held(&self, actor: &Actor, serial: &str) -> Result<Licence, Error> {
        self.store()?
            .held(serial, &actor.company.id, actor.view)?
            .ok_or_else(|| {
                Error::Refused(format!(
                    "licence {serial} is not one of {}'s licences in the {} view",
                    actor.company.name,
                    actor.view.name()
                ))
            })
    }

    /// The revocation lists in force: the portal's newest (cumulative)
    /// and every list the vendor signed elsewhere (imported from its
    /// issuance ledger), so that no revocation is forgotten here.
    fn lists(&self) -> Result<Vec<Signed<RevocationList>>, Error> {
        let texts = self.store()?.revocation_lists()?;
        parse_lists(&texts)
    }

    /// The licence's standing today if it counts; else refused, saying
    /// what it is and what follows (`then`).
    fn counting(&self, licence: &Licence, now: u64, then: &str) -> Result<Standing, Error> {
        let today = standing(
            &licence.token,
            &licence.renewals,
            &self.trusted,
            &self.lists()?,
            now,
            None,
        )?;
        if matches!(today.status, Status::Active | Status::Renewed) {
            Ok(today)
        } else {
            Err(Error::Refused(format!(
                "licence {} is {}: {then}",
                licence.serial,
                today.status.name()
            )))
        }
    }

    /// Software activation: answers the activation request `request`
    /// (and, with `receipt`, frees the machine a deactivation receipt
    /// ended) with a signed response, if the licence is the company's in
    /// this view, counts today, was issued by the portal's key and the
    /// ledger has no other machine for it. Returns the response's text.
    pub fn activate(
        &self,
        actor: &Actor,
        request: &str,
        receipt: Option<&str>,
        now: u64,
    ) -> Result<String, Error> {
        Portal::offers(actor, ViewFunction::Activation)?;
        let request = Request::from_text(request.trim())
            .map_err(|e| Error::Refused(format!("not an activation request: {e}")))?;
        let serial_text = Serial(request.serial).to_string();
        let licence = self.held(actor, &serial_text)?;
        self.counting(&licence, now, "it is not activated")?;
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&licence.token, &mut buf)
            .map_err(|e| Error::Store(format!("a recorded licence does not decode: {e}")))?;
        if Verifier::new(std::slice::from_ref(&self.key_public))
            .authenticate(token)
            .is_err()
        {
            return Err(Error::Refused(format!(
                "licence {serial_text} was issued by key {}, and only the key that issued a licence activates it; this portal signs with key {}",
                token.key_id(),
                self.key_public.id()
            )));
        }
        let ended = match receipt.map(str::trim).filter(|r| !r.is_empty()) {
            Some(text) => Some(
                receipt_ends(text, &self.trusted, &[], Serial(request.serial))
                    .map_err(|e| Error::Refused(format!("the deactivation receipt: {e}")))?,
            ),
            None => None,
        };
        let response = self.writer()?.with_ledger(&serial_text, |ledger| {
            let entries = ledger
                .admit(&request, ended.as_ref(), None, now)
                .map_err(|e| Error::Refused(e.to_string()))?;
            let key = self
                .key
                .lock()
                .map_err(|_| Error::Setup("the signing key is unusable".into()))?;
            let answer = Activation::answer(&request, key.key_id(), now);
            let signed = Signed::sign(answer, key.as_ref())
                .map_err(|e| Error::Setup(format!("cannot sign: {e}")))?;
            Ok((signed.text().to_string(), entries))
        })?;
        self.audit(actor, "activate", &serial_text, now)?;
        Ok(response)
    }

    /// Destroying licence keys: the licences `serials`, each the
    /// company's in this view, are revoked in the portal's cumulative
    /// revocation list, signed anew. Returns the list's text.
    pub fn destroy(&self, actor: &Actor, serials: &[String], now: u64) -> Result<String, Error> {
        Portal::offers(actor, ViewFunction::DestroyKeys)?;
        if serials.is_empty() {
            return Err(Error::Refused("choose the licences to destroy".into()));
        }
        let mut named = Vec::with_capacity(serials.len());
        let mut held = Vec::with_capacity(serials.len());
        for serial_text in serials {
            held.push(self.held(actor, serial_text)?);
            named.push(serial(serial_text)?);
        }
        let lists = self.lists()?;
        let mut text = String::new();
        self.writer()?.with_revocations(now, |before| {
            let key = self
                .key
                .lock()
                .map_err(|_| Error::Setup("the signing key is unusable".into()))?;
            // Cumulative over everything this key revoked, here and in the
            // vendor's own lists, and numbered after all of them: the
            // newest list alone is complete on an appliance.
            let mut licences = named.clone();
            for s in &before.serials {
                licences.push(serial(s)?);
            }
            let mut sequence = before.last.map_or(0, |l| l.saturating_add(1));
            for list in parse_lists(&before.vendor_lists)? {
                if let Ok(body) = list.verify(&self.key_public) {
                    licences.extend(body.licenses.iter().map(|s| Serial(*s)));
                    sequence = sequence.max(body.sequence.saturating_add(1));
                }
            }
            licences.sort_unstable();
            licences.dedup();
            let list = RevocationList {
                version: RevocationList::version_for(&[]),
                signer: key.key_id().0,
                sequence,
                issued_at: now,
                licenses: licences.iter().map(|s| s.0).collect(),
                certificates: Vec::new(),
                activations: Vec::new(),
            };
            let signed = Signed::sign(list, key.as_ref())
                .map_err(|e| Error::Setup(format!("cannot sign: {e}")))?;
            // Handed out only if the decision then revokes what counts:
            // a list the appliance would ignore (a key it does not trust)
            // is never given as a destruction.
            let mut with_it = lists.clone();
            with_it.push(signed.clone());
            for licence in &held {
                let today = standing(&licence.token, &licence.renewals, &self.trusted, &lists, now, None)?;
                let after = standing(&licence.token, &licence.renewals, &self.trusted, &with_it, now, None)?;
                if matches!(today.status, Status::Active | Status::Renewed)
                    && after.status != Status::Revoked
                {
                    return Err(Error::Refused(format!(
                        "licence {} would not be revoked by a list this portal signs (key {}): nothing destroyed",
                        licence.serial,
                        self.key_public.id()
                    )));
                }
            }
            text = signed.text().to_string();
            Ok((text.clone(), sequence, serials.to_vec()))
        })?;
        self.audit(actor, "destroy", &serials.join(" "), now)?;
        Ok(text)
    }

    /// Obtaining a free extra key of `seats` seats beside the licence
    /// `serial_text` (its product, edition, tenant, model and term):
    /// issued only if the decision counts it with every licence and extra
    /// key of that pool (module `extra`). Returns the key followed by its
    /// certificate, for the appliance.
    pub fn extra_key(
        &self,
        actor: &Actor,
        serial_text: &str,
        seats: u32,
        now: u64,
    ) -> Result<String, Error> {
        Portal::offers(actor, ViewFunction::ExtraKeys)?;
        let licence = self.held(actor, serial_text)?;
        let today = self.counting(&licence, now, "no extra key comes with it")?;
        let expires_at = match (today.expires_at, actor.view) {
            (Some(end), _) => end,
            (None, Role::ServiceProvider) => now.saturating_add(365 * 86_400),
            (None, _) => {
                return Err(Error::Refused(format!(
                    "licence {serial_text} is perpetual: free extra keys come only with annual-model licences"
                )));
            }
        };
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&licence.token, &mut buf)
            .map_err(|e| Error::Store(format!("a recorded licence does not decode: {e}")))?;
        let claims = token.claims();
        let mut spec = entitle_issue::LicenseSpec::new(claims.product, claims.edition, seats);
        spec.model = claims.model;
        spec.tenant = claims.tenant.map(str::to_string);
        spec.issued_at = Some(now);
        spec.expires_at = Some(expires_at);
        spec.updates_until = today.updates_until;
        let pool = Pool {
            product: spec.product.clone(),
            edition: spec.edition.clone(),
            tenant: spec.tenant.clone().unwrap_or_default(),
        };
        let text = self.writer()?.with_extra_keys(
            &pool,
            (
                &actor.company.id,
                actor.view,
                &extra::terms(actor.view, actor.company.contract_seats),
            ),
            |inputs| {
                let key = self
                    .key
                    .lock()
                    .map_err(|_| Error::Setup("the signing key is unusable".into()))?;
                let request = extra::Request {
                    portal: key.as_ref(),
                    trusted: &self.trusted,
                    company: &actor.company.id,
                    name: &actor.company.name,
                    view: actor.view,
                    contract_seats: actor.company.contract_seats,
                    spec,
                    now,
                };
                extra::issue(&request, inputs)
            },
        )?;
        self.audit(actor, "extra_key", &format!("{serial_text} +{seats}"), now)?;
        Ok(text)
    }

    /// The revocation lists in force, for the appliance: the portal's
    /// newest and the vendor's.
    pub fn revocation_lists(&self) -> Result<Vec<String>, Error> {
        self.store()?.revocation_lists()
    }

    /// Requesting a non-binding quote for update services and support for
    /// the licences `serials`, recorded for the vendor.
    pub fn quote(
        &self,
        actor: &Actor,
        serials: &[String],
        note: &str,
        now: u64,
    ) -> Result<(), Error> {
        Portal::offers(actor, ViewFunction::ServiceQuote)?;
        if serials.is_empty() {
            return Err(Error::Refused(
                "choose the licences the quote is for".into(),
            ));
        }
        for serial_text in serials {
            self.held(actor, serial_text)?;
        }
        let note: String = note.chars().take(2000).collect();
        self.writer()?.add_quote(&Quote {
            at: now,
            company: actor.company.id.clone(),
            email: actor.user.email.clone(),
            view: actor.view.name().to_string(),
            serials: serials.join(" "),
            note,
        })?;
        self.audit(actor, "quote", &serials.join(" "), now)
    }

    /// Software download: the versions of the licence's product that its
    /// update service covers, as the decision says for each build.
    pub fn downloads(
        &self,
        actor: &Actor,
        serial_text: &str,
        now: u64,
    ) -> Result<Vec<Version>, Error> {
        Portal::offers(actor, ViewFunction::Download)?;
        let licence = self.held(actor, serial_text)?;
        let Some(root) = &self.downloads else {
            return Ok(Vec::new());
        };
        let lists = self.lists()?;
        let mut covered = Vec::new();
        for version in downloads::versions(root, &licence.product)? {
            let build = standing(
                &licence.token,
                &licence.renewals,
                &self.trusted,
                &lists,
                now,
                Some(version.build_date),
            )?;
            if matches!(build.status, Status::Active | Status::Renewed) {
                covered.push(version);
            }
        }
        Ok(covered)
    }

    /// The path of one file of a version the licence covers.
    pub fn download(
        &self,
        actor: &Actor,
        serial_text: &str,
        version: &str,
        file: &str,
        now: u64,
    ) -> Result<PathBuf, Error> {
        let versions = self.downloads(actor, serial_text, now)?;
        let found = versions
            .iter()
            .find(|v| v.name == version)
            .and_then(|v| v.files.iter().find(|f| f.name == file));
        match found {
            Some(f) => {
                self.audit(
                    actor,
                    "download",
                    &format!("{serial_text} {version}/{file}"),
                    now,
                )?;
                Ok(f.path.clone())
            }
            None => Err(Error::Refused(format!(
                "{version}/{file} is not a download licence {serial_text} covers"
            ))),
        }
    }

    fn audit(&self, actor: &Actor, action: &str, detail: &str, now: u64) -> Result<(), Error> {
        self.record(
            &actor.user,
            &actor.company,
            actor.view.name(),
            action,
            detail,
            now,
        )
    }

    fn record(
        &self,
        user: &User,
        company: &Company,
        view: &str,
        action: &str,
        detail: &str,
        now: u64,
    ) -> Result<(), Error> {
        self.writer()?.audit(&AuditLine {
            at: now,
            actor: user.email.clone(),
            company: company.id.clone(),
            view: view.to_string(),
            action: action.to_string(),
            detail: detail.to_string(),
        })
    }

    /// The vendor's user `email`, or why not: only a user of the company
    /// marked as the vendor acts in the vendor's own view.
    pub fn vendor(&self, email: &str) -> Result<Vendor, Error> {
        let mut store = self.store()?;
        let (user, _) = store
            .user(email)?
            .ok_or_else(|| Error::Unauthorized("no such user".into()))?;
        match store.company(&user.company)? {
            Some(company) if company.vendor => Ok(Vendor { user, company }),
            _ => Err(Error::Refused(
                "only the vendor's users act in the vendor's view".into(),
            )),
        }
    }

    /// The vendor's search over every licence: serial, product or a
    /// holder's company id containing `query` (50 at most).
    pub fn search(&self, _vendor: &Vendor, query: &str, now: u64) -> Result<Vec<Held>, Error> {
        let (licences, ledgers, lists) = {
            let mut store = self.store()?;
            let licences = store.search(query.trim(), 50)?;
            let mut ledgers = BTreeMap::new();
            for licence in &licences {
                ledgers.insert(licence.serial.clone(), store.ledger(&licence.serial)?);
            }
            (licences, ledgers, store.revocation_lists()?)
        };
        self.as_held(&licences, &ledgers, &parse_lists(&lists)?, now)
    }

    /// Renewal, from the vendor's view: a new end of term (`None`:
    /// perpetual) and of the update service (`None`: the licence's own)
    /// for licence `serial_text`, signed if the decision then counts the
    /// licence with exactly that term. Returns the renewal's text.
    pub fn renew(
        &self,
        vendor: &Vendor,
        serial_text: &str,
        expires_at: Option<u64>,
        updates_until: Option<u64>,
        now: u64,
    ) -> Result<String, Error> {
        let mut licence = self
            .store()?
            .licence(serial_text)?
            .ok_or_else(|| Error::Refused(format!("no licence {serial_text} in the portal")))?;
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&licence.token, &mut buf)
            .map_err(|e| Error::Store(format!("a recorded licence does not decode: {e}")))?;
        let key = self
            .key
            .lock()
            .map_err(|_| Error::Setup("the signing key is unusable".into()))?;
        let renewal = Renewal {
            version: 2,
            license: Some(Renewal::binding_of(&token)),
            signer: key.key_id().0,
            serial: token.serial().0,
            issued_at: now,
            expires_at,
            updates_until,
        };
        let signed = Signed::sign(renewal, key.as_ref())
            .map_err(|e| Error::Refused(format!("the renewal: {e}")))?;
        drop(key);
        licence.renewals.push(signed.text().to_string());
        let after = standing(
            &licence.token,
            &licence.renewals,
            &self.trusted,
            &self.lists()?,
            now,
            None,
        )?;
        let applied = after.status == Status::Renewed
            && after.expires_at == expires_at
            && updates_until.is_none_or(|u| after.updates_until == Some(u));
        if !applied {
            return Err(Error::Refused(format!(
                "licence {serial_text} would not count with this renewal ({}{}): nothing signed",
                after.status.name(),
                after.reason.map(|r| format!(": {r}")).unwrap_or_default()
            )));
        }
        self.writer()?
            .add_renewal(serial_text, signed.text(), now)?;
        self.record(
            &vendor.user,
            &vendor.company,
            "vendor",
            "renew",
            serial_text,
            now,
        )?;
        Ok(signed.text().to_string())
    }

    /// The renewals of a licence the actor's company holds in its view,
    /// for the appliance.
    pub fn renewals(&self, actor: &Actor, serial_text: &str) -> Result<Vec<String>, Error> {
        Ok(self.held(actor, serial_text)?.renewals)
    }

    /// Every request for a quote, for the vendor.
    pub fn quotes(&self, _vendor: &Vendor) -> Result<Vec<Quote>, Error> {
        self.store()?.quotes()
    }
}

fn parse_lists(texts: &[String]) -> Result<Vec<Signed<RevocationList>>, Error> {
    texts
        .iter()
        .map(|t| {
            Signed::<RevocationList>::decode(t)
                .map_err(|e| Error::Store(format!("a recorded revocation list: {e}")))
        })
        .collect()
}

/// A serial from its 16 hex digits.
pub fn serial(text: &str) -> Result<Serial, Error> {
    let bad = || Error::Refused(format!("{text:?} is not a licence serial (16 hex digits)"));
    if text.len() != 16 {
        return Err(bad());
    }
    let mut bytes = [0u8; 8];
    for (i, byte) in bytes.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(Serial(bytes))
}
