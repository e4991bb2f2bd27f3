;; Memory cap: grows memory 1024 pages (64 MiB) at a time until the runtime refuses, then
;; exits with the number of grows that succeeded. Every backend must refuse at the same
;; point — with a 256 MiB cap, the 4th grow (to 4097 pages): exit code 3.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $n i32)
    (block $refused
      (loop $l
        (br_if $refused (i32.eq (memory.grow (i32.const 1024)) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (call $exit (local.get $n))))
