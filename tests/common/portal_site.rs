//! A vendor's portal with one company per view of the seed's table, a
//! licence they all hold in their views and one only a second reseller's
//! customer holds, `entitle portal serve` on a free loopback port, and a
//! browser that keeps its cookie.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::seat_site::ok;
use super::{example, stderr};

/// Every user's password.
pub const PASSWORD: &str = "correct horse battery";

/// The views, their companies and users: (view, company id, e-mail).
pub const VIEWS: [(&str, &str, &str); 6] = [
    ("customer", "ACME-1", "anna@acme.example"),
    ("system-integrator", "SI-1", "sam@si.example"),
    ("service-provider", "SP-1", "sara@sp.example"),
    ("reseller", "RES-1", "rolf@res.example"),
    ("distributor", "DIST-1", "dora@dist.example"),
    ("partner", "PART-1", "paul@part.example"),
];

/// The portal's vendor: its directory, licences and running portal.
pub struct PortalSite {
    pub dir: tempfile::TempDir,
    /// The licence every view's company holds (ACME-1's).
    pub shared: String,
    /// ACME-1's licence's serial.
    pub shared_serial: String,
    /// A licence of OTHER-1, sold by RES-2.
    pub other: String,
    /// Its serial.
    pub other_serial: String,
    /// ACME-1's annual-model licence (5 seats until 2029), held in the
    /// same views as `shared`.
    pub annual_serial: String,
    /// PostgreSQL instead of SQLite in the state directory.
    pub database: Option<String>,
}

/// The serial of a token line, as `entitle inspect --json` reads it.
pub fn serial_of(dir: &Path, token: &str) -> String {
    let json = ok(dir, &["inspect", "--json", token.trim()]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["serial"].as_str().unwrap().to_string()
}

impl PortalSite {
    pub fn new() -> PortalSite {
        PortalSite::on(None)
    }

    /// The site with its data in the PostgreSQL database `database`.
    pub fn on(database: Option<&str>) -> PortalSite {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let state = "portal";
        let db: Vec<&str> = database.map_or(vec![], |url| vec!["--database", url]);
        let portal = |args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(&db);
            ok(d, &all)
        };
        for (view, company, email) in VIEWS {
            portal(&[
                "portal",
                "company",
                "--state-dir",
                state,
                "--id",
                company,
                "--name",
                &format!("{company} GmbH"),
                "--view",
                view,
                // SP-1's service-provider contract: 4 seats of free extra keys.
                "--contract-seats",
                "4",
            ]);
            add_user(d, email, company, &db);
        }
        for (company, views) in [
            ("RES-2", &["reseller"][..]),
            ("OTHER-1", &["customer"][..]),
            ("MULTI-1", &["reseller", "service-provider"][..]),
        ] {
            let mut args = vec![
                "portal",
                "company",
                "--state-dir",
                state,
                "--id",
                company,
                "--name",
                company,
            ];
            for v in views {
                args.extend(["--view", v]);
            }
            portal(&args);
        }
        portal(&[
            "portal",
            "company",
            "--state-dir",
            state,
            "--id",
            "VENDOR",
            "--name",
            "ThinPrint",
            "--vendor",
        ]);
        add_user(d, "vera@vendor.example", "VENDOR", &db);
        add_user(d, "rita@res2.example", "RES-2", &db);
        add_user(d, "otto@other.example", "OTHER-1", &db);
        add_user(d, "mia@multi.example", "MULTI-1", &db);
        let shared = issue(d, "ACME-1", "2030-01-01");
        let other = issue(d, "OTHER-1", "2030-01-01");
        // ACME-1's annual-model licence: 5 seats until 2029.
        let annual = ok(
            d,
            &[
                "issue",
                "--product",
                "thinprint",
                "--edition",
                "premium",
                "--seats",
                "5",
                "--tenant",
                "ACME-1",
                "--expires",
                "2029-01-01",
            ],
        );
        std::fs::write(d.join("annual.txt"), &annual).unwrap();
        std::fs::write(d.join("shared.txt"), &shared).unwrap();
        std::fs::write(d.join("other.txt"), &other).unwrap();
        let public = example("vendor.public.pem");
        portal(&[
            "portal",
            "import",
            "--state-dir",
            state,
            "--public",
            &public,
            "--system-integrator",
            "SI-1",
            "--service-provider",
            "SP-1",
            "--reseller",
            "RES-1",
            "--distributor",
            "DIST-1",
            "--partner",
            "PART-1",
            "@shared.txt",
            "@annual.txt",
        ]);
        portal(&[
            "portal",
            "import",
            "--state-dir",
            state,
            "--public",
            &public,
            "--reseller",
            "RES-2",
            "--service-provider",
            "MULTI-1",
            "@other.txt",
        ]);
        let shared_serial = serial_of(d, &shared);
        let annual_serial = serial_of(d, &annual);
        let other_serial = serial_of(d, &other);
        PortalSite {
            dir,
            shared,
            shared_serial,
            other,
            other_serial,
            annual_serial,
            database: database.map(str::to_string),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `entitle portal KIND --state-dir portal` on the site's database
    /// (`audit`, `quotes`), which must succeed: its output.
    pub fn portal_report(&self, kind: &str) -> String {
        self.portal_report_with(&[kind])
    }

    /// `entitle portal ARGS… --state-dir portal` on the site's database,
    /// which must succeed: its output.
    pub fn portal_report_with(&self, args: &[&str]) -> String {
        let mut all = vec!["portal"];
        all.extend_from_slice(args);
        all.extend(["--state-dir", "portal"]);
        if let Some(url) = &self.database {
            all.extend(["--database", url.as_str()]);
        }
        ok(self.path(), &all)
    }

    /// `entitle portal serve` on a free loopback port (on the site's
    /// database), its state in `state`.
    pub fn serve(&self, extra: &[&str]) -> Portal {
        self.serve_in("portal", extra)
    }

    /// `entitle portal serve` with its state directory `state`.
    pub fn serve_in(&self, state: &str, extra: &[&str]) -> Portal {
        let mut child = Command::new(env!("CARGO_BIN_EXE_entitle"))
            .env_remove("ENTITLE_PORTAL_DATABASE")
            .env(
                "ENTITLE_SIGNING_KEY",
                std::fs::read_to_string(example("vendor.secret.pem")).unwrap(),
            )
            .args([
                "portal",
                "serve",
                "--state-dir",
                state,
                "--public",
                &example("vendor.public.pem"),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(
                self.database
                    .iter()
                    .flat_map(|url| ["--database", url.as_str()]),
            )
            .args(extra)
            .current_dir(self.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        match lines.next() {
            Some(Ok(line)) if line.starts_with("entitle: portal on ") => {
                let url = line.trim_start_matches("entitle: portal on ").to_string();
                std::thread::spawn(move || lines.for_each(drop));
                Portal { child, url }
            }
            _ => {
                let out = child.wait_with_output().unwrap();
                panic!("the portal did not start: {}{}", stderr(&out), out.status)
            }
        }
    }
}

fn add_user(dir: &Path, email: &str, company: &str, db: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args([
            "portal",
            "user",
            "--state-dir",
            "portal",
            "--email",
            email,
            "--name",
            email.split('@').next().unwrap(),
            "--company",
            company,
        ])
        .args(db)
        .env("ENTITLE_PORTAL_PASSWORD", PASSWORD)
        .env_remove("ENTITLE_PORTAL_DATABASE")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A ThinPrint licence of 10 seats for `tenant`, perpetual, its update
/// service until `updates_until`.
pub fn issue(dir: &Path, tenant: &str, updates_until: &str) -> String {
    ok(
        dir,
        &[
            "issue",
            "--product",
            "thinprint",
            "--edition",
            "premium",
            "--seats",
            "10",
            "--tenant",
            tenant,
            "--perpetual",
            "--updates-until",
            updates_until,
        ],
    )
}

/// A running portal, stopped when dropped.
pub struct Portal {
    child: Child,
    pub url: String,
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers we look at, body.
pub struct Page {
    pub status: u16,
    pub set_cookie: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Page {
    /// The first header `name` (lower case), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A browser: one cookie jar (the sign-in), no redirects followed.
pub struct Browser {
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
}

impl Browser {
    pub fn new(portal: &Portal) -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Browser {
            agent,
            base: portal.url.clone(),
            cookie: None,
        }
    }

    fn page(response: ureq::http::Response<ureq::Body>) -> Page {
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let set_cookie = headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.clone())
            .collect();
        let body = response.into_body().read_to_string().unwrap_or_default();
        Page {
            status,
            set_cookie,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Page {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            request = request.header("cookie", c);
        }
        Browser::page(request.call().unwrap())
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            request = request.header("cookie", c);
        }
        Browser::page(request.send_form(form.iter().copied()).unwrap())
    }

    /// Signs in; the answer.
    pub fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let page = self.post("/signin", &[("email", email), ("password", password)]);
        if let Some(c) = page
            .set_cookie
            .iter()
            .find(|c| c.starts_with("entitle_portal="))
        {
            self.cookie = Some(c.split(';').next().unwrap().to_string());
        }
        page
    }

    /// The form token on a page.
    pub fn csrf(page: &Page) -> String {
        let at = page
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a form token on the page");
        let rest = &page.body[at + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// The text of the `<textarea id="{id}">` on a page, unescaped.
pub fn textarea(page: &Page, id: &str) -> String {
    textarea_in(&page.body, id)
}

/// The text of the `<textarea id="{id}">` in the HTML `body`, unescaped.
pub fn textarea_in(body: &str, id: &str) -> String {
    let start = format!("<textarea id=\"{id}\"");
    let at = body
        .find(&start)
        .unwrap_or_else(|| panic!("no {id} on the page: {body}"));
    let rest = &body[at..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</textarea>").unwrap();
    rest[open..close]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
