;; proc_exit(0) after output: exit code 0, the output kept.
(func (export "_start")
  (call $ok)
  (call $proc_exit (i32.const 0))
  ;; not reached
  (call $fail (i32.const 1)))
