;; prelude: fs
;; A freshly opened file is at offset 0 (fd_tell), and at 5 after reading 5 bytes.
(import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
(data (i32.const 1024) "digits.txt")
(func (export "_start") (local $fd i32)
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 10) (i32.const 1)))
  (i64.store (i32.const 2048) (i64.const 77))
  (call $check_ok (call $fd_tell (local.get $fd) (i32.const 2048)) (i32.const 2))
  (call $check (i64.eqz (i64.load (i32.const 2048))) (i32.const 3))
  (call $check (i32.eq (call $read (local.get $fd) (i32.const 4096) (i32.const 5) (i32.const 4)) (i32.const 5)) (i32.const 5))
  (call $check_ok (call $fd_tell (local.get $fd) (i32.const 2048)) (i32.const 6))
  (call $check (i64.eq (i64.load (i32.const 2048)) (i64.const 5)) (i32.const 7))
  (call $ok))
