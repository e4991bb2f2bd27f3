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
//! - **inline** (`serve --inline`, per-thread backends that never block on tokio): the
//!   function runs on the HTTP thread that read the request (see `inline.rs`).
//!
//! All take the caller's concurrency permit and hold it until the guest has really
//! stopped, so the cap counts running instances even when the gateway has already
//! answered 504 for an instance that overran.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, OwnedSemaphorePermit};
use wasmbench_runtimes::{Backend, BackendId, ErrorKind, Execution, Limits, ModuleCode, RuntimeError, WasiInput};

use crate::registry::{Function, Registry};

mod inline;
mod shared;
mod threads;

pub use inline::supports as supports_inline;
use inline::Inline;
use shared::Shared;
use threads::Threads;

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
    #[error("--inline needs a backend that runs on the HTTP threads; {backend}'s WASI blocks on tokio (use wasmi, wasm3, wamr-interp or a V8 backend)")]
    NotInline { backend: BackendId },
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
    Inline(Inline),
}

impl Executor {
    /// Create the engine(s) for `backend`; with `eager`, compile every function now.
    /// `threads` is the size of the per-thread pool (backends that are not shareable);
    /// `inline` runs functions on the HTTP threads instead.
    pub fn start(
        backend: BackendId,
        limits: Limits,
        registry: Arc<Registry>,
        threads: usize,
        eager: bool,
        inline: bool,
    ) -> Result<Executor, ExecutorError> {
        let engine_error = |source| ExecutorError::Engine { backend, source };
        let strategy = if inline {
            Strategy::Inline(Inline::new(backend, limits.clone(), &registry, eager)?)
        } else {
            match backend.create_shared(&limits).map_err(engine_error)? {
                Some(engine) => Strategy::Shared(Shared::new(engine.into(), registry, eager)?),
                None => Strategy::Threads(Threads::start(backend, &limits, registry, threads, eager)?),
            }
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

    /// "shared", "per-thread" or "inline".
    pub fn strategy(&self) -> &'static str {
        match self.strategy {
            Strategy::Shared(_) => "shared",
            Strategy::Threads(_) => "per-thread",
            Strategy::Inline(_) => "inline",
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
            Strategy::Inline(inline) => return inline.run(function, &input, permit),
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
