//! `wasmbench conformance`: the project's own WASI test folder (conformance/wasi) through
//! the real binary, and the exit status on unexpected, known and malformed input.
//! `every_test_on_every_backend` holds the whole folder, file-system tests included, to
//! "every result is a pass or a known failure" on every backend compiled in.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Fast backends: two interpreters and a JIT.
const FAST: &str = "wasmi,wamr-interp,wasmtime-cranelift";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/wasi")
}

fn conformance(args: &[&str], folder: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
        .arg("conformance")
        .arg(folder)
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .expect("wasmbench runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The names of the project's tests, and whether each needs a preopened root.
fn project_tests() -> Vec<(String, bool)> {
    let mut tests: Vec<(String, bool)> = std::fs::read_dir(suite())
        .expect("conformance/wasi")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .map(|p| {
            let spec = std::fs::read_to_string(p.with_extension("json")).expect("every project test has a spec");
            let value: serde_json::Value = serde_json::from_str(&spec).expect("spec is JSON");
            let name = p.file_stem().and_then(|s| s.to_str()).expect("name").to_string();
            (name, value.get("root").is_some())
        })
        .collect();
    tests.sort();
    tests
}

/// The long-format CSV as (test, backend, result, known) rows.
fn csv_rows(out: &Path) -> Vec<(String, String, String, String)> {
    let mut reader = csv::Reader::from_path(out.join("conformance.csv")).expect("conformance.csv written");
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    assert_eq!(header, ["test", "backend", "result", "exit_code", "expected_exit_code", "known", "detail"]);
    reader
        .records()
        .map(|r| {
            let r = r.expect("csv row");
            (r[0].to_string(), r[1].to_string(), r[2].to_string(), r[5].to_string())
        })
        .collect()
}

#[test]
fn project_folder_is_complete_and_built_from_its_sources() {
    let tests = project_tests();
    assert!(tests.len() >= 40, "{} tests", tests.len());
    for (name, _) in &tests {
        assert!(suite().join("src").join(format!("{name}.wat")).is_file(), "{name} has no source");
    }
    let sources = std::fs::read_dir(suite().join("src")).expect("src").filter_map(|e| e.ok()).count();
    // Every source and the lib/ folder.
    assert_eq!(sources, tests.len() + 1, "a source without its built module");
    // The byte-for-byte rebuild needs wabt's wat2wasm (scripts/build-conformance.sh).
    if Command::new("wat2wasm").arg("--version").output().is_ok() {
        let script = suite().join("../../scripts/build-conformance.sh");
        let out = Command::new("bash").arg(script).arg("--check").output().expect("build-conformance runs");
        assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    }
}

#[test]
fn tests_without_a_root_pass_on_fast_backends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let no_root: Vec<String> = project_tests().into_iter().filter(|(_, root)| !root).map(|(n, _)| n).collect();
    let chosen = no_root.join(",");
    let out = conformance(&["-b", FAST, "-t", &chosen], &suite(), dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let rows = csv_rows(dir.path());
    assert_eq!(rows.len(), no_root.len() * 3, "one row per test and backend");
    for name in &no_root {
        for backend in FAST.split(',') {
            let row = rows.iter().find(|r| &r.0 == name && r.1 == backend).expect("a row for every pair");
            // A result that is not a pass must be listed in conformance/wasi/expectations.
            assert!(row.2 == "pass" || row.3 == "true", "{row:?}");
        }
    }
    assert_eq!(stderr.lines().filter(|l| l.starts_with('[')).count(), rows.len(), "a progress line per run: {stderr}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("conformance.json")).expect("json")).expect("valid JSON");
    assert_eq!(json["schema"], "wasmbench-conformance/1");
    assert_eq!(json["results"].as_array().map(Vec::len), Some(rows.len()));
    let md = std::fs::read_to_string(dir.path().join("conformance.md")).expect("md");
    assert!(md.contains("| test | wasmi | wamr-interp | wasmtime-cranelift |"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("conformance.html")).expect("html");
    assert!(html.contains("<td class=\"pass\""));
    let png = std::fs::read(dir.path().join("conformance.png")).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
    // Summary table on stdout.
    assert!(text(&out.stdout).contains("| wasmi | "), "{}", text(&out.stdout));
}

#[test]
fn every_test_on_every_backend() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A short deadline: wasmer's known hang (poll_oneoff with a 0 ns timer) ends sooner.
    let out = conformance(&["--deadline", "3"], &suite(), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A folder with one test `t`: proc_exit_42 from the project's folder, with this spec.
fn one_test_folder(spec: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(suite().join("proc_exit_42.wasm"), dir.path().join("t.wasm")).expect("copy module");
    std::fs::write(dir.path().join("t.json"), spec).expect("write spec");
    dir
}

#[test]
fn an_unexpected_failure_exits_1_and_a_known_one_0() {
    let suite = one_test_folder(r#"{"exit_code": 3, "stdout": "forty-two\n"}"#);
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = conformance(&["-b", "wasmi"], suite.path(), out_dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("t on wasmi: fail — exit code 42, expected 3"), "{stderr}");
    assert_eq!(csv_rows(out_dir.path()), [("t".into(), "wasmi".into(), "fail".into(), "false".into())]);

    std::fs::create_dir(suite.path().join("expectations")).expect("mkdir");
    std::fs::write(suite.path().join("expectations/wasmi.txt"), "t  fail  # the spec is wrong on purpose\n").expect("write");
    let out = conformance(&["-b", "wasmi"], suite.path(), out_dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(csv_rows(out_dir.path()), [("t".into(), "wasmi".into(), "fail".into(), "true".into())]);

    // Listed as a failure but passing: a note, still exit 0.
    std::fs::write(suite.path().join("t.json"), r#"{"exit_code": 42, "stdout": "forty-two\n"}"#).expect("write");
    let out = conformance(&["-b", "wasmi"], suite.path(), out_dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("`t` passes on wasmi, which lists it as a known failure"));
}

#[test]
fn bad_input_exits_2_and_names_it() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let suite = one_test_folder(r#"{"exit_code": "42"}"#);
    let out = conformance(&["-b", "wasmi"], suite.path(), out_dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("t.json: key `exit_code`: expected a whole number"), "{stderr}");

    std::fs::write(suite.path().join("t.json"), r#"{"stdin": "x"}"#).expect("write");
    let stderr = text(&conformance(&["-b", "wasmi"], suite.path(), out_dir.path()).stderr);
    assert!(stderr.contains("t.json: unknown key `stdin`"), "{stderr}");

    let missing = suite.path().join("no-such-folder");
    let out = conformance(&[], &missing, out_dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-folder does not exist"), "{}", text(&out.stderr));

    let empty = tempfile::tempdir().expect("tempdir");
    let out = conformance(&[], empty.path(), out_dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds no test module (*.wasm)"), "{}", text(&out.stderr));

    let good = one_test_folder("{}");
    std::fs::create_dir(good.path().join("expectations")).expect("mkdir");
    std::fs::write(good.path().join("expectations/wasmi.txt"), "t pass\n").expect("write");
    let out = conformance(&["-b", "wasmi"], good.path(), out_dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("wasmi.txt: line 1: expected `test-name  fail|error  # reason`"), "{}", text(&out.stderr));

    let out = conformance(&["-b", "v8-js"], good.path(), out_dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("runs JavaScript"), "{}", text(&out.stderr));
}
