//! WAMR (WebAssembly Micro Runtime 2.4.3) fast interpreter, through the raw C embedding API
//! of `wamrx-sys` 0.3.0 (built with `libc-wasi` and `thread-mgr`).
//!
//! Phases:
//! - `prepare` = `wasm_runtime_load` of an owned copy of the binary (WAMR rewrites that
//!   buffer in place — import/export names are moved one byte back and NUL-terminated — and
//!   keeps pointers into it, e.g. to data segments, so the copy lives exactly as long as the
//!   module), then a check of every function/global import against WAMR's built-in WASI
//!   (`wasm_import_t::linked`) and of the `_start` export. WAMR itself only *warns* about
//!   unlinked functions and fails on the first call, so the check is done here.
//! - `instantiate` = `wasm_runtime_instantiate_ex2` with per-instance `InstantiationArgs2`
//!   (argv, env as `K=V`, stdio fds, max memory pages; the module is never mutated), then a
//!   dedicated execution environment with a [`WASM_STACK_SIZE`] interpreter stack and no
//!   host-managed app heap (WASI guests bring their own `malloc`).
//! - `execute` = `wasm_runtime_call_wasm` of `_start`; `proc_exit(n)` surfaces as the
//!   exception "wasi proc exit" and is reported as exit code `n`.
//!
//! Stdio: WAMR's WASI takes real file descriptors, so stdin is a memfd holding the input and
//! stdout/stderr are memfds read back after execution. WAMR cannot stop writes at the output
//! cap: each output memfd is sized to `cap + 1 + OUTPUT_SLACK` bytes and sealed against
//! growth, so a flood costs at most that much memory (further writes fail with `EPERM` in the
//! guest), and writing more than `cap` bytes is reported as `ResourceLimit`. The number of
//! bytes written is the file offset (a guest that `fd_seek`s on its stdout could confuse it).
//!
//! Deadline: a watchdog thread per backend ([`crate::watchdog`]) calls
//! `wasm_runtime_terminate` at the deadline.
//! That only interrupts a running loop when WAMR is built with its thread manager
//! (`WAMR_BUILD_THREAD_MGR`: the interpreter checks a terminate flag on every branch), which
//! is why `thread-mgr` is enabled. Side effects of the thread manager: (1) WAMR installs a
//! no-op `SIGUSR1` handler at init and blocks `SIGUSR1` in threads that call
//! `wasm_runtime_init_thread_env` (it unblocks it around blocking WASI calls so that
//! termination can interrupt them); (2) every execution environment is put in a "cluster"
//! that would split the guest's C stack (`__stack_pointer` region) between the main thread
//! and `max_thread_num` extra threads. We never spawn guest threads, so the full stack is
//! given back to the main execution environment right after creating it (see
//! [`ExecEnv::restore_full_aux_stack`]).
//!
//! Memory cap: `InstantiationArgs2` `max_memory_pages` = `max_memory_bytes / 64 KiB` (at least
//! one page); WAMR takes the smaller of it and the module's own maximum, so `memory.grow`
//! past the cap returns -1. An initial memory larger than the cap (which WAMR would silently
//! allow) is refused at instantiation with `ResourceLimit`.
//!
//! Thread safety: the runtime is process-global. `wasm_runtime_full_init` runs once (guarded
//! by a `OnceLock`) and the runtime is never destroyed, since other threads may still use it.
//! WAMR's loader, instantiation and execution are safe to use from several threads for
//! distinct modules/instances. Every thread that loads, instantiates or executes calls
//! `wasm_runtime_init_thread_env` once (a thread-local guard calls
//! `wasm_runtime_destroy_thread_env` when the thread exits); in this build (software bounds
//! checks, Linux) that only sets the `SIGUSR1` mask, but it is the documented contract. The
//! module, instance and execution-environment handles are raw pointers, so none of the types
//! here is `Send`: an instance is executed on the thread that created it.
//!
//! Logging: WAMR logs with `printf` to the process's stdout, which carries the worker's JSON
//! response; the log level is set to `FATAL` at init so that warnings (e.g. unlinked
//! imports) never reach it.
//!
//! Linux only (memfd, file seals).

use std::ffi::{c_char, c_void, CStr, CString};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wamrx_sys as sys;

use crate::capture::within_cap;
use crate::watchdog::{Armed, Watchdog};
use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, WasiInput,
};

/// Size of the interpreter's operand/frame stack of each execution environment.
const WASM_STACK_SIZE: u32 = 1 << 20;

/// Host-managed app heap inside the linear memory: none (WASI guests have their own malloc,
/// and a heap would change the guest's memory size).
const HOST_MANAGED_HEAP_SIZE: u32 = 0;

/// Size of WAMR's error message buffers.
const ERROR_BUF_LEN: usize = 256;

/// WebAssembly page size.
const WASM_PAGE: u64 = 64 * 1024;

/// Largest number of 32-bit memory pages.
const MAX_PAGES: u64 = 65536;

/// Room past the output cap before writes to a sealed output memfd fail. Linux refuses a
/// whole write chunk (at most one huge page, 2 MiB) that would cross the sealed size, so the
/// file offset always ends beyond the cap when the guest tried to write past it.
const OUTPUT_SLACK: u64 = 4 << 20;

/// The exception WAMR's WASI raises in `proc_exit`.
const PROC_EXIT_EXCEPTION: &str = "wasi proc exit";

pub(crate) fn create(id: BackendId, limits: &Limits) -> Result<Box<dyn Backend>> {
    if id != BackendId::WamrInterp {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Unsupported,
            format!("{id} is not a WAMR backend"),
        ));
    }
    runtime(id)?;
    let watchdog = Watchdog::start("wamr-watchdog");
    let mut flags = vec![
        "fast-interpreter".to_string(),
        "software-bounds-checks".to_string(),
        format!("wasm-stack={}KiB", WASM_STACK_SIZE / 1024),
        "stdio=memfd".to_string(),
    ];
    if watchdog.is_some() {
        flags.push("deadline=wasm_runtime_terminate".to_string());
    } else {
        flags.push("no-deadline".to_string());
    }
    Ok(Box::new(WamrBackend {
        id,
        limits: limits.clone(),
        flags,
        watchdog: watchdog.map(Arc::new),
    }))
}

// ---------------------------------------------------------------------------------------
// Process-global runtime and per-thread environment
// ---------------------------------------------------------------------------------------

/// `Ok` once `wasm_runtime_full_init` succeeded in this process.
static RUNTIME: OnceLock<Result<(), String>> = OnceLock::new();

thread_local! {
    /// Whether `wasm_runtime_init_thread_env` succeeded on this thread.
    static THREAD_ENV: ThreadEnv = ThreadEnv::init();
}

/// Initialises the WAMR runtime once per process and the WAMR thread environment once per
/// calling thread.
fn runtime(id: BackendId) -> Result<()> {
    let init = RUNTIME.get_or_init(|| {
        let mut args = sys::RuntimeInitArgs {
            mem_alloc_type: sys::Alloc_With_System_Allocator,
            running_mode: sys::Mode_Interp,
            // The thread manager splits the guest's aux stack by (max_thread_num + 1); 1 is
            // the smallest value it accepts (0 means "default", 4). The full stack is given
            // back to the one execution environment we use, see `restore_full_aux_stack`.
            max_thread_num: 1,
            ..Default::default()
        };
        // SAFETY: `args` is a fully initialised `RuntimeInitArgs` (zeroed by `Default`, which
        // selects no native symbols and no pool buffer) that outlives the call; the
        // `OnceLock` guarantees this runs once per process, before any other WAMR call.
        let ok = unsafe { sys::wasm_runtime_full_init(&mut args) };
        if !ok {
            return Err("wasm_runtime_full_init failed".to_string());
        }
        // SAFETY: the runtime is initialised; setting the log level has no preconditions.
        unsafe { sys::wasm_runtime_set_log_level(sys::WASM_LOG_LEVEL_FATAL) };
        register_bench_imports()?;
        Ok(())
    });
    if let Err(e) = init {
        return Err(RuntimeError::new(id, ErrorKind::Unsupported, e.clone()));
    }
    // `try_with` fails (instead of panicking) during thread-local destruction.
    if !THREAD_ENV.try_with(|t| t.ok).unwrap_or(false) {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Unsupported,
            "wasm_runtime_init_thread_env failed on this thread",
        ));
    }
    Ok(())
}

/// WAMR's per-thread environment, set up on a thread's first WAMR call and torn down when
/// the thread exits.
struct ThreadEnv {
    ok: bool,
}

impl ThreadEnv {
    fn init() -> ThreadEnv {
        // SAFETY: only reached through `runtime()` after the process-global runtime was
        // initialised successfully; the call only touches this thread's state.
        let ok = unsafe { sys::wasm_runtime_init_thread_env() };
        ThreadEnv { ok }
    }
}

impl Drop for ThreadEnv {
    fn drop(&mut self) {
        if self.ok {
            // SAFETY: pairs the successful `wasm_runtime_init_thread_env` of this thread; it
            // runs at thread exit, when this thread no longer executes any WAMR code.
            unsafe { sys::wasm_runtime_destroy_thread_env() };
        }
    }
}

// ---------------------------------------------------------------------------------------
// Deadline: the watchdog terminates the running instance
// ---------------------------------------------------------------------------------------

/// A module instance pointer handed to the watchdog thread.
#[derive(Clone, Copy)]
struct InstancePtr(sys::wasm_module_inst_t);

// SAFETY: the watchdog only passes the pointer to `wasm_runtime_terminate`, which WAMR
// documents as callable from another thread while the instance runs; the pointer is only
// used while the deadline is armed, and disarming (which waits for a running action, see
// crate::watchdog) happens before the instance can be destroyed.
unsafe impl Send for InstancePtr {}

impl InstancePtr {
    fn terminate(self) {
        // SAFETY: the deadline is armed, so the instance is alive and executing (or about
        // to return); disarming waits for this call, so the instance cannot be destroyed
        // before `wasm_runtime_terminate` returns. WAMR allows terminating an instance from
        // another thread; no WAMR thread environment is needed for it in this build (it
        // only sets flags and may signal the executing thread).
        unsafe { sys::wasm_runtime_terminate(self.0) };
    }
}

// ---------------------------------------------------------------------------------------
// Owned WAMR objects (freed in Drop, in dependency order)
// ---------------------------------------------------------------------------------------

/// A loaded module and the buffer WAMR loaded it from (and still points into).
struct LoadedModule {
    raw: sys::wasm_module_t,
    /// Declared after nothing that borrows it: `Drop` unloads before the fields drop.
    _buffer: Box<[u8]>,
}

impl Drop for LoadedModule {
    fn drop(&mut self) {
        // SAFETY: `raw` came from a successful `wasm_runtime_load` and is unloaded once.
        // Every instance of it holds an `Rc<LoadedModule>` and is deinstantiated first, and
        // the buffer it points into is freed only after this (fields drop after `drop`).
        unsafe { sys::wasm_runtime_unload(self.raw) };
    }
}

/// A module instance.
struct InstanceHandle {
    raw: sys::wasm_module_inst_t,
}

impl Drop for InstanceHandle {
    fn drop(&mut self) {
        // SAFETY: `raw` came from a successful instantiation and is deinstantiated once;
        // the execution environment created on it is destroyed before (field order of
        // `WamrInstance`) and its module is unloaded after (it holds an `Rc`).
        unsafe { sys::wasm_runtime_deinstantiate(self.raw) };
    }
}

/// An execution environment (interpreter stack + thread-manager cluster) of one instance.
struct ExecEnv {
    raw: sys::wasm_exec_env_t,
}

// WAMR internals (declared in core/iwasm/common/wasm_runtime_common.h, exported by the
// static library when the thread manager is built) used to undo the cluster's split of the
// guest's aux (C) stack. Signatures as in WAMR 2.4.3 (`uint64`, `uint32`, `bool`).
extern "C" {
    fn wasm_exec_env_get_aux_stack(
        exec_env: sys::wasm_exec_env_t,
        start_offset: *mut u64,
        size: *mut u32,
    ) -> bool;
    fn wasm_exec_env_set_aux_stack(
        exec_env: sys::wasm_exec_env_t,
        start_offset: u64,
        size: u32,
    ) -> bool;
}

impl ExecEnv {
    /// With the thread manager, WAMR gives a new execution environment only
    /// `1 / (max_thread_num + 1)` of the aux stack the module declared (the rest is reserved
    /// for guest threads, which we never create). Give it the whole stack back, as WAMR does
    /// without the thread manager, so deep recursion behaves as in the other backends.
    fn restore_full_aux_stack(&self) {
        let mut start = 0u64;
        let mut size = 0u32;
        // SAFETY: `raw` is a live execution environment of a live bytecode instance; the
        // out-pointers are valid locals. `get` reads the module's aux stack bottom and total
        // size (false if the module has none); `set` rewrites the `__stack_pointer` global
        // to that bottom (its initial value) and the boundary to bottom - size, which is what
        // `wasm_exec_env_create` sets up without the thread manager. Nothing runs yet.
        unsafe {
            if wasm_exec_env_get_aux_stack(self.raw, &mut start, &mut size) {
                wasm_exec_env_set_aux_stack(self.raw, start, size);
            }
        }
    }
}

impl Drop for ExecEnv {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `wasm_runtime_create_exec_env`, is destroyed once, and no
        // call runs on it any more (execution is synchronous); its instance is still alive
        // (field order of `WamrInstance`).
        unsafe { sys::wasm_runtime_destroy_exec_env(self.raw) };
    }
}

/// Instantiation arguments (WAMR-allocated).
struct InstantiationArgs {
    raw: *mut sys::InstantiationArgs2,
}

impl InstantiationArgs {
    fn new() -> Option<InstantiationArgs> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer; on success WAMR allocates and fills it with
        // defaults.
        let ok = unsafe { sys::wasm_runtime_instantiation_args_create(&mut raw) };
        (ok && !raw.is_null()).then_some(InstantiationArgs { raw })
    }
}

impl Drop for InstantiationArgs {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `wasm_runtime_instantiation_args_create`, freed once.
        unsafe { sys::wasm_runtime_instantiation_args_destroy(self.raw) };
    }
}

// ---------------------------------------------------------------------------------------
// Backend, module, instance
// ---------------------------------------------------------------------------------------

struct WamrBackend {
    id: BackendId,
    limits: Limits,
    flags: Vec<String>,
    watchdog: Option<Arc<Watchdog>>,
}

impl WamrBackend {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    fn load(&self, wasm: &[u8]) -> Result<LoadedModule> {
        let size = u32::try_from(wasm.len())
            .map_err(|_| self.error(ErrorKind::Invalid, "module larger than 4 GiB"))?;
        let mut buffer: Box<[u8]> = wasm.into();
        let mut error: [c_char; ERROR_BUF_LEN] = [0; ERROR_BUF_LEN];
        // SAFETY: `buffer` is a writable heap allocation of `size` bytes owned by the
        // returned `LoadedModule`, so it stays alive and unaliased (moving the box does not
        // move its heap data) until `wasm_runtime_unload`, as WAMR requires; `error` is a
        // writable buffer of the length passed.
        let raw = unsafe {
            sys::wasm_runtime_load(
                buffer.as_mut_ptr(),
                size,
                error.as_mut_ptr(),
                ERROR_BUF_LEN as u32,
            )
        };
        if raw.is_null() {
            return Err(self.error(ErrorKind::Invalid, format!("load: {}", c_message(&error))));
        }
        Ok(LoadedModule {
            raw,
            _buffer: buffer,
        })
    }

    /// Every function and global import must be one WAMR provides (its built-in WASI).
    fn check_imports(&self, module: &LoadedModule) -> Result<()> {
        // SAFETY: `module.raw` is a live loaded module.
        let count = unsafe { sys::wasm_runtime_get_import_count(module.raw) };
        let mut missing = Vec::new();
        for index in 0..count.max(0) {
            let mut import = sys::wasm_import_t::default();
            // SAFETY: `index` is below the import count; `import` is a valid out-struct.
            // WAMR fills it with pointers to NUL-terminated names owned by the module.
            unsafe { sys::wasm_runtime_get_import_type(module.raw, index, &mut import) };
            let kind = match import.kind {
                sys::WASM_IMPORT_EXPORT_KIND_FUNC => "function",
                sys::WASM_IMPORT_EXPORT_KIND_GLOBAL => "global",
                // WAMR reports table/memory imports as never linked; instantiation decides.
                _ => continue,
            };
            if !import.linked {
                // SAFETY: the names are NUL-terminated strings owned by the live module (or
                // null, which `c_str` handles).
                let (m, n) = unsafe { (c_str(import.module_name), c_str(import.name)) };
                missing.push(format!("{m}::{n} ({kind})"));
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(self.error(
                ErrorKind::Unlinkable,
                format!(
                    "unknown import(s) not provided by WAMR's WASI: {}",
                    missing.join(", ")
                ),
            ))
        }
    }

    /// The module must export `_start: [] -> []`.
    fn check_start(&self, module: &LoadedModule) -> Result<()> {
        // SAFETY: `module.raw` is a live loaded module.
        let count = unsafe { sys::wasm_runtime_get_export_count(module.raw) };
        for index in 0..count.max(0) {
            let mut export = sys::wasm_export_t::default();
            // SAFETY: `index` is below the export count; `export` is a valid out-struct.
            unsafe { sys::wasm_runtime_get_export_type(module.raw, index, &mut export) };
            // SAFETY: the name is a NUL-terminated string owned by the live module.
            if unsafe { c_str(export.name) } != "_start" {
                continue;
            }
            if export.kind != sys::WASM_IMPORT_EXPORT_KIND_FUNC {
                return Err(self.error(ErrorKind::Invalid, "export `_start` is not a function"));
            }
            // SAFETY: for a function export WAMR sets `u.func_type` to the function's type,
            // owned by the live module.
            let (params, results) = unsafe {
                let ty = export.u.func_type;
                (
                    sys::wasm_func_type_get_param_count(ty),
                    sys::wasm_func_type_get_result_count(ty),
                )
            };
            if params != 0 || results != 0 {
                return Err(self.error(
                    ErrorKind::Invalid,
                    "export `_start` is not a function of type [] -> []",
                ));
            }
            return Ok(());
        }
        Err(self.error(
            ErrorKind::Invalid,
            "module exports no `_start` function (not a WASI command)",
        ))
    }
}

impl Backend for WamrBackend {
    fn id(&self) -> BackendId {
        self.id
    }

    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }

    fn prepare(&self, code: ModuleCode<'_>) -> Result<Box<dyn PreparedModule>> {
        let wasm = match code {
            ModuleCode::Wasm(wasm) => wasm,
            ModuleCode::Artifact(_) => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    "wamr-interp interprets wasm; it loads no precompiled artifacts",
                ))
            }
        };
        runtime(self.id)?;
        let module = self.load(wasm)?;
        self.check_imports(&module)?;
        self.check_start(&module)?;
        Ok(Box::new(WamrModule {
            id: self.id,
            limits: self.limits.clone(),
            module: Rc::new(module),
            watchdog: self.watchdog.clone(),
        }))
    }
}

struct WamrModule {
    id: BackendId,
    limits: Limits,
    module: Rc<LoadedModule>,
    watchdog: Option<Arc<Watchdog>>,
}

impl WamrModule {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> RuntimeError {
        self.error(ErrorKind::Io, format!("instantiate: {what}: {e}"))
    }

    fn max_memory_pages(&self) -> u32 {
        let pages = (self.limits.max_memory_bytes / WASM_PAGE).clamp(1, MAX_PAGES);
        u32::try_from(pages).unwrap_or(u32::MAX)
    }

    fn cstring(&self, what: &str, text: String) -> Result<CString> {
        CString::new(text).map_err(|_| {
            self.error(
                ErrorKind::Invalid,
                format!("instantiate: {what} contains a NUL byte"),
            )
        })
    }

    /// A memfd holding `bytes`, positioned at its start.
    fn stdin_file(&self, bytes: &[u8]) -> Result<File> {
        let mut file =
            memfd(c"wasmbench-stdin", false).map_err(|e| self.io_error("stdin memfd", e))?;
        file.write_all(bytes)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .map_err(|e| self.io_error("writing stdin", e))?;
        Ok(file)
    }

    /// An empty memfd that cannot grow past `cap + 1 + OUTPUT_SLACK` bytes.
    fn output_file(&self, name: &CStr) -> Result<File> {
        let file = memfd(name, true).map_err(|e| self.io_error("output memfd", e))?;
        let cap = u64::try_from(self.limits.max_output_bytes).unwrap_or(u64::MAX);
        if let Some(bound) = cap
            .checked_add(1 + OUTPUT_SLACK)
            .filter(|&b| i64::try_from(b).is_ok())
        {
            file.set_len(bound)
                .map_err(|e| self.io_error("sizing an output memfd", e))?;
            // SAFETY: `fcntl(F_ADD_SEALS)` on a file descriptor we own; no pointers.
            let rc = unsafe {
                libc::fcntl(
                    file.as_raw_fd(),
                    libc::F_ADD_SEALS,
                    libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL,
                )
            };
            if rc != 0 {
                return Err(
                    self.io_error("sealing an output memfd", std::io::Error::last_os_error())
                );
            }
        }
        Ok(file)
    }
}

impl PreparedModule for WamrModule {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        runtime(self.id)?;
        let stdio = Stdio {
            stdin: self.stdin_file(&input.stdin)?,
            stdout: self.output_file(c"wasmbench-stdout")?,
            stderr: self.output_file(c"wasmbench-stderr")?,
        };
        let instance = self.instantiate_raw(input, &stdio)?;
        self.check_initial_memory(&instance)?;
        // SAFETY: `instance.raw` is a live instance; `_start` is a NUL-terminated name.
        let start = unsafe { sys::wasm_runtime_lookup_function(instance.raw, c"_start".as_ptr()) };
        if start.is_null() {
            return Err(self.error(ErrorKind::Invalid, "instantiate: no `_start` function"));
        }
        let exec_env = self.exec_env(&instance)?;
        Ok(Box::new(WamrInstance {
            exec_env,
            instance,
            _module: Rc::clone(&self.module),
            id: self.id,
            start,
            stdout: stdio.stdout,
            stderr: stdio.stderr,
            _stdin: stdio.stdin,
            max_output_bytes: self.limits.max_output_bytes,
            deadline: self.limits.deadline,
            watchdog: self.watchdog.clone(),
        }))
    }
}

/// The memfds an instance's WASI stdio refers to.
struct Stdio {
    stdin: File,
    stdout: File,
    stderr: File,
}

impl WamrModule {
    /// `argv` (with `argv[0]`) and the environment as `K=V`, as C strings.
    fn wasi_strings(&self, input: &WasiInput) -> Result<(Vec<CString>, Vec<CString>)> {
        let argv: Vec<CString> = std::iter::once(Ok(c"module.wasm".to_owned()))
            .chain(
                input
                    .args
                    .iter()
                    .map(|a| self.cstring("an argument", a.clone())),
            )
            .collect::<Result<_>>()?;
        let env: Vec<CString> = input
            .env
            .iter()
            .map(|(k, v)| self.cstring("an environment variable", format!("{k}={v}")))
            .collect::<Result<_>>()?;
        Ok((argv, env))
    }

    /// `wasm_runtime_instantiate_ex2` with this instance's argv, env, stdio and memory cap.
    fn instantiate_raw(&self, input: &WasiInput, stdio: &Stdio) -> Result<InstanceHandle> {
        let (argv, env) = self.wasi_strings(input)?;
        // WAMR copies argv and env during instantiation; it never writes through them.
        let mut argv_ptrs: Vec<*mut c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
        let mut env_ptrs: Vec<*const c_char> = env.iter().map(|e| e.as_ptr()).collect();
        let argc = i32::try_from(argv_ptrs.len())
            .map_err(|_| self.error(ErrorKind::Invalid, "instantiate: too many arguments"))?;
        let envc = u32::try_from(env_ptrs.len()).map_err(|_| {
            self.error(
                ErrorKind::Invalid,
                "instantiate: too many environment variables",
            )
        })?;

        let args = InstantiationArgs::new()
            .ok_or_else(|| self.error(ErrorKind::ResourceLimit, "instantiate: out of memory"))?;
        let mut error: [c_char; ERROR_BUF_LEN] = [0; ERROR_BUF_LEN];
        // SAFETY: `args.raw` is a live InstantiationArgs2. The argv/env pointer arrays and
        // the C strings they point to outlive `wasm_runtime_instantiate_ex2`, which copies
        // them (WAMR stores the pointers in `args` only). The stdio fds stay open for the
        // whole life of the instance (they are dropped after it, see `WamrInstance`), and
        // WAMR never closes stdio fds. `self.module.raw` is a live module; `error` is a
        // writable buffer of the length passed.
        let raw = unsafe {
            sys::wasm_runtime_instantiation_args_set_default_stack_size(args.raw, WASM_STACK_SIZE);
            sys::wasm_runtime_instantiation_args_set_host_managed_heap_size(
                args.raw,
                HOST_MANAGED_HEAP_SIZE,
            );
            sys::wasm_runtime_instantiation_args_set_max_memory_pages(
                args.raw,
                self.max_memory_pages(),
            );
            sys::wasm_runtime_instantiation_args_set_wasi_arg(
                args.raw,
                argv_ptrs.as_mut_ptr(),
                argc,
            );
            sys::wasm_runtime_instantiation_args_set_wasi_env(
                args.raw,
                env_ptrs.as_mut_ptr(),
                envc,
            );
            sys::wasm_runtime_instantiation_args_set_wasi_stdio(
                args.raw,
                i64::from(stdio.stdin.as_raw_fd()),
                i64::from(stdio.stdout.as_raw_fd()),
                i64::from(stdio.stderr.as_raw_fd()),
            );
            sys::wasm_runtime_instantiate_ex2(
                self.module.raw,
                args.raw,
                error.as_mut_ptr(),
                ERROR_BUF_LEN as u32,
            )
        };
        drop(args);
        if raw.is_null() {
            return Err(classify_instantiate(self.id, &c_message(&error)));
        }
        Ok(InstanceHandle { raw })
    }

    /// An initial memory above the cap (which WAMR would allow) is `ResourceLimit`.
    fn check_initial_memory(&self, instance: &InstanceHandle) -> Result<()> {
        // SAFETY: `instance.raw` is a live instance; the memory handle (or null when the
        // module has no memory) is only used while it lives.
        let memory_bytes = unsafe {
            let memory = sys::wasm_runtime_get_default_memory(instance.raw);
            if memory.is_null() {
                0
            } else {
                sys::wasm_memory_get_cur_page_count(memory)
                    .saturating_mul(sys::wasm_memory_get_bytes_per_page(memory))
            }
        };
        if memory_bytes > self.limits.max_memory_bytes {
            return Err(self.error(
                ErrorKind::ResourceLimit,
                format!(
                    "instantiate: initial memory of {memory_bytes} bytes exceeds the memory cap of {} bytes",
                    self.limits.max_memory_bytes
                ),
            ));
        }
        Ok(())
    }

    /// The execution environment `_start` runs in, with the guest's whole aux stack.
    fn exec_env(&self, instance: &InstanceHandle) -> Result<ExecEnv> {
        // SAFETY: `instance.raw` is a live instance; the returned environment is owned by
        // `ExecEnv` and destroyed before the instance.
        let exec_env = unsafe { sys::wasm_runtime_create_exec_env(instance.raw, WASM_STACK_SIZE) };
        if exec_env.is_null() {
            return Err(self.error(
                ErrorKind::ResourceLimit,
                "instantiate: could not create an execution environment",
            ));
        }
        let exec_env = ExecEnv { raw: exec_env };
        exec_env.restore_full_aux_stack();
        Ok(exec_env)
    }
}

/// A live instance. Fields drop in declaration order: execution environment, instance,
/// module (if this was its last user), then the stdio fds WAMR referred to.
struct WamrInstance {
    exec_env: ExecEnv,
    instance: InstanceHandle,
    _module: Rc<LoadedModule>,
    id: BackendId,
    start: sys::wasm_function_inst_t,
    stdout: File,
    stderr: File,
    _stdin: File,
    max_output_bytes: usize,
    deadline: Duration,
    watchdog: Option<Arc<Watchdog>>,
}

impl WamrInstance {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    /// What the guest wrote to `file`, or `ResourceLimit` past the cap.
    fn output(&self, name: &str, file: &File) -> Result<Vec<u8>> {
        let io =
            |e: std::io::Error| self.error(ErrorKind::Io, format!("execute: reading {name}: {e}"));
        // The guest writes through its own fd at the shared file offset.
        let written = (&*file).stream_position().map_err(io)?;
        if !within_cap(written, self.max_output_bytes) {
            return Err(self.error(
                ErrorKind::ResourceLimit,
                format!(
                    "execute: {name}: the guest wrote more than the output cap of {} bytes",
                    self.max_output_bytes
                ),
            ));
        }
        let len =
            usize::try_from(written).map_err(|_| io(std::io::ErrorKind::InvalidData.into()))?;
        let mut bytes = vec![0; len];
        file.read_exact_at(&mut bytes, 0).map_err(io)?;
        Ok(bytes)
    }
}

impl Instance for WamrInstance {
    fn execute(self: Box<Self>) -> Result<Execution> {
        runtime(self.id)?;
        let target = InstancePtr(self.instance.raw);
        let deadline = match &self.watchdog {
            Some(watchdog) => watchdog.arm(self.deadline, move || target.terminate()),
            None => Armed::none(),
        };
        BENCH.with(|b| *b.borrow_mut() = BenchClock::default());
        // SAFETY: `exec_env`, `instance` and `start` are live and belong together (`start`
        // was looked up in this instance, `exec_env` created on it); `_start` takes no
        // parameters and returns nothing, so a null argv with argc 0 is valid. The call
        // runs on the thread that created the instance (the types are not `Send`).
        let ok = unsafe {
            sys::wasm_runtime_call_wasm(self.exec_env.raw, self.start, 0, std::ptr::null_mut())
        };
        let bench_region_ns = BENCH.with(|b| b.borrow().region_ns());
        let timed_out = deadline.disarm();

        // Output beyond the cap is the root cause of whatever happened next.
        let stdout = self.output("stdout", &self.stdout)?;
        let stderr = self.output("stderr", &self.stderr)?;

        let exit_code = if ok {
            0
        } else {
            // SAFETY: `instance.raw` is live; the returned string (or null) is owned by the
            // instance and copied before anything else touches it.
            let exception = unsafe { c_str(sys::wasm_runtime_get_exception(self.instance.raw)) };
            if exception.contains(PROC_EXIT_EXCEPTION) {
                // SAFETY: `instance.raw` is live.
                let code = unsafe { sys::wasm_runtime_get_wasi_exit_code(self.instance.raw) };
                code as i32
            } else if timed_out {
                return Err(self.error(
                    ErrorKind::Timeout,
                    format!(
                        "execute: deadline of {:?} exceeded (wasm_runtime_terminate: {exception})",
                        self.deadline
                    ),
                ));
            } else {
                return Err(classify_trap(self.id, &exception));
            }
        };
        Ok(Execution {
            exit_code,
            stdout,
            stderr,
            engine_heap_bytes: None,
            bench_region_ns,
        })
    }
}

// ---------------------------------------------------------------------------------------
// The sightglass-style `bench.start` / `bench.end` imports
// ---------------------------------------------------------------------------------------

thread_local! {
    /// The bench region of the execution running on this thread: an instance executes on
    /// the thread that created it, and WAMR calls native functions on that same thread.
    static BENCH: std::cell::RefCell<BenchClock> = std::cell::RefCell::new(BenchClock::default());
}

extern "C" fn bench_start(_exec_env: sys::wasm_exec_env_t) {
    BENCH.with(|b| b.borrow_mut().start());
}

extern "C" fn bench_end(_exec_env: sys::wasm_exec_env_t) {
    BENCH.with(|b| b.borrow_mut().end());
}

/// Registers `bench.start` / `bench.end` with WAMR, once per process (from the runtime's
/// one-time initialisation).
fn register_bench_imports() -> std::result::Result<(), String> {
    // WAMR keeps (and sorts) the array for the life of the process: leak it.
    let symbols: &'static mut [sys::NativeSymbol; 2] = Box::leak(Box::new([
        sys::NativeSymbol {
            symbol: c"start".as_ptr(),
            func_ptr: bench_start as *mut c_void,
            signature: c"()".as_ptr(),
            attachment: std::ptr::null_mut(),
        },
        sys::NativeSymbol {
            symbol: c"end".as_ptr(),
            func_ptr: bench_end as *mut c_void,
            signature: c"()".as_ptr(),
            attachment: std::ptr::null_mut(),
        },
    ]));
    // SAFETY: the runtime is initialised; the module name and the symbol array are
    // 'static; each function has the C signature WAMR uses for a `()` native without
    // results: `void f(wasm_exec_env_t)`.
    let ok = unsafe { sys::wasm_runtime_register_natives(c"bench".as_ptr(), symbols.as_mut_ptr(), 2) };
    if ok {
        Ok(())
    } else {
        Err("wasm_runtime_register_natives(\"bench\") failed".to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A memfd as a `File`; sealable ones can later be sealed against growth.
fn memfd(name: &CStr, sealable: bool) -> std::io::Result<File> {
    let mut flags = libc::MFD_CLOEXEC;
    if sealable {
        flags |= libc::MFD_ALLOW_SEALING;
    }
    // SAFETY: `name` is a NUL-terminated string; the call has no other pointer arguments.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a freshly created descriptor that nothing else owns.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// A WAMR error buffer as text.
fn c_message(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A C string owned by WAMR, copied (empty for null).
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string that stays valid during the call.
unsafe fn c_str(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Map a failed instantiation onto an [`ErrorKind`].
fn classify_instantiate(id: BackendId, message: &str) -> RuntimeError {
    let lower = message.to_ascii_lowercase();
    let kind = if lower.contains("link") || lower.contains("unknown import") {
        ErrorKind::Unlinkable
    } else if lower.contains("allocate memory") || lower.contains("memory size") {
        ErrorKind::ResourceLimit
    } else if lower.contains("wasi") {
        ErrorKind::Io
    } else {
        ErrorKind::Trap
    };
    RuntimeError::new(id, kind, format!("instantiate: {message}"))
}

/// Map a failed `_start` (not `proc_exit`, not the deadline) onto an [`ErrorKind`].
fn classify_trap(id: BackendId, exception: &str) -> RuntimeError {
    let kind = if exception.contains("allocate memory failed") {
        ErrorKind::ResourceLimit
    } else {
        ErrorKind::Trap
    };
    let message = if exception.is_empty() {
        "execute: call failed without an exception".to_string()
    } else {
        format!("execute: {exception}")
    };
    RuntimeError::new(id, kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{limits, wasm, HELLO};
    use crate::run_once;
    use std::time::Instant;

    /// Writes env var 0 (as "K=V"), a newline, then stdin (one read of up to 1 KiB).
    const ECHO: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $environ (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 60) "\n")
      (func $strlen (param $p i32) (result i32) (local $n i32)
        (block $done (loop $l
          (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $l)))
        (local.get $n))
      (func $write (param $ptr i32) (param $len i32)
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func (export "_start")
        (drop (call $sizes (i32.const 16) (i32.const 20)))
        (drop (call $environ (i32.const 100) (i32.const 200)))
        (call $write (i32.load (i32.const 100)) (call $strlen (i32.load (i32.const 100))))
        (call $write (i32.const 60) (i32.const 1))
        (i32.store (i32.const 24) (i32.const 1024))
        (i32.store (i32.const 28) (i32.const 1024))
        (drop (call $fd_read (i32.const 0) (i32.const 24) (i32.const 1) (i32.const 32)))
        (call $write (i32.const 1024) (i32.load (i32.const 32)))))
    "#;

    const EXIT3: &str = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3))))"#;

    const SPIN: &str = r#"(module (memory (export "memory") 1)
      (func (export "_start") (loop $l (br $l))))"#;

    /// Writes 64 KiB to stdout forever.
    const FLOOD: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 2)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 0))
        (i32.store (i32.const 4) (i32.const 65536))
        (loop $l
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br $l))))
    "#;

    /// Exits with 0 if growing by 1 page works and growing by 2 more fails (cap: 2 pages).
    const GROW: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (call $exit (i32.const 1))))
        (if (i32.ne (memory.grow (i32.const 2)) (i32.const -1)) (then (call $exit (i32.const 2))))
        (call $exit (i32.const 0))))
    "#;

    /// Recursion 3000 deep with a 256-byte C-stack (`__stack_pointer`) frame each: 768 000
    /// bytes, which fits the module's ~1 MiB aux stack but not half of it (what the thread
    /// manager's cluster would leave without `restore_full_aux_stack`).
    const DEEP_C_STACK: &str = r#"
    (module
      (memory (export "memory") 16)
      (global $sp (mut i32) (i32.const 1048576))
      (global (export "__data_end") i32 (i32.const 1024))
      (global (export "__heap_base") i32 (i32.const 1048576))
      (func $down (param $n i32)
        (global.set $sp (i32.sub (global.get $sp) (i32.const 256)))
        (if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1)))))
        (global.set $sp (i32.add (global.get $sp) (i32.const 256))))
      (func (export "_start") (call $down (i32.const 3000))))
    "#;

    fn backend() -> Box<dyn Backend> {
        BackendId::WamrInterp.create(&limits()).expect("engine")
    }

    fn run(text: &str, input: &WasiInput) -> Result<Execution> {
        run_once(backend().as_ref(), &wasm(text), input)
    }

    #[test]
    fn hello_writes_stdout() {
        let out = run(HELLO, &WasiInput::default()).expect("runs");
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"");
        assert_eq!(out.exit_code, 0);
    }

    #[test]
    fn env_and_stdin_are_echoed() {
        let input = WasiInput {
            args: vec!["x".into()],
            env: vec![
                ("INPUT".into(), "wasmbench".into()),
                ("B".into(), "2".into()),
            ],
            stdin: b"from stdin".to_vec(),
        };
        let out = run(ECHO, &input).expect("runs");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "INPUT=wasmbench\nfrom stdin"
        );
    }

    #[test]
    fn proc_exit_is_a_result() {
        let out = run(EXIT3, &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 3);
    }

    #[test]
    fn unreachable_is_a_trap() {
        let text = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
        let err = run(text, &WasiInput::default()).expect_err("traps");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("unreachable"), "{err}");
    }

    #[test]
    fn infinite_loop_times_out() {
        let started = Instant::now();
        let err = run(SPIN, &WasiInput::default()).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn backend_is_reusable_after_a_timeout() {
        let backend = backend();
        let err =
            run_once(backend.as_ref(), &wasm(SPIN), &WasiInput::default()).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        let out = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default()).expect("runs");
        assert_eq!(out.stdout, b"hi\n");
    }

    #[test]
    fn missing_import_is_unlinkable() {
        let text = r#"(module
          (import "env" "nope" (func))
          (memory (export "memory") 1)
          (func (export "_start")))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(text)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
        assert!(err.message.contains("env::nope"), "{err}");
        // A WASI name with the wrong signature is not linked either.
        let text = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
          (memory (export "memory") 1)
          (func (export "_start")))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(text)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
    }

    #[test]
    fn garbage_is_invalid() {
        let err = backend()
            .prepare(ModuleCode::Wasm(b"\0asm garbage bytes"))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(no_start)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    }

    #[test]
    fn output_flood_is_a_resource_limit() {
        let limits = Limits {
            max_output_bytes: 100_000,
            ..limits()
        };
        let backend = BackendId::WamrInterp.create(&limits).expect("engine");
        let err =
            run_once(backend.as_ref(), &wasm(FLOOD), &WasiInput::default()).expect_err("capped");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    }

    #[test]
    fn output_exactly_at_the_cap_is_kept() {
        let limits = Limits {
            max_output_bytes: 3,
            ..limits()
        };
        let backend = BackendId::WamrInterp.create(&limits).expect("engine");
        let out = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default()).expect("fits");
        assert_eq!(out.stdout, b"hi\n");
        let limits = Limits {
            max_output_bytes: 2,
            ..limits
        };
        let backend = BackendId::WamrInterp.create(&limits).expect("engine");
        let err = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default())
            .expect_err("over the cap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    }

    #[test]
    fn memory_cap_bounds_growth_and_initial_size() {
        let limits = Limits {
            max_memory_bytes: 2 * WASM_PAGE,
            ..limits()
        };
        let backend = BackendId::WamrInterp.create(&limits).expect("engine");
        let out = run_once(backend.as_ref(), &wasm(GROW), &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 0, "memory.grow past the cap must fail");
        let big = r#"(module (memory (export "memory") 3) (func (export "_start")))"#;
        let module = backend
            .prepare(ModuleCode::Wasm(&wasm(big)))
            .expect("loads");
        let err = module
            .instantiate(&WasiInput::default())
            .err()
            .expect("too big");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    }

    #[test]
    fn full_aux_stack_is_available() {
        let out = run(DEEP_C_STACK, &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 0);
    }

    #[test]
    fn warm_instances_are_independent() {
        let backend = backend();
        let module = backend
            .prepare(ModuleCode::Wasm(&wasm(ECHO)))
            .expect("loads");
        for i in 0..20 {
            let input = WasiInput {
                env: vec![("N".into(), i.to_string())],
                stdin: format!("in{i}").into_bytes(),
                ..WasiInput::default()
            };
            let out = module
                .instantiate(&input)
                .expect("instance")
                .execute()
                .expect("runs");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("N={i}\nin{i}")
            );
        }
        // Instances dropped without running, and the module dropped before an instance.
        let idle = module.instantiate(&WasiInput::default()).expect("instance");
        drop(module.instantiate(&WasiInput::default()).expect("instance"));
        drop(module);
        drop(backend);
        drop(idle);
    }

    #[test]
    fn artifacts_are_unsupported() {
        let err = backend()
            .prepare(ModuleCode::Artifact(std::path::Path::new("/nonexistent")))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported);
        assert_eq!(backend().precompile(&wasm(HELLO)).expect("no-op"), None);
    }
}
