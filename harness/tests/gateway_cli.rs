//! `wasmbench serve`, `wasmbench load` and `wasmbench run --scenario http`, through the
//! real binary on loopback.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use wasmbench_data::{Mode, Phase, Results, Unit};

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn hello_wasm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/built/hello.c.wasm")
}

/// `wasmbench serve` on a free port; returns the child and its base URL.
fn serve(extra: &[&str]) -> (Child, String) {
    let mut child = wasmbench()
        .args(["serve", "--listen", "127.0.0.1:0", "--fn"])
        .arg(format!("hello={}", hello_wasm().display()))
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("wasmbench serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("start-up line");
    let addr = line
        .strip_prefix("wasmbench serve: listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected start-up line {line:?}"))
        .to_string();
    (child, addr)
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    // SAFETY: signalling our own child process, not yet reaped.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().expect("serve exits")
}

#[test]
fn load_against_serve_reports_every_request_ok() {
    let (mut server, base) = serve(&["--backend", "wasmtime-pooling"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = dir.path().join("expected");
    std::fs::write(&expected, "Hello, load!\nstdin: 0 bytes\n").expect("write");
    let json = dir.path().join("report.json");
    let out = wasmbench()
        .arg("load")
        .arg(format!("{base}/fn/hello?INPUT=load"))
        .args(["--rate", "100", "--duration", "1", "--connections", "2"])
        .arg("--expect-body-file")
        .arg(&expected)
        .arg("--json")
        .arg(&json)
        .arg("-o")
        .arg(dir.path().join("results"))
        .output()
        .expect("wasmbench load runs");
    let status = terminate(&mut server);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(status.success(), "serve shuts down cleanly on SIGTERM: {status:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid json");
    assert_eq!(report["offered"], 100);
    assert_eq!(report["ok"], 100);
    assert_eq!(report["errors"], serde_json::json!({}));
    assert!(report["latency_us"]["p99"].as_f64().expect("p99") > 0.0);
    let text = std::fs::read_to_string(dir.path().join("results/results.json")).expect("results.json");
    let results = Results::from_json(&text).expect("results document");
    let cell = &results.cells[0];
    let request = cell.measurements.iter().find(|m| m.phase == Phase::Request).expect("request latency");
    assert_eq!((request.mode, request.summary.n, request.concurrency), (Mode::Http, 100, Some(2)));
    assert!(cell.measurements.iter().any(|m| m.phase == Phase::Rate && m.unit == Unit::PerSecond));
}

#[test]
fn load_exits_1_on_errors_and_serve_refuses_bad_input() {
    let (mut server, base) = serve(&[]);
    let out = wasmbench()
        .arg("load")
        .arg(format!("{base}/fn/nope"))
        .args(["--rate", "20", "--duration", "0.5", "--json", "-"])
        .output()
        .expect("wasmbench load runs");
    terminate(&mut server);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"http-404\": 10"), "{stdout}");

    let bad = wasmbench()
        .args(["serve", "--fn", "../etc=/etc/passwd"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid function name `../etc`"));
    let js = wasmbench()
        .args(["serve", "--backend", "v8-js", "--fn"])
        .arg(format!("hello={}", hello_wasm().display()))
        .output()
        .expect("runs");
    assert_eq!(js.status.code(), Some(2));
}

#[test]
fn http_scenario_writes_first_request_and_request_latencies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = wasmbench()
        .args(["run", "--scenario", "http", "-b", "wasmtime-pooling", "-w", "hello", "--language", "c"])
        .args(["--cold-samples", "2", "--samples", "5", "--warmup", "1", "--max-time", "0.3"])
        .arg("-o")
        .arg(dir.path())
        .output()
        .expect("wasmbench run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.path().join("results.json")).expect("results.json");
    let results = Results::from_json(&text).expect("results document");
    assert!(results.complete);
    let cell = &results.cells[0];
    assert_eq!(cell.id.backend, "wasmtime-pooling");
    let find = |phase| cell.measurements.iter().find(|m| m.mode == Mode::Http && m.phase == phase);
    let first = find(Phase::FirstRequest).expect("first-request");
    assert_eq!((first.summary.n, first.concurrency), (2, Some(1)));
    let warm = cell
        .measurements
        .iter()
        .find(|m| m.phase == Phase::Request && m.concurrency == Some(1))
        .expect("sequential request latency");
    assert_eq!(warm.summary.n, 5);
    for m in cell.measurements.iter().filter(|m| m.phase == Phase::Rate) {
        assert_eq!(m.unit, Unit::PerSecond);
        assert!(m.concurrency.is_some_and(|c| c >= 2) && m.summary.median > 0.0, "{m:?}");
    }
    assert!(
        run_for_unknown_scenario().contains("unknown scenario `nope`; valid scenarios: http"),
        "names the valid scenarios"
    );
}

fn run_for_unknown_scenario() -> String {
    let out = wasmbench().args(["run", "--scenario", "nope", "-w", "hello"]).output().expect("runs");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
