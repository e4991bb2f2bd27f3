//! Owned wasm3 objects: environment, parsed module, runtime (with the host state its
//! WASI functions use), freed in `Drop`.

use std::ffi::{c_char, CStr};
use std::ptr::NonNull;
use std::rc::Rc;
use std::time::Instant;

use wasm3::wasm3_sys as ffi;

use super::guard::CallGuard;
use crate::wasi_host::HostState;
use super::VALUE_STACK_BYTES;

/// An `M3Environment`: holds the function types and recycled code pages of its runtimes.
pub(super) struct Environment(pub(super) NonNull<ffi::M3Environment>);

impl Environment {
    pub(super) fn new() -> Option<Environment> {
        // SAFETY: `m3_NewEnvironment` has no preconditions; it returns an owned environment
        // or null on allocation failure, which `NonNull::new` turns into `None`.
        NonNull::new(unsafe { ffi::m3_NewEnvironment() }).map(Environment)
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        // SAFETY: the environment was created by `m3_NewEnvironment` and is freed once, here.
        // Every runtime and parsed module holds an `Rc<Environment>` (or is freed before
        // `prepare` returns), so none of them outlives it.
        unsafe { ffi::m3_FreeEnvironment(self.0.as_ptr()) };
    }
}

/// A parsed module not (yet) owned by a runtime.
pub(super) struct ParsedModule(pub(super) NonNull<ffi::M3Module>);

impl ParsedModule {
    /// Parse `bytes` in `env`. The bytes must outlive the module: wasm3 keeps pointers
    /// into them (function bodies, data segments).
    pub(super) fn parse(env: &Environment, bytes: &[u8]) -> std::result::Result<ParsedModule, String> {
        let len = u32::try_from(bytes.len()).map_err(|_| "module larger than 4 GiB".to_string())?;
        let mut module: ffi::IM3Module = std::ptr::null_mut();
        // SAFETY: `env` is a live environment, `bytes` is valid for `len` bytes, and
        // `module` is a valid out-pointer. On failure wasm3 frees the partial module itself
        // and stores null.
        let result =
            unsafe { ffi::m3_ParseModule(env.0.as_ptr(), &mut module, bytes.as_ptr(), len) };
        // SAFETY: a non-null result is one of wasm3's static, NUL-terminated error strings.
        if let Some(message) = unsafe { error_message(result) } {
            return Err(message);
        }
        NonNull::new(module)
            .map(ParsedModule)
            .ok_or_else(|| "wasm3 returned no module".to_string())
    }

    /// Hand the module to wasm3 without freeing it (ownership moved to a runtime).
    pub(super) fn into_raw(self) -> NonNull<ffi::M3Module> {
        let raw = self.0;
        std::mem::forget(self);
        raw
    }
}

impl Drop for ParsedModule {
    fn drop(&mut self) {
        // SAFETY: the module was produced by `m3_ParseModule` and is not owned by any
        // runtime (ownership transfer goes through `into_raw`, which skips this drop).
        unsafe { ffi::m3_FreeModule(self.0.as_ptr()) };
    }
}

/// A runtime with the module loaded into it and the host context its imports point to.
/// Dropping it frees the runtime (and the module it owns) before the context, the module
/// bytes and the environment it refers to.
pub(super) struct Runtime {
    pub(super) raw: NonNull<ffi::M3Runtime>,
    pub(super) host: NonNull<HostState>,
    pub(super) _bytes: Rc<[u8]>,
    pub(super) _env: Rc<Environment>,
}

impl Runtime {
    pub(super) fn new(env: &Rc<Environment>, bytes: &Rc<[u8]>, host: HostState) -> Option<Runtime> {
        // SAFETY: `env` is a live environment; the stack size is a plain byte count; the
        // third argument is documented as unused.
        let raw =
            unsafe { ffi::m3_NewRuntime(env.0.as_ptr(), VALUE_STACK_BYTES, std::ptr::null_mut()) };
        let raw = NonNull::new(raw)?;
        Some(Runtime {
            raw,
            host: NonNull::from(Box::leak(Box::new(host))),
            _bytes: Rc::clone(bytes),
            _env: Rc::clone(env),
        })
    }

    /// Whether `module` is in the runtime's list of loaded modules (and so owned by it).
    pub(super) fn owns(&self, module: NonNull<ffi::M3Module>) -> bool {
        // SAFETY: the runtime is live; its module list is a null-terminated linked list of
        // modules it owns, which stay valid until the runtime is freed.
        unsafe {
            let mut next = (*self.raw.as_ptr()).modules;
            while !next.is_null() {
                if next == module.as_ptr() {
                    return true;
                }
                next = (*next).next;
            }
        }
        false
    }

    /// The host context, for reading results once no wasm code runs.
    pub(super) fn host(&self) -> &HostState {
        // SAFETY: `host` comes from `Box::leak` and lives until `drop`. Host functions
        // create a `&mut` to it only while wasm3 executes a call made through `&mut self`
        // methods (`call`), so no such `&mut` exists while this shared borrow does.
        unsafe { self.host.as_ref() }
    }

    pub(super) fn host_mut(&mut self) -> &mut HostState {
        // SAFETY: as in `host`; `&mut self` guarantees exclusive access.
        unsafe { self.host.as_mut() }
    }

    /// wasm3's last error details (the function and message of a compile error), if any.
    pub(super) fn error_info(&self) -> String {
        let mut info = std::mem::MaybeUninit::<ffi::M3ErrorInfo>::zeroed();
        // SAFETY: the runtime is live and `info` is a valid out-pointer for the struct.
        unsafe { ffi::m3_GetErrorInfo(self.raw.as_ptr(), info.as_mut_ptr()) };
        // SAFETY: zero-initialised and then fully written by `m3_GetErrorInfo`; every field
        // is a pointer or an integer, for which all-zero is a valid value.
        let info = unsafe { info.assume_init() };
        // SAFETY: `message` is null or a NUL-terminated string owned by the runtime (its
        // error buffer) or static; it is copied before the runtime can change it.
        unsafe { c_string(info.message) }.unwrap_or_default()
    }

    /// Call `function` (no arguments, no results) under the deadline and stack guard.
    pub(super) fn call(&mut self, function: NonNull<ffi::M3Function>, guard: &CallGuard) -> ffi::M3Result {
        let deadline = Instant::now() + guard.deadline;
        self.host_mut().deadline = Some(deadline);
        let _armed = guard.arm(deadline);
        // SAFETY: `function` belongs to the module owned by this live runtime and was
        // compiled (`Compile_Function`) before; its type is [] -> [] (checked by `scan`),
        // so `m3_Call` passes no arguments and reads no results. Host functions reached
        // from here get the `HostState` through the cookie and are the only users of it
        // during the call, as `&mut self` keeps every Rust reference away.
        unsafe { ffi::m3_Call(function.as_ptr()) }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // SAFETY: the runtime was created by `m3_NewRuntime` and is freed exactly once,
        // with the modules it owns, before the bytes and environment they point into
        // (struct fields drop after this body).
        unsafe { ffi::m3_FreeRuntime(self.raw.as_ptr()) };
        // SAFETY: `host` came from `Box::leak` in `new`; the runtime whose host functions
        // held it as a cookie is gone, so this is the last use.
        drop(unsafe { Box::from_raw(self.host.as_ptr()) });
    }
}

/// Copy a wasm3 error string (null = success).
///
/// # Safety
/// `result` must be null or point to a NUL-terminated string.
pub(super) unsafe fn error_message(result: ffi::M3Result) -> Option<String> {
    // SAFETY: forwarded to the caller.
    unsafe { c_string(result) }
}

/// # Safety
/// `ptr` must be null or point to a NUL-terminated string.
pub(super) unsafe fn c_string(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    Some(text).filter(|t| !t.is_empty())
}
