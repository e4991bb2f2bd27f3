;; Grows its memory by 1 MiB steps until the cap refuses, then traps: 500, x-wasm-error: trap.
(module (memory (export "memory") 1) (func (export "_start") (loop $more (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) (unreachable)))
