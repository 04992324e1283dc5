//! examples/c/boot_check.c, the appliance's boot check in C (level 1), and
//! examples/c/verify_json.c, the whole decision from C (level 2): compiled
//! with the system's `cc`, linked statically against `entitle-ffi`, plain,
//! under AddressSanitizer and UndefinedBehaviorSanitizer, and (level 1)
//! against the firmware build without std, run on the
//! keys-example licenses; the pools of the one and the whole output of the
//! other are those of `entitle verify --json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::world::{EXAMPLE, World};

/// 2027-01-15T08:00:00Z.
const NOW: &str = "1800000000";

/// The static library, built by cargo for this profile; with `firmware`,
/// level 1 alone without std, as firmware builds it (docs/embedding.md).
fn static_library(firmware: bool) -> PathBuf {
    let target = Path::new(env!("CARGO_BIN_EXE_entitle")).parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile = if firmware {
        "firmware"
    } else if target.ends_with("release") {
        "release"
    } else {
        "dev"
    };
    let mut args = vec![
        "build",
        "-q",
        "-p",
        "entitle-ffi",
        "--lib",
        "--profile",
        profile,
    ];
    if firmware {
        args.push("--no-default-features");
    }
    let status = Command::new(cargo).args(&args).status().unwrap();
    assert!(status.success(), "cargo {args:?}");
    let dir = if firmware {
        target.parent().unwrap().join("firmware")
    } else {
        target.to_path_buf()
    };
    dir.join("libentitle_ffi.a")
}

fn compile(w: &World, library: &Path, source: &str, out: &str, extra: &[&str]) {
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
    args.push(root.join("examples/c").join(source).display().to_string());
    args.push(library.display().to_string());
    if library
        .parent()
        .is_some_and(|dir| dir.ends_with("firmware"))
    {
        // No std: nothing of the C library but what the C program uses.
        args.push("-Wl,--gc-sections".into());
    } else {
        args.extend(["-lpthread", "-ldl", "-lm"].map(String::from));
    }
    args.extend(["-o", out].map(String::from));
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
    let library = static_library(false);
    let header = w.ok(&[
        "key",
        "export",
        "--public",
        "vendor.public.pem",
        "--format",
        "c",
    ]);
    w.write("vendor_key.h", &header);
    compile(&w, &library, "boot_check.c", "boot_check", &["-O1"]);
    compile(
        &w,
        &library,
        "boot_check.c",
        "boot_check_sanitized",
        &[
            "-g",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
        ],
    );
    // Level 1 without std, as firmware links it.
    compile(
        &w,
        &static_library(true),
        "boot_check.c",
        "boot_check_firmware",
        &["-Os", "-ffunction-sections", "-fdata-sections"],
    );
    for product in ["starface", "xphone", "pcvisit"] {
        let tokens = format!("{EXAMPLE}/{product}/tokens.txt");
        let (code, json, err) = w.verify(&["--now", "2027-01-15T08:00:00Z", &format!("@{tokens}")]);
        assert_eq!(code, 0, "{err}");
        let expected = cli_pools(&json);
        assert!(!expected.is_empty());
        for program in [
            "./boot_check",
            "./boot_check_sanitized",
            "./boot_check_firmware",
        ] {
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

#[test]
fn the_c_decision_prints_what_entitle_verify_json_prints() {
    let w = World::new();
    let library = static_library(false);
    compile(&w, &library, "verify_json.c", "verify_json", &["-O1"]);
    compile(
        &w,
        &library,
        "verify_json.c",
        "verify_json_sanitized",
        &[
            "-g",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
        ],
    );
    let catalog = format!("{EXAMPLE}/pcvisit/catalog.signed");
    let tokens = format!("@{EXAMPLE}/pcvisit/tokens.txt");
    let starface = format!("@{EXAMPLE}/starface/tokens.txt");
    let cases: Vec<Vec<&str>> = vec![
        // Usable licenses, one of them refused with its reason.
        vec![
            "--public",
            "vendor.public.pem",
            "--catalog",
            &catalog,
            "--tenant",
            "FIRMA-000789",
            "--now",
            "2027-01-15",
            &tokens,
        ],
        vec![
            "--public",
            "vendor.public.pem",
            "--now",
            "2027-06-01",
            &starface,
        ],
        // Nothing usable: the report, and status 5.
        vec![
            "--public",
            "vendor.public.pem",
            "--now",
            "2032-01-01",
            &starface,
        ],
        // Unreadable input: the JSON error, status 3.
        vec!["--public", "vendor.public.pem", "@missing.txt"],
        // Bad arguments: status 2.
        vec!["--no-such-flag"],
    ];
    for args in cases {
        let mut cli = vec!["verify", "--json"];
        cli.extend(&args);
        let expected = common::world::run_in(w.path(".").as_path(), &cli);
        let expected_code = expected.status.code().unwrap();
        let expected_text = if expected.stdout.is_empty() {
            String::from_utf8(expected.stderr).unwrap()
        } else {
            String::from_utf8(expected.stdout).unwrap()
        };
        for program in ["./verify_json", "./verify_json_sanitized"] {
            let out = Command::new(program)
                .args(&args)
                .current_dir(w.path("."))
                .output()
                .unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                out.status.code(),
                Some(expected_code),
                "{program} {args:?}: {stdout}"
            );
            if expected_code == 2 {
                // clap's words differ between its terminal and JSON forms.
                let error: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(error["error"]["code"], 2, "{stdout}");
                assert!(
                    error["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("--no-such-flag")
                );
                continue;
            }
            assert_eq!(
                stdout.trim_end(),
                expected_text.trim_end(),
                "{program} {args:?}"
            );
        }
    }
}
