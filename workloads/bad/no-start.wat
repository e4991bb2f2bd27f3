;; Invalid as a WASI command: exports no `_start`.
(module
  (memory (export "memory") 1)
  (func (export "main")))
