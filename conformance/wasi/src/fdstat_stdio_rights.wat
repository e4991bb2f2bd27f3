;; The rights fd_fdstat_get reports: stdin has fd_read (bit 1), stdout and stderr have
;; fd_write (bit 6).
(import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
(func $has (param $fd i32) (param $right i64) (param $code i32)
  (call $check_ok (call $fd_fdstat_get (local.get $fd) (i32.const 2048)) (local.get $code))
  (call $check (i64.ne (i64.and (i64.load (i32.const 2056)) (local.get $right)) (i64.const 0))
    (i32.add (local.get $code) (i32.const 1))))
(func (export "_start")
  (call $has (i32.const 0) (i64.const 2) (i32.const 10))
  (call $has (i32.const 1) (i64.const 64) (i32.const 20))
  (call $has (i32.const 2) (i64.const 64) (i32.const 30))
  (call $ok))
