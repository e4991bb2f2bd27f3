;; args_sizes_get counts argv[0] plus the three arguments; their buffer holds at least
;; "first\0second\03\0" besides argv[0].
(import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $args_sizes_get (i32.const 2048) (i32.const 2052)) (i32.const 1))
  (call $check (i32.eq (i32.load (i32.const 2048)) (i32.const 4)) (i32.const 2))
  (call $check (i32.ge_u (i32.load (i32.const 2052)) (i32.const 16)) (i32.const 3))
  (call $ok))
