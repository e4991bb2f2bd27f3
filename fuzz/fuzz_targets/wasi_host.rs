//! The shared WASI preview1 host (runtimes/src/wasi_host/) with random arguments, run
//! through both engines that use it: wasm3 (which links every import to it directly) and
//! V8 with Liftoff (whose C++ shim forwards every import to it). Pointers and lengths
//! anywhere (inside, across the end of and far beyond linear memory, with no memory at
//! all), random fds, clock ids and flags, random memory contents (iovecs, poll
//! subscriptions, paths), random program arguments and environment, and a read-only
//! preopened directory holding a file, a subdirectory and symlinks, two of which point
//! outside it at a secret file.
//!
//! Each input becomes a module whose `_start` calls up to four host functions in a row,
//! each after whatever the previous ones did (if the input says so, the first is a
//! `path_open` of one of a few fixed paths, and the last two read fd 4 into a fixed buffer
//! and write that to stdout), and passes all their errnos to `proc_exit`, seven bits each. A host function
//! must return an errno (EFAULT, EINVAL, EBADF, ...), never crash the process, never trap:
//! every errno must be in WASI's range, unless the output cap or the deadline stopped the
//! guest. Where the memory a function touches follows from its arguments (out-pointers,
//! iovec arrays, poll subscriptions and events, paths, argv and environ, random_get's
//! buffer), success is only allowed when all of it lies inside the memory the host sees.
//! The preopen stays read-only and contained: after every run the directory tree (and the
//! secret beside it) is unchanged, a path out of it never opens, and the secret's content
//! never reaches stdout or stderr. Both engines run the same host, so the two runs must
//! end the same way, with the same errnos (see `Engine` for the one engine difference, and
//! the end of this file for the other exceptions).
#![no_main]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasmbench_runtimes::{run_once, Backend, BackendId, ErrorKind, Execution, Limits, Preopen, WasiInput};

/// Every host function of the shared host: module, name, parameters (`i` = i32, `I` = i64),
/// whether it returns an errno. A copy of `runtimes/src/wasi_host/table.rs` (which is
/// private to the runtimes crate), in its order; checked against it when this target was
/// last changed: the same 48 functions with the same signatures.
const FUNCTIONS: &[(&str, &str, &str, bool)] = &[
    ("wasi_snapshot_preview1", "args_get", "ii", true),
    ("wasi_snapshot_preview1", "args_sizes_get", "ii", true),
    ("wasi_snapshot_preview1", "environ_get", "ii", true),
    ("wasi_snapshot_preview1", "environ_sizes_get", "ii", true),
    ("wasi_snapshot_preview1", "clock_res_get", "ii", true),
    ("wasi_snapshot_preview1", "clock_time_get", "iIi", true),
    ("wasi_snapshot_preview1", "fd_advise", "iIIi", true),
    ("wasi_snapshot_preview1", "fd_allocate", "iII", true),
    ("wasi_snapshot_preview1", "fd_close", "i", true),
    ("wasi_snapshot_preview1", "fd_datasync", "i", true),
    ("wasi_snapshot_preview1", "fd_fdstat_get", "ii", true),
    ("wasi_snapshot_preview1", "fd_fdstat_set_flags", "ii", true),
    ("wasi_snapshot_preview1", "fd_fdstat_set_rights", "iII", true),
    ("wasi_snapshot_preview1", "fd_filestat_get", "ii", true),
    ("wasi_snapshot_preview1", "fd_filestat_set_size", "iI", true),
    ("wasi_snapshot_preview1", "fd_filestat_set_times", "iIIi", true),
    ("wasi_snapshot_preview1", "fd_pread", "iiiIi", true),
    ("wasi_snapshot_preview1", "fd_prestat_get", "ii", true),
    ("wasi_snapshot_preview1", "fd_prestat_dir_name", "iii", true),
    ("wasi_snapshot_preview1", "fd_pwrite", "iiiIi", true),
    ("wasi_snapshot_preview1", "fd_read", "iiii", true),
    ("wasi_snapshot_preview1", "fd_readdir", "iiiIi", true),
    ("wasi_snapshot_preview1", "fd_renumber", "ii", true),
    ("wasi_snapshot_preview1", "fd_seek", "iIii", true),
    ("wasi_snapshot_preview1", "fd_sync", "i", true),
    ("wasi_snapshot_preview1", "fd_tell", "ii", true),
    ("wasi_snapshot_preview1", "fd_write", "iiii", true),
    ("wasi_snapshot_preview1", "path_create_directory", "iii", true),
    ("wasi_snapshot_preview1", "path_filestat_get", "iiiii", true),
    ("wasi_snapshot_preview1", "path_filestat_set_times", "iiiiIIi", true),
    ("wasi_snapshot_preview1", "path_link", "iiiiiii", true),
    ("wasi_snapshot_preview1", "path_open", "iiiiiIIii", true),
    ("wasi_snapshot_preview1", "path_readlink", "iiiiii", true),
    ("wasi_snapshot_preview1", "path_remove_directory", "iii", true),
    ("wasi_snapshot_preview1", "path_rename", "iiiiii", true),
    ("wasi_snapshot_preview1", "path_symlink", "iiiii", true),
    ("wasi_snapshot_preview1", "path_unlink_file", "iii", true),
    ("wasi_snapshot_preview1", "poll_oneoff", "iiii", true),
    ("wasi_snapshot_preview1", "proc_exit", "i", false),
    ("wasi_snapshot_preview1", "proc_raise", "i", true),
    ("wasi_snapshot_preview1", "random_get", "ii", true),
    ("wasi_snapshot_preview1", "sched_yield", "", true),
    ("wasi_snapshot_preview1", "sock_accept", "iii", true),
    ("wasi_snapshot_preview1", "sock_recv", "iiiiii", true),
    ("wasi_snapshot_preview1", "sock_send", "iiiii", true),
    ("wasi_snapshot_preview1", "sock_shutdown", "ii", true),
    ("bench", "start", "", false),
    ("bench", "end", "", false),
];

/// Functions whose output (in memory) differs from run to run: a later call that reads
/// it (as an iovec, a path, ...) may then legitimately answer differently on the two runs.
const NONDETERMINISTIC: &[&str] = &["random_get", "clock_time_get", "poll_oneoff"];

/// ENOTCAPABLE, the largest preview1 errno.
const MAX_ERRNO: i32 = 76;
const PAGE: i64 = 65536;
/// Most host calls in one module: their errnos (7 bits each) fit in the exit code.
const MAX_CALLS: usize = 4;
const ERRNO_BITS: usize = 7;
/// The errno slot's value when `poll_oneoff` returned 0 to the guest without writing the
/// event count: the host did not finish the call (it stopped the run at the deadline, and
/// the engine let the guest go on).
const UNFINISHED: i32 = 127;

/// The secret file beside the preopened directory: its content must never reach the guest.
const SECRET: &[u8] = b"WASMBENCH-FUZZ-SECRET-7c1e5a";
/// The content of `root/file.txt`, which the guest may read (and print).
const PUBLIC: &[u8] = b"wasmbench-fuzz-public-file\n";

/// Strings written into every memory of at least one page, at `STRINGS_AT + 32 * k`: paths
/// inside, outside and through the symlinks of the preopen, so that the path functions get
/// past the path lookup (the `Fixed` and `FixedLen` arguments point at them).
const STRINGS: &[&str] = &[
    "file.txt",
    "sub",
    "sub/nested.txt",
    "link",
    "abs",
    "inner",
    "../secret",
    "sub/../file.txt",
    "sub/../../secret",
    ".",
    "..",
    "missing",
    "/file.txt",
    "sub/",
];
const STRINGS_AT: i64 = 64;
/// Two iovecs at offset 0 (`Small(0)`), 0: 64 bytes at `BUFFER`, 8: 1 byte after them,
/// so that a read followed by a write (`fd_read`, `fd_write` with iovs 0) copies a file to
/// stdout.
const BUFFER: u32 = 1024;
/// The strings that name something outside the preopen (or are absolute): opening one must
/// fail.
const OUTSIDE: &[&str] = &["link", "abs", "../secret", "sub/../../secret", "..", "/file.txt"];
/// The rights `Input::open` asks for: every right of a file or directory that only reads
/// (`rights::FILE | rights::DIR` in runtimes/src/wasi_host/fds.rs).
const READ_RIGHTS: i64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 7) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 18) | (1 << 21) | (1 << 27);

/// One argument: small, near the end of linear memory (where off-by-one bounds checks
/// fail), near the end of the 32-bit space (where 32-bit sums wrap), a fixed string's
/// address or length, a descriptor that may be open, or anything. Decoded from a one-byte tag (the derived decoding
/// takes four), so that a sequence of calls with nine arguments each fits in the short
/// inputs libFuzzer starts with.
#[derive(Debug)]
enum Arg {
    Small(u8),
    /// The memory size plus this (-128..=127).
    NearEnd(i8),
    /// The memory size minus this.
    BeforeEnd(u16),
    /// `u32::MAX` minus this.
    Huge(u8),
    /// The address of `STRINGS[k % len]`.
    Fixed(u8),
    /// The length of `STRINGS[k % len]`.
    FixedLen(u8),
    /// 0..=5: stdin, stdout, stderr, the preopen, and the first two it opens.
    Fd(u8),
    Raw(i64),
}

impl<'a> Arbitrary<'a> for Arg {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Arg> {
        Ok(match u.arbitrary::<u8>()? % 8 {
            0 => Arg::Small(u.arbitrary()?),
            1 => Arg::NearEnd(u.arbitrary()?),
            2 => Arg::BeforeEnd(u.arbitrary()?),
            3 => Arg::Huge(u.arbitrary()?),
            4 => Arg::Fixed(u.arbitrary()?),
            5 => Arg::FixedLen(u.arbitrary()?),
            6 => Arg::Fd(u.arbitrary()?),
            _ => Arg::Raw(u.arbitrary()?),
        })
    }
}

impl Arg {
    fn value(&self, memory_bytes: i64) -> i64 {
        match *self {
            Arg::Small(v) => i64::from(v),
            Arg::NearEnd(d) => memory_bytes + i64::from(d),
            Arg::BeforeEnd(d) => memory_bytes - i64::from(d),
            Arg::Huge(d) => i64::from(u32::MAX) - i64::from(d),
            Arg::Fixed(k) => STRINGS_AT + 32 * (usize::from(k) % STRINGS.len()) as i64,
            Arg::FixedLen(k) => STRINGS[usize::from(k) % STRINGS.len()].len() as i64,
            Arg::Fd(fd) => i64::from(fd % 6),
            Arg::Raw(v) => v,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Memory {
    /// An exported memory of 1..=3 pages.
    Exported(u8),
    /// An exported memory of 0 pages.
    Empty,
    /// A memory not exported as `memory` (0..=3 pages).
    Hidden(u8),
    /// No linear memory at all.
    None,
}

#[derive(Arbitrary, Debug)]
struct HostCall {
    function: u8,
    args: [Arg; 9],
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Make the first call a `path_open` of `STRINGS[k % len]` in the preopen (fd 3) for
    /// reading (following symlinks if the flag is set): then the file or directory is at fd
    /// 4 for the calls after it (`Arg::Fd`), and a path out of the preopen must fail.
    open: Option<(u8, bool)>,
    first: HostCall,
    /// Up to three more calls after the first.
    more: Vec<HostCall>,
    /// End with an `fd_read` of fd 4 (what `open` opened) into the first iovec at 0 and
    /// an `fd_write` of both iovecs at 0 (the 65 bytes at `BUFFER`) to stdout, so that
    /// whatever was read shows (for the secret check).
    echo: bool,
    memory: Memory,
    /// Pages to grow the memory by before the calls (detaches the old buffer).
    grow: u8,
    /// Bytes written into memory at `data_at` (iovecs, subscriptions, paths, ...).
    data: Vec<u8>,
    data_at: Arg,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Vec<u8>,
    /// The preopen's guest path: `/`, `.` or `/sandbox`.
    preopen_as: u8,
}

/// The two engines, created once per process (V8's flags are process-wide); libFuzzer
/// runs the inputs one after the other on this thread.
struct Engines {
    wasm3: Box<dyn Backend>,
    v8: Box<dyn Backend>,
}

/// The one engine difference the host's callers show: which memory the host sees.
///
/// V8's shim hands the host the memory the module exports as `memory` (the WASI ABI's
/// rule) and nothing when there is no such export. wasm3 hands it the runtime's memory 0
/// (`runtimes/src/wasm3/host.rs` reads `runtime->memory`, as wasm3's raw host-call API
/// gives it) whether the module exports it or not. So a module with an unexported memory
/// of at least one page gets EFAULT on V8 where wasm3 lets the call through (e.g.
/// `fd_fdstat_get(0, 233)` on an unexported memory of one page: 0 on wasm3, EFAULT = 21 on
/// V8, as the two callers' code reads). The regions are checked against the memory each
/// engine's host sees, and the exit codes are only compared when both see the same memory.
#[derive(Clone, Copy)]
struct Engine {
    name: &'static str,
    sees_unexported_memory: bool,
}

const WASM3: Engine = Engine { name: "wasm3", sees_unexported_memory: true };
const V8: Engine = Engine { name: "v8-liftoff", sees_unexported_memory: false };

thread_local! {
    static ENGINES: Engines = {
        let limits = Limits {
            // poll_oneoff sleeps on clock subscriptions: keep such inputs cheap.
            deadline: Duration::from_millis(200),
            max_memory_bytes: 256 << 20,
            max_output_bytes: 4096,
        };
        let create = |name: &str| {
            let id: BackendId = name.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
            id.create(&limits).unwrap_or_else(|e| panic!("the {name} backend starts: {e}"))
        };
        Engines { wasm3: create("wasm3"), v8: create("v8-liftoff") }
    };
}

/// The directory tree given to the guest, made once per process:
///
/// ```text
/// <tmp>/wasmbench-fuzz-wasi-host.<pid>/
///   secret              SECRET (outside the preopen)
///   root/               the preopen
///     file.txt          PUBLIC
///     sub/nested.txt
///     link -> ../secret
///     abs  -> <absolute path of secret>
///     inner -> sub/nested.txt
/// ```
struct Tree {
    base: PathBuf,
    root: PathBuf,
    /// What `snapshot(base)` gave after making it.
    snapshot: Snapshot,
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("wasmbench-fuzz-wasi-host.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        let make = || -> std::io::Result<()> {
            std::fs::create_dir_all(root.join("sub"))?;
            std::fs::write(base.join("secret"), SECRET)?;
            std::fs::write(root.join("file.txt"), PUBLIC)?;
            std::fs::write(root.join("sub/nested.txt"), b"nested\n")?;
            std::os::unix::fs::symlink("../secret", root.join("link"))?;
            std::os::unix::fs::symlink(base.join("secret"), root.join("abs"))?;
            std::os::unix::fs::symlink("sub/nested.txt", root.join("inner"))
        };
        make().unwrap_or_else(|e| panic!("making {}: {e}", base.display()));
        // (Reading every file here also sets their access times once, before any run.)
        let snapshot = snapshot(&base);
        Tree { base, root, snapshot }
    })
}

/// Everything a write, create, rename, delete, chmod or utimes would change: per path,
/// its type, permissions, modification time and content (files) or target (symlinks).
type Snapshot = BTreeMap<PathBuf, String>;

fn snapshot(base: &Path) -> Snapshot {
    fn walk(dir: &Path, base: &Path, out: &mut Snapshot) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let md = std::fs::symlink_metadata(&path).expect("metadata");
            let mtime = md.modified().ok();
            let what = if md.is_symlink() {
                format!("link {:?}", std::fs::read_link(&path).ok())
            } else if md.is_dir() {
                walk(&path, base, out);
                "dir".to_string()
            } else {
                format!("file {:?}", std::fs::read(&path).ok())
            };
            let key = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
            out.insert(key, format!("{what} {:?} {mtime:?}", md.permissions()));
        }
    }
    let mut out = Snapshot::new();
    walk(base, base, &mut out);
    out
}

/// What the generated module does, for checking its result.
struct Call {
    wat: String,
    /// The calls made, up to the first `proc_exit`: name, the arguments as the host sees
    /// them (i32s as u32), and whether it returns an errno.
    calls: Vec<(&'static str, Vec<u64>, bool)>,
    /// No `proc_exit` among the calls: the exit code holds the errnos, call `i`'s at bit
    /// `ERRNO_BITS * i` (-1: one was above 127).
    checked: bool,
    /// The first call opens a path that leads out of the preopen (`OUTSIDE`).
    opens_outside: bool,
    /// Bytes of linear memory (after growing), and whether it is exported as `memory`.
    memory: Option<(u64, bool)>,
}

/// The guest-memory regions (pointer, length) a preview1 function writes or reads through
/// its arguments, where they follow from the arguments (and argv, env) alone: success
/// (errno 0) with any of them outside memory means the host accessed memory it must have
/// refused (EFAULT).
fn regions(name: &str, a: &[u64], wasi: &WasiInput) -> Vec<(u64, u64)> {
    // args_get / environ_get: the pointer array and the NUL-terminated strings.
    let strings = |list: Vec<usize>| {
        if list.is_empty() {
            Vec::new()
        } else {
            let total: usize = list.iter().map(|len| len + 1).sum();
            vec![(a[0], 4 * list.len() as u64), (a[1], total as u64)]
        }
    };
    match name {
        "args_get" => {
            let lens = std::iter::once("module.wasm".len()).chain(wasi.args.iter().map(String::len));
            strings(lens.collect())
        }
        "environ_get" => strings(wasi.env.iter().map(|(k, v)| k.len() + 1 + v.len()).collect()),
        "args_sizes_get" | "environ_sizes_get" => vec![(a[0], 4), (a[1], 4)],
        "clock_res_get" => vec![(a[1], 8)],
        "clock_time_get" => vec![(a[2], 8)],
        "fd_fdstat_get" => vec![(a[1], 24)],
        "fd_filestat_get" => vec![(a[1], 64)],
        "fd_prestat_get" => vec![(a[1], 8)],
        "fd_tell" => vec![(a[1], 8)],
        "fd_seek" => vec![(a[3], 8)],
        "fd_read" | "fd_write" => vec![(a[1], a[2] * 8), (a[3], 4)],
        "fd_pread" => vec![(a[1], a[2] * 8), (a[4], 4)],
        "path_open" => vec![(a[2], a[3]), (a[8], 4)],
        "path_filestat_get" => vec![(a[2], a[3]), (a[4], 64)],
        "path_readlink" => vec![(a[1], a[2]), (a[5], 4)],
        "random_get" => vec![(a[0], a[1])],
        // The host writes only the events that occurred (at least one on success), not the
        // whole room for `nsubscriptions` events (wasmtime does the same).
        "poll_oneoff" => vec![(a[0], a[2] * 48), (a[1], 32), (a[3], 4)],
        _ => Vec::new(),
    }
}

fn module(input: &Input) -> Call {
    let (pages, exported) = match input.memory {
        Memory::Exported(p) => (Some(1 + i64::from(p % 3)), true),
        Memory::Empty => (Some(0), true),
        Memory::Hidden(p) => (Some(i64::from(p % 4)), false),
        Memory::None => (None, false),
    };
    let grow = i64::from(input.grow % 3);
    let bytes = pages.map_or(0, |p| (p + grow) * PAGE);

    // The calls (function index, argument values), up to and with the first proc_exit
    // (which ends the run).
    let mut specs: Vec<(usize, Vec<i64>)> = Vec::new();
    let mut opens_outside = false;
    if let Some((k, follow)) = input.open {
        let k = usize::from(k) % STRINGS.len();
        let path_open = FUNCTIONS.iter().position(|f| f.1 == "path_open").expect("path_open");
        let (at, len) = (STRINGS_AT + 32 * k as i64, STRINGS[k].len() as i64);
        // fd 3, lookup flags, path, no oflags, rights, no fdflags, the new fd written at 16.
        specs.push((path_open, vec![3, i64::from(follow), at, len, 0, READ_RIGHTS, READ_RIGHTS, 0, 16]));
        opens_outside = OUTSIDE.contains(&STRINGS[k]) && pages.is_some_and(|p| p > 0);
    }
    let random = MAX_CALLS - specs.len() - 2 * usize::from(input.echo);
    for spec in std::iter::once(&input.first).chain(input.more.iter()).take(random) {
        let index = usize::from(spec.function) % FUNCTIONS.len();
        specs.push((index, spec.args.iter().map(|a| a.value(bytes)).collect()));
        if FUNCTIONS[index].1 == "proc_exit" {
            break;
        }
    }
    if input.echo && specs.last().is_none_or(|&(index, _)| FUNCTIONS[index].1 != "proc_exit") {
        let position = |name| FUNCTIONS.iter().position(|f| f.1 == name).expect(name);
        // fd 4, the first iovec at 0, the count read at 20.
        specs.push((position("fd_read"), vec![4, 0, 1, 20]));
        // stdout, the two iovecs at 0, the count written at 16.
        specs.push((position("fd_write"), vec![1, 0, 2, 16]));
    }

    let mut wat = String::from("(module\n");
    wat.push_str("  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n");
    let mut imported = Vec::new();
    for &(index, _) in &specs {
        if imported.contains(&index) {
            continue;
        }
        imported.push(index);
        let (module, name, params, returns) = FUNCTIONS[index];
        let signature: String = params.chars().map(|c| if c == 'I' { " i64" } else { " i32" }).collect();
        let result = if returns { " (result i32)" } else { "" };
        let _ = writeln!(wat, "  (import \"{module}\" \"{name}\" (func $f{index} (param{signature}){result}))");
    }
    if let Some(p) = pages {
        let export = if exported { " (export \"memory\")" } else { "" };
        let _ = writeln!(wat, "  (memory{export} {p} 8)");
    }
    let escape = |data: &[u8]| -> String { data.iter().map(|b| format!("\\{b:02x}")).collect() };
    if pages.is_some_and(|p| p > 0) {
        let mut iovecs = Vec::new();
        for (ptr, len) in [(BUFFER, 64u32), (BUFFER + 64, 1)] {
            iovecs.extend_from_slice(&ptr.to_le_bytes());
            iovecs.extend_from_slice(&len.to_le_bytes());
        }
        let _ = writeln!(wat, "  (data (i32.const 0) \"{}\")", escape(&iovecs));
        for (k, s) in STRINGS.iter().enumerate() {
            let _ = writeln!(wat, "  (data (i32.const {}) \"{}\")", STRINGS_AT + 32 * k as i64, escape(s.as_bytes()));
        }
    }
    // The input's bytes come last, so they may overwrite the fixed ones.
    let data = &input.data[..input.data.len().min(512)];
    if let (Some(p), false) = (pages, data.is_empty()) {
        let size = p * PAGE;
        let len = data.len() as i64;
        if len <= size {
            let at = input.data_at.value(size).clamp(0, size - len);
            if let Some((k, _)) = input.open {
                // The input's bytes overwrite the path: it may name something else.
                let k = usize::from(k) % STRINGS.len();
                let path_at = STRINGS_AT + 32 * k as i64;
                if at < path_at + STRINGS[k].len() as i64 && path_at < at + len {
                    opens_outside = false;
                }
            }
            let _ = writeln!(wat, "  (data (i32.const {at}) \"{}\")", escape(data));
        }
    }

    wat.push_str("  (func (export \"_start\") (local $e i32) (local $codes i32)\n");
    if pages.is_some() && grow > 0 {
        let _ = writeln!(wat, "    (drop (memory.grow (i32.const {grow})))");
    }
    let mut calls = Vec::new();
    for (i, (index, values)) in specs.iter().enumerate() {
        let index = *index;
        let (_, name, params, returns) = FUNCTIONS[index];
        let mut host_args = Vec::new();
        let mut call = format!("(call $f{index}");
        for (c, &v) in params.chars().zip(values) {
            if c == 'I' {
                let _ = write!(call, " (i64.const {v})");
                host_args.push(v as u64);
            } else {
                let _ = write!(call, " (i32.const {})", v as i32);
                host_args.push(u64::from(v as i32 as u32));
            }
        }
        call.push(')');
        // poll_oneoff: a sentinel where the event count goes (if the guest can store it), which
        // a successful call overwrites (with at most `nsubscriptions`, never -1).
        let sentinel = (name == "poll_oneoff" && pages.is_some())
            .then(|| host_args[3])
            .filter(|&at| at + 4 <= bytes as u64);
        if let Some(at) = sentinel {
            let _ = writeln!(wat, "    (i32.store (i32.const {}) (i32.const -1))", at as u32 as i32);
        }
        if returns {
            // The errno goes into its 7 bits of the exit code; one that does not fit
            // ends the run with -1 (out of range).
            let _ = writeln!(wat, "    (local.set $e {call})");
            wat.push_str("    (if (i32.gt_u (local.get $e) (i32.const 127)) (then (call $exit (i32.const -1))))\n");
            if let Some(at) = sentinel {
                // Success without the count written: the guest got an answer the host did
                // not give. Reported as errno `UNFINISHED`.
                let _ = writeln!(
                    wat,
                    "    (if (i32.and (i32.eqz (local.get $e)) (i32.eq (i32.load (i32.const {})) (i32.const -1))) \
                     (then (local.set $e (i32.const {UNFINISHED}))))",
                    at as u32 as i32
                );
            }
            let _ = writeln!(
                wat,
                "    (local.set $codes (i32.or (local.get $codes) (i32.shl (local.get $e) (i32.const {}))))",
                ERRNO_BITS * i
            );
        } else {
            let _ = writeln!(wat, "    {call}");
        }
        calls.push((name, host_args, returns));
    }
    wat.push_str("    (call $exit (local.get $codes))\n  )\n)\n");
    let checked = calls.iter().all(|(name, _, _)| *name != "proc_exit");
    Call {
        wat,
        calls,
        checked,
        opens_outside,
        memory: pages.map(|_| (bytes as u64, exported)),
    }
}

impl Call {
    /// Bytes of the memory `engine`'s host sees. Without one it sees an empty memory (so
    /// a zero-length region at 0 is inside it, as in an exported memory of 0 pages).
    fn visible_memory(&self, engine: Engine) -> u64 {
        match self.memory {
            Some((size, exported)) if exported || engine.sees_unexported_memory => size,
            _ => 0,
        }
    }
}

/// Print a one-time note to the fuzzing log (proof that a path is reached).
fn note_once(flag: &AtomicBool, what: &str) {
    if !flag.swap(true, Ordering::Relaxed) {
        eprintln!("wasi_host: {what}");
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Exit(i32),
    /// A write passed the output cap.
    OutputCap,
    /// The deadline passed (poll_oneoff sleeping).
    Timeout,
}

/// Run the module on one engine and check the run: errno range, regions, read-only
/// preopen, no secret.
fn run(engine: Engine, backend: &dyn Backend, wasm: &[u8], call: &Call, wasi: &WasiInput) -> Ended {
    check(engine, run_once(backend, wasm, wasi), call, wasi)
}

fn check(
    engine: Engine,
    result: Result<Execution, wasmbench_runtimes::RuntimeError>,
    call: &Call,
    wasi: &WasiInput,
) -> Ended {
    static FILE_ON_STDOUT: AtomicBool = AtomicBool::new(false);
    let engine_name = engine.name;
    let wat = &call.wat;
    let tree = tree();
    let now = snapshot(&tree.base);
    if now != tree.snapshot {
        let changed: Vec<_> = tree
            .snapshot
            .keys()
            .chain(now.keys())
            .filter(|k| tree.snapshot.get(*k) != now.get(*k))
            .collect();
        panic!("{engine_name}: the preopened tree changed ({changed:?}) — it must be read-only\n{wat}");
    }
    let execution = match result {
        Ok(execution) => execution,
        // The output cap (fd_write) and the deadline (poll_oneoff sleeping) stop the guest.
        Err(e) if e.kind == ErrorKind::ResourceLimit => return Ended::OutputCap,
        Err(e) if e.kind == ErrorKind::Timeout => return Ended::Timeout,
        Err(e) => panic!("{engine_name}: host call failed with {e}\n{wat}"),
    };
    for (stream, bytes) in [("stdout", &execution.stdout), ("stderr", &execution.stderr)] {
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET),
            "{engine_name}: the secret file beside the preopen reached {stream}\n{wat}"
        );
    }
    if execution.stdout.windows(PUBLIC.len()).any(|w| w == PUBLIC) {
        note_once(&FILE_ON_STDOUT, "a guest copied root/file.txt to stdout (path_open, fd_read, fd_write)");
    }
    let code = execution.exit_code;
    if call.checked {
        assert!(code >= 0, "{engine_name}: an errno above 127\n{wat}");
        let visible = call.visible_memory(engine);
        for (i, (name, args, returns)) in call.calls.iter().enumerate() {
            let errno = (code >> (ERRNO_BITS * i)) & ((1 << ERRNO_BITS) - 1);
            assert!(
                *returns || errno == 0,
                "{engine_name}: exit code {code:#x} has an errno for {name}, which returns none\n{wat}"
            );
            assert!(
                errno != UNFINISHED,
                "{engine_name}: {name} returned 0 to the guest without writing the event count: the host \
                 did not finish the call (it stops the run when the deadline passes while it sleeps), yet \
                 the guest went on\n{wat}"
            );
            assert!(errno <= MAX_ERRNO, "{engine_name}: {name} returned errno {errno}, out of range\n{wat}");
            if !*returns || errno != 0 {
                continue;
            }
            assert!(
                !(i == 0 && call.opens_outside),
                "{engine_name}: path_open opened a path outside the preopen\n{wat}"
            );
            for (ptr, len) in regions(name, args, wasi) {
                let inside = ptr.checked_add(len).is_some_and(|end| end <= visible);
                assert!(
                    inside,
                    "{engine_name}: {name} succeeded with the region {ptr}+{len} outside memory ({visible} bytes)\n{wat}"
                );
            }
        }
    }
    Ended::Exit(code)
}

fuzz_target!(|input: Input| {
    let call = module(&input);
    let wat = &call.wat;
    let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("generated module: {e}\n{wat}"));
    let tree = tree();
    let guest = ["/", ".", "/sandbox"][usize::from(input.preopen_as) % 3];
    let wasi = WasiInput {
        args: input.argv.iter().take(4).cloned().collect(),
        env: input.env.iter().take(4).cloned().collect(),
        stdin: input.stdin.clone(),
        preopens: vec![Preopen::new(&tree.root, guest)],
    };
    ENGINES.with(|engines| {
        let both = || {
            (
                run(WASM3, engines.wasm3.as_ref(), &wasm, &call, &wasi),
                run(V8, engines.v8.as_ref(), &wasm, &call, &wasi),
            )
        };
        let (wasm3, v8) = both();
        // Differential: one host serves both engines, so the same calls on the same memory
        // end the same way (exit code, output cap, deadline) — unless a call read what a
        // nondeterministic one wrote before it, or the engines hand the host different
        // memories (`Engine`).
        let deterministic = call.calls.iter().rev().skip(1).all(|(name, _, _)| !NONDETERMINISTIC.contains(name));
        let same_memory = call.visible_memory(WASM3) == call.visible_memory(V8);
        if wasm3 == v8 || !deterministic || !same_memory {
            return;
        }
        if wasm3 != Ended::Timeout && v8 != Ended::Timeout {
            panic!("wasm3 ended with {wasm3:?}, v8-liftoff with {v8:?}\n{wat}");
        }
        // One timed out, the other did not: a clock subscription of poll_oneoff that ends
        // right at the deadline may fall on either side of it. Only a difference that
        // repeats is one: run both twice more.
        for _ in 0..2 {
            if both() != (wasm3, v8) {
                return;
            }
        }
        panic!("wasm3 ended with {wasm3:?}, v8-liftoff with {v8:?}, three times in a row\n{wat}");
    });
});
