//! A site with a seat server: GoToAssist licences activated on the
//! example machine, `entitle serve` started on a free loopback port.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use super::{example, stderr, stdout};

/// The manual's refusal, in German.
pub const GERMAN: &str = "Alle gemeinsam genutzten Lizenzen sind in Gebrauch. Um eine Sitzung zu starten, warten Sie bitte auf eine verfügbare Lizenz";

/// Runs `entitle` in `dir` with the example vendor key in the environment.
pub fn entitle(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args(args)
        .current_dir(dir)
        .env(
            "ENTITLE_SIGNING_KEY",
            std::fs::read_to_string(example("vendor.secret.pem")).unwrap(),
        )
        .env_remove("ENTITLE_LEDGER")
        .env_remove("ENTITLE_ADMIN_CREDENTIAL")
        .env_remove("ENTITLE_AGENT_CREDENTIAL")
        .output()
        .unwrap()
}

/// Runs `entitle`, which must succeed; its standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = entitle(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// A GoToAssist licence for FIRMA-1 of `seats` seats of `model`
/// (`concurrent` or `named`), perpetual, issued in `dir` with the example
/// vendor key: its token line.
pub fn issue(dir: &Path, model: &str, seats: u32) -> String {
    ok(
        dir,
        &[
            "issue",
            "--product",
            "gotoassist",
            "--edition",
            "corporate",
            "--model",
            model,
            "--seats",
            &seats.to_string(),
            "--tenant",
            "FIRMA-1",
            "--perpetual",
        ],
    )
}

/// A site: a concurrent licence of `shared` seats and a named one of
/// `named` seats for FIRMA-1, both activated on the example machine.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    pub fn new(shared: u32, named: u32) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut licences = issue(d, "concurrent", shared);
        if named > 0 {
            licences.push_str(&issue(d, "named", named));
        }
        std::fs::write(d.join("licences.txt"), &licences).unwrap();
        let site = Site { dir };
        for (i, token) in licences.lines().enumerate() {
            let file = format!("licence-{i}.txt");
            std::fs::write(site.path().join(&file), token).unwrap();
            site.activate(&file, "state", &example("appliance/machine-id"));
        }
        site
    }

    /// Activates the licence in `file` on the machine whose id is in
    /// `machine`, its state in `state`: request, the vendor's response,
    /// accept.
    pub fn activate(&self, file: &str, state: &str, machine: &str) {
        let response = self.try_activate(file, state, machine, None);
        assert!(response.status.success(), "{}", stderr(&response));
    }

    /// As [`Site::activate`], the response bound to the seat store `store`
    /// if given; the vendor's `activate respond` as it ended (accepted on
    /// the machine when it succeeded).
    pub fn try_activate(
        &self,
        file: &str,
        state: &str,
        machine: &str,
        store: Option<&str>,
    ) -> Output {
        let d = self.path();
        let license = format!("@{file}");
        let request = ok(
            d,
            &[
                "activate",
                "request",
                "--state-dir",
                state,
                "--machine-id",
                machine,
                "--license",
                &license,
            ],
        );
        std::fs::write(d.join("request.txt"), request).unwrap();
        let mut respond = vec![
            "activate",
            "respond",
            "--ledger",
            "vendor.ledger",
            "--license",
            &license,
        ];
        if let Some(store) = store {
            respond.extend(["--store", store]);
        }
        respond.push("@request.txt");
        let response = entitle(d, &respond);
        if response.status.success() {
            std::fs::write(d.join("response.txt"), stdout(&response)).unwrap();
            ok(
                d,
                &[
                    "activate",
                    "accept",
                    "--public",
                    &example("vendor.public.pem"),
                    "--state-dir",
                    state,
                    "--machine-id",
                    machine,
                    "--license",
                    &license,
                    "@response.txt",
                ],
            );
        }
        response
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn serve(&self, extra: &[&str]) -> Server {
        self.serve_on(&example("appliance/machine-id"), extra)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts `entitle serve` on a free loopback port (unless `extra` has
    /// a `--listen`); its error output when it does not start.
    pub fn serve_on(&self, machine: &str, extra: &[&str]) -> Result<Server, String> {
        self.serve_as("state", machine, extra)
    }

    /// Starts `entitle serve` with its state in `state` on the machine
    /// whose id is in `machine`.
    pub fn serve_as(&self, state: &str, machine: &str, extra: &[&str]) -> Result<Server, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_entitle"))
            .env_remove("ENTITLE_DATABASE")
            .args([
                "serve",
                "--public",
                &example("vendor.public.pem"),
                "--state-dir",
                state,
                "--machine-id",
                machine,
                "--tenant",
                "FIRMA-1",
                "@licences.txt",
            ])
            .args(extra)
            .args(if extra.contains(&"--listen") {
                &[][..]
            } else {
                &["--listen", "127.0.0.1:0"][..]
            })
            .current_dir(self.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        match lines.next() {
            Some(Ok(line)) if line.starts_with("entitle: serving on ") => {
                let url = line.trim_start_matches("entitle: serving on ").to_string();
                std::thread::spawn(move || lines.for_each(drop));
                Ok(Server { child, url })
            }
            _ => {
                let out = child.wait_with_output().unwrap();
                Err(format!("{}{}", stderr(&out), out.status))
            }
        }
    }

    /// `entitle seats ...` as the site's first administrator.
    pub fn admin(&self, server: &Server, args: &[&str]) -> Output {
        self.admin_as(server, "state/admin.credential", args)
    }

    /// `entitle seats ...` with the credential in `credential`.
    pub fn admin_as(&self, server: &Server, credential: &str, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--server", &server.url, "--admin-credential", credential]);
        entitle(self.path(), &all)
    }

    /// Grants agents `a0`.. `a{n-1}`; their credentials in `aN.cred`.
    pub fn grant(&self, server: &Server, n: usize) {
        for i in 0..n {
            let (agent, cred) = (format!("a{i}"), format!("a{i}.cred"));
            let out = self.admin(
                server,
                &[
                    "seats",
                    "grant",
                    "--agent",
                    &agent,
                    "--name",
                    &format!("Agent {i}"),
                    "--email",
                    &format!("a{i}@example.com"),
                    "--credential-out",
                    &cred,
                ],
            );
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }

    pub fn lease(&self, server: &Server, agent: &str, args: &[&str]) -> Output {
        let cred = format!("{agent}.cred");
        let mut all = args.to_vec();
        all.extend(["--server", &server.url, "--credential", &cred, "--json"]);
        entitle(self.path(), &all)
    }

    pub fn claim(&self, server: &Server, agent: &str) -> Result<String, Output> {
        let out = self.lease(server, agent, &["lease", "claim"]);
        if !out.status.success() {
            return Err(out);
        }
        let lease: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        Ok(lease["id"].as_str().unwrap().to_string())
    }

    pub fn sessions(&self, server: &Server) -> Vec<serde_json::Value> {
        let out = self.admin(server, &["seats", "sessions", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }
}

/// A running server, stopped (SIGKILL) when dropped.
pub struct Server {
    /// The server process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
