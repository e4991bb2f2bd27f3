;; Traps at once: the gateway answers 500 with x-wasm-error: trap.
(module (memory (export "memory") 1) (func (export "_start") unreachable))
