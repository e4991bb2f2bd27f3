;; Timeout: a loop with no calls in it.
(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))
