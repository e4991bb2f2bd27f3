//! The adapter layer: one safe trait family, one implementation per WebAssembly backend.
//!
//! Every backend runs the same WASI preview1 command module (`_start`, input from env vars
//! and stdin, output on stdout) through three separately callable phases, so that the
//! harness — never the backend — times each of them:
//!
//! 1. [`Backend::prepare`]: compile the module (or, for AOT backends, load the artifact
//!    that [`Backend::precompile`] produced earlier);
//! 2. [`PreparedModule::instantiate`]: a fresh instance with its own WASI context;
//! 3. [`Instance::execute`]: run `_start` and collect exit code, stdout and stderr.
//!
//! Backends are picked by name through [`BackendId`]; each [`Family`] lives in its own file
//! (or folder) behind a cargo feature, declared by one row of the registry.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use wasmbench_data::{BackendKind, ErrorKind};

mod capture;
pub mod module_info;
// Pre-initialization (Wizer snapshots), run in this crate's Wasmtime.
#[cfg(feature = "wasmtime")]
pub mod preinit;
// Declares the module of every runtime family (src/<family>.rs or src/<family>/), each
// behind its cargo feature: see the `families!` table there.
mod registry;
mod shared;
#[cfg(test)]
mod test_support;
mod watchdog;
// The shared WASI preview1 host of the wasm3 and V8 backends.
#[cfg(any(feature = "wasm3", feature = "v8"))]
mod wasi_host;

pub use module_info::ModuleInfo;
pub use registry::{BackendId, Family, UnknownBackend};
pub use shared::{SharedBackend, SharedModule};

/// Limits every backend honours (or refuses to run with, saying so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock deadline of one `execute` call.
    pub deadline: Duration,
    /// Largest linear memory an instance may grow to, in bytes.
    pub max_memory_bytes: u64,
    /// Bytes of stdout (and, separately, stderr) kept; writing more fails the execution
    /// with [`ErrorKind::ResourceLimit`].
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_secs(10),
            max_memory_bytes: 1 << 30,
            max_output_bytes: 1 << 20,
        }
    }
}

/// The per-instance WASI context: what the guest sees as its environment and stdin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiInput {
    /// Program arguments; `argv[0]` is added by the backend.
    pub args: Vec<String>,
    /// Environment variables, in order.
    pub env: Vec<(String, String)>,
    /// The whole of stdin.
    pub stdin: Vec<u8>,
    /// Host directories the guest may read, each at a guest path (`.`, `/`, `/data`, …),
    /// in this order (the first is fd 3). Read-only on every backend: writes, creates,
    /// renames and unlinks get an errno, and no path reaches outside the directory.
    pub preopens: Vec<Preopen>,
}

/// A host directory given to the guest, read-only, under a guest path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The directory on the host.
    pub host: PathBuf,
    /// The name the guest sees (`fd_prestat_dir_name`).
    pub guest: String,
}

impl Preopen {
    pub fn new(host: impl Into<PathBuf>, guest: impl Into<String>) -> Preopen {
        Preopen {
            host: host.into(),
            guest: guest.into(),
        }
    }

    /// The host directory exists and is a directory: the error names it if not.
    pub fn check(&self, backend: BackendId) -> Result<()> {
        match std::fs::metadata(&self.host) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(RuntimeError::new(
                backend,
                ErrorKind::Io,
                format!("preopen {}: not a directory", self.host.display()),
            )),
            Err(e) => Err(RuntimeError::new(
                backend,
                ErrorKind::Io,
                format!("preopen {}: {e}", self.host.display()),
            )),
        }
    }
}

/// What one execution of `_start` produced. A non-zero exit code (from `proc_exit`) is a
/// result, not an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Execution {
    pub exit_code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes of the engine's own managed heap in use by this instance after `_start`,
    /// where the engine has one and tells (V8: the isolate's JS heap).
    pub engine_heap_bytes: Option<u64>,
    /// Nanoseconds between the guest's calls of `bench.start` and `bench.end`
    /// (sightglass-style modules; summed over repeated regions), if it made them.
    pub bench_region_ns: Option<u64>,
}

/// The `bench.start` / `bench.end` imports of sightglass-style modules: the guest marks the
/// region it wants timed, the host times it. Backends that provide them keep one per instance.
#[derive(Debug, Default, Clone)]
pub(crate) struct BenchClock {
    started: Option<std::time::Instant>,
    total: Option<Duration>,
}

#[allow(dead_code)] // used by the backends that provide the `bench` imports
impl BenchClock {
    pub(crate) fn start(&mut self) {
        self.started = Some(std::time::Instant::now());
    }

    pub(crate) fn end(&mut self) {
        if let Some(started) = self.started.take() {
            self.total = Some(self.total.unwrap_or_default() + started.elapsed());
        }
    }

    pub(crate) fn region_ns(&self) -> Option<u64> {
        self.total.map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Where a module's code comes from.
#[derive(Debug, Clone, Copy)]
pub enum ModuleCode<'a> {
    /// WebAssembly binary to compile.
    Wasm(&'a [u8]),
    /// An artifact written by [`Backend::precompile`] of the same backend.
    Artifact(&'a Path),
}

/// Error from a backend, classified by [`ErrorKind`] and carrying the runtime's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{backend}: {kind}: {message}")]
pub struct RuntimeError {
    pub backend: BackendId,
    pub kind: ErrorKind,
    pub message: String,
}

impl RuntimeError {
    pub fn new(backend: BackendId, kind: ErrorKind, message: impl Into<String>) -> Self {
        RuntimeError {
            backend,
            kind,
            message: message.into(),
        }
    }
}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;

/// An engine of one backend, configured with its [`Limits`]. Creating it is the
/// "engine" phase of a cold start.
pub trait Backend {
    fn id(&self) -> BackendId;

    /// Configuration flags that matter when comparing numbers (e.g. `epoch-interruption`).
    fn flags(&self) -> Vec<String> {
        Vec::new()
    }

    /// AOT backends compile `wasm` into an artifact that [`ModuleCode::Artifact`] loads
    /// later; other backends return `Ok(None)`.
    fn precompile(&self, wasm: &[u8]) -> Result<Option<Vec<u8>>> {
        let _ = wasm;
        Ok(None)
    }

    /// Compile (or load) a module and resolve its imports.
    fn prepare(&self, code: ModuleCode<'_>) -> Result<Box<dyn PreparedModule>>;

    /// Backends that run every instance inside a sandbox of its own that is costly to
    /// create (a V8 isolate) create one here, so that the harness times it as a phase of
    /// its own and hands it to [`PreparedModule::instantiate_in`]. Others return `None`.
    fn create_sandbox(&self) -> Result<Option<Box<dyn Sandbox>>> {
        Ok(None)
    }
}

/// A per-instance sandbox made by [`Backend::create_sandbox`] (e.g. a V8 isolate with
/// its context). Only the backend that made it knows its concrete type.
pub trait Sandbox {
    /// For the backend to recover its concrete type.
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any>;
}

/// A compiled module, ready to be instantiated any number of times.
pub trait PreparedModule {
    /// A fresh instance with its own WASI context built from `input`.
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>>;

    /// A fresh instance inside `sandbox`, which the same backend's
    /// [`Backend::create_sandbox`] made. Backends without sandboxes never get here.
    fn instantiate_in(&self, sandbox: Box<dyn Sandbox>, input: &WasiInput) -> Result<Box<dyn Instance>> {
        drop(sandbox);
        self.instantiate(input)
    }
}

/// A live instance whose `_start` has not run yet.
pub trait Instance {
    /// Run `_start` under the backend's deadline and collect the output.
    fn execute(self: Box<Self>) -> Result<Execution>;
}

/// Compile, instantiate and execute in one go: the convenience path for tools and tests
/// that do not time phases.
pub fn run_once(backend: &dyn Backend, wasm: &[u8], input: &WasiInput) -> Result<Execution> {
    let io_error = |what: &str, e: std::io::Error| {
        RuntimeError::new(backend.id(), ErrorKind::Io, format!("{what}: {e}"))
    };
    let module = match backend.precompile(wasm)? {
        None => backend.prepare(ModuleCode::Wasm(wasm))?,
        Some(artifact) => {
            let dir = tempfile::tempdir().map_err(|e| io_error("creating a temporary folder", e))?;
            let path = dir.path().join("module.artifact");
            std::fs::write(&path, artifact).map_err(|e| io_error("writing the artifact", e))?;
            backend.prepare(ModuleCode::Artifact(&path))?
        }
    };
    let instance = match backend.create_sandbox()? {
        Some(sandbox) => module.instantiate_in(sandbox, input)?,
        None => module.instantiate(input)?,
    };
    instance.execute()
}

/// Runtime crate → exact version, for every runtime compiled into this binary.
pub fn runtime_versions() -> std::collections::BTreeMap<String, String> {
    BackendId::available()
        .into_iter()
        .map(|b| (b.runtime_crate().to_string(), b.runtime_version().to_string()))
        .collect()
}
