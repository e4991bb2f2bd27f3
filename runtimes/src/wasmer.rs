//! Wasmer backends: Cranelift (JIT), Singlepass (baseline), AOT (a Cranelift artifact
//! serialised by `precompile` and loaded by a *headless* engine, i.e. one without any
//! compiler) and, behind the `wasmer-llvm` feature, LLVM.
//!
//! WASI preview1 comes from `wasmer-wasix`. Every instance gets a fresh `Store` and its own
//! `WasiEnv` (argv, env vars, stdin through a `Pipe`, stdout/stderr captured in memory
//! with a cap). The WASIX runtime object (`PluggableRuntime` over a tokio task manager) and
//! the tokio runtime it needs are built once per engine and shared by all instances.
//!
//! Imports are checked against the set of functions wasmer-wasix provides already in
//! `prepare`, so an unknown import fails there (`Unlinkable`), as with wasmtime's
//! `InstancePre`; wasmer itself only links at instantiation.
//!
//! # Deadline: host interrupts, not metering
//!
//! Wasmer has no epoch interruption. Two mechanisms exist in 7.4.2:
//!
//! * `wasmer-middlewares` metering: the compiler inserts a counter decrement and a
//!   branch at every basic block. It is deterministic but it is an instruction budget,
//!   not a wall-clock deadline, and it changes the generated code: it typically costs
//!   10–30 % (more in tight loops) of execution speed, which would skew every
//!   execution-time comparison against the other runtimes.
//! * wasmer's `experimental-host-interrupt` feature (chosen here): `Store::interrupter()`
//!   returns a handle whose `interrupt()` sends `SIGUSR1` to the thread running the
//!   store; wasmer's signal handler turns it into a `HostInterrupt` trap if that thread is
//!   executing wasm code of that store, or records it so that the trap fires as soon as
//!   the running host function returns to wasm. Generated code is unchanged, so the
//!   steady-state overhead is zero; each host→wasm call pays a registration in a global
//!   map (well under a microsecond), and every host function return checks that map.
//!   A watchdog thread (one per engine, [`crate::watchdog`]) calls `interrupt()` at the deadline and retries
//!   every [`INTERRUPT_RETRY`] until the call has returned, because wasmer documents
//!   interrupts as best effort (one sent just before the thread enters wasm is lost).
//!   Caveats: the feature is marked experimental; it installs a `SIGUSR1` handler for the
//!   whole process; a guest blocked inside one long host call (e.g. a long
//!   `poll_oneoff` sleep) is only stopped when that call returns.
//!
//! The same interrupter stops a guest that floods stdout/stderr: the capped sink
//! ([`crate::capture`]) raises it when the cap is exceeded, so the execution ends with `ResourceLimit` right away
//! instead of spinning until the deadline.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use wasmer::sys::vm::{
    LinearMemory, MemoryError, Trap, TrapCode, VMMemory, VMMemoryDefinition, VMSharedMemory,
    VMTable, VMTableDefinition,
};
#[cfg(feature = "wasmer-llvm")]
use wasmer::sys::LLVM;
use wasmer::sys::{BaseTunables, EngineBuilder, NativeEngineExt, Tunables};
use wasmer::sys::{Cranelift, Singlepass};
use wasmer::{
    DeserializeError, Engine, ExternType, Function, FunctionEnv, FunctionEnvMut, FunctionType, InstantiationError, Interrupter, LinkError, MemoryStyle,
    MemoryType, Module, Pages, Store, TableStyle, TableType, TypedFunction, WASM_MAX_PAGES,
    WASM_PAGE_SIZE,
};
use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
use wasmer_wasix::virtual_fs::{FsError, Pipe, VirtualFile};
use wasmer_wasix::{PluggableRuntime, WasiEnv, WasiError, WasiFunctionEnv, WasiVersion};

use crate::capture::CappedOutput;
use crate::watchdog::{Armed, Watchdog};
use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, WasiInput,
};

/// How often the watchdog repeats an interrupt until the execution has stopped.
const INTERRUPT_RETRY: Duration = Duration::from_millis(5);

/// Namespace of the sightglass-style `bench.start` / `bench.end` imports.
const BENCH_MODULE: &str = "bench";

/// Every WASI function wasmer-wasix provides, plus the `bench` imports: namespace → name →
/// type.
type ImportCatalogue = HashMap<String, HashMap<String, ExternType>>;

pub(crate) fn create(id: BackendId, limits: &Limits) -> Result<Box<dyn Backend>> {
    let unsupported = |msg: String| RuntimeError::new(id, ErrorKind::Unsupported, msg);
    let mut flags = vec!["host-interrupt".to_string()];
    let compiler = match id {
        BackendId::WasmerCranelift | BackendId::WasmerAot => EngineBuilder::new(Cranelift::new()),
        BackendId::WasmerSinglepass => EngineBuilder::new(Singlepass::new()),
        #[cfg(feature = "wasmer-llvm")]
        BackendId::WasmerLlvm => EngineBuilder::new(LLVM::new()),
        other => {
            return Err(unsupported(format!(
                "{other} is not a wasmer backend in this build"
            )))
        }
    };
    let mut compile_engine = Engine::from(compiler);
    compile_engine.set_tunables(CappedTunables::new(limits));
    // The AOT backend compiles with Cranelift in `precompile` only; `prepare` loads the
    // artifact into an engine that has no compiler at all.
    let load_engine = if id == BackendId::WasmerAot {
        let mut headless = Engine::from(EngineBuilder::headless());
        headless.set_tunables(CappedTunables::new(limits));
        flags.push("headless-engine".to_string());
        headless
    } else {
        compile_engine.clone()
    };

    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("wasmer-wasix")
        .enable_time()
        .build()
        .map_err(|e| {
            unsupported(format!(
                "starting the tokio runtime wasmer-wasix needs: {e}"
            ))
        })?;
    let tokio = Arc::new(tokio);
    let _enter = tokio.enter();
    let mut wasi_runtime =
        PluggableRuntime::new(Arc::new(TokioTaskManager::new(tokio.handle().clone())));
    wasi_runtime.set_engine(load_engine.clone());
    let wasi_runtime = Arc::new(wasi_runtime);
    let catalogue = wasi_catalogue(&load_engine, &wasi_runtime)
        .map_err(|e| unsupported(format!("building the WASI import table: {e}")))?;

    Ok(Box::new(WasmerBackend {
        id,
        compile_engine,
        shared: Arc::new(Shared {
            id,
            engine: load_engine,
            limits: limits.clone(),
            wasi_runtime,
            catalogue,
            watchdog: Watchdog::start("wasmer-watchdog"),
            tokio,
        }),
        flags,
    }))
}

/// Instantiates wasmer-wasix's import objects once, in a throwaway store, to learn the
/// name and type of every function it provides.
fn wasi_catalogue(
    engine: &Engine,
    runtime: &Arc<PluggableRuntime>,
) -> std::result::Result<ImportCatalogue, String> {
    let mut store = Store::new(engine.clone());
    let env = WasiEnv::builder("catalogue")
        .runtime(runtime.clone())
        .finalize(&mut store)
        .map_err(|e| e.to_string())?;
    let mut catalogue = ImportCatalogue::new();
    for version in [
        WasiVersion::Snapshot0,
        WasiVersion::Snapshot1,
        WasiVersion::Wasix32v1,
        WasiVersion::Wasix64v1,
    ] {
        let imports = wasmer_wasix::generate_import_object_from_env(&mut store, &env.env, version);
        for ((module, name), item) in &imports {
            let ty = item.ty(&store);
            catalogue.entry(module).or_default().insert(name, ty);
        }
    }
    let bench = catalogue.entry(BENCH_MODULE.to_string()).or_default();
    for name in ["start", "end"] {
        bench.insert(
            name.to_string(),
            ExternType::Function(FunctionType::new(vec![], vec![])),
        );
    }
    Ok(catalogue)
}

/// State shared by a backend, its prepared modules and their instances.
struct Shared {
    id: BackendId,
    /// The engine modules are loaded into and instances run in (headless for AOT).
    engine: Engine,
    limits: Limits,
    wasi_runtime: Arc<PluggableRuntime>,
    catalogue: ImportCatalogue,
    /// `None` if its thread could not be started: deadlines are then not enforced.
    watchdog: Option<Watchdog>,
    /// Declared last: dropped after everything that may hold tokio handles.
    tokio: Arc<tokio::runtime::Runtime>,
}

impl Shared {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    /// Interrupt the store behind `interrupter` once the deadline has passed, and again
    /// every [`INTERRUPT_RETRY`] until the returned guard is dropped: a single interrupt
    /// may be lost.
    fn watch(&self, interrupter: Interrupter) -> Armed<'_> {
        match &self.watchdog {
            Some(watchdog) => watchdog.arm_repeating(self.limits.deadline, INTERRUPT_RETRY, move || {
                interrupter.interrupt()
            }),
            None => Armed::none(),
        }
    }
}

struct WasmerBackend {
    id: BackendId,
    /// Compiles wasm: used by `prepare` (JIT backends) or `precompile` (AOT).
    compile_engine: Engine,
    shared: Arc<Shared>,
    flags: Vec<String>,
}

impl WasmerBackend {
    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError::new(self.id, kind, message)
    }

    fn compile(&self, wasm: &[u8]) -> Result<Module> {
        Module::new(&self.compile_engine, wasm)
            .map_err(|e| self.error(ErrorKind::Invalid, e.to_string()))
    }

    fn load(&self, code: ModuleCode<'_>) -> Result<Module> {
        match (self.id, code) {
            (BackendId::WasmerAot, ModuleCode::Artifact(path)) => self.deserialize(path),
            (BackendId::WasmerAot, ModuleCode::Wasm(_)) => Err(self.error(
                ErrorKind::Unsupported,
                "wasmer-aot loads precompiled artifacts only: precompile the module first",
            )),
            (_, ModuleCode::Wasm(wasm)) => self.compile(wasm),
            (_, ModuleCode::Artifact(_)) => Err(self.error(
                ErrorKind::Unsupported,
                "only wasmer-aot loads precompiled artifacts",
            )),
        }
    }

    fn deserialize(&self, path: &Path) -> Result<Module> {
        // SAFETY: deserialising maps the artifact's machine code and runs it later, so the
        // file must be an artifact written by `Module::serialize` of a compatible wasmer.
        // wasmbench only passes files written by `precompile` of this very backend (same
        // wasmer version, Cranelift, same tunables), and wasmer checks the artifact's
        // header, version and target/CPU features before using it.
        let module = unsafe { Module::deserialize_from_file(&self.shared.engine, path) };
        module.map_err(|e| {
            let kind = match e {
                DeserializeError::Io(_) => ErrorKind::Io,
                _ => ErrorKind::Invalid,
            };
            self.error(kind, format!("loading artifact {}: {e}", path.display()))
        })
    }

    /// A WASI command must export `_start: [] -> []`, and every import must be one of the
    /// WASI functions wasmer-wasix provides, with the same type.
    fn check(&self, module: &Module) -> Result<()> {
        match module
            .exports()
            .find(|e| e.name() == "_start")
            .map(|e| e.ty().clone())
        {
            Some(ExternType::Function(f)) if f.params().is_empty() && f.results().is_empty() => {}
            Some(_) => {
                return Err(self.error(
                    ErrorKind::Invalid,
                    "export `_start` is not a function of type [] -> []",
                ))
            }
            None => {
                return Err(self.error(
                    ErrorKind::Invalid,
                    "module exports no `_start` function (not a WASI command)",
                ))
            }
        }
        for import in module.imports() {
            let provided = self
                .shared
                .catalogue
                .get(import.module())
                .and_then(|names| names.get(import.name()));
            match provided {
                Some(ty) if ty == import.ty() => {}
                Some(ty) => {
                    return Err(self.error(
                        ErrorKind::Unlinkable,
                        format!(
                            "import `{}::{}` has type {:?}, but wasmer-wasix provides {:?}",
                            import.module(),
                            import.name(),
                            import.ty(),
                            ty
                        ),
                    ))
                }
                None => {
                    return Err(self.error(
                        ErrorKind::Unlinkable,
                        format!(
                            "unknown import `{}::{}` of type {:?} (only WASI is provided)",
                            import.module(),
                            import.name(),
                            import.ty()
                        ),
                    ))
                }
            }
        }
        Ok(())
    }
}

impl Backend for WasmerBackend {
    fn id(&self) -> BackendId {
        self.id
    }

    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }

    fn precompile(&self, wasm: &[u8]) -> Result<Option<Vec<u8>>> {
        if self.id != BackendId::WasmerAot {
            return Ok(None);
        }
        let module = self.compile(wasm)?;
        let bytes = module.serialize().map_err(|e| {
            self.error(
                ErrorKind::Unsupported,
                format!("serialising the module: {e}"),
            )
        })?;
        Ok(Some(bytes.to_vec()))
    }

    fn prepare(&self, code: ModuleCode<'_>) -> Result<Box<dyn PreparedModule>> {
        let module = self.load(code)?;
        self.check(&module)?;
        Ok(Box::new(WasmerModule {
            module,
            shared: Arc::clone(&self.shared),
        }))
    }
}

struct WasmerModule {
    module: Module,
    shared: Arc<Shared>,
}

impl PreparedModule for WasmerModule {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        let shared = &self.shared;
        let _enter = shared.tokio.enter();
        let mut store = Store::new(shared.engine.clone());
        let interrupter = store.interrupter();

        let cap = shared.limits.max_output_bytes;
        let sink = || {
            let interrupter = interrupter.clone();
            CappedOutput::new(cap).on_overflow(move || interrupter.interrupt())
        };
        let (stdout, stderr) = (sink(), sink());
        // stdin: write everything into one end of a pipe and drop that end, so that the
        // guest reads the bytes and then end-of-file.
        let (mut feeder, guest_stdin) = Pipe::channel();
        if !input.stdin.is_empty() {
            feeder
                .write_all(&input.stdin)
                .map_err(|e| shared.error(ErrorKind::Io, format!("filling stdin: {e}")))?;
        }
        drop(feeder);

        let mut env = WasiEnv::builder("module.wasm")
            .args(&input.args)
            .envs(input.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Box::new(guest_stdin))
            .stdout(Box::new(stdout.clone()))
            .stderr(Box::new(stderr.clone()))
            .runtime(shared.wasi_runtime.clone())
            .finalize(&mut store)
            .map_err(|e| {
                shared.error(
                    ErrorKind::Unsupported,
                    format!("building the WASI context: {e}"),
                )
            })?;
        let mut imports = env
            .import_object_for_all_wasi_versions(&mut store, &self.module)
            .map_err(|e| shared.error(ErrorKind::Unlinkable, e.to_string()))?;
        let bench = FunctionEnv::new(&mut store, BenchClock::default());
        let start = Function::new_typed_with_env(&mut store, &bench, |mut b: FunctionEnvMut<'_, BenchClock>| {
            b.data_mut().start()
        });
        let end = Function::new_typed_with_env(&mut store, &bench, |mut b: FunctionEnvMut<'_, BenchClock>| {
            b.data_mut().end()
        });
        imports.define(BENCH_MODULE, "start", start);
        imports.define(BENCH_MODULE, "end", end);
        // A wasm `start` function runs inside `Instance::new`: keep it under the deadline.
        GROW_REFUSED.with(|refused| refused.set(None));
        let instance = {
            let _watch = shared.watch(interrupter.clone());
            wasmer::Instance::new(&mut store, &self.module, &imports)
        }
        .map_err(|e| classify_instantiation(shared, e, &stdout, &stderr))?;
        env.initialize(&mut store, instance.clone())
            .map_err(|e| shared.error(ErrorKind::Invalid, format!("instantiate: {e}")))?;
        let start = instance
            .exports
            .get_typed_function::<(), ()>(&store, "_start")
            .map_err(|e| shared.error(ErrorKind::Invalid, format!("instantiate: {e}")))?;
        Ok(Box::new(WasmerInstance {
            shared: Arc::clone(shared),
            store,
            _env: env,
            bench,
            start,
            interrupter,
            stdout,
            stderr,
        }))
    }
}

struct WasmerInstance {
    shared: Arc<Shared>,
    store: Store,
    _env: WasiFunctionEnv,
    bench: FunctionEnv<BenchClock>,
    start: TypedFunction<(), ()>,
    interrupter: Interrupter,
    stdout: CappedOutput,
    stderr: CappedOutput,
}

impl Instance for WasmerInstance {
    fn execute(mut self: Box<Self>) -> Result<Execution> {
        let shared = Arc::clone(&self.shared);
        let _enter = shared.tokio.enter();
        GROW_REFUSED.with(|refused| refused.set(None));
        let outcome = {
            let _watch = shared.watch(self.interrupter.clone());
            self.start.call(&mut self.store)
        };
        if let Some(err) = output_overflow(&shared, &self.stdout, &self.stderr) {
            return Err(err);
        }
        let exit_code = match outcome {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<WasiError>() {
                Some(WasiError::Exit(code)) => code.raw(),
                _ => return Err(classify_trap(&shared, &e, "execute")),
            },
        };
        let bench_region_ns = self.bench.as_ref(&self.store).region_ns();
        drop(self.store);
        Ok(Execution {
            exit_code,
            stdout: self.stdout.take(),
            stderr: self.stderr.take(),
            engine_heap_bytes: None,
            bench_region_ns,
        })
    }
}

/// `ResourceLimit` if the guest wrote more than the cap to stdout or stderr.
fn output_overflow(
    shared: &Shared,
    stdout: &CappedOutput,
    stderr: &CappedOutput,
) -> Option<RuntimeError> {
    let which = if stdout.overflowed() {
        "stdout"
    } else if stderr.overflowed() {
        "stderr"
    } else {
        return None;
    };
    Some(shared.error(
        ErrorKind::ResourceLimit,
        format!(
            "output cap exceeded: the guest wrote more than {} bytes to {which}",
            shared.limits.max_output_bytes
        ),
    ))
}

/// Map a wasmer runtime error (a trap, or an error raised by a host function) onto an
/// [`ErrorKind`]; output overflow is checked by the caller first.
fn classify_trap(shared: &Shared, e: &wasmer::RuntimeError, phase: &str) -> RuntimeError {
    match e.clone().to_trap() {
        Some(TrapCode::HostInterrupt) => shared.error(
            ErrorKind::Timeout,
            format!(
                "{phase}: deadline of {:?} exceeded (host interrupt)",
                shared.limits.deadline
            ),
        ),
        // wasmer's `memory.grow` returns -1 at the cap instead of trapping; a trap after
        // such a refusal (typically the guest's abort on a failed allocation) is the
        // memory limit's doing, as it would be with wasmtime's trap-on-grow-failure.
        _ => match GROW_REFUSED.with(Cell::get) {
            Some((current, delta)) => shared.error(
                ErrorKind::ResourceLimit,
                format!(
                    "{phase}: memory cap of {} bytes: memory.grow by {} pages at {} pages was refused, \
                     then the guest trapped: {}\n{e}",
                    shared.limits.max_memory_bytes,
                    delta.0,
                    current.0,
                    e.message()
                ),
            ),
            // Root cause first, then wasmer's report with the wasm backtrace.
            None => shared.error(ErrorKind::Trap, format!("{phase}: {}\n{e}", e.message())),
        },
    }
}

fn classify_instantiation(
    shared: &Shared,
    e: InstantiationError,
    stdout: &CappedOutput,
    stderr: &CappedOutput,
) -> RuntimeError {
    match &e {
        InstantiationError::Link(LinkError::Import(..)) => {
            shared.error(ErrorKind::Unlinkable, format!("instantiate: {e}"))
        }
        // Raised by `CappedTunables` when a memory's minimum is above the cap.
        InstantiationError::Link(LinkError::Resource(_)) => {
            shared.error(ErrorKind::ResourceLimit, format!("instantiate: {e}"))
        }
        InstantiationError::Link(LinkError::Trap(trap)) | InstantiationError::Start(trap) => {
            output_overflow(shared, stdout, stderr)
                .unwrap_or_else(|| classify_trap(shared, trap, "instantiate"))
        }
        _ => shared.error(ErrorKind::Unsupported, format!("instantiate: {e}")),
    }
}

// --- memory cap -----------------------------------------------------------------------

/// Wasmer's default tunables with every linear memory's maximum lowered to the memory
/// cap: `memory.grow` past it returns -1, and a memory whose minimum is already above it
/// cannot be created (instantiation fails with `ResourceLimit`). The memory style is left
/// untouched, so the compiled code is the same as with the default tunables.
struct CappedTunables {
    base: BaseTunables,
    max_pages: Pages,
}

impl CappedTunables {
    fn new(limits: &Limits) -> Self {
        let pages = limits.max_memory_bytes / WASM_PAGE_SIZE as u64;
        let pages = u32::try_from(pages).unwrap_or(u32::MAX).min(WASM_MAX_PAGES);
        CappedTunables {
            base: BaseTunables::new(),
            max_pages: Pages(pages),
        }
    }

    fn capped(&self, ty: &MemoryType) -> std::result::Result<MemoryType, MemoryError> {
        if ty.minimum > self.max_pages {
            return Err(MemoryError::MinimumMemoryTooLarge {
                min_requested: ty.minimum,
                max_allowed: self.max_pages,
            });
        }
        let maximum = ty.maximum.map_or(self.max_pages, |m| m.min(self.max_pages));
        Ok(MemoryType {
            maximum: Some(maximum),
            ..*ty
        })
    }

    /// Wrap a non-shared memory so that a `memory.grow` refused by the cap is recorded
    /// (shared memories, which wasmbench workloads do not use, are left as they are).
    fn watched(&self, memory: VMMemory) -> VMMemory {
        if memory.ty().shared {
            return memory;
        }
        VMMemory(Box::new(GrowWatch {
            inner: memory,
            cap: self.max_pages,
        }))
    }
}

thread_local! {
    /// Set when a `memory.grow` on this thread was refused because of the memory cap.
    /// Wasm runs on the thread that called it, so `execute` resets this before calling
    /// `_start` and reads it afterwards.
    static GROW_REFUSED: Cell<Option<(Pages, Pages)>> = const { Cell::new(None) };
}

/// A linear memory that forwards everything to wasmer's own and only records, in
/// [`GROW_REFUSED`], a growth the cap refused. wasm code reaches the memory through the
/// unchanged `VMMemoryDefinition`, so loads and stores are not affected; only the
/// `memory.grow` libcall goes through one more virtual call.
#[derive(Debug)]
struct GrowWatch {
    inner: VMMemory,
    cap: Pages,
}

impl GrowWatch {
    fn wrap(
        &self,
        inner: Box<dyn LinearMemory + Send + Sync + 'static>,
    ) -> Box<dyn LinearMemory + Send + Sync + 'static> {
        Box::new(GrowWatch {
            inner: VMMemory(inner),
            cap: self.cap,
        })
    }
}

impl LinearMemory for GrowWatch {
    fn ty(&self) -> MemoryType {
        self.inner.ty()
    }

    fn size(&self) -> Pages {
        self.inner.size()
    }

    fn style(&self) -> MemoryStyle {
        self.inner.style()
    }

    fn grow(&mut self, delta: Pages) -> std::result::Result<Pages, MemoryError> {
        let current = self.inner.size();
        let result = self.inner.grow(delta);
        if result.is_err() && u64::from(current.0) + u64::from(delta.0) > u64::from(self.cap.0) {
            GROW_REFUSED.with(|refused| refused.set(Some((current, delta))));
        }
        result
    }

    fn grow_at_least(&mut self, min_size: u64) -> std::result::Result<(), MemoryError> {
        self.inner.grow_at_least(min_size)
    }

    fn reset(&mut self) -> std::result::Result<(), MemoryError> {
        self.inner.reset()
    }

    fn vmmemory(&self) -> NonNull<VMMemoryDefinition> {
        self.inner.vmmemory()
    }

    fn try_clone(
        &self,
    ) -> std::result::Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Ok(self.wrap(LinearMemory::try_clone(&self.inner)?))
    }

    unsafe fn initialize_with_data(
        &self,
        start: usize,
        data: &[u8],
    ) -> std::result::Result<(), Trap> {
        // SAFETY: a pure delegation to the wrapped memory; the caller (wasmer's instance
        // initialisation) upholds the same contract for it as for this wrapper.
        unsafe { self.inner.initialize_with_data(start, data) }
    }

    fn copy(
        &self,
    ) -> std::result::Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Ok(self.wrap(LinearMemory::copy(&self.inner)?))
    }

    fn as_shared(&self) -> std::result::Result<VMSharedMemory, MemoryError> {
        self.inner.as_shared()
    }
}

impl Tunables for CappedTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(memory)
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> std::result::Result<VMMemory, MemoryError> {
        let memory = self.base.create_host_memory(&self.capped(ty)?, style)?;
        Ok(self.watched(memory))
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> std::result::Result<VMMemory, MemoryError> {
        let ty = self.capped(ty)?;
        // SAFETY: forwarded unchanged from wasmer, which calls this with a valid, owned
        // definition location (the trait's contract); only the memory type's maximum
        // differs, and a lower maximum is always valid for the same style.
        let memory = unsafe {
            self.base
                .create_vm_memory(&ty, style, vm_definition_location)
        }?;
        Ok(self.watched(memory))
    }

    fn create_host_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
    ) -> std::result::Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> std::result::Result<VMTable, String> {
        // SAFETY: a pure delegation; the caller (wasmer) upholds the trait's contract that
        // `vm_definition_location` points to a valid, owned table definition.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }
}

// --- captured stdout / stderr -----------------------------------------------------------

// stdout/stderr are `crate::capture::CappedOutput` sinks whose overflow action interrupts
// the store, so the guest traps as soon as the refused `fd_write` returns; here they become
// wasmer-wasix files.

impl tokio::io::AsyncWrite for CappedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.append(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncRead for CappedOutput {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // Write-only: reading yields end-of-file.
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncSeek for CappedOutput {
    fn start_seek(self: Pin<&mut Self>, _position: std::io::SeekFrom) -> std::io::Result<()> {
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
        Poll::Ready(Ok(0))
    }
}

impl VirtualFile for CappedOutput {
    fn last_accessed(&self) -> u64 {
        0
    }

    fn last_modified(&self) -> u64 {
        0
    }

    fn created_time(&self) -> u64 {
        0
    }

    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn set_len(&mut self, _new_size: u64) -> std::result::Result<(), FsError> {
        Err(FsError::PermissionDenied)
    }

    fn unlink(&mut self) -> std::result::Result<(), FsError> {
        Ok(())
    }

    fn poll_read_ready(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(0))
    }

    fn poll_write_ready(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(8192))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;
    use crate::run_once;
    use crate::test_support::{limits, wasm, HELLO};

    /// Writes the whole environment block (NUL-separated `KEY=value` strings), then
    /// copies stdin to stdout in chunks of 100 bytes.
    const ECHO: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func $write (param $ptr i32) (param $len i32)
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func (export "_start")
        (drop (call $env_sizes (i32.const 16) (i32.const 20)))
        (drop (call $env_get (i32.const 64) (i32.const 256)))
        (call $write (i32.const 256) (i32.load (i32.const 20)))
        (block $done
          (loop $again
            (i32.store (i32.const 32) (i32.const 1024))
            (i32.store (i32.const 36) (i32.const 100))
            (br_if $done (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
            (br_if $done (i32.eqz (i32.load (i32.const 40))))
            (call $write (i32.const 1024) (i32.load (i32.const 40)))
            (br $again)))))
    "#;

    const EXIT3: &str = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3))))"#;

    const SPIN: &str = r#"(module (memory (export "memory") 1)
      (func (export "_start") (loop $l (br $l))))"#;

    const UNREACHABLE: &str = r#"(module (memory (export "memory") 1)
      (func $deep (unreachable))
      (func (export "_start") (call $deep)))"#;

    const FLOOD: &str = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 512))
        (loop $l
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br $l))))"#;

    const MISSING_IMPORT: &str = r#"(module
      (import "env" "nope" (func $nope))
      (memory (export "memory") 1)
      (func (export "_start") (call $nope)))"#;

    const WRONG_WASI_TYPE: &str = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $fd_write (i32.const 1)))))"#;

    /// Exit code 10 if growing by 100 pages fails, plus 1 if growing by 10 pages works.
    const GROW: &str = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (call $exit (i32.add
          (i32.mul (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (i32.const 10))
          (i32.ne (memory.grow (i32.const 10)) (i32.const -1))))))"#;

    /// Aborts (`unreachable`) when growing by 100 pages fails, like a C program whose
    /// allocation failed.
    const GROW_OR_ABORT: &str = r#"(module
      (memory (export "memory") 1)
      (func (export "_start")
        (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))))"#;

    const NO_START: &str = r#"(module (memory (export "memory") 1) (func (export "main")))"#;

    fn wasmer_backends() -> Vec<BackendId> {
        BackendId::available()
            .into_iter()
            .filter(|b| b.family() == "wasmer")
            .collect()
    }

    fn run(id: BackendId, limits: &Limits, text: &str, input: &WasiInput) -> Result<Execution> {
        let backend = id.create(limits).expect("engine");
        run_once(backend.as_ref(), &wasm(text), input)
    }

    #[test]
    fn every_wasmer_backend_runs_hello() {
        for id in wasmer_backends() {
            let out = run(id, &limits(), HELLO, &WasiInput::default())
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(out.stdout, b"hi\n", "{id}");
            assert_eq!(out.exit_code, 0, "{id}");
        }
    }

    #[test]
    fn env_and_stdin_are_echoed() {
        let stdin: Vec<u8> = (0..250u8).map(|i| b'a' + i % 26).collect();
        let input = WasiInput {
            args: vec!["x".into()],
            env: vec![("INPUT".into(), "42".into()), ("B".into(), "two".into())],
            stdin: stdin.clone(),
        };
        let mut expected = b"INPUT=42\0B=two\0".to_vec();
        expected.extend_from_slice(&stdin);
        for id in wasmer_backends() {
            let out = run(id, &limits(), ECHO, &input).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(out.stdout, expected, "{id}");
            assert_eq!(out.exit_code, 0, "{id}");
        }
    }

    #[test]
    fn proc_exit_is_a_result() {
        for id in wasmer_backends() {
            let out = run(id, &limits(), EXIT3, &WasiInput::default())
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(out.exit_code, 3, "{id}");
        }
    }

    #[test]
    fn unreachable_is_a_trap() {
        for id in wasmer_backends() {
            let err = run(id, &limits(), UNREACHABLE, &WasiInput::default()).expect_err("trap");
            assert_eq!(err.kind, ErrorKind::Trap, "{id}: {err}");
            assert!(err.message.contains("unreachable"), "{id}: {err}");
        }
    }

    #[test]
    fn infinite_loop_times_out() {
        for id in wasmer_backends() {
            let started = Instant::now();
            let err = run(id, &limits(), SPIN, &WasiInput::default()).expect_err("deadline");
            assert_eq!(err.kind, ErrorKind::Timeout, "{id}: {err}");
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{id}: {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn timeout_leaves_the_module_usable() {
        let backend = BackendId::WasmerCranelift
            .create(&limits())
            .expect("engine");
        let spin = backend
            .prepare(ModuleCode::Wasm(&wasm(SPIN)))
            .expect("compiles");
        for _ in 0..3 {
            let started = Instant::now();
            let err = spin
                .instantiate(&WasiInput::default())
                .expect("instance")
                .execute()
                .expect_err("deadline");
            assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
            let elapsed = started.elapsed();
            assert!(elapsed >= Duration::from_millis(190), "{elapsed:?}");
            assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        }
        let hello = backend
            .prepare(ModuleCode::Wasm(&wasm(HELLO)))
            .expect("compiles");
        for _ in 0..3 {
            let out = hello
                .instantiate(&WasiInput::default())
                .expect("instance")
                .execute();
            assert_eq!(out.expect("runs").stdout, b"hi\n");
        }
    }

    #[test]
    fn missing_import_is_unlinkable_at_prepare() {
        for id in wasmer_backends() {
            let backend = id.create(&limits()).expect("engine");
            for text in [MISSING_IMPORT, WRONG_WASI_TYPE] {
                let err = match backend.precompile(&wasm(text)).expect("compiles") {
                    None => backend.prepare(ModuleCode::Wasm(&wasm(text))).err(),
                    Some(artifact) => {
                        let dir = tempfile::tempdir().expect("tmp");
                        let path = dir.path().join("a.bin");
                        std::fs::write(&path, artifact).expect("write");
                        backend.prepare(ModuleCode::Artifact(&path)).err()
                    }
                }
                .expect("refused");
                assert_eq!(err.kind, ErrorKind::Unlinkable, "{id}: {err}");
            }
        }
    }

    #[test]
    fn garbage_and_non_commands_are_invalid() {
        for id in wasmer_backends() {
            let backend = id.create(&limits()).expect("engine");
            let garbage = b"\0asm\x01\0\0\0garbage".to_vec();
            let err =
                run_once(backend.as_ref(), &garbage, &WasiInput::default()).expect_err("invalid");
            assert_eq!(err.kind, ErrorKind::Invalid, "{id}: {err}");
            let err = run(id, &limits(), NO_START, &WasiInput::default()).expect_err("no _start");
            assert_eq!(err.kind, ErrorKind::Invalid, "{id}: {err}");
        }
    }

    #[test]
    fn output_flood_hits_the_cap() {
        let limits = Limits {
            deadline: Duration::from_secs(20),
            max_output_bytes: 4096,
            ..Limits::default()
        };
        for id in wasmer_backends() {
            let started = Instant::now();
            let err = run(id, &limits, FLOOD, &WasiInput::default()).expect_err("cap");
            assert_eq!(err.kind, ErrorKind::ResourceLimit, "{id}: {err}");
            // Stopped by the sink, not by the deadline.
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{id}: {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn memory_cap_limits_growth_and_minimum() {
        let limits = Limits {
            max_memory_bytes: 32 * WASM_PAGE_SIZE as u64,
            ..limits()
        };
        let too_big = r#"(module (memory (export "memory") 64) (func (export "_start")))"#;
        for id in wasmer_backends() {
            let out = run(id, &limits, GROW, &WasiInput::default())
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(out.exit_code, 11, "{id}");
            let err = run(id, &limits, too_big, &WasiInput::default()).expect_err("over cap");
            assert_eq!(err.kind, ErrorKind::ResourceLimit, "{id}: {err}");
            let err = run(id, &limits, GROW_OR_ABORT, &WasiInput::default()).expect_err("abort");
            assert_eq!(err.kind, ErrorKind::ResourceLimit, "{id}: {err}");
            assert!(
                err.message.contains("memory.grow by 100 pages"),
                "{id}: {err}"
            );
            // Without the refusal the same trap is an ordinary trap.
            let err = run(id, &limits, UNREACHABLE, &WasiInput::default()).expect_err("trap");
            assert_eq!(err.kind, ErrorKind::Trap, "{id}: {err}");
        }
    }

    #[test]
    fn aot_needs_an_artifact_and_jit_refuses_one() {
        let aot = BackendId::WasmerAot.create(&limits()).expect("engine");
        let err = aot
            .prepare(ModuleCode::Wasm(&wasm(HELLO)))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported);
        let artifact = aot
            .precompile(&wasm(HELLO))
            .expect("compiles")
            .expect("artifact");
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("hello.wasmer");
        std::fs::write(&path, &artifact).expect("write");
        let module = aot.prepare(ModuleCode::Artifact(&path)).expect("loads");
        for _ in 0..2 {
            let out = module
                .instantiate(&WasiInput::default())
                .expect("instance")
                .execute();
            assert_eq!(out.expect("runs").stdout, b"hi\n");
        }
        let jit = BackendId::WasmerCranelift
            .create(&limits())
            .expect("engine");
        assert_eq!(jit.precompile(&wasm(HELLO)).expect("no-op"), None);
        let err = jit
            .prepare(ModuleCode::Artifact(&path))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported);
        std::fs::write(&path, b"not an artifact").expect("write");
        let err = aot
            .prepare(ModuleCode::Artifact(&path))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    }

    #[test]
    fn flags_name_the_interrupt_mechanism() {
        let aot = BackendId::WasmerAot.create(&limits()).expect("engine");
        assert_eq!(aot.flags(), vec!["host-interrupt", "headless-engine"]);
        let sp = BackendId::WasmerSinglepass
            .create(&limits())
            .expect("engine");
        assert_eq!(sp.flags(), vec!["host-interrupt"]);
    }
}
