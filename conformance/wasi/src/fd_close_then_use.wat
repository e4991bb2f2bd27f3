;; prelude: fs
;; After fd_close, the descriptor is gone: fd_read and a second fd_close give EBADF (8).
(import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
(data (i32.const 1024) "hello.txt")
(func (export "_start") (local $fd i32)
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 9) (i32.const 1)))
  (call $check_ok (call $fd_close (local.get $fd)) (i32.const 2))
  (i32.store (i32.const 2048) (i32.const 4096))
  (i32.store (i32.const 2052) (i32.const 16))
  (call $check_errno (call $fd_read (local.get $fd) (i32.const 2048) (i32.const 1) (i32.const 2056)) (i32.const 8) (i32.const 3))
  (call $check_errno (call $fd_close (local.get $fd)) (i32.const 8) (i32.const 4))
  (call $ok))
