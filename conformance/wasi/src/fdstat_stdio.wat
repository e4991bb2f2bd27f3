;; fd_fdstat_get on 0, 1 and 2 succeeds and none of them is a directory (a pipe, a
;; character device or a redirected file: the spec leaves which to the host).
(import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
(func $stdio (param $fd i32) (param $code i32) (local $type i32)
  (call $check_ok (call $fd_fdstat_get (local.get $fd) (i32.const 2048)) (local.get $code))
  (local.set $type (i32.load8_u (i32.const 2048)))
  (call $check (i32.ne (local.get $type) (i32.const 3)) (i32.add (local.get $code) (i32.const 1))))
(func (export "_start")
  (call $stdio (i32.const 0) (i32.const 10))
  (call $stdio (i32.const 1) (i32.const 20))
  (call $stdio (i32.const 2) (i32.const 30))
  (call $ok))
