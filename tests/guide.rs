//! docs/reseller-offline-activation.md cannot rot: its shell blocks run as
//! written, in order, with the real `entitle`, in a folder holding a copy
//! of keys-example/.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;

use common::docs::{run_blocks, shell_blocks, workspace};

const GUIDE: &str = include_str!("../docs/reseller-offline-activation.md");

#[test]
fn every_command_of_the_reseller_guide_runs_as_written() {
    let dir = workspace();

    let blocks = shell_blocks(GUIDE);
    assert!(
        blocks.len() >= 9,
        "the guide lost its commands: {} blocks",
        blocks.len()
    );
    let outputs: Vec<String> = run_blocks(dir.path(), &blocks, &[])
        .into_iter()
        .map(|(stdout, _)| stdout)
        .collect();
    // What the guide says the reader will see.
    assert!(
        outputs[0].contains("may          issue, activate"),
        "{}",
        outputs[0]
    );
    assert!(outputs[0].contains(
        "chain        valid: vendor -> Example Distribution GmbH -> Example Reseller AG"
    ));
    assert!(outputs[2].contains("3 usable"));
    assert!(outputs[3].starts_with("entq1."));
    assert!(outputs[5].contains("is activated on this machine (by Example Reseller AG)"));
    assert!(outputs[6].contains("3 usable"));
    assert!(
        fs::read_to_string(dir.path().join("receipt.txt"))
            .unwrap()
            .starts_with("entd1.")
    );
    assert!(
        outputs.last().unwrap().contains("3 usable"),
        "the new machine runs the license, its old machine's activation revoked"
    );
    let ledger = fs::read_to_string(dir.path().join("reseller.ledger")).unwrap();
    assert_eq!(
        ledger.matches(r#""event":"activated""#).count(),
        2,
        "{ledger}"
    );
    assert_eq!(
        ledger.matches(r#""event":"receipt_spent""#).count(),
        1,
        "{ledger}"
    );
}
