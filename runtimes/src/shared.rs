//! Backends whose engine, compiled modules and instances may be used from any thread.
//!
//! The plain [`Backend`] family of traits makes no thread-safety promise, because some
//! runtimes cannot keep it (a V8 isolate or a WAMR execution environment belongs to the
//! thread that made it). A server that compiles a module once and runs each request on
//! whichever thread is free needs more: [`BackendId::create_shared`] gives it, for the
//! backends whose types are `Send + Sync` (the Wasmtime family), and `None` for the others,
//! which a caller runs on threads of their own instead.

use std::sync::Arc;

use crate::{Backend, BackendId, ErrorKind, Instance, Limits, ModuleCode, Result, RuntimeError, WasiInput};

/// A [`Backend`] that any thread may use, whose modules any thread may instantiate.
pub trait SharedBackend: Backend + Send + Sync {
    /// Compile (or load) a module once, for instances on any thread.
    fn prepare_shared(&self, code: ModuleCode<'_>) -> Result<Arc<dyn SharedModule>>;
}

/// A compiled module shared between threads.
pub trait SharedModule: Send + Sync {
    /// A fresh instance with its own WASI context; it may be executed on another thread.
    fn instantiate_shared(&self, input: &WasiInput) -> Result<Box<dyn Instance + Send>>;
}

impl BackendId {
    /// Whether [`BackendId::create_shared`] gives a thread-safe engine for this backend.
    pub fn is_shareable(self) -> bool {
        self.family().is_shareable()
    }

    /// Most instances this backend's engine can hold at once, when it has a fixed pool
    /// (`wasmtime-pooling`); `None` when only memory limits it.
    pub fn max_live_instances(self) -> Option<u32> {
        match self {
            #[cfg(feature = "wasmtime")]
            BackendId::WasmtimePooling | BackendId::WasmtimePoolingResident | BackendId::WasmtimePoolingChecked => Some(crate::registry::wasmtime::POOL_INSTANCES),
            _ => None,
        }
    }

    /// This backend's engine in its thread-safe form, or `Ok(None)` for backends whose
    /// engines, modules or instances are tied to one thread.
    pub fn create_shared(self, limits: &Limits) -> Result<Option<Box<dyn SharedBackend>>> {
        if let Some(reason) = self.unavailable_reason() {
            return Err(RuntimeError::new(self, ErrorKind::Unsupported, reason));
        }
        match self.family().shared_constructor() {
            Some(create) => create(self, limits).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(all(test, feature = "wasmtime"))]
mod tests {
    use super::*;
    use crate::test_support::{limits, wasm, HELLO};

    #[test]
    fn wasmtime_modules_compile_once_and_run_on_other_threads() {
        let backend = BackendId::WasmtimePooling
            .create_shared(&limits())
            .expect("engine")
            .expect("wasmtime is shareable");
        let module = backend.prepare_shared(ModuleCode::Wasm(&wasm(HELLO))).expect("compiles");
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let module = Arc::clone(&module);
                std::thread::spawn(move || {
                    let instance = module.instantiate_shared(&WasiInput::default()).expect("instance");
                    instance.execute().expect("runs").stdout
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().expect("thread"), b"hi\n");
        }
    }

    #[test]
    fn thread_bound_backends_are_not_shared() {
        assert!(BackendId::WasmtimeCranelift.is_shareable());
        assert!(!BackendId::V8Liftoff.is_shareable());
        assert!(!BackendId::Wasm3.is_shareable());
    }
}
