;; Trap at instantiation: the module's start function executes `unreachable`.
(module
  (memory (export "memory") 1)
  (func $init (unreachable))
  (start $init)
  (func (export "_start")))
