use super::*;
use crate::test_support::{limits, wasm, HELLO};
use crate::run_once;
use std::time::Instant;

/// Writes env var 0 (as "K=V"), a newline, then stdin (one read of up to 1 KiB).
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 60) "\n")
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $n))
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (drop (call $sizes (i32.const 16) (i32.const 20)))
    (drop (call $environ (i32.const 100) (i32.const 200)))
    (call $write (i32.load (i32.const 100)) (call $strlen (i32.load (i32.const 100))))
    (call $write (i32.const 60) (i32.const 1))
    (i32.store (i32.const 24) (i32.const 1024))
    (i32.store (i32.const 28) (i32.const 1024))
    (drop (call $fd_read (i32.const 0) (i32.const 24) (i32.const 1) (i32.const 32)))
    (call $write (i32.const 1024) (i32.load (i32.const 32)))))
"#;

const EXIT3: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))"#;

const SPIN: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))"#;

/// Writes 64 KiB to stdout forever.
const FLOOD: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 0))
    (i32.store (i32.const 4) (i32.const 65536))
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $l))))
"#;

/// Exits with 0 if growing by 1 page works and growing by 2 more fails (cap: 2 pages).
const GROW: &str = r#"
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (call $exit (i32.const 1))))
    (if (i32.ne (memory.grow (i32.const 2)) (i32.const -1)) (then (call $exit (i32.const 2))))
    (call $exit (i32.const 0))))
"#;

/// Recursion 3000 deep with a 256-byte C-stack (`__stack_pointer`) frame each: 768 000
/// bytes, which fits the module's ~1 MiB aux stack but not half of it (what the thread
/// manager's cluster would leave without `restore_full_aux_stack`).
const DEEP_C_STACK: &str = r#"
(module
  (memory (export "memory") 16)
  (global $sp (mut i32) (i32.const 1048576))
  (global (export "__data_end") i32 (i32.const 1024))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func $down (param $n i32)
    (global.set $sp (i32.sub (global.get $sp) (i32.const 256)))
    (if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1)))))
    (global.set $sp (i32.add (global.get $sp) (i32.const 256))))
  (func (export "_start") (call $down (i32.const 3000))))
"#;

fn backend() -> Box<dyn Backend> {
    BackendId::WamrInterp.create(&limits()).expect("engine")
}

fn run(text: &str, input: &WasiInput) -> Result<Execution> {
    run_once(backend().as_ref(), &wasm(text), input)
}

#[test]
fn hello_writes_stdout() {
    let out = run(HELLO, &WasiInput::default()).expect("runs");
    assert_eq!(out.stdout, b"hi\n");
    assert_eq!(out.stderr, b"");
    assert_eq!(out.exit_code, 0);
}

#[test]
fn env_and_stdin_are_echoed() {
    let input = WasiInput {
        args: vec!["x".into()],
        env: vec![
            ("INPUT".into(), "wasmbench".into()),
            ("B".into(), "2".into()),
        ],
        stdin: b"from stdin".to_vec(),
        preopens: Vec::new(),
    };
    let out = run(ECHO, &input).expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "INPUT=wasmbench\nfrom stdin"
    );
}

#[test]
fn proc_exit_is_a_result() {
    let out = run(EXIT3, &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 3);
}

#[test]
fn unreachable_is_a_trap() {
    let text = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
    let err = run(text, &WasiInput::default()).expect_err("traps");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("unreachable"), "{err}");
}

#[test]
fn infinite_loop_times_out() {
    let started = Instant::now();
    let err = run(SPIN, &WasiInput::default()).expect_err("deadline");
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn backend_is_reusable_after_a_timeout() {
    let backend = backend();
    let err =
        run_once(backend.as_ref(), &wasm(SPIN), &WasiInput::default()).expect_err("deadline");
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    let out = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default()).expect("runs");
    assert_eq!(out.stdout, b"hi\n");
}

#[test]
fn missing_import_is_unlinkable() {
    let text = r#"(module
      (import "env" "nope" (func))
      (memory (export "memory") 1)
      (func (export "_start")))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(text)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
    assert!(err.message.contains("env::nope"), "{err}");
    // A WASI name with the wrong signature is not linked either.
    let text = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
      (memory (export "memory") 1)
      (func (export "_start")))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(text)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
}

#[test]
fn garbage_is_invalid() {
    let err = backend()
        .prepare(ModuleCode::Wasm(b"\0asm garbage bytes"))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(no_start)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
}

#[test]
fn output_flood_is_a_resource_limit() {
    let limits = Limits {
        max_output_bytes: 100_000,
        ..limits()
    };
    let backend = BackendId::WamrInterp.create(&limits).expect("engine");
    let err =
        run_once(backend.as_ref(), &wasm(FLOOD), &WasiInput::default()).expect_err("capped");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
}

#[test]
fn output_exactly_at_the_cap_is_kept() {
    let limits = Limits {
        max_output_bytes: 3,
        ..limits()
    };
    let backend = BackendId::WamrInterp.create(&limits).expect("engine");
    let out = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default()).expect("fits");
    assert_eq!(out.stdout, b"hi\n");
    let limits = Limits {
        max_output_bytes: 2,
        ..limits
    };
    let backend = BackendId::WamrInterp.create(&limits).expect("engine");
    let err = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default())
        .expect_err("over the cap");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
}

#[test]
fn memory_cap_bounds_growth_and_initial_size() {
    let limits = Limits {
        max_memory_bytes: 2 * WASM_PAGE,
        ..limits()
    };
    let backend = BackendId::WamrInterp.create(&limits).expect("engine");
    let out = run_once(backend.as_ref(), &wasm(GROW), &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 0, "memory.grow past the cap must fail");
    let big = r#"(module (memory (export "memory") 3) (func (export "_start")))"#;
    let module = backend
        .prepare(ModuleCode::Wasm(&wasm(big)))
        .expect("loads");
    let err = module
        .instantiate(&WasiInput::default())
        .err()
        .expect("too big");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
}

#[test]
fn full_aux_stack_is_available() {
    let out = run(DEEP_C_STACK, &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 0);
}

#[test]
fn warm_instances_are_independent() {
    let backend = backend();
    let module = backend
        .prepare(ModuleCode::Wasm(&wasm(ECHO)))
        .expect("loads");
    for i in 0..20 {
        let input = WasiInput {
            env: vec![("N".into(), i.to_string())],
            stdin: format!("in{i}").into_bytes(),
            ..WasiInput::default()
        };
        let out = module
            .instantiate(&input)
            .expect("instance")
            .execute()
            .expect("runs");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("N={i}\nin{i}")
        );
    }
    // Instances dropped without running, and the module dropped before an instance.
    let idle = module.instantiate(&WasiInput::default()).expect("instance");
    drop(module.instantiate(&WasiInput::default()).expect("instance"));
    drop(module);
    drop(backend);
    drop(idle);
}

#[test]
fn artifacts_are_unsupported() {
    let err = backend()
        .prepare(ModuleCode::Artifact(std::path::Path::new("/nonexistent")))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert_eq!(backend().precompile(&wasm(HELLO)).expect("no-op"), None);
}
