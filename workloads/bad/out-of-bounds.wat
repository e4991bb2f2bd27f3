;; Trap: a load past the end of linear memory.
(module
  (memory (export "memory") 1)
  (func (export "_start") (drop (i32.load (i32.const 70000)))))
