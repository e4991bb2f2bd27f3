//! The C API of runtimes/v8/shim.h, loaded with `dlopen` from the shared object build.rs
//! made (so that binaries need no link flags for libnode).

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::ErrorKind;

/// Opaque shim types (only ever behind pointers).
#[repr(C)]
pub(super) struct WbIsolate {
    pub(super) _opaque: [u8; 0],
}
#[repr(C)]
pub(super) struct WbWasm {
    pub(super) _opaque: [u8; 0],
}
#[repr(C)]
pub(super) struct WbJs {
    pub(super) _opaque: [u8; 0],
}
#[repr(C)]
pub(super) struct WbInstance {
    pub(super) _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(super) struct WbBytes {
    pub(super) ptr: *const u8,
    pub(super) len: usize,
}

impl WbBytes {
    pub(super) fn of(bytes: &[u8]) -> WbBytes {
        WbBytes {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }
}

#[repr(C)]
pub(super) struct WbInput {
    pub(super) args: *const WbBytes,
    pub(super) args_len: usize,
    pub(super) env: *const WbBytes,
    pub(super) env_len: usize,
    pub(super) stdin_bytes: WbBytes,
    pub(super) max_output: usize,
    /// A Wasm instance's `HostState` (see host.rs); null for JavaScript.
    pub(super) host: *mut c_void,
}

pub(super) const WB_OK: c_int = 0;
pub(super) const WB_INVALID: c_int = 1;
pub(super) const WB_UNLINKABLE: c_int = 2;
pub(super) const WB_TRAP: c_int = 3;
pub(super) const WB_TIMEOUT: c_int = 4;
pub(super) const WB_RESOURCE: c_int = 5;

pub(super) type Msg = *mut *mut c_char;

// Signatures of the shim's functions (runtimes/v8/shim.h).
pub(super) type FnVersion = unsafe extern "C" fn() -> *const c_char;
pub(super) type FnInit = unsafe extern "C" fn(*const c_char, c_int, Msg) -> c_int;
pub(super) type FnFree = unsafe extern "C" fn(*mut c_char);
pub(super) type FnIsolateNew = unsafe extern "C" fn(usize, Msg) -> *mut WbIsolate;
pub(super) type FnIsolate = unsafe extern "C" fn(*mut WbIsolate);
pub(super) type FnIsolateHeap = unsafe extern "C" fn(*mut WbIsolate) -> usize;
pub(super) type FnWasmCompile =
    unsafe extern "C" fn(*mut WbIsolate, *const u8, usize, *mut *mut WbWasm, Msg) -> c_int;
pub(super) type FnWasmFree = unsafe extern "C" fn(*mut WbWasm);
pub(super) type FnJsCompile =
    unsafe extern "C" fn(*mut WbIsolate, *const u8, usize, *mut *mut WbJs, Msg) -> c_int;
pub(super) type FnJsFree = unsafe extern "C" fn(*mut WbJs);
pub(super) type FnWasmInstantiate = unsafe extern "C" fn(
    *mut WbIsolate,
    *const WbWasm,
    *const WbInput,
    *mut *mut WbInstance,
    Msg,
) -> c_int;
pub(super) type FnJsInstantiate = unsafe extern "C" fn(
    *mut WbIsolate,
    *const WbJs,
    *const WbInput,
    *mut *mut WbInstance,
    Msg,
) -> c_int;
pub(super) type FnRun = unsafe extern "C" fn(*mut WbIsolate, *mut WbInstance, *mut i32, Msg) -> c_int;
pub(super) type FnOutput = unsafe extern "C" fn(*const WbInstance, c_int, *mut *const u8, *mut usize);
pub(super) type FnInstanceFree = unsafe extern "C" fn(*mut WbIsolate, *mut WbInstance);
pub(super) type FnSetHost = unsafe extern "C" fn(*const super::host::WbHostApi);

/// The shim's functions, resolved once with `dlsym`.
pub(super) struct Api {
    pub(super) version: FnVersion,
    pub(super) init: FnInit,
    pub(super) free: FnFree,
    pub(super) isolate_new: FnIsolateNew,
    pub(super) isolate_terminate: FnIsolate,
    pub(super) isolate_heap_used: FnIsolateHeap,
    pub(super) isolate_free: FnIsolate,
    pub(super) wasm_compile: FnWasmCompile,
    pub(super) wasm_free: FnWasmFree,
    pub(super) js_compile: FnJsCompile,
    pub(super) js_free: FnJsFree,
    pub(super) wasm_instantiate: FnWasmInstantiate,
    pub(super) js_instantiate: FnJsInstantiate,
    pub(super) instance_run: FnRun,
    pub(super) instance_output: FnOutput,
    pub(super) instance_free: FnInstanceFree,
}

extern "C" {
    pub(super) fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    pub(super) fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    pub(super) fn dlerror() -> *mut c_char;
}

pub(super) const RTLD_NOW: c_int = 2;

/// Where build.rs put the shim; `WASMBENCH_V8_SHIM` at run time overrides it (for a binary
/// moved to another machine).
pub(super) fn shim_path() -> Option<PathBuf> {
    std::env::var_os("WASMBENCH_V8_SHIM")
        .map(PathBuf::from)
        .or_else(|| option_env!("WASMBENCH_V8_SHIM").map(PathBuf::from))
}

pub(super) fn last_dl_error() -> String {
    // SAFETY: dlerror returns either null or a NUL-terminated string owned by the C
    // library, valid until the next dl* call on this thread; it is copied at once.
    unsafe {
        let p = dlerror();
        if p.is_null() {
            "unknown dlopen error".to_string()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

pub(super) fn load_api() -> std::result::Result<Api, String> {
    let path = shim_path().ok_or_else(|| {
        "this binary was built without the V8 shim (libnode was not unpacked): run \
         scripts/setup-v8.sh, then rebuild"
            .to_string()
    })?;
    let c_path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| format!("V8 shim path {} contains a NUL byte", path.display()))?;
    // SAFETY: `c_path` is a valid NUL-terminated path. Loading the shim runs the static
    // initialisers of the shim, libnode and their dependencies, which have no preconditions.
    // The handle is never closed: the functions stay valid for the life of the process.
    let handle = unsafe { dlopen(c_path.as_ptr(), RTLD_NOW) };
    if handle.is_null() {
        return Err(format!(
            "cannot load the V8 shim {}: {} (run scripts/setup-v8.sh, then rebuild with the \
             `v8` feature)",
            path.display(),
            last_dl_error()
        ));
    }
    macro_rules! sym {
        ($name:literal, $ty:ty) => {{
            // SAFETY: `handle` is a live dlopen handle and the name is NUL-terminated.
            let p = unsafe { dlsym(handle, concat!($name, "\0").as_ptr().cast()) };
            if p.is_null() {
                return Err(format!("V8 shim {} lacks `{}`", path.display(), $name));
            }
            // SAFETY: the symbol is the `extern "C"` function of the same name declared in
            // runtimes/v8/shim.h, whose signature `$ty` mirrors exactly; a data pointer and a function pointer have the
            // same size on every platform the shim builds for.
            unsafe { std::mem::transmute::<*mut c_void, $ty>(p) }
        }};
    }
    let set_host = sym!("wb_set_host", FnSetHost);
    // SAFETY: the shim copies the table of two static functions (see host.rs).
    unsafe { set_host(&super::host::HOST_API) };
    Ok(Api {
        version: sym!("wb_version", FnVersion),
        init: sym!("wb_init", FnInit),
        free: sym!("wb_free", FnFree),
        isolate_new: sym!("wb_isolate_new", FnIsolateNew),
        isolate_terminate: sym!("wb_isolate_terminate", FnIsolate),
        isolate_heap_used: sym!("wb_isolate_heap_used", FnIsolateHeap),
        isolate_free: sym!("wb_isolate_free", FnIsolate),
        wasm_compile: sym!("wb_wasm_compile", FnWasmCompile),
        wasm_free: sym!("wb_wasm_free", FnWasmFree),
        js_compile: sym!("wb_js_compile", FnJsCompile),
        js_free: sym!("wb_js_free", FnJsFree),
        wasm_instantiate: sym!("wb_wasm_instantiate", FnWasmInstantiate),
        js_instantiate: sym!("wb_js_instantiate", FnJsInstantiate),
        instance_run: sym!("wb_instance_run", FnRun),
        instance_output: sym!("wb_instance_output", FnOutput),
        instance_free: sym!("wb_instance_free", FnInstanceFree),
    })
}

pub(super) fn api() -> std::result::Result<&'static Api, String> {
    static API: OnceLock<std::result::Result<Api, String>> = OnceLock::new();
    API.get_or_init(load_api).as_ref().map_err(Clone::clone)
}

impl Api {
    /// Copy and release a message the shim allocated.
    pub(super) fn take_message(&self, p: *mut c_char) -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: a non-null message from the shim is a malloc'd NUL-terminated string that
        // nobody else owns; it is copied, then released exactly once with wb_free.
        unsafe {
            let text = CStr::from_ptr(p).to_string_lossy().into_owned();
            (self.free)(p);
            text
        }
    }

    pub(super) fn v8_version(&self) -> String {
        // SAFETY: wb_version returns V8's static NUL-terminated version string.
        unsafe {
            CStr::from_ptr((self.version)())
                .to_string_lossy()
                .into_owned()
        }
    }
}

pub(super) fn kind_of(status: c_int) -> ErrorKind {
    match status {
        WB_INVALID => ErrorKind::Invalid,
        WB_UNLINKABLE => ErrorKind::Unlinkable,
        WB_TRAP => ErrorKind::Trap,
        WB_TIMEOUT => ErrorKind::Timeout,
        WB_RESOURCE => ErrorKind::ResourceLimit,
        // WB_FAILED and anything unexpected: the engine could not do it.
        _ => ErrorKind::Unsupported,
    }
}
