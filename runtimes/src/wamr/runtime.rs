//! WAMR's process-global runtime (initialised once, never destroyed), the per-thread
//! environment every thread that uses WAMR needs, and the `bench` natives.

use std::ffi::c_void;
use std::sync::OnceLock;

use wamrx_sys as sys;

use crate::{BackendId, BenchClock, ErrorKind, Result, RuntimeError};

/// `Ok` once `wasm_runtime_full_init` succeeded in this process.
static RUNTIME: OnceLock<Result<(), String>> = OnceLock::new();

thread_local! {
    /// Whether `wasm_runtime_init_thread_env` succeeded on this thread.
    static THREAD_ENV: ThreadEnv = ThreadEnv::init();
}

/// Initialises the WAMR runtime once per process and the WAMR thread environment once per
/// calling thread.
pub(super) fn runtime(id: BackendId) -> Result<()> {
    let init = RUNTIME.get_or_init(|| {
        let mut args = sys::RuntimeInitArgs {
            mem_alloc_type: sys::Alloc_With_System_Allocator,
            running_mode: sys::Mode_Interp,
            // The thread manager splits the guest's aux stack by (max_thread_num + 1); 1 is
            // the smallest value it accepts (0 means "default", 4). The full stack is given
            // back to the one execution environment we use, see `restore_full_aux_stack`.
            max_thread_num: 1,
            ..Default::default()
        };
        // SAFETY: `args` is a fully initialised `RuntimeInitArgs` (zeroed by `Default`, which
        // selects no native symbols and no pool buffer) that outlives the call; the
        // `OnceLock` guarantees this runs once per process, before any other WAMR call.
        let ok = unsafe { sys::wasm_runtime_full_init(&mut args) };
        if !ok {
            return Err("wasm_runtime_full_init failed".to_string());
        }
        // SAFETY: the runtime is initialised; setting the log level has no preconditions.
        unsafe { sys::wasm_runtime_set_log_level(sys::WASM_LOG_LEVEL_FATAL) };
        register_bench_imports()?;
        Ok(())
    });
    if let Err(e) = init {
        return Err(RuntimeError::new(id, ErrorKind::Unsupported, e.clone()));
    }
    // `try_with` fails (instead of panicking) during thread-local destruction.
    if !THREAD_ENV.try_with(|t| t.ok).unwrap_or(false) {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Unsupported,
            "wasm_runtime_init_thread_env failed on this thread",
        ));
    }
    Ok(())
}

/// WAMR's per-thread environment, set up on a thread's first WAMR call and torn down when
/// the thread exits.
struct ThreadEnv {
    ok: bool,
}

impl ThreadEnv {
    fn init() -> ThreadEnv {
        // SAFETY: only reached through `runtime()` after the process-global runtime was
        // initialised successfully; the call only touches this thread's state.
        let ok = unsafe { sys::wasm_runtime_init_thread_env() };
        ThreadEnv { ok }
    }
}

impl Drop for ThreadEnv {
    fn drop(&mut self) {
        if self.ok {
            // SAFETY: pairs the successful `wasm_runtime_init_thread_env` of this thread; it
            // runs at thread exit, when this thread no longer executes any WAMR code.
            unsafe { sys::wasm_runtime_destroy_thread_env() };
        }
    }
}

// ---------------------------------------------------------------------------------------
// The sightglass-style `bench.start` / `bench.end` imports
// ---------------------------------------------------------------------------------------

thread_local! {
    /// The bench region of the execution running on this thread: an instance executes on
    /// the thread that created it, and WAMR calls native functions on that same thread.
    pub(super) static BENCH: std::cell::RefCell<BenchClock> = std::cell::RefCell::new(BenchClock::default());
}

extern "C" fn bench_start(_exec_env: sys::wasm_exec_env_t) {
    BENCH.with(|b| b.borrow_mut().start());
}

extern "C" fn bench_end(_exec_env: sys::wasm_exec_env_t) {
    BENCH.with(|b| b.borrow_mut().end());
}

/// Registers `bench.start` / `bench.end` with WAMR, once per process (from the runtime's
/// one-time initialisation).
fn register_bench_imports() -> std::result::Result<(), String> {
    // WAMR keeps (and sorts) the array for the life of the process: leak it.
    let symbols: &'static mut [sys::NativeSymbol; 2] = Box::leak(Box::new([
        sys::NativeSymbol {
            symbol: c"start".as_ptr(),
            func_ptr: bench_start as *mut c_void,
            signature: c"()".as_ptr(),
            attachment: std::ptr::null_mut(),
        },
        sys::NativeSymbol {
            symbol: c"end".as_ptr(),
            func_ptr: bench_end as *mut c_void,
            signature: c"()".as_ptr(),
            attachment: std::ptr::null_mut(),
        },
    ]));
    // SAFETY: the runtime is initialised; the module name and the symbol array are
    // 'static; each function has the C signature WAMR uses for a `()` native without
    // results: `void f(wasm_exec_env_t)`.
    let ok = unsafe { sys::wasm_runtime_register_natives(c"bench".as_ptr(), symbols.as_mut_ptr(), 2) };
    if ok {
        Ok(())
    } else {
        Err("wasm_runtime_register_natives(\"bench\") failed".to_string())
    }
}
