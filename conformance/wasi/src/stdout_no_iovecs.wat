;; fd_write(1) of zero iovecs succeeds and writes nothing.
(func (export "_start")
  (i32.store (i32.const 2064) (i32.const 77))
  (call $check_ok (call $fd_write (i32.const 1) (i32.const 2048) (i32.const 0) (i32.const 2064)) (i32.const 1))
  (call $check (i32.eqz (i32.load (i32.const 2064))) (i32.const 2))
  (call $ok))
