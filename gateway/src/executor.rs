//! Running functions: compile each module once, then a fresh instance per request.
//!
//! Two strategies, chosen by what the backend's types allow:
//!
//! - **shared** (backends with [`BackendId::create_shared`], the Wasmtime family): one
//!   engine; each module is compiled (or AOT-loaded) once, on first use or at start-up,
//!   into a `Send + Sync` module (`InstancePre`; with `wasmtime-pooling`, instances come
//!   from the pooling allocator), and every request instantiates and runs it on tokio's
//!   blocking pool;
//! - **per thread** (every other backend: V8 isolates, WAMR and wasm3 environments are tied
//!   to their thread): a fixed pool of worker threads, each with its own engine and its own
//!   compiled copy of each module, made on that thread's first request for it.
//!
//! Both take the caller's concurrency permit and hold it until the guest has really
//! stopped, so the cap counts running instances even when the gateway has already
//! answered 504 for an instance that overran.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, OnceCell, OwnedSemaphorePermit};
use wasmbench_runtimes::{
    Backend, BackendId, ErrorKind, Execution, Limits, ModuleCode, PreparedModule, RuntimeError,
    SharedBackend, SharedModule, WasiInput,
};

use crate::registry::{Function, Registry};

/// Stack size of per-thread workers: interpreters (wasm3) recurse on the host stack.
const WORKER_STACK: usize = 8 << 20;

/// How a request's execution went, as far as the executor knows.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Execution, RuntimeError>,
    /// This request compiled (or loaded) the module: a cold start.
    pub cold: bool,
}

/// Error starting the executor.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("creating the {backend} engine: {source}")]
    Engine {
        backend: BackendId,
        source: RuntimeError,
    },
    #[error("compiling function `{name}` ({path}) at start-up: {source}")]
    Compile {
        name: String,
        path: std::path::PathBuf,
        source: RuntimeError,
    },
    #[error("starting worker threads: {0}")]
    Threads(std::io::Error),
    #[error("creating a folder for AOT artifacts: {0}")]
    Artifacts(std::io::Error),
}

/// Runs registered functions on one backend.
pub struct Executor {
    backend: BackendId,
    limits: Limits,
    strategy: Strategy,
}

enum Strategy {
    Shared(Shared),
    Threads(Threads),
}

impl Executor {
    /// Create the engine(s) for `backend`; with `eager`, compile every function now.
    /// `threads` is the size of the per-thread pool (backends that are not shareable).
    pub fn start(
        backend: BackendId,
        limits: Limits,
        registry: Arc<Registry>,
        threads: usize,
        eager: bool,
    ) -> Result<Executor, ExecutorError> {
        let engine_error = |source| ExecutorError::Engine { backend, source };
        let strategy = match backend.create_shared(&limits).map_err(engine_error)? {
            Some(engine) => Strategy::Shared(Shared::new(engine.into(), registry, eager)?),
            None => Strategy::Threads(Threads::start(backend, &limits, registry, threads, eager)?),
        };
        Ok(Executor {
            backend,
            limits,
            strategy,
        })
    }

    pub fn backend(&self) -> BackendId {
        self.backend
    }

    /// "shared" or "per-thread".
    pub fn strategy(&self) -> &'static str {
        match self.strategy {
            Strategy::Shared(_) => "shared",
            Strategy::Threads(_) => "per-thread",
        }
    }

    /// Run `function` with `input` in a fresh instance, holding `permit` until the guest
    /// has stopped. Gives up waiting after the deadline plus `grace` (the guest may still
    /// be running then: a backend that cannot interrupt it); that is reported as a timeout.
    pub async fn run(
        &self,
        function: &Function,
        input: WasiInput,
        permit: OwnedSemaphorePermit,
        grace: Duration,
    ) -> Outcome {
        let wait = self.limits.deadline + grace;
        let (reply_tx, reply_rx) = oneshot::channel();
        match &self.strategy {
            Strategy::Shared(shared) => shared.run(function, input, permit, reply_tx).await,
            Strategy::Threads(threads) => threads.submit(function, input, permit, reply_tx),
        }
        match tokio::time::timeout(wait, reply_rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Outcome {
                result: Err(RuntimeError::new(
                    self.backend,
                    ErrorKind::Harness,
                    "the worker running this request stopped without an answer",
                )),
                cold: false,
            },
            Err(_) => Outcome {
                result: Err(RuntimeError::new(
                    self.backend,
                    ErrorKind::Timeout,
                    format!("no result {:.1} s after the deadline", grace.as_secs_f64()),
                )),
                cold: false,
            },
        }
    }
}

/// Compile `wasm` on `backend`, through an artifact file for AOT backends.
fn compile<B: Backend + ?Sized, M>(
    backend: &B,
    wasm: &[u8],
    artifacts: &Path,
    name: &str,
    prepare: impl Fn(&B, ModuleCode<'_>) -> Result<M, RuntimeError>,
) -> Result<M, RuntimeError> {
    match backend.precompile(wasm)? {
        None => prepare(backend, ModuleCode::Wasm(wasm)),
        Some(artifact) => {
            let path = artifacts.join(format!("{name}.artifact"));
            std::fs::write(&path, artifact).map_err(|e| {
                RuntimeError::new(backend.id(), ErrorKind::Io, format!("writing {}: {e}", path.display()))
            })?;
            prepare(backend, ModuleCode::Artifact(&path))
        }
    }
}

fn artifact_dir() -> Result<tempfile::TempDir, ExecutorError> {
    tempfile::Builder::new()
        .prefix("wasmbench-gateway-")
        .tempdir()
        .map_err(ExecutorError::Artifacts)
}

// --- shared: one engine, modules compiled once, instances on the blocking pool ---------------

type CompiledShared = Result<Arc<dyn SharedModule>, RuntimeError>;

struct Shared {
    engine: Arc<dyn SharedBackend>,
    modules: HashMap<String, Arc<OnceCell<CompiledShared>>>,
    artifacts: Arc<tempfile::TempDir>,
}

impl Shared {
    fn new(engine: Arc<dyn SharedBackend>, registry: Arc<Registry>, eager: bool) -> Result<Shared, ExecutorError> {
        let artifacts = Arc::new(artifact_dir()?);
        let mut modules = HashMap::new();
        for function in registry.functions() {
            let cell = OnceCell::new();
            if eager {
                let compiled = compile_shared(engine.as_ref(), function, artifacts.path());
                let compiled = compiled.map_err(|source| ExecutorError::Compile {
                    name: function.name.clone(),
                    path: function.path.clone(),
                    source,
                })?;
                let _ = cell.set(Ok(compiled));
            }
            modules.insert(function.name.clone(), Arc::new(cell));
        }
        Ok(Shared {
            engine,
            modules,
            artifacts,
        })
    }

    async fn run(
        &self,
        function: &Function,
        input: WasiInput,
        permit: OwnedSemaphorePermit,
        reply: oneshot::Sender<Outcome>,
    ) {
        let Some(cell) = self.modules.get(&function.name).cloned() else {
            let _ = reply.send(Outcome {
                result: Err(RuntimeError::new(self.engine.id(), ErrorKind::Harness, "function not in the executor")),
                cold: false,
            });
            return;
        };
        let mut cold = false;
        let compiled = cell
            .get_or_init(|| {
                cold = true;
                let engine = Arc::clone(&self.engine);
                let artifacts = Arc::clone(&self.artifacts);
                let function = function.clone();
                async move {
                    let id = engine.id();
                    tokio::task::spawn_blocking(move || compile_shared(engine.as_ref(), &function, artifacts.path()))
                        .await
                        .unwrap_or_else(|e| Err(RuntimeError::new(id, ErrorKind::Harness, format!("compiler task: {e}"))))
                }
            })
            .await;
        let module = match compiled {
            Ok(module) => Arc::clone(module),
            Err(e) => {
                let _ = reply.send(Outcome {
                    result: Err(e.clone()),
                    cold,
                });
                return;
            }
        };
        tokio::task::spawn_blocking(move || {
            let result = module.instantiate_shared(&input).and_then(|instance| instance.execute());
            drop(permit);
            let _ = reply.send(Outcome { result, cold });
        });
    }
}

fn compile_shared(engine: &dyn SharedBackend, function: &Function, artifacts: &Path) -> CompiledShared {
    compile(engine, &function.wasm, artifacts, &function.name, |b, code| b.prepare_shared(code))
}

// --- per thread: a pool of threads, each with its own engine and compiled modules ------------

struct Job {
    function: Function,
    input: WasiInput,
    permit: OwnedSemaphorePermit,
    reply: oneshot::Sender<Outcome>,
}

struct Threads {
    jobs: mpsc::Sender<Job>,
}

impl Threads {
    fn start(
        backend: BackendId,
        limits: &Limits,
        registry: Arc<Registry>,
        count: usize,
        eager: bool,
    ) -> Result<Threads, ExecutorError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), ExecutorError>>();
        for i in 0..count.max(1) {
            let queue = Arc::clone(&queue);
            let ready = ready_tx.clone();
            let limits = limits.clone();
            let registry = Arc::clone(&registry);
            std::thread::Builder::new()
                .name(format!("gateway-{backend}-{i}"))
                .stack_size(WORKER_STACK)
                .spawn(move || {
                    let mut worker = match Worker::new(backend, &limits) {
                        Ok(worker) => worker,
                        Err(e) => {
                            let _ = ready.send(Err(e));
                            return;
                        }
                    };
                    if eager {
                        if let Err(e) = worker.compile_all(&registry) {
                            let _ = ready.send(Err(e));
                            return;
                        }
                    }
                    let _ = ready.send(Ok(()));
                    drop(ready);
                    worker.serve(&queue);
                })
                .map_err(ExecutorError::Threads)?;
        }
        drop(ready_tx);
        for _ in 0..count.max(1) {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(ExecutorError::Threads(std::io::Error::other(
                        "a worker thread ended during start-up",
                    )))
                }
            }
        }
        Ok(Threads { jobs })
    }

    fn submit(&self, function: &Function, input: WasiInput, permit: OwnedSemaphorePermit, reply: oneshot::Sender<Outcome>) {
        // Workers only stop when `jobs` is dropped; a failed send drops `reply`, which the
        // caller reports.
        let _ = self.jobs.send(Job {
            function: function.clone(),
            input,
            permit,
            reply,
        });
    }
}

struct Worker {
    engine: Box<dyn Backend>,
    modules: HashMap<String, Result<Box<dyn PreparedModule>, RuntimeError>>,
    artifacts: tempfile::TempDir,
}

impl Worker {
    fn new(backend: BackendId, limits: &Limits) -> Result<Worker, ExecutorError> {
        let engine = backend
            .create(limits)
            .map_err(|source| ExecutorError::Engine { backend, source })?;
        Ok(Worker {
            engine,
            modules: HashMap::new(),
            artifacts: artifact_dir()?,
        })
    }

    fn compile_all(&mut self, registry: &Registry) -> Result<(), ExecutorError> {
        for function in registry.functions() {
            let compiled = self.compile(function).map_err(|source| ExecutorError::Compile {
                name: function.name.clone(),
                path: function.path.clone(),
                source,
            })?;
            self.modules.insert(function.name.clone(), Ok(compiled));
        }
        Ok(())
    }

    fn compile(&self, function: &Function) -> Result<Box<dyn PreparedModule>, RuntimeError> {
        compile(self.engine.as_ref(), &function.wasm, self.artifacts.path(), &function.name, |b, code| {
            b.prepare(code)
        })
    }

    fn serve(&mut self, queue: &Mutex<mpsc::Receiver<Job>>) {
        loop {
            let job = {
                let Ok(queue) = queue.lock() else { return };
                match queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            };
            let cold = !self.modules.contains_key(&job.function.name);
            if cold {
                let compiled = self.compile(&job.function);
                self.modules.insert(job.function.name.clone(), compiled);
            }
            let result = match self.modules.get(&job.function.name) {
                Some(Ok(module)) => self.execute(module.as_ref(), &job.input),
                Some(Err(e)) => Err(e.clone()),
                None => Err(RuntimeError::new(self.engine.id(), ErrorKind::Harness, "module missing")),
            };
            drop(job.permit);
            let _ = job.reply.send(Outcome { result, cold });
        }
    }

    fn execute(&self, module: &dyn PreparedModule, input: &WasiInput) -> Result<Execution, RuntimeError> {
        let instance = match self.engine.create_sandbox()? {
            Some(sandbox) => module.instantiate_in(sandbox, input)?,
            None => module.instantiate(input)?,
        };
        instance.execute()
    }
}
