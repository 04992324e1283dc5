//! docs/portal.md cannot rot: its shell blocks run as written, in order,
//! with the real `entitle`, in a folder holding a copy of keys-example/:
//! companies, users and a licence; the portal in the background on a port
//! of its own; an appliance activated through it with curl; the vendor's
//! lists; stop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::process::Command;

use common::docs::{run_blocks, shell_blocks, workspace};

const GUIDE: &str = include_str!("../docs/portal.md");

/// Stops the guide's portal if a block failed before the last.
struct StopPortal(std::path::PathBuf);

impl Drop for StopPortal {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[test]
fn the_portal_guide_runs_as_written() {
    let dir = workspace();
    let _stop = StopPortal(dir.path().join("portal.pid"));
    let blocks = shell_blocks(GUIDE);
    assert_eq!(blocks.len(), 5, "the guide lost or gained commands");
    let outputs = run_blocks(dir.path(), &blocks, &[]);
    let (imported, _) = &outputs[1];
    assert!(
        imported.contains("ACME-1 (customer), RES-1 (reseller)"),
        "{imported}"
    );
    let (served, _) = &outputs[2];
    assert!(
        served.contains("portal on http://127.0.0.1:7460"),
        "{served}"
    );
    let (accepted, _) = &outputs[3];
    assert!(accepted.contains("activated"), "{accepted}");
    let (listed, _) = &outputs[4];
    assert!(
        listed.contains("at,actor,company,view,action,detail")
            && listed.contains("\"anna@acme.example\",\"ACME-1\",\"customer\",\"activate\""),
        "{listed}"
    );
    // Stopped by SIGTERM, it finishes what is in flight and says so.
    assert!(
        listed.trim_end().ends_with("entitle: portal stopped"),
        "{listed}"
    );
}
