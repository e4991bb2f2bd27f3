  ;; ---- prelude: appended to every test by scripts/build-conformance.sh ----
  ;; Memory layout: 0..64 prelude scratch, 64..128 prelude strings and digits,
  ;; 128..192 the file-system prelude's filestat, 1024.. the test's own data.
  ;; lib/imports.wat (prepended) imports $fd_write and $proc_exit.
  (memory (export "memory") 1)
  (data (i32.const 64) "ok\n")
  (data (i32.const 68) "fail ")

  ;; fd_write of one buffer → errno (iovec at 0, count written at 8).
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))

  (func $print (param $ptr i32) (param $len i32)
    (drop (call $write (i32.const 1) (local.get $ptr) (local.get $len))))

  ;; Every check passed: "ok\n" on stdout.
  (func $ok
    (call $print (i32.const 64) (i32.const 3)))

  ;; n in decimal on stdout (digits built backwards in 80..96).
  (func $print_u32 (param $n i32) (local $p i32)
    (local.set $p (i32.const 96))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (call $print (local.get $p) (i32.sub (i32.const 96) (local.get $p))))

  ;; Check number `code` failed: "fail CODE\n" on stdout and exit with CODE.
  (func $fail (param $code i32)
    (call $print (i32.const 68) (i32.const 5))
    (call $print_u32 (local.get $code))
    (call $print (i32.const 66) (i32.const 1))
    (call $proc_exit (local.get $code)))

  (func $check (param $cond i32) (param $code i32)
    (if (i32.eqz (local.get $cond)) (then (call $fail (local.get $code)))))

  ;; The call succeeded (errno 0).
  (func $check_ok (param $errno i32) (param $code i32)
    (call $check (i32.eqz (local.get $errno)) (local.get $code)))

  ;; The call failed with exactly this errno.
  (func $check_errno (param $errno i32) (param $want i32) (param $code i32)
    (call $check (i32.eq (local.get $errno) (local.get $want)) (local.get $code)))

  ;; The call was refused with some errno (which one the spec leaves open).
  (func $check_refused (param $errno i32) (param $code i32)
    (call $check (i32.ne (local.get $errno) (i32.const 0)) (local.get $code)))

  ;; The n bytes at a and b are equal.
  (func $memeq (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $differ
      (loop $each
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each)))
    (i32.const 0))
