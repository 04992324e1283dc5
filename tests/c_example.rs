//! examples/c/boot_check.c, the appliance's boot check in C: compiled with
//! the system's `cc`, linked statically against `entitle-ffi`, plain and
//! under AddressSanitizer and UndefinedBehaviorSanitizer, run on the
//! keys-example licenses; its pools are those `entitle verify --json` reports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::world::{EXAMPLE, World};

/// 2027-01-15T08:00:00Z.
const NOW: &str = "1800000000";

/// The static library, built by cargo for this profile.
fn static_library() -> PathBuf {
    let target = Path::new(env!("CARGO_BIN_EXE_entitle")).parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile = if target.ends_with("release") {
        "release"
    } else {
        "dev"
    };
    let status = Command::new(cargo)
        .args([
            "build",
            "-q",
            "-p",
            "entitle-ffi",
            "--lib",
            "--profile",
            profile,
        ])
        .status()
        .unwrap();
    assert!(status.success(), "cargo build -p entitle-ffi");
    target.join("libentitle_ffi.a")
}

fn compile(w: &World, library: &Path, out: &str, extra: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args: Vec<String> = vec![
        "-std=c99".into(),
        "-Wall".into(),
        "-Wextra".into(),
        "-Werror".into(),
        "-I".into(),
        root.join("include").display().to_string(),
        "-I".into(),
        ".".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(root.join("examples/c/boot_check.c").display().to_string());
    args.push(library.display().to_string());
    args.extend(["-lpthread", "-ldl", "-lm", "-o", out].map(String::from));
    let output = Command::new("cc")
        .args(&args)
        .current_dir(w.path("."))
        .output()
        .unwrap();
    assert!(output.status.success(), "cc {args:?}: {output:?}");
}

/// (product, edition, tenant, seats, bought) of each usable pool, sorted.
type Pools = Vec<(String, String, String, u64, u64)>;

fn c_pools(stdout: &str) -> Pools {
    let mut pools: Pools = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("pool "))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[0].into(),
                f[1].into(),
                f[2].into(),
                f[5].parse().unwrap(),
                f[7].parse().unwrap(),
            )
        })
        .filter(|p| p.3 > 0)
        .collect();
    pools.sort();
    pools
}

fn cli_pools(json: &serde_json::Value) -> Pools {
    let mut pools: Pools = json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["product"].as_str().unwrap().into(),
                l["edition"].as_str().unwrap().into(),
                l["tenant"].as_str().unwrap_or("-").into(),
                l["seats"].as_u64().unwrap(),
                l["seats_bought"].as_u64().unwrap(),
            )
        })
        .collect();
    pools.sort();
    pools
}

#[test]
fn the_c_boot_check_reports_the_pools_the_cli_reports() {
    let w = World::new();
    let library = static_library();
    let header = w.ok(&[
        "key",
        "export",
        "--public",
        "vendor.public.pem",
        "--format",
        "c",
    ]);
    w.write("vendor_key.h", &header);
    compile(&w, &library, "boot_check", &["-O1"]);
    compile(
        &w,
        &library,
        "boot_check_sanitized",
        &[
            "-g",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
        ],
    );
    for product in ["starface", "xphone", "pcvisit"] {
        let tokens = format!("{EXAMPLE}/{product}/tokens.txt");
        let (code, json, err) = w.verify(&["--now", "2027-01-15T08:00:00Z", &format!("@{tokens}")]);
        assert_eq!(code, 0, "{err}");
        let expected = cli_pools(&json);
        assert!(!expected.is_empty());
        for program in ["./boot_check", "./boot_check_sanitized"] {
            let out = Command::new(program)
                .args([tokens.as_str(), NOW])
                .current_dir(w.path("."))
                .output()
                .unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{program} {product}: {stdout} {:?}",
                out.stderr
            );
            assert!(
                out.stderr.is_empty(),
                "{program}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(c_pools(&stdout), expected, "{program} {product}");
        }
    }
    // A forged token: the C program names the refusal.
    let text = std::fs::read_to_string(format!("{EXAMPLE}/minimal.txt")).unwrap();
    let mut forged = text.trim().to_string().into_bytes();
    let last = forged.len() - 5;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    w.write("forged.txt", &String::from_utf8(forged).unwrap());
    let out = Command::new("./boot_check_sanitized")
        .args(["forged.txt", NOW])
        .current_dir(w.path("."))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("token 1 12 bad signature"), "{stdout}");
}
