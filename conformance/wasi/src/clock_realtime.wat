;; clock_time_get(realtime): succeeds and is past 2020-01-01 (1577836800 s since the epoch).
(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 2048)) (i32.const 1))
  (call $check (i64.gt_u (i64.load (i32.const 2048)) (i64.const 1577836800000000000)) (i32.const 2))
  (call $ok))
