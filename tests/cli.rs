//! End-to-end tests of the real `entitle` binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example");
const NOW: &str = "2027-01-15";

fn example(file: &str) -> String {
    format!("{EXAMPLE}/{file}")
}

fn entitle() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_entitle"));
    cmd.env_remove("ENTITLE_SIGNING_KEY");
    cmd
}

fn run(args: &[&str]) -> Output {
    entitle().args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Exit code, and for failures a single-line message on stderr.
fn code(out: &Output) -> i32 {
    let code = out.status.code().expect("exited normally");
    assert_ne!(code, 101, "panicked: {}", stderr(out));
    if code != 0 && code != 2 {
        let err = stderr(out);
        assert_eq!(
            err.lines().count(),
            1,
            "one-line error expected, got {err:?}"
        );
        assert!(err.starts_with("entitle: "), "{err}");
    }
    code
}

fn issue(args: &[&str]) -> String {
    let mut all = vec!["issue", "--key", &*EXAMPLE_KEY];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "issue prints exactly one line");
    text.trim_end().to_string()
}

/// The example signing key, copied with mode 0600: a fresh clone checks it
/// out readable by all, which `entitle` warns about on stderr. It lives in
/// the target directory's scratch space, so no run leaves a copy in /tmp.
static EXAMPLE_KEY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vendor.secret.pem");
    fs::write(&path, fs::read(example("vendor.secret.pem")).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }
    path.to_str().unwrap().to_string()
});

fn compact_args() -> Vec<&'static str> {
    vec![
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "3",
        "--cap",
        "20",
        "--tenant",
        "FIRMA-000123",
        "--feature",
        "office",
        "--feature",
        "voicemail",
        "--feature",
        "fax",
        "--expires",
        "2031-01-01",
    ]
}

fn verify_json(args: &[&str]) -> (i32, Value) {
    let public = example("vendor.public.pem");
    let mut all = vec!["verify", "--json", "--public", &public, "--now", NOW];
    all.extend_from_slice(args);
    let out = run(&all);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (code(&out), json)
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

// ---- keygen ------------------------------------------------------------

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_writes_a_0600_secret_and_refuses_to_overwrite() {
    let dir = TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("s.pem"), dir.path().join("p.pem"));
    let out = run(&["keygen", "--secret", s(&secret), "--public", s(&public)]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).starts_with("key id "));
    let secret_text = fs::read_to_string(&secret).unwrap();
    assert!(secret_text.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert!(!stdout(&out).contains(secret_text.lines().nth(1).unwrap()));
    assert!(!stderr(&out).contains(secret_text.lines().nth(1).unwrap()));
    #[cfg(unix)]
    assert_eq!(mode(&secret), 0o600);

    let again = run(&["keygen", "--secret", s(&secret), "--public", s(&public)]);
    assert_eq!(code(&again), 3);
    assert!(stderr(&again).contains("--force"));
    assert_eq!(
        fs::read_to_string(&secret).unwrap(),
        secret_text,
        "untouched"
    );

    let forced = run(&[
        "keygen",
        "--secret",
        s(&secret),
        "--public",
        s(&public),
        "--force",
    ]);
    assert_eq!(code(&forced), 0);
    assert_ne!(
        fs::read_to_string(&secret).unwrap(),
        secret_text,
        "replaced"
    );
    #[cfg(unix)]
    assert_eq!(mode(&secret), 0o600);
}

#[test]
fn a_new_key_pair_issues_tokens_that_verify_with_its_public_key() {
    let dir = TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("s.pem"), dir.path().join("p.pem"));
    assert_eq!(
        code(&run(&[
            "keygen",
            "--secret",
            s(&secret),
            "--public",
            s(&public)
        ])),
        0
    );
    let out = run(&[
        "issue",
        "--key",
        s(&secret),
        "--product",
        "x",
        "--edition",
        "y",
        "--seats",
        "2",
        "--perpetual",
    ]);
    let token = stdout(&out).trim().to_string();
    assert!(
        !stderr(&out).contains("warning"),
        "a 0600 key draws no warning: {}",
        stderr(&out)
    );
    let out = run(&["verify", "--public", s(&public), &token]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(&[
            "issue",
            "--key",
            s(&secret),
            "--product",
            "x",
            "--edition",
            "y",
            "--seats",
            "2",
            "--perpetual",
        ]);
        assert_eq!(code(&out), 0);
        assert!(
            stderr(&out).contains("readable by others"),
            "{}",
            stderr(&out)
        );
    }
    let out = run(&["verify", "--public", &example("vendor.public.pem"), &token]);
    assert_eq!(code(&out), 4);
    assert!(stderr(&out).contains("not among the trusted keys"));
}

// ---- issue -------------------------------------------------------------

#[test]
fn issue_prints_exactly_one_token_within_the_size_budget() {
    let compact = issue(&compact_args());
    assert!(compact.starts_with("ent1."));
    assert!(
        compact.len() <= 190,
        "compact example is {} characters",
        compact.len()
    );
    let minimal = issue(&[
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "3",
        "--expires",
        "2031-01-01",
    ]);
    assert!(
        minimal.len() <= 150,
        "minimal token is {} characters",
        minimal.len()
    );
}

#[test]
fn issue_json_shows_the_claims() {
    let mut args = compact_args();
    args.extend([
        "--json",
        "--model",
        "concurrent",
        "--updates-until",
        "2027-06-30",
        "--not-before",
        "2026-12-01T08:00:00+01:00",
    ]);
    let json: Value = serde_json::from_str(&issue(&args)).unwrap();
    assert!(json["token"].as_str().unwrap().starts_with("ent1."));
    assert_eq!(json["model"], "concurrent");
    assert_eq!(json["kind"], "base");
    assert_eq!(json["cap"], 20);
    assert_eq!(
        json["features"],
        serde_json::json!(["fax", "office", "voicemail"]),
        "in byte order, one encoding per set of claims"
    );
    assert_eq!(json["not_before"], "2026-12-01T07:00:00Z");
    assert_eq!(json["expires_at"], "2031-01-01T00:00:00Z");
    assert_eq!(json["updates_until"], "2027-06-30T00:00:00Z");
    assert_eq!(json["serial"].as_str().unwrap().len(), 16);
}

#[test]
fn the_signing_key_comes_from_the_environment_or_stdin() {
    let pem = fs::read_to_string(example("vendor.secret.pem")).unwrap();
    let args = [
        "issue",
        "--product",
        "x",
        "--edition",
        "y",
        "--seats",
        "1",
        "--perpetual",
    ];
    let out = entitle()
        .args(args)
        .env("ENTITLE_SIGNING_KEY", &pem)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let escaped = pem.trim_end().replace('\n', "\\n");
    let out = entitle()
        .args(args)
        .env("ENTITLE_SIGNING_KEY", escaped)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "PEM with \\n written out: {}", stderr(&out));
    let out = entitle()
        .args(args)
        .args(["--key", "-"])
        .write_stdin(pem.clone())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let out = run(&args);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("ENTITLE_SIGNING_KEY"));
}

#[test]
fn key_text_on_the_command_line_is_refused_and_not_echoed() {
    let pem = fs::read_to_string(example("vendor.secret.pem")).unwrap();
    let out = run(&[
        "issue",
        "--key",
        &pem,
        "--product",
        "x",
        "--edition",
        "y",
        "--seats",
        "1",
        "--perpetual",
    ]);
    assert_eq!(code(&out), 3);
    let secret_line = pem.lines().nth(1).unwrap();
    assert!(!stderr(&out).contains(secret_line));
    assert!(stderr(&out).contains("never the key itself"));
}

#[test]
fn issue_refuses_bad_fields_with_a_clear_reason() {
    let base = ["--product", "starface", "--edition", "compact"];
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--seats", "0", "--perpetual"],
            3,
            "seats: must be at least 1",
        ),
        (
            &["--seats", "25", "--cap", "20", "--perpetual"],
            3,
            "exceed the cap",
        ),
        (
            &[
                "--seats",
                "1",
                "--not-before",
                "2027-01-01",
                "--expires",
                "2027-01-01",
            ],
            3,
            "expires: must be after not-before",
        ),
        (
            &["--seats", "1", "--expires", "2200-01-01"],
            3,
            "the last time the format can carry",
        ),
        (
            &["--seats", "1", "--perpetual", "--tenant", &"X".repeat(65)],
            3,
            "tenant",
        ),
        (
            &[
                "--seats",
                "1",
                "--perpetual",
                "--feature",
                "a",
                "--feature",
                "a",
            ],
            3,
            "given twice",
        ),
        (
            &["--seats", "1", "--perpetual", "--feature", "Voice Mail"],
            3,
            "not a valid name",
        ),
        (
            &["--seats", "1", "--perpetual", "--model", "floating"],
            2,
            "invalid value",
        ),
        (
            &["--seats", "1", "--perpetual", "--kind", "upgrade"],
            2,
            "invalid value",
        ),
        (&["--seats", "1"], 2, "--expires"),
        (
            &["--seats", "1", "--expires", "31.12.2027"],
            2,
            "YYYY-MM-DD",
        ),
        (&["--seats", "-1", "--perpetual"], 2, ""),
    ];
    for (args, expected, message) in cases {
        let mut all = vec!["issue", "--key", &*EXAMPLE_KEY];
        all.extend_from_slice(&base);
        all.extend_from_slice(args);
        let out = run(&all);
        assert_eq!(code(&out), *expected, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "no token for {args:?}");
    }
    let mut long = compact_args();
    let features: Vec<String> = (0..32)
        .map(|i| format!("feature-number-{i:02}-with-a-long-name"))
        .collect();
    for f in &features {
        long.extend(["--feature", f]);
    }
    let out = entitle()
        .args(["issue", "--key", &*EXAMPLE_KEY])
        .args(&long)
        .output()
        .unwrap();
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("at most"), "{}", stderr(&out));
}

#[test]
fn malformed_key_files_are_input_errors() {
    let dir = TempDir::new().unwrap();
    let public_pem = fs::read_to_string(example("vendor.public.pem")).unwrap();
    let secret_pem = fs::read_to_string(example("vendor.secret.pem")).unwrap();
    let bad = [
        ("empty.pem", String::new()),
        ("garbage.pem", "hello\n".to_string()),
        ("public.pem", public_pem.clone()),
        ("truncated.pem", secret_pem[..60].to_string()),
        ("binary.pem", "\u{0}\u{1}\u{2}".to_string()),
    ];
    for (name, text) in bad {
        let path = write(&dir, name, &text);
        let out = run(&[
            "issue",
            "--key",
            s(&path),
            "--product",
            "x",
            "--edition",
            "y",
            "--seats",
            "1",
            "--perpetual",
        ]);
        assert_eq!(code(&out), 3, "{name}: {}", stderr(&out));
        if name != "public.pem" {
            let out = run(&["verify", "--public", s(&path), "ent1.AAAA"]);
            assert_eq!(code(&out), 3, "{name} as public key: {}", stderr(&out));
        }
    }
    let path = write(&dir, "secret-as-public.pem", &secret_pem);
    let out = run(&["verify", "--public", s(&path), "ent1.AAAA"]);
    assert_eq!(code(&out), 3);
    assert!(!stderr(&out).contains(secret_pem.lines().nth(1).unwrap()));
    let out = run(&[
        "issue",
        "--key",
        "/nonexistent/key.pem",
        "--product",
        "x",
        "--edition",
        "y",
        "--seats",
        "1",
        "--perpetual",
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("/nonexistent/key.pem"));
}

// ---- verify ------------------------------------------------------------

#[test]
fn the_compact_example_stacks_to_20_of_23_with_a_warning() {
    let tokens = format!("@{}", example("starface/tokens.txt"));
    let (code, json) = verify_json(&[&tokens]);
    assert_eq!(code, 0);
    let licenses = json["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), 1);
    let l = &licenses[0];
    assert_eq!(
        (l["product"].as_str(), l["edition"].as_str()),
        (Some("starface"), Some("compact"))
    );
    assert_eq!(l["tenant"], "FIRMA-000123");
    assert_eq!(l["model"], "named");
    assert_eq!(
        (
            l["seats"].as_u64(),
            l["seats_bought"].as_u64(),
            l["cap"].as_u64()
        ),
        (Some(20), Some(23), Some(20))
    );
    assert_eq!(
        l["features"],
        serde_json::json!([]),
        "STARFACE licenses no feature"
    );
    assert_eq!(l["expires_at"], "2031-01-01T00:00:00Z");
    assert_eq!(l["updates_until"], "2027-12-31T00:00:00Z");
    assert_eq!(l["serials"].as_array().unwrap().len(), 5);
    assert!(json["rejected"].as_array().unwrap().is_empty());
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("3 seats cannot be used"),
        "{warnings:?}"
    );
}

#[test]
fn plain_verify_output_is_readable() {
    let tokens = format!("@{}", example("starface/tokens.txt"));
    let out = run(&[
        "verify",
        "--public",
        &example("vendor.public.pem"),
        "--now",
        NOW,
        &tokens,
    ]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.contains("starface compact  tenant FIRMA-000123"),
        "{text}"
    );
    assert!(text.contains("20 usable (23 bought, cap 20)"), "{text}");
    assert!(text.contains("warning"), "{text}");
}

#[test]
fn tokens_come_from_arguments_files_and_stdin_and_may_be_pasted_sloppily() {
    let lines: Vec<String> = fs::read_to_string(example("starface/tokens.txt"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ent1."))
        .map(String::from)
        .collect();
    let (head, tail) = lines[1].split_at(50);
    let pasted = format!("  \u{201c}{head}\n   {tail}\u{201d}  ");
    let public = example("vendor.public.pem");
    let out = entitle()
        .args([
            "verify", "--json", "--public", &public, "--now", NOW, &lines[0], &pasted, "-",
        ])
        .write_stdin(format!("{}\n\n# a comment\n{}\n", lines[2], lines[3]))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["licenses"][0]["seats"], 18, "3 + 5 + 5 + 5");
    assert!(json["rejected"].as_array().unwrap().is_empty(), "{json}");
}

#[test]
fn the_same_token_twice_counts_once() {
    let base = issue(&compact_args());
    let (code, json) = verify_json(&[&base, &base]);
    assert_eq!(code, 0);
    assert_eq!(json["licenses"][0]["seats"], 3);
    assert!(
        json["warnings"][0]
            .as_str()
            .unwrap()
            .contains("counts once")
    );
}

#[test]
fn key_rotation_with_several_public_keys() {
    let dir = TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("new.pem"), dir.path().join("new.pub"));
    assert_eq!(
        code(&run(&[
            "keygen",
            "--secret",
            s(&secret),
            "--public",
            s(&public)
        ])),
        0
    );
    let old = issue(&compact_args());
    let out = run(&[
        "issue",
        "--key",
        s(&secret),
        "--product",
        "starface",
        "--edition",
        "compact",
        "--kind",
        "addon",
        "--seats",
        "5",
        "--tenant",
        "FIRMA-000123",
        "--perpetual",
    ]);
    let new = stdout(&out).trim().to_string();
    let out = run(&[
        "verify",
        "--json",
        "--public",
        &example("vendor.public.pem"),
        "--public",
        s(&public),
        "--now",
        NOW,
        &old,
        &new,
    ]);
    assert_eq!(code(&out), 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["licenses"][0]["seats"], 8);
}

#[test]
fn exit_codes_say_why_nothing_is_usable() {
    let tokens = format!("@{}", example("starface/tokens.txt"));
    let base = issue(&compact_args());
    let pack = issue(&[
        "--product",
        "starface",
        "--edition",
        "compact",
        "--kind",
        "addon",
        "--seats",
        "5",
        "--tenant",
        "FIRMA-000123",
        "--expires",
        "2031-01-01",
    ]);
    let mut later_args = compact_args();
    later_args.extend(["--not-before", "2030-01-01"]);
    let later = issue(&later_args);
    let mut forged = base.clone().into_bytes();
    let last = forged.len() - 10;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let public = example("vendor.public.pem");

    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec![&forged], 4, "bad signature"),
        (vec!["ent1.AAAA"], 4, "truncated"),
        (vec!["hello"], 4, "not an entitle token"),
        (
            vec!["--now", "2031-06-01", &base],
            5,
            "expired at 2031-01-01T00:00:00Z",
        ),
        (vec![&later], 5, "not valid yet"),
        // Before the token's issue time: without state, the clock floor is
        // the newest issue time of the material.
        (
            vec!["--now", "2020-01-01", &base],
            5,
            "the clock was set back",
        ),
        (
            vec!["--build-date", "2028-06-01", &tokens],
            5,
            "not entitled to this version",
        ),
        (vec![&pack], 6, "add-on without a valid base"),
        (vec![&pack, &pack], 6, "add-on without a valid base"),
    ];
    for (args, expected, reason) in cases {
        let mut all = vec!["verify", "--public", &public];
        if !args.contains(&"--now") {
            all.extend(["--now", NOW]);
        }
        all.extend(args.iter().copied());
        let out = run(&all);
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("no usable license"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
    }

    // One good license is enough: the rest is reported, exit 0.
    let (code, json) = verify_json(&[&base, "garbage", &forged]);
    assert_eq!(code, 0);
    let rejected = json["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["token"], "garbage");
    assert!(
        rejected[1]["reason"]
            .as_str()
            .unwrap()
            .contains("bad signature")
    );
}

#[test]
fn verify_input_errors_are_exit_3() {
    let public = example("vendor.public.pem");
    let dir = TempDir::new().unwrap();
    let empty = write(&dir, "empty.txt", "\n# nothing\n");
    for args in [
        vec!["verify", "--public", "/nonexistent.pem", "ent1.AAAA"],
        vec!["verify", "--public", &public, "@/nonexistent/tokens.txt"],
        vec!["verify", "--public", &public, &format!("@{}", s(&empty))],
        vec![
            "verify",
            "--public",
            &public,
            "--now",
            "yesterday",
            "ent1.AAAA",
        ],
    ] {
        let out = run(&args);
        let expected = if args.contains(&"yesterday") { 2 } else { 3 };
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
    }
    let out = entitle()
        .args(["verify", "--public", &public, "-", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(code(&out), 3);
    assert_eq!(
        run(&["verify", "ent1.AAAA"]).status.code(),
        Some(2),
        "--public is required"
    );
}

#[test]
fn garbage_never_panics() {
    let public = example("vendor.public.pem");
    let mut seed = 0x2545f4914f6cdd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ .\"\n";
    let mut inputs = Vec::new();
    for _ in 0..30 {
        let len = (next() % 300) as usize;
        let body: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
            .collect();
        inputs.push(format!("ent1.{body}"));
    }
    let example_token = issue(&compact_args());
    for cut in [1, 6, 20, 100, 150] {
        inputs.push(example_token[..cut].to_string());
    }
    inputs.push("ent9.AAAA".into());
    inputs.push(format!("ent1.{}", "A".repeat(5000)));
    for input in &inputs {
        let out = run(&["verify", "--public", &public, "--now", NOW, input]);
        assert_eq!(code(&out), 4, "{input:?}: {}", stderr(&out));
        let out = run(&["inspect", input]);
        assert_eq!(code(&out), 4, "{input:?}: {}", stderr(&out));
    }
    let dir = TempDir::new().unwrap();
    let binary: Vec<u8> = (0..2000).map(|_| next() as u8).collect();
    let path = dir.path().join("binary.txt");
    fs::write(&path, binary).unwrap();
    let out = run(&["verify", "--public", &public, &format!("@{}", s(&path))]);
    assert_eq!(code(&out), 3, "not UTF-8: {}", stderr(&out));
}

// ---- inspect -----------------------------------------------------------

#[test]
fn inspect_decodes_without_trusting_and_says_so() {
    let dir = TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("s.pem"), dir.path().join("p.pem"));
    assert_eq!(
        code(&run(&[
            "keygen",
            "--secret",
            s(&secret),
            "--public",
            s(&public)
        ])),
        0
    );
    let out = run(&[
        "issue",
        "--key",
        s(&secret),
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "3",
        "--tenant",
        "FIRMA-000123",
        "--perpetual",
    ]);
    let token = stdout(&out).trim().to_string();

    let out = run(&["inspect", &token]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.starts_with("UNVERIFIED"), "{text}");
    assert!(text.contains("NOT checked"));
    assert!(text.contains("tenant        FIRMA-000123"));
    assert!(text.contains("never (perpetual)"));

    let out = run(&["inspect", "--json", &token]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["verified"], false);
    assert_eq!(json["seats"], 3);
    assert_eq!(json["expires_at"], Value::Null);

    let out = run(&["inspect", &format!("@{}", example("starface/tokens.txt"))]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out).matches("UNVERIFIED").count(), 5);
}

// ---- openssl -----------------------------------------------------------

fn openssl(args: &[&str]) -> Output {
    std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is needed for the interoperability tests (.ci/run installs it)")
}

#[test]
fn openssl_reads_our_keys() {
    let dir = TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("s.pem"), dir.path().join("p.pem"));
    assert_eq!(
        code(&run(&[
            "keygen",
            "--secret",
            s(&secret),
            "--public",
            s(&public)
        ])),
        0
    );
    let out = openssl(&["pkey", "-in", s(&secret), "-pubout"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        fs::read_to_string(&public).unwrap()
    );
    let out = openssl(&["pkey", "-in", s(&secret), "-noout", "-text"]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("ED25519 Private-Key")
    );
}

#[test]
fn entitle_uses_keys_made_by_openssl() {
    let dir = TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("o.pem"), dir.path().join("o.pub"));
    assert!(
        openssl(&["genpkey", "-algorithm", "ed25519", "-out", s(&secret)])
            .status
            .success()
    );
    assert!(
        openssl(&["pkey", "-in", s(&secret), "-pubout", "-out", s(&public)])
            .status
            .success()
    );
    let out = run(&[
        "issue",
        "--key",
        s(&secret),
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "3",
        "--perpetual",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let token = stdout(&out).trim().to_string();
    let out = run(&["verify", "--public", s(&public), &token]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

// ---- catalogs and allocation -------------------------------------------

fn allocate(extra: &[&str], users: &str, catalog: &str) -> Output {
    let public = example("vendor.public.pem");
    let tokens = format!("@{}", example("xphone/tokens.txt"));
    let mut args = vec![
        "allocate",
        "--public",
        &public,
        "--catalog",
        catalog,
        "--users",
        users,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    args.push(&tokens);
    run(&args)
}

#[test]
fn catalog_check_names_the_line_and_the_rule() {
    let dir = TempDir::new().unwrap();
    let good = fs::read_to_string(example("xphone/catalog.toml")).unwrap();
    let out = run(&["catalog", "check", &example("xphone/catalog.toml")]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("ok: 1 products, 13 license types"));
    let cases = [
        (good.replace("requires = [\"server\", \"office-plus\"]", "requires = [\"server\", \"ofice-plus\"]"), "line 51: products.xphone-8.licenses.teamdesk.requires: unknown license \"ofice-plus\""),
        (good.replace("kind = \"team\"", "kind = \"teem\""), "unknown variant `teem`"),
        (good.replace("team_gate = \"teamdesk\"", "team_gate = \"server\""), "the gate must be a user license"),
        (good.replace("requires_units = { ip-channel = 2 }", "requires_units = { isdn-channel = 2 }"), "no system license of this product provides unit \"isdn-channel\""),
        (good.replace("version = 1", "version = 2"), "line 5: version: catalog version 2 is not supported"),
        (good.replace("includes = [\"office\"]", "includes = [\"office\"]\ncolour = \"blue\""), "unknown field `colour`"),
        (good.replace("requires = [\"server\", \"office\"]", "requires = [\"server\", \"office\", \"teamdesk\"]"), "form a cycle among office-plus, teamdesk"),
        ("version = 1\n[products.x.editions.e]\nlicense = \"nope\"\n".to_string(), "line 3: products.x.editions.e.license: unknown license \"nope\""),
        ("version = 1\n[products.x.licenses.u]\n[products.x.editions.e]\nlicense = \"u\"\nincluded = 5\ncap = 3\n".to_string(), "5 included seats exceed the cap of 3"),
        ("version = 1\n[products.x.licenses.u]\n[products.x.editions.e]\nlicense = \"u\"\naddons = false\npacks = [5]\n".to_string(), "an edition without add-ons has no packs"),
        ("version = 1\n[products.x.licenses.u]\n[products.x.editions.e]\nlicense = \"u\"\nfallback = \"e\"\n".to_string(), "cannot fall back to itself"),
        ("version = 1\n[products.x.licenses.u]\n[products.x.editions.e]\nlicense = \"u\"\nfallback_at = 2020-01-01\n".to_string(), "fallback_at needs a fallback edition"),
        ("version = 1\n[products.X]\n".to_string(), "product \"X\" is not a valid name"),
        ("version = [".to_string(), "line 1"),
        (String::new(), "missing field `version`"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = write(&dir, &format!("bad{i}.toml"), text);
        let out = run(&["catalog", "check", s(&path)]);
        assert_eq!(code(&out), 3, "case {i}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "case {i}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn an_edited_or_unsigned_catalog_is_refused() {
    let dir = TempDir::new().unwrap();
    let users = example("xphone/users.csv");
    let signed = fs::read_to_string(example("xphone/catalog.signed")).unwrap();
    assert_eq!(
        code(&allocate(&[], &users, &example("xphone/catalog.signed"))),
        0
    );

    // The customer lifts a rule: Voicemail without IP channels.
    let edited = write(
        &dir,
        "edited.signed",
        &signed.replacen("requires_units = { ip-channel = 2 }", "", 1),
    );
    let out = allocate(&[], &users, s(&edited));
    assert_eq!(code(&out), 4);
    assert!(
        stderr(&out).contains("bad signature: the catalog was edited after it was signed"),
        "{}",
        stderr(&out)
    );
    // A single changed digit is enough.
    let edited = write(
        &dir,
        "digit.signed",
        &signed.replacen(
            "units = { data-source = 10 }",
            "units = { data-source = 90 }",
            1,
        ),
    );
    assert_eq!(code(&allocate(&[], &users, s(&edited))), 4);
    // Text appended after the signature is not covered by it.
    let appended = write(
        &dir,
        "appended.signed",
        &format!("{signed}[products.xphone-8.licenses.extra]\n"),
    );
    assert_eq!(code(&allocate(&[], &users, s(&appended))), 4);
    // The unsigned TOML is not enforceable on an appliance.
    let out = allocate(&[], &users, &example("xphone/catalog.toml"));
    assert_eq!(code(&out), 4);
    assert!(stderr(&out).contains("not signed"));
    // Signed by a key the appliance does not trust.
    let (secret, public) = (dir.path().join("s.pem"), dir.path().join("p.pem"));
    assert_eq!(
        code(&run(&[
            "keygen",
            "--secret",
            s(&secret),
            "--public",
            s(&public)
        ])),
        0
    );
    let out = run(&[
        "catalog",
        "sign",
        "--key",
        s(&secret),
        &example("xphone/catalog.toml"),
    ]);
    assert_eq!(code(&out), 0);
    let foreign = write(&dir, "foreign.signed", &stdout(&out));
    let out = allocate(&[], &users, s(&foreign));
    assert_eq!(code(&out), 4);
    assert!(stderr(&out).contains("not among the trusted keys"));
}

#[test]
fn catalog_sign_output_verifies_and_is_still_readable_toml() {
    let out = run(&[
        "catalog",
        "sign",
        "--key",
        &EXAMPLE_KEY,
        &example("starface/catalog.toml"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let signed = stdout(&out);
    assert!(signed.starts_with(&fs::read_to_string(example("starface/catalog.toml")).unwrap()));
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "c.signed", &signed);
    let out = run(&[
        "catalog",
        "check",
        "--public",
        &example("vendor.public.pem"),
        s(&path),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("signature valid"));
    let out = run(&["catalog", "sign", "--key", &EXAMPLE_KEY, s(&path)]);
    assert_eq!(code(&out), 4, "signing twice is refused");
}

#[test]
fn a_malformed_users_line_is_refused_with_its_line_number() {
    let dir = TempDir::new().unwrap();
    let header = "id,site,group,team,role,licenses\n";
    let cases = [
        (
            format!("{header}a,s,g,,member,office\nb,s,g,,member\n"),
            "line 3: 5 fields, expected 6",
        ),
        (
            format!("{header}a,s,g,,member,office\n,s,g,,member,office\n"),
            "line 3: the id is empty",
        ),
        (
            format!("{header}a,s,g,,member,office\nb,s,g,,member,office\na,s,g,,member,office\n"),
            "line 4: user id \"a\" is used on line 2 already",
        ),
        (
            format!("{header}a,s,g,,member,ofice\n"),
            "line 2: unknown license \"ofice\"",
        ),
        (
            format!("{header}a,s,g,,member,voicemail:watch\n"),
            "line 2: voicemail has no usage \"watch\" (usages: client, mobile, sms)",
        ),
        (
            format!("{header}a,s,g,,chief,office\n"),
            "line 2: unknown role \"chief\"",
        ),
        (
            format!("{header}a,s,g,,member,ip-channel\n"),
            "line 2: ip-channel is a system license",
        ),
        (
            "id,site,group,role,licenses\na,s,g,member,office\n".to_string(),
            "line 1: the header has no column \"team\"",
        ),
        (
            format!("{header}a,s,g,,member,office,extra\n"),
            "line 2: 7 fields, expected 6",
        ),
        (
            "id,site,group,team,role,licences\n".to_string(),
            "line 1: the header has no column \"licenses\"",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = write(&dir, &format!("users{i}.csv"), text);
        let out = allocate(&[], s(&path), &example("xphone/catalog.signed"));
        assert_eq!(code(&out), 3, "case {i}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "case {i}: {}",
            stderr(&out)
        );
    }
    let not_utf8 = dir.path().join("latin1.csv");
    fs::write(
        &not_utf8,
        b"id,site,group,team,role,licenses\nm\xfcller,s,g,,member,office\n",
    )
    .unwrap();
    assert_eq!(
        code(&allocate(
            &[],
            s(&not_utf8),
            &example("xphone/catalog.signed")
        )),
        3
    );
}

#[test]
fn allocate_json_lists_users_sites_groups_teams_and_warnings() {
    let setup = example("xphone/setup.toml");
    let out = allocate(
        &["--json", "--setup", &setup],
        &example("xphone/users.csv"),
        &example("xphone/catalog.signed"),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let office = json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["license"] == "office")
        .unwrap();
    assert_eq!(
        (
            office["bought"].as_u64(),
            office["available"].as_u64(),
            office["used"].as_u64()
        ),
        (Some(100), Some(150), Some(143))
    );
    assert_eq!(json["users"].as_array().unwrap().len(), 171);
    let ids: Vec<&str> = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "users in id order");
    let denied = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["licenses"].as_array().unwrap())
        .find(|g| g["granted"] == false)
        .unwrap();
    assert!(denied["reason_code"].is_string() && denied["reason"].is_string());
    assert_eq!(json["sites"].as_array().unwrap().len(), 3);
    assert!(
        json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "support")
    );
    let service = json["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team"] == "service")
        .unwrap();
    assert_eq!(service["granted"], false);
    assert_eq!(service["missing"], serde_json::json!(["u0010", "u0011"]));
    assert!(
        json["units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["unit"] == "auto-attendant-channel" && u["available"] == 20)
    );
    assert!(!json["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn allocate_without_a_catalog_counts_each_edition_as_a_license() {
    let dir = TempDir::new().unwrap();
    let users = write(
        &dir,
        "u.csv",
        "id,site,group,team,role,licenses\na,s,g,,member,compact\nb,s,g,,member,starface/compact\n",
    );
    let public = example("vendor.public.pem");
    let tokens = format!("@{}", example("starface/tokens.txt"));
    let out = run(&[
        "allocate",
        "--json",
        "--public",
        &public,
        "--users",
        s(&users),
        "--now",
        NOW,
        &tokens,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["licenses"][0]["available"], 20);
    assert_eq!(json["licenses"][0]["used"], 2);
}

#[test]
fn issue_with_a_catalog_fills_in_what_it_implies() {
    let out = run(&[
        "issue",
        "--key",
        &EXAMPLE_KEY,
        "--catalog",
        &example("starface/catalog.toml"),
        "--json",
        "--product",
        "starface",
        "--edition",
        "compact",
        "--perpetual",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (json["seats"].as_u64(), json["cap"].as_u64()),
        (Some(3), Some(20))
    );
    assert_eq!(
        json["features"],
        serde_json::json!([]),
        "STARFACE licenses no feature"
    );
    for (args, expected) in [
        (
            vec!["--product", "nope", "--edition", "x"],
            "the catalog has no product \"nope\"",
        ),
        (
            vec!["--product", "starface", "--edition", "gold"],
            "has no edition or license type \"gold\"",
        ),
        (
            vec![
                "--product",
                "starface",
                "--edition",
                "free",
                "--kind",
                "addon",
                "--seats",
                "1",
            ],
            "takes no add-ons",
        ),
        (
            vec![
                "--product",
                "starface",
                "--edition",
                "compact",
                "--kind",
                "addon",
                "--seats",
                "25",
            ],
            "25 is not one of them",
        ),
    ] {
        let mut all = vec![
            "issue",
            "--key",
            &*EXAMPLE_KEY,
            "--catalog",
            &*CATALOG,
            "--perpetual",
        ];
        all.extend(args.iter().copied());
        let out = run(&all);
        assert_eq!(code(&out), 3, "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

static CATALOG: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| example("starface/catalog.toml"));

#[test]
fn a_reader_that_goes_away_does_not_make_entitle_panic() {
    use std::io::Read as _;
    let dir = TempDir::new().unwrap();
    let mut csv = String::from("id,site,group,team,role,licenses\n");
    for i in 0..5000 {
        csv.push_str(&format!("user{i:05},site,group,,member,office;contacts\n"));
    }
    let users = write(&dir, "users.csv", &csv);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args([
            "allocate",
            "--public",
            &example("vendor.public.pem"),
            "--catalog",
            &example("xphone/catalog.signed"),
        ])
        .args([
            "--users",
            s(&users),
            "--now",
            NOW,
            &format!("@{}", example("xphone/tokens.txt")),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
