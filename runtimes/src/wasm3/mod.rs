//! wasm3 backend: the wasm3 threaded-code interpreter (C, version 0.4.7 as vendored by the
//! `wasm3-sys` 0.3.0 crate), driven through its raw C API.
//!
//! The safe `wasm3` crate API is not enough here (it hides the runtime pointer, so neither the
//! memory cap nor the import check can be done with it), so this file talks to `wasm3-sys`
//! directly. What each phase does:
//!
//! * `prepare`: a scan of the module in Rust (see [`scan`]) checks its structure, its
//!   imports against the WASI functions below (=> [`ErrorKind::Unlinkable`]), its `_start`
//!   export, and that every instruction is one wasm3 0.4.7 implements: wasm3 indexes its
//!   opcode tables with the raw opcode, so an unknown opcode would make it read out of
//!   bounds. `memory.copy` and `memory.fill` (bulk memory, emitted by current clang for
//!   `memcpy`/`memset`), which wasm3 0.4.7 lacks, are replaced by calls to small helper
//!   functions appended to the module, written in MVP WebAssembly with the same semantics
//!   (bounds check first, overlap-safe copy); so is `memory.size`, which wasm3 0.4.7
//!   mis-compiles when its integer register holds a live value (see [`scan`]). Then wasm3
//!   parses the result once to check that it accepts it.
//! * `instantiate`: wasm3 cannot share a parsed module between runtimes (a runtime takes
//!   ownership of the modules it loads), so every instance is a fresh runtime that parses
//!   the prepared bytes again, loads them, links the WASI host functions below and compiles
//!   `_start`. Other functions are compiled lazily, on their first call, inside `execute`.
//! * `execute`: calls `_start`.
//!
//! WASI: wasm3's own WASI writes to the process's real stdout, ignores the environment and
//! hides the exit code, so it is not linked. Instead this file implements all 46 WASI
//! preview1 functions as host functions over an in-memory per-instance context: argv, env
//! vars, stdin bytes, capped stdout/stderr, clocks, random bytes, `poll_oneoff` (stdio always
//! ready, clock sleeps bounded by the deadline), and `proc_exit` as a recorded exit code (the
//! host function traps to unwind the interpreter, and the trap is mapped back to the code).
//! There is no file system and there are no sockets: only fds 0-2 exist. Every guest
//! pointer is bounds-checked against the current linear memory (EFAULT).
//!
//! Limits:
//! * Memory: the runtime's page limit is lowered to `max_memory_bytes`, so `memory.grow`
//!   past it returns -1 (no trap); an initial memory above the cap fails instantiation with
//!   [`ErrorKind::ResourceLimit`].
//! * Deadline: wasm3 has no interruption API, but its interpreter calls the weak hook
//!   `m3_Yield` on every function call. This file defines that hook; it returns an error
//!   (which unwinds the interpreter) once a watchdog thread has raised the deadline flag of
//!   the current execution. A loop that makes no calls never reaches the hook, so it cannot
//!   be stopped in-process: the harness kills the worker process at the deadline. The same
//!   hook also bounds the native stack used by nested calls (wasm3 recurses on the C stack).

use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasm3::wasm3_sys as ffi;

use crate::capture::CapBuffer;
use crate::watchdog::{self, Watchdog};
use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, WasiInput,
};

/// The wasm3 C version vendored by `wasm3-sys` 0.3.0.
const WASM3_C_VERSION: &str = "0.4.7";

/// Size of wasm3's value stack (arguments, locals and temporaries of all active frames).
const VALUE_STACK_BYTES: u32 = 1 << 20;

/// Native stack that nested wasm calls may use below the frame of `execute`. wasm3 recurses
/// on the C stack (a few frames per wasm call); past this budget the call traps with wasm3's
/// stack-overflow trap instead of overflowing the thread's stack. 1 MiB leaves room on a
/// 2 MiB thread (Rust's default for spawned threads) and on the 8 MiB main thread.
const NATIVE_STACK_BUDGET: usize = 1 << 20;

/// WebAssembly page size.
const PAGE: u64 = 64 * 1024;

/// wasm3 0.4.7 computes a memory's byte size as `pages * 65536` in 32-bit arithmetic, so it
/// cannot represent 65536 pages (4 GiB): keep every runtime below that.
const MAX_PAGES: u32 = 65535;

/// Error wasm3 returns (from our `m3_Yield`) when the deadline interrupts an execution.
static DEADLINE_TRAP: &CStr = c"[wasmbench] execution deadline exceeded";

pub(crate) fn create(id: BackendId, limits: &Limits) -> Result<Box<dyn Backend>> {
    if id != BackendId::Wasm3 {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Unsupported,
            format!("{id} is not a wasm3 backend"),
        ));
    }
    let env = Environment::new().ok_or_else(|| {
        RuntimeError::new(
            id,
            ErrorKind::ResourceLimit,
            "wasm3: allocating the environment failed",
        )
    })?;
    let watchdog = Watchdog::start("wasm3-watchdog");
    let mut flags = vec![
        "lazy-compilation".to_string(),
        "reparse-per-instance".to_string(),
        "bulk-memory-lowered-to-mvp".to_string(),
        "memory.size-via-helper-call".to_string(),
        format!("value-stack={}KiB", VALUE_STACK_BYTES / 1024),
        format!("native-stack-budget={}KiB", NATIVE_STACK_BUDGET / 1024),
    ];
    flags.push(match watchdog {
        Some(_) => "deadline-at-calls-only: a loop without calls is stopped only by the harness \
                    killing the worker"
            .to_string(),
        None => "no-deadline: the harness kills the worker".to_string(),
    });
    Ok(Box::new(Wasm3Backend {
        id,
        env: Rc::new(env),
        limits: limits.clone(),
        watchdog: watchdog.map(Rc::new),
        flags,
    }))
}

// ---------------------------------------------------------------------------------------
// Owned wasm3 objects

/// An `M3Environment`: holds the function types and recycled code pages of its runtimes.
struct Environment(NonNull<ffi::M3Environment>);

impl Environment {
    fn new() -> Option<Environment> {
        // SAFETY: `m3_NewEnvironment` has no preconditions; it returns an owned environment
        // or null on allocation failure, which `NonNull::new` turns into `None`.
        NonNull::new(unsafe { ffi::m3_NewEnvironment() }).map(Environment)
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        // SAFETY: the environment was created by `m3_NewEnvironment` and is freed once, here.
        // Every runtime and parsed module holds an `Rc<Environment>` (or is freed before
        // `prepare` returns), so none of them outlives it.
        unsafe { ffi::m3_FreeEnvironment(self.0.as_ptr()) };
    }
}

/// A parsed module not (yet) owned by a runtime.
struct ParsedModule(NonNull<ffi::M3Module>);

impl ParsedModule {
    /// Parse `bytes` in `env`. The bytes must outlive the module: wasm3 keeps pointers
    /// into them (function bodies, data segments).
    fn parse(env: &Environment, bytes: &[u8]) -> std::result::Result<ParsedModule, String> {
        let len = u32::try_from(bytes.len()).map_err(|_| "module larger than 4 GiB".to_string())?;
        let mut module: ffi::IM3Module = std::ptr::null_mut();
        // SAFETY: `env` is a live environment, `bytes` is valid for `len` bytes, and
        // `module` is a valid out-pointer. On failure wasm3 frees the partial module itself
        // and stores null.
        let result =
            unsafe { ffi::m3_ParseModule(env.0.as_ptr(), &mut module, bytes.as_ptr(), len) };
        // SAFETY: a non-null result is one of wasm3's static, NUL-terminated error strings.
        if let Some(message) = unsafe { error_message(result) } {
            return Err(message);
        }
        NonNull::new(module)
            .map(ParsedModule)
            .ok_or_else(|| "wasm3 returned no module".to_string())
    }

    /// Hand the module to wasm3 without freeing it (ownership moved to a runtime).
    fn into_raw(self) -> NonNull<ffi::M3Module> {
        let raw = self.0;
        std::mem::forget(self);
        raw
    }
}

impl Drop for ParsedModule {
    fn drop(&mut self) {
        // SAFETY: the module was produced by `m3_ParseModule` and is not owned by any
        // runtime (ownership transfer goes through `into_raw`, which skips this drop).
        unsafe { ffi::m3_FreeModule(self.0.as_ptr()) };
    }
}

/// A runtime with the module loaded into it and the host context its imports point to.
/// Dropping it frees the runtime (and the module it owns) before the context, the module
/// bytes and the environment it refers to.
struct Runtime {
    raw: NonNull<ffi::M3Runtime>,
    host: NonNull<HostState>,
    _bytes: Rc<[u8]>,
    _env: Rc<Environment>,
}

impl Runtime {
    fn new(env: &Rc<Environment>, bytes: &Rc<[u8]>, host: HostState) -> Option<Runtime> {
        // SAFETY: `env` is a live environment; the stack size is a plain byte count; the
        // third argument is documented as unused.
        let raw =
            unsafe { ffi::m3_NewRuntime(env.0.as_ptr(), VALUE_STACK_BYTES, std::ptr::null_mut()) };
        let raw = NonNull::new(raw)?;
        Some(Runtime {
            raw,
            host: NonNull::from(Box::leak(Box::new(host))),
            _bytes: Rc::clone(bytes),
            _env: Rc::clone(env),
        })
    }

    /// Whether `module` is in the runtime's list of loaded modules (and so owned by it).
    fn owns(&self, module: NonNull<ffi::M3Module>) -> bool {
        // SAFETY: the runtime is live; its module list is a null-terminated linked list of
        // modules it owns, which stay valid until the runtime is freed.
        unsafe {
            let mut next = (*self.raw.as_ptr()).modules;
            while !next.is_null() {
                if next == module.as_ptr() {
                    return true;
                }
                next = (*next).next;
            }
        }
        false
    }

    /// The host context, for reading results once no wasm code runs.
    fn host(&self) -> &HostState {
        // SAFETY: `host` comes from `Box::leak` and lives until `drop`. Host functions
        // create a `&mut` to it only while wasm3 executes a call made through `&mut self`
        // methods (`call`), so no such `&mut` exists while this shared borrow does.
        unsafe { self.host.as_ref() }
    }

    fn host_mut(&mut self) -> &mut HostState {
        // SAFETY: as in `host`; `&mut self` guarantees exclusive access.
        unsafe { self.host.as_mut() }
    }

    /// wasm3's last error details (the function and message of a compile error), if any.
    fn error_info(&self) -> String {
        let mut info = std::mem::MaybeUninit::<ffi::M3ErrorInfo>::zeroed();
        // SAFETY: the runtime is live and `info` is a valid out-pointer for the struct.
        unsafe { ffi::m3_GetErrorInfo(self.raw.as_ptr(), info.as_mut_ptr()) };
        // SAFETY: zero-initialised and then fully written by `m3_GetErrorInfo`; every field
        // is a pointer or an integer, for which all-zero is a valid value.
        let info = unsafe { info.assume_init() };
        // SAFETY: `message` is null or a NUL-terminated string owned by the runtime (its
        // error buffer) or static; it is copied before the runtime can change it.
        unsafe { c_string(info.message) }.unwrap_or_default()
    }

    /// Call `function` (no arguments, no results) under the deadline and stack guard.
    fn call(&mut self, function: NonNull<ffi::M3Function>, guard: &CallGuard) -> ffi::M3Result {
        let deadline = Instant::now() + guard.deadline;
        self.host_mut().deadline = Some(deadline);
        let _armed = guard.arm(deadline);
        // SAFETY: `function` belongs to the module owned by this live runtime and was
        // compiled (`Compile_Function`) before; its type is [] -> [] (checked by `scan`),
        // so `m3_Call` passes no arguments and reads no results. Host functions reached
        // from here get the `HostState` through the cookie and are the only users of it
        // during the call, as `&mut self` keeps every Rust reference away.
        unsafe { ffi::m3_Call(function.as_ptr()) }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // SAFETY: the runtime was created by `m3_NewRuntime` and is freed exactly once,
        // with the modules it owns, before the bytes and environment they point into
        // (struct fields drop after this body).
        unsafe { ffi::m3_FreeRuntime(self.raw.as_ptr()) };
        // SAFETY: `host` came from `Box::leak` in `new`; the runtime whose host functions
        // held it as a cookie is gone, so this is the last use.
        drop(unsafe { Box::from_raw(self.host.as_ptr()) });
    }
}

/// Copy a wasm3 error string (null = success).
///
/// # Safety
/// `result` must be null or point to a NUL-terminated string.
unsafe fn error_message(result: ffi::M3Result) -> Option<String> {
    // SAFETY: forwarded to the caller.
    unsafe { c_string(result) }
}

/// # Safety
/// `ptr` must be null or point to a NUL-terminated string.
unsafe fn c_string(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    Some(text).filter(|t| !t.is_empty())
}

// ---------------------------------------------------------------------------------------
// Backend, prepared module, instance

struct Wasm3Backend {
    id: BackendId,
    env: Rc<Environment>,
    limits: Limits,
    watchdog: Option<Rc<Watchdog>>,
    flags: Vec<String>,
}

impl Wasm3Backend {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }
}

impl Backend for Wasm3Backend {
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
                return Err(self.error(ErrorKind::Unsupported, "wasm3 has no precompiled artifacts"))
            }
        };
        let scanned = scan::scan(wasm).map_err(|e| {
            let (kind, message) = e.into_parts();
            self.error(kind, format!("prepare: {message}"))
        })?;
        let bytes: Rc<[u8]> = Rc::from(scanned.bytes);
        // Let wasm3 itself parse the result once, so that what it rejects fails here.
        drop(ParsedModule::parse(&self.env, &bytes).map_err(|m| {
            self.error(
                ErrorKind::Invalid,
                format!("prepare: wasm3 rejected the module: {m}"),
            )
        })?);
        Ok(Box::new(Wasm3Module {
            id: self.id,
            env: Rc::clone(&self.env),
            bytes,
            start: scanned.start_function,
            initial_pages: scanned.initial_pages,
            limits: self.limits.clone(),
            watchdog: self.watchdog.clone(),
        }))
    }
}

struct Wasm3Module {
    id: BackendId,
    env: Rc<Environment>,
    /// The module as wasm3 runs it (see [`scan`]).
    bytes: Rc<[u8]>,
    /// Function index of the `_start` export.
    start: u32,
    initial_pages: u32,
    limits: Limits,
    watchdog: Option<Rc<Watchdog>>,
}

impl Wasm3Module {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    fn max_pages(&self) -> u32 {
        u32::try_from(self.limits.max_memory_bytes / PAGE)
            .unwrap_or(u32::MAX)
            .min(MAX_PAGES)
    }

    fn guard(&self) -> CallGuard {
        CallGuard {
            watchdog: self.watchdog.clone(),
            deadline: self.limits.deadline,
        }
    }
}

impl PreparedModule for Wasm3Module {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        let max_pages = self.max_pages();
        if self.initial_pages > max_pages {
            return Err(self.error(
                ErrorKind::ResourceLimit,
                format!(
                    "instantiate: initial memory of {} pages exceeds the memory cap of {} bytes",
                    self.initial_pages, self.limits.max_memory_bytes
                ),
            ));
        }
        let host = HostState::new(input, self.limits.max_output_bytes);
        let mut runtime = Runtime::new(&self.env, &self.bytes, host).ok_or_else(|| {
            self.error(
                ErrorKind::ResourceLimit,
                "instantiate: allocating a wasm3 runtime failed",
            )
        })?;
        let parsed = ParsedModule::parse(&self.env, &self.bytes)
            .map_err(|m| self.error(ErrorKind::Invalid, format!("instantiate: {m}")))?;
        let module = parsed.0;
        // wasm3 runs the start function inside `m3_LoadModule`, before imports can be
        // linked (linking needs the module loaded): hide it and run it after linking.
        // SAFETY: `module` is a live parsed module that nothing else references yet.
        let start_section = unsafe {
            let start = (*module.as_ptr()).startFunction;
            (*module.as_ptr()).startFunction = -1;
            start
        };
        // SAFETY: both pointers are live; on success the runtime takes ownership of the
        // module, which `into_raw` below records by not freeing it.
        let loaded = unsafe { ffi::m3_LoadModule(runtime.raw.as_ptr(), module.as_ptr()) };
        // SAFETY: null or one of wasm3's NUL-terminated error strings.
        if let Some(message) = unsafe { error_message(loaded) } {
            // wasm3 0.4.7 may fail after inserting the module into the runtime's list; the
            // runtime frees the modules in its list, so free it here only if it is not.
            if runtime.owns(module) {
                parsed.into_raw();
            } else {
                drop(parsed);
            }
            return Err(self.error(load_error_kind(&message), format!("instantiate: {message}")));
        }
        let module = parsed.into_raw();
        // SAFETY: the runtime is live and has no execution in progress; lowering the page
        // limit only makes later `memory.grow` calls fail earlier.
        unsafe {
            let memory = &mut (*runtime.raw.as_ptr()).memory;
            memory.maxPages = memory.maxPages.min(max_pages);
        }
        link_wasi(runtime.host, module)
            .map_err(|m| self.error(ErrorKind::Unlinkable, format!("instantiate: {m}")))?;
        let guard = self.guard();
        if let Ok(index) = u32::try_from(start_section) {
            let function = compile(module, index)
                .map_err(|m| self.error(ErrorKind::Invalid, format!("instantiate: {m}")))?;
            let result = runtime.call(function, &guard);
            classify(self.id, &runtime, result, "instantiate (start function)")?;
        }
        let start = compile(module, self.start).map_err(|m| {
            let info = runtime.error_info();
            self.error(
                ErrorKind::Invalid,
                format!("instantiate: compiling `_start`: {m} {info}"),
            )
        })?;
        Ok(Box::new(Wasm3Instance {
            id: self.id,
            runtime,
            start,
            guard,
        }))
    }
}

/// Compile function `index` of `module` (a module owned by a live runtime).
fn compile(
    module: NonNull<ffi::M3Module>,
    index: u32,
) -> std::result::Result<NonNull<ffi::M3Function>, String> {
    // SAFETY: `module` is live (owned by a live runtime); `index` is checked against its
    // function count before the pointer arithmetic; `Compile_Function` takes a function of
    // a loaded module, which this is, and compiles it into the runtime's code pages.
    unsafe {
        let m = module.as_ptr();
        if index >= (*m).numFunctions || (*m).functions.is_null() {
            return Err(format!("function index {index} out of range"));
        }
        let function = (*m).functions.add(index as usize);
        if (*function).compiled.is_null() {
            if let Some(message) = error_message(ffi::Compile_Function(function)) {
                return Err(message);
            }
        }
        NonNull::new(function).ok_or_else(|| "null function".to_string())
    }
}

fn load_error_kind(message: &str) -> ErrorKind {
    if message.contains("memory allocation failed") {
        ErrorKind::ResourceLimit
    } else if message.starts_with("[trap]") || message.contains("overflowing linear memory") {
        ErrorKind::Trap
    } else {
        ErrorKind::Unsupported
    }
}

struct Wasm3Instance {
    id: BackendId,
    runtime: Runtime,
    start: NonNull<ffi::M3Function>,
    guard: CallGuard,
}

impl Instance for Wasm3Instance {
    fn execute(mut self: Box<Self>) -> Result<Execution> {
        let result = self.runtime.call(self.start, &self.guard);
        let exit_code = classify(self.id, &self.runtime, result, "execute")?;
        let host = self.runtime.host_mut();
        Ok(Execution {
            exit_code,
            stdout: host.stdout.take(),
            stderr: host.stderr.take(),
            engine_heap_bytes: None,
            bench_region_ns: host.bench.region_ns(),
        })
    }
}

/// Map the result of a wasm3 call onto an exit code or a classified error.
fn classify(id: BackendId, runtime: &Runtime, result: ffi::M3Result, phase: &str) -> Result<i32> {
    let host = runtime.host();
    if let Some(message) = &host.limit_hit {
        return Err(RuntimeError::new(
            id,
            ErrorKind::ResourceLimit,
            format!("{phase}: {message}"),
        ));
    }
    if result.is_null() {
        return Ok(0);
    }
    // SAFETY: reading the address of wasm3's static error strings (plain `const char *`
    // globals initialised at load time and never written).
    let (exit, malloc, code_page) = unsafe {
        (
            ffi::m3Err_trapExit,
            ffi::m3Err_mallocFailed,
            ffi::m3Err_mallocFailedCodePage,
        )
    };
    if result == exit {
        if let Some(code) = host.exit_code {
            return Ok(code);
        }
    }
    if result == DEADLINE_TRAP.as_ptr() {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Timeout,
            format!("{phase}: deadline exceeded (interrupted at a function call)"),
        ));
    }
    // SAFETY: every non-null result wasm3 returns is a NUL-terminated static string (its
    // error constants, or the ones our host functions and `m3_Yield` return).
    let message = unsafe { error_message(result) }.unwrap_or_else(|| "unknown wasm3 error".into());
    let info = runtime.error_info();
    let detail = if info.is_empty() || info == message {
        String::new()
    } else {
        format!(" ({info})")
    };
    let kind = if result == malloc || result == code_page {
        ErrorKind::ResourceLimit
    } else if message.starts_with("[trap]") {
        ErrorKind::Trap
    } else {
        // Not a trap: wasm3 failed to compile a function on its first call. The module
        // passed the scan, so this is a limit of wasm3 (e.g. "no operation found for
        // opcode" for some operand layouts) rather than of the module.
        ErrorKind::Unsupported
    };
    let message = if kind == ErrorKind::Unsupported {
        format!("{phase}: wasm3 could not compile a function on its first call: {message}{detail}")
    } else {
        format!("{phase}: {message}{detail}")
    };
    Err(RuntimeError::new(id, kind, message))
}

// ---------------------------------------------------------------------------------------
// Deadline and native stack guard, through wasm3's `m3_Yield` hook

/// What the current thread's wasm3 execution must be stopped at.
#[derive(Clone, Copy)]
struct Interrupt {
    /// Raised by the watchdog at the deadline; null when no execution is guarded.
    flag: *const AtomicBool,
    /// Lowest native stack address nested calls may reach.
    stack_limit: usize,
}

thread_local! {
    static INTERRUPT: Cell<Interrupt> = const {
        Cell::new(Interrupt { flag: std::ptr::null(), stack_limit: 0 })
    };
}

/// An approximation of the current native stack pointer (stacks grow downwards on every
/// platform this builds for).
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// wasm3's interpreter calls this hook on every function call (including calls to host
/// functions); a non-null result unwinds the execution with that error. This strong
/// definition replaces wasm3's weak, do-nothing one.
#[no_mangle]
pub extern "C" fn m3_Yield() -> ffi::M3Result {
    let current = INTERRUPT.try_with(Cell::get).unwrap_or(Interrupt {
        flag: std::ptr::null(),
        stack_limit: 0,
    });
    if current.flag.is_null() {
        return std::ptr::null();
    }
    if stack_pointer() < current.stack_limit {
        // SAFETY: reading the address of a static wasm3 error string.
        return unsafe { ffi::m3Err_trapStackOverflow };
    }
    // SAFETY: `flag` is set by `CallGuard::arm` from an `Arc<AtomicBool>` held by the
    // returned `Armed`, whose `drop` restores the previous value before that `Arc` is
    // released; a non-null value therefore always points to a live flag.
    if unsafe { (*current.flag).load(Ordering::Relaxed) } {
        return DEADLINE_TRAP.as_ptr();
    }
    std::ptr::null()
}

/// Arms the deadline and stack guard around one wasm3 call.
struct CallGuard {
    watchdog: Option<Rc<Watchdog>>,
    deadline: Duration,
}

impl CallGuard {
    fn arm(&self, deadline: Instant) -> Armed<'_> {
        // Raised by the watchdog at the deadline; read by `m3_Yield`.
        let flag = Arc::new(AtomicBool::new(false));
        let raise = Arc::clone(&flag);
        let watch = match &self.watchdog {
            Some(w) => w.arm_at(deadline, move || raise.store(true, Ordering::Relaxed)),
            None => watchdog::Armed::none(),
        };
        let previous = INTERRUPT.with(|cell| {
            cell.replace(Interrupt {
                flag: Arc::as_ptr(&flag),
                stack_limit: stack_pointer().saturating_sub(NATIVE_STACK_BUDGET),
            })
        });
        Armed {
            _watch: watch,
            _flag: flag,
            previous,
        }
    }
}

struct Armed<'a> {
    /// Disarmed when dropped, after `drop` below restored the previous interrupt.
    _watch: watchdog::Armed<'a>,
    _flag: Arc<AtomicBool>,
    previous: Interrupt,
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = INTERRUPT.try_with(|cell| cell.set(previous));
    }
}

// ---------------------------------------------------------------------------------------
// WASI preview1 host functions

/// WASI errno values used here.
mod errno {
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

const I32: u8 = 0x7F;
const I64: u8 = 0x7E;

/// The per-instance WASI context.
struct HostState {
    /// `argv` strings, NUL-terminated.
    args: Vec<Vec<u8>>,
    /// `KEY=VALUE` strings, NUL-terminated, in order.
    env: Vec<Vec<u8>>,
    stdin: Vec<u8>,
    stdin_pos: usize,
    stdout: CapBuffer,
    stderr: CapBuffer,
    /// Set by `proc_exit`.
    exit_code: Option<i32>,
    /// Set when the guest exceeded an output cap (the call then traps).
    limit_hit: Option<String>,
    clock_base: Instant,
    rng: u64,
    /// When the current guarded call must stop (bounds `poll_oneoff` sleeps).
    deadline: Option<Instant>,
    /// The region between the guest's `bench.start` and `bench.end` calls.
    bench: BenchClock,
}

impl HostState {
    fn new(input: &WasiInput, max_output: usize) -> HostState {
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

    fn next_random(&mut self) -> u64 {
        // xorshift64*: fast, non-cryptographic, which is all a benchmark guest needs.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9E37_79B9_7F4A_7C15);
    h.finish() | 1
}

/// The guest's linear memory during one host call. Every access is bounds-checked.
struct Guest<'m> {
    mem: &'m mut [u8],
}

type Errno = i32;

impl Guest<'_> {
    fn bytes(&self, ptr: u32, len: u32) -> std::result::Result<&[u8], Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(errno::FAULT)?;
        self.mem.get(start..end).ok_or(errno::FAULT)
    }

    fn bytes_mut(&mut self, ptr: u32, len: usize) -> std::result::Result<&mut [u8], Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len).ok_or(errno::FAULT)?;
        self.mem.get_mut(start..end).ok_or(errno::FAULT)
    }

    fn write(&mut self, ptr: u32, data: &[u8]) -> std::result::Result<(), Errno> {
        self.bytes_mut(ptr, data.len())?.copy_from_slice(data);
        Ok(())
    }

    fn write_u32(&mut self, ptr: u32, value: u32) -> std::result::Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    fn write_u64(&mut self, ptr: u32, value: u64) -> std::result::Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// The (pointer, length) pairs of an iovec array, all checked to lie in memory.
    fn iovecs(&self, iovs: u32, count: u32) -> std::result::Result<Vec<(u32, u32)>, Errno> {
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
enum Outcome {
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

type HostBody<const N: usize> = fn(&mut HostState, &mut Guest<'_>, [u64; N]) -> Outcome;

/// Shared part of every host function: read `N` arguments, view memory, run `body`,
/// store its result.
///
/// # Safety
/// Must only be called by wasm3 through a function linked by [`link_wasi`]: `runtime` is
/// the live runtime running the call, `sp` points at the call's argument slots (`N`
/// 64-bit-aligned slots, the first of which also receives the result), and `cookie` is the
/// `HostState` of that runtime, which nothing else accesses during the call.
unsafe fn host_call<const N: usize>(
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
        static HOST_FUNCTIONS: &[HostFunction] = &[
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

struct HostFunction {
    name: &'static str,
    params: &'static [u8],
    results: &'static [u8],
    /// wasm3's signature notation: result type, then the parameter types in parentheses.
    signature: &'static CStr,
    call: HostCall,
}

/// wasm3's `M3RawCallEx`: runtime, argument slots, linear memory, cookie.
type HostCall =
    unsafe extern "C" fn(ffi::IM3Runtime, *mut u64, *mut c_void, *mut c_void) -> *const c_void;

const WASI_MODULE: &str = "wasi_snapshot_preview1";

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

fn host_function(module: &str, name: &str) -> Option<&'static HostFunction> {
    let functions = match module {
        WASI_MODULE => HOST_FUNCTIONS,
        BENCH_MODULE => BENCH_FUNCTIONS,
        _ => return None,
    };
    functions.iter().find(|f| f.name == name)
}

const BENCH_MODULE: &str = "bench";

/// `bench.start` (`START`) or `bench.end`: starts or ends the host-timed region.
unsafe extern "C" fn bench_marker<const START: bool>(
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
static BENCH_FUNCTIONS: &[HostFunction] = &[
    HostFunction { name: "start", params: &[], results: &[], signature: c"v()", call: bench_marker::<true> },
    HostFunction { name: "end", params: &[], results: &[], signature: c"v()", call: bench_marker::<false> },
];

extern "C" {
    /// The linker behind wasm3's `m3_LinkRawFunctionEx` (m3_bind.c in wasm3 0.4.7, with
    /// external linkage but absent from its public header). It links the given import
    /// itself, where `m3_LinkRawFunctionEx` looks the import up by name and links only the
    /// first of several imports of one function (Go modules import `fd_write` twice).
    fn LinkRawFunctionEx(
        module: ffi::IM3Module,
        function: ffi::IM3Function,
        signature: *const c_char,
        call: *const c_void,
        cookie: *mut c_void,
    ) -> ffi::M3Result;
}

/// Link every imported function of `module` to its host function, with `host` as cookie.
fn link_wasi(
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

fn as_u32(v: u64) -> u32 {
    v as u32
}

fn strings_sizes(
    strings: &[Vec<u8>],
    guest: &mut Guest<'_>,
    count_ptr: u32,
    size_ptr: u32,
) -> Outcome {
    let size: usize = strings.iter().map(Vec::len).sum();
    let (Ok(count), Ok(size)) = (u32::try_from(strings.len()), u32::try_from(size)) else {
        return Outcome::Errno(errno::INVAL);
    };
    guest
        .write_u32(count_ptr, count)
        .and_then(|()| guest.write_u32(size_ptr, size))
        .into()
}

fn strings_get(strings: &[Vec<u8>], guest: &mut Guest<'_>, ptrs: u32, buf: u32) -> Outcome {
    let mut offset = buf;
    let mut slot = ptrs;
    for s in strings {
        let len = match u32::try_from(s.len()) {
            Ok(len) => len,
            Err(_) => return Outcome::Errno(errno::INVAL),
        };
        let written = guest
            .write_u32(slot, offset)
            .and_then(|()| guest.write(offset, s));
        if let Err(e) = written {
            return Outcome::Errno(e);
        }
        slot = match slot.checked_add(4) {
            Some(p) => p,
            None => return Outcome::Errno(errno::FAULT),
        };
        offset = match offset.checked_add(len) {
            Some(p) => p,
            None => return Outcome::Errno(errno::FAULT),
        };
    }
    Outcome::Errno(errno::SUCCESS)
}

fn args_sizes_get(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    strings_sizes(&h.args, g, as_u32(a[0]), as_u32(a[1]))
}

fn args_get(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    strings_get(&h.args, g, as_u32(a[0]), as_u32(a[1]))
}

fn environ_sizes_get(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    strings_sizes(&h.env, g, as_u32(a[0]), as_u32(a[1]))
}

fn environ_get(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    strings_get(&h.env, g, as_u32(a[0]), as_u32(a[1]))
}

fn fd_write(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 4]) -> Outcome {
    let (fd, iovs, count, nwritten) = (as_u32(a[0]), as_u32(a[1]), as_u32(a[2]), as_u32(a[3]));
    let name = match fd {
        1 => "stdout",
        2 => "stderr",
        _ => return Outcome::Errno(errno::BADF),
    };
    let iovecs = match g.iovecs(iovs, count) {
        Ok(v) => v,
        Err(e) => return Outcome::Errno(e),
    };
    let total: u64 = iovecs.iter().map(|&(_, len)| u64::from(len)).sum();
    let Ok(total32) = u32::try_from(total) else {
        return Outcome::Errno(errno::INVAL);
    };
    let stream = if fd == 1 {
        &mut h.stdout
    } else {
        &mut h.stderr
    };
    // The whole write fits under the cap, or none of it is written.
    if !stream.admit(total) {
        let max = stream.cap();
        h.limit_hit = Some(format!("{name} exceeds the output cap of {max} bytes"));
        // SAFETY: reading the address of a static wasm3 error string.
        return Outcome::Trap(unsafe { ffi::m3Err_trapAbort });
    }
    for (ptr, len) in iovecs {
        match g.bytes(ptr, len) {
            Ok(bytes) => {
                let pushed = stream.push(bytes);
                debug_assert!(pushed, "admitted above");
            }
            Err(e) => return Outcome::Errno(e),
        }
    }
    g.write_u32(nwritten, total32).into()
}

fn fd_read(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 4]) -> Outcome {
    let (fd, iovs, count, nread) = (as_u32(a[0]), as_u32(a[1]), as_u32(a[2]), as_u32(a[3]));
    if fd != 0 {
        return Outcome::Errno(errno::BADF);
    }
    let iovecs = match g.iovecs(iovs, count) {
        Ok(v) => v,
        Err(e) => return Outcome::Errno(e),
    };
    let mut total: u32 = 0;
    for (ptr, len) in iovecs {
        let rest = h.stdin.get(h.stdin_pos..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(len as usize);
        if let Err(e) = g.write(ptr, &rest[..n]) {
            return Outcome::Errno(e);
        }
        h.stdin_pos += n;
        // `n <= len`, a u32, and the sum of all `len` was bounded by memory: no overflow
        // in practice, but saturate rather than wrap.
        total = total.saturating_add(n as u32);
    }
    g.write_u32(nread, total).into()
}

fn fd_close(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 1]) -> Outcome {
    match as_u32(a[0]) {
        0..=2 => Outcome::Errno(errno::SUCCESS),
        _ => Outcome::Errno(errno::BADF),
    }
}

fn fd_fdstat_get(_h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    // Like wasmtime's in-memory pipes: filetype unknown (not a tty), no flags, rights to
    // read stdin or write stdout/stderr.
    const RIGHT_FD_READ: u64 = 1 << 1;
    const RIGHT_FD_WRITE: u64 = 1 << 6;
    let rights = match as_u32(a[0]) {
        0 => RIGHT_FD_READ,
        1 | 2 => RIGHT_FD_WRITE,
        _ => return Outcome::Errno(errno::BADF),
    };
    let mut stat = [0u8; 24];
    stat[8..16].copy_from_slice(&rights.to_le_bytes());
    stat[16..24].copy_from_slice(&rights.to_le_bytes());
    g.write(as_u32(a[1]), &stat).into()
}

fn fd_seek(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 4]) -> Outcome {
    match as_u32(a[0]) {
        0..=2 => Outcome::Errno(errno::SPIPE),
        _ => Outcome::Errno(errno::BADF),
    }
}

/// `errno_for_stdio` for fds 0 to 2, EBADF for any other (none exists).
fn on_stdio(fd: u64, errno_for_stdio: Errno) -> Outcome {
    match as_u32(fd) {
        0..=2 => Outcome::Errno(errno_for_stdio),
        _ => Outcome::Errno(errno::BADF),
    }
}

fn fd_advise(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 4]) -> Outcome {
    on_stdio(a[0], errno::SPIPE)
}

fn fd_allocate(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 3]) -> Outcome {
    on_stdio(a[0], errno::SPIPE)
}

fn fd_sync(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 1]) -> Outcome {
    on_stdio(a[0], errno::INVAL) // like fsync on a pipe
}

fn fd_fdstat_set_flags(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    // In-memory stdio never blocks, so any flag (e.g. non-blocking) is accepted.
    on_stdio(a[0], errno::SUCCESS)
}

fn fd_fdstat_set_rights(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 3]) -> Outcome {
    on_stdio(a[0], errno::SUCCESS)
}

fn fd_filestat_get(_h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    match as_u32(a[0]) {
        // All zero: device 0, inode 0, filetype unknown (as `fd_fdstat_get`), size 0, times 0.
        0..=2 => g.write(as_u32(a[1]), &[0u8; 64]).into(),
        _ => Outcome::Errno(errno::BADF),
    }
}

fn fd_filestat_set_size(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    on_stdio(a[0], errno::INVAL)
}

fn fd_filestat_set_times(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 4]) -> Outcome {
    on_stdio(a[0], errno::INVAL)
}

fn fd_pread(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 5]) -> Outcome {
    on_stdio(a[0], errno::SPIPE)
}

fn fd_pwrite(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 5]) -> Outcome {
    on_stdio(a[0], errno::SPIPE)
}

fn fd_readdir(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 5]) -> Outcome {
    on_stdio(a[0], errno::NOTDIR)
}

fn fd_renumber(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    match (as_u32(a[0]), as_u32(a[1])) {
        (0..=2, 0..=2) => Outcome::Errno(errno::NOTSUP),
        _ => Outcome::Errno(errno::BADF),
    }
}

fn fd_tell(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    on_stdio(a[0], errno::SPIPE)
}

/// Path functions whose directory fd is the first argument: stdio fds are not
/// directories, and no other fd exists.
fn path_at_fd0<const N: usize>(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; N]) -> Outcome {
    on_stdio(a.first().copied().unwrap_or(u64::MAX), errno::NOTDIR)
}

fn path_symlink(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 5]) -> Outcome {
    on_stdio(a[2], errno::NOTDIR) // (old_path, old_path_len, fd, new_path, new_path_len)
}

fn sock_fd0<const N: usize>(_h: &mut HostState, _g: &mut Guest<'_>, a: [u64; N]) -> Outcome {
    on_stdio(a.first().copied().unwrap_or(u64::MAX), errno::NOTSOCK)
}

fn proc_raise(_h: &mut HostState, _g: &mut Guest<'_>, _a: [u64; 1]) -> Outcome {
    Outcome::Errno(errno::NOSYS)
}

/// Size of a WASI `subscription` and of an `event`.
const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;

/// `subscription.u.tag` / `event.type` values, and the flags used here.
const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
const HANGUP: u16 = 1;
const ABSTIME: u16 = 1;

/// An `event`: (userdata, error, type, nbytes, flags).
type Event = (u64, u16, u8, u64, u16);

/// Little-endian fields of a subscription; `at` is always inside the 48-byte record.
fn le_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// `poll_oneoff`: stdio is always ready (stdin: its remaining bytes, with the hang-up flag
/// at end of input; stdout/stderr: room left under the cap). Without a ready fd, it
/// sleeps until the earliest clock subscription; if the execution deadline comes first, it
/// sleeps until the deadline and stops the execution ([`ErrorKind::Timeout`]).
fn poll_oneoff(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 4]) -> Outcome {
    let (subs_ptr, events_ptr, count, nevents_ptr) =
        (as_u32(a[0]), as_u32(a[1]), as_u32(a[2]), as_u32(a[3]));
    if count == 0 {
        return Outcome::Errno(errno::INVAL);
    }
    let subs = match count
        .checked_mul(SUBSCRIPTION_SIZE)
        .ok_or(errno::FAULT)
        .and_then(|len| g.bytes(subs_ptr, len))
    {
        Ok(bytes) => bytes.to_vec(),
        Err(e) => return Outcome::Errno(e),
    };
    let mut events = fd_events(h, &subs);
    if events.is_empty() {
        // Only clocks: wait for the earliest.
        events = match clock_events(h, &subs) {
            Ok(events) => events,
            Err(stop) => return stop,
        };
    }
    let mut out = Vec::with_capacity(events.len() * EVENT_SIZE as usize);
    for (userdata, error, kind, nbytes, flags) in &events {
        let mut e = [0u8; EVENT_SIZE as usize];
        e[0..8].copy_from_slice(&userdata.to_le_bytes());
        e[8..10].copy_from_slice(&error.to_le_bytes());
        e[10] = *kind;
        e[16..24].copy_from_slice(&nbytes.to_le_bytes());
        e[24..26].copy_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&e);
    }
    // At most one event per subscription, so this fits in `count` events.
    let nevents = events.len() as u32;
    g.write(events_ptr, &out)
        .and_then(|()| g.write_u32(nevents_ptr, nevents))
        .into()
}

/// The events of the fd subscriptions (always ready) and of unknown subscription types.
fn fd_events(h: &HostState, subs: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    for sub in subs.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        let userdata = le_u64(sub, 0);
        let tag = sub[8];
        match tag {
            FD_READ | FD_WRITE => {
                let fd = le_u32(sub, 16);
                let event = match (tag, fd) {
                    (FD_READ, 0) => {
                        let left = h.stdin.len().saturating_sub(h.stdin_pos) as u64;
                        (userdata, 0, tag, left, if left == 0 { HANGUP } else { 0 })
                    }
                    (FD_WRITE, 1) => (userdata, 0, tag, h.stdout.room() as u64, 0),
                    (FD_WRITE, 2) => (userdata, 0, tag, h.stderr.room() as u64, 0),
                    _ => (userdata, errno::BADF as u16, tag, 0, 0),
                };
                events.push(event);
            }
            CLOCK => {}
            _ => events.push((userdata, errno::INVAL as u16, tag, 0, 0)),
        }
    }
    events
}

/// With only clock subscriptions: errors for unknown clocks if any, or else sleep until the
/// earliest clock and return its events; `Err` (a trap) if the execution deadline comes
/// first, after sleeping until it.
fn clock_events(h: &HostState, subs: &[u8]) -> std::result::Result<Vec<Event>, Outcome> {
    let mut events = Vec::new();
    let mut waits = Vec::new();
    for sub in subs.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        let (userdata, id, timeout, flags) =
            (le_u64(sub, 0), le_u32(sub, 16), le_u64(sub, 24), le_u16(sub, 40));
        let now = match id {
            0 => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            1 => h.clock_base.elapsed().as_nanos(),
            _ => {
                events.push((userdata, errno::INVAL as u16, CLOCK, 0, 0));
                continue;
            }
        };
        let wait = if flags & ABSTIME != 0 {
            u128::from(timeout).saturating_sub(now)
        } else {
            u128::from(timeout)
        };
        waits.push((userdata, u64::try_from(wait).unwrap_or(u64::MAX)));
    }
    if !events.is_empty() {
        return Ok(events);
    }
    let shortest = waits.iter().map(|&(_, w)| w).min().unwrap_or(0);
    let pause = Duration::from_nanos(shortest);
    if let Some(deadline) = h.deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if pause >= left {
            // The execution deadline comes first: sleep until it, then stop.
            std::thread::sleep(left);
            return Err(Outcome::Trap(DEADLINE_TRAP.as_ptr()));
        }
    }
    std::thread::sleep(pause);
    for (userdata, wait) in waits {
        if wait <= shortest {
            events.push((userdata, 0, CLOCK, 0, 0));
        }
    }
    Ok(events)
}

fn fd_prestat_get(_h: &mut HostState, _g: &mut Guest<'_>, _a: [u64; 2]) -> Outcome {
    Outcome::Errno(errno::BADF) // no preopened directories
}

fn fd_prestat_dir_name(_h: &mut HostState, _g: &mut Guest<'_>, _a: [u64; 3]) -> Outcome {
    Outcome::Errno(errno::BADF)
}

fn proc_exit(h: &mut HostState, _g: &mut Guest<'_>, a: [u64; 1]) -> Outcome {
    h.exit_code = Some(as_u32(a[0]) as i32);
    // SAFETY: reading the address of a static wasm3 error string.
    Outcome::Trap(unsafe { ffi::m3Err_trapExit })
}

fn clock_time_get(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 3]) -> Outcome {
    let nanos = match as_u32(a[0]) {
        0 => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
        1 => h.clock_base.elapsed().as_nanos(),
        _ => return Outcome::Errno(errno::INVAL),
    };
    g.write_u64(as_u32(a[2]), u64::try_from(nanos).unwrap_or(u64::MAX))
        .into()
}

fn clock_res_get(_h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    match as_u32(a[0]) {
        0 | 1 => g.write_u64(as_u32(a[1]), 1).into(),
        _ => Outcome::Errno(errno::INVAL),
    }
}

fn random_get(h: &mut HostState, g: &mut Guest<'_>, a: [u64; 2]) -> Outcome {
    let (ptr, len) = (as_u32(a[0]), as_u32(a[1]));
    if let Err(e) = g.bytes(ptr, len) {
        return Outcome::Errno(e);
    }
    let mut filled = Vec::with_capacity(len as usize + 8);
    while filled.len() < len as usize {
        filled.extend_from_slice(&h.next_random().to_le_bytes());
    }
    filled.truncate(len as usize);
    g.write(ptr, &filled).into()
}

fn sched_yield(_h: &mut HostState, _g: &mut Guest<'_>, _a: [u64; 0]) -> Outcome {
    Outcome::Errno(errno::SUCCESS)
}

// Module scan and bulk-memory lowering: scan.rs
mod scan;

// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{limits, wasm};
    use crate::run_once;

    const HELLO: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "hi\n")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 3))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    "#;

    fn backend() -> Box<dyn Backend> {
        BackendId::Wasm3.create(&limits()).expect("engine")
    }

    fn run(text: &str, input: &WasiInput) -> Result<Execution> {
        run_once(backend().as_ref(), &wasm(text), input)
    }

    #[test]
    fn hello_via_fd_write() {
        let out = run(HELLO, &WasiInput::default()).expect("runs");
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"");
        assert_eq!(out.exit_code, 0);
    }

    /// Echo the environment block, then argv[1], then all of stdin, to stdout.
    const ECHO: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $arg_sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_get" (func $arg_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func $write (param $ptr i32) (param $len i32)
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func (export "_start") (local $n i32)
        ;; environment: count at 16, size at 20, pointers at 1024, strings at 2048
        (drop (call $env_sizes (i32.const 16) (i32.const 20)))
        (drop (call $env_get (i32.const 1024) (i32.const 2048)))
        (call $write (i32.const 2048) (i32.load (i32.const 20)))
        ;; argv[1]: pointers at 1024, strings at 3072
        (drop (call $arg_sizes (i32.const 16) (i32.const 20)))
        (drop (call $arg_get (i32.const 1024) (i32.const 3072)))
        (call $write (i32.load (i32.const 1028))
                     (i32.sub (i32.add (i32.const 3072) (i32.load (i32.const 20)))
                              (i32.load (i32.const 1028))))
        ;; stdin, 5 bytes at a time
        (block $done (loop $more
          (i32.store (i32.const 32) (i32.const 4096))
          (i32.store (i32.const 36) (i32.const 5))
          (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
          (local.set $n (i32.load (i32.const 40)))
          (br_if $done (i32.eqz (local.get $n)))
          (call $write (i32.const 4096) (local.get $n))
          (br $more)))))
    "#;

    #[test]
    fn env_args_and_stdin_echo() {
        let input = WasiInput {
            args: vec!["first".into()],
            env: vec![("INPUT".into(), "42".into()), ("B".into(), "x".into())],
            stdin: b"hello from stdin".to_vec(),
        };
        let out = run(ECHO, &input).expect("runs");
        assert_eq!(out.stdout, b"INPUT=42\0B=x\0first\0hello from stdin");
        assert_eq!(out.exit_code, 0);
    }

    #[test]
    fn proc_exit_is_a_result() {
        let exit = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 3)) (unreachable)))"#;
        let out = run(exit, &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 3);
    }

    #[test]
    fn module_without_memory_runs() {
        let bare = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (func $f (result i32) (i32.const 4))
          (func (export "_start")
            (call $exit (i32.add (call $f)
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))"#;
        let out = run(bare, &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 4 + 21, "EFAULT without a memory");
    }

    #[test]
    fn unreachable_is_a_trap() {
        let trap = r#"(module (memory (export "memory") 1)
          (func $inner (unreachable))
          (func (export "_start") (call $inner)))"#;
        let err = run(trap, &WasiInput::default()).expect_err("traps");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("unreachable"), "{err}");
    }

    #[test]
    fn out_of_bounds_access_is_a_trap() {
        let oob = r#"(module (memory (export "memory") 1)
          (func (export "_start") (drop (i32.load (i32.const 65534)))))"#;
        let err = run(oob, &WasiInput::default()).expect_err("traps");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("out of bounds"), "{err}");
    }

    #[test]
    fn loop_with_calls_times_out() {
        // wasm3 checks the deadline on every function call (its `m3_Yield` hook). A loop
        // without any call cannot be interrupted in-process, so it has no test here: the
        // harness kills the worker process at the deadline (see `flags()`).
        let spin = r#"(module (memory (export "memory") 1)
          (func $tick)
          (func (export "_start") (loop $l (call $tick) (br $l))))"#;
        let started = Instant::now();
        let err = run(spin, &WasiInput::default()).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let flags = backend().flags();
        assert!(
            flags
                .iter()
                .any(|f| f.starts_with("deadline-at-calls-only")),
            "{flags:?}"
        );
    }

    #[test]
    fn deep_recursion_is_a_trap_not_a_crash() {
        let recurse = r#"(module (memory (export "memory") 1)
          (func $down (param i32) (result i32)
            (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
          (func (export "_start") (drop (call $down (i32.const 0)))))"#;
        // Run on a thread with Rust's default 2 MiB stack, like the test threads.
        let err = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| run(recurse, &WasiInput::default()).map(|_| ()))
            .expect("thread")
            .join()
            .expect("no panic")
            .expect_err("stack overflow");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("stack overflow"), "{err}");
    }

    #[test]
    fn missing_import_is_unlinkable_at_prepare() {
        let missing = r#"(module
          (import "env" "nope" (func))
          (memory (export "memory") 1)
          (func (export "_start")))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(missing)))
            .err()
            .expect("unlinkable");
        assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
        assert!(err.message.contains("env::nope"), "{err}");
        let wrong_type = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(wrong_type)))
            .err()
            .expect("unlinkable");
        assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
    }

    #[test]
    fn garbage_and_non_commands_are_invalid() {
        let b = backend();
        let err = b
            .prepare(ModuleCode::Wasm(b"definitely not wasm"))
            .err()
            .expect("invalid");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        let mut truncated = wasm(HELLO);
        truncated.truncate(truncated.len() - 3);
        let err = b
            .prepare(ModuleCode::Wasm(&truncated))
            .err()
            .expect("invalid");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
        let err = b
            .prepare(ModuleCode::Wasm(&wasm(no_start)))
            .err()
            .expect("invalid");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        assert!(err.message.contains("_start"), "{err}");
    }

    #[test]
    fn unsupported_instructions_are_refused_at_prepare() {
        let simd = r#"(module (memory (export "memory") 1)
          (func (export "_start") (drop (v128.const i64x2 0 0))))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(simd)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
        let ref_global = r#"(module (memory (export "memory") 1)
          (global funcref (ref.null func))
          (func (export "_start")))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(ref_global)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
        let passive = r#"(module (memory (export "memory") 1)
          (data $d "abc")
          (func (export "_start") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(passive)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
        let multi_value = r#"(module (memory (export "memory") 1)
          (func $two (result i32 i32) (i32.const 1) (i32.const 2))
          (func (export "_start") (drop (drop (call $two)))))"#;
        let err = backend()
            .prepare(ModuleCode::Wasm(&wasm(multi_value)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    }

    #[test]
    fn output_flood_hits_the_cap() {
        let flood = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 1000))
            (loop $l
              (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
              (br $l))))"#;
        let limits = Limits {
            max_output_bytes: 10_000,
            ..limits()
        };
        let backend = BackendId::Wasm3.create(&limits).expect("engine");
        let err =
            run_once(backend.as_ref(), &wasm(flood), &WasiInput::default()).expect_err("capped");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
        assert!(err.message.contains("stdout"), "{err}");
    }

    #[test]
    fn bad_guest_pointers_get_efault() {
        // fd_write with an iovec table past the end of memory: errno 21 as exit code.
        let bad = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 65530))
            (i32.store (i32.const 4) (i32.const 100))
            (call $exit (i32.add
              (i32.mul (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)) (i32.const 100))
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))"#;
        let out = run(bad, &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 21 * 100 + 21);
        assert_eq!(out.stdout, b"");
    }

    #[test]
    fn memory_cap_limits_growth_and_initial_size() {
        let grow = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            ;; 1 page more fits in 2 pages; 2 more do not
            (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (call $exit (i32.const 1))))
            (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then (call $exit (i32.const 2))))
            (call $exit (memory.size))))"#;
        let limits = Limits {
            max_memory_bytes: 2 * PAGE,
            ..limits()
        };
        let backend = BackendId::Wasm3.create(&limits).expect("engine");
        let out = run_once(backend.as_ref(), &wasm(grow), &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 2, "memory.size after the refused grow");
        let big = r#"(module (memory (export "memory") 3) (func (export "_start")))"#;
        let err = run_once(backend.as_ref(), &wasm(big), &WasiInput::default()).expect_err("cap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    }

    /// Bulk-memory instructions wasm3 0.4.7 lacks run through the lowered helpers with the
    /// spec's semantics: overlapping copies both ways, fill, and bounds traps.
    const BULK: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "0123456789abcdefghij")
      (func (export "_start")
        (memory.copy (i32.const 102) (i32.const 100) (i32.const 13))  ;; overlap, dst > src
        (memory.copy (i32.const 200) (i32.const 100) (i32.const 20))
        (memory.copy (i32.const 200) (i32.const 203) (i32.const 11))  ;; overlap, dst < src
        (memory.fill (i32.const 220) (i32.const 0x17a) (i32.const 11)) ;; 'z', value truncated
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 20))
        (i32.store (i32.const 8) (i32.const 200))
        (i32.store (i32.const 12) (i32.const 31))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)))
        (memory.fill (i32.const 65530) (i32.const 0) (i32.const 6))    ;; ends exactly at the end
        (memory.copy (i32.const 65535) (i32.const 0) (i32.const 0))    ;; empty, in bounds
        (memory.copy (i32.const 65530) (i32.const 0) (i32.const 7))))  ;; out of bounds
    "#;

    #[test]
    fn bulk_memory_is_lowered_with_its_semantics() {
        let module = wasm(BULK);
        let err = run_once(backend().as_ref(), &module, &WasiInput::default()).expect_err("oob");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("out of bounds"), "{err}");
        // Same module without the final out-of-bounds copy: check the bytes.
        let ok = BULK.replace(
            "(memory.copy (i32.const 65530) (i32.const 0) (i32.const 7))",
            "",
        );
        let out = run(&ok, &WasiInput::default()).expect("runs");
        let mut expected = b"01".to_vec();
        expected.extend_from_slice(b"0123456789abcfghij"); // 100..120 after the first copy
                                                           // 200..220: copy of 100..120, then 200..211 <- 203..214
        let src: Vec<u8> = expected.clone();
        let mut region = src.clone();
        region.copy_within(3..14, 0);
        expected.extend_from_slice(&region);
        expected.extend_from_slice(b"zzzzzzzzzzz");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&expected)
        );
    }

    /// Random copies (overlapping either way, any alignment) and fills against a model.
    #[test]
    fn bulk_memory_matches_a_model() {
        // stdin: records of four little-endian u32 (op: 0 copy / 1 fill, a, b, n); the
        // module applies them to bytes [0, 4096) and writes that region to stdout.
        let module = r#"(module
          (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "_start") (local $p i32) (local $end i32)
            (i32.store (i32.const 8192) (i32.const 16384))
            (i32.store (i32.const 8196) (i32.const 49152))
            (drop (call $fd_read (i32.const 0) (i32.const 8192) (i32.const 1) (i32.const 8200)))
            (local.set $p (i32.const 16384))
            (local.set $end (i32.add (i32.const 16384) (i32.load (i32.const 8200))))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (if (i32.eqz (i32.load (local.get $p)))
                (then (memory.copy (i32.load offset=4 (local.get $p))
                                   (i32.load offset=8 (local.get $p))
                                   (i32.load offset=12 (local.get $p))))
                (else (memory.fill (i32.load offset=4 (local.get $p))
                                   (i32.load offset=8 (local.get $p))
                                   (i32.load offset=12 (local.get $p)))))
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (br $next)))
            (i32.store (i32.const 8192) (i32.const 0))
            (i32.store (i32.const 8196) (i32.const 4096))
            (drop (call $fd_write (i32.const 1) (i32.const 8192) (i32.const 1) (i32.const 8200)))))"#;
        let mut model = vec![0u8; 4096];
        let mut stdin = Vec::new();
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut next = |bound: u32| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % u64::from(bound)) as u32
        };
        for _ in 0..2000 {
            let op = next(3).min(1); // two copies for one fill
            let n = if next(4) == 0 { next(200) } else { next(24) };
            let a = next(4096 - n + 1);
            let b = if op == 0 {
                // often overlapping: near `a`
                if next(2) == 0 {
                    (a + next(24)).saturating_sub(12).min(4096 - n)
                } else {
                    next(4096 - n + 1)
                }
            } else {
                next(1000) // fill value; only its low byte counts
            };
            for v in [op, a, b, n] {
                stdin.extend_from_slice(&v.to_le_bytes());
            }
            let (a, b, n) = (a as usize, b as usize, n as usize);
            if op == 0 {
                model.copy_within(b..b + n, a);
            } else {
                model[a..a + n].fill(b as u8);
            }
        }
        let input = WasiInput {
            stdin,
            ..WasiInput::default()
        };
        let out = run(module, &input).expect("runs");
        assert_eq!(out.stdout.len(), model.len());
        let first = out.stdout.iter().zip(&model).position(|(a, b)| a != b);
        assert_eq!(first, None, "first difference");
    }

    /// wasm3 0.4.7 compiles `memory.size` into its integer register without saving the live
    /// value there (here the `i32.eqz`), so this needs the helper call to compute 12.
    #[test]
    fn memory_size_keeps_live_register_values() {
        let module = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 2)
          (func (export "_start") (local i32)
            i32.const 0
            i32.eqz
            memory.size
            local.set 0
            i32.const 10
            i32.mul
            local.get 0
            i32.add
            call $exit))"#;
        let out = run(module, &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 12);
    }

    #[test]
    fn helpers_match_their_text() {
        // The helper bodies are the code of these two functions (see `scan`).
        let text = r#"(module (memory 1)
          (func $copy (param i32 i32 i32) (local i32)
            (local.set 3 (i32.shl (memory.size) (i32.const 16)))
            (if (i32.or (i32.gt_u (local.get 2) (local.get 3))
                        (i32.or (i32.gt_u (local.get 0) (i32.sub (local.get 3) (local.get 2)))
                                (i32.gt_u (local.get 1) (i32.sub (local.get 3) (local.get 2)))))
              (then (drop (i64.load (i32.const -1))) (unreachable)))
            (if (i32.le_u (local.get 0) (local.get 1))
              (then
                (block $b (loop $l
                  (br_if $b (i32.lt_u (local.get 2) (i32.const 8)))
                  (i64.store (local.get 0) (i64.load (local.get 1)))
                  (local.set 0 (i32.add (local.get 0) (i32.const 8)))
                  (local.set 1 (i32.add (local.get 1) (i32.const 8)))
                  (local.set 2 (i32.sub (local.get 2) (i32.const 8)))
                  (br $l)))
                (block $b (loop $l
                  (br_if $b (i32.eqz (local.get 2)))
                  (i32.store8 (local.get 0) (i32.load8_u (local.get 1)))
                  (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                  (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                  (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
                  (br $l))))
              (else
                (block $b (loop $l
                  (br_if $b (i32.lt_u (local.get 2) (i32.const 8)))
                  (local.set 2 (i32.sub (local.get 2) (i32.const 8)))
                  (i64.store (i32.add (local.get 0) (local.get 2))
                             (i64.load (i32.add (local.get 1) (local.get 2))))
                  (br $l)))
                (block $b (loop $l
                  (br_if $b (i32.eqz (local.get 2)))
                  (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
                  (i32.store8 (i32.add (local.get 0) (local.get 2))
                              (i32.load8_u (i32.add (local.get 1) (local.get 2))))
                  (br $l))))))
          (func $fill (param i32 i32 i32) (local i64 i32)
            (local.set 4 (i32.shl (memory.size) (i32.const 16)))
            (if (i32.or (i32.gt_u (local.get 2) (local.get 4))
                        (i32.gt_u (local.get 0) (i32.sub (local.get 4) (local.get 2))))
              (then (drop (i64.load (i32.const -1))) (unreachable)))
            (local.set 3 (i64.mul (i64.extend_i32_u (i32.and (local.get 1) (i32.const 255)))
                                  (i64.const 0x0101010101010101)))
            (block $b (loop $l
              (br_if $b (i32.lt_u (local.get 2) (i32.const 8)))
              (i64.store (local.get 0) (local.get 3))
              (local.set 0 (i32.add (local.get 0) (i32.const 8)))
              (local.set 2 (i32.sub (local.get 2) (i32.const 8)))
              (br $l)))
            (block $b (loop $l
              (br_if $b (i32.eqz (local.get 2)))
              (i32.store8 (local.get 0) (local.get 1))
              (local.set 0 (i32.add (local.get 0) (i32.const 1)))
              (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
              (br $l))))
          (func $size (result i32) (memory.size)))"#;
        let binary = wasm(text);
        let mut bodies = Vec::new();
        let mut pos = 8;
        let leb = |pos: &mut usize| {
            let (mut v, mut s) = (0usize, 0);
            loop {
                let b = binary[*pos];
                *pos += 1;
                v |= usize::from(b & 0x7F) << s;
                s += 7;
                if b & 0x80 == 0 {
                    return v;
                }
            }
        };
        while pos < binary.len() {
            let id = binary[pos];
            pos += 1;
            let size = leb(&mut pos);
            if id == 10 {
                let mut p = pos;
                for _ in 0..leb(&mut p) {
                    let len = leb(&mut p);
                    bodies.push(binary[p..p + len].to_vec());
                    p += len;
                }
            }
            pos += size;
        }
        let expected = [scan::COPY_BODY, scan::FILL_BODY, scan::SIZE_BODY];
        assert_eq!(bodies, expected.map(<[u8]>::to_vec));
    }

    #[test]
    fn start_section_runs_after_linking() {
        let start = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "init\n")
          (func $init
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 5))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
          (start $init)
          (func (export "_start")
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
        let out = run(start, &WasiInput::default()).expect("runs");
        assert_eq!(out.stdout, b"init\ninit\n");
    }

    #[test]
    fn instances_are_fresh_and_isolated() {
        let counter = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (global $g (mut i32) (i32.const 0))
          (func (export "_start")
            (global.set $g (i32.add (global.get $g) (i32.const 1)))
            (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
            (call $exit (i32.add (global.get $g) (i32.load (i32.const 0))))))"#;
        let backend = backend();
        let module = backend
            .prepare(ModuleCode::Wasm(&wasm(counter)))
            .expect("prepare");
        for _ in 0..3 {
            let out = module
                .instantiate(&WasiInput::default())
                .expect("instantiate")
                .execute()
                .expect("execute");
            assert_eq!(out.exit_code, 2);
        }
    }

    /// The committed workloads of every language (bulk memory, `memory.size` in live-register
    /// positions, Go's duplicate imports and its larger WASI surface) run: `hello` with its
    /// expected output, the others with small inputs (the harness checks the full ones).
    #[test]
    fn committed_workloads_run() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads");
        let read = |p: &str| std::fs::read(dir.join(p)).expect("workload file");
        let backend = BackendId::Wasm3.create(&Limits::default()).expect("engine");
        let languages = ["c", "cpp", "zig", "rust", "go", "assemblyscript"];
        for lang in languages {
            let wasi = WasiInput {
                args: vec![],
                env: vec![("INPUT".into(), "wasmbench".into())],
                stdin: read("hello/input.stdin"),
            };
            let module = format!("built/hello.{lang}.wasm");
            let out = run_once(backend.as_ref(), &read(&module), &wasi)
                .unwrap_or_else(|e| panic!("{module}: {e}"));
            assert_eq!(
                out.exit_code,
                0,
                "{module}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&read("hello/expected.stdout")),
                "{module}"
            );
        }
        for (workload, input) in [("fib", "20"), ("matmul", "8"), ("sha256", "1000")] {
            for lang in languages {
                let module = format!("built/{workload}.{lang}.wasm");
                if !dir.join(&module).exists() {
                    continue;
                }
                let wasi = WasiInput {
                    env: vec![("INPUT".into(), input.into())],
                    ..WasiInput::default()
                };
                let out = run_once(backend.as_ref(), &read(&module), &wasi)
                    .unwrap_or_else(|e| panic!("{module}: {e}"));
                assert_eq!(
                    out.exit_code,
                    0,
                    "{module}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(!out.stdout.is_empty(), "{module}");
            }
        }
    }

    #[test]
    fn poll_oneoff_sleeps_but_not_past_the_deadline() {
        let poll = |nanos: u64| {
            format!(
                r#"(module
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (i64.store (i32.const 0) (i64.const 7))             ;; userdata
                (i32.store8 (i32.const 8) (i32.const 0))            ;; clock
                (i32.store (i32.const 16) (i32.const 1))            ;; monotonic
                (i64.store (i32.const 24) (i64.const {nanos}))      ;; relative timeout
                (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
                (call $exit (i32.add (i32.add
                  (i32.mul (i32.load (i32.const 64)) (i32.const 100))
                  (i32.mul (i32.load (i32.const 128)) (i32.const 10)))
                  (i32.load8_u (i32.const 74))))))"#
            )
        };
        let started = Instant::now();
        let out = run(&poll(20_000_000), &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 710, "userdata 7, one event, of type clock");
        assert!(started.elapsed() >= Duration::from_millis(20));
        let started = Instant::now();
        let err = run(&poll(60_000_000_000), &WasiInput::default()).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn duplicate_imports_are_all_linked() {
        let twice = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $a (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $b (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "ab")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 1))
            (drop (call $a (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.store (i32.const 0) (i32.const 17))
            (drop (call $b (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
        let out = run(twice, &WasiInput::default()).expect("runs");
        assert_eq!(out.stdout, b"ab");
    }

    #[test]
    fn host_signatures_match_their_types() {
        for f in HOST_FUNCTIONS.iter().chain(BENCH_FUNCTIONS) {
            let letter = |t: &u8| if *t == I64 { 'I' } else { 'i' };
            let result = f.results.first().map_or('v', letter);
            let params: String = f.params.iter().map(letter).collect();
            let expected = format!("{result}({params})");
            assert_eq!(
                f.signature.to_str().ok(),
                Some(expected.as_str()),
                "{}",
                f.name
            );
        }
        assert_eq!(HOST_FUNCTIONS.len(), 46, "every WASI preview1 function");
    }
}
