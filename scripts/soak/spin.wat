;; Never ends: the gateway answers 504 (x-wasm-error: timeout) at the deadline.
(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))
