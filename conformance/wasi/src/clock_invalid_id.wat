;; A clock id that is not in the clockid enum: EINVAL (28) from clock_time_get and
;; clock_res_get; nothing is written.
(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
(import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
(func (export "_start") (local $e i32)
  (local.set $e (call $clock_time_get (i32.const 99) (i64.const 1) (i32.const 2048)))
  (call $check_refused (local.get $e) (i32.const 1))
  (call $check_errno (local.get $e) (i32.const 28) (i32.const 2))
  (local.set $e (call $clock_res_get (i32.const 99) (i32.const 2048)))
  (call $check_refused (local.get $e) (i32.const 3))
  (call $check_errno (local.get $e) (i32.const 28) (i32.const 4))
  (call $ok))
