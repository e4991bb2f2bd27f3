;; Invalid: the function claims to return i32 but leaves an i64 (a validation error).
(module
  (memory (export "memory") 1)
  (func $bad (result i32) (i64.const 0))
  (func (export "_start") (drop (call $bad))))
