;; fd_close of a descriptor that is not open: EBADF (8).
(import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
(func (export "_start")
  (call $check_errno (call $fd_close (i32.const 1234)) (i32.const 8) (i32.const 1))
  (call $ok))
