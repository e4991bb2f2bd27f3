;; random_get of zero bytes succeeds and writes nothing.
(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
(func (export "_start")
  (i32.store (i32.const 4096) (i32.const 0x5a5a5a5a))
  (call $check_ok (call $random_get (i32.const 4096) (i32.const 0)) (i32.const 1))
  (call $check (i32.eq (i32.load (i32.const 4096)) (i32.const 0x5a5a5a5a)) (i32.const 2))
  (call $ok))
