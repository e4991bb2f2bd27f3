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
//! Preopened directories: WAMR's map-dir list, made read-only right after instantiation by
//! taking the write rights away from the preopened fds (`preopen.rs`).
//!
//! Linux only (memfd, file seals).
//!
//! Files: this one (backend / module / instance), `runtime.rs` (process-global runtime,
//! thread environment, `bench` natives), `handles.rs` (owned WAMR objects), `prepare.rs`,
//! `instantiate.rs`, `preopen.rs`, `errors.rs` (C strings, error classification), `tests.rs`.

use std::fs::File;
use std::io::Seek;
use std::os::unix::fs::FileExt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use wamrx_sys as sys;

use crate::capture::within_cap;
use crate::watchdog::{Armed, Watchdog};
use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, WasiInput,
};
use errors::{c_str, classify_trap};
use handles::{ExecEnv, InstanceHandle, InstancePtr, LoadedModule};
use instantiate::Stdio;
use runtime::{runtime, BENCH};

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
}

impl PreparedModule for WamrModule {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        for preopen in &input.preopens {
            preopen.check(self.id)?;
        }
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

mod errors;
mod handles;
mod instantiate;
mod preopen;
mod prepare;
mod runtime;
#[cfg(test)]
mod tests;
