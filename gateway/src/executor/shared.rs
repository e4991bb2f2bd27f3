//! The shared strategy: one engine, each module compiled (or AOT-loaded) once into a
//! `Send + Sync` module, every request instantiated and run on tokio's blocking pool.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::{oneshot, OnceCell, OwnedSemaphorePermit};
use wasmbench_runtimes::{ErrorKind, RuntimeError, SharedBackend, SharedModule, WasiInput};

use super::{artifact_dir, compile, ExecutorError, Outcome};
use crate::registry::{Function, Registry};

type CompiledShared = Result<Arc<dyn SharedModule>, RuntimeError>;

pub(super) struct Shared {
    engine: Arc<dyn SharedBackend>,
    modules: HashMap<String, Arc<OnceCell<CompiledShared>>>,
    artifacts: Arc<tempfile::TempDir>,
}

impl Shared {
    pub(super) fn new(engine: Arc<dyn SharedBackend>, registry: Arc<Registry>, eager: bool) -> Result<Shared, ExecutorError> {
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

    pub(super) async fn run(
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
