//! The inline strategy (`serve --inline`): a function runs on the HTTP thread that read
//! its request, with that thread's own engine and its own compiled copy of the module (made
//! on the thread's first request for it) — no hand-off to a worker thread and back, which
//! costs two thread wake-ups per request (README: "The gateway's cost per request").
//!
//! The price is serving isolation: a function runs to its end (or its deadline) on that
//! thread, and the other connections the thread serves wait meanwhile. Use it with short
//! deadlines. Only for backends whose engines never block on tokio: Wasmtime's and
//! Wasmer's WASI call `block_on` on the ambient runtime, which panics on a runtime thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;
use wasmbench_runtimes::{BackendId, Family, Limits, WasiInput};

use super::threads::Worker;
use super::{ExecutorError, Outcome};
use crate::registry::{Function, Registry};

/// Tells apart the engines of several gateways in one process (tests run several).
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's engine of each inline executor, made on its first request.
    static WORKERS: RefCell<HashMap<u64, Worker>> = RefCell::new(HashMap::new());
}

/// Whether `backend` can run on a tokio runtime thread.
pub fn supports(backend: BackendId) -> bool {
    !matches!(backend.family(), Family::Wasmtime | Family::Wasmer)
}

pub(super) struct Inline {
    id: u64,
    backend: BackendId,
    limits: Limits,
}

impl Inline {
    /// With `eager`, every function is compiled once now, so that a bad module is refused
    /// at start-up (each HTTP thread still compiles its own copy on first use).
    pub(super) fn new(backend: BackendId, limits: Limits, registry: &Arc<Registry>, eager: bool) -> Result<Inline, ExecutorError> {
        if !supports(backend) {
            return Err(ExecutorError::NotInline { backend });
        }
        if eager {
            Worker::new(backend, &limits)?.compile_all(registry)?;
        }
        Ok(Inline {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            backend,
            limits,
        })
    }

    /// Run `function` here and now, holding `permit` until it has stopped.
    pub(super) fn run(&self, function: &Function, input: &WasiInput, permit: OwnedSemaphorePermit) -> Outcome {
        let outcome = WORKERS.with(|workers| {
            let mut workers = workers.borrow_mut();
            let worker = match workers.get_mut(&self.id) {
                Some(worker) => worker,
                None => match Worker::new(self.backend, &self.limits) {
                    Ok(worker) => workers.entry(self.id).or_insert(worker),
                    Err(e) => return Err(e),
                },
            };
            Ok(worker.run(function, input))
        });
        drop(permit);
        outcome.unwrap_or_else(|e| Outcome {
            result: Err(wasmbench_runtimes::RuntimeError::new(
                self.backend,
                wasmbench_runtimes::ErrorKind::Harness,
                e.to_string(),
            )),
            cold: true,
        })
    }
}
