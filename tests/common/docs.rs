//! Guides in docs/ that cannot rot: their shell blocks, run as written in
//! a folder holding a copy of keys-example/.

use std::fs;
use std::path::{Path, PathBuf};

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
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

/// The ```sh blocks of `markdown`, in order.
pub fn shell_blocks(markdown: &str) -> Vec<String> {
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

/// A temporary folder holding a copy of keys-example/.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-example");
    copy_dir(&example, &dir.path().join("keys-example"));
    dir
}

/// `PATH` with the folder of the `entitle` binary under test first.
pub fn path_with_entitle() -> String {
    let bin: PathBuf = Path::new(env!("CARGO_BIN_EXE_entitle"))
        .parent()
        .unwrap()
        .to_path_buf();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Where [`run_blocks`] keeps the variables one block exports for the next.
const CARRIED: &str = ".entitle-guide-env";

/// Runs each block with `bash -euo pipefail` in `dir`, `entitle` first on
/// the `PATH`, the entitle environment variables cleared and then `env`
/// set, and the `ENTITLE_` variables earlier blocks exported; every block
/// must succeed. Each block's standard output and error.
pub fn run_blocks(dir: &Path, blocks: &[String], env: &[(&str, String)]) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        // What a block exports of entitle's own variables, the next block
        // sees, as one shell would keep it.
        let script = format!(
            "if [ -f {CARRIED} ]; then source {CARRIED}; fi\n{block}\n\
             {{ export -p | grep -E '^declare -x ENTITLE_' || true; }} > {CARRIED}"
        );
        let mut command = std::process::Command::new("bash");
        command
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(dir)
            .env("PATH", path_with_entitle());
        for name in [
            "ENTITLE_SIGNING_KEY",
            "ENTITLE_LEDGER",
            "ENTITLE_ADMIN_CREDENTIAL",
            "ENTITLE_AGENT_CREDENTIAL",
        ] {
            command.env_remove(name);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let out = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            out.status.success(),
            "block {} failed ({}):\n{block}\nstdout: {stdout}\nstderr: {stderr}",
            i + 1,
            out.status
        );
        outputs.push((stdout, stderr));
    }
    outputs
}
