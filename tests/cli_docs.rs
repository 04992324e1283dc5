//! docs/cli.md cannot drift from the command: every ```console block in it
//! runs, from a copy of the repository's keys-example/, with the real
//! `entitle`, and its standard output must match what the page shows.
//!
//! The conventions are trycmd's: `$ ` starts a command (run by bash), the
//! lines after it are its standard output, `? N` right after a command is
//! its exit code (0 when absent), `[..]` in a line stands for any text, a
//! line `...` for any number of lines. A failing command's one-line error
//! (standard error) is compared too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::process::Command;

use common::docs::{path_with_entitle, workspace};

const PAGE: &str = include_str!("../docs/cli.md");

struct Example {
    command: String,
    code: i32,
    expected: Vec<String>,
}

fn examples(markdown: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut inside = false;
    for line in markdown.lines() {
        match (inside, line.trim_end()) {
            (false, "```console") => inside = true,
            (true, "```") => inside = false,
            (true, line) => {
                if let Some(command) = line.strip_prefix("$ ") {
                    examples.push(Example {
                        command: command.to_string(),
                        code: 0,
                        expected: Vec::new(),
                    });
                } else if let Some(example) = examples.last_mut() {
                    match line.strip_prefix("? ") {
                        Some(code) if example.expected.is_empty() => {
                            example.code = code.parse().unwrap();
                        }
                        _ => example.expected.push(line.to_string()),
                    }
                }
            }
            (false, _) => {}
        }
    }
    examples
}

/// Whether `line` matches `pattern`, where `[..]` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether `lines` match `patterns`, where a pattern line `...` stands for
/// any number of lines.
fn lines_match(patterns: &[String], lines: &[&str]) -> bool {
    match patterns.split_first() {
        None => lines.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((first, rest)) => lines
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

#[test]
fn every_console_example_of_the_cli_reference_runs_as_shown() {
    let examples = examples(PAGE);
    assert!(examples.len() >= 5, "docs/cli.md lost its examples");
    let dir = workspace();
    let path = path_with_entitle();
    for example in examples {
        let out = Command::new("bash")
            .args(["-c", &example.command])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env_remove("ENTITLE_SIGNING_KEY")
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(example.code),
            "$ {}\n{stderr}",
            example.command
        );
        let mut shown: Vec<&str> = stdout.lines().collect();
        if example.code != 0 {
            shown.extend(stderr.lines());
        }
        assert!(
            lines_match(&example.expected, &shown),
            "$ {}\nthe page shows:\n{}\nthe command printed:\n{}",
            example.command,
            example.expected.join("\n"),
            shown.join("\n")
        );
    }
}

#[test]
fn the_pattern_rules_hold() {
    assert!(line_matches("a [..] c", "a b b c"));
    assert!(!line_matches("a [..] c", "a b b d"));
    assert!(line_matches("[..]", "anything"));
    assert!(!line_matches("exact", "exactly"));
    let patterns = ["x".to_string(), "...".to_string(), "z".to_string()];
    assert!(lines_match(&patterns, &["x", "y", "y", "z"]));
    assert!(lines_match(&patterns, &["x", "z"]));
    assert!(!lines_match(&patterns, &["x", "y"]));
}
