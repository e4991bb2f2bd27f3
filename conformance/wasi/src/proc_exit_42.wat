;; proc_exit(42): exit code 42, the output before it kept.
(data (i32.const 1024) "forty-two\n")
(func (export "_start")
  (call $print (i32.const 1024) (i32.const 10))
  (call $proc_exit (i32.const 42))
  (call $print (i32.const 1024) (i32.const 10)))
