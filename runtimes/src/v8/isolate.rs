//! Isolates (one per instance, with its context) and their deadlines: one watchdog thread
//! for the whole process calls `TerminateExecution`.

use std::ptr::NonNull;
use std::sync::OnceLock;
use std::time::Duration;

use super::api::{Api, WbIsolate};
use crate::watchdog::{Armed, Watchdog};
use crate::Sandbox;

/// An isolate with its context, disposed on drop.
pub(super) struct Isolate {
    pub(super) ptr: NonNull<WbIsolate>,
    pub(super) api: &'static Api,
}

// SAFETY: a V8 isolate may be used from any thread as long as one thread uses it at a
// time; the shim takes a v8::Locker on every entry, and `Isolate` is not Sync (`&self`
// methods never run guest code concurrently because every use goes through `&mut` owners
// or the backend's Mutex).
unsafe impl Send for Isolate {}

impl Isolate {
    pub(super) fn new(api: &'static Api, heap_limit: usize) -> std::result::Result<Isolate, String> {
        let mut msg = std::ptr::null_mut();
        // SAFETY: V8 is initialised (ensure_initialised ran before any backend exists);
        // `msg` receives an owned message or stays null.
        let ptr = unsafe { (api.isolate_new)(heap_limit, &mut msg) };
        let text = api.take_message(msg);
        NonNull::new(ptr)
            .map(|ptr| Isolate { ptr, api })
            .ok_or_else(|| format!("creating a V8 isolate failed: {text}"))
    }

    pub(super) fn raw(&self) -> *mut WbIsolate {
        self.ptr.as_ptr()
    }

    /// Bytes used by the isolate's JS heap.
    pub(super) fn heap_used(&self) -> usize {
        // SAFETY: the isolate is alive (owned by self); the shim locks it.
        unsafe { (self.api.isolate_heap_used)(self.raw()) }
    }
}

impl Drop for Isolate {
    fn drop(&mut self) {
        // SAFETY: the isolate is alive and owned by self only; every instance in it was
        // freed before (V8Instance frees its instance before its isolate field drops) and
        // the watchdog was disarmed (the deadline guard is disarmed/dropped before), so no other
        // thread references it.
        unsafe { (self.api.isolate_free)(self.raw()) }
    }
}

/// A fresh isolate made by [`Backend::create_sandbox`].
pub(super) struct V8Sandbox {
    pub(super) isolate: Isolate,
}

impl Sandbox for V8Sandbox {
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

// --- deadlines ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
pub(super) struct IsolatePtr(NonNull<WbIsolate>);

// SAFETY: the pointer is only used by the watchdog to call wb_isolate_terminate, which V8
// allows from any thread, and only while the deadline is armed (the owner disarms before it
// frees the isolate, and disarming waits for a running action: see crate::watchdog).
unsafe impl Send for IsolatePtr {}

impl IsolatePtr {
    pub(super) fn terminate(self, api: &Api) {
        // SAFETY: armed deadlines refer to live isolates (see above); TerminateExecution is
        // thread-safe.
        unsafe { (api.isolate_terminate)(self.0.as_ptr()) }
    }
}

/// The process's V8 watchdog, started on first use; `None` if its thread could not start.
pub(super) fn watchdog() -> Option<&'static Watchdog> {
    static WATCHDOG: OnceLock<Option<Watchdog>> = OnceLock::new();
    WATCHDOG.get_or_init(|| Watchdog::start("v8-watchdog")).as_ref()
}

/// `TerminateExecution` on `isolate` once `deadline` has passed, until the returned guard
/// is disarmed (which says whether it fired) or dropped.
pub(super) fn arm_deadline(api: &'static Api, isolate: &Isolate, deadline: Duration) -> Armed<'static> {
    let target = IsolatePtr(isolate.ptr);
    match watchdog() {
        Some(dog) => dog.arm(deadline, move || target.terminate(api)),
        None => Armed::none(),
    }
}
