;; prelude: fs
;; "../../etc/passwd" and "sub/../../outside.txt" leave the root: refused with an errno.
(data (i32.const 1024) "../../etc/passwd")
(data (i32.const 1056) "sub/../../outside.txt")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 16) (i32.const 0) (i64.const 2113574)) (i32.const 1))
  (call $check_refused (call $open (i32.const 1056) (i32.const 21) (i32.const 0) (i64.const 2113574)) (i32.const 2))
  (call $ok))
