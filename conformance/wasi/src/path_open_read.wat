;; prelude: fs
;; path_open("hello.txt") for reading, then fd_read to end of file: its 13 bytes exactly.
(data (i32.const 1024) "hello.txt")
(data (i32.const 1040) "hello, world\n")
(func (export "_start") (local $fd i32)
  (local.set $fd (call $open_read (i32.const 1024) (i32.const 9) (i32.const 1)))
  (call $check (i32.eq (call $read_all (local.get $fd) (i32.const 4096) (i32.const 256) (i32.const 2)) (i32.const 13)) (i32.const 3))
  (call $check (call $memeq (i32.const 4096) (i32.const 1040) (i32.const 13)) (i32.const 4))
  ;; at end of file a read gives 0 bytes
  (call $check (i32.eqz (call $read (local.get $fd) (i32.const 4096) (i32.const 256) (i32.const 5))) (i32.const 6))
  (call $ok))
