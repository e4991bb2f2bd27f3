;; fd_write(2) succeeds and reports its 10 bytes written; none of them reach stdout.
(data (i32.const 1024) "to stderr\n")
(func (export "_start")
  (call $check_ok (call $write (i32.const 2) (i32.const 1024) (i32.const 10)) (i32.const 1))
  (call $check (i32.eq (i32.load (i32.const 8)) (i32.const 10)) (i32.const 2))
  (call $ok))
