//! Every seed and regression file of fuzz/ through its target, on stable
//! Rust: what a campaign found stays fixed, and the seeds stay valid input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::path::Path;

const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz");

#[test]
fn every_corpus_and_regression_file_passes_its_target() {
    let mut replayed = 0usize;
    for (name, target) in entitle_fuzzing::TARGETS {
        let mut seeds = 0usize;
        for folder in ["corpus", "regressions"] {
            let dir = Path::new(FUZZ).join(folder).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                assert_ne!(folder, "corpus", "{} is missing", dir.display());
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.file_name().is_some_and(|n| n == "README.md") {
                    continue;
                }
                let data = std::fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| target(&data));
                assert!(
                    outcome.is_ok(),
                    "{name}: {} breaks its target",
                    path.display()
                );
                seeds += 1;
            }
        }
        assert!(seeds > 0, "{name}: no corpus");
        replayed += seeds;
    }
    assert!(replayed >= 30, "only {replayed} files replayed");
}
