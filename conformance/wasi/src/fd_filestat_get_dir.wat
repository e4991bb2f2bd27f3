;; prelude: fs
;; fd_filestat_get of the preopened root (fd 3): a directory (filetype 3).
(import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
(func (export "_start")
  (call $check_ok (call $fd_filestat_get (i32.const 3) (i32.const 2048)) (i32.const 1))
  (call $check (i32.eq (i32.load8_u (i32.const 2064)) (i32.const 3)) (i32.const 2))
  (call $ok))
