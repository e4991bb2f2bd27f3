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

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::watchdog::{Armed, Watchdog};
use crate::{
    Backend, BackendId, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, Sandbox, WasiInput,
};

// --- the C API of runtimes/v8/shim.h ----------------------------------------------------

/// Opaque shim types (only ever behind pointers).
#[repr(C)]
struct WbIsolate {
    _opaque: [u8; 0],
}
#[repr(C)]
struct WbWasm {
    _opaque: [u8; 0],
}
#[repr(C)]
struct WbJs {
    _opaque: [u8; 0],
}
#[repr(C)]
struct WbInstance {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct WbBytes {
    ptr: *const u8,
    len: usize,
}

impl WbBytes {
    fn of(bytes: &[u8]) -> WbBytes {
        WbBytes {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }
}

#[repr(C)]
struct WbInput {
    args: *const WbBytes,
    args_len: usize,
    env: *const WbBytes,
    env_len: usize,
    stdin_bytes: WbBytes,
    max_output: usize,
}

const WB_OK: c_int = 0;
const WB_INVALID: c_int = 1;
const WB_UNLINKABLE: c_int = 2;
const WB_TRAP: c_int = 3;
const WB_TIMEOUT: c_int = 4;
const WB_RESOURCE: c_int = 5;

type Msg = *mut *mut c_char;

// Signatures of the shim's functions (runtimes/v8/shim.h).
type FnVersion = unsafe extern "C" fn() -> *const c_char;
type FnInit = unsafe extern "C" fn(*const c_char, c_int, Msg) -> c_int;
type FnFree = unsafe extern "C" fn(*mut c_char);
type FnIsolateNew = unsafe extern "C" fn(usize, Msg) -> *mut WbIsolate;
type FnIsolate = unsafe extern "C" fn(*mut WbIsolate);
type FnIsolateHeap = unsafe extern "C" fn(*mut WbIsolate) -> usize;
type FnWasmCompile =
    unsafe extern "C" fn(*mut WbIsolate, *const u8, usize, *mut *mut WbWasm, Msg) -> c_int;
type FnWasmFree = unsafe extern "C" fn(*mut WbWasm);
type FnJsCompile =
    unsafe extern "C" fn(*mut WbIsolate, *const u8, usize, *mut *mut WbJs, Msg) -> c_int;
type FnJsFree = unsafe extern "C" fn(*mut WbJs);
type FnWasmInstantiate = unsafe extern "C" fn(
    *mut WbIsolate,
    *const WbWasm,
    *const WbInput,
    *mut *mut WbInstance,
    Msg,
) -> c_int;
type FnJsInstantiate = unsafe extern "C" fn(
    *mut WbIsolate,
    *const WbJs,
    *const WbInput,
    *mut *mut WbInstance,
    Msg,
) -> c_int;
type FnRun = unsafe extern "C" fn(*mut WbIsolate, *mut WbInstance, *mut i32, Msg) -> c_int;
type FnOutput = unsafe extern "C" fn(*const WbInstance, c_int, *mut *const u8, *mut usize);
type FnInstanceFree = unsafe extern "C" fn(*mut WbIsolate, *mut WbInstance);
type FnBenchRegion = unsafe extern "C" fn(*const WbInstance, *mut u64) -> c_int;

/// The shim's functions, resolved once with `dlsym`.
struct Api {
    version: FnVersion,
    init: FnInit,
    free: FnFree,
    isolate_new: FnIsolateNew,
    isolate_terminate: FnIsolate,
    isolate_heap_used: FnIsolateHeap,
    isolate_free: FnIsolate,
    wasm_compile: FnWasmCompile,
    wasm_free: FnWasmFree,
    js_compile: FnJsCompile,
    js_free: FnJsFree,
    wasm_instantiate: FnWasmInstantiate,
    js_instantiate: FnJsInstantiate,
    instance_run: FnRun,
    instance_output: FnOutput,
    instance_bench_region: FnBenchRegion,
    instance_free: FnInstanceFree,
}

extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

const RTLD_NOW: c_int = 2;

/// Where build.rs put the shim; `WASMBENCH_V8_SHIM` at run time overrides it (for a binary
/// moved to another machine).
fn shim_path() -> Option<PathBuf> {
    std::env::var_os("WASMBENCH_V8_SHIM")
        .map(PathBuf::from)
        .or_else(|| option_env!("WASMBENCH_V8_SHIM").map(PathBuf::from))
}

fn last_dl_error() -> String {
    // SAFETY: dlerror returns either null or a NUL-terminated string owned by the C
    // library, valid until the next dl* call on this thread; it is copied at once.
    unsafe {
        let p = dlerror();
        if p.is_null() {
            "unknown dlopen error".to_string()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

fn load_api() -> std::result::Result<Api, String> {
    let path = shim_path().ok_or_else(|| {
        "this binary was built without the V8 shim (libnode was not unpacked): run \
         scripts/setup-v8.sh, then rebuild"
            .to_string()
    })?;
    let c_path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| format!("V8 shim path {} contains a NUL byte", path.display()))?;
    // SAFETY: `c_path` is a valid NUL-terminated path. Loading the shim runs the static
    // initialisers of the shim, libnode and their dependencies, which have no preconditions.
    // The handle is never closed: the functions stay valid for the life of the process.
    let handle = unsafe { dlopen(c_path.as_ptr(), RTLD_NOW) };
    if handle.is_null() {
        return Err(format!(
            "cannot load the V8 shim {}: {} (run scripts/setup-v8.sh, then rebuild with the \
             `v8` feature)",
            path.display(),
            last_dl_error()
        ));
    }
    macro_rules! sym {
        ($name:literal, $ty:ty) => {{
            // SAFETY: `handle` is a live dlopen handle and the name is NUL-terminated.
            let p = unsafe { dlsym(handle, concat!($name, "\0").as_ptr().cast()) };
            if p.is_null() {
                return Err(format!("V8 shim {} lacks `{}`", path.display(), $name));
            }
            // SAFETY: the symbol is the `extern "C"` function of the same name declared in
            // runtimes/v8/shim.h, whose signature `$ty` mirrors exactly; a data pointer and a function pointer have the
            // same size on every platform the shim builds for.
            unsafe { std::mem::transmute::<*mut c_void, $ty>(p) }
        }};
    }
    Ok(Api {
        version: sym!("wb_version", FnVersion),
        init: sym!("wb_init", FnInit),
        free: sym!("wb_free", FnFree),
        isolate_new: sym!("wb_isolate_new", FnIsolateNew),
        isolate_terminate: sym!("wb_isolate_terminate", FnIsolate),
        isolate_heap_used: sym!("wb_isolate_heap_used", FnIsolateHeap),
        isolate_free: sym!("wb_isolate_free", FnIsolate),
        wasm_compile: sym!("wb_wasm_compile", FnWasmCompile),
        wasm_free: sym!("wb_wasm_free", FnWasmFree),
        js_compile: sym!("wb_js_compile", FnJsCompile),
        js_free: sym!("wb_js_free", FnJsFree),
        wasm_instantiate: sym!("wb_wasm_instantiate", FnWasmInstantiate),
        js_instantiate: sym!("wb_js_instantiate", FnJsInstantiate),
        instance_run: sym!("wb_instance_run", FnRun),
        instance_output: sym!("wb_instance_output", FnOutput),
        instance_bench_region: sym!("wb_instance_bench_region", FnBenchRegion),
        instance_free: sym!("wb_instance_free", FnInstanceFree),
    })
}

fn api() -> std::result::Result<&'static Api, String> {
    static API: OnceLock<std::result::Result<Api, String>> = OnceLock::new();
    API.get_or_init(load_api).as_ref().map_err(Clone::clone)
}

impl Api {
    /// Copy and release a message the shim allocated.
    fn take_message(&self, p: *mut c_char) -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: a non-null message from the shim is a malloc'd NUL-terminated string that
        // nobody else owns; it is copied, then released exactly once with wb_free.
        unsafe {
            let text = CStr::from_ptr(p).to_string_lossy().into_owned();
            (self.free)(p);
            text
        }
    }

    fn v8_version(&self) -> String {
        // SAFETY: wb_version returns V8's static NUL-terminated version string.
        unsafe {
            CStr::from_ptr((self.version)())
                .to_string_lossy()
                .into_owned()
        }
    }
}

fn kind_of(status: c_int) -> ErrorKind {
    match status {
        WB_INVALID => ErrorKind::Invalid,
        WB_UNLINKABLE => ErrorKind::Unlinkable,
        WB_TRAP => ErrorKind::Trap,
        WB_TIMEOUT => ErrorKind::Timeout,
        WB_RESOURCE => ErrorKind::ResourceLimit,
        // WB_FAILED and anything unexpected: the engine could not do it.
        _ => ErrorKind::Unsupported,
    }
}

// --- process-wide V8 initialisation ------------------------------------------------------

/// What the first V8 backend of this process fixed.
struct ProcessV8 {
    /// The backend that initialised V8.
    first: BackendId,
    /// Wasm compiler flags V8 was initialised with.
    wasm_flags: String,
    /// `--wasm-max-mem-pages`.
    max_pages: u64,
}

static PROCESS: Mutex<Option<ProcessV8>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Wasm compiler flags of each backend (v8-js has none: it runs JavaScript).
fn wasm_flags(id: BackendId) -> Option<&'static [&'static str]> {
    match id {
        BackendId::V8Liftoff => Some(&["--liftoff-only", "--no-wasm-lazy-compilation"]),
        BackendId::V8Turbofan => Some(&["--no-liftoff", "--no-wasm-lazy-compilation"]),
        BackendId::V8Default | BackendId::V8Js => Some(&[]),
        _ => None,
    }
}

/// Wasm pages (64 KiB) of `max_memory_bytes`, as V8's `--wasm-max-mem-pages` (1..=65536).
fn max_pages(limits: &Limits) -> u64 {
    (limits.max_memory_bytes / 65536).clamp(1, 65536)
}

fn ensure_initialised(id: BackendId, api: &Api, limits: &Limits, flags: &str) -> Result<()> {
    let pages = max_pages(limits);
    let mut state = lock(&PROCESS);
    if let Some(p) = state.as_ref() {
        let unsupported = |why: String| Err(RuntimeError::new(id, ErrorKind::Unsupported, why));
        if id == BackendId::V8Js {
            return Ok(()); // JavaScript does not depend on the Wasm flags.
        }
        if p.wasm_flags != flags {
            return unsupported(format!(
                "V8 flags are process-wide and {} already initialised V8 in this process with \
                 [{}]; {id} needs [{flags}]: run each V8 Wasm backend in a process of its own",
                p.first, p.wasm_flags
            ));
        }
        if p.max_pages != pages {
            return unsupported(format!(
                "V8's Wasm memory cap is process-wide (--wasm-max-mem-pages={}, set by {}); \
                 {id} asked for {pages} pages",
                p.max_pages, p.first
            ));
        }
        return Ok(());
    }
    let extra = std::env::var("WASMBENCH_V8_EXTRA_FLAGS").unwrap_or_default();
    let all = format!("{flags} --wasm-max-mem-pages={pages} {extra}");
    let c_flags = CString::new(all.trim())
        .map_err(|_| RuntimeError::new(id, ErrorKind::Unsupported, "V8 flags contain NUL"))?;
    let mut msg = std::ptr::null_mut();
    // SAFETY: called once per process (guarded by PROCESS, whose state is set right after),
    // with a NUL-terminated flag string; `msg` receives an owned message or stays null.
    let status = unsafe { (api.init)(c_flags.as_ptr(), 1, &mut msg) };
    let text = api.take_message(msg);
    if status != WB_OK {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Unsupported,
            format!("V8 initialisation: {text}"),
        ));
    }
    *state = Some(ProcessV8 {
        first: id,
        wasm_flags: flags.to_string(),
        max_pages: pages,
    });
    Ok(())
}

// --- isolates ---------------------------------------------------------------------------

/// An isolate with its context, disposed on drop.
struct Isolate {
    ptr: NonNull<WbIsolate>,
    api: &'static Api,
}

// SAFETY: a V8 isolate may be used from any thread as long as one thread uses it at a
// time; the shim takes a v8::Locker on every entry, and `Isolate` is not Sync (`&self`
// methods never run guest code concurrently because every use goes through `&mut` owners
// or the backend's Mutex).
unsafe impl Send for Isolate {}

impl Isolate {
    fn new(api: &'static Api, heap_limit: usize) -> std::result::Result<Isolate, String> {
        let mut msg = std::ptr::null_mut();
        // SAFETY: V8 is initialised (ensure_initialised ran before any backend exists);
        // `msg` receives an owned message or stays null.
        let ptr = unsafe { (api.isolate_new)(heap_limit, &mut msg) };
        let text = api.take_message(msg);
        NonNull::new(ptr)
            .map(|ptr| Isolate { ptr, api })
            .ok_or_else(|| format!("creating a V8 isolate failed: {text}"))
    }

    fn raw(&self) -> *mut WbIsolate {
        self.ptr.as_ptr()
    }

    /// Bytes used by the isolate's JS heap.
    fn heap_used(&self) -> usize {
        // SAFETY: the isolate is alive (owned by self); the shim locks it.
        unsafe { (self.api.isolate_heap_used)(self.raw()) }
    }
}

impl Drop for Isolate {
    fn drop(&mut self) {
        // SAFETY: the isolate is alive and owned by self only; every instance in it was
        // freed before (V8Instance frees its instance before its isolate field drops) and
        // the watchdog was disarmed (the deadline guard is disarmed/dropped before), so no other
        // thread references it.
        unsafe { (self.api.isolate_free)(self.raw()) }
    }
}

/// A fresh isolate made by [`Backend::create_sandbox`].
struct V8Sandbox {
    isolate: Isolate,
}

impl Sandbox for V8Sandbox {
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

// --- deadlines: one watchdog thread for the whole process ---------------------------------

#[derive(Clone, Copy)]
struct IsolatePtr(NonNull<WbIsolate>);

// SAFETY: the pointer is only used by the watchdog to call wb_isolate_terminate, which V8
// allows from any thread, and only while the deadline is armed (the owner disarms before it
// frees the isolate, and disarming waits for a running action: see crate::watchdog).
unsafe impl Send for IsolatePtr {}

impl IsolatePtr {
    fn terminate(self, api: &Api) {
        // SAFETY: armed deadlines refer to live isolates (see above); TerminateExecution is
        // thread-safe.
        unsafe { (api.isolate_terminate)(self.0.as_ptr()) }
    }
}

/// The process's V8 watchdog, started on first use; `None` if its thread could not start.
fn watchdog() -> Option<&'static Watchdog> {
    static WATCHDOG: OnceLock<Option<Watchdog>> = OnceLock::new();
    WATCHDOG.get_or_init(|| Watchdog::start("v8-watchdog")).as_ref()
}

/// `TerminateExecution` on `isolate` once `deadline` has passed, until the returned guard
/// is disarmed (which says whether it fired) or dropped.
fn arm_deadline(api: &'static Api, isolate: &Isolate, deadline: Duration) -> Armed<'static> {
    let target = IsolatePtr(isolate.ptr);
    match watchdog() {
        Some(dog) => dog.arm(deadline, move || target.terminate(api)),
        None => Armed::none(),
    }
}

// --- the backends -----------------------------------------------------------------------

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
        let wb_input = WbInput {
            args: args.as_ptr(),
            args_len: args.len(),
            env: env_bytes.as_ptr(),
            env_len: env_bytes.len(),
            stdin_bytes: WbBytes::of(&input.stdin),
            max_output: self.limits.max_output_bytes,
        };
        let mut out = std::ptr::null_mut();
        let mut msg = std::ptr::null_mut();
        // A Wasm start function or a script's top level may run forever too.
        let deadline = arm_deadline(self.api, &isolate, self.limits.deadline);
        // SAFETY: the isolate is alive and owned here; the module outlives the call;
        // `wb_input` and everything it points to (args, env, stdin) outlive the call and
        // the shim copies them; `out` receives an owned instance on success.
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
}

impl V8Instance {
    /// The region between the guest's `bench.start` and `bench.end` calls, if it made them.
    fn bench_region(&self) -> Option<u64> {
        let mut ns = 0u64;
        // SAFETY: the instance is alive and `ns` is a valid out-pointer.
        let closed = unsafe { (self.api.instance_bench_region)(self.instance.as_ptr(), &mut ns) };
        (closed != 0).then_some(ns)
    }

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
        let deadline = arm_deadline(self.api, &self.isolate, self.deadline);
        // SAFETY: instance and isolate are alive and owned by self; the shim locks the
        // isolate; `exit_code` and `msg` are valid out-pointers.
        let status = unsafe {
            (self.api.instance_run)(
                self.isolate.raw(),
                self.instance.as_ptr(),
                &mut exit_code,
                &mut msg,
            )
        };
        let fired = deadline.disarm();
        let text = self.api.take_message(msg);
        if status != WB_OK {
            return Err(failure(
                self.id,
                status,
                fired,
                "execute",
                &text,
                self.deadline,
            ));
        }
        Ok(Execution {
            exit_code,
            stdout: self.output(1),
            stderr: self.output(2),
            engine_heap_bytes: Some(self.isolate.heap_used() as u64),
            bench_region_ns: self.bench_region(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::wasm;
    use crate::run_once;
    use std::path::Path;
    use std::time::Instant;

    /// The Wasm backend the Wasm tests of this process use. V8 flags are process-wide, so
    /// the test process itself runs v8-default (+ v8-js); v8-liftoff and v8-turbofan run
    /// the same suite in child processes (see `liftoff_and_turbofan_in_child_processes`).
    fn wasm_backend() -> BackendId {
        match std::env::var("WASMBENCH_V8_TEST_BACKEND") {
            Ok(name) => name.parse().expect("a backend name"),
            Err(_) => BackendId::V8Default,
        }
    }

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

    const JS_HELLO: &str = r#"function main() { wasmbench.write(1, "hi\n"); }"#;

    fn limits(deadline_ms: u64) -> Limits {
        Limits {
            deadline: Duration::from_millis(deadline_ms),
            ..Limits::default()
        }
    }

    fn workload(path: &str) -> Vec<u8> {
        let full = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../workloads")
            .join(path);
        std::fs::read(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(id: BackendId, code: &[u8], input: &WasiInput) -> Result<Execution> {
        let backend = id.create(&limits(2000)).expect("engine");
        run_once(backend.as_ref(), code, input)
    }

    /// The whole Wasm contract on one backend: run in-process for v8-default, and in child
    /// processes for v8-liftoff and v8-turbofan.
    #[test]
    fn wasm_suite() {
        let id = wasm_backend();
        let none = WasiInput::default();

        // hello via fd_write
        let out = run(id, &wasm(HELLO), &none).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.stdout, b"hi\n", "{id}");
        assert_eq!(out.exit_code, 0);

        // the real hello workload with env + stdin, through the phases the harness times
        let backend = id.create(&limits(2000)).expect("engine");
        let module = backend
            .prepare(ModuleCode::Wasm(&workload("built/hello.c.wasm")))
            .expect("prepare");
        let input = WasiInput {
            args: vec!["a".into()],
            env: env(&[("INPUT", "conformance"), ("OTHER", "x")]),
            stdin: b"line one\nline two\n".to_vec(),
        };
        for _ in 0..3 {
            let sandbox = backend
                .create_sandbox()
                .expect("isolate")
                .expect("a sandbox");
            let out = module
                .instantiate_in(sandbox, &input)
                .expect("instantiate")
                .execute()
                .expect("execute");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "Hello, conformance!\nstdin: 18 bytes\nline one\nline two\n",
                "{id}"
            );
            assert_eq!(out.exit_code, 0);
        }
        // instantiate without a sandbox makes its own isolate
        let out = module
            .instantiate(&input)
            .expect("instantiate")
            .execute()
            .expect("execute");
        assert!(out.stdout.starts_with(b"Hello, conformance!"), "{id}");

        // the other workloads: outputs as expected, bad input => exit 2 with stderr
        let fib = run(
            id,
            &workload("built/fib.c.wasm"),
            &WasiInput {
                env: env(&[("INPUT", "20")]),
                ..none.clone()
            },
        )
        .expect("fib");
        assert_eq!(fib.stdout, b"fib(20) = 6765\n");
        let bad = run(
            id,
            &workload("built/fib.c.wasm"),
            &WasiInput {
                env: env(&[("INPUT", "x")]),
                ..none.clone()
            },
        )
        .expect("fib bad input");
        assert_eq!(bad.exit_code, 2);
        assert!(!bad.stderr.is_empty());
        let sha = run(
            id,
            &workload("built/sha256.c.wasm"),
            &WasiInput {
                env: env(&[("INPUT", "6291456")]),
                ..none.clone()
            },
        )
        .expect("sha256");
        assert_eq!(sha.stdout, workload("sha256/expected.stdout"));

        // proc_exit(3) is a result
        let exit = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 3)) unreachable))"#;
        assert_eq!(run(id, &wasm(exit), &none).expect("exit").exit_code, 3);

        // traps
        let trap = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
        let err = run(id, &wasm(trap), &none).expect_err("trap");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("unreachable"), "{err}");
        let div = r#"(module (memory (export "memory") 1)
          (func $d (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
          (func (export "_start") (drop (call $d (i32.const 0)))))"#;
        assert_eq!(
            run(id, &wasm(div), &none).expect_err("trap").kind,
            ErrorKind::Trap
        );
        let oob = r#"(module (memory (export "memory") 1)
          (func (export "_start") (drop (i32.load (i32.const 70000)))))"#;
        let err = run(id, &wasm(oob), &none).expect_err("oob");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        let deep = r#"(module (memory (export "memory") 1)
          (func $f (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1)))
          (func (export "_start") (drop (call $f (i32.const 0)))))"#;
        assert_eq!(
            run(id, &wasm(deep), &none)
                .expect_err("stack overflow")
                .kind,
            ErrorKind::Trap
        );

        // an infinite loop is a timeout within the deadline; the backend then still works
        let spin =
            r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#;
        let backend = id.create(&limits(200)).expect("engine");
        let started = Instant::now();
        let err = run_once(backend.as_ref(), &wasm(spin), &none).expect_err("deadline");
        let took = started.elapsed();
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        assert!(took < Duration::from_millis(1500), "timeout took {took:?}");
        let out = run_once(backend.as_ref(), &wasm(HELLO), &none).expect("next instance");
        assert_eq!(out.stdout, b"hi\n");
        // a start function that never returns is a timeout too (at instantiate)
        let start_spin = r#"(module (memory (export "memory") 1)
          (func $s (loop $l (br $l))) (start $s) (func (export "_start")))"#;
        let err = run_once(backend.as_ref(), &wasm(start_spin), &none).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");

        // linking and validation
        let missing = r#"(module (import "env" "nope" (func)) (memory (export "memory") 1) (func (export "_start")))"#;
        let backend = id.create(&limits(2000)).expect("engine");
        let err = backend
            .prepare(ModuleCode::Wasm(&wasm(missing)))
            .err()
            .expect("unlinkable");
        assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
        let err = backend
            .prepare(ModuleCode::Wasm(b"definitely not wasm"))
            .err()
            .expect("invalid");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
        let err = backend
            .prepare(ModuleCode::Wasm(&wasm(no_start)))
            .err()
            .expect("no _start");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");

        // output flood beyond the cap
        let flood = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 4096))
            (loop $l (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $l))))"#;
        let small = Limits {
            max_output_bytes: 10_000,
            ..limits(2000)
        };
        let backend = id.create(&small).expect("engine");
        let err = run_once(backend.as_ref(), &wasm(flood), &none).expect_err("cap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");

        // guest pointers are bounds-checked: fd_write with an iovec past the end => EFAULT
        let fault = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 65530))
            (i32.store (i32.const 4) (i32.const 100))
            (call $exit (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
        assert_eq!(run(id, &wasm(fault), &none).expect("efault").exit_code, 21);

        // memory.grow beyond the cap (1 GiB = 16384 pages by default) fails with -1
        let grow = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.eq (memory.grow (i32.const 20000)) (i32.const -1)))))"#;
        assert_eq!(run(id, &wasm(grow), &none).expect("grow").exit_code, 1);
    }

    /// v8-liftoff and v8-turbofan run `wasm_suite` in child processes of this test binary:
    /// V8's flags are fixed once per process.
    #[test]
    fn liftoff_and_turbofan_in_child_processes() {
        let exe = std::env::current_exe().expect("test binary");
        // The test harness names a test by its module path without the crate's name.
        let module = module_path!().split_once("::").map_or("", |(_, path)| path);
        let wasm_suite = format!("{module}::wasm_suite");
        for id in [BackendId::V8Liftoff, BackendId::V8Turbofan] {
            let out = std::process::Command::new(&exe)
                .args(["--exact", &wasm_suite, "--test-threads=1"])
                .env("WASMBENCH_V8_TEST_BACKEND", id.name())
                .output()
                .expect("run the child");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.contains("1 passed"),
                "{id}: {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn a_second_wasm_flavour_in_one_process_is_unsupported() {
        if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
            return;
        }
        let _default = BackendId::V8Default.create(&limits(2000)).expect("engine");
        let err = BackendId::V8Liftoff
            .create(&limits(2000))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
        assert!(err.message.contains("process-wide"), "{err}");
        // v8-js shares the process with any Wasm flavour
        BackendId::V8Js
            .create(&limits(2000))
            .expect("v8-js alongside");
    }

    #[test]
    fn four_isolates_on_four_threads() {
        let wasm = workload("built/hello.c.wasm");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let wasm = wasm.clone();
                std::thread::spawn(move || {
                    let backend = wasm_backend().create(&limits(5000)).expect("engine");
                    let module = backend.prepare(ModuleCode::Wasm(&wasm)).expect("prepare");
                    for i in 0..5 {
                        let name = format!("t{t}-{i}");
                        let input = WasiInput {
                            env: env(&[("INPUT", &name)]),
                            stdin: name.clone().into_bytes(),
                            ..WasiInput::default()
                        };
                        let sandbox = backend.create_sandbox().expect("isolate").expect("sandbox");
                        let out = module
                            .instantiate_in(sandbox, &input)
                            .expect("instance")
                            .execute()
                            .expect("run");
                        let want = format!("Hello, {name}!\nstdin: {} bytes\n{name}", name.len());
                        assert_eq!(String::from_utf8_lossy(&out.stdout), want);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
    }

    /// Not an assertion on speed: prints what an isolate costs, for the report.
    #[test]
    fn isolate_creation_time() {
        let backend = wasm_backend().create(&limits(2000)).expect("engine");
        let module = backend
            .prepare(ModuleCode::Wasm(&workload("built/hello.c.wasm")))
            .expect("prepare");
        let input = WasiInput {
            env: env(&[("INPUT", "x")]),
            ..WasiInput::default()
        };
        let (mut iso, mut inst, mut exec) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..30 {
            let t = Instant::now();
            let sandbox = backend.create_sandbox().expect("isolate").expect("sandbox");
            iso.push(t.elapsed());
            let t = Instant::now();
            let instance = module.instantiate_in(sandbox, &input).expect("instance");
            inst.push(t.elapsed());
            let t = Instant::now();
            instance.execute().expect("run");
            exec.push(t.elapsed());
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let sandbox = backend.create_sandbox().expect("isolate").expect("sandbox");
        let heap = sandbox
            .into_any()
            .downcast::<V8Sandbox>()
            .expect("v8")
            .isolate
            .heap_used();
        eprintln!(
            "v8 hello.c.wasm medians: isolate {:?}, instantiate {:?}, execute {:?}; fresh isolate heap {} KiB",
            median(&mut iso),
            median(&mut inst),
            median(&mut exec),
            heap / 1024
        );
    }

    // --- v8-js ---------------------------------------------------------------------------

    fn js(id_limits: Limits, source: &str, input: &WasiInput) -> Result<Execution> {
        let backend = BackendId::V8Js.create(&id_limits).expect("engine");
        run_once(backend.as_ref(), source.as_bytes(), input)
    }

    fn manifest_input(name: &str) -> WasiInput {
        match name {
            "hello" => WasiInput {
                env: env(&[("INPUT", "wasmbench")]),
                stdin: workload("hello/input.stdin"),
                ..WasiInput::default()
            },
            "fib" => WasiInput {
                env: env(&[("INPUT", "37")]),
                ..WasiInput::default()
            },
            _ => WasiInput {
                env: env(&[("INPUT", "6291456")]),
                ..WasiInput::default()
            },
        }
    }

    #[test]
    fn js_workloads_produce_the_expected_stdout() {
        if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
            return;
        }
        let backend = BackendId::V8Js.create(&Limits::default()).expect("engine");
        for name in ["hello", "fib", "sha256"] {
            let source = workload(&format!("{name}/js/main.js"));
            let out = run_once(backend.as_ref(), &source, &manifest_input(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&workload(&format!("{name}/expected.stdout"))),
                "{name}"
            );
            assert_eq!(out.exit_code, 0, "{name}");
            // the same outputs as the C modules for other inputs, bad ones included
            let wasm = workload(&format!("built/{name}.c.wasm"));
            let c = BackendId::V8Default
                .create(&Limits::default())
                .expect("engine");
            let inputs: &[&[(&str, &str)]] = match name {
                "hello" => &[&[], &[("INPUT", "")], &[("INPUT", "ünï")]],
                "fib" => &[
                    &[("INPUT", "0")],
                    &[("INPUT", "1")],
                    &[("INPUT", "25")],
                    &[("INPUT", "93x")],
                    &[("INPUT", "94")],
                    &[("INPUT", "")],
                    &[("INPUT", "-1")],
                ],
                _ => &[
                    &[("INPUT", "0")],
                    &[("INPUT", "55")],
                    &[("INPUT", "64")],
                    &[("INPUT", "65601")],
                    &[("INPUT", "72057594037927937")],
                    &[("INPUT", "1e3")],
                ],
            };
            for vars in inputs {
                let input = WasiInput {
                    env: env(vars),
                    stdin: b"abc".to_vec(),
                    ..WasiInput::default()
                };
                let want = run_once(c.as_ref(), &wasm, &input).expect("C module");
                let got = run_once(backend.as_ref(), &source, &input).expect("JS");
                let observable = |e: &Execution| (e.exit_code, e.stdout.clone(), e.stderr.clone());
                assert_eq!(observable(&got), observable(&want), "{name} {vars:?}");
            }
        }
    }

    #[test]
    fn js_contract_and_errors() {
        if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
            return;
        }
        let none = WasiInput::default();
        let out = js(limits(2000), JS_HELLO, &none).expect("hello");
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.exit_code, 0);
        // args, env, stdin bytes, stderr, return code
        let echo = r#"
            function main() {
              wasmbench.write(1, wasmbench.args.join(",") + ";" + wasmbench.env.A + "\n");
              wasmbench.write(1, wasmbench.stdin);
              wasmbench.write(2, "err");
              return 4;
            }"#;
        let input = WasiInput {
            args: vec!["x".into()],
            env: env(&[("A", "a=b")]),
            stdin: vec![0, 255, 10],
        };
        let out = js(limits(2000), echo, &input).expect("echo");
        assert_eq!(out.stdout, b"main.js,x;a=b\n\x00\xff\n");
        assert_eq!(out.stderr, b"err");
        assert_eq!(out.exit_code, 4);
        // exit(3) is a result, even when the script tries to catch it
        let exit =
            "function main() { try { wasmbench.exit(3); } catch (e) {} wasmbench.write(1, 'no'); }";
        let out = js(limits(2000), exit, &none).expect("exit");
        assert_eq!((out.exit_code, out.stdout.len()), (3, 0));
        // an uncaught exception is a trap carrying the message
        let err = js(
            limits(2000),
            "function main() { throw new TypeError('boom'); }",
            &none,
        )
        .expect_err("trap");
        assert_eq!(err.kind, ErrorKind::Trap, "{err}");
        assert!(err.message.contains("TypeError: boom"), "{err}");
        // syntax error and missing main => Invalid; Wasm bytes => Unsupported
        let err = js(limits(2000), "function main( {", &none).expect_err("syntax");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        let err = js(limits(2000), "var x = 1;", &none).expect_err("no main");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        let backend = BackendId::V8Js.create(&limits(2000)).expect("engine");
        let err = backend
            .prepare(ModuleCode::Wasm(&wasm(HELLO)))
            .err()
            .expect("wasm");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
        // output flood
        let flood = "function main() { for (;;) wasmbench.write(1, 'x'.repeat(1000)); }";
        let err = js(
            Limits {
                max_output_bytes: 10_000,
                ..limits(2000)
            },
            flood,
            &none,
        )
        .expect_err("cap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
        // JS heap exhaustion is a resource limit, not a crash
        let hog = "function main() { const a = []; for (;;) a.push(new Array(100000).fill(1.5)); }";
        let err = js(
            Limits {
                max_memory_bytes: 64 << 20,
                ..limits(5000)
            },
            hog,
            &none,
        )
        .expect_err("heap");
        assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    }

    #[test]
    fn js_infinite_loops_time_out_and_the_backend_recovers() {
        if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
            return;
        }
        let backend = BackendId::V8Js.create(&limits(200)).expect("engine");
        let none = WasiInput::default();
        for source in [
            "function main() { for (;;) {} }",
            "for (;;) {} function main() {}",
        ] {
            let started = Instant::now();
            let err = run_once(backend.as_ref(), source.as_bytes(), &none).expect_err("deadline");
            assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
            assert!(
                started.elapsed() < Duration::from_millis(1500),
                "{:?}",
                started.elapsed()
            );
            let out =
                run_once(backend.as_ref(), JS_HELLO.as_bytes(), &none).expect("next instance");
            assert_eq!(out.stdout, b"hi\n");
        }
    }
}
