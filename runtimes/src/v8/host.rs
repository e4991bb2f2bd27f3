//! The Rust side of the shim's host calls: every `wasi_snapshot_preview1` and `bench`
//! import of a Wasm module runs in the shared WASI host ([`crate::wasi_host`]), which the
//! shim reaches through the two functions of [`HOST_API`].

use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use crate::wasi_host::{self, table::FUNCTIONS, HostState, Outcome};

/// `wb_call` (runtimes/v8/shim.h).
const WB_CALL_VOID: i32 = 0;
const WB_CALL_RETURN: i32 = 1;
const WB_CALL_EXIT: i32 = 2;
const WB_CALL_OUTPUT_CAP: i32 = 3;
const WB_CALL_DEADLINE: i32 = 4;
const WB_CALL_FAILED: i32 = 5;

/// `wb_host_api` (runtimes/v8/shim.h).
#[repr(C)]
pub(super) struct WbHostApi {
    resolve: unsafe extern "C" fn(*const u8, usize, *const u8, usize, *mut *const c_char) -> i32,
    call: unsafe extern "C" fn(*mut c_void, i32, *const u64, usize, *mut u8, usize, *mut i32) -> i32,
}

pub(super) static HOST_API: WbHostApi = WbHostApi { resolve, call };

/// Every host function's parameter types as the shim reads them ('i' i32, 'I' i64).
fn params() -> &'static [CString] {
    static PARAMS: OnceLock<Vec<CString>> = OnceLock::new();
    PARAMS.get_or_init(|| {
        FUNCTIONS
            .iter()
            .map(|f| {
                let letters: String = f.params.iter().map(|t| t.letter()).collect();
                CString::new(letters).unwrap_or_default()
            })
            .collect()
    })
}

/// # Safety
/// `module`/`name` point at `*_len` readable bytes; `out` is a valid out-pointer.
unsafe extern "C" fn resolve(
    module: *const u8,
    module_len: usize,
    name: *const u8,
    name_len: usize,
    out: *mut *const c_char,
) -> i32 {
    // SAFETY: as the contract says.
    let (module, name) = unsafe {
        (
            std::slice::from_raw_parts(module, module_len),
            std::slice::from_raw_parts(name, name_len),
        )
    };
    let (Ok(module), Ok(name)) = (std::str::from_utf8(module), std::str::from_utf8(name)) else {
        return -1;
    };
    match wasi_host::lookup(module, name) {
        Some(index) => {
            // SAFETY: `out` is valid; the string is static (kept in `params`).
            unsafe { *out = params()[index].as_ptr() };
            i32::try_from(index).unwrap_or(-1)
        }
        None => -1,
    }
}

/// # Safety
/// `host` is the `HostState` given in this instance's `wb_input` (alive, used by this
/// call only); `args` holds `nargs` values; `mem` is null or the guest's linear memory of
/// `mem_len` bytes, which nothing else touches during the call; `value` is valid.
unsafe extern "C" fn call(
    host: *mut c_void,
    index: i32,
    args: *const u64,
    nargs: usize,
    mem: *mut u8,
    mem_len: usize,
    value: *mut i32,
) -> i32 {
    let Some(index) = usize::try_from(index).ok().filter(|&i| i < FUNCTIONS.len()) else {
        return WB_CALL_FAILED;
    };
    if host.is_null() || nargs != FUNCTIONS[index].params.len() {
        return WB_CALL_FAILED;
    }
    // SAFETY: as the contract says.
    let (host, args, memory) = unsafe {
        let memory: &mut [u8] = if mem.is_null() { &mut [] } else { std::slice::from_raw_parts_mut(mem, mem_len) };
        (&mut *host.cast::<HostState>(), std::slice::from_raw_parts(args, nargs), memory)
    };
    // A panic must not unwind into C++.
    let outcome = catch_unwind(AssertUnwindSafe(|| wasi_host::call(index, host, memory, args)));
    let (status, result) = match outcome {
        Ok(Outcome::Void) => (WB_CALL_VOID, 0),
        Ok(Outcome::Errno(e)) => (WB_CALL_RETURN, i32::from(e)),
        Ok(Outcome::Exit) => (WB_CALL_EXIT, host.exit_code.unwrap_or(0)),
        Ok(Outcome::OutputCap) => (WB_CALL_OUTPUT_CAP, 0),
        Ok(Outcome::Deadline) => (WB_CALL_DEADLINE, 0),
        Err(_) => (WB_CALL_FAILED, 0),
    };
    // SAFETY: `value` is valid.
    unsafe { *value = result };
    status
}
