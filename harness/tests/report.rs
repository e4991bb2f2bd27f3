//! `wasmbench report` and the report written at the end of `run`, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn report(results: &Path, out: &Path, extra: &[&str]) -> Output {
    wasmbench()
        .arg("report")
        .arg(results)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .expect("wasmbench runs")
}

/// The synthetic results (with throughput rows) written as a results.json in `dir`.
fn synthetic(dir: &Path) -> PathBuf {
    let path = dir.join("results.json");
    let json = serde_json::to_string_pretty(&wasmbench_report::fixture::results()).expect("serialise");
    std::fs::write(&path, json).expect("write fixture");
    path
}

#[test]
fn report_writes_charts_documents_and_exports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = synthetic(dir.path());
    let out = dir.path().join("report");
    let o = report(&input, &out, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for file in [
        "results.csv",
        "results.json",
        "bencher.json",
        "github-action-benchmark.json",
        "report.md",
        "report.html",
        "cold-start-fib.png",
        "warm-latency-fib.png",
        "memory-fib.png",
        "throughput-fib.png",
        "languages.png",
        "relative-execute.png",
        "machine-speed.png",
        "alternatives-fib.png",
        "native-relative.png",
        "cost-fib.png",
    ] {
        let bytes = std::fs::read(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!bytes.is_empty(), "{file} is empty");
        if file.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{file} is a PNG");
        }
    }
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("![Throughput against concurrency — fib](throughput-fib.png)"), "{md}");
    assert!(md.contains("| v8-js | isolate | js |"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 16, "every chart embedded");
    // The exported document reads back with the input's cells.
    let back = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    let back = wasmbench_data::Results::from_json(&back).expect("valid");
    let ids = |r: &wasmbench_data::Results| r.cells.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&back), ids(&wasmbench_report::fixture::results()));
}

#[test]
fn report_without_charts_next_to_its_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = synthetic(dir.path());
    let o = wasmbench().arg("report").arg(&input).arg("--no-charts").output().expect("runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md beside the input");
    assert!(md.contains("Charts were not drawn"), "{md}");
    let pngs = std::fs::read_dir(dir.path())
        .expect("list")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png")))
        .count();
    assert_eq!(pngs, 0);
}

#[test]
fn malformed_old_or_missing_results_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let cases = [
        ("garbage.json", Some("this is { not json"), "not a wasmbench results document"),
        ("old.json", Some("{\"schema_version\": 0, \"cells\": []}"), "schema version 0"),
        ("unversioned.json", Some("{\"cells\": []}"), "no `schema_version`"),
        ("truncated.json", Some("{\"schema_version\": 1, \"cells\": [{\"backend\": \"x\"}]}"), "not a wasmbench results document"),
        ("absent.json", None, "reading"),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        if let Some(c) = content {
            std::fs::write(&path, c).expect("write");
        }
        let o = report(&path, &out, &[]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name} named in: {err}");
        assert!(err.contains(expected), "{name}: `{expected}` in: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    assert!(!out.exists(), "nothing written for refused input");
}

#[test]
fn run_ends_with_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = repo().join("workloads/manifest.toml");
    let o = wasmbench()
        .arg("run")
        .args(["--manifest", manifest.to_str().expect("utf-8"), "--workload", "hello", "--language", "c"])
        .args(["--backend", "wasmtime-winch", "--cold-samples", "2", "--samples", "2", "--min-samples", "2"])
        .args(["--concurrency", "1,2", "--throughput-time", "0.1"])
        .arg("-o")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    for file in ["report.md", "report.html", "bencher.json", "cold-start-hello.png", "warm-latency-hello.png", "throughput-hello.png"] {
        assert!(dir.path().join(file).is_file(), "{file} written by run: {}", text(&o.stderr));
    }
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("| wasmtime-winch | baseline | c |"), "{md}");
    assert!(!md.contains("no throughput measurements"), "the run measured throughput: {md}");
}

/// `--pricing FILE` prices the report under that model (its source is named in report.md);
/// a bad pricing file is refused by name, by `report` and by `run` before it measures.
#[test]
fn pricing_files_are_used_and_bad_ones_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = synthetic(dir.path());
    let default = std::fs::read_to_string(repo().join("report/pricing/default.toml")).expect("default pricing");
    let custom = dir.path().join("custom.toml");
    let renamed = default.replacen("name = \"AWS Lambda", "name = \"Test Cloud, renamed from AWS Lambda", 1);
    assert_ne!(renamed, default, "the default model names its source");
    std::fs::write(&custom, renamed.replace("per_million_requests = 0.20", "per_million_requests = 7.5")).expect("write");
    let out = dir.path().join("custom-out");
    let o = report(&input, &out, &["--no-charts", "--pricing", custom.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("Test Cloud, renamed from AWS Lambda"), "the custom model's source is named");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, default.replace("per_gb_second = ", "per_gb_secnd = ")).expect("write");
    let o = report(&input, &dir.path().join("bad-out"), &["--no-charts", "--pricing", bad.to_str().expect("utf-8")]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("bad.toml"), "{}", text(&o.stderr));

    let run_out = dir.path().join("run-out");
    let o = wasmbench()
        .args(["run", "-b", "wasmi", "-w", "hello", "--language", "c", "--pricing"])
        .arg(&bad)
        .arg("-o")
        .arg(&run_out)
        .output()
        .expect("wasmbench runs");
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("bad.toml"), "{}", text(&o.stderr));
    assert!(!run_out.exists(), "nothing measured or written before the pricing file is read");
}
