;; Timeout: an endless loop whose body is a host call (sched_yield), so that a runtime that
;; checks its deadline only in Wasm code must also check it around host calls.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (drop (call $yield)) (br $l))))
