;; prelude: fs
;; path_open of a file that does not exist: ENOENT (44).
(data (i32.const 1024) "missing.txt")
(func (export "_start") (local $e i32)
  (local.set $e (call $open (i32.const 1024) (i32.const 11) (i32.const 0) (i64.const 2113574)))
  (call $check_refused (local.get $e) (i32.const 1))
  (call $check_errno (local.get $e) (i32.const 44) (i32.const 2))
  (call $ok))
