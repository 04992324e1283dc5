//! docs/reseller-offline-activation.md cannot rot: its shell blocks run as
//! written, in order, with the real `entitle`, in a folder holding a copy
//! of keys-example/.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::Path;
use std::process::Command;

const GUIDE: &str = include_str!("../docs/reseller-offline-activation.md");

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_command_of_the_reseller_guide_runs_as_written() {
    let dir = tempfile::TempDir::new().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-example");
    copy_dir(&example, &dir.path().join("keys-example"));
    let bin = Path::new(env!("CARGO_BIN_EXE_entitle"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let blocks = shell_blocks(GUIDE);
    assert!(
        blocks.len() >= 9,
        "the guide lost its commands: {} blocks",
        blocks.len()
    );
    let mut outputs = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", block])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env_remove("ENTITLE_SIGNING_KEY")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "block {} failed ({}):\n{block}\nstdout: {stdout}\nstderr: {}",
            i + 1,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(stdout);
    }
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
