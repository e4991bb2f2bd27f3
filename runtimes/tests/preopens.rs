//! Read-only preopened directories on every library backend compiled in: the guest sees
//! each directory under its guest name (first preopen = fd 3), reads, lists, seeks in its
//! files, and every attempt to change the directory or to read outside it gets a non-zero
//! errno and leaves the host file system as it was.
//!
//! The errno each backend gives per refused operation is printed (run with
//! `--nocapture`): libraries differ, the tests only demand "non-zero, and no effect".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use wasmbench_runtimes::{run_once, BackendId, ErrorKind, Execution, Limits, Preopen, WasiInput};


const DATA: &[u8] = b"0123456789abcdefghij\n";
const INNER: &[u8] = b"inner file\n";
const SECRET: &[u8] = b"TOP-SECRET-OUTSIDE";

// WASI preview1 flags and rights used below.
const SYMLINK_FOLLOW: u32 = 1;
const O_CREAT: u32 = 1;
const O_EXCL: u32 = 4;
const O_TRUNC: u32 = 8;
const FDFLAG_APPEND: u32 = 1;
const RIGHT_READ: u64 = 1 << 1;
const RIGHT_SEEK: u64 = 1 << 2;
const RIGHT_TELL: u64 = 1 << 5;
const RIGHT_WRITE: u64 = 1 << 6;
const READ_RIGHTS: u64 = RIGHT_READ | RIGHT_SEEK | RIGHT_TELL;

/// Every Wasm backend compiled in (wasm3 and V8 through the shared WASI host).
fn backends() -> Vec<BackendId> {
    // V8's flags are process-wide: only its first Wasm flavour runs in one process.
    let mut v8_seen = false;
    let ids: Vec<BackendId> = BackendId::available()
        .into_iter()
        .filter(|id| !id.runs_javascript())
        .filter(|id| id.family().name() != "v8" || !std::mem::replace(&mut v8_seen, true))
        .collect();
    assert!(!ids.is_empty(), "no backend compiled in");
    ids
}

fn run(id: BackendId, wasm: &[u8], preopens: Vec<Preopen>) -> Result<Execution, wasmbench_runtimes::RuntimeError> {
    let limits = Limits {
        deadline: Duration::from_secs(5),
        ..Limits::default()
    };
    let backend = id.create(&limits).unwrap_or_else(|e| panic!("{id}: engine: {e}"));
    let input = WasiInput {
        preopens,
        ..WasiInput::default()
    };
    run_once(backend.as_ref(), wasm, &input)
}

/// Runs the module and returns its stdout as text (exit code 0 required).
fn stdout_of(id: BackendId, wasm: &[u8], preopens: Vec<Preopen>) -> String {
    let out = run(id, wasm, preopens).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(out.exit_code, 0, "{id}: stderr {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A temporary folder: `root/` (the preopen: `data.txt`, `sub/inner.txt`, an empty
/// `empty/`, a symlink `out` to the outside file by absolute path, `rel` to it by
/// `../secret.txt`, `outdir` to the folder holding it) and `secret.txt` beside it.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    secret: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let root = tmp.path().join("root");
    let secret = tmp.path().join("secret.txt");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::create_dir(root.join("empty")).expect("mkdir");
    std::fs::write(root.join("data.txt"), DATA).expect("write");
    std::fs::write(root.join("sub/inner.txt"), INNER).expect("write");
    std::fs::write(&secret, SECRET).expect("write");
    std::os::unix::fs::symlink(&secret, root.join("out")).expect("symlink");
    std::os::unix::fs::symlink("../secret.txt", root.join("rel")).expect("symlink");
    std::os::unix::fs::symlink(tmp.path(), root.join("outdir")).expect("symlink");
    Fixture { _tmp: tmp, root, secret }
}

#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File(Vec<u8>, Option<SystemTime>),
    Dir,
    Link(PathBuf),
}

/// Everything under `dir` (symlinks not followed), with contents and modification times.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let value = if meta.file_type().is_symlink() {
                Entry::Link(std::fs::read_link(&path).expect("readlink"))
            } else if meta.is_dir() {
                pending.push(path.clone());
                Entry::Dir
            } else {
                Entry::File(std::fs::read(&path).expect("read"), meta.modified().ok())
            };
            entries.insert(path, value);
        }
    }
    entries
}

/// A guest module: shared imports and helpers, string constants placed by [`Wat::s`], and
/// a `_start` body.
struct Wat {
    strings: Vec<(u32, Vec<u8>)>,
    next: u32,
    body: String,
}

const PRELUDE: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $fd_filestat_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0..8 iovec, 16 result fd, 20 result size, 24 result offset, 200..241 digits,
  ;; 256.. fixed strings, 1024.. the module's strings, 4096.. buffers.
  (data (i32.const 256) "opened, write \n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; `n` in decimal, then a newline.
  (func $num (param $n i32)
    (local $p i32)
    (local.set $p (i32.const 240))
    (i32.store8 (i32.const 240) (i32.const 10))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $n)))
    (call $print (local.get $p) (i32.sub (i32.const 241) (local.get $p))))
  ;; The fd a successful path_open wrote.
  (func $fd (result i32) (i32.load (i32.const 16)))
  (func $open (param $dir i32) (param $follow i32) (param $p i32) (param $l i32) (param $oflags i32) (param $rights i64) (param $fdflags i32) (result i32)
    (call $path_open (local.get $dir) (local.get $follow) (local.get $p) (local.get $l)
      (local.get $oflags) (local.get $rights) (i64.const 0) (local.get $fdflags) (i32.const 16)))
  ;; Up to 256 bytes of `fd` to stdout.
  (func $cat (param $fd i32)
    (i32.store (i32.const 8) (i32.const 4096))
    (i32.store (i32.const 12) (i32.const 256))
    (i32.store (i32.const 20) (i32.const 0))
    (drop (call $fd_read (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 20)))
    (call $print (i32.const 4096) (i32.load (i32.const 20))))
  ;; Reports a path_open's errno; if it opened, tries to write a byte and reports that.
  (func $report_open (param $e i32)
    (call $num (local.get $e))
    (if (i32.eqz (local.get $e)) (then
      (call $print (i32.const 256) (i32.const 14))
      (i32.store (i32.const 8) (i32.const 256))
      (i32.store (i32.const 12) (i32.const 1))
      (call $num (call $fd_write (call $fd) (i32.const 8) (i32.const 1) (i32.const 20))))))
  ;; Reports a path_open's errno; if it opened, prints what it reads.
  (func $report_read (param $e i32)
    (call $num (local.get $e))
    (if (i32.eqz (local.get $e)) (then (call $cat (call $fd)))))
"#;

impl Wat {
    fn new() -> Wat {
        Wat {
            strings: Vec::new(),
            next: 1024,
            body: String::new(),
        }
    }

    /// A string constant, as the two arguments `ptr len`.
    fn s(&mut self, text: impl AsRef<[u8]>) -> String {
        let bytes = text.as_ref().to_vec();
        let at = self.next;
        let len = bytes.len() as u32;
        self.next += len + 1;
        self.strings.push((at, bytes));
        format!("(i32.const {at}) (i32.const {len})")
    }

    /// Prints `label ` and then runs `call` (which prints the rest of the line).
    fn line(&mut self, label: &str, call: String) -> &mut Self {
        let label = self.s(format!("{label} "));
        self.body.push_str(&format!("(call $print {label})\n{call}\n"));
        self
    }

    /// `label <errno>` for a call returning an errno.
    fn errno(&mut self, label: &str, call: String) -> &mut Self {
        self.line(label, format!("(call $num {call})"))
    }

    fn wasm(&self) -> Vec<u8> {
        let mut text = String::from(PRELUDE);
        for (at, bytes) in &self.strings {
            let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
            text.push_str(&format!("  (data (i32.const {at}) \"{escaped}\")\n"));
        }
        text.push_str(&format!("  (func (export \"_start\")\n{})\n)\n", self.body));
        wat::parse_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }
}

/// Opens `path` under `dir` for reading and prints `open<dir> <errno>` and its bytes.
fn read_file(w: &mut Wat, dir: u32, path: &str) {
    let p = w.s(path);
    let call = format!("(call $report_read (call $open (i32.const {dir}) (i32.const 1) {p} (i32.const 0) (i64.const {READ_RIGHTS}) (i32.const 0)))");
    w.line(&format!("open{dir}"), call);
}

/// `label errno` lines as a map.
fn errnos(stdout: &str) -> BTreeMap<String, u32> {
    stdout
        .lines()
        .filter_map(|line| {
            let (label, errno) = line.split_once(' ')?;
            Some((label.to_string(), errno.trim().parse().ok()?))
        })
        .collect()
}

/// The fd of the first preopen: 3, except on wasmer, whose WASI keeps fd 3 for its own
/// virtual root `/` (hard-coded in wasmer-wasix; see runtimes/src/wasmer/preopen.rs).
fn first_fd(id: BackendId) -> u32 {
    if id.family().name() == "wasmer" {
        4
    } else {
        3
    }
}

fn read_module(dir: u32) -> Vec<u8> {
    let mut w = Wat::new();
    read_file(&mut w, dir, "data.txt");
    read_file(&mut w, dir, "sub/inner.txt");
    w.wasm()
}

#[test]
fn guest_reads_a_preopened_file() {
    let fx = fixture();
    for id in backends() {
        let fd = first_fd(id);
        let out = stdout_of(id, &read_module(fd), vec![Preopen::new(&fx.root, "/data")]);
        let expected = format!(
            "open{fd} 0\n{}open{fd} 0\n{}",
            String::from_utf8_lossy(DATA),
            String::from_utf8_lossy(INNER)
        );
        assert_eq!(out, expected, "{id}");
    }
}

/// Prints every preopen's name from `first` on (and the errno past the last), then reads
/// `data.txt` through each.
fn names_module(first: u32, count: u32) -> Vec<u8> {
    let mut w = Wat::new();
    for fd in first..=first + count {
        w.errno(&format!("prestat{fd}"), format!("(call $fd_prestat_get (i32.const {fd}) (i32.const 16))"));
        if fd < first + count {
            let nl = w.s("\n");
            w.body.push_str(&format!(
                "(drop (call $fd_prestat_dir_name (i32.const {fd}) (i32.const 4096) (i32.load (i32.const 20))))
                 (call $print (i32.const 4096) (i32.load (i32.const 20))) (call $print {nl})\n"
            ));
        }
    }
    for fd in first..first + count {
        read_file(&mut w, fd, "data.txt");
    }
    w.wasm()
}

#[test]
fn preopens_have_their_guest_names_in_order_including_dot_and_root() {
    let fx = fixture();
    let other = tempfile::tempdir().expect("temporary folder");
    std::fs::write(other.path().join("data.txt"), b"other\n").expect("write");
    let preopens = vec![
        Preopen::new(&fx.root, "/data"),
        Preopen::new(&fx.root, "."),
        Preopen::new(other.path(), "/"),
    ];
    let data = String::from_utf8_lossy(DATA);
    for id in backends() {
        let a = first_fd(id);
        let (b, c, d) = (a + 1, a + 2, a + 3);
        let expected = format!(
            "prestat{a} 0\n/data\nprestat{b} 0\n.\nprestat{c} 0\n/\nprestat{d} 8\nopen{a} 0\n{data}open{b} 0\n{data}open{c} 0\nother\n"
        );
        let out = stdout_of(id, &names_module(a, 3), preopens.clone());
        assert_eq!(out, expected, "{id}");
    }
}

fn readdir_module(dir: u32) -> Vec<u8> {
    let mut w = Wat::new();
    // fd_readdir into 4096.., then every entry's name (a dirent is 24 bytes + name).
    w.errno(
        "readdir",
        format!("(call $fd_readdir (i32.const {dir}) (i32.const 4096) (i32.const 8192) (i64.const 0) (i32.const 20))"),
    );
    let nl = w.s("\n");
    w.body.push_str(&format!(
        "(local.set $p (i32.const 4096))
         (local.set $end (i32.add (i32.const 4096) (i32.load (i32.const 20))))
         (block $done (loop $next
           (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 24)) (local.get $end)))
           (local.set $len (i32.load (i32.add (local.get $p) (i32.const 16))))
           (call $print (i32.add (local.get $p) (i32.const 24)) (local.get $len))
           (call $print {nl})
           (local.set $p (i32.add (local.get $p) (i32.add (i32.const 24) (local.get $len))))
           (br $next)))\n"
    ));
    w.body = format!("(local $p i32) (local $end i32) (local $len i32)\n{}", w.body);
    w.wasm()
}

#[test]
fn readdir_lists_the_entries() {
    let fx = fixture();
    for id in backends() {
        let out = stdout_of(id, &readdir_module(first_fd(id)), vec![Preopen::new(&fx.root, "/data")]);
        let mut lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.first(), Some(&"readdir 0"), "{id}: {out}");
        let mut names: Vec<&str> = lines.drain(1..).filter(|n| *n != "." && *n != "..").collect();
        names.sort_unstable();
        assert_eq!(names, ["data.txt", "empty", "out", "outdir", "rel", "sub"], "{id}: {out}");
    }
}

fn seek_module(dir: u32) -> Vec<u8> {
    let mut w = Wat::new();
    let data = w.s("data.txt");
    w.errno(
        "open",
        format!("(call $open (i32.const {dir}) (i32.const 1) {data} (i32.const 0) (i64.const {READ_RIGHTS}) (i32.const 0))"),
    );
    w.errno("seek", "(call $fd_seek (call $fd) (i64.const 4) (i32.const 0) (i32.const 24))".into());
    w.line("offset", "(call $num (i32.wrap_i64 (i64.load (i32.const 24))))".into());
    // Read 4 bytes at the offset, then pread 4 at 10 (which does not move the offset).
    let nl = w.s("\n");
    for (label, call) in [
        ("read", "(call $fd_read (call $fd) (i32.const 8) (i32.const 1) (i32.const 20))"),
        ("pread", "(call $fd_pread (call $fd) (i32.const 8) (i32.const 1) (i64.const 10) (i32.const 20))"),
    ] {
        w.line(
            label,
            format!(
                "(i32.store (i32.const 8) (i32.const 4096)) (i32.store (i32.const 12) (i32.const 4))
                 (drop {call})
                 (call $print (i32.const 4096) (i32.load (i32.const 20))) (call $print {nl})"
            ),
        );
    }
    w.errno("tell", "(call $fd_tell (call $fd) (i32.const 24))".into());
    w.line("offset", "(call $num (i32.wrap_i64 (i64.load (i32.const 24))))".into());
    w.wasm()
}

#[test]
fn seek_tell_and_pread_work_on_an_opened_file() {
    let fx = fixture();
    let expected = "open 0\nseek 0\noffset 4\nread 4567\npread abcd\ntell 0\noffset 8\n";
    for id in backends() {
        let out = stdout_of(id, &seek_module(first_fd(id)), vec![Preopen::new(&fx.root, ".")]);
        assert_eq!(out, expected, "{id}");
    }
}

/// Every way to change the directory `dir` (paths under `prefix`), each printed as
/// `label errno` (a path_open that succeeds also tries to write and prints that errno on
/// an extra line).
fn refused_module(dir: u32, prefix: &str) -> Vec<u8> {
    let mut w = Wat::new();
    let open = |w: &mut Wat, label: &str, path: &str, oflags: u32, rights: u64, fdflags: u32| {
        let p = w.s(format!("{prefix}{path}"));
        w.line(
            label,
            format!("(call $report_open (call $open (i32.const {dir}) (i32.const 0) {p} (i32.const {oflags}) (i64.const {rights}) (i32.const {fdflags})))"),
        );
    };
    open(&mut w, "create", "new.txt", O_CREAT, RIGHT_READ | RIGHT_WRITE, 0);
    open(&mut w, "create-readonly", "new2.txt", O_CREAT, RIGHT_READ, 0);
    open(&mut w, "create-exclusive", "new3.txt", O_CREAT | O_EXCL, RIGHT_READ | RIGHT_WRITE, 0);
    open(&mut w, "truncate", "data.txt", O_TRUNC, RIGHT_READ | RIGHT_WRITE, 0);
    open(&mut w, "open-for-write", "data.txt", 0, RIGHT_READ | RIGHT_WRITE, 0);
    open(&mut w, "append", "data.txt", 0, RIGHT_READ | RIGHT_WRITE, FDFLAG_APPEND);
    let mut s = |path: &str| w.s(format!("{prefix}{path}"));
    let (data, moved, newdir, empty, link) = (s("data.txt"), s("moved.txt"), s("newdir"), s("empty"), s("link2"));
    let target = w.s("data.txt");
    w.errno("unlink", format!("(call $path_unlink_file (i32.const {dir}) {data})"));
    w.errno("rename", format!("(call $path_rename (i32.const {dir}) {data} (i32.const {dir}) {moved})"));
    w.errno("mkdir", format!("(call $path_create_directory (i32.const {dir}) {newdir})"));
    w.errno("rmdir", format!("(call $path_remove_directory (i32.const {dir}) {empty})"));
    w.errno("symlink", format!("(call $path_symlink {target} (i32.const {dir}) {link})"));
    w.errno("link", format!("(call $path_link (i32.const {dir}) (i32.const 0) {data} (i32.const {dir}) {link})"));
    // atime and mtime set to the epoch (ATIM | MTIM).
    w.errno(
        "set-times",
        format!("(call $path_filestat_set_times (i32.const {dir}) (i32.const 0) {data} (i64.const 0) (i64.const 0) (i32.const 5))"),
    );
    // On a file opened read-only: truncate it, set its times, write.
    w.errno(
        "open-readonly",
        format!("(call $open (i32.const {dir}) (i32.const 0) {data} (i32.const 0) (i64.const {READ_RIGHTS}) (i32.const 0))"),
    );
    w.errno("fd-set-size", "(call $fd_filestat_set_size (call $fd) (i64.const 0))".into());
    w.errno("fd-set-times", "(call $fd_filestat_set_times (call $fd) (i64.const 0) (i64.const 0) (i32.const 5))".into());
    w.errno("fd-write", "(call $fd_write (call $fd) (i32.const 0) (i32.const 1) (i32.const 20))".into());
    w.wasm()
}

/// Runs the refused-operations module and checks: every operation but `open-readonly`
/// gets a non-zero errno, and nothing in the temporary folder changed.
fn assert_refused(id: BackendId, fx: &Fixture, dir: u32, prefix: &str) -> BTreeMap<String, u32> {
    let before = snapshot(fx._tmp.path());
    let out = stdout_of(id, &refused_module(dir, prefix), vec![Preopen::new(&fx.root, "/data")]);
    assert_eq!(snapshot(fx._tmp.path()), before, "{id}: the file system changed\n{out}");
    let errnos = errnos(&out);
    assert_eq!(errnos.get("open-readonly"), Some(&0), "{id}: {out}");
    for (label, errno) in &errnos {
        if label != "open-readonly" {
            assert_ne!(*errno, 0, "{id} (fd {dir}): `{label}` succeeded\n{out}");
        }
    }
    assert_eq!(errnos.len(), 17, "{id}: a line is missing\n{out}");
    errnos
}

type Check = fn(BackendId, &Fixture, u32, &str) -> BTreeMap<String, u32>;

/// Runs `check` on every backend from its first preopen (and, on wasmer, also through its
/// virtual root at fd 3, which reaches the preopen as `data/`, its name without the
/// leading `/`), then prints the errno table.
fn on_every_backend(title: &str, check: Check) {
    let fx = fixture();
    let mut table = Vec::new();
    for id in backends() {
        table.push((id, check(id, &fx, first_fd(id), "")));
        if first_fd(id) != 3 {
            let through_root = check(id, &fx, 3, "data/");
            println!("{id} through its virtual root (fd 3): {through_root:?}");
        }
    }
    print_table(title, &table);
}

#[test]
fn every_change_is_refused_with_an_errno_and_changes_nothing() {
    on_every_backend("refused operations", assert_refused);
}

fn escape_module(dir: u32, prefix: &str, secret: &Path) -> Vec<u8> {
    let mut w = Wat::new();
    let secret = secret.to_str().expect("UTF-8 temporary path").to_string();
    let attempts: [(&str, String, u32); 10] = [
        ("dotdot", format!("{prefix}../secret.txt"), SYMLINK_FOLLOW),
        ("sub-dotdot", format!("{prefix}sub/../../secret.txt"), SYMLINK_FOLLOW),
        ("absolute", secret, SYMLINK_FOLLOW),
        ("etc-passwd", "/etc/passwd".into(), SYMLINK_FOLLOW),
        ("symlink-absolute", format!("{prefix}out"), SYMLINK_FOLLOW),
        ("symlink-absolute-nofollow", format!("{prefix}out"), 0),
        ("symlink-relative", format!("{prefix}rel"), SYMLINK_FOLLOW),
        ("symlink-relative-nofollow", format!("{prefix}rel"), 0),
        ("symlink-dir", format!("{prefix}outdir/secret.txt"), SYMLINK_FOLLOW),
        ("symlink-dir-nofollow", format!("{prefix}outdir/secret.txt"), 0),
    ];
    for (label, path, follow) in attempts {
        let p = w.s(path);
        w.line(
            label,
            format!("(call $report_read (call $open (i32.const {dir}) (i32.const {follow}) {p} (i32.const 0) (i64.const {READ_RIGHTS}) (i32.const 0)))"),
        );
    }
    w.wasm()
}

/// Runs the escape module: no attempt may open anything or print the outside file.
fn assert_contained(id: BackendId, fx: &Fixture, dir: u32, prefix: &str) -> BTreeMap<String, u32> {
    let out = stdout_of(id, &escape_module(dir, prefix, &fx.secret), vec![Preopen::new(&fx.root, "/data")]);
    assert!(!out.contains(std::str::from_utf8(SECRET).expect("text")), "{id}: escaped\n{out}");
    assert!(!out.contains("root:"), "{id}: read /etc/passwd\n{out}");
    let errnos = errnos(&out);
    assert_eq!(errnos.len(), 10, "{id}: {out}");
    for (label, errno) in &errnos {
        assert_ne!(*errno, 0, "{id} (fd {dir}): `{label}` opened\n{out}");
    }
    errnos
}

#[test]
fn nothing_outside_the_preopen_can_be_read() {
    on_every_backend("escape attempts", assert_contained);
}

#[test]
fn a_missing_preopen_directory_is_an_error_naming_it() {
    let fx = fixture();
    let missing = fx.root.join("no-such-dir");
    let wasm = Wat::new().wasm();
    for id in backends() {
        let err = run(id, &wasm, vec![Preopen::new(&missing, "/data")]).expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Io, "{id}: {err}");
        assert!(err.message.contains("no-such-dir"), "{id}: {err}");
    }
}

/// The errnos per backend, one row per operation (shown with `--nocapture`).
fn print_table(title: &str, table: &[(BackendId, BTreeMap<String, u32>)]) {
    let Some((_, first)) = table.first() else { return };
    println!("\n{title}: errno per backend");
    let header: Vec<String> = table.iter().map(|(id, _)| id.to_string()).collect();
    println!("| operation | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(header.len()));
    for label in first.keys() {
        let cells: Vec<String> = table
            .iter()
            .map(|(_, e)| e.get(label).map_or("-".to_string(), u32::to_string))
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
}
