//! Pre-initialization (Wizer): run a module's initialisation function once, at build time,
//! and write its initialised state (memories and globals) out as a new, ordinary module.
//!
//! The snapshot runs on every backend: it is plain WebAssembly whose data segments hold the
//! heap the initialisation built. A request then pays only for instantiating that state
//! and for its own work, not for the start-up (see workloads/README.md, "Pre-initialized
//! modules", for the convention a module follows).
//!
//! The crate `wasmtime-wizer` does the rewriting ([`wasmtime_wizer::Wizer::instrument`] and
//! [`wasmtime_wizer::Wizer::snapshot`]); the initialisation runs in *this* crate's
//! Wasmtime (Cranelift, the features the benchmarked engines have: wasmtime-wizer is used
//! with its default features off, so it turns no Wasmtime feature on), with the host of
//! [`init_host`]: deterministic clocks and randomness, so a snapshot is reproducible byte
//! for byte, and a trap for any request input (environment, arguments, stdin, preopened
//! directories), which a snapshot would otherwise freeze.

mod compact;
mod init_host;
mod state;

use std::time::{Duration, Instant};

use wasmtime::{Config, Engine, Module, Store, Strategy};
use wasmtime_wasi::I32Exit;
use wasmtime_wizer::Wizer;

/// The export a module names its initialisation function by (Wizer's convention).
pub const INIT_FUNC: &str = "wizer-initialize";

/// The export that becomes `_start` in the snapshot when the module has it: an entry point
/// that does not run the constructors a second time (Wizer's convention for WASI commands).
pub const RESUME_FUNC: &str = "wizer.resume";

/// What to pre-initialize and how.
#[derive(Debug, Clone)]
pub struct Preinit {
    /// The export to call (default [`INIT_FUNC`]).
    pub init_func: String,
    /// Exports to rename in the snapshot, `(new name, old name)`. `None`: `_start` becomes
    /// [`RESUME_FUNC`] when the module exports it, nothing otherwise.
    pub renames: Option<Vec<(String, String)>>,
    /// Wall-clock bound of the initialisation function.
    pub deadline: Duration,
    /// Largest linear memory the initialisation may grow to, in bytes.
    pub max_memory_bytes: usize,
}

impl Default for Preinit {
    fn default() -> Self {
        Preinit {
            init_func: INIT_FUNC.to_string(),
            renames: None,
            deadline: Duration::from_secs(60),
            max_memory_bytes: 1 << 30,
        }
    }
}

/// A pre-initialized module and what producing it took.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The new module.
    pub wasm: Vec<u8>,
    /// The renames applied, `(new name, old name)`.
    pub renames: Vec<(String, String)>,
    /// Wall time of instantiation and the initialisation function.
    pub init_time: Duration,
    /// What the initialisation wrote to stdout and stderr.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a module could not be pre-initialized.
#[derive(Debug, thiserror::Error)]
pub enum PreinitError {
    /// The module breaks one of Wizer's rules (imported memories, table mutations, …) or
    /// does not export the initialisation function with type `[] -> []`.
    #[error("cannot pre-initialize this module: {0}")]
    Unsupported(String),
    /// The initialisation function trapped, exited or ran out of time.
    #[error("the initialisation function `{func}` failed: {message}{stderr}")]
    InitFailed { func: String, message: String, stderr: String },
    /// Wasmtime refused the module or its instantiation.
    #[error("wasmtime: {0}")]
    Engine(String),
}

/// Run `wasm`'s initialisation function and return the snapshot.
pub fn preinitialize(wasm: &[u8], options: &Preinit) -> Result<Snapshot, PreinitError> {
    let mut wizer = Wizer::new();
    wizer.init_func(&options.init_func);
    let (cx, instrumented) = wizer.instrument(wasm).map_err(|e| PreinitError::Unsupported(format!("{e:#}")))?;
    let engine = engine()?;
    let module = Module::new(&engine, &instrumented).map_err(|e| PreinitError::Engine(format!("{e:#}")))?;
    check_init_func(&module, &options.init_func)?;
    // Renames apply when the snapshot is written; the compiled module knows its exports.
    let renames = options.renames.clone().unwrap_or_else(|| default_renames(&module));
    for (new, old) in &renames {
        wizer.func_rename(new, old);
    }
    let host = init_host::InitHost::new(options.max_memory_bytes);
    let (stdout, stderr) = (host.stdout(), host.stderr());
    let mut store = Store::new(&engine, host);
    store.limiter(|host| host.limits());
    store.set_epoch_deadline(1);
    let linker = init_host::linker(&engine).map_err(|e| PreinitError::Engine(format!("{e:#}")))?;
    let started = Instant::now();
    let outcome = init_host::with_deadline(&engine, options.deadline, || {
        let instance = linker.instantiate(&mut store, &module).map_err(|e| format!("instantiate: {e:#}"))?;
        run_init(&mut store, &instance, &options.init_func).map(|()| instance)
    });
    let init_time = started.elapsed();
    let (stdout, stderr) = (stdout.contents().to_vec(), stderr.contents().to_vec());
    let instance = outcome.map_err(|message| {
        let stderr = match String::from_utf8_lossy(&stderr).trim() {
            "" => String::new(),
            text => format!("; its stderr: {text}"),
        };
        PreinitError::InitFailed { func: options.init_func.clone(), message, stderr }
    })?;
    let mut state = state::Initialized { store: &mut store, instance };
    let wasm = state::block_on(wizer.snapshot(&cx, &mut state))
        .map_err(|e| PreinitError::Unsupported(format!("snapshot: {e:#}")))?;
    let wasm = compact::drop_empty_passive_segments(&wasm).map_err(|e| PreinitError::Unsupported(format!("snapshot: {e}")))?;
    Ok(Snapshot { wasm, renames, init_time, stdout, stderr })
}

/// `_start` becomes [`RESUME_FUNC`] when the module exports such a function.
fn default_renames(module: &Module) -> Vec<(String, String)> {
    if matches!(module.get_export(RESUME_FUNC), Some(wasmtime::ExternType::Func(_))) {
        vec![("_start".to_string(), RESUME_FUNC.to_string())]
    } else {
        Vec::new()
    }
}

/// The engine the initialisation runs in: Cranelift, bounded by epochs.
fn engine() -> Result<Engine, PreinitError> {
    let mut config = Config::new();
    config.strategy(Strategy::Cranelift);
    config.epoch_interruption(true);
    Engine::new(&config).map_err(|e| PreinitError::Engine(format!("{e:#}")))
}

fn check_init_func(module: &Module, name: &str) -> Result<(), PreinitError> {
    match module.get_export(name) {
        Some(wasmtime::ExternType::Func(ty)) if ty.params().len() == 0 && ty.results().len() == 0 => Ok(()),
        Some(_) => Err(PreinitError::Unsupported(format!("the export `{name}` is not a function of type [] -> []"))),
        None => Err(PreinitError::Unsupported(format!(
            "the module does not export `{name}` (the initialisation function to run before the snapshot)"
        ))),
    }
}

/// Call `_initialize` (a reactor's constructors) when exported, then the init function.
fn run_init(store: &mut Store<init_host::InitHost>, instance: &wasmtime::Instance, func: &str) -> Result<(), String> {
    let reactor = func != "_initialize" && instance.get_func(&mut *store, "_initialize").is_some();
    for name in reactor.then_some("_initialize").into_iter().chain([func]) {
        let f = instance.get_typed_func::<(), ()>(&mut *store, name).map_err(|e| format!("{e:#}"))?;
        if let Err(e) = f.call(&mut *store, ()) {
            return Err(match e.downcast_ref::<I32Exit>() {
                Some(exit) => format!("`{name}` called proc_exit({}) (a snapshot needs the function to return)", exit.0),
                None => format!("`{name}`: {e:#}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
