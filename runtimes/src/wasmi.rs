//! wasmi backends: the register-machine interpreter with eager translation (`wasmi`) and
//! with lazy translation (`wasmi-lazy`, functions translated on their first call, so part
//! of the translation cost moves from `prepare` into `execute`).
//!
//! wasmi has no epoch interruption; the deadline uses fuel metering in slices: `_start`
//! runs with [`FUEL_SLICE`] units of fuel, and each time they run out the wall clock is
//! checked before the call is resumed with a fresh slice. Metering costs some execution
//! speed, reported as the `fuel-metering` flag. WASI preview1 comes from `wasmi_wasi`
//! (wasi-common) with in-memory stdio; preopened directories are read-only through the
//! wrapper in `wasmi/readonly.rs` (wasi-common has no read-only flag of its own).

use std::time::Instant;

use wasmi::errors::ErrorKind as WasmiErrorKind;
use wasmi::{
    CompilationMode, Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder,
    TypedFunc, TypedResumableCall,
};
use wasmi_wasi::sync::WasiCtxBuilder;
use wasmi_wasi::wasi_common::pipe::{ReadPipe, WritePipe};
use wasmi_wasi::WasiCtx;

use crate::capture::CappedOutput;
use crate::{
    Backend, BackendId, BenchClock, ErrorKind, Execution, Instance, Limits, ModuleCode, PreparedModule,
    Result, RuntimeError, WasiInput,
};

// The registry declares this module with `#[path]`, so submodule paths start at src/.
#[path = "wasmi/readonly.rs"]
mod readonly;

/// Fuel per slice between two deadline checks (roughly 10–30 ms of interpretation).
const FUEL_SLICE: u64 = 20_000_000;

pub(crate) fn create(id: BackendId, limits: &Limits) -> Result<Box<dyn Backend>> {
    let mode = match id {
        BackendId::Wasmi => CompilationMode::Eager,
        BackendId::WasmiLazy => CompilationMode::Lazy,
        other => {
            return Err(RuntimeError::new(
                id,
                ErrorKind::Unsupported,
                format!("{other} is not a wasmi backend"),
            ))
        }
    };
    let mut config = Config::default();
    config.compilation_mode(mode).consume_fuel(true);
    let engine = Engine::new(&config);
    let mut linker = Linker::<Ctx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx: &mut Ctx| &mut ctx.wasi)
        .map_err(|e| RuntimeError::new(id, ErrorKind::Unsupported, e.to_string()))?;
    linker
        .func_wrap("bench", "start", |mut caller: wasmi::Caller<'_, Ctx>| caller.data_mut().bench.start())
        .and_then(|l| {
            l.func_wrap("bench", "end", |mut caller: wasmi::Caller<'_, Ctx>| caller.data_mut().bench.end())
        })
        .map_err(|e| RuntimeError::new(id, ErrorKind::Unsupported, e.to_string()))?;
    let translation = if id == BackendId::Wasmi { "eager" } else { "lazy" };
    Ok(Box::new(WasmiBackend {
        id,
        engine,
        linker,
        limits: limits.clone(),
        flags: vec![
            format!("translation={translation}"),
            format!("fuel-metering(slice={FUEL_SLICE})"),
        ],
    }))
}

struct Ctx {
    wasi: WasiCtx,
    limits: StoreLimits,
    bench: BenchClock,
}

struct WasmiBackend {
    id: BackendId,
    engine: Engine,
    linker: Linker<Ctx>,
    limits: Limits,
    flags: Vec<String>,
}

impl Backend for WasmiBackend {
    fn id(&self) -> BackendId {
        self.id
    }

    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }

    fn prepare(&self, code: ModuleCode<'_>) -> Result<Box<dyn PreparedModule>> {
        let err = |kind, msg: String| RuntimeError::new(self.id, kind, msg);
        let ModuleCode::Wasm(wasm) = code else {
            return Err(err(
                ErrorKind::Unsupported,
                "wasmi interprets modules; it loads no precompiled artifacts".into(),
            ));
        };
        let module = Module::new(&self.engine, wasm).map_err(|e| err(ErrorKind::Invalid, e.to_string()))?;
        match module.get_export("_start").as_ref().and_then(|e| e.func()) {
            Some(f) if f.params().is_empty() && f.results().is_empty() => {}
            Some(_) => {
                return Err(err(
                    ErrorKind::Invalid,
                    "export `_start` is not a function of type [] -> []".into(),
                ))
            }
            None => {
                return Err(err(
                    ErrorKind::Invalid,
                    "module exports no `_start` function (not a WASI command)".into(),
                ))
            }
        }
        Ok(Box::new(WasmiModule {
            id: self.id,
            engine: self.engine.clone(),
            linker: self.linker.clone(),
            module,
            limits: self.limits.clone(),
        }))
    }
}

struct WasmiModule {
    id: BackendId,
    engine: Engine,
    linker: Linker<Ctx>,
    module: Module,
    limits: Limits,
}

impl WasmiModule {
    /// Gives the guest every preopen, read-only, in order (the first is fd 3).
    fn preopen(&self, wasi: &WasiCtx, input: &WasiInput) -> Result<()> {
        for preopen in &input.preopens {
            let failed = |e: &dyn std::fmt::Display| {
                RuntimeError::new(
                    self.id,
                    ErrorKind::Io,
                    format!("preopen {}: {e}", preopen.host.display()),
                )
            };
            let dir = readonly::open(&preopen.host).map_err(|e| failed(&e))?;
            wasi.push_preopened_dir(dir, &preopen.guest).map_err(|e| failed(&e))?;
        }
        Ok(())
    }
}

impl PreparedModule for WasmiModule {
    fn instantiate(&self, input: &WasiInput) -> Result<Box<dyn Instance>> {
        for preopen in &input.preopens {
            preopen.check(self.id)?;
        }
        let err = |kind, msg: String| RuntimeError::new(self.id, kind, msg);
        let stdout = CappedOutput::new(self.limits.max_output_bytes);
        let stderr = CappedOutput::new(self.limits.max_output_bytes);
        let mut builder = WasiCtxBuilder::new();
        builder
            .arg("module.wasm")
            .and_then(|b| b.args(&input.args))
            .and_then(|b| b.envs(&input.env))
            .map_err(|e| err(ErrorKind::ResourceLimit, format!("WASI args/env: {e}")))?;
        builder
            .stdin(Box::new(ReadPipe::from(input.stdin.clone())))
            .stdout(Box::new(WritePipe::new(stdout.clone())))
            .stderr(Box::new(WritePipe::new(stderr.clone())));
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(self.limits.max_memory_bytes).unwrap_or(usize::MAX))
            // `memory.grow` past the cap returns -1 (the spec's answer, as on every other
            // backend); the guest decides what to do about it.
            .trap_on_grow_failure(false)
            .build();
        let wasi = builder.build();
        self.preopen(&wasi, input)?;
        let mut store = Store::new(
            &self.engine,
            Ctx {
                wasi,
                limits,
                bench: BenchClock::default(),
            },
        );
        store.limiter(|ctx| &mut ctx.limits);
        // A start function runs inside instantiation, where the call cannot be resumed:
        // it gets one slice of fuel, and running out of it is reported as a timeout.
        store
            .set_fuel(FUEL_SLICE)
            .map_err(|e| err(ErrorKind::Unsupported, e.to_string()))?;
        let instance = self
            .linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| classify(self.id, &e, "instantiate"))?;
        let start = instance
            .get_typed_func::<(), ()>(&store, "_start")
            .map_err(|e| err(ErrorKind::Invalid, e.to_string()))?;
        Ok(Box::new(WasmiInstance {
            id: self.id,
            deadline: self.limits.deadline,
            store,
            start,
            stdout,
            stderr,
        }))
    }
}

struct WasmiInstance {
    id: BackendId,
    deadline: std::time::Duration,
    store: Store<Ctx>,
    start: TypedFunc<(), ()>,
    stdout: CappedOutput,
    stderr: CappedOutput,
}

impl Instance for WasmiInstance {
    fn execute(mut self: Box<Self>) -> Result<Execution> {
        let began = Instant::now();
        let fuel_error = |e: wasmi::Error| RuntimeError::new(self.id, ErrorKind::Unsupported, e.to_string());
        self.store.set_fuel(FUEL_SLICE).map_err(fuel_error)?;
        let mut call = self.start.call_resumable(&mut self.store, ());
        let exit_code = loop {
            match call {
                Ok(TypedResumableCall::Finished(())) => break 0,
                Ok(TypedResumableCall::OutOfFuel(invocation)) => {
                    if began.elapsed() >= self.deadline {
                        return Err(RuntimeError::new(
                            self.id,
                            ErrorKind::Timeout,
                            "execute: deadline exceeded (fuel-sliced wall-clock check)",
                        ));
                    }
                    self.store.set_fuel(FUEL_SLICE).map_err(fuel_error)?;
                    call = invocation.resume(&mut self.store);
                }
                Ok(TypedResumableCall::HostTrap(invocation)) => {
                    match invocation.host_error().i32_exit_status() {
                        Some(code) => break code,
                        None => return Err(self.failure(invocation.host_error())),
                    }
                }
                Err(error) => match error.i32_exit_status() {
                    Some(code) => break code,
                    None => return Err(self.failure(&error)),
                },
            }
        };
        if self.stdout.overflowed() || self.stderr.overflowed() {
            return Err(RuntimeError::new(
                self.id,
                ErrorKind::ResourceLimit,
                "execute: output cap exceeded",
            ));
        }
        Ok(Execution {
            exit_code,
            stdout: self.stdout.take(),
            stderr: self.stderr.take(),
            engine_heap_bytes: None,
            bench_region_ns: self.store.data().bench.region_ns(),
        })
    }
}

impl WasmiInstance {
    fn failure(&self, error: &wasmi::Error) -> RuntimeError {
        if self.stdout.overflowed() || self.stderr.overflowed() {
            return RuntimeError::new(self.id, ErrorKind::ResourceLimit, "execute: output cap exceeded");
        }
        classify(self.id, error, "execute")
    }
}

fn classify(id: BackendId, error: &wasmi::Error, phase: &str) -> RuntimeError {
    let kind = match error.kind() {
        WasmiErrorKind::Linker(_) => ErrorKind::Unlinkable,
        WasmiErrorKind::Memory(_) | WasmiErrorKind::Table(_) => ErrorKind::ResourceLimit,
        WasmiErrorKind::Fuel(_) => ErrorKind::Timeout,
        WasmiErrorKind::TrapCode(wasmi::TrapCode::OutOfFuel) => ErrorKind::Timeout,
        WasmiErrorKind::TrapCode(wasmi::TrapCode::GrowthOperationLimited) => {
            ErrorKind::ResourceLimit
        }
        // A memory or table the limiter refused is a limit, whatever step reported it.
        WasmiErrorKind::Instantiation(_) if error.to_string().contains("resource limiter denied") => {
            ErrorKind::ResourceLimit
        }
        WasmiErrorKind::Instantiation(_) => ErrorKind::Unlinkable,
        _ => ErrorKind::Trap,
    };
    RuntimeError::new(id, kind, format!("{phase}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::wasm;
    use crate::run_once;

    fn limits() -> Limits {
        Limits {
            max_output_bytes: 64,
            ..crate::test_support::limits()
        }
    }

    const ECHO: &str = r#"(module
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 32))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

    #[test]
    fn both_modes_echo_stdin() {
        for id in [BackendId::Wasmi, BackendId::WasmiLazy] {
            let backend = id.create(&limits()).expect("engine");
            let input = WasiInput {
                stdin: b"ping".to_vec(),
                ..WasiInput::default()
            };
            let out = run_once(backend.as_ref(), &wasm(ECHO), &input).expect("runs");
            assert_eq!(out.stdout, b"ping", "{id}");
        }
    }

    #[test]
    fn errors_are_classified() {
        let backend = BackendId::Wasmi.create(&limits()).expect("engine");
        let run = |text: &str| run_once(backend.as_ref(), &wasm(text), &WasiInput::default());
        let exit = run(r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
            (memory (export "memory") 1) (func (export "_start") (call $e (i32.const 3))))"#);
        assert_eq!(exit.expect("exit is a result").exit_code, 3);
        let kind = |text: &str| run(text).expect_err("fails").kind;
        assert_eq!(kind(r#"(module (func (export "_start") unreachable))"#), ErrorKind::Trap);
        assert_eq!(kind(r#"(module (func (export "_start") (loop $l (br $l))))"#), ErrorKind::Timeout);
        assert_eq!(
            kind(r#"(module (import "env" "nope" (func)) (func (export "_start")))"#),
            ErrorKind::Unlinkable
        );
        assert_eq!(kind(r#"(module (func (export "main")))"#), ErrorKind::Invalid);
        let flood = r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 4) (i32.const 100))
            (loop $l (br_if $l (i32.eqz (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))))"#;
        assert_eq!(kind(flood), ErrorKind::ResourceLimit);
        let err = run_once(backend.as_ref(), b"\0asm garbage", &WasiInput::default()).expect_err("invalid");
        assert_eq!(err.kind, ErrorKind::Invalid);
    }
}
