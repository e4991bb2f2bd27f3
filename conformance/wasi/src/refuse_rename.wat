;; prelude: fs
;; path_rename("hello.txt" → "renamed.cleanup") is refused with an errno; the old name is
;; still a 13-byte file and the new one does not exist.
(import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
(data (i32.const 1024) "hello.txt")
(data (i32.const 1040) "renamed.cleanup")
(func (export "_start")
  (call $check_refused
    (call $path_rename (i32.const 3) (i32.const 1024) (i32.const 9) (i32.const 3) (i32.const 1040) (i32.const 15))
    (i32.const 1))
  (call $check_file (i32.const 1024) (i32.const 9) (i64.const 13) (i32.const 2))
  (call $check_absent (i32.const 1040) (i32.const 15) (i32.const 5))
  (call $ok))
