;; prelude: fs
;; fd_prestat_dir_name(3) is "/", the guest path the root is preopened at.
(import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
(data (i32.const 1024) "/")
(func (export "_start")
  (call $check_ok (call $fd_prestat_dir_name (i32.const 3) (i32.const 2048) (i32.const 1)) (i32.const 1))
  (call $check (call $memeq (i32.const 2048) (i32.const 1024) (i32.const 1)) (i32.const 2))
  (call $ok))
