use super::*;
use std::time::Instant;
use wasmer::WASM_PAGE_SIZE;
use crate::run_once;
use crate::test_support::{limits, wasm, HELLO};

/// Writes the whole environment block (NUL-separated `KEY=value` strings), then
/// copies stdin to stdout in chunks of 100 bytes.
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (drop (call $env_sizes (i32.const 16) (i32.const 20)))
    (drop (call $env_get (i32.const 64) (i32.const 256)))
    (call $write (i32.const 256) (i32.load (i32.const 20)))
    (block $done
      (loop $again
        (i32.store (i32.const 32) (i32.const 1024))
        (i32.store (i32.const 36) (i32.const 100))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
        (br_if $done (i32.eqz (i32.load (i32.const 40))))
        (call $write (i32.const 1024) (i32.load (i32.const 40)))
        (br $again)))))
"#;

const EXIT3: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))"#;

const SPIN: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))"#;

const UNREACHABLE: &str = r#"(module (memory (export "memory") 1)
  (func $deep (unreachable))
  (func (export "_start") (call $deep)))"#;

const FLOOD: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 512))
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $l))))"#;

const MISSING_IMPORT: &str = r#"(module
  (import "env" "nope" (func $nope))
  (memory (export "memory") 1)
  (func (export "_start") (call $nope)))"#;

const WRONG_WASI_TYPE: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $fd_write (i32.const 1)))))"#;

/// Exit code 10 if growing by 100 pages fails, plus 1 if growing by 10 pages works.
const GROW: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.add
      (i32.mul (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (i32.const 10))
      (i32.ne (memory.grow (i32.const 10)) (i32.const -1))))))"#;

/// Aborts (`unreachable`) when growing by 100 pages fails, like a C program whose
/// allocation failed.
const GROW_OR_ABORT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))))"#;

const NO_START: &str = r#"(module (memory (export "memory") 1) (func (export "main")))"#;

fn wasmer_backends() -> Vec<BackendId> {
    BackendId::available()
        .into_iter()
        .filter(|b| b.family() == "wasmer")
        .collect()
}

fn run(id: BackendId, limits: &Limits, text: &str, input: &WasiInput) -> Result<Execution> {
    let backend = id.create(limits).expect("engine");
    run_once(backend.as_ref(), &wasm(text), input)
}

#[test]
fn every_wasmer_backend_runs_hello() {
    for id in wasmer_backends() {
        let out = run(id, &limits(), HELLO, &WasiInput::default())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.stdout, b"hi\n", "{id}");
        assert_eq!(out.exit_code, 0, "{id}");
    }
}

#[test]
fn env_and_stdin_are_echoed() {
    let stdin: Vec<u8> = (0..250u8).map(|i| b'a' + i % 26).collect();
    let input = WasiInput {
        args: vec!["x".into()],
        env: vec![("INPUT".into(), "42".into()), ("B".into(), "two".into())],
        stdin: stdin.clone(),
        preopens: Vec::new(),
    };
    let mut expected = b"INPUT=42\0B=two\0".to_vec();
    expected.extend_from_slice(&stdin);
    for id in wasmer_backends() {
        let out = run(id, &limits(), ECHO, &input).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.stdout, expected, "{id}");
        assert_eq!(out.exit_code, 0, "{id}");
    }
}

#[test]
fn proc_exit_is_a_result() {
    for id in wasmer_backends() {
        let out = run(id, &limits(), EXIT3, &WasiInput::default())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.exit_code, 3, "{id}");
    }
}

#[test]
fn unreachable_is_a_trap() {
    for id in wasmer_backends() {
        let err = run(id, &limits(), UNREACHABLE, &WasiInput::default()).expect_err("trap");
        assert_eq!(err.kind, ErrorKind::Trap, "{id}: {err}");
        assert!(err.message.contains("unreachable"), "{id}: {err}");
    }
}

#[test]
fn infinite_loop_times_out() {
    for id in wasmer_backends() {
        let started = Instant::now();
        let err = run(id, &limits(), SPIN, &WasiInput::default()).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{id}: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{id}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn timeout_leaves_the_module_usable() {
    let backend = BackendId::WasmerCranelift
        .create(&limits())
        .expect("engine");
    let spin = backend
        .prepare(ModuleCode::Wasm(&wasm(SPIN)))
        .expect("compiles");
    for _ in 0..3 {
        let started = Instant::now();
        let err = spin
            .instantiate(&WasiInput::default())
            .expect("instance")
            .execute()
            .expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(190), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
    let hello = backend
        .prepare(ModuleCode::Wasm(&wasm(HELLO)))
        .expect("compiles");
    for _ in 0..3 {
        let out = hello
            .instantiate(&WasiInput::default())
            .expect("instance")
            .execute();
        assert_eq!(out.expect("runs").stdout, b"hi\n");
    }
}

#[test]
fn missing_import_is_unlinkable_at_prepare() {
    for id in wasmer_backends() {
        let backend = id.create(&limits()).expect("engine");
        for text in [MISSING_IMPORT, WRONG_WASI_TYPE] {
            let err = match backend.precompile(&wasm(text)).expect("compiles") {
                None => backend.prepare(ModuleCode::Wasm(&wasm(text))).err(),
                Some(artifact) => {
                    let dir = tempfile::tempdir().expect("tmp");
                    let path = dir.path().join("a.bin");
                    std::fs::write(&path, artifact).expect("write");
                    backend.prepare(ModuleCode::Artifact(&path)).err()
                }
            }
            .expect("refused");
            assert_eq!(err.kind, ErrorKind::Unlinkable, "{id}: {err}");
        }
    }
}

#[test]
fn garbage_and_non_commands_are_invalid() {
    for id in wasmer_backends() {
        let backend = id.create(&limits()).expect("engine");
        let garbage = b"\0asm\x01\0\0\0garbage".to_vec();
        let err =
            run_once(backend.as_ref(), &garbage, &WasiInput::default()).expect_err("invalid");
        assert_eq!(err.kind, ErrorKind::Invalid, "{id}: {err}");
        let err = run(id, &limits(), NO_START, &WasiInput::default()).expect_err("no _start");
        assert_eq!(err.kind, ErrorKind::Invalid, "{id}: {err}");
    }
}

#[test]
fn output_flood_hits_the_cap() {
    let limits = Limits {
        deadline: Duration::from_secs(20),
        max_output_bytes: 4096,
        ..Limits::default()
    };
    for id in wasmer_backends() {
        let started = Instant::now();
        let err = run(id, &limits, FLOOD, &WasiInput::default()).expect_err("cap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{id}: {err}");
        // Stopped by the sink, not by the deadline.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{id}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn memory_cap_limits_growth_and_minimum() {
    let limits = Limits {
        max_memory_bytes: 32 * WASM_PAGE_SIZE as u64,
        ..limits()
    };
    let too_big = r#"(module (memory (export "memory") 64) (func (export "_start")))"#;
    for id in wasmer_backends() {
        let out = run(id, &limits, GROW, &WasiInput::default())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.exit_code, 11, "{id}");
        let err = run(id, &limits, too_big, &WasiInput::default()).expect_err("over cap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{id}: {err}");
        let err = run(id, &limits, GROW_OR_ABORT, &WasiInput::default()).expect_err("abort");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{id}: {err}");
        assert!(
            err.message.contains("memory.grow by 100 pages"),
            "{id}: {err}"
        );
        // Without the refusal the same trap is an ordinary trap.
        let err = run(id, &limits, UNREACHABLE, &WasiInput::default()).expect_err("trap");
        assert_eq!(err.kind, ErrorKind::Trap, "{id}: {err}");
    }
}

#[test]
fn aot_needs_an_artifact_and_jit_refuses_one() {
    let aot = BackendId::WasmerAot.create(&limits()).expect("engine");
    let err = aot
        .prepare(ModuleCode::Wasm(&wasm(HELLO)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported);
    let artifact = aot
        .precompile(&wasm(HELLO))
        .expect("compiles")
        .expect("artifact");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("hello.wasmer");
    std::fs::write(&path, &artifact).expect("write");
    let module = aot.prepare(ModuleCode::Artifact(&path)).expect("loads");
    for _ in 0..2 {
        let out = module
            .instantiate(&WasiInput::default())
            .expect("instance")
            .execute();
        assert_eq!(out.expect("runs").stdout, b"hi\n");
    }
    let jit = BackendId::WasmerCranelift
        .create(&limits())
        .expect("engine");
    assert_eq!(jit.precompile(&wasm(HELLO)).expect("no-op"), None);
    let err = jit
        .prepare(ModuleCode::Artifact(&path))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported);
    std::fs::write(&path, b"not an artifact").expect("write");
    let err = aot
        .prepare(ModuleCode::Artifact(&path))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
}

#[test]
fn flags_name_the_interrupt_mechanism() {
    let aot = BackendId::WasmerAot.create(&limits()).expect("engine");
    assert_eq!(aot.flags(), vec!["host-interrupt", "headless-engine"]);
    let sp = BackendId::WasmerSinglepass
        .create(&limits())
        .expect("engine");
    assert_eq!(sp.flags(), vec!["host-interrupt"]);
}
