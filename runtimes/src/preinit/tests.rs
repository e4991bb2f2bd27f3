//! Pre-initialization: the snapshot keeps what the initialisation computed, runs on other
//! backends, is reproducible, and the initialisation cannot read a request's input.

use std::time::Duration;

use super::*;
use crate::test_support::{limits, wasm};
use crate::{run_once, BackendId, WasiInput};

/// `wizer-initialize` fills 4096 bytes at 1024 with i*7 and counts itself in a global,
/// reading the clock and random_get on the way; `wizer.resume` prints the byte at
/// 1024+INDEX (INDEX = 100) and the global as two bytes, or "cold\n" if init never ran.
const COUNTER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $inits (mut i32) (i32.const 0))
  (data (i32.const 16) "cold\n")
  (func $init (export "wizer-initialize") (local $i i32)
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 512)))
    (drop (call $random (i32.const 528) (i32.const 16)))
    (loop $fill
      (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.mul (local.get $i) (i32.const 7)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 4096))))
    (global.set $inits (i32.add (global.get $inits) (i32.const 1))))
  (func $print (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "wizer.resume")
    (if (i32.eqz (global.get $inits)) (then (call $print (i32.const 16) (i32.const 5)) (return)))
    (i32.store8 (i32.const 64) (i32.load8_u (i32.const 1124)))
    (i32.store8 (i32.const 65) (global.get $inits))
    (call $print (i32.const 64) (i32.const 2)))
  (func (export "_start") (call $init) (call $print (i32.const 16) (i32.const 5))))"#;

fn options() -> Preinit {
    Preinit { deadline: Duration::from_secs(5), ..Preinit::default() }
}

#[test]
fn the_snapshot_keeps_the_initialised_state_and_runs_on_other_backends() {
    let snapshot = preinitialize(&wasm(COUNTER), &options()).expect("snapshot");
    assert_eq!(snapshot.renames, [("_start".to_string(), RESUME_FUNC.to_string())]);
    let exports = crate::ModuleInfo::of(&snapshot.wasm).expect("parses").exported_functions;
    assert!(!exports.iter().any(|e| e == INIT_FUNC || e == RESUME_FUNC), "{exports:?}");
    // wasm3 runs it too: the empty passive data segments Wizer leaves are dropped.
    let backends = [BackendId::WasmtimeCranelift, BackendId::WasmtimePulley, BackendId::Wasm3];
    for id in backends.into_iter().filter(|id| id.family().is_compiled_in()) {
        let backend = id.create(&limits()).expect("engine");
        let out = run_once(backend.as_ref(), &snapshot.wasm, &WasiInput::default()).expect("runs");
        assert_eq!(out.stdout, [(100u32 * 7) as u8, 1], "{id}: byte 100 of the table, then one init");
    }
}

#[test]
fn snapshots_are_reproducible_byte_for_byte() {
    let first = preinitialize(&wasm(COUNTER), &options()).expect("snapshot");
    let second = preinitialize(&wasm(COUNTER), &options()).expect("snapshot");
    assert!(first.wasm == second.wasm, "clock and random_get must be deterministic during the init");
}

#[test]
fn explicit_renames_replace_the_default() {
    let options = Preinit { renames: Some(Vec::new()), ..options() };
    let snapshot = preinitialize(&wasm(COUNTER), &options).expect("snapshot");
    let backend = BackendId::WasmtimeCranelift.create(&limits()).expect("engine");
    let out = run_once(backend.as_ref(), &snapshot.wasm, &WasiInput::default()).expect("runs");
    assert_eq!(out.stdout, b"cold\n", "the original _start kept: it prints before looking at the state");
}

#[test]
fn reading_a_request_input_during_the_init_is_refused_by_name() {
    let reads_env = r#"(module
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "wizer-initialize") (drop (call $sizes (i32.const 0) (i32.const 4))))
      (func (export "_start")))"#;
    let err = preinitialize(&wasm(reads_env), &options()).expect_err("refused");
    assert!(matches!(err, PreinitError::InitFailed { .. }), "{err}");
    assert!(err.to_string().contains("environ_sizes_get"), "{err}");
}

#[test]
fn a_missing_init_export_a_trap_and_an_endless_init_are_errors() {
    let plain = r#"(module (memory (export "memory") 1) (func (export "_start")))"#;
    let err = preinitialize(&wasm(plain), &options()).expect_err("no init export");
    assert!(matches!(err, PreinitError::Unsupported(_)) && err.to_string().contains(INIT_FUNC), "{err}");
    let traps = r#"(module (memory (export "memory") 1) (func (export "wizer-initialize") unreachable))"#;
    let err = preinitialize(&wasm(traps), &options()).expect_err("traps");
    assert!(matches!(err, PreinitError::InitFailed { .. }), "{err}");
    let spins = r#"(module (memory (export "memory") 1) (func (export "wizer-initialize") (loop $l (br $l))))"#;
    let quick = Preinit { deadline: Duration::from_millis(200), ..options() };
    let err = preinitialize(&wasm(spins), &quick).expect_err("deadline");
    assert!(matches!(err, PreinitError::InitFailed { .. }), "{err}");
}

#[test]
fn modules_wizer_cannot_snapshot_are_refused() {
    let imports_memory = r#"(module (import "env" "memory" (memory 1)) (func (export "wizer-initialize")))"#;
    let err = preinitialize(&wasm(imports_memory), &options()).expect_err("imported memory");
    assert!(matches!(err, PreinitError::Unsupported(_)), "{err}");
}
