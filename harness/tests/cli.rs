//! Integration tests: drive the real `wasmbench` binary and check what it writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasmbench_data::{ErrorKind, Mode, Phase, Results};

const WASMTIME: [&str; 7] = [
    "wasmtime-cranelift",
    "wasmtime-winch",
    "wasmtime-pulley",
    "wasmtime-aot",
    "wasmtime-pooling",
    "wasmtime-pooling-resident",
    "wasmtime-pooling-checked",
];

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifest.toml")
}

/// A manifest in `dir` with one workload: a fixture module and its expected stdout.
fn one_workload_manifest(dir: &Path, name: &str, module: &str, expected: &str) -> PathBuf {
    let fixtures_dir = fixtures().parent().expect("fixtures folder").to_path_buf();
    let manifest = dir.join("manifest.toml");
    std::fs::write(
        &manifest,
        format!(
            "schema = 1\n[[workload]]\nname = \"{name}\"\nenv = {{ INPUT = \"x\" }}\n\
             expected_stdout = \"{}\"\n[[workload.module]]\nlanguage = \"wat\"\nwasm = \"{}\"\n",
            fixtures_dir.join(expected).display(),
            fixtures_dir.join(module).display()
        ),
    )
    .expect("write manifest");
    manifest
}

fn run(args: &[&str], out: &Path) -> Output {
    wasmbench()
        .arg("run")
        .args(args)
        .arg("-o")
        .arg(out)
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

fn read_csv(dir: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(dir.join("results.csv")).expect("results.csv written");
    let header = reader.headers().expect("header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["backend", "kind", "workload", "language", "mode", "phase", "statistic", "value", "unit", "note"]
    );
    reader.records().map(|r| r.expect("csv row")).collect()
}

fn median(results: &Results, backend: &str, workload: &str, mode: Mode, phase: Phase) -> f64 {
    results
        .cells
        .iter()
        .find(|c| c.id.backend == backend && c.id.workload == workload)
        .and_then(|c| c.measurements.iter().find(|m| m.mode == mode && m.phase == phase))
        .map(|m| m.summary.median)
        .unwrap_or_else(|| panic!("no {mode} {phase} for {backend} × {workload}"))
}

/// Wrong output, a trap and an endless loop each fail their own cell with a clear error;
/// the good cells around them are measured and written.
#[test]
fn bad_cells_fail_alone_and_good_cells_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = fixtures();
    let out = run(
        &[
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
            "--backend",
            "wasmtime-cranelift,wasmtime-aot",
            "--cold-samples",
            "2",
            "--samples",
            "3",
            // Exactly the samples asked for: no extra rounds for precision.
            "--precision",
            "0",
            "--deadline",
            "0.3",
            "--concurrency",
            "2",
            "--throughput-time",
            "0.1",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "failed cells → exit 1\n{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("6 of 10 cells failed"), "{stderr}");

    let results = read_results(dir.path());
    assert!(results.complete);
    assert!(results.missing.is_empty());
    assert_eq!(results.cells.len(), 10);
    for cell in &results.cells {
        let expected = match cell.id.workload.as_str() {
            "ok" | "exit3" => None,
            "wrong" => Some(ErrorKind::WrongOutput),
            "trap" => Some(ErrorKind::Trap),
            "spin" => Some(ErrorKind::Timeout),
            other => panic!("unexpected workload {other}"),
        };
        assert_eq!(cell.error.as_ref().map(|e| e.kind), expected, "{}", cell.id);
        if let Some(err) = &cell.error {
            assert!(cell.measurements.is_empty(), "a failed cell has no data: {}", cell.id);
            match err.kind {
                ErrorKind::WrongOutput => assert!(err.message.contains("\"not ok\\n\" was expected"), "{}", err.message),
                ErrorKind::Trap => assert!(err.message.contains("unreachable"), "{}", err.message),
                ErrorKind::Timeout => assert!(err.message.contains("deadline"), "{}", err.message),
                _ => {}
            }
        } else {
            let warm = cell
                .measurements
                .iter()
                .find(|m| m.mode == Mode::Warm && m.phase == Phase::Execute)
                .expect("warm execute");
            assert_eq!(warm.samples.len(), 3);
            let cold = cell
                .measurements
                .iter()
                .find(|m| m.mode == Mode::Cold && m.phase == Phase::Process)
                .expect("cold process");
            assert_eq!(cold.samples.len(), 2);
        }
    }
    // The AOT cell reports its precompilation separately, and an artifact size.
    let aot = results
        .cells
        .iter()
        .find(|c| c.id.backend == "wasmtime-aot" && c.id.workload == "ok")
        .expect("aot cell");
    assert!(aot.artifact_bytes.is_some_and(|b| b > 0));
    assert!(aot.measurements.iter().any(|m| m.mode == Mode::Once && m.phase == Phase::Precompile));

    // CSV: the same cells, long format, errors as rows with their kind.
    let rows = read_csv(dir.path());
    let errors: Vec<_> = rows.iter().filter(|r| &r[6] == "error").collect();
    assert_eq!(errors.len(), 6);
    assert!(errors.iter().any(|r| &r[2] == "spin" && &r[5] == "timeout"));
    assert!(rows.iter().any(|r| &r[2] == "exit3" && &r[4] == "warm" && &r[5] == "execute" && &r[6] == "median"));
}

/// The real workloads on every Wasmtime backend: verified outputs, every phase present,
/// values that make physical sense.
#[test]
fn quick_run_of_real_workloads_has_sane_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = repo().join("workloads/manifest.toml");
    let out = run(
        &[
            "--manifest",
            manifest.to_str().expect("utf-8 path"),
            "--workload",
            "hello",
            "--language",
            "c",
            "--cold-samples",
            "2",
            "--samples",
            "4",
            "--concurrency",
            "1,2",
            "--throughput-time",
            "0.1",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("| wasmtime-pulley | interpreter | hello | c |"), "{summary}");

    let results = read_results(dir.path());
    let env = &results.environment;
    assert!(env.cores > 0);
    assert!(!env.kernel.is_empty() && env.kernel != "unknown");
    assert_eq!(env.runtime_versions.get("wasmtime").map(String::as_str), Some("48.0.0"));
    assert!(env.rustc.starts_with("rustc "), "{}", env.rustc);

    // Every backend compiled in (no --backend given), the five Wasmtime ones at least.
    let backends: Vec<&str> = results.cells.iter().map(|c| c.id.backend.as_str()).collect();
    for b in WASMTIME {
        assert!(backends.contains(&b), "{b} in {backends:?}");
    }
    if cfg!(feature = "wasmi") {
        assert!(backends.contains(&"wasmi") && backends.contains(&"wasmi-lazy"), "{backends:?}");
    }
    for &b in &backends {
        let cell = results.cells.iter().find(|c| c.id.backend == b).expect("cell per backend");
        assert!(cell.error.is_none(), "{b}: {:?}", cell.error);
        assert!(cell.module_bytes > 0);
        use wasmbench_data::BackendKind::{Container, External, Native};
        if matches!(cell.kind, External | Native | Container) {
            continue; // process backends: whole-process rows, checked below
        }
        let m = |mode, phase| median(&results, b, "hello", mode, phase);
        for phase in [Phase::Engine, Phase::Prepare, Phase::Instantiate, Phase::Execute] {
            assert!(m(Mode::Cold, phase) > 0.0, "{b} cold {phase}");
        }
        // The parent's wall time of a child process includes everything the child did.
        assert!(m(Mode::Cold, Phase::Process) > m(Mode::Cold, Phase::Total), "{b}");
        // A process cannot start, compile and run in under 100 µs, nor take a minute.
        assert!((1e5..6e10).contains(&m(Mode::Cold, Phase::Process)), "{b}");
        assert!(m(Mode::Cold, Phase::PeakRss) > 1e6, "{b}: peak RSS in bytes");
        assert!(m(Mode::Warm, Phase::Execute) > 0.0);
        if b.starts_with("v8-") {
            // An isolate's JS heap, from V8's own statistics: hundreds of KiB at least.
            assert!(m(Mode::Warm, Phase::EngineHeap) > 1e5, "{b}: engine heap in bytes");
        }
        // Throughput at each level: a positive rate and request latencies whose count
        // matches the rate over roughly the measured time.
        for c in [1, 2] {
            let level = |phase| {
                cell.measurements
                    .iter()
                    .find(|m| m.mode == Mode::Throughput && m.phase == phase && m.concurrency == Some(c))
                    .unwrap_or_else(|| panic!("{b}: throughput {phase} at concurrency {c}"))
            };
            let rate = level(Phase::Rate).summary.median;
            let requests = level(Phase::Request);
            assert!(rate > 0.0, "{b} c{c}");
            assert!(requests.summary.n >= c as usize, "{b} c{c}: every thread completed a request");
            assert!(requests.summary.min <= requests.summary.median && requests.summary.median <= requests.summary.max);
            assert!(!requests.samples.is_empty() && requests.samples.len() <= requests.summary.n);
            // What the kernel did per request comes with every level: faults and context
            // switches always, system calls where perf tracepoints are allowed (root here).
            for phase in [Phase::Faults, Phase::ContextSwitches] {
                assert_eq!(level(phase).unit, wasmbench_data::Unit::PerRequest, "{b} {phase}");
            }
            let mm = cell
                .measurements
                .iter()
                .find(|m| m.phase == Phase::MmSyscalls && m.concurrency == Some(c))
                .map(|m| m.summary.median);
            // The pooling allocator gives a recycled slot's pages back with madvise and
            // resets its protection with mprotect; with resident slots and explicit bounds
            // checks it makes no address-space call at all (README: "Why Wasmtime ...").
            match (b, mm) {
                ("wasmtime-pooling", Some(mm)) => assert!(mm >= 1.0, "{b} c{c}: {mm} mm calls per request"),
                ("wasmtime-pooling-checked", Some(mm)) => assert!(mm < 0.1, "{b} c{c}: {mm} mm calls per request"),
                _ => {}
            }
        }
    }
    // External CLIs, where installed, add whole-process reference rows of kind `external`.
    if std::process::Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let node = results.cells.iter().find(|c| c.id.backend == "node-wasi").expect("node-wasi row");
        assert!(node.error.is_none(), "{:?}", node.error);
        assert_eq!(node.kind, wasmbench_data::BackendKind::External);
        assert!(median(&results, "node-wasi", "hello", Mode::Cold, Phase::Process) > 1e6);
    }

    let rows = read_csv(dir.path());
    let process: Vec<&str> = wasmbench::process_backend::ProcessBackend::ALL.iter().map(|b| b.name()).collect();
    let runtimes = backends.iter().filter(|b| !process.contains(b));
    assert!(rows.iter().any(|r| &r[4] == "throughput" && &r[5] == "rate-c2" && &r[7] != ""));
    for &b in runtimes {
        for mode in ["cold", "warm", "throughput"] {
            assert!(
                rows.iter().any(|r| &r[0] == b && &r[4] == mode && &r[6] == "median"),
                "{b} has {mode} rows"
            );
        }
    }
}

#[test]
fn list_shows_backends_with_kinds_and_workloads_with_languages() {
    let out = wasmbench().arg("list").current_dir(repo()).output().expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for (name, kind) in [
        ("wasmtime-cranelift", "jit"),
        ("wasmtime-winch", "baseline"),
        ("wasmtime-pulley", "interpreter"),
        ("wasmtime-aot", "aot"),
        ("wasmtime-pooling", "jit"),
        ("wasmtime-pooling-resident", "jit"),
        ("wasmtime-pooling-checked", "jit"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} listed:\n{stdout}"));
        assert!(line.contains(kind), "{line}");
    }
    for workload in ["hello", "sha256", "fib"] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(workload))
            .unwrap_or_else(|| panic!("{workload} listed:\n{stdout}"));
        let languages = line.split_whitespace().nth(2).unwrap_or_default();
        assert!(languages.split(',').any(|l| l == "c"), "{workload} has language c: {line}");
    }
    // Every module with its size and features.
    assert!(
        stdout.lines().any(|l| l.contains("hello") && l.contains("c ") && l.contains("bulk-memory")),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_are_named_in_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&["--backend", "wasmtime-llvm"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown backend `wasmtime-llvm`"), "{stderr}");
    assert!(stderr.contains("wasmtime-cranelift"), "lists valid names: {stderr}");

    let out = run(&["--workload", "nope", "--manifest", fixtures().to_str().expect("utf-8")], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown workload `nope`") && stderr.contains("ok, wrong"), "{stderr}");

    let out = run(&["--manifest", "/nonexistent/manifest.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/manifest.toml"));
    assert!(!dir.path().join("results.json").exists(), "nothing written for bad input");
}

/// Wrong output, no `_start` and an unknown import module: three distinct, clear errors.
#[test]
fn validate_tells_three_contract_violations_apart() {
    let fixtures_dir = fixtures().parent().expect("fixtures folder").to_path_buf();
    let out = wasmbench()
        .args(["validate", "--deadline", "0.5", "--manifest"])
        .arg(fixtures())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let manifest_report = text(&out.stdout);
    let wrong = manifest_report
        .lines()
        .find(|l| l.contains("wrong-output"))
        .unwrap_or_else(|| panic!("wrong output reported:\n{manifest_report}"));
    assert!(wrong.contains("wrong-output: stdout differs"), "{wrong}");
    assert!(manifest_report.contains("trap.wat: trap"), "{manifest_report}");
    assert!(manifest_report.contains("spin.wat: timeout"), "{manifest_report}");
    assert!(
        manifest_report.lines().any(|l| l.starts_with("ok") && l.contains("exit3.wat") && l.contains("output verified")),
        "{manifest_report}"
    );

    let out = wasmbench()
        .arg("validate")
        .arg(fixtures_dir.join("nostart.wat"))
        .arg(fixtures_dir.join("foreign.wat"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("nostart.wat: invalid: exports no `_start` function"), "{report}");
    assert!(report.contains("foreign.wat: unlinkable: imports from outside WASI preview1"), "{report}");
    assert!(report.contains("env::now"), "{report}");
}

/// A module needing a feature the backend lacks is reported as unsupported, up front.
#[test]
fn missing_feature_is_unsupported_not_an_obscure_failure() {
    if !cfg!(feature = "wasmi") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = one_workload_manifest(dir.path(), "simd", "simd.wat", "empty.stdout");
    let out = run(
        &["--manifest", manifest.to_str().expect("utf-8"), "-b", "wasmi,wasmtime-cranelift", "--quick"],
        &dir.path().join("out"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let results = read_results(&dir.path().join("out"));
    let wasmi = results.cells.iter().find(|c| c.id.backend == "wasmi").expect("wasmi cell");
    let err = wasmi.error.as_ref().expect("unsupported");
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert!(err.message.contains("simd") && err.message.contains("wasmi"), "{}", err.message);
    let wasmtime = results.cells.iter().find(|c| c.id.backend == "wasmtime-cranelift").expect("cell");
    assert!(wasmtime.error.is_none(), "{:?}", wasmtime.error);
    assert_eq!(wasmtime.module_features, ["simd"]);
}

/// Killing a run mid-way leaves valid CSV and JSON of the cells already measured, and the
/// JSON says which cells are missing.
/// Samples are spread over rounds of fresh worker processes; `--precision` adds warm
/// rounds to a cell whose median is not yet precise, and only then.
#[test]
fn samples_are_spread_over_rounds_and_precision_adds_rounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = fixtures();
    let base = ["--manifest", manifest.to_str().expect("utf-8"), "-w", "ok", "-b", "wasmtime-cranelift"];
    let base = [&base[..], &["--concurrency", "0", "--no-external", "--no-charts", "--warmup", "0"]].concat();
    let count = |results: &Results, mode, phase| {
        results.cells[0]
            .measurements
            .iter()
            .find(|m| m.mode == mode && m.phase == phase)
            .map(|m| m.summary.n)
    };

    let fixed = dir.path().join("fixed");
    let args = [&base[..], &["--rounds", "3", "--precision", "0", "--samples", "7", "--cold-samples", "4"]].concat();
    let out = run(&args, &fixed);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results = read_results(&fixed);
    assert_eq!((results.config.rounds, results.config.max_rounds), (3, 12));
    assert_eq!(count(&results, Mode::Warm, Phase::Execute), Some(7), "7 warm samples over 3 rounds");
    assert_eq!(count(&results, Mode::Cold, Phase::Process), Some(4), "4 cold samples over 3 rounds");
    // Per-instance memory is measured once, not once per round.
    let rss = results.cells[0].measurements.iter().filter(|m| m.phase == Phase::InstanceRss).count();
    assert_eq!(rss, 3, "K = 1, 10, 100");

    // A target no median meets: every extra round up to --max-rounds, each the size of
    // the first round's share.
    let extra = dir.path().join("extra");
    let args = [&base[..], &["--rounds", "1", "--max-rounds", "3", "--precision", "0.000001", "--samples", "2"]].concat();
    let out = run(&args, &extra);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results = read_results(&extra);
    assert_eq!(count(&results, Mode::Warm, Phase::Execute), Some(6), "2 samples in each of 3 rounds");
    assert!((results.config.precision_pct - 0.000001).abs() < 1e-12);

    for (args, message) in [
        (vec!["--rounds", "0"], "--rounds must be at least 1"),
        (vec!["--rounds", "3", "--max-rounds", "2"], "--max-rounds (2) is smaller than --rounds (3)"),
        (vec!["--precision=-1"], "--precision must be a percentage"),
    ] {
        let out = run(&[&base[..], &args[..]].concat(), &dir.path().join("bad"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(message), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn a_killed_run_keeps_what_it_measured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let mut child = wasmbench()
        .args(["run", "--manifest"])
        .arg(fixtures())
        .args(["-w", "ok,spin", "-b", "wasmtime-cranelift", "--quick", "--deadline", "30"])
        // Plan order: `ok` first (a shuffled order could start with `spin`).
        .args(["--order", "planned", "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("wasmbench starts");
    // `ok` takes well under a second; `spin` then loops until the 30 s deadline.
    let json = out.join("results.json");
    let started = std::time::Instant::now();
    let mut measured = None;
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if let Ok(text) = std::fs::read_to_string(&json) {
            if let Ok(results) = Results::from_json(&text) {
                if !results.cells.is_empty() {
                    measured = Some(results);
                    break;
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(measured.is_some(), "the first cell was written while the run went on");

    let results = read_results(&out);
    assert!(!results.complete, "an interrupted run is marked incomplete");
    assert_eq!(results.cells.len(), 1);
    assert_eq!(results.cells[0].id.workload, "ok");
    assert!(results.cells[0].error.is_none());
    assert_eq!(results.missing.len(), 1);
    assert_eq!(results.missing[0].workload, "spin");
    let rows = read_csv(&out);
    assert!(rows.iter().all(|r| &r[2] == "ok"), "CSV holds the finished cell only");
    assert!(rows.iter().any(|r| &r[5] == "execute" && &r[6] == "median"));
}

/// A guest the backend cannot interrupt (wasm3 stops loops only at calls) is ended by
/// killing its worker: the cell is a timeout and the run goes on with the next cell.
#[test]
fn an_uninterruptible_loop_is_killed_and_reported_as_a_timeout() {
    if !cfg!(feature = "wasm3") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let out = run(
        &[
            "--manifest",
            fixtures().to_str().expect("utf-8"),
            "-w",
            "spin,ok",
            "-b",
            "wasm3",
            "--deadline",
            "0.3",
            "--compile-deadline",
            "5",
            "--cold-samples",
            "1",
            "--samples",
            "2",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(40), "killed within the grace");
    let results = read_results(dir.path());
    let spin = results.cells.iter().find(|c| c.id.workload == "spin").expect("spin cell");
    let err = spin.error.as_ref().expect("spin fails");
    assert_eq!(err.kind, ErrorKind::Timeout, "{}", err.message);
    assert!(err.message.contains("worker killed"), "{}", err.message);
    let ok = results.cells.iter().find(|c| c.id.workload == "ok").expect("ok cell");
    assert!(ok.error.is_none(), "the next cell is measured: {:?}", ok.error);
}

/// Sightglass-style modules: the harness provides `bench.start`/`bench.end` and records the
/// region between them; a backend without those imports says so up front.
#[test]
fn bench_region_is_recorded_on_every_backend() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = one_workload_manifest(dir.path(), "bench", "bench.wat", "ok.stdout");
    let out = run(
        &[
            "--manifest",
            manifest.to_str().expect("utf-8"),
            "--cold-samples",
            "1",
            "--samples",
            "3",
            "--concurrency",
            "0",
            "--no-external",
        ],
        &dir.path().join("out"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results = read_results(&dir.path().join("out"));
    assert!(results.cells.len() >= WASMTIME.len(), "{}", results.cells.len());
    for cell in &results.cells {
        assert!(cell.error.is_none(), "{}: {:?}", cell.id, cell.error);
        let region = median(&results, &cell.id.backend, "bench", Mode::Warm, Phase::BenchRegion);
        let execute = median(&results, &cell.id.backend, "bench", Mode::Warm, Phase::Execute);
        assert!(region > 0.0 && region <= execute, "{}: region {region} within execute {execute}", cell.id);
    }
}
