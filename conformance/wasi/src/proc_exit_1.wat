;; proc_exit(1): exit code 1, nothing after it runs.
(data (i32.const 1024) "bye\n")
(func (export "_start")
  (call $print (i32.const 1024) (i32.const 4))
  (call $proc_exit (i32.const 1))
  (call $print (i32.const 1024) (i32.const 4)))
