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
//! ([`crate::capture`]) raises it when the cap is exceeded, so the execution ends with
//! `ResourceLimit` right away instead of spinning until the deadline.
//!
//! Preopened directories are read-only and confined by `preopen.rs` (virtual-fs's host
//! file system alone follows symlinks out of the directory).
//!
//! Files: this one (engine, WASI imports, backend / module / instance), `memory.rs` (the
//! memory cap), `preopen.rs` (read-only preopens), `stdio.rs` (captured stdout/stderr as WASIX files), `errors.rs` (wasmer's
//! errors as [`ErrorKind`]s), `tests.rs`.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "wasmer-llvm")]
use wasmer::sys::LLVM;
use wasmer::sys::{Cranelift, EngineBuilder, NativeEngineExt, Singlepass};
use wasmer::{
    DeserializeError, Engine, ExternType, Function, FunctionEnv, FunctionEnvMut, FunctionType,
    Interrupter, Module, Store, TypedFunction,
};
use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
use wasmer_wasix::virtual_fs::Pipe;
use wasmer_wasix::{PluggableRuntime, WasiEnv, WasiError, WasiFunctionEnv, WasiVersion};

use crate::capture::CappedOutput;
use crate::watchdog::{Armed, Watchdog};
use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule, Result,
    RuntimeError, WasiInput,
};
use errors::{classify_instantiation, classify_trap, output_overflow};
use memory::{CappedTunables, GROW_REFUSED};

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

impl WasmerModule {
    /// The guest's WASI environment: argv, env, stdin (a pipe holding all of it), the
    /// captured stdout/stderr and the read-only preopens.
    fn wasi_env(
        &self,
        input: &WasiInput,
        store: &mut Store,
        stdout: &CappedOutput,
        stderr: &CappedOutput,
    ) -> Result<WasiFunctionEnv> {
        let shared = &self.shared;
        // stdin: write everything into one end of a pipe and drop that end, so that the
        // guest reads the bytes and then end-of-file.
        let (mut feeder, guest_stdin) = Pipe::channel();
        if !input.stdin.is_empty() {
            feeder
                .write_all(&input.stdin)
                .map_err(|e| shared.error(ErrorKind::Io, format!("filling stdin: {e}")))?;
        }
        drop(feeder);

        let builder = WasiEnv::builder("module.wasm")
            .args(&input.args)
            .envs(input.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Box::new(guest_stdin))
            .stdout(Box::new(stdout.clone()))
            .stderr(Box::new(stderr.clone()))
            .runtime(shared.wasi_runtime.clone());
        let builder = preopen::add_preopens(builder, &input.preopens, shared.tokio.handle())
            .map_err(|e| shared.error(ErrorKind::Io, e))?;
        builder
            .finalize(store)
            .map_err(|e| {
                shared.error(
                    ErrorKind::Unsupported,
                    format!("building the WASI context: {e}"),
                )
            })
    }
}

impl PreparedModule for WasmerModule {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        let shared = &self.shared;
        for preopen in &input.preopens {
            preopen.check(shared.id)?;
        }
        let _enter = shared.tokio.enter();
        let mut store = Store::new(shared.engine.clone());
        let interrupter = store.interrupter();

        let cap = shared.limits.max_output_bytes;
        let sink = || {
            let interrupter = interrupter.clone();
            CappedOutput::new(cap).on_overflow(move || interrupter.interrupt())
        };
        let (stdout, stderr) = (sink(), sink());
        let mut env = self.wasi_env(input, &mut store, &stdout, &stderr)?;
        let mut imports = env
            .import_object_for_all_wasi_versions(&mut store, &self.module)
            .map_err(|e| shared.error(ErrorKind::Unlinkable, e.to_string()))?;
        if !input.preopens.is_empty() {
            preopen::guard_imports(&mut store, &mut imports);
        }
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

mod errors;
mod memory;
mod preopen;
mod stdio;
#[cfg(test)]
mod tests;
