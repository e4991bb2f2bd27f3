;; fd_write to a descriptor that is not open: EBADF (8), nothing written anywhere.
(data (i32.const 1024) "lost\n")
(func (export "_start")
  (call $check_errno (call $write (i32.const 77) (i32.const 1024) (i32.const 5)) (i32.const 8) (i32.const 1))
  (call $ok))
