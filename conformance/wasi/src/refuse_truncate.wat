;; prelude: fs
;; path_open("hello.txt") with oflags TRUNC is refused with an errno; the file keeps its 13 bytes.
(data (i32.const 1024) "hello.txt")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 9) (i32.const 8) (i64.const 2113638)) (i32.const 1))
  (call $check_file (i32.const 1024) (i32.const 9) (i64.const 13) (i32.const 2))
  (call $ok))
