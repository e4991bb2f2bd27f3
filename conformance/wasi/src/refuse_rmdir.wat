;; prelude: fs
;; path_remove_directory("sub") is refused with an errno; "sub" is still a directory with
;; its file. (git keeps no empty directory, so "sub" is not empty: a host that is not
;; read-only refuses this too, with ENOTEMPTY.)
(import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
(data (i32.const 1024) "sub")
(data (i32.const 1040) "sub/inner.txt")
(func (export "_start")
  (call $check_refused (call $path_remove_directory (i32.const 3) (i32.const 1024) (i32.const 3)) (i32.const 1))
  (call $check_ok (call $stat (i32.const 1024) (i32.const 3) (i32.const 0)) (i32.const 2))
  (call $check (i32.eq (call $stat_type) (i32.const 3)) (i32.const 3))
  (call $check_file (i32.const 1040) (i32.const 13) (i64.const 6) (i32.const 4))
  (call $ok))
