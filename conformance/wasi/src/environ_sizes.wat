;; environ_sizes_get: 2 variables, "A=1\0" and "LONGER_NAME=value with spaces\0" = 34 bytes.
(import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $environ_sizes_get (i32.const 2048) (i32.const 2052)) (i32.const 1))
  (call $check (i32.eq (i32.load (i32.const 2048)) (i32.const 2)) (i32.const 2))
  (call $check (i32.eq (i32.load (i32.const 2052)) (i32.const 34)) (i32.const 3))
  (call $ok))
