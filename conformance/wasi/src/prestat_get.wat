;; prelude: fs
;; fd_prestat_get(3): the root is a preopened directory (tag 0) whose name is 1 byte long.
(import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $fd_prestat_get (i32.const 3) (i32.const 2048)) (i32.const 1))
  (call $check (i32.eqz (i32.load8_u (i32.const 2048))) (i32.const 2))
  (call $check (i32.eq (i32.load (i32.const 2052)) (i32.const 1)) (i32.const 3))
  (call $ok))
