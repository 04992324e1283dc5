//! docs/concurrent-seats.md cannot rot: its shell blocks run as written,
//! in order, with the real `entitle`, in a folder holding a copy of
//! keys-example/: activate two licences, serve in the background on a port
//! of its own (the clients find it in `ENTITLE_SERVER`), grant 15 agents
//! and two named seats, claim until the refusal, end a shared session, add
//! a manager's account, claim again, stop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::process::Command;

use common::docs::{run_blocks, shell_blocks, workspace};

const GUIDE: &str = include_str!("../docs/concurrent-seats.md");

/// Stops the guide's server if a block failed before step 7.
struct StopServer(std::path::PathBuf);

impl Drop for StopServer {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[test]
fn the_seat_server_guide_runs_as_written() {
    let dir = workspace();
    let _stop = StopServer(dir.path().join("serve.pid"));
    let blocks = shell_blocks(GUIDE);
    assert_eq!(blocks.len(), 8, "the guide lost or gained commands");
    let outputs = run_blocks(dir.path(), &blocks, &[]);
    let (served, _) = &outputs[1];
    assert!(
        served.contains("serving on http://127.0.0.1:7450"),
        "{served}"
    );
    assert!(
        served.contains("pool gotoassist/corporate/FIRMA-000456: 10 shared seats, 2 named"),
        "{served}"
    );
    let (listed, _) = &outputs[2];
    assert!(
        listed.contains("shared 0/10 in use")
            && listed.contains("named 2/2 assigned")
            && listed.contains("15 agents"),
        "{listed}"
    );
    let (claimed, refused) = &outputs[3];
    assert_eq!(
        claimed.lines().filter(|l| l.starts_with("lease ")).count(),
        12,
        "2 named seats and 10 shared: {claimed}"
    );
    assert!(
        refused.contains("Alle gemeinsam genutzten Lizenzen sind in Gebrauch"),
        "{refused}"
    );
    let (sessions, _) = &outputs[4];
    assert!(
        sessions.contains("Anna Becker <anna@firma-000456.example>"),
        "{sessions}"
    );
    assert!(sessions.contains("ended 1 of 1 sessions"), "{sessions}");
    let (accounts, _) = &outputs[5];
    assert!(
        accounts.contains("mara  Mara Manager  Manager may add-remove-users, manage-products"),
        "{accounts}"
    );
    let (again, _) = &outputs[6];
    assert!(again.starts_with("lease "), "{again}");
    let (stopped, _) = &outputs[7];
    assert!(stopped.starts_with("entitle: stopped"), "{stopped}");
}
