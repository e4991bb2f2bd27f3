//! Integration tests of `wasmbench history`: runs added to a SQLite history, their trend
//! drawn, and the newest checked against the ones before it — caught when the slowdown
//! test hook (`WASMBENCH_DEBUG_SLOWDOWN`) makes it slower.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A run counting the instructions of wasmi × hello (c): deterministic, so that an
/// unchanged run never looks slower.
fn count(out: &Path, slowdown: Option<&str>) -> PathBuf {
    let mut cmd = wasmbench();
    cmd.args(["run", "--measure", "instructions", "-b", "wasmi", "-w", "hello", "--language", "c", "--no-charts", "-o"])
        .arg(out)
        .env_remove("WASMBENCH_DEBUG_SLOWDOWN");
    if let Some(s) = slowdown {
        cmd.env("WASMBENCH_DEBUG_SLOWDOWN", s);
    }
    let o = cmd.output().expect("wasmbench runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    out.join("results.json")
}

fn history(db: &Path, args: &[&str]) -> Output {
    wasmbench().arg("history").arg("--db").arg(db).args(args).output().expect("wasmbench history runs")
}

#[test]
fn three_runs_make_a_trend_and_check_catches_the_slowdown_hook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("history.sqlite");
    let o = history(&db, &["check"]);
    assert_eq!(o.status.code(), Some(2), "no history, nothing to check");
    assert!(text(&o.stderr).contains("does not exist") && !db.exists(), "{}", text(&o.stderr));

    let runs: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| count(&dir.path().join(n), None)).collect();
    let o = history(&db, &["add", &runs[0].display().to_string()]);
    assert!(o.status.success() && text(&o.stderr).contains("added run"), "{}", text(&o.stderr));
    assert_eq!(history(&db, &["check"]).status.code(), Some(0), "one run: nothing to check against yet");
    assert_eq!(history(&db, &["check", "--strict"]).status.code(), Some(1), "… which --strict does not accept");
    let mut add = wasmbench();
    add.arg("history").arg("--db").arg(&db).arg("add").args(&runs);
    let o = add.output().expect("add runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr).matches("already in the history").count(), 1, "{}", text(&o.stderr));
    let list = text(&history(&db, &["list"]).stdout);
    assert_eq!(list.lines().filter(|l| l.starts_with("| `")).count(), 3, "{list}");

    let trend_dir = dir.path().join("trend");
    let o = history(&db, &["trend", "--metric", "callgrind/execute", "-o", &trend_dir.display().to_string()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let png = std::fs::read(trend_dir.join("trend-callgrind-execute.png")).expect("trend chart");
    assert!(png.starts_with(b"\x89PNG"));
    let md = std::fs::read_to_string(trend_dir.join("trend-callgrind-execute.md")).expect("trend table");
    assert_eq!(md.lines().filter(|l| l.starts_with("| wasmi × hello (c) |")).count(), 3, "{md}");

    let o = history(&db, &["check", "--last", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stderr).contains("no significant regression"), "{}", text(&o.stderr));

    let slow = count(&dir.path().join("slow"), Some("wasmi=1000000"));
    assert!(history(&db, &["add", &slow.display().to_string()]).status.success());
    let o = history(&db, &["check", "--last", "5"]);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("debug-slowdown=1000000") && text(&o.stderr).contains("FAIL"), "{}", text(&o.stdout));
}

#[test]
fn a_file_that_is_not_a_history_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("notes.sqlite");
    std::fs::write(&db, "not a database\n").expect("write");
    for args in [&["list"][..], &["add", "x.json"], &["check"]] {
        let o = history(&db, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = text(&o.stderr);
        assert!(err.contains("notes.sqlite") && err.contains("not a wasmbench history database"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&db).expect("read"), "not a database\n");
    let o = history(&db, &["trend", "--metric", "warm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not a wasmbench history database"), "the file is looked at first: {}", text(&o.stderr));
}
