;; prelude: fs
;; fd_pread of 4 bytes at offset 3 of "0123456789" gives "3456" and leaves the file offset
;; alone: a following fd_read starts at "0".
(import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
(data (i32.const 1024) "digits.txt")
(data (i32.const 1040) "3456")
(data (i32.const 1048) "01")
(func (export "_start") (local $fd i32)
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 10) (i32.const 1)))
  (i32.store (i32.const 2048) (i32.const 4096))
  (i32.store (i32.const 2052) (i32.const 4))
  (call $check_ok (call $fd_pread (local.get $fd) (i32.const 2048) (i32.const 1) (i64.const 3) (i32.const 2056)) (i32.const 2))
  (call $check (i32.eq (i32.load (i32.const 2056)) (i32.const 4)) (i32.const 3))
  (call $check (call $memeq (i32.const 4096) (i32.const 1040) (i32.const 4)) (i32.const 4))
  (call $check (i32.eq (call $read (local.get $fd) (i32.const 4200) (i32.const 2) (i32.const 5)) (i32.const 2)) (i32.const 6))
  (call $check (call $memeq (i32.const 4200) (i32.const 1048) (i32.const 2)) (i32.const 7))
  (call $ok))
