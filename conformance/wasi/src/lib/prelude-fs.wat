  ;; ---- file-system prelude: appended to tests marked `;; prelude: fs` ----
  ;; The test's root is preopened as fd 3 (the first preopen). Such a test gets
  ;; $path_open, $fd_read and $path_filestat_get (lib/imports-fs.wat, prepended).

  ;; path_open relative to fd 3, following symlinks, with these oflags and rights (base
  ;; and inheriting) → errno; the new fd is stored at 40 (see $opened).
  (func $open (param $path i32) (param $len i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (local.get $path) (local.get $len)
      (local.get $oflags) (local.get $rights) (local.get $rights) (i32.const 0) (i32.const 40)))

  (func $opened (result i32)
    (i32.load (i32.const 40)))

  ;; Open for reading (fd_read, fd_seek, fd_tell, fd_readdir, fd_filestat_get) or fail.
  (func $open_read (param $path i32) (param $len i32) (param $code i32) (result i32)
    (call $check_ok
      (call $open (local.get $path) (local.get $len) (i32.const 0) (i64.const 2113574))
      (local.get $code))
    (call $opened))

  ;; One fd_read into (buf, cap) → bytes read; fail with code on an errno.
  (func $read (param $fd i32) (param $buf i32) (param $cap i32) (param $code i32) (result i32)
    (i32.store (i32.const 16) (local.get $buf))
    (i32.store (i32.const 20) (local.get $cap))
    (call $check_ok (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)) (local.get $code))
    (i32.load (i32.const 24)))

  ;; Read until end of file into (buf, cap) → total bytes read.
  (func $read_all (param $fd i32) (param $buf i32) (param $cap i32) (param $code i32) (result i32)
    (local $n i32) (local $total i32)
    (loop $more
      (local.set $n (call $read (local.get $fd)
        (i32.add (local.get $buf) (local.get $total))
        (i32.sub (local.get $cap) (local.get $total)) (local.get $code)))
      (local.set $total (i32.add (local.get $total) (local.get $n)))
      (br_if $more (i32.and (i32.ne (local.get $n) (i32.const 0))
                            (i32.lt_u (local.get $total) (local.get $cap)))))
    (local.get $total))

  ;; path_filestat_get relative to fd 3 into 128..192 → errno (follow: 1 follows symlinks).
  (func $stat (param $path i32) (param $len i32) (param $follow i32) (result i32)
    (call $path_filestat_get (i32.const 3) (local.get $follow) (local.get $path) (local.get $len) (i32.const 128)))

  (func $stat_type (result i32)
    (i32.load8_u (i32.const 144)))

  (func $stat_size (result i64)
    (i64.load (i32.const 160)))

  ;; Nothing changed: the path is still a regular file of this size (codes code, code+1, code+2).
  (func $check_file (param $path i32) (param $len i32) (param $size i64) (param $code i32)
    (call $check_ok (call $stat (local.get $path) (local.get $len) (i32.const 0)) (local.get $code))
    (call $check (i32.eq (call $stat_type) (i32.const 4)) (i32.add (local.get $code) (i32.const 1)))
    (call $check (i64.eq (call $stat_size) (local.get $size)) (i32.add (local.get $code) (i32.const 2))))

  ;; Nothing was created: the path does not exist, not even as a symlink.
  (func $check_absent (param $path i32) (param $len i32) (param $code i32)
    (call $check_refused (call $stat (local.get $path) (local.get $len) (i32.const 0)) (local.get $code)))
