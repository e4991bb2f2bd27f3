;; Two calls of random_get for 32 bytes each give different bytes.
(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $random_get (i32.const 4096) (i32.const 32)) (i32.const 1))
  (call $check_ok (call $random_get (i32.const 4160) (i32.const 32)) (i32.const 2))
  (call $check (i32.eqz (call $memeq (i32.const 4096) (i32.const 4160) (i32.const 32))) (i32.const 3))
  (call $ok))
