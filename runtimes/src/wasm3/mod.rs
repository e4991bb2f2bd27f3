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
//! hides the exit code, so it is not linked. Instead every import is linked to the
//! project's shared WASI preview1 host ([`crate::wasi_host`], also used by V8): argv, env
//! vars, stdin bytes, capped stdout/stderr, clocks, random bytes, read-only preopened
//! directories, `poll_oneoff`, and `proc_exit` as a recorded exit code (the host function
//! traps to unwind the interpreter, and the trap is mapped back to the code). Every guest
//! pointer is bounds-checked against the current linear memory (EFAULT).
//!
//! Limits:
//! * Memory: the runtime's page limit is lowered to `max_memory_bytes`, so `memory.grow`
//!   past it returns -1 (no trap); an initial memory above the cap fails instantiation with
//!   [`ErrorKind::ResourceLimit`].
//! * Deadline: wasm3 has no interruption API, but its interpreter calls the weak hook
//!   `m3_Yield` on every function call. guard.rs defines that hook; it returns an error
//!   (which unwinds the interpreter) once a watchdog thread has raised the deadline flag of
//!   the current execution. A loop that makes no calls never reaches the hook, so it cannot
//!   be stopped in-process: the harness kills the worker process at the deadline. The same
//!   hook also bounds the native stack used by nested calls (wasm3 recurses on the C stack).
//!
//! Files: this one (backend, prepared module, instance), `objects.rs` (owned wasm3
//! objects), `guard.rs` (deadline and stack guard), `host.rs` (the trampolines into the
//! shared WASI host, and linking), `scan.rs` (module scan and bulk-memory lowering),
//! `tests.rs`.

use std::ffi::CStr;
use std::ptr::NonNull;
use std::rc::Rc;

use wasm3::wasm3_sys as ffi;

use crate::watchdog::Watchdog;
use crate::{
    Backend, BackendId, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, WasiInput,
};
use guard::CallGuard;
// scan.rs checks imports against the host functions.
use crate::wasi_host::HostState;
use host::{host_function, link_wasi};
use objects::{error_message, Environment, ParsedModule, Runtime};

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

/// Value types (binary encoding) of the host functions' signatures; scan.rs uses them too.
const I32: u8 = 0x7F;
const I64: u8 = 0x7E;

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
// Backend, prepared module, instance
// ---------------------------------------------------------------------------------------

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
        let host = HostState::new(input, self.limits.max_output_bytes)
            .map_err(|m| self.error(ErrorKind::Io, format!("instantiate: {m}")))?;
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

mod guard;
mod host;
mod objects;
// Module scan and bulk-memory lowering: scan.rs
mod scan;
#[cfg(test)]
mod tests;
