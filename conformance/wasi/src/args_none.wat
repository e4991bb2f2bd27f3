;; No arguments given: argc is 1 (argv[0], the program name, is the runtime's choice).
(import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $args_sizes_get (i32.const 2048) (i32.const 2052)) (i32.const 1))
  (call $check (i32.eq (i32.load (i32.const 2048)) (i32.const 1)) (i32.const 2))
  ;; argv[0] and its NUL at least
  (call $check (i32.ge_u (i32.load (i32.const 2052)) (i32.const 1)) (i32.const 3))
  (call $ok))
