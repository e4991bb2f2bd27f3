;; fd_fdstat_get of a descriptor that is not open: EBADF (8).
(import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_errno (call $fd_fdstat_get (i32.const 99) (i32.const 2048)) (i32.const 8) (i32.const 1))
  (call $ok))
