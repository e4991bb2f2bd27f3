//! The V8 backend's WASI host functions (runtimes/v8/shim.cc) with random arguments:
//! pointers and lengths anywhere (inside, across the end of and far beyond linear memory,
//! with no memory at all), random fds, clock ids and flags, random memory contents (iovecs,
//! poll subscriptions), random program arguments and environment.
//!
//! Each input becomes a module whose `_start` calls one preview1 function with those
//! arguments and passes the errno it returns to `proc_exit`. A host function must return
//! an errno (EFAULT, EINVAL, EBADF, ...), never crash the process, never trap: the result
//! must be an exit code in WASI's errno range, or the output cap or deadline stopping the
//! guest. Where the memory a function touches follows from its arguments (out-pointers,
//! iovec arrays, poll subscriptions and events, random_get's buffer), success is only
//! allowed when all of it lies inside the exported memory: otherwise the answer must have
//! been an error such as EFAULT.
#![no_main]

use std::fmt::Write as _;
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasmbench_runtimes::{run_once, Backend, BackendId, ErrorKind, Limits, WasiInput};

/// Every host function the shim provides: module, name, parameters (`i` = i32, `I` = i64),
/// whether it returns an errno.
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
    ("wasi_snapshot_preview1", "sched_yield", "", true),
    ("wasi_snapshot_preview1", "random_get", "ii", true),
    ("wasi_snapshot_preview1", "sock_accept", "iii", true),
    ("wasi_snapshot_preview1", "sock_recv", "iiiiii", true),
    ("wasi_snapshot_preview1", "sock_send", "iiiii", true),
    ("wasi_snapshot_preview1", "sock_shutdown", "ii", true),
    ("bench", "start", "", false),
    ("bench", "end", "", false),
];

/// ENOTCAPABLE, the largest preview1 errno.
const MAX_ERRNO: i32 = 76;
const PAGE: i64 = 65536;

/// One argument: small, near the end of linear memory (where off-by-one bounds checks
/// fail), near the end of the 32-bit space (where 32-bit sums wrap), or anything.
#[derive(Arbitrary, Debug)]
enum Arg {
    Small(u8),
    /// The memory size plus this (-128..=127).
    NearEnd(i8),
    /// The memory size minus this.
    BeforeEnd(u16),
    /// `u32::MAX` minus this.
    Huge(u8),
    Raw(i64),
}

impl Arg {
    fn value(&self, memory_bytes: i64) -> i64 {
        match *self {
            Arg::Small(v) => i64::from(v),
            Arg::NearEnd(d) => memory_bytes + i64::from(d),
            Arg::BeforeEnd(d) => memory_bytes - i64::from(d),
            Arg::Huge(d) => i64::from(u32::MAX) - i64::from(d),
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
    /// A memory the host cannot see (not exported as `memory`).
    Hidden(u8),
    /// No linear memory at all.
    None,
}

#[derive(Arbitrary, Debug)]
struct Input {
    function: u8,
    memory: Memory,
    args: [Arg; 9],
    /// Pages to grow the memory by before the call (detaches the old buffer).
    grow: u8,
    /// Bytes written into memory at `data_at` (iovecs, subscriptions, ...).
    data: Vec<u8>,
    data_at: Arg,
    /// Call the function twice (the second call after whatever the first did).
    twice: bool,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Vec<u8>,
}

thread_local! {
    /// One engine for the whole run (V8's flags are process-wide); libFuzzer runs the
    /// inputs one after the other on this thread.
    static BACKEND: Box<dyn Backend> = {
        let limits = Limits {
            // poll_oneoff sleeps on clock subscriptions: keep such inputs cheap.
            deadline: Duration::from_millis(200),
            max_memory_bytes: 256 << 20,
            max_output_bytes: 4096,
        };
        let id: BackendId = "v8-liftoff".parse().expect("v8-liftoff is a backend");
        id.create(&limits).expect("the V8 backend starts")
    };
}

/// What the generated module does, for checking its result.
struct Call {
    wat: String,
    name: &'static str,
    /// `proc_exit` receives the function's errno.
    checked: bool,
    /// The i32 arguments as the host sees them (u32).
    args: Vec<u64>,
    /// Bytes of linear memory the host can see at the call (None: no exported memory).
    memory: Option<u64>,
}

/// The guest-memory regions (pointer, length) a preview1 function writes or reads through
/// its arguments, where they follow from the arguments alone: success (errno 0) with any
/// of them outside memory means the host accessed memory it must have refused (EFAULT).
fn regions(name: &str, a: &[u64]) -> Vec<(u64, u64)> {
    match name {
        "args_sizes_get" | "environ_sizes_get" => vec![(a[0], 4), (a[1], 4)],
        "clock_res_get" => vec![(a[1], 8)],
        "clock_time_get" => vec![(a[2], 8)],
        "fd_fdstat_get" => vec![(a[1], 24)],
        "fd_filestat_get" => vec![(a[1], 64)],
        "fd_read" | "fd_write" => vec![(a[1], a[2] * 8), (a[3], 4)],
        "random_get" => vec![(a[0], a[1])],
        "poll_oneoff" => vec![(a[0], a[2] * 48), (a[1], a[2] * 32), (a[3], 4)],
        _ => Vec::new(),
    }
}

fn module(input: &Input) -> Call {
    let (module, name, params, returns) = FUNCTIONS[usize::from(input.function) % FUNCTIONS.len()];
    let (pages, exported) = match input.memory {
        Memory::Exported(p) => (Some(1 + i64::from(p % 3)), true),
        Memory::Empty => (Some(0), true),
        Memory::Hidden(p) => (Some(i64::from(p % 4)), false),
        Memory::None => (None, false),
    };
    let grow = i64::from(input.grow % 3);
    let bytes = pages.map_or(0, |p| (p + grow) * PAGE);
    let mut wat = String::from("(module\n");
    let signature: String = params
        .chars()
        .map(|c| if c == 'I' { " i64" } else { " i32" })
        .collect();
    let result = if returns { " (result i32)" } else { "" };
    let _ = writeln!(wat, "  (import \"{module}\" \"{name}\" (func $f (param{signature}){result}))");
    wat.push_str("  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n");
    if let Some(p) = pages {
        let export = if exported { " (export \"memory\")" } else { "" };
        let _ = writeln!(wat, "  (memory{export} {p} 8)");
    }
    let data = &input.data[..input.data.len().min(512)];
    if let (Some(p), false) = (pages, data.is_empty()) {
        let size = p * PAGE;
        let len = data.len() as i64;
        if len <= size {
            let at = input.data_at.value(size).clamp(0, size - len);
            let escaped: String = data.iter().map(|b| format!("\\{b:02x}")).collect();
            let _ = writeln!(wat, "  (data (i32.const {at}) \"{escaped}\")");
        }
    }
    let mut host_args = Vec::new();
    let call: String = {
        let mut call = String::from("(call $f");
        for (c, arg) in params.chars().zip(&input.args) {
            let v = arg.value(bytes);
            if c == 'I' {
                let _ = write!(call, " (i64.const {v})");
                host_args.push(v as u64);
            } else {
                let _ = write!(call, " (i32.const {})", v as i32);
                host_args.push(u64::from(v as i32 as u32));
            }
        }
        call.push(')');
        call
    };
    wat.push_str("  (func (export \"_start\")\n");
    if pages.is_some() && grow > 0 {
        let _ = writeln!(wat, "    (drop (memory.grow (i32.const {grow})))");
    }
    let checked = returns && !(module == "wasi_snapshot_preview1" && name == "proc_exit");
    if checked && input.twice {
        // A non-zero errno from the first call ends the run with it; else call again.
        let _ = writeln!(wat, "    (local.set 0 {call})");
        wat.push_str("    (if (local.get 0) (then (call $exit (local.get 0))))\n");
    }
    if checked {
        let _ = writeln!(wat, "    (call $exit {call})");
    } else {
        let _ = writeln!(wat, "    {call}");
    }
    wat.push_str("  )\n)\n");
    if checked && input.twice {
        wat = wat.replace("(func (export \"_start\")\n", "(func (export \"_start\") (local i32)\n");
    }
    Call {
        wat,
        name,
        checked,
        args: host_args,
        memory: exported.then_some(bytes as u64),
    }
}

fuzz_target!(|input: Input| {
    let call = module(&input);
    let wat = &call.wat;
    let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("generated module: {e}\n{wat}"));
    let wasi = WasiInput {
        args: input.argv.iter().take(4).cloned().collect(),
        env: input.env.iter().take(4).cloned().collect(),
        stdin: input.stdin.clone(),
    };
    match BACKEND.with(|backend| run_once(backend.as_ref(), &wasm, &wasi)) {
        Ok(execution) if call.checked => {
            let errno = execution.exit_code;
            assert!((0..=MAX_ERRNO).contains(&errno), "errno {errno} out of range\n{wat}");
            if errno == 0 {
                for (ptr, len) in regions(call.name, &call.args) {
                    let inside = call.memory.is_some_and(|size| ptr.checked_add(len).is_some_and(|end| end <= size));
                    assert!(
                        inside,
                        "{} succeeded with the region {ptr}+{len} outside memory ({:?} bytes)\n{wat}",
                        call.name, call.memory
                    );
                }
            }
        }
        Ok(_) => {}
        // The output cap (fd_write) and the deadline (poll_oneoff sleeping) stop the guest.
        Err(e) if matches!(e.kind, ErrorKind::ResourceLimit | ErrorKind::Timeout) => {}
        Err(e) => panic!("host call failed with {e}\n{wat}"),
    }
});
