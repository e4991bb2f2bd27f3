//! Wasmtime backends: Cranelift (JIT), Winch (baseline), Pulley (interpreter), AOT
//! (precompiled Cranelift artifact loaded from disk), pooling (pooling allocator) and
//! pooling-resident (the pooling allocator with the settings a production host uses to
//! keep recycling a slot free of system calls: see [`resident_pool`]).
//!
//! All of them resolve imports once in `prepare` (`InstancePre`), give every instance its
//! own WASI preview1 context with in-memory stdio and read-only preopened directories
//! (wasmtime-wasi's `FsPerms::ReadOnly`: mutating calls get `EPERM`), and bound execution
//! with epoch interruption driven by a ticker thread. The compilation cache is not compiled in
//! (wasmtime's `cache` feature is off), so every `prepare` really compiles.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder, Strategy, Trap, TypedFunc,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule,
    Result, RuntimeError, SharedBackend, SharedModule, WasiInput,
};

/// Period of the epoch ticker: the resolution of the execution deadline.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Message wasmtime-wasi's in-memory pipe gives when the output cap is exceeded.
const OUTPUT_CAP_MESSAGE: &str = "write beyond capacity";

/// Instances the pooling allocator has room for at once.
pub(crate) const POOL_INSTANCES: u32 = 128;

pub(crate) fn create(id: BackendId, limits: &Limits) -> Result<Box<dyn Backend>> {
    Ok(Box::new(build(id, limits)?))
}

/// The same engine as [`create`], as a [`SharedBackend`]: every wasmtime type it holds is
/// `Send + Sync`.
pub(crate) fn create_shared(id: BackendId, limits: &Limits) -> Result<Box<dyn SharedBackend>> {
    Ok(Box::new(build(id, limits)?))
}

fn build(id: BackendId, limits: &Limits) -> Result<WasmtimeBackend> {
    let err = |e: wasmtime::Error| RuntimeError::new(id, ErrorKind::Unsupported, format!("{e:#}"));
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.parallel_compilation(true);
    let mut flags = vec!["epoch-interruption".to_string()];
    match id {
        BackendId::WasmtimeCranelift | BackendId::WasmtimeAot => {
            config.strategy(Strategy::Cranelift);
        }
        BackendId::WasmtimeWinch => {
            config.strategy(Strategy::Winch);
        }
        BackendId::WasmtimePulley => {
            config.target("pulley64").map_err(err)?;
        }
        BackendId::WasmtimePooling | BackendId::WasmtimePoolingResident | BackendId::WasmtimePoolingChecked => {
            config.strategy(Strategy::Cranelift);
            let mut pool = pool(limits);
            flags.push(format!("pooling-allocator({POOL_INSTANCES})"));
            if id != BackendId::WasmtimePooling {
                flags.extend(resident_pool(&mut pool));
            }
            if id == BackendId::WasmtimePoolingChecked {
                flags.extend(explicit_bounds_checks(&mut config));
            }
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        #[allow(unreachable_patterns)]
        other => {
            return Err(RuntimeError::new(
                id,
                ErrorKind::Unsupported,
                format!("{other} is not a wasmtime backend"),
            ))
        }
    }
    let engine = Engine::new(&config).map_err(err)?;
    let mut linker: Linker<Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx: &mut Ctx| &mut ctx.wasi).map_err(err)?;
    linker
        .func_wrap("bench", "start", |mut caller: wasmtime::Caller<'_, Ctx>| caller.data_mut().bench.start())
        .and_then(|l| {
            l.func_wrap("bench", "end", |mut caller: wasmtime::Caller<'_, Ctx>| caller.data_mut().bench.end())
        })
        .map_err(err)?;
    let ticker = Ticker::start(engine.clone());
    Ok(WasmtimeBackend {
        id,
        engine,
        linker: Arc::new(linker),
        limits: limits.clone(),
        flags,
        _ticker: ticker,
    })
}

/// The pooling allocator's slots: [`POOL_INSTANCES`] instances, memories and tables, each
/// memory up to the memory limit.
fn pool(limits: &Limits) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::default();
    let max_memory = usize::try_from(limits.max_memory_bytes).unwrap_or(usize::MAX);
    pool.total_core_instances(POOL_INSTANCES)
        .total_memories(POOL_INSTANCES)
        .total_tables(POOL_INSTANCES)
        .max_memory_size(max_memory);
    pool
}

/// Bytes of a recycled linear memory reset in place (`memset`/`memcpy` of its dirty pages)
/// rather than given back with `madvise(MADV_DONTNEED)`.
pub(crate) const MEMORY_KEEP_RESIDENT: usize = 16 << 20;

/// The same for a recycled table.
pub(crate) const TABLE_KEEP_RESIDENT: usize = 1 << 20;

/// Production settings of the pooling allocator (as hosts that recycle slots at a high
/// rate configure it): a recycled slot's memory and table stay resident and are reset in
/// place — with the kernel's `PAGEMAP_SCAN` (Linux ≥ 6.7), only the pages the guest
/// dirtied — instead of `madvise(MADV_DONTNEED)`, which unmaps the pages (a TLB
/// shootdown to every core running the process's threads) and makes the next instance
/// fault them in again. Copy-on-write memory images are Wasmtime's default and stay on.
/// Returns the flags that say so.
fn resident_pool(pool: &mut PoolingAllocationConfig) -> Vec<String> {
    pool.linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
        .table_keep_resident(TABLE_KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    let scan = if PoolingAllocationConfig::is_pagemap_scan_available() {
        "pagemap-scan"
    } else {
        "pagemap-scan-unavailable"
    };
    vec![
        format!("memory-keep-resident({} MiB)", MEMORY_KEEP_RESIDENT >> 20),
        format!("table-keep-resident({} MiB)", TABLE_KEEP_RESIDENT >> 20),
        scan.to_string(),
        "memory-init-cow".to_string(),
    ]
}

/// Bounds checks in the generated code instead of guard pages and signal handlers: a
/// recycled memory slot then keeps the protection of the pages its last instance grew
/// into, so recycling needs no `mprotect` (whose narrowing of a resident range is a TLB
/// shootdown to the other cores). Wasmtime requires the Spectre mitigation of heap and
/// table accesses to be off without signals-based traps (it relies on a faulting load).
fn explicit_bounds_checks(config: &mut Config) -> Vec<String> {
    config.signals_based_traps(false).memory_guard_size(0);
    // SAFETY: these two Cranelift settings exist in Wasmtime 48, and Wasmtime refuses to
    // build an engine without signals-based traps unless both are off.
    unsafe {
        config
            .cranelift_flag_set("enable_heap_access_spectre_mitigation", "false")
            .cranelift_flag_set("enable_table_access_spectre_mitigation", "false");
    }
    vec![
        "explicit-bounds-checks".to_string(),
        "no-guard-pages".to_string(),
        "no-spectre-heap-mitigation".to_string(),
    ]
}

/// Increments the engine's epoch every [`EPOCH_TICK`] until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("wasmtime-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| warn_no_ticker(&e));
        Ticker { stop }
    }
}

/// Without a ticker the deadline cannot fire; say so on stderr rather than failing.
fn warn_no_ticker(e: &std::io::Error) {
    eprintln!("wasmbench: could not start the epoch ticker thread ({e}); deadlines disabled");
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Ctx {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
    bench: BenchClock,
}

struct WasmtimeBackend {
    id: BackendId,
    engine: Engine,
    linker: Arc<Linker<Ctx>>,
    limits: Limits,
    flags: Vec<String>,
    _ticker: Ticker,
}

impl WasmtimeBackend {
    fn error(&self, kind: ErrorKind, e: impl std::fmt::Display) -> RuntimeError {
        RuntimeError::new(self.id, kind, e.to_string())
    }

    fn load(&self, code: ModuleCode<'_>) -> Result<Module> {
        match (self.id, code) {
            (BackendId::WasmtimeAot, ModuleCode::Artifact(path)) => self.deserialize(path),
            (BackendId::WasmtimeAot, ModuleCode::Wasm(_)) => Err(self.error(
                ErrorKind::Unsupported,
                "wasmtime-aot loads precompiled artifacts only: precompile the module first",
            )),
            (_, ModuleCode::Wasm(wasm)) => Module::new(&self.engine, wasm)
                .map_err(|e| {
                    let message = format!("{e:#}");
                    // The pooling allocator checks a module's memories against its slots
                    // when compiling it: too big a memory is a limit, not a bad module.
                    let kind = if message.contains("pooling allocator") && message.contains("exceeds the limit") {
                        ErrorKind::ResourceLimit
                    } else {
                        ErrorKind::Invalid
                    };
                    self.error(kind, message)
                }),
            (_, ModuleCode::Artifact(_)) => Err(self.error(
                ErrorKind::Unsupported,
                "only wasmtime-aot loads precompiled artifacts",
            )),
        }
    }

    fn deserialize(&self, path: &Path) -> Result<Module> {
        // SAFETY: `deserialize_file` trusts the file to be an artifact produced by
        // `Engine::precompile_module` of a compatible engine. wasmbench only passes files
        // written by `precompile` of this very backend (same configuration), and wasmtime
        // itself checks the header, version and engine configuration before use.
        unsafe { Module::deserialize_file(&self.engine, path) }.map_err(|e| {
            self.error(
                ErrorKind::Invalid,
                format!("loading artifact {}: {e:#}", path.display()),
            )
        })
    }
}

impl Backend for WasmtimeBackend {
    fn id(&self) -> BackendId {
        self.id
    }

    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }

    fn precompile(&self, wasm: &[u8]) -> Result<Option<Vec<u8>>> {
        if self.id != BackendId::WasmtimeAot {
            return Ok(None);
        }
        self.engine
            .precompile_module(wasm)
            .map(Some)
            .map_err(|e| self.error(ErrorKind::Invalid, format!("{e:#}")))
    }

    fn prepare(&self, code: ModuleCode<'_>) -> Result<Box<dyn PreparedModule>> {
        Ok(Box::new(self.prepare_module(code)?))
    }
}

impl SharedBackend for WasmtimeBackend {
    fn prepare_shared(&self, code: ModuleCode<'_>) -> Result<Arc<dyn SharedModule>> {
        Ok(Arc::new(self.prepare_module(code)?))
    }
}

impl WasmtimeBackend {
    fn prepare_module(&self, code: ModuleCode<'_>) -> Result<WasmtimeModule> {
        let module = self.load(code)?;
        match module.get_export("_start") {
            Some(wasmtime::ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {}
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
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| self.error(ErrorKind::Unlinkable, format!("{e:#}")))?;
        Ok(WasmtimeModule {
            id: self.id,
            engine: self.engine.clone(),
            pre,
            limits: self.limits.clone(),
        })
    }
}

struct WasmtimeModule {
    id: BackendId,
    engine: Engine,
    pre: InstancePre<Ctx>,
    limits: Limits,
}

impl WasmtimeModule {
    fn deadline_ticks(&self) -> u64 {
        let ticks = self.limits.deadline.as_nanos() / EPOCH_TICK.as_nanos();
        u64::try_from(ticks).unwrap_or(u64::MAX).saturating_add(1)
    }
}

impl PreparedModule for WasmtimeModule {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        Ok(Box::new(self.new_instance(input)?))
    }
}

impl SharedModule for WasmtimeModule {
    fn instantiate_shared(&self, input: &WasiInput) -> Result<Box<dyn Instance + Send>> {
        Ok(Box::new(self.new_instance(input)?))
    }
}

impl WasmtimeModule {
    /// The guest's WASI preview1 context: argv, env, in-memory stdio and the preopens.
    fn wasi_ctx(
        &self,
        input: &WasiInput,
        stdout: &MemoryOutputPipe,
        stderr: &MemoryOutputPipe,
    ) -> Result<WasiP1Ctx> {
        let mut builder = WasiCtxBuilder::new();
        builder
            .arg("module.wasm")
            .args(&input.args)
            .envs(&input.env)
            .stdin(MemoryInputPipe::new(input.stdin.clone()))
            .stdout(stdout.clone())
            .stderr(stderr.clone());
        // Read-only: wasmtime-wasi opens the directory and every file under it without
        // write access and refuses every mutating call; cap-std keeps `..`, absolute paths
        // and symlinks inside the directory.
        for preopen in &input.preopens {
            builder
                .preopened_dir(&preopen.host, &preopen.guest, FsPerms::ReadOnly)
                .map_err(|e| {
                    RuntimeError::new(
                        self.id,
                        ErrorKind::Io,
                        format!("preopen {}: {e:#}", preopen.host.display()),
                    )
                })?;
        }
        Ok(builder.build_p1())
    }

    fn new_instance(&self, input: &WasiInput) -> Result<WasmtimeInstance> {
        for preopen in &input.preopens {
            preopen.check(self.id)?;
        }
        let stdout = MemoryOutputPipe::new(self.limits.max_output_bytes);
        let stderr = MemoryOutputPipe::new(self.limits.max_output_bytes);
        let wasi = self.wasi_ctx(input, &stdout, &stderr)?;
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(self.limits.max_memory_bytes).unwrap_or(usize::MAX))
            // `memory.grow` past the cap returns -1, as the spec says and as every other
            // backend does; the guest decides what to do about it.
            .trap_on_grow_failure(false)
            .build();
        let mut store = Store::new(
            &self.engine,
            Ctx {
                wasi,
                limits,
                bench: BenchClock::default(),
            },
        );
        store.limiter(|ctx| &mut ctx.limits);
        store.set_epoch_deadline(self.deadline_ticks());
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| classify(self.id, e, "instantiate"))?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|e| RuntimeError::new(self.id, ErrorKind::Invalid, format!("{e:#}")))?;
        Ok(WasmtimeInstance {
            id: self.id,
            max_output: self.limits.max_output_bytes,
            ticks: self.deadline_ticks(),
            store,
            start,
            stdout,
            stderr,
        })
    }
}

struct WasmtimeInstance {
    id: BackendId,
    max_output: usize,
    ticks: u64,
    store: Store<Ctx>,
    start: TypedFunc<(), ()>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl Instance for WasmtimeInstance {
    fn execute(mut self: Box<Self>) -> Result<Execution> {
        self.store.set_epoch_deadline(self.ticks);
        let outcome = self.start.call(&mut self.store, ());
        // Each pipe's contents are copied once, here.
        let (stdout, stderr) = (self.stdout.contents().to_vec(), self.stderr.contents().to_vec());
        // A full output pipe makes the guest's writes fail (EIO) rather than trap: a guest
        // that wrote up to the cap hit the output limit, whatever happened next.
        for (name, bytes) in [("stdout", &stdout), ("stderr", &stderr)] {
            if bytes.len() >= self.max_output {
                return Err(RuntimeError::new(
                    self.id,
                    ErrorKind::ResourceLimit,
                    format!("execute: {name} reached the output cap of {} bytes", self.max_output),
                ));
            }
        }
        let exit_code = match outcome {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => exit.0,
                None => return Err(classify(self.id, e, "execute")),
            },
        };
        let bench_region_ns = self.store.data().bench.region_ns();
        drop(self.store);
        Ok(Execution {
            exit_code,
            stdout,
            stderr,
            engine_heap_bytes: None,
            bench_region_ns,
        })
    }
}

/// Map a wasmtime error during instantiation or execution onto an [`ErrorKind`].
fn classify(id: BackendId, e: wasmtime::Error, phase: &str) -> RuntimeError {
    // Root cause first (e.g. "wasm `unreachable` instruction executed"), then the
    // runtime's full report with the wasm backtrace.
    let message = format!("{phase}: {}\n{e:?}", e.root_cause());
    let kind = match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) | Some(Trap::OutOfFuel) => ErrorKind::Timeout,
        Some(_) => ErrorKind::Trap,
        None if message.contains(OUTPUT_CAP_MESSAGE) => ErrorKind::ResourceLimit,
        None if message.contains("exceeds memory limits")
            || message.contains("exceeds the limit of")
            || message.contains("growing memory")
            || message.contains("memory minimum size") =>
        {
            ErrorKind::ResourceLimit
        }
        None => ErrorKind::Trap,
    };
    let message = if kind == ErrorKind::Timeout {
        format!("{phase}: deadline exceeded (epoch interruption)")
    } else {
        message
    };
    RuntimeError::new(id, kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{limits, wasm, HELLO};
    use crate::run_once;

    #[test]
    fn every_wasmtime_backend_runs_hello() {
        for &id in BackendId::ALL.iter().filter(|b| b.family() == "wasmtime") {
            let backend = id.create(&limits()).expect("engine");
            let out = run_once(backend.as_ref(), &wasm(HELLO), &WasiInput::default())
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(out.stdout, b"hi\n", "{id}");
            assert_eq!(out.exit_code, 0, "{id}");
        }
    }

    #[test]
    fn proc_exit_is_a_result_and_loop_is_a_timeout() {
        let exit = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 3))))"#;
        let spin = r#"(module (memory (export "memory") 1)
          (func (export "_start") (loop $l (br $l))))"#;
        let backend = BackendId::WasmtimeCranelift.create(&limits()).expect("engine");
        let out = run_once(backend.as_ref(), &wasm(exit), &WasiInput::default()).expect("runs");
        assert_eq!(out.exit_code, 3);
        let err = run_once(backend.as_ref(), &wasm(spin), &WasiInput::default())
            .expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    }

    #[test]
    fn aot_needs_an_artifact_and_jit_refuses_one() {
        let aot = BackendId::WasmtimeAot.create(&limits()).expect("engine");
        let err = aot.prepare(ModuleCode::Wasm(&wasm(HELLO))).err().expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported);
        let jit = BackendId::WasmtimeCranelift.create(&limits()).expect("engine");
        assert_eq!(jit.precompile(&wasm(HELLO)).expect("no-op"), None);
    }
}
