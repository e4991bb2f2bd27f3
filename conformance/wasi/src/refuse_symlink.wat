;; prelude: fs
;; path_symlink("hello.txt" ← "symlink.cleanup") is refused with an errno; no link appears.
(import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
(data (i32.const 1024) "hello.txt")
(data (i32.const 1040) "symlink.cleanup")
(func (export "_start")
  (call $check_refused
    (call $path_symlink (i32.const 1024) (i32.const 9) (i32.const 3) (i32.const 1040) (i32.const 15))
    (i32.const 1))
  (call $check_absent (i32.const 1040) (i32.const 15) (i32.const 2))
  (call $ok))
