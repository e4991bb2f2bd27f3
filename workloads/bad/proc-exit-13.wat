;; Exit code 13 through proc_exit: a result, not a crash (wrong output against exit 0).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 13))))
