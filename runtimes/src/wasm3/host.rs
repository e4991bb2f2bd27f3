//! The per-instance WASI context, guest memory access, the host-call machinery, the table
//! of host functions (every WASI preview1 function and the `bench` imports) and linking.

use std::ffi::{c_char, c_void, CStr};
use std::ptr::NonNull;
use std::time::Instant;

use wasm3::wasm3_sys as ffi;

use super::objects::error_message;
use super::{I32, I64};
// The table below names every WASI function of wasi.rs.
use super::wasi::*;
use crate::capture::CapBuffer;
use crate::{BenchClock, WasiInput};

/// WASI errno values used here.
pub(super) mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
    pub const NOSYS: i32 = 52;
    pub const NOTDIR: i32 = 54;
    pub const NOTSOCK: i32 = 57;
    pub const NOTSUP: i32 = 58;
    pub const SPIPE: i32 = 70;
}

/// The per-instance WASI context.
pub(super) struct HostState {
    /// `argv` strings, NUL-terminated.
    pub(super) args: Vec<Vec<u8>>,
    /// `KEY=VALUE` strings, NUL-terminated, in order.
    pub(super) env: Vec<Vec<u8>>,
    pub(super) stdin: Vec<u8>,
    pub(super) stdin_pos: usize,
    pub(super) stdout: CapBuffer,
    pub(super) stderr: CapBuffer,
    /// Set by `proc_exit`.
    pub(super) exit_code: Option<i32>,
    /// Set when the guest exceeded an output cap (the call then traps).
    pub(super) limit_hit: Option<String>,
    pub(super) clock_base: Instant,
    pub(super) rng: u64,
    /// When the current guarded call must stop (bounds `poll_oneoff` sleeps).
    pub(super) deadline: Option<Instant>,
    /// The region between the guest's `bench.start` and `bench.end` calls.
    pub(super) bench: BenchClock,
}

impl HostState {
    pub(super) fn new(input: &WasiInput, max_output: usize) -> HostState {
        let c_string = |s: &[u8]| {
            let mut v = Vec::with_capacity(s.len() + 1);
            v.extend_from_slice(s);
            v.push(0);
            v
        };
        let mut args = vec![c_string(b"module.wasm")];
        args.extend(input.args.iter().map(|a| c_string(a.as_bytes())));
        let env = input
            .env
            .iter()
            .map(|(k, v)| c_string(format!("{k}={v}").as_bytes()))
            .collect();
        HostState {
            args,
            env,
            stdin: input.stdin.clone(),
            stdin_pos: 0,
            stdout: CapBuffer::new(max_output),
            stderr: CapBuffer::new(max_output),
            exit_code: None,
            limit_hit: None,
            clock_base: Instant::now(),
            rng: seed(),
            deadline: None,
            bench: BenchClock::default(),
        }
    }

    pub(super) fn next_random(&mut self) -> u64 {
        // xorshift64*: fast, non-cryptographic, which is all a benchmark guest needs.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

pub(super) fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9E37_79B9_7F4A_7C15);
    h.finish() | 1
}

/// The guest's linear memory during one host call. Every access is bounds-checked.
pub(super) struct Guest<'m> {
    pub(super) mem: &'m mut [u8],
}

pub(super) type Errno = i32;

impl Guest<'_> {
    pub(super) fn bytes(&self, ptr: u32, len: u32) -> std::result::Result<&[u8], Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(errno::FAULT)?;
        self.mem.get(start..end).ok_or(errno::FAULT)
    }

    pub(super) fn bytes_mut(&mut self, ptr: u32, len: usize) -> std::result::Result<&mut [u8], Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len).ok_or(errno::FAULT)?;
        self.mem.get_mut(start..end).ok_or(errno::FAULT)
    }

    pub(super) fn write(&mut self, ptr: u32, data: &[u8]) -> std::result::Result<(), Errno> {
        self.bytes_mut(ptr, data.len())?.copy_from_slice(data);
        Ok(())
    }

    pub(super) fn write_u32(&mut self, ptr: u32, value: u32) -> std::result::Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    pub(super) fn write_u64(&mut self, ptr: u32, value: u64) -> std::result::Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// The (pointer, length) pairs of an iovec array, all checked to lie in memory.
    pub(super) fn iovecs(&self, iovs: u32, count: u32) -> std::result::Result<Vec<(u32, u32)>, Errno> {
        let table = self.bytes(iovs, count.checked_mul(8).ok_or(errno::FAULT)?)?;
        let mut out = Vec::with_capacity(count as usize);
        for entry in table.chunks_exact(8) {
            let ptr = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
            let len = u32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]);
            self.bytes(ptr, len)?;
            out.push((ptr, len));
        }
        Ok(out)
    }
}

/// What a host function hands back to wasm3.
pub(super) enum Outcome {
    /// No result (a function of type `[] -> []`).
    Void,
    /// An `i32` result (WASI errno).
    Errno(Errno),
    /// Unwind the execution with this wasm3 error.
    Trap(ffi::M3Result),
}

impl From<std::result::Result<(), Errno>> for Outcome {
    fn from(r: std::result::Result<(), Errno>) -> Outcome {
        Outcome::Errno(r.err().unwrap_or(errno::SUCCESS))
    }
}

pub(super) type HostBody<const N: usize> = fn(&mut HostState, &mut Guest<'_>, [u64; N]) -> Outcome;

/// Shared part of every host function: read `N` arguments, view memory, run `body`,
/// store its result.
///
/// # Safety
/// Must only be called by wasm3 through a function linked by [`link_wasi`]: `runtime` is
/// the live runtime running the call, `sp` points at the call's argument slots (`N`
/// 64-bit-aligned slots, the first of which also receives the result), and `cookie` is the
/// `HostState` of that runtime, which nothing else accesses during the call.
pub(super) unsafe fn host_call<const N: usize>(
    runtime: ffi::IM3Runtime,
    sp: *mut u64,
    cookie: *mut c_void,
    body: HostBody<N>,
) -> *const c_void {
    let mut args = [0u64; N];
    for (i, arg) in args.iter_mut().enumerate() {
        // SAFETY: wasm3 passes the call's arguments in `N` consecutive 64-bit slots at `sp`.
        *arg = unsafe { sp.add(i).read_unaligned() };
    }
    // SAFETY: `runtime` is live; its memory header (when allocated) is followed by
    // `length` bytes of linear memory, which no one else touches while the interpreter
    // waits for this host call to return.
    let mem: &mut [u8] = unsafe {
        let header = (*runtime).memory.mallocated;
        let len = if header.is_null() {
            0
        } else {
            (*header).length
        };
        match usize::try_from(len) {
            Ok(len) if len > 0 => std::slice::from_raw_parts_mut(header.add(1).cast::<u8>(), len),
            _ => &mut [],
        }
    };
    // SAFETY: the cookie is the runtime's `HostState` (see `Runtime`), exclusively ours
    // for the duration of the call.
    let host = unsafe { &mut *cookie.cast::<HostState>() };
    let mut guest = Guest { mem };
    match body(host, &mut guest, args) {
        Outcome::Void => std::ptr::null(),
        Outcome::Errno(value) => {
            // SAFETY: the result slot is the first argument slot (there is at least one
            // slot for a function with a result: wasm3 reserves it even without arguments).
            unsafe { sp.cast::<u32>().write_unaligned(value as u32) };
            std::ptr::null()
        }
        Outcome::Trap(error) => error.cast(),
    }
}

macro_rules! host_functions {
    ($( $name:literal => $wrapper:ident, $body:ident, $n:literal, [$($param:expr),*], [$($result:expr),*], $sig:literal; )*) => {
        $(
            unsafe extern "C" fn $wrapper(
                runtime: ffi::IM3Runtime,
                sp: *mut u64,
                _mem: *mut c_void,
                cookie: *mut c_void,
            ) -> *const c_void {
                // SAFETY: wasm3 calls this only through the link made by `link_wasi`,
                // which meets `host_call`'s contract (see there).
                unsafe { host_call::<$n>(runtime, sp, cookie, $body) }
            }
        )*

        /// The WASI preview1 functions this backend provides.
        pub(super) static HOST_FUNCTIONS: &[HostFunction] = &[
            $( HostFunction {
                name: $name,
                params: &[$($param),*],
                results: &[$($result),*],
                signature: $sig,
                call: $wrapper,
            }, )*
        ];
    };
}

pub(super) struct HostFunction {
    pub(super) name: &'static str,
    pub(super) params: &'static [u8],
    pub(super) results: &'static [u8],
    /// wasm3's signature notation: result type, then the parameter types in parentheses.
    pub(super) signature: &'static CStr,
    pub(super) call: HostCall,
}

/// wasm3's `M3RawCallEx`: runtime, argument slots, linear memory, cookie.
pub(super) type HostCall =
    unsafe extern "C" fn(ffi::IM3Runtime, *mut u64, *mut c_void, *mut c_void) -> *const c_void;

pub(super) const WASI_MODULE: &str = "wasi_snapshot_preview1";

// Every WASI preview1 function, so that any preview1 command links. There is no file
// system and there are no sockets: only stdin (fd 0), stdout (1) and stderr (2) exist, and
// the other functions answer as a system without preopened directories would.
host_functions! {
    "args_get" => wasi_args_get, args_get, 2, [I32, I32], [I32], c"i(ii)";
    "args_sizes_get" => wasi_args_sizes_get, args_sizes_get, 2, [I32, I32], [I32], c"i(ii)";
    "environ_get" => wasi_environ_get, environ_get, 2, [I32, I32], [I32], c"i(ii)";
    "environ_sizes_get" => wasi_environ_sizes_get, environ_sizes_get, 2, [I32, I32], [I32], c"i(ii)";
    "clock_res_get" => wasi_clock_res_get, clock_res_get, 2, [I32, I32], [I32], c"i(ii)";
    "clock_time_get" => wasi_clock_time_get, clock_time_get, 3, [I32, I64, I32], [I32], c"i(iIi)";
    "fd_advise" => wasi_fd_advise, fd_advise, 4, [I32, I64, I64, I32], [I32], c"i(iIIi)";
    "fd_allocate" => wasi_fd_allocate, fd_allocate, 3, [I32, I64, I64], [I32], c"i(iII)";
    "fd_close" => wasi_fd_close, fd_close, 1, [I32], [I32], c"i(i)";
    "fd_datasync" => wasi_fd_datasync, fd_sync, 1, [I32], [I32], c"i(i)";
    "fd_fdstat_get" => wasi_fd_fdstat_get, fd_fdstat_get, 2, [I32, I32], [I32], c"i(ii)";
    "fd_fdstat_set_flags" => wasi_fd_fdstat_set_flags, fd_fdstat_set_flags, 2, [I32, I32], [I32], c"i(ii)";
    "fd_fdstat_set_rights" => wasi_fd_fdstat_set_rights, fd_fdstat_set_rights, 3, [I32, I64, I64], [I32], c"i(iII)";
    "fd_filestat_get" => wasi_fd_filestat_get, fd_filestat_get, 2, [I32, I32], [I32], c"i(ii)";
    "fd_filestat_set_size" => wasi_fd_filestat_set_size, fd_filestat_set_size, 2, [I32, I64], [I32], c"i(iI)";
    "fd_filestat_set_times" => wasi_fd_filestat_set_times, fd_filestat_set_times, 4, [I32, I64, I64, I32], [I32], c"i(iIIi)";
    "fd_pread" => wasi_fd_pread, fd_pread, 5, [I32, I32, I32, I64, I32], [I32], c"i(iiiIi)";
    "fd_prestat_get" => wasi_fd_prestat_get, fd_prestat_get, 2, [I32, I32], [I32], c"i(ii)";
    "fd_prestat_dir_name" => wasi_fd_prestat_dir_name, fd_prestat_dir_name, 3, [I32, I32, I32], [I32], c"i(iii)";
    "fd_pwrite" => wasi_fd_pwrite, fd_pwrite, 5, [I32, I32, I32, I64, I32], [I32], c"i(iiiIi)";
    "fd_read" => wasi_fd_read, fd_read, 4, [I32, I32, I32, I32], [I32], c"i(iiii)";
    "fd_readdir" => wasi_fd_readdir, fd_readdir, 5, [I32, I32, I32, I64, I32], [I32], c"i(iiiIi)";
    "fd_renumber" => wasi_fd_renumber, fd_renumber, 2, [I32, I32], [I32], c"i(ii)";
    "fd_seek" => wasi_fd_seek, fd_seek, 4, [I32, I64, I32, I32], [I32], c"i(iIii)";
    "fd_sync" => wasi_fd_sync, fd_sync, 1, [I32], [I32], c"i(i)";
    "fd_tell" => wasi_fd_tell, fd_tell, 2, [I32, I32], [I32], c"i(ii)";
    "fd_write" => wasi_fd_write, fd_write, 4, [I32, I32, I32, I32], [I32], c"i(iiii)";
    "path_create_directory" => wasi_path_create_directory, path_at_fd0, 3, [I32, I32, I32], [I32], c"i(iii)";
    "path_filestat_get" => wasi_path_filestat_get, path_at_fd0, 5, [I32, I32, I32, I32, I32], [I32], c"i(iiiii)";
    "path_filestat_set_times" => wasi_path_filestat_set_times, path_at_fd0, 7, [I32, I32, I32, I32, I64, I64, I32], [I32], c"i(iiiiIIi)";
    "path_link" => wasi_path_link, path_at_fd0, 7, [I32, I32, I32, I32, I32, I32, I32], [I32], c"i(iiiiiii)";
    "path_open" => wasi_path_open, path_at_fd0, 9, [I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32], c"i(iiiiiIIii)";
    "path_readlink" => wasi_path_readlink, path_at_fd0, 6, [I32, I32, I32, I32, I32, I32], [I32], c"i(iiiiii)";
    "path_remove_directory" => wasi_path_remove_directory, path_at_fd0, 3, [I32, I32, I32], [I32], c"i(iii)";
    "path_rename" => wasi_path_rename, path_at_fd0, 6, [I32, I32, I32, I32, I32, I32], [I32], c"i(iiiiii)";
    "path_symlink" => wasi_path_symlink, path_symlink, 5, [I32, I32, I32, I32, I32], [I32], c"i(iiiii)";
    "path_unlink_file" => wasi_path_unlink_file, path_at_fd0, 3, [I32, I32, I32], [I32], c"i(iii)";
    "poll_oneoff" => wasi_poll_oneoff, poll_oneoff, 4, [I32, I32, I32, I32], [I32], c"i(iiii)";
    "proc_exit" => wasi_proc_exit, proc_exit, 1, [I32], [], c"v(i)";
    "proc_raise" => wasi_proc_raise, proc_raise, 1, [I32], [I32], c"i(i)";
    "random_get" => wasi_random_get, random_get, 2, [I32, I32], [I32], c"i(ii)";
    "sched_yield" => wasi_sched_yield, sched_yield, 0, [], [I32], c"i()";
    "sock_accept" => wasi_sock_accept, sock_fd0, 3, [I32, I32, I32], [I32], c"i(iii)";
    "sock_recv" => wasi_sock_recv, sock_fd0, 6, [I32, I32, I32, I32, I32, I32], [I32], c"i(iiiiii)";
    "sock_send" => wasi_sock_send, sock_fd0, 5, [I32, I32, I32, I32, I32], [I32], c"i(iiiii)";
    "sock_shutdown" => wasi_sock_shutdown, sock_fd0, 2, [I32, I32], [I32], c"i(ii)";
}

pub(super) fn host_function(module: &str, name: &str) -> Option<&'static HostFunction> {
    let functions = match module {
        WASI_MODULE => HOST_FUNCTIONS,
        BENCH_MODULE => BENCH_FUNCTIONS,
        _ => return None,
    };
    functions.iter().find(|f| f.name == name)
}

pub(super) const BENCH_MODULE: &str = "bench";

/// `bench.start` (`START`) or `bench.end`: starts or ends the host-timed region.
pub(super) unsafe extern "C" fn bench_marker<const START: bool>(
    runtime: ffi::IM3Runtime,
    sp: *mut u64,
    _mem: *mut c_void,
    cookie: *mut c_void,
) -> *const c_void {
    // SAFETY: linked by `link_wasi`, which meets `host_call`'s contract.
    unsafe {
        host_call::<0>(runtime, sp, cookie, |h, _, _| {
            if START {
                h.bench.start();
            } else {
                h.bench.end();
            }
            Outcome::Void
        })
    }
}

/// The sightglass-style `bench.start` / `bench.end` imports.
pub(super) static BENCH_FUNCTIONS: &[HostFunction] = &[
    HostFunction { name: "start", params: &[], results: &[], signature: c"v()", call: bench_marker::<true> },
    HostFunction { name: "end", params: &[], results: &[], signature: c"v()", call: bench_marker::<false> },
];

extern "C" {
    /// The linker behind wasm3's `m3_LinkRawFunctionEx` (m3_bind.c in wasm3 0.4.7, with
    /// external linkage but absent from its public header). It links the given import
    /// itself, where `m3_LinkRawFunctionEx` looks the import up by name and links only the
    /// first of several imports of one function (Go modules import `fd_write` twice).
    pub(super) fn LinkRawFunctionEx(
        module: ffi::IM3Module,
        function: ffi::IM3Function,
        signature: *const c_char,
        call: *const c_void,
        cookie: *mut c_void,
    ) -> ffi::M3Result;
}

/// Link every imported function of `module` to its host function, with `host` as cookie.
pub(super) fn link_wasi(
    host: NonNull<HostState>,
    module: NonNull<ffi::M3Module>,
) -> std::result::Result<(), String> {
    // SAFETY: `module` is loaded into a live runtime (which `LinkRawFunctionEx` needs for
    // the code page it writes the call stub into) and not executing. Its function array
    // has `numFunctions` entries; import names are NUL-terminated strings it owns; the
    // signature is a static C string and `call` a function of the `M3RawCallEx` type that
    // stub calls. The cookie outlives the runtime (see `Runtime::drop`).
    unsafe {
        let m = module.as_ptr();
        let count = (*m).numFunctions as usize;
        let functions = (*m).functions;
        for i in 0..count {
            let function = functions.add(i);
            let import = (*function).import;
            if import.moduleUtf8.is_null() || import.fieldUtf8.is_null() {
                continue;
            }
            let module_name = CStr::from_ptr(import.moduleUtf8).to_string_lossy();
            let field = CStr::from_ptr(import.fieldUtf8).to_string_lossy();
            let Some(f) = host_function(&module_name, &field) else {
                return Err(format!("unknown import `{module_name}::{field}`"));
            };
            let call: HostCall = f.call;
            let result = LinkRawFunctionEx(
                m,
                function,
                f.signature.as_ptr(),
                call as *const c_void,
                host.as_ptr().cast(),
            );
            if let Some(message) = error_message(result) {
                return Err(format!("linking `{module_name}::{field}`: {message}"));
            }
            if (*function).compiled.is_null() {
                return Err(format!("import `{module_name}::{field}` was not linked"));
            }
        }
    }
    Ok(())
}
