;; _start returning without proc_exit: exit code 0.
(func (export "_start")
  (call $ok))
