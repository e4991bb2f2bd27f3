;; Unlinkable: imports a function no runtime provides.
(module
  (import "env" "no_such_function" (func $nope))
  (memory (export "memory") 1)
  (func (export "_start") (call $nope)))
