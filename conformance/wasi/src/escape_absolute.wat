;; prelude: fs
;; An absolute path, "/etc/passwd", relative to the root's descriptor: refused with an
;; errno (WASI paths are relative to their directory descriptor).
(data (i32.const 1024) "/etc/passwd")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 11) (i32.const 0) (i64.const 2113574)) (i32.const 1))
  (call $check_refused (call $stat (i32.const 1024) (i32.const 11) (i32.const 1)) (i32.const 2))
  (call $ok))
