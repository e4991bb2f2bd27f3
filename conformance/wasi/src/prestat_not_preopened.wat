;; prelude: fs
;; fd_prestat_get of stdout and of a descriptor that is not open fails (EBADF in the spec's
;; words, but any errno counts: hosts differ for stdio), and fd 4 is not a second preopen.
(import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_refused (call $fd_prestat_get (i32.const 1) (i32.const 2048)) (i32.const 1))
  (call $check_refused (call $fd_prestat_get (i32.const 4) (i32.const 2048)) (i32.const 2))
  (call $check_errno (call $fd_prestat_get (i32.const 99) (i32.const 2048)) (i32.const 8) (i32.const 3))
  (call $ok))
