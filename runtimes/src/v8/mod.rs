//! V8 backends — the Cloudflare-Workers model: one V8 isolate per instance, in-process.
//!
//! - `v8-liftoff`: Wasm compiled by the Liftoff baseline compiler only (`--liftoff-only`);
//! - `v8-turbofan`: Wasm compiled by TurboFan only, eagerly (`--no-liftoff
//!   --no-wasm-lazy-compilation`, so that TurboFan runs in `prepare`, not in the first call);
//! - `v8-default`: V8's default tiering (Liftoff first, TurboFan for hot functions);
//! - `v8-js`: the workload's plain JavaScript version (see runtimes/v8/README.md for the
//!   script contract).
//!
//! V8 comes from Debian's libnode (V8 10.2) through the C++ shim in runtimes/v8/, which
//! build.rs compiles into a shared object that is loaded here with `dlopen` (so binaries
//! need no link flags for it). V8 flags are process-wide and V8 is initialised once per
//! process, so the first V8 backend created in a process decides the Wasm compiler flags;
//! creating another Wasm flavour later in the same process is `Unsupported` (v8-js runs
//! alongside any of them; v8-default and v8-js share the default flags).
//!
//! Phases: `create` = load V8 + initialise it (once per process) + a long-lived compile
//! isolate; `prepare` = compile the module in that isolate (Wasm: `WasmModuleObject::
//! Compile`, shared with every later isolate through `CompiledWasmModule`; JS: compile and
//! keep a V8 code cache); `create_sandbox` = a fresh isolate + context; `instantiate_in` =
//! WASI imports + `new WebAssembly.Instance` (Wasm) or run the script with its code cache
//! (JS); `execute` = `_start` / `main()`. Deadlines: a watchdog thread calls
//! `TerminateExecution` on the isolate.
//!
//! Files: this one (backends, modules, instances), `api.rs` (the shim's C API, loaded with
//! `dlopen`), `process.rs` (process-wide initialisation and flags), `isolate.rs` (isolates
//! and their deadlines), `tests.rs`.

use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::time::Duration;

use crate::{
    Backend, BackendId, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, Sandbox, WasiInput,
};
use crate::wasi_host::HostState;
use api::{api, kind_of, Api, WbBytes, WbInput, WbInstance, WbJs, WbWasm, WB_OK, WB_RESOURCE, WB_TIMEOUT};
use isolate::{arm_deadline, Isolate, V8Sandbox};
use process::{ensure_initialised, lock, max_pages, wasm_flags};

pub(crate) fn create(id: BackendId, limits: &Limits) -> Result<Box<dyn Backend>> {
    let unsupported = |why: String| RuntimeError::new(id, ErrorKind::Unsupported, why);
    let flags = wasm_flags(id)
        .ok_or_else(|| unsupported(format!("{id} is not a V8 backend")))?
        .join(" ");
    let api = api().map_err(unsupported)?;
    ensure_initialised(id, api, limits, &flags)?;
    let compiler = Isolate::new(api, heap_limit(limits)).map_err(unsupported)?;
    let mut report: Vec<String> = flags.split_whitespace().map(str::to_string).collect();
    report.push(format!("wasm-max-mem-pages={}", max_pages(limits)));
    report.push("trap-handler".into());
    report.push("isolate-per-instance".into());
    report.push("watchdog-terminate".into());
    if id == BackendId::V8Js {
        report.push("js-code-cache(eager)".into());
    }
    report.push(format!("v8-{}", api.v8_version()));
    if let Ok(extra) = std::env::var("WASMBENCH_V8_EXTRA_FLAGS") {
        if !extra.trim().is_empty() {
            // Diagnostics only (e.g. --trace-wasm-compilation-times): applied when this
            // process initialised V8, and reported so that results never hide them.
            report.push(format!("extra-flags({})", extra.trim()));
        }
    }
    Ok(Box::new(V8Backend {
        id,
        api,
        limits: limits.clone(),
        flags: report,
        compiler: Mutex::new(compiler),
    }))
}

/// The old-generation heap limit of every isolate: the memory cap.
fn heap_limit(limits: &Limits) -> usize {
    usize::try_from(limits.max_memory_bytes).unwrap_or(usize::MAX)
}

struct V8Backend {
    id: BackendId,
    api: &'static Api,
    limits: Limits,
    flags: Vec<String>,
    /// The long-lived isolate modules are compiled in.
    compiler: Mutex<Isolate>,
}

impl V8Backend {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    fn compile_wasm(&self, bytes: &[u8]) -> Result<Code> {
        let compiler = lock(&self.compiler);
        let mut out = std::ptr::null_mut();
        let mut msg = std::ptr::null_mut();
        // SAFETY: the compile isolate is alive and used by this thread only (Mutex);
        // `bytes` is valid for the call (V8 copies the wire bytes); `out` receives an owned
        // module on success.
        let status = unsafe {
            (self.api.wasm_compile)(
                compiler.raw(),
                bytes.as_ptr(),
                bytes.len(),
                &mut out,
                &mut msg,
            )
        };
        let text = self.api.take_message(msg);
        match NonNull::new(out) {
            Some(ptr) if status == WB_OK => Ok(Code::Wasm(ptr)),
            _ => Err(self.error(kind_of(status), format!("prepare: {text}"))),
        }
    }

    fn compile_js(&self, bytes: &[u8]) -> Result<Code> {
        if bytes.starts_with(b"\0asm") {
            return Err(self.error(
                ErrorKind::Unsupported,
                "v8-js runs a workload's JavaScript source, not a WebAssembly binary",
            ));
        }
        if std::str::from_utf8(bytes).is_err() {
            return Err(self.error(ErrorKind::Invalid, "the JavaScript source is not UTF-8"));
        }
        let compiler = lock(&self.compiler);
        let mut out = std::ptr::null_mut();
        let mut msg = std::ptr::null_mut();
        // SAFETY: as in compile_wasm; the shim copies the source.
        let status = unsafe {
            (self.api.js_compile)(
                compiler.raw(),
                bytes.as_ptr(),
                bytes.len(),
                &mut out,
                &mut msg,
            )
        };
        let text = self.api.take_message(msg);
        match NonNull::new(out) {
            Some(ptr) if status == WB_OK => Ok(Code::Js(ptr)),
            _ => Err(self.error(kind_of(status), format!("prepare: {text}"))),
        }
    }
}

impl Backend for V8Backend {
    fn id(&self) -> BackendId {
        self.id
    }

    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }

    fn prepare(&self, code: ModuleCode<'_>) -> Result<Box<dyn PreparedModule>> {
        let bytes = match code {
            ModuleCode::Wasm(bytes) => bytes,
            ModuleCode::Artifact(_) => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    "V8 backends load no precompiled artifacts",
                ))
            }
        };
        let code = if self.id == BackendId::V8Js {
            self.compile_js(bytes)?
        } else {
            self.compile_wasm(bytes)?
        };
        Ok(Box::new(V8Module {
            id: self.id,
            api: self.api,
            limits: self.limits.clone(),
            code,
        }))
    }

    fn create_sandbox(&self) -> Result<Option<Box<dyn Sandbox>>> {
        let isolate = Isolate::new(self.api, heap_limit(&self.limits))
            .map_err(|e| self.error(ErrorKind::ResourceLimit, e))?;
        Ok(Some(Box::new(V8Sandbox { isolate })))
    }
}

/// A compiled module: Wasm (shareable between isolates) or a JS script with its code cache.
enum Code {
    Wasm(NonNull<WbWasm>),
    Js(NonNull<WbJs>),
}

struct V8Module {
    id: BackendId,
    api: &'static Api,
    limits: Limits,
    code: Code,
}

// SAFETY: the compiled Wasm module (a CompiledWasmModule: a shared_ptr to V8's thread-safe
// NativeModule) and the JS script (immutable bytes) are only read after `prepare`, so they
// may be used from any thread, also concurrently.
unsafe impl Send for V8Module {}
// SAFETY: see Send: after construction nothing mutates them.
unsafe impl Sync for V8Module {}

impl Drop for V8Module {
    fn drop(&mut self) {
        // SAFETY: the module is owned by self only; instances created from it do not
        // reference it (V8 holds its own reference to the NativeModule).
        unsafe {
            match self.code {
                Code::Wasm(p) => (self.api.wasm_free)(p.as_ptr()),
                Code::Js(p) => (self.api.js_free)(p.as_ptr()),
            }
        }
    }
}

impl PreparedModule for V8Module {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        let isolate = Isolate::new(self.api, heap_limit(&self.limits))
            .map_err(|e| RuntimeError::new(self.id, ErrorKind::ResourceLimit, e))?;
        self.instantiate_in_isolate(isolate, input)
    }

    fn instantiate_in(
        &self,
        sandbox: Box<dyn Sandbox>,
        input: &WasiInput,
    ) -> Result<Box<dyn Instance>> {
        let sandbox = sandbox.into_any().downcast::<V8Sandbox>().map_err(|_| {
            RuntimeError::new(
                self.id,
                ErrorKind::Unsupported,
                "the sandbox was not made by a V8 backend",
            )
        })?;
        self.instantiate_in_isolate(sandbox.isolate, input)
    }
}

impl V8Module {
    fn instantiate_in_isolate(
        &self,
        isolate: Isolate,
        input: &WasiInput,
    ) -> Result<Box<dyn Instance>> {
        let argv0: &[u8] = if self.id == BackendId::V8Js {
            b"main.js"
        } else {
            b"module.wasm"
        };
        let env: Vec<Vec<u8>> = input
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}").into_bytes())
            .collect();
        let args: Vec<WbBytes> = std::iter::once(argv0)
            .chain(input.args.iter().map(|a| a.as_bytes()))
            .map(WbBytes::of)
            .collect();
        let env_bytes: Vec<WbBytes> = env.iter().map(|e| WbBytes::of(e)).collect();
        let mut host = self.host_state(input)?;
        let host_ptr = host
            .as_deref_mut()
            .map_or(std::ptr::null_mut(), |h| (h as *mut HostState).cast());
        let wb_input = WbInput {
            args: args.as_ptr(),
            args_len: args.len(),
            env: env_bytes.as_ptr(),
            env_len: env_bytes.len(),
            stdin_bytes: WbBytes::of(&input.stdin),
            max_output: self.limits.max_output_bytes,
            host: host_ptr,
        };
        let mut out = std::ptr::null_mut();
        let mut msg = std::ptr::null_mut();
        // A Wasm start function or a script's top level may run forever too.
        let deadline = arm_deadline(self.api, &isolate, self.limits.deadline);
        // SAFETY: the isolate is alive and owned here; the module outlives the call;
        // `wb_input` and everything it points to (args, env, stdin) outlive the call and
        // the shim copies them, except `host`, which the instance keeps (and outlives the
        // shim's instance, see V8Instance); `out` receives an owned instance on success.
        let status = unsafe {
            match self.code {
                Code::Wasm(m) => (self.api.wasm_instantiate)(
                    isolate.raw(),
                    m.as_ptr(),
                    &wb_input,
                    &mut out,
                    &mut msg,
                ),
                Code::Js(s) => (self.api.js_instantiate)(
                    isolate.raw(),
                    s.as_ptr(),
                    &wb_input,
                    &mut out,
                    &mut msg,
                ),
            }
        };
        let fired = deadline.disarm();
        let text = self.api.take_message(msg);
        match NonNull::new(out) {
            Some(instance) if status == WB_OK => Ok(Box::new(V8Instance {
                id: self.id,
                api: self.api,
                deadline: self.limits.deadline,
                instance,
                isolate,
                host,
            })),
            _ => Err(failure(
                self.id,
                status,
                fired,
                "instantiate",
                &text,
                self.limits.deadline,
            )),
        }
    }
}

impl V8Module {
    /// The shared WASI host's context of a Wasm instance; none for JavaScript, which has
    /// no file system (a preopen given to `v8-js` is refused).
    fn host_state(&self, input: &WasiInput) -> Result<Option<Box<HostState>>> {
        if self.id == BackendId::V8Js {
            if let Some(p) = input.preopens.first() {
                let message = format!("v8-js has no file system: cannot preopen {}", p.host.display());
                return Err(RuntimeError::new(self.id, ErrorKind::Unsupported, message));
            }
            return Ok(None);
        }
        HostState::new(input, self.limits.max_output_bytes)
            .map(|mut h| {
                // A start function's waits are bounded too; execute sets it again.
                h.deadline = Some(std::time::Instant::now() + self.limits.deadline);
                Some(Box::new(h))
            })
            .map_err(|m| RuntimeError::new(self.id, ErrorKind::Io, format!("instantiate: {m}")))
    }
}

fn failure(
    id: BackendId,
    status: c_int,
    fired: bool,
    phase: &str,
    text: &str,
    deadline: Duration,
) -> RuntimeError {
    if status == WB_TIMEOUT || (fired && status != WB_OK && status != WB_RESOURCE) {
        return RuntimeError::new(
            id,
            ErrorKind::Timeout,
            format!(
                "{phase}: deadline of {} ms exceeded (V8 TerminateExecution)",
                deadline.as_millis()
            ),
        );
    }
    RuntimeError::new(id, kind_of(status), format!("{phase}: {text}"))
}

struct V8Instance {
    id: BackendId,
    api: &'static Api,
    deadline: Duration,
    instance: NonNull<WbInstance>,
    /// Dropped after `instance` is freed (see Drop).
    isolate: Isolate,
    /// A Wasm instance's WASI context (the shim's host calls use it); dropped after
    /// `instance` is freed.
    host: Option<Box<HostState>>,
}

impl V8Instance {
    fn output(&self, fd: c_int) -> Vec<u8> {
        let mut ptr: *const u8 = std::ptr::null();
        let mut len = 0usize;
        // SAFETY: the instance is alive; the shim points `ptr` at `len` bytes it owns,
        // valid until the instance is freed, and they are copied at once.
        unsafe {
            (self.api.instance_output)(self.instance.as_ptr(), fd, &mut ptr, &mut len);
            if ptr.is_null() || len == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(ptr, len).to_vec()
            }
        }
    }
}

impl Instance for V8Instance {
    fn execute(self: Box<Self>) -> Result<Execution> {
        let mut exit_code = 0i32;
        let mut msg = std::ptr::null_mut();
        let mut this = self;
        if let Some(host) = this.host.as_deref_mut() {
            host.deadline = Some(std::time::Instant::now() + this.deadline);
        }
        let deadline = arm_deadline(this.api, &this.isolate, this.deadline);
        // SAFETY: instance and isolate are alive and owned by self; the shim locks the
        // isolate; `exit_code` and `msg` are valid out-pointers.
        let status = unsafe {
            (this.api.instance_run)(
                this.isolate.raw(),
                this.instance.as_ptr(),
                &mut exit_code,
                &mut msg,
            )
        };
        let fired = deadline.disarm();
        let text = this.api.take_message(msg);
        if status != WB_OK {
            // The host's own words for an output cap it enforced.
            let limit = this.host.as_ref().and_then(|h| h.limit_hit.clone());
            let text = if status == WB_RESOURCE { limit.unwrap_or(text) } else { text };
            return Err(failure(this.id, status, fired, "execute", &text, this.deadline));
        }
        let heap = Some(this.isolate.heap_used() as u64);
        let (stdout, stderr, bench_region_ns) = match this.host.as_deref_mut() {
            Some(h) => (h.stdout.take(), h.stderr.take(), h.bench.region_ns()),
            None => (this.output(1), this.output(2), None),
        };
        Ok(Execution {
            exit_code,
            stdout,
            stderr,
            engine_heap_bytes: heap,
            bench_region_ns,
        })
    }
}

impl Drop for V8Instance {
    fn drop(&mut self) {
        // SAFETY: the instance belongs to `self.isolate`, which is still alive (fields drop
        // after this), and is freed exactly once here.
        unsafe { (self.api.instance_free)(self.isolate.raw(), self.instance.as_ptr()) }
    }
}

mod api;
mod host;
mod isolate;
mod process;
#[cfg(test)]
mod tests;
