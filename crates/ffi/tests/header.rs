//! include/entitle.h is what cbindgen makes of this crate, byte for byte:
//! the committed header never drifts from the code. After a change to the
//! C ABI, `ENTITLE_BLESS_HEADER=1 cargo test -p entitle-ffi --test header`
//! writes the new header, for review in the diff.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::path::Path;

#[test]
fn the_committed_header_is_a_fresh_generation() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen reads the crate")
        .write(&mut fresh);
    let fresh = String::from_utf8(fresh).unwrap();
    let path = crate_dir.join("../../include/entitle.h");
    if std::env::var_os("ENTITLE_BLESS_HEADER").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/entitle.h differs from a fresh generation; run \
         ENTITLE_BLESS_HEADER=1 cargo test -p entitle-ffi --test header and review the diff"
    );
}
