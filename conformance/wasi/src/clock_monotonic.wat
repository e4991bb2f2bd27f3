;; clock_time_get(monotonic) twice: succeeds, and the second reading is not earlier.
(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 2048)) (i32.const 1))
  (call $check_ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 2056)) (i32.const 2))
  (call $check (i64.ge_u (i64.load (i32.const 2056)) (i64.load (i32.const 2048))) (i32.const 3))
  (call $ok))
