;; prelude: fs
;; fd_filestat_get of an open "hello.txt": a regular file (filetype 4) of 13 bytes.
(import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
(data (i32.const 1024) "hello.txt")
(func (export "_start") (local $fd i32)
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 9) (i32.const 1)))
  (call $check_ok (call $fd_filestat_get (local.get $fd) (i32.const 2048)) (i32.const 2))
  (call $check (i32.eq (i32.load8_u (i32.const 2064)) (i32.const 4)) (i32.const 3))
  (call $check (i64.eq (i64.load (i32.const 2080)) (i64.const 13)) (i32.const 4))
  (call $ok))
