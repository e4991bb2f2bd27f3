;; prelude: fs
;; path_filestat_get: "digits.txt" is a regular file of 10 bytes, "sub" a directory,
;; "sub/inner.txt" a regular file of 6 bytes.
(data (i32.const 1024) "digits.txt")
(data (i32.const 1040) "sub")
(data (i32.const 1048) "sub/inner.txt")
(func (export "_start")
  (call $check_file (i32.const 1024) (i32.const 10) (i64.const 10) (i32.const 1))
  (call $check_ok (call $stat (i32.const 1040) (i32.const 3) (i32.const 1)) (i32.const 10))
  (call $check (i32.eq (call $stat_type) (i32.const 3)) (i32.const 11))
  (call $check_file (i32.const 1048) (i32.const 13) (i64.const 6) (i32.const 20))
  (call $ok))
