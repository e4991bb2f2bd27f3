//! The per-thread strategy: a fixed pool of worker threads, each with its own engine and
//! its own compiled copy of each module, made on that thread's first request for it (for
//! backends whose engines are tied to their thread: V8 isolates, WAMR, wasm3).

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, OwnedSemaphorePermit};
use wasmbench_runtimes::{Backend, BackendId, ErrorKind, Execution, Limits, PreparedModule, RuntimeError, WasiInput};

use super::{artifact_dir, compile, ExecutorError, Outcome};
use crate::registry::{Function, Registry};

/// Stack size of per-thread workers: interpreters (wasm3) recurse on the host stack.
const WORKER_STACK: usize = 8 << 20;

struct Job {
    function: Function,
    input: WasiInput,
    permit: OwnedSemaphorePermit,
    reply: oneshot::Sender<Outcome>,
}

pub(super) struct Threads {
    jobs: mpsc::Sender<Job>,
}

impl Threads {
    pub(super) fn start(
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

    pub(super) fn submit(&self, function: &Function, input: WasiInput, permit: OwnedSemaphorePermit, reply: oneshot::Sender<Outcome>) {
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

pub(super) struct Worker {
    engine: Box<dyn Backend>,
    modules: HashMap<String, Result<Box<dyn PreparedModule>, RuntimeError>>,
    artifacts: tempfile::TempDir,
}

impl Worker {
    pub(super) fn new(backend: BackendId, limits: &Limits) -> Result<Worker, ExecutorError> {
        let engine = backend
            .create(limits)
            .map_err(|source| ExecutorError::Engine { backend, source })?;
        Ok(Worker {
            engine,
            modules: HashMap::new(),
            artifacts: artifact_dir()?,
        })
    }

    pub(super) fn compile_all(&mut self, registry: &Registry) -> Result<(), ExecutorError> {
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
            let outcome = self.run(&job.function, &job.input);
            drop(job.permit);
            let _ = job.reply.send(outcome);
        }
    }

    /// Run `function` in a fresh instance, compiling it first on this worker's first
    /// request for it (a cold start).
    pub(super) fn run(&mut self, function: &Function, input: &WasiInput) -> Outcome {
        let cold = !self.modules.contains_key(&function.name);
        if cold {
            let compiled = self.compile(function);
            self.modules.insert(function.name.clone(), compiled);
        }
        let result = match self.modules.get(&function.name) {
            Some(Ok(module)) => self.execute(module.as_ref(), input),
            Some(Err(e)) => Err(e.clone()),
            None => Err(RuntimeError::new(self.engine.id(), ErrorKind::Harness, "module missing")),
        };
        Outcome { result, cold }
    }

    fn execute(&self, module: &dyn PreparedModule, input: &WasiInput) -> Result<Execution, RuntimeError> {
        let instance = match self.engine.create_sandbox()? {
            Some(sandbox) => module.instantiate_in(sandbox, input)?,
            None => module.instantiate(input)?,
        };
        instance.execute()
    }
}
