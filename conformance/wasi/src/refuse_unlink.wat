;; prelude: fs
;; path_unlink_file("hello.txt") is refused with an errno; the file is still there.
(import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
(data (i32.const 1024) "hello.txt")
(func (export "_start")
  (call $check_refused (call $path_unlink_file (i32.const 3) (i32.const 1024) (i32.const 9)) (i32.const 1))
  (call $check_file (i32.const 1024) (i32.const 9) (i64.const 13) (i32.const 2))
  (call $ok))
