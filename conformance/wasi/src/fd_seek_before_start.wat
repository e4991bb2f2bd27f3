;; prelude: fs
;; fd_seek to before the start of the file (SET -5, CUR -1 at offset 0) fails with an
;; errno (EINVAL in POSIX terms; any errno counts); the offset stays 0.
(import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
(import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
(data (i32.const 1024) "digits.txt")
(func (export "_start") (local $fd i32)
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 10) (i32.const 1)))
  (call $check_refused (call $fd_seek (local.get $fd) (i64.const -5) (i32.const 0) (i32.const 2048)) (i32.const 2))
  (call $check_refused (call $fd_seek (local.get $fd) (i64.const -1) (i32.const 1) (i32.const 2048)) (i32.const 3))
  (call $check_ok (call $fd_tell (local.get $fd) (i32.const 2056)) (i32.const 4))
  (call $check (i64.eqz (i64.load (i32.const 2056))) (i32.const 5))
  (call $ok))
