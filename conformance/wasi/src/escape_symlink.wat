;; prelude: fs
;; "link-out" is a symlink in the root to "../outside.txt", a host file beside the root:
;; opening it (following links) or its target's filestat is refused with an errno.
(data (i32.const 1024) "link-out")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 8) (i32.const 0) (i64.const 2113574)) (i32.const 1))
  (call $check_refused (call $stat (i32.const 1024) (i32.const 8) (i32.const 1)) (i32.const 2))
  (call $ok))
