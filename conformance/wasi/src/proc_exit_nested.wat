;; proc_exit from a call three functions deep ends the whole program with its code.
(data (i32.const 1024) "deep\n")
(func $three (call $print (i32.const 1024) (i32.const 5)) (call $proc_exit (i32.const 7)))
(func $two (call $three) (call $fail (i32.const 2)))
(func $one (call $two) (call $fail (i32.const 1)))
(func (export "_start")
  (call $one)
  (call $fail (i32.const 3)))
