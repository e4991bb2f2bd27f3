;; poll_oneoff with one relative monotonic-clock subscription of 10 ms: one event, with the
;; subscription's userdata, no error, type clock; at least 10 ms pass (monotonic clock).
(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
(func (export "_start")
  ;; subscription at 2048 (48 bytes): userdata, tag 0 (clock), id 1, timeout, precision, flags 0
  (i64.store (i32.const 2048) (i64.const 0x1234567890))
  (i32.store8 (i32.const 2056) (i32.const 0))
  (i32.store (i32.const 2064) (i32.const 1))
  (i64.store (i32.const 2072) (i64.const 10000000))
  (i64.store (i32.const 2080) (i64.const 0))
  (i32.store16 (i32.const 2088) (i32.const 0))
  (call $check_ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 3000)) (i32.const 1))
  ;; event at 2200 (32 bytes), count at 2240
  (call $check_ok (call $poll_oneoff (i32.const 2048) (i32.const 2200) (i32.const 1) (i32.const 2240)) (i32.const 2))
  (call $check_ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 3008)) (i32.const 3))
  (call $check (i32.eq (i32.load (i32.const 2240)) (i32.const 1)) (i32.const 4))
  (call $check (i64.eq (i64.load (i32.const 2200)) (i64.const 0x1234567890)) (i32.const 5))
  (call $check (i32.eqz (i32.load16_u (i32.const 2208))) (i32.const 6))
  (call $check (i32.eqz (i32.load8_u (i32.const 2210))) (i32.const 7))
  (call $check (i64.ge_u (i64.sub (i64.load (i32.const 3008)) (i64.load (i32.const 3000))) (i64.const 10000000)) (i32.const 8))
  (call $ok))
