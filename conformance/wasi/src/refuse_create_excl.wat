;; prelude: fs
;; path_open with CREAT|EXCL of a new name, asking only for read rights, is refused too:
;; creating is a write whatever the rights asked for.
(data (i32.const 1024) "exclusive.cleanup")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 17) (i32.const 5) (i64.const 2113574)) (i32.const 1))
  (call $check_absent (i32.const 1024) (i32.const 17) (i32.const 2))
  (call $ok))
