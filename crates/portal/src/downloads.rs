//! The software the portal offers: a folder `PRODUCT/VERSION/` per
//! version, holding its files and a file `BUILD-DATE` (`YYYY-MM-DD`, the
//! build date the software checks its licences with). A version without
//! a readable `BUILD-DATE` is offered to no licence: the portal cannot ask
//! the decision whether the update service covers it.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::error::Error;

/// The file in a version's folder that names its build date.
pub const BUILD_DATE_FILE: &str = "BUILD-DATE";

/// A version of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The folder's name.
    pub name: String,
    /// Its build date, Unix seconds.
    pub build_date: u64,
    /// Its files, by name.
    pub files: Vec<File>,
}

/// A file of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Where it is.
    pub path: PathBuf,
}

/// Whether `name` is a plain file or folder name (no path, not hidden,
/// no control characters: it goes into a header and a link).
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '"'])
        && !name.chars().any(char::is_control)
}

fn listing(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let read = fs::read_dir(dir).map_err(|e| {
        Error::Setup(format!(
            "cannot read the downloads folder {}: {e}",
            dir.display()
        ))
    })?;
    let mut found = Vec::new();
    for entry in read.flatten() {
        if let Some(name) = entry.file_name().to_str().filter(|n| plain(n)) {
            found.push((name.to_string(), entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// The versions of `product` under `root`, by name; none if it has no
/// folder.
pub fn versions(root: &Path, product: &str) -> Result<Vec<Version>, Error> {
    if !plain(product) {
        return Ok(Vec::new());
    }
    let dir = root.join(product);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut versions = Vec::new();
    for (name, path) in listing(&dir)? {
        if !path.is_dir() {
            continue;
        }
        let Some(build_date) = fs::read_to_string(path.join(BUILD_DATE_FILE))
            .ok()
            .and_then(|t| entitle::input::parse_date(t.trim()).ok())
        else {
            continue;
        };
        let mut files = Vec::new();
        for (file, at) in listing(&path)? {
            if file == BUILD_DATE_FILE || !at.is_file() {
                continue;
            }
            let bytes = fs::read(&at)
                .map_err(|e| Error::Setup(format!("cannot read {}: {e}", at.display())))?;
            let sha256 = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            files.push(File {
                name: file,
                size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                sha256,
                path: at,
            });
        }
        versions.push(Version {
            name,
            build_date,
            files,
        });
    }
    Ok(versions)
}
