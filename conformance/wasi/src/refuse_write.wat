;; prelude: fs
;; path_open("hello.txt") asking for fd_write: either refused, or the fd_write that follows
;; is; the file is unchanged (13 bytes, "hello, world\n").
(data (i32.const 1024) "hello.txt")
(data (i32.const 1040) "hello, world\n")
(data (i32.const 1056) "OVERWRITTEN")
(func (export "_start") (local $fd i32)
  (if (i32.eqz (call $open (i32.const 1024) (i32.const 9) (i32.const 0) (i64.const 2113638)))
    (then (call $check_refused (call $write (call $opened) (i32.const 1056) (i32.const 11)) (i32.const 1))))
  (call $check_file (i32.const 1024) (i32.const 9) (i64.const 13) (i32.const 2))
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 9) (i32.const 5)))
  (call $check (i32.eq (call $read_all (local.get $fd) (i32.const 4096) (i32.const 64) (i32.const 6)) (i32.const 13)) (i32.const 7))
  (call $check (call $memeq (i32.const 4096) (i32.const 1040) (i32.const 13)) (i32.const 8))
  (call $ok))
