;; prelude: fs
;; "../outside.txt" leaves the root: path_open and path_filestat_get are refused with an
;; errno (the file exists on the host beside the root).
(data (i32.const 1024) "../outside.txt")
(func (export "_start")
  (call $check_refused (call $open (i32.const 1024) (i32.const 14) (i32.const 0) (i64.const 2113574)) (i32.const 1))
  (call $check_refused (call $stat (i32.const 1024) (i32.const 14) (i32.const 1)) (i32.const 2))
  (call $ok))
