;; random_get fills 256 zeroed bytes: not all of them stay zero.
(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
(func (export "_start") (local $i i32) (local $any i32)
  (call $check_ok (call $random_get (i32.const 4096) (i32.const 256)) (i32.const 1))
  (loop $each
    (local.set $any (i32.or (local.get $any) (i32.load8_u (i32.add (i32.const 4096) (local.get $i)))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $each (i32.lt_u (local.get $i) (i32.const 256))))
  (call $check (local.get $any) (i32.const 2))
  (call $ok))
