//! The host-call machinery that connects wasm3 to the shared WASI host
//! ([`crate::wasi_host`]): one trampoline per host function, and linking.

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr::NonNull;
use std::sync::OnceLock;

use wasm3::wasm3_sys as ffi;

use super::objects::error_message;
use super::{DEADLINE_TRAP, I32, I64};
use crate::wasi_host::{self, table::FUNCTIONS, HostFn, HostState, Outcome, Ty};

/// The most parameters a host function has (`path_open`).
const MAX_PARAMS: usize = 9;

/// Host function `I` of the shared host's table, as wasm3 calls it.
///
/// # Safety
/// Must only be called by wasm3 through a function linked by [`link_wasi`]: `runtime` is
/// the live runtime running the call, `sp` points at the call's argument slots (one
/// 64-bit-aligned slot per parameter, the first of which also receives the result), and
/// `cookie` is the `HostState` of that runtime, which nothing else accesses during the call.
unsafe extern "C" fn trampoline<const I: usize>(
    runtime: ffi::IM3Runtime,
    sp: *mut u64,
    _mem: *mut c_void,
    cookie: *mut c_void,
) -> *const c_void {
    let n = FUNCTIONS[I].params.len();
    let mut args = [0u64; MAX_PARAMS];
    for (i, arg) in args.iter_mut().enumerate().take(n) {
        // SAFETY: wasm3 passes the call's arguments in consecutive 64-bit slots at `sp`.
        *arg = unsafe { sp.add(i).read_unaligned() };
    }
    // SAFETY: `runtime` is live; its memory header (when allocated) is followed by
    // `length` bytes of linear memory, which no one else touches while the interpreter
    // waits for this host call to return.
    let mem: &mut [u8] = unsafe {
        let header = (*runtime).memory.mallocated;
        let len = if header.is_null() { 0 } else { (*header).length };
        match usize::try_from(len) {
            Ok(len) if len > 0 => std::slice::from_raw_parts_mut(header.add(1).cast::<u8>(), len),
            _ => &mut [],
        }
    };
    // SAFETY: the cookie is the runtime's `HostState` (see `Runtime`), exclusively ours
    // for the duration of the call.
    let host = unsafe { &mut *cookie.cast::<HostState>() };
    match wasi_host::call(I, host, mem, &args[..n]) {
        Outcome::Void => std::ptr::null(),
        Outcome::Errno(value) => {
            // SAFETY: the result slot is the first argument slot (wasm3 reserves one for a
            // function with a result even without arguments).
            unsafe { sp.cast::<u32>().write_unaligned(u32::from(value)) };
            std::ptr::null()
        }
        // SAFETY (all three): addresses of static wasm3 / wasmbench error strings.
        Outcome::Exit => unsafe { ffi::m3Err_trapExit }.cast(),
        Outcome::OutputCap => unsafe { ffi::m3Err_trapAbort }.cast(),
        Outcome::Deadline => DEADLINE_TRAP.as_ptr().cast(),
    }
}

/// wasm3's `M3RawCallEx`: runtime, argument slots, linear memory, cookie.
pub(super) type HostCall =
    unsafe extern "C" fn(ffi::IM3Runtime, *mut u64, *mut c_void, *mut c_void) -> *const c_void;

macro_rules! trampolines {
    ($($i:literal)*) => {
        /// `TRAMPOLINES[i]` calls `FUNCTIONS[i]`.
        pub(super) static TRAMPOLINES: &[HostCall] = &[$(trampoline::<$i>),*];
    };
}

trampolines!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
    30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47);

/// A host function's type in the binary encoding scan.rs compares import types with.
pub(super) fn code(t: Ty) -> u8 {
    match t {
        Ty::I32 => I32,
        Ty::I64 => I64,
    }
}

/// wasm3's signature notation: result type, then the parameter types in parentheses.
pub(super) fn signature(f: &HostFn) -> CString {
    let result = f.results.first().map_or('v', |t| t.letter());
    let params: String = f.params.iter().map(|t| t.letter()).collect();
    CString::new(format!("{result}({params})")).unwrap_or_default()
}

/// The signatures of every host function, made once per process.
fn signatures() -> &'static [CString] {
    static SIGNATURES: OnceLock<Vec<CString>> = OnceLock::new();
    SIGNATURES.get_or_init(|| FUNCTIONS.iter().map(signature).collect())
}

/// The host function an import names, with its index.
pub(super) fn host_function(module: &str, name: &str) -> Option<(usize, &'static HostFn)> {
    wasi_host::lookup(module, name).map(|i| (i, &FUNCTIONS[i]))
}

extern "C" {
    /// The linker behind wasm3's `m3_LinkRawFunctionEx` (m3_bind.c in wasm3 0.4.7, with
    /// external linkage but absent from its public header). It links the given import
    /// itself, where `m3_LinkRawFunctionEx` looks the import up by name and links only the
    /// first of several imports of one function (Go modules import `fd_write` twice).
    pub(super) fn LinkRawFunctionEx(
        module: ffi::IM3Module,
        function: ffi::IM3Function,
        signature: *const c_char,
        call: *const c_void,
        cookie: *mut c_void,
    ) -> ffi::M3Result;
}

/// Link every imported function of `module` to its host function, with `host` as cookie.
pub(super) fn link_wasi(
    host: NonNull<HostState>,
    module: NonNull<ffi::M3Module>,
) -> std::result::Result<(), String> {
    // SAFETY: `module` is loaded into a live runtime (which `LinkRawFunctionEx` needs for
    // the code page it writes the call stub into) and not executing. Its function array
    // has `numFunctions` entries; import names are NUL-terminated strings it owns; the
    // signature is a static C string and `call` a function of the `M3RawCallEx` type that
    // stub calls. The cookie outlives the runtime (see `Runtime::drop`).
    unsafe {
        let m = module.as_ptr();
        let count = (*m).numFunctions as usize;
        let functions = (*m).functions;
        for i in 0..count {
            let function = functions.add(i);
            let import = (*function).import;
            if import.moduleUtf8.is_null() || import.fieldUtf8.is_null() {
                continue;
            }
            let module_name = CStr::from_ptr(import.moduleUtf8).to_string_lossy();
            let field = CStr::from_ptr(import.fieldUtf8).to_string_lossy();
            let Some((index, _)) = host_function(&module_name, &field) else {
                return Err(format!("unknown import `{module_name}::{field}`"));
            };
            let call: HostCall = TRAMPOLINES[index];
            let result = LinkRawFunctionEx(
                m,
                function,
                signatures()[index].as_ptr(),
                call as *const c_void,
                host.as_ptr().cast(),
            );
            if let Some(message) = error_message(result) {
                return Err(format!("linking `{module_name}::{field}`: {message}"));
            }
            if (*function).compiled.is_null() {
                return Err(format!("import `{module_name}::{field}` was not linked"));
            }
        }
    }
    Ok(())
}
