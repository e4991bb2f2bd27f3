//! Integration tests of the regression gate: `wasmbench compare` on synthetic documents,
//! and `wasmbench run --measure instructions` (under valgrind) caught by it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::{Rng, SeedableRng};
use wasmbench_data::{
    BackendKind, Cell, CellId, Environment, Fingerprint, Measurement, Mode, Phase, Probe, Results, RunConfig, Sentinel, Unit,
};

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// 30 warm execute samples around `ms` milliseconds with ±10% uniform noise.
fn samples(seed: u64, ms: f64) -> Vec<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..30).map(|_| ms * 1e6 * (0.9 + 0.2 * rng.gen::<f64>())).collect()
}

fn cell(backend: &str, samples: Vec<f64>) -> Cell {
    Cell {
        id: CellId {
            backend: backend.into(),
            workload: "fib".into(),
            language: "c".into(),
        },
        kind: BackendKind::Interpreter,
        flags: vec![],
        module_bytes: 1,
        module_features: vec![],
        artifact_bytes: None,
        error: None,
        measurements: vec![Measurement {
            mode: Mode::Warm,
            phase: Phase::Execute,
            unit: Unit::Nanoseconds,
            summary: wasmbench::stats::summarize(&samples).expect("summary"),
            samples,
            instances: None,
            concurrency: None,
        }],
        machine: vec![],
        disturbed: vec![],
        shard: None,
    }
}

fn write(dir: &Path, name: &str, cells: Vec<Cell>) -> PathBuf {
    write_doc(dir, name, Results::new(Environment::default(), RunConfig::default()), cells)
}

/// `doc` with `cells`, complete, written to `dir/name`.
fn write_doc(dir: &Path, name: &str, mut doc: Results, cells: Vec<Cell>) -> PathBuf {
    doc.cells = cells;
    doc.complete = true;
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&doc).expect("json")).expect("write");
    path
}

fn compare(base: &Path, new: &Path, extra: &[&str]) -> Output {
    wasmbench().arg("compare").arg(base).arg(new).args(extra).output().expect("wasmbench runs")
}

#[test]
fn compare_fails_on_a_20_percent_slowdown_and_passes_on_noise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(dir.path(), "base.json", vec![cell("wasmi", samples(1, 10.0)), cell("wasm3", samples(2, 20.0))]);
    let same = write(dir.path(), "same.json", vec![cell("wasmi", samples(3, 10.0)), cell("wasm3", samples(4, 20.0))]);
    let slower = write(dir.path(), "slower.json", vec![cell("wasmi", samples(5, 12.0)), cell("wasm3", samples(6, 20.0))]);

    let out = compare(&base, &same, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("**0 slower**, 0 faster, 2 no change"), "{stdout}");

    let report = dir.path().join("report.md");
    let out = compare(&base, &slower, &["--threshold", "5%", "-o", report.to_str().expect("utf-8")]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("**1 slower**"), "{stdout}");
    let row = stdout.lines().find(|l| l.starts_with("| wasmi × fib (c)")).expect("wasmi row");
    assert!(row.contains("warm/execute") && row.ends_with("**slower** ✗ |"), "{row}");
    assert!(text(&out.stderr).contains("FAIL: 1 significant regressions beyond 5%"));
    assert_eq!(std::fs::read_to_string(&report).expect("report written"), stdout);

    // Reported only, and a threshold above the slowdown: both pass.
    assert_eq!(compare(&base, &slower, &["--warn-only"]).status.code(), Some(0));
    assert_eq!(compare(&base, &slower, &["--threshold", "30%"]).status.code(), Some(0));
}

#[test]
fn compare_lists_missing_cells_and_fails_on_them_when_strict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(dir.path(), "base.json", vec![cell("wasmi", samples(1, 10.0)), cell("wasm3", samples(2, 20.0))]);
    let new = write(dir.path(), "new.json", vec![cell("wasmi", samples(3, 10.0)), cell("wamr-interp", samples(4, 20.0))]);
    let out = compare(&base, &new, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Cells missing in the new results:\n\n- wasm3 × fib (c)"), "{stdout}");
    assert!(stdout.contains("Cells missing in the baseline:\n\n- wamr-interp × fib (c)"), "{stdout}");
    // Default report location: beside NEW.
    assert!(dir.path().join("compare.md").is_file());
    let out = compare(&base, &new, &["--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cells missing or failed (--strict)"), "{}", text(&out.stderr));
}

/// A results file made on a machine of CPU model `model` whose drift sentinel read
/// `sentinel_ms` (native and Wasm).
fn on_machine(dir: &Path, name: &str, model: &str, sentinel_ms: f64) -> PathBuf {
    let environment = Environment {
        fingerprint: Some(Fingerprint { cpu_model_number: model.into(), ..Fingerprint::default() }),
        ..Environment::default()
    };
    let mut doc = Results::new(environment, RunConfig::default());
    let probe = Probe { at_ms: 0, native_ns: sentinel_ms * 1e6, wasm_ns: sentinel_ms * 1e6 };
    doc.sentinel = Some(Sentinel { probes: vec![probe], ..Sentinel::default() });
    write_doc(dir, name, doc, vec![cell("wasmi", samples(1, 10.0))])
}

#[test]
fn compare_says_when_machines_differ_or_drifted_and_strict_refuses_other_machines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = on_machine(dir.path(), "base.json", "49", 7.0);
    let other = on_machine(dir.path(), "other.json", "1", 7.0);
    let out = compare(&base, &other, &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "said, not fatal: {stdout}{stderr}");
    assert!(stderr.contains("DIFFERENT MACHINES") && stderr.contains("CPU model: 49 ≠ 1"), "{stderr}");
    assert!(stdout.contains("**Fingerprint: DIFFERENT MACHINES**"), "{stdout}");
    let strict = compare(&base, &other, &["--strict"]);
    assert_eq!(strict.status.code(), Some(1), "--strict refuses: {}", text(&strict.stderr));

    let slower = on_machine(dir.path(), "slower.json", "49", 7.7);
    let out = compare(&base, &slower, &["--strict"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("baseline native 7.00 ms, Wasm 7.00 ms; new native 7.70 ms, Wasm 7.70 ms"), "{stdout}");
    assert!(stdout.contains("10.0% slower in the new run") && stdout.contains("cannot be attributed to the code"), "{stdout}");
}

#[test]
fn compare_names_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write(dir.path(), "base.json", vec![cell("wasmi", samples(1, 10.0))]);
    let out = compare(&base, &dir.path().join("nope.json"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.json"), "{}", text(&out.stderr));
    let out = compare(&base, &base, &["--metric", "callgrind/execute"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("they have: warm/execute"), "{}", text(&out.stderr));
    let out = compare(&base, &base, &["--threshold", "lots"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bad threshold `lots`"), "{}", text(&out.stderr));
}

fn count_instructions(out: &Path, slowdown: Option<&str>) -> Results {
    let mut cmd = wasmbench();
    cmd.args(["run", "--measure", "instructions", "-b", "wasmi", "-w", "hello", "--language", "c", "-o"])
        .arg(out)
        .env_remove("WASMBENCH_DEBUG_SLOWDOWN");
    if let Some(s) = slowdown {
        cmd.env("WASMBENCH_DEBUG_SLOWDOWN", s);
    }
    let o = cmd.output().expect("wasmbench runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    Results::from_json(&std::fs::read_to_string(out.join("results.json")).expect("results")).expect("valid")
}

fn instructions(r: &Results) -> f64 {
    let m = &r.cells[0].measurements;
    assert_eq!(m.len(), 1, "only the callgrind count: {m:?}");
    assert_eq!((m[0].mode, m[0].phase, m[0].unit), (Mode::Callgrind, Phase::Execute, Unit::Instructions));
    m[0].samples[0]
}

#[test]
fn instruction_counts_repeat_and_the_gate_catches_the_slowdown_hook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b, slow) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("slow"));
    let first = instructions(&count_instructions(&a, None));
    let second = instructions(&count_instructions(&b, None));
    assert!(first > 10_000.0, "{first}");
    // Identical, or nearly: the smallest cells move by a few hundred instructions between
    // processes (likely layout effects, e.g. the stack's alignment, which shifts with the
    // environment's size).
    let close = |x: f64| (x / first - 1.0).abs() < 0.005;
    assert!(close(second), "{first} vs {second}: not repeatable within 0.5%");

    // The hook on another backend changes nothing; on wasmi it adds 7 × 1e6 instructions.
    let other = instructions(&count_instructions(&slow, Some("wasm3=1000000")));
    assert!(close(other), "{first} vs {other}");
    let slowed = count_instructions(&slow, Some("wasmi=1000000"));
    assert!(instructions(&slowed) > first + 3e6, "{} vs {first}", instructions(&slowed));
    assert!(slowed.cells[0].flags.contains(&"debug-slowdown=1000000".to_string()));

    let gate = |new: &Path| compare(&a.join("results.json"), &new.join("results.json"), &["--strict"]);
    assert_eq!(gate(&b).status.code(), Some(0), "{}", text(&gate(&b).stdout));
    let out = gate(&slow);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("debug-slowdown=1000000`"), "{}", text(&out.stdout));
}
