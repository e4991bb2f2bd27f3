//! What the initialisation function sees: WASI preview1 with stdout and stderr captured,
//! deterministic clocks and randomness (a snapshot is reproducible byte for byte), and a
//! trap, naming the call, for anything that belongs to a request: the environment, the
//! arguments, stdin and preopened directories. A snapshot taken after reading those would
//! answer every later request with the build machine's values.

use std::sync::mpsc;
use std::time::Duration;

use wasmtime::{Caller, Engine, Extern, FuncType, Linker, StoreLimits, StoreLimitsBuilder, ValType};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::WasiCtxBuilder;

const WASI: &str = "wasi_snapshot_preview1";

/// Output kept from the initialisation, per stream.
const MAX_OUTPUT: usize = 1 << 20;

/// The wall clock the initialisation reads: 2000-01-01T00:00:00Z, plus the monotonic steps.
const WALL_CLOCK_START_NS: u64 = 946_684_800_000_000_000;

/// Each clock reading advances time by this much, so that loops waiting for time to pass end.
const CLOCK_STEP_NS: u64 = 1_000;

/// Request inputs, with their number of i32 parameters (each returns an i32 errno):
/// calling one of these during the initialisation traps.
const REQUEST_INPUTS: [(&str, usize, &str); 7] = [
    ("environ_get", 2, "the environment"),
    ("environ_sizes_get", 2, "the environment"),
    ("args_get", 2, "the arguments"),
    ("args_sizes_get", 2, "the arguments"),
    ("fd_read", 4, "stdin (or a file)"),
    ("fd_prestat_get", 2, "the preopened directories"),
    ("fd_prestat_dir_name", 3, "the preopened directories"),
];

/// The store's data during the initialisation.
pub(super) struct InitHost {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    clock_ns: u64,
    random: u64,
}

impl InitHost {
    pub(super) fn new(max_memory_bytes: usize) -> InitHost {
        let (stdout, stderr) = (MemoryOutputPipe::new(MAX_OUTPUT), MemoryOutputPipe::new(MAX_OUTPUT));
        let wasi = WasiCtxBuilder::new().stdout(stdout.clone()).stderr(stderr.clone()).build_p1();
        let limits = StoreLimitsBuilder::new().memory_size(max_memory_bytes).trap_on_grow_failure(false).build();
        InitHost { wasi, limits, stdout, stderr, clock_ns: 0, random: 0 }
    }

    pub(super) fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }

    pub(super) fn stdout(&self) -> MemoryOutputPipe {
        self.stdout.clone()
    }

    pub(super) fn stderr(&self) -> MemoryOutputPipe {
        self.stderr.clone()
    }

    fn tick(&mut self) -> u64 {
        self.clock_ns += CLOCK_STEP_NS;
        self.clock_ns
    }

    /// SplitMix64 from a fixed seed: the same bytes on every build.
    fn next_random(&mut self) -> u64 {
        self.random = self.random.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// WASI preview1 from wasmtime-wasi, with the clocks, `random_get` and the request inputs
/// replaced as described above.
pub(super) fn linker(engine: &Engine) -> wasmtime::Result<Linker<InitHost>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |host: &mut InitHost| &mut host.wasi)?;
    linker.allow_shadowing(true);
    for (name, params, what) in REQUEST_INPUTS {
        let ty = FuncType::new(engine, vec![ValType::I32; params], [ValType::I32]);
        linker.func_new(WASI, name, ty, move |_, _, _| {
            Err(wasmtime::Error::msg(format!(
                "it called {name}: {what} belongs to a request, and a snapshot would keep the build's value for every request; read it in the entry point instead"
            )))
        })?;
    }
    linker.func_wrap(WASI, "clock_time_get", |mut caller: Caller<'_, InitHost>, id: i32, _precision: i64, out: i32| {
        let now = caller.data_mut().tick();
        let value = if id == 0 { WALL_CLOCK_START_NS + now } else { now };
        write_guest(&mut caller, out, &value.to_le_bytes())
    })?;
    linker.func_wrap(WASI, "clock_res_get", |mut caller: Caller<'_, InitHost>, _id: i32, out: i32| {
        write_guest(&mut caller, out, &CLOCK_STEP_NS.to_le_bytes())
    })?;
    linker.func_wrap(WASI, "random_get", |mut caller: Caller<'_, InitHost>, buf: i32, len: i32| {
        let bytes: Vec<u8> = (0..(len as u32).div_ceil(8))
            .flat_map(|_| caller.data_mut().next_random().to_le_bytes())
            .take(len as u32 as usize)
            .collect();
        write_guest(&mut caller, buf, &bytes)
    })?;
    Ok(linker)
}

/// Copy `bytes` into the guest's exported memory at `at`; a WASI errno (0, or 21 EFAULT).
fn write_guest(caller: &mut Caller<'_, InitHost>, at: i32, bytes: &[u8]) -> i32 {
    const EFAULT: i32 = 21;
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return EFAULT;
    };
    match memory.write(caller, at as u32 as usize, bytes) {
        Ok(()) => 0,
        Err(_) => EFAULT,
    }
}

/// Run `f` with the engine's epoch advanced once `deadline` passes (the store's epoch
/// deadline is one tick): a function that never returns traps instead of hanging the build.
pub(super) fn with_deadline<T>(engine: &Engine, deadline: Duration, f: impl FnOnce() -> T) -> T {
    let (done, wait) = mpsc::channel::<()>();
    let engine = engine.clone();
    let timer = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(deadline) {
            engine.increment_epoch();
        }
    });
    let result = f();
    drop(done);
    let _ = timer.join();
    result
}
