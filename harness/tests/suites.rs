//! Peer suites and workloads that read files, through the real `wasmbench` binary: a
//! sightglass-layout folder or `.suite` file runs with every benchmark's folder preopened as
//! `.`, its `bench.start`/`bench.end` region recorded beside the execute phase, stdout and
//! stderr verified; bad suites are refused by name before anything is written.
//!

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasmbench_data::{Cell, ErrorKind, Mode, Phase, Results};

const BACKEND: &str = "wasmtime-cranelift";

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The project's own sightglass-layout test suite.
fn fixture_suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sightglass")
}

/// `wasmbench run` with few samples, no throughput and no sentinel, writing to `out`.
fn run(args: &[&str], out: &Path) -> Output {
    wasmbench()
        .arg("run")
        .args(["--quick", "--concurrency", "0", "--no-sentinel", "--rounds", "1", "--precision", "0"])
        .args(args)
        .arg("-o")
        .arg(out)
        .current_dir(repo())
        .output()
        .expect("wasmbench runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_results(dir: &Path) -> Results {
    let json = std::fs::read_to_string(dir.join("results.json")).expect("results.json written");
    Results::from_json(&json).expect("valid results document")
}

fn median(cell: &Cell, mode: Mode, phase: Phase) -> Option<f64> {
    cell.measurements.iter().find(|m| m.mode == mode && m.phase == phase).map(|m| m.summary.median)
}

fn cell<'r>(results: &'r Results, backend: &str, workload: &str) -> &'r Cell {
    results
        .cells
        .iter()
        .find(|c| c.id.backend == backend && c.id.workload == workload)
        .unwrap_or_else(|| panic!("no cell {backend} × {workload}: {:?}", results.cells.iter().map(|c| &c.id).collect::<Vec<_>>()))
}

/// A measured suite cell: verified, its region inside its execute phase, its module's size
/// and compile time recorded like any workload's.
fn assert_suite_cell(c: &Cell, module: &Path) {
    assert!(c.error.is_none(), "{}: {:?}", c.id, c.error);
    assert_eq!(c.id.language, "wasm");
    let region = median(c, Mode::Warm, Phase::BenchRegion).unwrap_or_else(|| panic!("{}: no warm bench-region", c.id));
    let execute = median(c, Mode::Warm, Phase::Execute).expect("warm execute");
    assert!(region > 0.0 && region <= execute, "{}: region {region} within execute {execute}", c.id);
    let bytes = std::fs::metadata(module).expect("module").len();
    assert_eq!(c.module_bytes, bytes, "{}", c.id);
    assert!(median(c, Mode::Cold, Phase::Prepare).is_some_and(|p| p > 0.0), "{}: compile time", c.id);
}

/// A one-module benchmark folder `dir/name` that needs no file: it marks a region, prints
/// `out\n` on stdout and `err\n` on stderr; `stderr_expected` is what its
/// `benchmark.stderr.expected` says.
fn fileless_benchmark(dir: &Path, name: &str, stderr_expected: &str) {
    const WAT: &str = r#"(module
      (import "bench" "start" (func $start))
      (import "bench" "end" (func $end))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "out\n")
      (data (i32.const 32) "err\n")
      (func $print (param $fd i32) (param $at i32)
        (i32.store (i32.const 0) (local.get $at))
        (i32.store (i32.const 4) (i32.const 4))
        (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func (export "_start") (local $i i32)
        (call $start)
        (loop $spin (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $spin (i32.lt_u (local.get $i) (i32.const 100000))))
        (call $end)
        (call $print (i32.const 1) (i32.const 16))
        (call $print (i32.const 2) (i32.const 32))))"#;
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("benchmark.wasm"), wat::parse_str(WAT).expect("wat")).expect("module");
    std::fs::write(folder.join("benchmark.stdout.expected"), "out\n").expect("stdout");
    std::fs::write(folder.join("benchmark.stderr.expected"), stderr_expected).expect("stderr");
}

/// Works before the backends map preopens: a suite whose modules read no file runs, its
/// regions are recorded, and a benchmark whose stderr differs from its
/// `.stderr.expected` is an error, not a data point.
#[test]
fn suite_cells_record_regions_and_a_wrong_stderr_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = dir.path().join("benchmarks");
    fileless_benchmark(&suite, "good", "err\n");
    fileless_benchmark(&suite, "bad-stderr", "something else\n");
    let out = dir.path().join("out");
    let o = run(&["--suite", suite.to_str().expect("utf-8"), "-b", BACKEND], &out);
    assert_eq!(o.status.code(), Some(1), "one failed cell → exit 1\n{}", text(&o.stderr));
    let results = read_results(&out);
    assert_eq!(results.cells.len(), 2, "{:?}", results.cells);
    assert_suite_cell(cell(&results, BACKEND, "good"), &suite.join("good/benchmark.wasm"));
    let bad = cell(&results, BACKEND, "bad-stderr");
    let err = bad.error.as_ref().expect("a wrong stderr fails the cell");
    assert_eq!(err.kind, ErrorKind::WrongOutput);
    assert!(err.message.contains("stderr differs"), "{}", err.message);
    assert!(bad.measurements.iter().all(|m| m.phase != Phase::Execute), "no data from a wrong answer");
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let section = report.find("## Benchmark regions").expect("the report has a region section");
    assert!(report[section..].contains("| good |"), "{report}");
}

/// The project's fixture suite, as a folder and as a `.suite` file: both benchmarks read
/// `default.input` from their folder, their regions are recorded and shown in the report.
#[test]
fn the_fixture_suite_runs_as_a_folder_and_as_a_suite_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = format!("{}/", fixture_suite().display());
    let file = fixture_suite().join("all.suite");
    for (i, suite) in [folder.as_str(), file.to_str().expect("utf-8")].into_iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let o = run(&["--suite", suite, "-b", BACKEND, "--no-external"], &out);
        assert!(o.status.success(), "{suite}: {}", text(&o.stderr));
        let results = read_results(&out);
        assert_eq!(results.cells.len(), 2, "{suite}");
        for name in ["wc", "checksum"] {
            assert_suite_cell(cell(&results, BACKEND, name), &fixture_suite().join(name).join("benchmark.wasm"));
        }
        let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
        assert!(report.contains("## Benchmark regions") && report.contains("| checksum |"), "{report}");
    }
}

/// node's `node:wasi` already preopens folders: its external rows read the fixture suite's
/// files and the file workloads' data today (skipped when node 20+ is not installed).
#[test]
fn node_wasi_reads_the_files_of_suites_and_workloads() {
    let node = Command::new("node").arg("--version").output();
    let major = node.ok().and_then(|o| text(&o.stdout).trim().trim_start_matches('v').split('.').next()?.parse::<u32>().ok());
    if major.is_none_or(|m| m < 20) {
        eprintln!("skipped: node 20 or newer is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = format!("{}/", fixture_suite().display());
    let backends = format!("{BACKEND},node-wasi");
    let runs: [(&[&str], [&str; 2]); 2] = [(&["--suite", &suite], ["wc", "checksum"]), (&["-w", "wordfreq,csvagg"], ["wordfreq", "csvagg"])];
    for (i, (args, names)) in runs.into_iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let mut args = args.to_vec();
        args.extend(["-b", backends.as_str()]);
        let o = run(&args, &out);
        let results = read_results(&out);
        for name in names {
            let c = cell(&results, "node-wasi", name);
            assert!(c.error.is_none(), "{}: {:?}\n{}", c.id, c.error, text(&o.stderr));
            assert!(median(c, Mode::Cold, Phase::Process).is_some(), "{}", c.id);
        }
    }
}

/// The manifest's workloads that read their input from a file verify on a backend.
#[test]
fn workloads_with_files_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = run(&["-w", "wordfreq,csvagg", "-b", BACKEND, "--no-external"], &out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let results = read_results(&out);
    for name in ["wordfreq", "csvagg"] {
        let c = cell(&results, BACKEND, name);
        assert!(c.error.is_none(), "{}: {:?}", c.id, c.error);
        // Serverless-shaped: a run well under 50 ms.
        let execute = median(c, Mode::Warm, Phase::Execute).expect("warm execute");
        assert!(execute < 50e6, "{}: warm execute {execute} ns", c.id);
    }
    let v = wasmbench()
        .args(["validate", "-b", BACKEND, "workloads/built/wordfreq.c.wasm", "workloads/built/csvagg.c.wasm"])
        .current_dir(repo())
        .output()
        .expect("runs");
    assert!(v.status.success(), "{}{}", text(&v.stdout), text(&v.stderr));
    assert_eq!(text(&v.stdout).matches("output verified").count(), 2, "{}", text(&v.stdout));
}

/// Bad suites stop the run before anything is written, naming the bad input; the results
/// of an earlier run in the output folder stay as they were.
#[test]
fn bad_suites_are_refused_by_name_and_earlier_results_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("results.json"), "earlier results").expect("earlier results");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    fileless_benchmark(dir.path(), "unchecked", "err\n");
    std::fs::remove_file(dir.path().join("unchecked/benchmark.stdout.expected")).expect("rm");
    let missing = dir.path().join("missing.suite");
    std::fs::write(&missing, "# one good, one missing\nunchecked/benchmark.wasm\nnowhere/benchmark.wasm\n").expect("suite");
    let cases = [
        (format!("{}/", empty.display()), vec!["empty", "no benchmark module"]),
        (missing.display().to_string(), vec!["missing.suite", "line 3", "nowhere/benchmark.wasm", "does not exist"]),
        (format!("{}/unchecked/", dir.path().display()), vec!["`unchecked`", "benchmark.stdout.expected", "missing"]),
        (dir.path().join("absent.suite").display().to_string(), vec!["absent.suite"]),
    ];
    for (suite, needles) in cases {
        let o = run(&["--suite", &suite, "-b", BACKEND], &out);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{suite}: {stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{suite}: `{needle}` in {stderr}");
        }
        assert_eq!(std::fs::read_to_string(out.join("results.json")).expect("kept"), "earlier results");
    }
    let o = run(&["--small", "-w", "hello", "-b", BACKEND], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--small applies to a peer suite only"), "{}", text(&o.stderr));
}

/// A manifest whose preopen folder is missing is refused naming the manifest, the workload
/// and the folder.
#[test]
fn a_missing_preopen_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("manifest.toml");
    std::fs::write(
        &manifest,
        "schema = 1\n[[workload]]\nname = \"reader\"\npreopen = { dir = \"reader/data\" }\n\
         expected_stdout = \"reader/expected.stdout\"\n[[workload.module]]\nlanguage = \"c\"\nwasm = \"reader.wasm\"\n",
    )
    .expect("manifest");
    let o = wasmbench().args(["list", "--manifest"]).arg(&manifest).output().expect("runs");
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    for needle in ["manifest.toml", "workload `reader`", "`reader/data`", "does not exist"] {
        assert!(stderr.contains(needle), "`{needle}` in {stderr}");
    }
}
