;; Without `env` in the spec the guest's environment is empty: none of the host's.
(import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $environ_sizes_get (i32.const 2048) (i32.const 2052)) (i32.const 1))
  (call $check (i32.eqz (i32.load (i32.const 2048))) (i32.const 2))
  (call $check (i32.eqz (i32.load (i32.const 2052))) (i32.const 3))
  (call $ok))
