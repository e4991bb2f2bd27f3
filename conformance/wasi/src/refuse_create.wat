;; prelude: fs
;; The root is read-only: path_open with oflags CREAT (and write rights) is refused with an
;; errno, and no file appears.
(data (i32.const 1024) "created.cleanup")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 15) (i32.const 1) (i64.const 2113638)) (i32.const 1))
  (call $check_absent (i32.const 1024) (i32.const 15) (i32.const 2))
  (call $ok))
