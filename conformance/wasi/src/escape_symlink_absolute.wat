;; prelude: fs
;; "link-abs" is a symlink in the root to "/etc/passwd": opening it is refused with an errno.
(data (i32.const 1024) "link-abs")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 8) (i32.const 0) (i64.const 2113574)) (i32.const 1))
  (call $check_refused (call $stat (i32.const 1024) (i32.const 8) (i32.const 1)) (i32.const 2))
  (call $ok))
