//! Every backend compiled in runs the same modules and must agree, byte for byte, on
//! stdout and exit code, and on the kind of error for modules that fail.

use std::path::Path;
use std::time::Duration;

use wasmbench_runtimes::{run_once, BackendId, ErrorKind, Execution, Limits, WasiInput};

fn limits() -> Limits {
    Limits {
        deadline: Duration::from_secs(5),
        ..Limits::default()
    }
}

fn workload(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads").join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

type Outcome = Result<Execution, wasmbench_runtimes::RuntimeError>;

/// Every Wasm backend compiled in. V8's flags are process-wide, so only the first V8 Wasm
/// flavour runs in this process (the V8 backend's own tests run each flavour in a child
/// process); `v8-js` runs JavaScript, not modules.
fn run_everywhere(wasm: &[u8], input: &WasiInput) -> Vec<(BackendId, Outcome)> {
    let backends: Vec<BackendId> = BackendId::available()
        .into_iter()
        .filter(|id| !id.runs_javascript())
        .collect();
    assert!(!backends.is_empty(), "no backend compiled in");
    let mut v8_flavour_ran = false;
    let mut outcomes = Vec::new();
    for id in backends {
        if id.family() == "v8" {
            if v8_flavour_ran {
                continue;
            }
            v8_flavour_ran = true;
        }
        let backend = id.create(&limits()).unwrap_or_else(|e| panic!("{id}: engine: {e}"));
        outcomes.push((id, run_once(backend.as_ref(), wasm, input)));
    }
    outcomes
}

#[test]
fn hello_with_env_and_stdin_is_identical_everywhere() {
    let wasm = workload("built/hello.c.wasm");
    let input = WasiInput {
        args: vec![],
        env: vec![("INPUT".into(), "conformance".into()), ("OTHER".into(), "x".into())],
        stdin: b"line one\nline two\n".to_vec(),
        preopens: Vec::new(),
    };
    let expected = b"Hello, conformance!\nstdin: 18 bytes\nline one\nline two\n";
    for (id, result) in run_everywhere(&wasm, &input) {
        let out = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.exit_code, 0, "{id}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(expected),
            "{id}"
        );
    }
}

#[test]
fn bad_input_exit_code_is_identical_everywhere() {
    // The fib workload rejects a non-number with exit code 2 and a message on stderr.
    let wasm = workload("built/fib.c.wasm");
    let input = WasiInput {
        env: vec![("INPUT".into(), "not-a-number".into())],
        ..WasiInput::default()
    };
    for (id, result) in run_everywhere(&wasm, &input) {
        let out = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.exit_code, 2, "{id}");
        assert!(out.stdout.is_empty(), "{id}");
        assert!(!out.stderr.is_empty(), "{id}: message on stderr");
    }
}

#[test]
fn proc_exit_3_is_a_result_everywhere() {
    let wasm = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 3))))"#,
    )
    .expect("wat");
    for (id, result) in run_everywhere(&wasm, &WasiInput::default()) {
        let out = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.exit_code, 3, "{id}");
    }
}

#[test]
fn a_trap_is_a_trap_everywhere() {
    let wasm = wat::parse_str(
        r#"(module
          (memory (export "memory") 1)
          (func $deep (param i32) (result i32)
            (i32.div_u (i32.const 1) (local.get 0)))
          (func (export "_start") (drop (call $deep (i32.const 0)))))"#,
    )
    .expect("wat");
    for (id, result) in run_everywhere(&wasm, &WasiInput::default()) {
        let err = result.err().unwrap_or_else(|| panic!("{id}: division by zero must trap"));
        assert_eq!(err.kind, ErrorKind::Trap, "{id}: {err}");
        assert_eq!(err.backend, id);
        assert!(!err.message.is_empty(), "{id}: carries the runtime's message");
    }
}

#[test]
fn bench_region_is_recorded_everywhere() {
    // Sightglass-style markers around a loop that spins for a measurable while; a second,
    // empty region adds to the first. Outside the regions: nothing.
    let wasm = wat::parse_str(
        r#"(module
          (import "bench" "start" (func $start))
          (import "bench" "end" (func $end))
          (memory (export "memory") 1)
          (func (export "_start") (local $i i32)
            (call $start)
            (loop $l
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 200000))))
            (call $end)
            (call $start)
            (call $end)))"#,
    )
    .expect("wat");
    for (id, result) in run_everywhere(&wasm, &WasiInput::default()) {
        let out = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.exit_code, 0, "{id}");
        let region = out
            .bench_region_ns
            .unwrap_or_else(|| panic!("{id}: no bench region recorded"));
        assert!(region > 0, "{id}: a 200000-iteration loop takes time");
    }
    // A module without markers reports no region.
    let plain = workload("built/hello.c.wasm");
    for (id, result) in run_everywhere(&plain, &WasiInput::default()) {
        let out = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.bench_region_ns, None, "{id}");
    }
}
