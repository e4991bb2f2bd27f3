use super::*;
use crate::test_support::{limits, wasm, HELLO};
use crate::run_once;
use std::time::{Duration, Instant};

fn backend() -> Box<dyn Backend> {
    BackendId::Wasm3.create(&limits()).expect("engine")
}

fn run(text: &str, input: &WasiInput) -> Result<Execution> {
    run_once(backend().as_ref(), &wasm(text), input)
}

#[test]
fn hello_via_fd_write() {
    let out = run(HELLO, &WasiInput::default()).expect("runs");
    assert_eq!(out.stdout, b"hi\n");
    assert_eq!(out.stderr, b"");
    assert_eq!(out.exit_code, 0);
}

/// Echo the environment block, then argv[1], then all of stdin, to stdout.
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $arg_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $arg_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (local $n i32)
    ;; environment: count at 16, size at 20, pointers at 1024, strings at 2048
    (drop (call $env_sizes (i32.const 16) (i32.const 20)))
    (drop (call $env_get (i32.const 1024) (i32.const 2048)))
    (call $write (i32.const 2048) (i32.load (i32.const 20)))
    ;; argv[1]: pointers at 1024, strings at 3072
    (drop (call $arg_sizes (i32.const 16) (i32.const 20)))
    (drop (call $arg_get (i32.const 1024) (i32.const 3072)))
    (call $write (i32.load (i32.const 1028))
                 (i32.sub (i32.add (i32.const 3072) (i32.load (i32.const 20)))
                          (i32.load (i32.const 1028))))
    ;; stdin, 5 bytes at a time
    (block $done (loop $more
      (i32.store (i32.const 32) (i32.const 4096))
      (i32.store (i32.const 36) (i32.const 5))
      (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
      (local.set $n (i32.load (i32.const 40)))
      (br_if $done (i32.eqz (local.get $n)))
      (call $write (i32.const 4096) (local.get $n))
      (br $more)))))
"#;

#[test]
fn env_args_and_stdin_echo() {
    let input = WasiInput {
        args: vec!["first".into()],
        env: vec![("INPUT".into(), "42".into()), ("B".into(), "x".into())],
        stdin: b"hello from stdin".to_vec(),
        preopens: Vec::new(),
    };
    let out = run(ECHO, &input).expect("runs");
    assert_eq!(out.stdout, b"INPUT=42\0B=x\0first\0hello from stdin");
    assert_eq!(out.exit_code, 0);
}

#[test]
fn proc_exit_is_a_result() {
    let exit = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3)) (unreachable)))"#;
    let out = run(exit, &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 3);
}

#[test]
fn module_without_memory_runs() {
    let bare = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func $f (result i32) (i32.const 4))
      (func (export "_start")
        (call $exit (i32.add (call $f)
          (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))"#;
    let out = run(bare, &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 4 + 21, "EFAULT without a memory");
}

#[test]
fn unreachable_is_a_trap() {
    let trap = r#"(module (memory (export "memory") 1)
      (func $inner (unreachable))
      (func (export "_start") (call $inner)))"#;
    let err = run(trap, &WasiInput::default()).expect_err("traps");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("unreachable"), "{err}");
}

#[test]
fn out_of_bounds_access_is_a_trap() {
    let oob = r#"(module (memory (export "memory") 1)
      (func (export "_start") (drop (i32.load (i32.const 65534)))))"#;
    let err = run(oob, &WasiInput::default()).expect_err("traps");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("out of bounds"), "{err}");
}

#[test]
fn loop_with_calls_times_out() {
    // wasm3 checks the deadline on every function call (its `m3_Yield` hook). A loop
    // without any call cannot be interrupted in-process, so it has no test here: the
    // harness kills the worker process at the deadline (see `flags()`).
    let spin = r#"(module (memory (export "memory") 1)
      (func $tick)
      (func (export "_start") (loop $l (call $tick) (br $l))))"#;
    let started = Instant::now();
    let err = run(spin, &WasiInput::default()).expect_err("deadline");
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let flags = backend().flags();
    assert!(
        flags
            .iter()
            .any(|f| f.starts_with("deadline-at-calls-only")),
        "{flags:?}"
    );
}

#[test]
fn deep_recursion_is_a_trap_not_a_crash() {
    let recurse = r#"(module (memory (export "memory") 1)
      (func $down (param i32) (result i32)
        (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
      (func (export "_start") (drop (call $down (i32.const 0)))))"#;
    // Run on a thread with Rust's default 2 MiB stack, like the test threads.
    let err = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| run(recurse, &WasiInput::default()).map(|_| ()))
        .expect("thread")
        .join()
        .expect("no panic")
        .expect_err("stack overflow");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("stack overflow"), "{err}");
}

#[test]
fn missing_import_is_unlinkable_at_prepare() {
    let missing = r#"(module
      (import "env" "nope" (func))
      (memory (export "memory") 1)
      (func (export "_start")))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(missing)))
        .err()
        .expect("unlinkable");
    assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
    assert!(err.message.contains("env::nope"), "{err}");
    let wrong_type = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(wrong_type)))
        .err()
        .expect("unlinkable");
    assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
}

#[test]
fn garbage_and_non_commands_are_invalid() {
    let b = backend();
    let err = b
        .prepare(ModuleCode::Wasm(b"definitely not wasm"))
        .err()
        .expect("invalid");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let mut truncated = wasm(HELLO);
    truncated.truncate(truncated.len() - 3);
    let err = b
        .prepare(ModuleCode::Wasm(&truncated))
        .err()
        .expect("invalid");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
    let err = b
        .prepare(ModuleCode::Wasm(&wasm(no_start)))
        .err()
        .expect("invalid");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    assert!(err.message.contains("_start"), "{err}");
}

#[test]
fn unsupported_instructions_are_refused_at_prepare() {
    let simd = r#"(module (memory (export "memory") 1)
      (func (export "_start") (drop (v128.const i64x2 0 0))))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(simd)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    let ref_global = r#"(module (memory (export "memory") 1)
      (global funcref (ref.null func))
      (func (export "_start")))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(ref_global)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    let passive = r#"(module (memory (export "memory") 1)
      (data $d "abc")
      (func (export "_start") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(passive)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    let multi_value = r#"(module (memory (export "memory") 1)
      (func $two (result i32 i32) (i32.const 1) (i32.const 2))
      (func (export "_start") (drop (drop (call $two)))))"#;
    let err = backend()
        .prepare(ModuleCode::Wasm(&wasm(multi_value)))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
}

#[test]
fn output_flood_hits_the_cap() {
    let flood = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 1000))
        (loop $l
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br $l))))"#;
    let limits = Limits {
        max_output_bytes: 10_000,
        ..limits()
    };
    let backend = BackendId::Wasm3.create(&limits).expect("engine");
    let err =
        run_once(backend.as_ref(), &wasm(flood), &WasiInput::default()).expect_err("capped");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    assert!(err.message.contains("stdout"), "{err}");
}

#[test]
fn bad_guest_pointers_get_efault() {
    // fd_write with an iovec table past the end of memory: errno 21 as exit code.
    let bad = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 65530))
        (i32.store (i32.const 4) (i32.const 100))
        (call $exit (i32.add
          (i32.mul (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)) (i32.const 100))
          (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))"#;
    let out = run(bad, &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 21 * 100 + 21);
    assert_eq!(out.stdout, b"");
}

#[test]
fn memory_cap_limits_growth_and_initial_size() {
    let grow = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        ;; 1 page more fits in 2 pages; 2 more do not
        (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (call $exit (i32.const 1))))
        (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then (call $exit (i32.const 2))))
        (call $exit (memory.size))))"#;
    let limits = Limits {
        max_memory_bytes: 2 * PAGE,
        ..limits()
    };
    let backend = BackendId::Wasm3.create(&limits).expect("engine");
    let out = run_once(backend.as_ref(), &wasm(grow), &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 2, "memory.size after the refused grow");
    let big = r#"(module (memory (export "memory") 3) (func (export "_start")))"#;
    let err = run_once(backend.as_ref(), &wasm(big), &WasiInput::default()).expect_err("cap");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
}

/// Bulk-memory instructions wasm3 0.4.7 lacks run through the lowered helpers with the
/// spec's semantics: overlapping copies both ways, fill, and bounds traps.
const BULK: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "0123456789abcdefghij")
  (func (export "_start")
    (memory.copy (i32.const 102) (i32.const 100) (i32.const 13))  ;; overlap, dst > src
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 20))
    (memory.copy (i32.const 200) (i32.const 203) (i32.const 11))  ;; overlap, dst < src
    (memory.fill (i32.const 220) (i32.const 0x17a) (i32.const 11)) ;; 'z', value truncated
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 20))
    (i32.store (i32.const 8) (i32.const 200))
    (i32.store (i32.const 12) (i32.const 31))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)))
    (memory.fill (i32.const 65530) (i32.const 0) (i32.const 6))    ;; ends exactly at the end
    (memory.copy (i32.const 65535) (i32.const 0) (i32.const 0))    ;; empty, in bounds
    (memory.copy (i32.const 65530) (i32.const 0) (i32.const 7))))  ;; out of bounds
"#;

#[test]
fn bulk_memory_is_lowered_with_its_semantics() {
    let module = wasm(BULK);
    let err = run_once(backend().as_ref(), &module, &WasiInput::default()).expect_err("oob");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("out of bounds"), "{err}");
    // Same module without the final out-of-bounds copy: check the bytes.
    let ok = BULK.replace(
        "(memory.copy (i32.const 65530) (i32.const 0) (i32.const 7))",
        "",
    );
    let out = run(&ok, &WasiInput::default()).expect("runs");
    let mut expected = b"01".to_vec();
    expected.extend_from_slice(b"0123456789abcfghij"); // 100..120 after the first copy
                                                       // 200..220: copy of 100..120, then 200..211 <- 203..214
    let src: Vec<u8> = expected.clone();
    let mut region = src.clone();
    region.copy_within(3..14, 0);
    expected.extend_from_slice(&region);
    expected.extend_from_slice(b"zzzzzzzzzzz");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected)
    );
}

/// Random copies (overlapping either way, any alignment) and fills against a model.
#[test]
fn bulk_memory_matches_a_model() {
    // stdin: records of four little-endian u32 (op: 0 copy / 1 fill, a, b, n); the
    // module applies them to bytes [0, 4096) and writes that region to stdout.
    let module = r#"(module
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 2)
      (func (export "_start") (local $p i32) (local $end i32)
        (i32.store (i32.const 8192) (i32.const 16384))
        (i32.store (i32.const 8196) (i32.const 49152))
        (drop (call $fd_read (i32.const 0) (i32.const 8192) (i32.const 1) (i32.const 8200)))
        (local.set $p (i32.const 16384))
        (local.set $end (i32.add (i32.const 16384) (i32.load (i32.const 8200))))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (if (i32.eqz (i32.load (local.get $p)))
            (then (memory.copy (i32.load offset=4 (local.get $p))
                               (i32.load offset=8 (local.get $p))
                               (i32.load offset=12 (local.get $p))))
            (else (memory.fill (i32.load offset=4 (local.get $p))
                               (i32.load offset=8 (local.get $p))
                               (i32.load offset=12 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $next)))
        (i32.store (i32.const 8192) (i32.const 0))
        (i32.store (i32.const 8196) (i32.const 4096))
        (drop (call $fd_write (i32.const 1) (i32.const 8192) (i32.const 1) (i32.const 8200)))))"#;
    let mut model = vec![0u8; 4096];
    let mut stdin = Vec::new();
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = |bound: u32| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % u64::from(bound)) as u32
    };
    for _ in 0..2000 {
        let op = next(3).min(1); // two copies for one fill
        let n = if next(4) == 0 { next(200) } else { next(24) };
        let a = next(4096 - n + 1);
        let b = if op == 0 {
            // often overlapping: near `a`
            if next(2) == 0 {
                (a + next(24)).saturating_sub(12).min(4096 - n)
            } else {
                next(4096 - n + 1)
            }
        } else {
            next(1000) // fill value; only its low byte counts
        };
        for v in [op, a, b, n] {
            stdin.extend_from_slice(&v.to_le_bytes());
        }
        let (a, b, n) = (a as usize, b as usize, n as usize);
        if op == 0 {
            model.copy_within(b..b + n, a);
        } else {
            model[a..a + n].fill(b as u8);
        }
    }
    let input = WasiInput {
        stdin,
        ..WasiInput::default()
    };
    let out = run(module, &input).expect("runs");
    assert_eq!(out.stdout.len(), model.len());
    let first = out.stdout.iter().zip(&model).position(|(a, b)| a != b);
    assert_eq!(first, None, "first difference");
}

/// wasm3 0.4.7 compiles `memory.size` into its integer register without saving the live
/// value there (here the `i32.eqz`), so this needs the helper call to compute 12.
#[test]
fn memory_size_keeps_live_register_values() {
    let module = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 2)
      (func (export "_start") (local i32)
        i32.const 0
        i32.eqz
        memory.size
        local.set 0
        i32.const 10
        i32.mul
        local.get 0
        i32.add
        call $exit))"#;
    let out = run(module, &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 12);
}

#[test]
fn helpers_match_their_text() {
    // The helper bodies are the code of these two functions (see `scan`).
    let text = r#"(module (memory 1)
      (func $copy (param i32 i32 i32) (local i32)
        (local.set 3 (i32.shl (memory.size) (i32.const 16)))
        (if (i32.or (i32.gt_u (local.get 2) (local.get 3))
                    (i32.or (i32.gt_u (local.get 0) (i32.sub (local.get 3) (local.get 2)))
                            (i32.gt_u (local.get 1) (i32.sub (local.get 3) (local.get 2)))))
          (then (drop (i64.load (i32.const -1))) (unreachable)))
        (if (i32.le_u (local.get 0) (local.get 1))
          (then
            (block $b (loop $l
              (br_if $b (i32.lt_u (local.get 2) (i32.const 8)))
              (i64.store (local.get 0) (i64.load (local.get 1)))
              (local.set 0 (i32.add (local.get 0) (i32.const 8)))
              (local.set 1 (i32.add (local.get 1) (i32.const 8)))
              (local.set 2 (i32.sub (local.get 2) (i32.const 8)))
              (br $l)))
            (block $b (loop $l
              (br_if $b (i32.eqz (local.get 2)))
              (i32.store8 (local.get 0) (i32.load8_u (local.get 1)))
              (local.set 0 (i32.add (local.get 0) (i32.const 1)))
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
              (br $l))))
          (else
            (block $b (loop $l
              (br_if $b (i32.lt_u (local.get 2) (i32.const 8)))
              (local.set 2 (i32.sub (local.get 2) (i32.const 8)))
              (i64.store (i32.add (local.get 0) (local.get 2))
                         (i64.load (i32.add (local.get 1) (local.get 2))))
              (br $l)))
            (block $b (loop $l
              (br_if $b (i32.eqz (local.get 2)))
              (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
              (i32.store8 (i32.add (local.get 0) (local.get 2))
                          (i32.load8_u (i32.add (local.get 1) (local.get 2))))
              (br $l))))))
      (func $fill (param i32 i32 i32) (local i64 i32)
        (local.set 4 (i32.shl (memory.size) (i32.const 16)))
        (if (i32.or (i32.gt_u (local.get 2) (local.get 4))
                    (i32.gt_u (local.get 0) (i32.sub (local.get 4) (local.get 2))))
          (then (drop (i64.load (i32.const -1))) (unreachable)))
        (local.set 3 (i64.mul (i64.extend_i32_u (i32.and (local.get 1) (i32.const 255)))
                              (i64.const 0x0101010101010101)))
        (block $b (loop $l
          (br_if $b (i32.lt_u (local.get 2) (i32.const 8)))
          (i64.store (local.get 0) (local.get 3))
          (local.set 0 (i32.add (local.get 0) (i32.const 8)))
          (local.set 2 (i32.sub (local.get 2) (i32.const 8)))
          (br $l)))
        (block $b (loop $l
          (br_if $b (i32.eqz (local.get 2)))
          (i32.store8 (local.get 0) (local.get 1))
          (local.set 0 (i32.add (local.get 0) (i32.const 1)))
          (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
          (br $l))))
      (func $size (result i32) (memory.size)))"#;
    let binary = wasm(text);
    let mut bodies = Vec::new();
    let mut pos = 8;
    let leb = |pos: &mut usize| {
        let (mut v, mut s) = (0usize, 0);
        loop {
            let b = binary[*pos];
            *pos += 1;
            v |= usize::from(b & 0x7F) << s;
            s += 7;
            if b & 0x80 == 0 {
                return v;
            }
        }
    };
    while pos < binary.len() {
        let id = binary[pos];
        pos += 1;
        let size = leb(&mut pos);
        if id == 10 {
            let mut p = pos;
            for _ in 0..leb(&mut p) {
                let len = leb(&mut p);
                bodies.push(binary[p..p + len].to_vec());
                p += len;
            }
        }
        pos += size;
    }
    let expected = [scan::COPY_BODY, scan::FILL_BODY, scan::SIZE_BODY];
    assert_eq!(bodies, expected.map(<[u8]>::to_vec));
}

#[test]
fn start_section_runs_after_linking() {
    let start = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "init\n")
      (func $init
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 5))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      (start $init)
      (func (export "_start")
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    let out = run(start, &WasiInput::default()).expect("runs");
    assert_eq!(out.stdout, b"init\ninit\n");
}

#[test]
fn instances_are_fresh_and_isolated() {
    let counter = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (global $g (mut i32) (i32.const 0))
      (func (export "_start")
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (call $exit (i32.add (global.get $g) (i32.load (i32.const 0))))))"#;
    let backend = backend();
    let module = backend
        .prepare(ModuleCode::Wasm(&wasm(counter)))
        .expect("prepare");
    for _ in 0..3 {
        let out = module
            .instantiate(&WasiInput::default())
            .expect("instantiate")
            .execute()
            .expect("execute");
        assert_eq!(out.exit_code, 2);
    }
}

/// The committed workloads of every language (bulk memory, `memory.size` in live-register
/// positions, Go's duplicate imports and its larger WASI surface) run: `hello` with its
/// expected output, the others with small inputs (the harness checks the full ones).
#[test]
fn committed_workloads_run() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads");
    let read = |p: &str| std::fs::read(dir.join(p)).expect("workload file");
    let backend = BackendId::Wasm3.create(&Limits::default()).expect("engine");
    let languages = ["c", "cpp", "zig", "rust", "go", "assemblyscript"];
    for lang in languages {
        let wasi = WasiInput {
            args: vec![],
            env: vec![("INPUT".into(), "wasmbench".into())],
            stdin: read("hello/input.stdin"),
            preopens: Vec::new(),
        };
        let module = format!("built/hello.{lang}.wasm");
        let out = run_once(backend.as_ref(), &read(&module), &wasi)
            .unwrap_or_else(|e| panic!("{module}: {e}"));
        assert_eq!(
            out.exit_code,
            0,
            "{module}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&read("hello/expected.stdout")),
            "{module}"
        );
    }
    for (workload, input) in [("fib", "20"), ("matmul", "8"), ("sha256", "1000")] {
        for lang in languages {
            let module = format!("built/{workload}.{lang}.wasm");
            if !dir.join(&module).exists() {
                continue;
            }
            let wasi = WasiInput {
                env: vec![("INPUT".into(), input.into())],
                ..WasiInput::default()
            };
            let out = run_once(backend.as_ref(), &read(&module), &wasi)
                .unwrap_or_else(|e| panic!("{module}: {e}"));
            assert_eq!(
                out.exit_code,
                0,
                "{module}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.stdout.is_empty(), "{module}");
        }
    }
}

#[test]
fn poll_oneoff_sleeps_but_not_past_the_deadline() {
    let poll = |nanos: u64| {
        format!(
            r#"(module
          (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i64.store (i32.const 0) (i64.const 7))             ;; userdata
            (i32.store8 (i32.const 8) (i32.const 0))            ;; clock
            (i32.store (i32.const 16) (i32.const 1))            ;; monotonic
            (i64.store (i32.const 24) (i64.const {nanos}))      ;; relative timeout
            (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
            (call $exit (i32.add (i32.add
              (i32.mul (i32.load (i32.const 64)) (i32.const 100))
              (i32.mul (i32.load (i32.const 128)) (i32.const 10)))
              (i32.load8_u (i32.const 74))))))"#
        )
    };
    let started = Instant::now();
    let out = run(&poll(20_000_000), &WasiInput::default()).expect("runs");
    assert_eq!(out.exit_code, 710, "userdata 7, one event, of type clock");
    assert!(started.elapsed() >= Duration::from_millis(20));
    let started = Instant::now();
    let err = run(&poll(60_000_000_000), &WasiInput::default()).expect_err("deadline");
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn duplicate_imports_are_all_linked() {
    let twice = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $a (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $b (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "ab")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 1))
        (drop (call $a (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 0) (i32.const 17))
        (drop (call $b (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    let out = run(twice, &WasiInput::default()).expect("runs");
    assert_eq!(out.stdout, b"ab");
}

#[test]
fn every_host_function_has_a_trampoline_and_a_signature() {
    use crate::wasi_host::table::FUNCTIONS;
    assert_eq!(super::host::TRAMPOLINES.len(), FUNCTIONS.len());
    let open = FUNCTIONS.iter().find(|f| f.name == "path_open").expect("path_open");
    assert_eq!(super::host::signature(open).to_str().ok(), Some("i(iiiiiIIii)"));
    let exit = FUNCTIONS.iter().find(|f| f.name == "proc_exit").expect("proc_exit");
    assert_eq!(super::host::signature(exit).to_str().ok(), Some("v(i)"));
}
