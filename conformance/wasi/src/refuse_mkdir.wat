;; prelude: fs
;; path_create_directory("newdir.cleanup") is refused with an errno; no directory appears.
(import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
(data (i32.const 1024) "newdir.cleanup")
(func (export "_start")
  (call $check_refused (call $path_create_directory (i32.const 3) (i32.const 1024) (i32.const 14)) (i32.const 1))
  (call $check_absent (i32.const 1024) (i32.const 14) (i32.const 2))
  (call $ok))
