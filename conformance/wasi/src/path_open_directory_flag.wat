;; prelude: fs
;; path_open("hello.txt") with oflags DIRECTORY fails (ENOTDIR in POSIX terms; any errno
;; counts); path_open("sub") with DIRECTORY succeeds.
(data (i32.const 1024) "hello.txt")
(data (i32.const 1040) "sub")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 9) (i32.const 2) (i64.const 2113574)) (i32.const 1))
  (call $check_ok (call $open (i32.const 1040) (i32.const 3) (i32.const 2) (i64.const 2113574)) (i32.const 2))
  (call $ok))
