//! A scratch directory with the example vendor key, and the real `entitle`
//! binary run in it: the harness of the end-to-end life-cycle and decision
//! tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example");
/// The world of these tests happens in 2027.
pub const T0: &str = "2027-01-01";
pub const NOW: &str = "2027-01-15";
pub const LATER: &str = "2027-06-01";

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args(args)
        .current_dir(dir)
        .env_remove("ENTITLE_SIGNING_KEY")
        .output()
        .unwrap()
}

pub fn text(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn err(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// A vendor, a distributor, a reseller and a customer's appliance, as files.
pub struct World {
    pub dir: TempDir,
}

impl World {
    pub fn new() -> World {
        let dir = TempDir::new().unwrap();
        for file in ["vendor.secret.pem", "vendor.public.pem"] {
            fs::copy(format!("{EXAMPLE}/{file}"), dir.path().join(file)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(
                dir.path().join("vendor.secret.pem"),
                fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        fs::write(dir.path().join("machine-a"), "machine-a\n").unwrap();
        fs::write(dir.path().join("machine-b"), "machine-b\n").unwrap();
        World { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: &str) -> String {
        fs::write(self.path(name), content).unwrap();
        format!("@{name}")
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    /// Runs entitle; returns exit code and stdout, and checks failures
    /// print one line.
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = run_in(self.dir.path(), args);
        let code = out.status.code().unwrap();
        assert_ne!(code, 101, "panicked: {}", err(&out));
        if code != 0 && code != 2 {
            assert_eq!(
                err(&out).lines().count(),
                1,
                "one line expected: {}",
                err(&out)
            );
        }
        (code, text(&out), err(&out))
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }

    /// A customer key pair (`customer.key`, `customer.pub`) and the
    /// vendor's certificate for it with the role's preset, for `tenant`
    /// (`customer.cert`).
    pub fn customer(&self, tenant: &str) {
        self.keygen("customer");
        let cert = self.ok(&[
            "partner",
            "certify",
            "--key",
            "vendor.secret.pem",
            "--now",
            T0,
            "--subject",
            "customer.pub",
            "--name",
            "Firma",
            "--role",
            "customer",
            "--tenant",
            tenant,
            "--not-after",
            "2029-01-01",
        ]);
        self.write("customer.cert", &cert);
    }

    /// The serial (hex) of the first token of `file` (`@name`).
    pub fn serial(&self, file: &str) -> String {
        let text = self.read(file.trim_start_matches('@'));
        let token = text.lines().next().unwrap();
        let shown: Value = serde_json::from_str(&self.ok(&["inspect", "--json", token])).unwrap();
        shown["serial"].as_str().unwrap().to_string()
    }

    /// A revocation list (sequence 1) signed by `key` with the chain
    /// `cert`, revoking the first token of each of `files`: its `@name`.
    pub fn revoke(&self, name: &str, key: &str, cert: Option<&str>, files: &[&str]) -> String {
        let serials: Vec<String> = files.iter().map(|f| self.serial(f)).collect();
        let mut args = vec!["revoke", "--key", key, "--now", NOW, "--sequence", "1"];
        if let Some(cert) = cert {
            args.extend(["--cert", cert, "--public", "vendor.public.pem"]);
        }
        for serial in &serials {
            args.extend(["--serial", serial]);
        }
        let list = self.ok(&args);
        self.write(name, &list)
    }

    pub fn keygen(&self, who: &str) {
        self.ok(&[
            "keygen",
            "--secret",
            &format!("{who}.key"),
            "--public",
            &format!("{who}.pub"),
        ]);
    }

    /// vendor -> distributor (delegate, issue, activate, extend, revoke) -> reseller.
    pub fn partners(&self, reseller_grants: &[&str]) {
        self.keygen("distributor");
        self.keygen("reseller");
        let out = self.ok(&[
            "partner",
            "certify",
            "--key",
            "vendor.secret.pem",
            "--public",
            "vendor.public.pem",
            "--now",
            T0,
            "--subject",
            "distributor.pub",
            "--name",
            "Distri",
            "--role",
            "distributor",
            "--grant",
            "delegate",
            "--grant",
            "issue",
            "--grant",
            "activate",
            "--grant",
            "extend",
            "--grant",
            "revoke",
            "--product",
            "starface",
            "--max-seats",
            "50",
            "--not-after",
            "2030-01-01",
            "--depth",
            "1",
        ]);
        self.write("distributor.cert", &out);
        let mut args = vec![
            "partner",
            "certify",
            "--key",
            "distributor.key",
            "--cert",
            "distributor.cert",
            "--public",
            "vendor.public.pem",
            "--now",
            T0,
            "--subject",
            "reseller.pub",
            "--name",
            "Reseller",
            "--role",
            "reseller",
            "--product",
            "starface:compact",
            "--max-seats",
            "25",
            "--not-after",
            "2029-01-01",
        ];
        for grant in reseller_grants {
            args.extend(["--grant", grant]);
        }
        let out = self.ok(&args);
        self.write("reseller.cert", &out);
    }

    /// A Compact license for FIRMA-000123 signed by `key`, with `chain` appended.
    pub fn license(&self, name: &str, key: &str, chain: Option<&str>, extra: &[&str]) -> String {
        let mut args = vec!["issue", "--key", key, "--now", T0];
        args.extend_from_slice(extra);
        for (flag, value) in [
            ("--product", "starface"),
            ("--edition", "compact"),
            ("--seats", "3"),
            ("--tenant", "FIRMA-000123"),
        ] {
            if !extra.contains(&flag) {
                args.extend([flag, value]);
            }
        }
        if !extra.contains(&"--perpetual") && !extra.contains(&"--expires") {
            args.extend(["--expires", "2028-01-01"]);
        }
        let mut out = self.ok(&args);
        if let Some(chain) = chain {
            out.push_str(&self.read(chain));
        }
        self.write(name, &out)
    }

    pub fn verify(&self, extra: &[&str]) -> (i32, Value, String) {
        let mut args = vec!["verify", "--json", "--public", "vendor.public.pem"];
        args.extend_from_slice(extra);
        let (code, out, err) = self.run(&args);
        (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
    }

    /// `activate request` on `machine` into `state`, with `extra` arguments
    /// (a `--tpm`): the request's `@file`.
    pub fn request(&self, state: &str, machine: &str, license: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "activate",
            "request",
            "--state-dir",
            state,
            "--machine-id",
            machine,
            "--license",
            license,
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        let request = self.ok(&args);
        self.write(&format!("{state}.request"), &request)
    }

    /// `activate accept` of `response` (`@file`) on `machine` into `state`,
    /// with `extra` arguments: the exit code and stderr.
    pub fn accept(
        &self,
        state: &str,
        machine: &str,
        license: &str,
        response: &str,
        extra: &[&str],
    ) -> (i32, String) {
        let mut args = vec![
            "activate",
            "accept",
            "--public",
            "vendor.public.pem",
            "--state-dir",
            state,
            "--machine-id",
            machine,
            "--license",
            license,
            "--now",
            NOW,
            response,
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = self.run(&args);
        (code, err)
    }

    /// `activate deactivate` on `machine` in `state`: the receipt's `@file`.
    pub fn deactivate(&self, state: &str, machine: &str, license: &str) -> String {
        let receipt = self.ok(&[
            "activate",
            "deactivate",
            "--state-dir",
            state,
            "--machine-id",
            machine,
            "--license",
            license,
            "--now",
            NOW,
        ]);
        self.write(&format!("{state}.receipt"), &receipt)
    }

    /// request on `machine`, respond with `key`+`cert`, accept: the exit code of accept.
    pub fn activate(
        &self,
        state: &str,
        machine: &str,
        license: &str,
        key: &str,
        cert: Option<&str>,
    ) -> (i32, String) {
        let request = self.request(state, machine, license, &[]);
        let ledger = format!("{key}.ledger");
        let mut respond = vec![
            "activate",
            "respond",
            "--key",
            key,
            "--ledger",
            &ledger,
            "--now",
            NOW,
            "--license",
            license,
        ];
        if let Some(cert) = cert {
            respond.extend(["--cert", cert]);
        }
        respond.push(&request);
        let response = self.ok(&respond);
        let response = self.write(&format!("{state}.response"), &response);
        self.accept(state, machine, license, &response, &[])
    }
}

/// The seats a `verify --json` report grants, over all its licences (the
/// report must list them).
pub fn seats(json: &Value) -> u64 {
    json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["seats"].as_u64().unwrap())
        .sum()
}
