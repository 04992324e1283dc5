//! A SoftHSM2 token of a test's own, and the `entitle` binary run with it.
//!
//! Needs Debian's `softhsm2`. Without it [`Hsm::new`] says so and gives
//! `None` (the test passes), unless `ENTITLE_TEST_SOFTHSM` is set (as
//! `.ci/run` does): then it fails, so CI never skips.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{stderr, stdout};

pub const MODULES: [&str; 2] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
];

/// A SoftHSM2 token of its own, in a temporary folder.
pub struct Hsm {
    /// The folder of the token, the configuration and the PIN file.
    pub dir: tempfile::TempDir,
    /// The SoftHSM2 configuration file (`SOFTHSM2_CONF`).
    pub conf: PathBuf,
    /// The module library.
    pub module: &'static str,
}

impl Hsm {
    pub fn new() -> Option<Hsm> {
        let module = MODULES.iter().find(|m| Path::new(m).exists());
        let Some(module) = module else {
            assert!(
                std::env::var_os("ENTITLE_TEST_SOFTHSM").is_none(),
                "ENTITLE_TEST_SOFTHSM is set but SoftHSM2 is not installed"
            );
            eprintln!("SoftHSM2 is not installed (apt-get install softhsm2): skipped");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let init = Command::new("softhsm2-util")
            .args([
                "--init-token",
                "--free",
                "--label",
                "entitle",
                "--pin",
                "1234",
            ])
            .args(["--so-pin", "5678"])
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .unwrap();
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        fs::write(dir.path().join("pin"), "1234\n").unwrap();
        Some(Hsm { dir, conf, module })
    }

    /// The URI of key `object`, PIN from the pin file.
    pub fn uri(&self, object: &str) -> String {
        format!(
            "pkcs11:token=entitle;object={object}?module-path={}&pin-source=file:{}",
            self.module,
            self.path("pin")
        )
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    pub fn entitle(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_entitle"))
            .args(args)
            .current_dir(self.dir.path())
            .env("SOFTHSM2_CONF", &self.conf)
            .env_remove("ENTITLE_SIGNING_KEY")
            .env_remove("ENTITLE_LEDGER")
            .env_remove("ENTITLE_PKCS11_PIN")
            .env_remove("ENTITLE_PKCS11_MODULE")
            .output()
            .unwrap()
    }

    /// OpenSC's `pkcs11-tool` confirms the private key never leaves the
    /// module and may only sign.
    pub fn assert_never_extractable(&self, object: &str) {
        let listed = Command::new("pkcs11-tool")
            .args([
                "--module",
                self.module,
                "--token-label",
                "entitle",
                "--login",
            ])
            .args([
                "--pin",
                "1234",
                "--list-objects",
                "--type",
                "privkey",
                "--label",
                object,
            ])
            .env("SOFTHSM2_CONF", &self.conf)
            .output();
        let Ok(listed) = listed else {
            assert!(
                std::env::var_os("ENTITLE_TEST_SOFTHSM").is_none(),
                "ENTITLE_TEST_SOFTHSM is set but pkcs11-tool (opensc) is not installed"
            );
            eprintln!("pkcs11-tool is not installed (apt-get install opensc): not checked");
            return;
        };
        let text = String::from_utf8_lossy(&listed.stdout);
        assert!(
            text.contains("Access:     sensitive, always sensitive, never extractable, local"),
            "{text}"
        );
        assert!(text.contains("Usage:      sign\n"), "{text}");
    }

    /// Runs `args`, which must succeed, and writes standard output to `file`.
    pub fn run_to(&self, file: &str, args: &[&str]) -> String {
        let out = self.entitle(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        fs::write(self.path(file), stdout(&out)).unwrap();
        stdout(&out)
    }
}
