;; prelude: fs
;; path_filestat_get of a path that does not exist: ENOENT (44).
(data (i32.const 1024) "nope/nothing.txt")
(func (export "_start") (local $e i32)
  (local.set $e (call $stat (i32.const 1024) (i32.const 16) (i32.const 1)))
  (call $check_refused (local.get $e) (i32.const 1))
  (call $check_errno (local.get $e) (i32.const 44) (i32.const 2))
  (call $ok))
