;; sched_yield succeeds.
(import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
(func (export "_start")
  (call $check_ok (call $sched_yield) (i32.const 1))
  (call $check_ok (call $sched_yield) (i32.const 2))
  (call $ok))
