//! Minting at vendor scale through the real binary: `issue --batch`,
//! order serials, the issuance ledger, `revoke --order` (docs/ci.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{entitle, example, stderr, stdout};
use serde_json::Value;

/// `entitle issue --batch FILE` with the example vendor key and STARFACE
/// catalog, at 2027-01-01, and the ledger `ledger`.
fn batch(file: &Path, ledger: &Path, extra: &[&str]) -> std::process::Output {
    batch_at("2027-01-01", file, ledger, extra)
}

fn batch_at(now: &str, file: &Path, ledger: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "issue",
        "--batch",
        file.to_str().unwrap(),
        "--catalog",
        "",
        "--key",
        "",
        "--ledger",
        ledger.to_str().unwrap(),
        "--now",
        now,
    ];
    let catalog = example("starface/catalog.signed");
    let key = example("vendor.secret.pem");
    args[4] = &catalog;
    args[6] = &key;
    args.extend_from_slice(extra);
    entitle(&args)
}

const HEADER: &str =
    "order,product,edition,kind,seats,cap,model,tenant,not_before,expires,updates_until,features";

/// 100 tenants, each with an appliance base license and 99 packs of 5.
fn ten_thousand_orders() -> String {
    let mut csv = String::from(HEADER);
    csv.push('\n');
    for i in 0..10_000 {
        let tenant = format!("T-{:03}", i % 100);
        let row = if i < 100 {
            format!("SO-{i:05},starface,appliance,base,,,,{tenant},,perpetual,,\n")
        } else {
            format!("SO-{i:05},starface,appliance,addon,5,,,{tenant},,2030-01-01,,\n")
        };
        csv.push_str(&row);
    }
    csv
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `entitle verify` of tenant `tenant` on the token files `files`.
fn verify(tenant: &str, files: &[&Path], extra: &[&str]) -> std::process::Output {
    let public = example("vendor.public.pem");
    let catalog = example("starface/catalog.signed");
    let mut args = vec![
        "verify",
        "--public",
        &public,
        "--catalog",
        &catalog,
        "--tenant",
        tenant,
        "--now",
        "2027-06-01",
    ];
    let files: Vec<String> = files.iter().map(|f| format!("@{}", f.display())).collect();
    args.extend(files.iter().map(String::as_str));
    args.extend_from_slice(extra);
    entitle(&args)
}

#[test]
fn ten_thousand_orders_mint_and_a_rerun_gives_the_same_licences_and_pool() {
    let dir = tempfile::tempdir().unwrap();
    let orders = dir.path().join("orders.csv");
    let ledger = dir.path().join("ledger.jsonl");
    fs::write(&orders, ten_thousand_orders()).unwrap();

    let first = batch(&orders, &ledger, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let lines = json_lines(&stdout(&first));
    assert_eq!(lines.len(), 10_000);
    assert!(lines.iter().all(|l| l["new"] == true));
    let serials: std::collections::HashSet<&str> = lines
        .iter()
        .map(|l| l["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials.len(), 10_000, "every order has a serial of its own");
    let ledger_text = fs::read_to_string(&ledger).unwrap();
    assert_eq!(ledger_text.lines().count(), 10_000);

    // The CI job runs again: the same serials, the same tokens, no new
    // ledger lines.
    let second = batch(&orders, &ledger, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let again = json_lines(&stdout(&second));
    assert!(again.iter().all(|l| l["new"] == false));
    for (a, b) in lines.iter().zip(&again) {
        assert_eq!(a["serial"], b["serial"]);
        assert_eq!(a["token"], b["token"]);
    }
    assert_eq!(fs::read_to_string(&ledger).unwrap(), ledger_text);

    // Both runs' tokens of one tenant stacked: the pool of one run.
    let tokens = |out: &[Value], name: &str| {
        let path = dir.path().join(name);
        let text: Vec<&str> = out
            .iter()
            .filter(|l| l["tenant"] == "T-042")
            .map(|l| l["token"].as_str().unwrap())
            .collect();
        fs::write(&path, text.join("\n")).unwrap();
        path
    };
    let (a, b) = (tokens(&lines, "a.txt"), tokens(&again, "b.txt"));
    let once = verify("T-042", &[&a], &["--json"]);
    let twice = verify("T-042", &[&a, &b], &["--json"]);
    assert!(once.status.success(), "{}", stderr(&once));
    let seats = |out: &std::process::Output| {
        let json: Value = serde_json::from_str(&stdout(out)).unwrap();
        json["licenses"][0]["seats"].as_u64().unwrap()
    };
    assert_eq!(seats(&once), 1 + 99 * 5);
    assert_eq!(seats(&twice), seats(&once), "a re-run never adds seats");
}

#[test]
fn a_rerun_without_the_ledger_mints_the_same_serial_and_stacking_counts_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let orders = dir.path().join("orders.csv");
    fs::write(
        &orders,
        format!("{HEADER}\nSO-1,starface,appliance,addon,5,,,FIRMA-1,,perpetual,,\n"),
    )
    .unwrap();
    let first = batch(&orders, &dir.path().join("lost.jsonl"), &[]);
    let again = batch_at("2027-02-01", &orders, &dir.path().join("fresh.jsonl"), &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    let (a, b) = (json_lines(&stdout(&first)), json_lines(&stdout(&again)));
    assert_eq!(a[0]["serial"], b[0]["serial"]);
    assert_ne!(a[0]["token"], b[0]["token"], "issued at another time");
    let (fa, fb) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    fs::write(&fa, a[0]["token"].as_str().unwrap()).unwrap();
    fs::write(&fb, b[0]["token"].as_str().unwrap()).unwrap();
    let base = dir.path().join("base.txt");
    let issued = entitle(&[
        "issue",
        "--key",
        &example("vendor.secret.pem"),
        "--catalog",
        &example("starface/catalog.signed"),
        "--product",
        "starface",
        "--edition",
        "appliance",
        "--tenant",
        "FIRMA-1",
        "--perpetual",
        "--now",
        "2027-01-01",
    ]);
    fs::write(&base, stdout(&issued)).unwrap();
    let out = verify("FIRMA-1", &[&base, &fa, &fb], &[]);
    assert!(
        stdout(&out).contains("6 usable (6 bought)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn one_bad_row_names_its_line_and_nothing_is_issued() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    for (row, says) in [
        (
            "SO-7,starface,appliance,base,x,,,FIRMA-1,,perpetual,,",
            "seats: \"x\" is not a whole number",
        ),
        (
            "SO-7,starface,compact,addon,25,,,FIRMA-1,,perpetual,,",
            "packs of 1 or 5",
        ),
        (
            "SO-7,starface,appliance,base,,,,FIRMA-1,,,,",
            "expires: missing",
        ),
        (
            "SO-7,starface,applience,base,,,,FIRMA-1,,perpetual,,",
            "did you mean \"appliance\"",
        ),
        (
            "SO-7,starface,appliance,base,,,,FIRMA-1,,perpetual,,voicemail",
            "feature",
        ),
        (
            "SO 7,starface,appliance,base,,,,FIRMA-1,,perpetual,,",
            "not an order id",
        ),
        (
            "SO-1,starface,appliance,base,,,,FIRMA-2,,perpetual,,",
            "order SO-1 is on line 2 too",
        ),
    ] {
        let orders = dir.path().join("orders.csv");
        let mut csv = format!("{HEADER}\n");
        for i in 1..=5 {
            csv.push_str(&format!(
                "SO-{i},starface,appliance,base,,,,FIRMA-1,,perpetual,,\n"
            ));
        }
        csv.push_str(row);
        csv.push('\n');
        fs::write(&orders, csv).unwrap();
        let out = batch(&orders, &ledger, &[]);
        assert_eq!(out.status.code(), Some(3), "{row}");
        let err = stderr(&out);
        assert!(err.contains("orders.csv line 7: "), "{row}: {err}");
        assert!(err.contains(says), "{row}: {err}");
        assert_eq!(stdout(&out), "", "{row}: nothing printed");
        assert_eq!(
            fs::read_to_string(&ledger).unwrap_or_default(),
            "",
            "{row}: nothing recorded"
        );
    }
}

#[test]
fn an_order_repeated_with_other_content_is_refused_and_the_ledger_says_what_was_first() {
    let dir = tempfile::tempdir().unwrap();
    let (orders, ledger) = (dir.path().join("o.csv"), dir.path().join("l.jsonl"));
    fs::write(
        &orders,
        format!("{HEADER}\nSO-1,starface,appliance,addon,5,,,FIRMA-1,,2030-01-01,,\n"),
    )
    .unwrap();
    assert!(batch(&orders, &ledger, &[]).status.success());
    fs::write(
        &orders,
        format!("{HEADER}\nSO-1,starface,appliance,addon,50,,,FIRMA-1,,2030-01-01,,\n"),
    )
    .unwrap();
    let out = batch(&orders, &ledger, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("order SO-1 was issued on 2027-01-01T00:00:00Z as serial")
            && stderr(&out).contains("(seats 5, now 50)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&ledger).unwrap().lines().count(), 1);
}

#[test]
fn the_ledger_answers_for_a_tenant_and_revoke_order_destroys_its_licences() {
    let dir = tempfile::tempdir().unwrap();
    let (orders, ledger) = (dir.path().join("o.jsonl"), dir.path().join("l.jsonl"));
    fs::write(
        &orders,
        concat!(
            r#"{"order":"SO-1","product":"starface","edition":"appliance","tenant":"FIRMA-000123","expires":"perpetual"}"#, "\n",
            r#"{"order":"SO-2","product":"starface","edition":"appliance","kind":"addon","seats":5,"tenant":"FIRMA-000123","expires":"2030-01-01"}"#, "\n",
            r#"{"order":"SO-3","product":"starface","edition":"appliance","tenant":"FIRMA-000999","expires":"perpetual"}"#, "\n",
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("tokens");
    let out = batch(&orders, &ledger, &["--out-dir", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tokens = out_dir.join("FIRMA-000123.txt");
    assert_eq!(fs::read_to_string(&tokens).unwrap().lines().count(), 2);
    assert_eq!(
        fs::read_to_string(out_dir.join("FIRMA-000999.txt"))
            .unwrap()
            .lines()
            .count(),
        1
    );

    let ledger_arg = ledger.to_str().unwrap();
    let sold = entitle(&["ledger", "--ledger", ledger_arg, "--tenant", "FIRMA-000123"]);
    let sold = stdout(&sold);
    assert_eq!(sold.lines().count(), 2, "{sold}");
    assert!(sold.contains("order SO-1") && sold.contains("order SO-2") && !sold.contains("SO-3"));

    let key = example("vendor.secret.pem");
    let revoked = entitle(&[
        "revoke",
        "--key",
        &key,
        "--sequence",
        "1",
        "--order",
        "SO-2",
        "--ledger",
        ledger_arg,
        "--now",
        "2027-02-01",
    ]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let list = dir.path().join("revoked.txt");
    fs::write(&list, stdout(&revoked)).unwrap();
    let history = stdout(&entitle(&[
        "ledger", "--ledger", ledger_arg, "--order", "SO-2",
    ]));
    assert!(
        history.contains("issued") && history.contains("revoked"),
        "{history}"
    );

    let out = verify("FIRMA-000123", &[&tokens, &list], &[]);
    assert!(
        stdout(&out).contains("1 usable (1 bought)"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("was revoked"), "{}", stdout(&out));

    let unknown = entitle(&[
        "revoke",
        "--key",
        &key,
        "--sequence",
        "2",
        "--order",
        "SO-9",
        "--ledger",
        ledger_arg,
    ]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(stderr(&unknown).contains("--order SO-9: the issuance ledger holds no licence"));
}

#[test]
fn the_ledger_has_the_licence_even_when_printing_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.jsonl");
    let catalog = example("starface/catalog.signed");
    let key = example("vendor.secret.pem");
    let args = [
        "issue",
        "--key",
        &key,
        "--catalog",
        &catalog,
        "--product",
        "starface",
        "--edition",
        "appliance",
        "--tenant",
        "FIRMA-1",
        "--perpetual",
        "--order",
        "SO-1",
        "--ledger",
        ledger.to_str().unwrap(),
    ];
    // Standard output is a full disk: the token cannot be printed.
    let full = Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args(args)
        .env_remove("ENTITLE_LEDGER")
        .stdout(Stdio::from(fs::File::create("/dev/full").unwrap()))
        .output()
        .unwrap();
    assert!(!full.status.success());
    let recorded: Value =
        serde_json::from_str(fs::read_to_string(&ledger).unwrap().trim()).unwrap();
    // Asked again, it prints the licence the ledger holds.
    let again = entitle(&args);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stdout(&again).trim(),
        recorded["artifact"].as_str().unwrap()
    );
    assert!(stderr(&again).contains("order SO-1 was issued already"));
    assert_eq!(fs::read_to_string(&ledger).unwrap().lines().count(), 1);
}

#[test]
fn order_files_with_unknown_columns_or_no_order_column_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let orders = dir.path().join("o.csv");
    for (text, says) in [
        (
            "order,product,edition,seat,expires\nSO-1,starface,appliance,3,perpetual\n",
            "unknown column \"seat\"",
        ),
        (
            "product,edition,expires\nstarface,appliance,perpetual\n",
            "no \"order\" column",
        ),
        (
            "order,product,edition,expires\nSO-1,starface,appliance\n",
            "3 cells, the header has 4",
        ),
        ("order,product,edition,expires\n", "no orders in it"),
    ] {
        fs::write(&orders, text).unwrap();
        let out = batch(&orders, &dir.path().join("l.jsonl"), &[]);
        assert_eq!(out.status.code(), Some(3), "{text}");
        assert!(stderr(&out).contains(says), "{text}: {}", stderr(&out));
    }
    let missing = batch(&orders, &dir.path().join("l.jsonl"), &[]);
    let no_ledger = entitle(&[
        "issue",
        "--batch",
        orders.to_str().unwrap(),
        "--catalog",
        &example("starface/catalog.signed"),
        "--key",
        &example("vendor.secret.pem"),
    ]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(
        stderr(&no_ledger).contains("--batch needs the issuance ledger"),
        "{}",
        stderr(&no_ledger)
    );
}

#[test]
fn two_jobs_minting_the_same_orders_at_once_record_each_order_once() {
    let dir = tempfile::tempdir().unwrap();
    let (orders, ledger) = (dir.path().join("o.csv"), dir.path().join("l.jsonl"));
    let mut csv = format!("{HEADER}\n");
    for i in 0..500 {
        csv.push_str(&format!(
            "SO-{i},starface,appliance,base,,,,FIRMA-{i},,perpetual,,\n"
        ));
    }
    fs::write(&orders, csv).unwrap();
    let job = || {
        Command::new(env!("CARGO_BIN_EXE_entitle"))
            .args(["issue", "--batch", orders.to_str().unwrap(), "--ledger"])
            .arg(&ledger)
            .args(["--catalog", &example("starface/catalog.signed")])
            .args(["--key", &example("vendor.secret.pem")])
            .env_remove("ENTITLE_LEDGER")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Both read at once: the job that holds the ledger may fill its pipe
    // while the other waits for the lock.
    let (a, b) = (job(), job());
    let (a, b) = (
        std::thread::spawn(move || a.wait_with_output().unwrap()),
        std::thread::spawn(move || b.wait_with_output().unwrap()),
    );
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        stderr(&a),
        stderr(&b)
    );
    let (a, b) = (json_lines(&stdout(&a)), json_lines(&stdout(&b)));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["token"], y["token"], "both jobs hand out the one licence");
        assert_ne!(x["new"], y["new"], "exactly one of them minted it");
    }
    assert_eq!(fs::read_to_string(&ledger).unwrap().lines().count(), 500);
}
