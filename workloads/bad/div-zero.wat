;; Trap: integer division by zero (the divisor comes from a call so nothing folds it).
(module
  (memory (export "memory") 1)
  (func $zero (result i32) (i32.const 0))
  (func (export "_start") (drop (i32.div_u (i32.const 1) (call $zero)))))
