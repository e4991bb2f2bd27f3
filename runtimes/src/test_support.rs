//! Shared by the backends' unit tests: WebAssembly text → binary, the limits they run
//! under, and the smallest WASI command.

use std::time::Duration;

use crate::Limits;

/// Writes "hi\n" to stdout with `fd_write` (and imports `proc_exit`, unused).
pub(crate) const HELLO: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "hi\n")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 3))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    "#;

/// Assemble WebAssembly text (test modules are always valid text).
pub(crate) fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("valid wat")
}

/// Default limits with a 200 ms deadline, so that endless loops end quickly.
pub(crate) fn limits() -> Limits {
    Limits {
        deadline: Duration::from_millis(200),
        ..Limits::default()
    }
}
