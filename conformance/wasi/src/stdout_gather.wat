;; fd_write(1) of two iovecs, "hello " and "stdout\n": it may write less than all 13 bytes
;; (a short write, as POSIX allows: some hosts write one iovec per call), but at least one,
;; and what it reports written is what reached stdout; the rest is written after it.
(data (i32.const 1024) "hello ")
(data (i32.const 1040) "stdout\n")
(data (i32.const 1056) "hello stdout\n")
(func (export "_start") (local $n i32)
  (i32.store (i32.const 2048) (i32.const 1024))
  (i32.store (i32.const 2052) (i32.const 6))
  (i32.store (i32.const 2056) (i32.const 1040))
  (i32.store (i32.const 2060) (i32.const 7))
  (call $check_ok (call $fd_write (i32.const 1) (i32.const 2048) (i32.const 2) (i32.const 2064)) (i32.const 1))
  (local.set $n (i32.load (i32.const 2064)))
  (call $check (i32.ge_u (local.get $n) (i32.const 1)) (i32.const 2))
  (call $check (i32.le_u (local.get $n) (i32.const 13)) (i32.const 3))
  (if (i32.lt_u (local.get $n) (i32.const 13))
    (then
      (call $check_ok
        (call $write (i32.const 1) (i32.add (i32.const 1056) (local.get $n)) (i32.sub (i32.const 13) (local.get $n)))
        (i32.const 4))
      (call $check (i32.eq (i32.load (i32.const 8)) (i32.sub (i32.const 13) (local.get $n))) (i32.const 5))))
  (call $ok))
