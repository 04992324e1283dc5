//! `entitle key export`: every format read back by another tool gives the
//! same key id: PEM and DER by openssl, Rust and C by compiling a tiny
//! program that prints the key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;
use std::process::Command;

use common::world::World;
use entitle_verify::{KeyId, PublicKey};

fn export(w: &World, format: &str) -> Vec<u8> {
    let out = common::world::run_in(
        w.path(".").as_path(),
        &[
            "key",
            "export",
            "--public",
            "vendor.public.pem",
            "--format",
            format,
        ],
    );
    assert!(out.status.success(), "{format}: {:?}", out);
    out.stdout
}

fn vendor_id(w: &World) -> KeyId {
    entitle_issue::public_key_from_pem(&w.read("vendor.public.pem"))
        .unwrap()
        .id()
}

fn id_of_hex(hex: &str) -> KeyId {
    let bytes: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    PublicKey::from_bytes(&bytes.try_into().unwrap())
        .unwrap()
        .id()
}

fn run(w: &World, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(w.path("."))
        .output()
        .unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pem_and_der_read_back_by_openssl_give_the_same_key_id() {
    let w = World::new();
    let id = vendor_id(&w);
    fs::write(w.path("key.pem"), export(&w, "pem")).unwrap();
    fs::write(w.path("key.der"), export(&w, "spki-der")).unwrap();
    assert!(
        String::from_utf8(export(&w, "pem"))
            .unwrap()
            .contains(&format!("key id {id}"))
    );
    // openssl reads our PEM and writes DER equal to ours ...
    run(
        &w,
        "openssl",
        &[
            "pkey",
            "-pubin",
            "-in",
            "key.pem",
            "-outform",
            "DER",
            "-out",
            "openssl.der",
        ],
    );
    assert_eq!(
        fs::read(w.path("openssl.der")).unwrap(),
        fs::read(w.path("key.der")).unwrap()
    );
    // ... and reads our DER, as PEM that entitle reads to the same key id.
    let pem = run(
        &w,
        "openssl",
        &["pkey", "-pubin", "-inform", "DER", "-in", "key.der"],
    );
    assert_eq!(entitle_issue::public_key_from_pem(&pem).unwrap().id(), id);
    // Hex.
    let hex = String::from_utf8(export(&w, "hex")).unwrap();
    assert!(hex.starts_with(&format!("# key id {id}\n")));
    assert_eq!(id_of_hex(hex.lines().nth(1).unwrap()), id);
}

#[test]
fn rust_and_c_arrays_compiled_into_a_program_give_the_same_key_id() {
    let w = World::new();
    let id = vendor_id(&w);
    fs::write(w.path("key.rs"), export(&w, "rust")).unwrap();
    fs::write(
        w.path("main.rs"),
        "const KEY: [u8; 32] = include!(\"key.rs\");\n\
         fn main() { for b in KEY { print!(\"{b:02x}\"); } }\n",
    )
    .unwrap();
    run(
        &w,
        "rustc",
        &["--edition", "2021", "-o", "rust-key", "main.rs"],
    );
    let printed = run(&w, "./rust-key", &[]);
    assert_eq!(id_of_hex(&printed), id);

    fs::write(w.path("key.h"), export(&w, "c")).unwrap();
    fs::write(
        w.path("main.c"),
        "#include <stdio.h>\n#include \"key.h\"\n\
         int main(void) { for (int i = 0; i < 32; i++) printf(\"%02x\", ENTITLE_VENDOR_KEY[i]); return 0; }\n",
    )
    .unwrap();
    run(&w, "cc", &["-Wall", "-Werror", "-o", "c-key", "main.c"]);
    let printed = run(&w, "./c-key", &[]);
    assert_eq!(id_of_hex(&printed), id);
}
