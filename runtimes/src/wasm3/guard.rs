//! Deadline and native stack guard, through wasm3's `m3_Yield` hook.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasm3::wasm3_sys as ffi;

use super::{DEADLINE_TRAP, NATIVE_STACK_BUDGET};
use crate::watchdog::{self, Watchdog};

/// What the current thread's wasm3 execution must be stopped at.
#[derive(Clone, Copy)]
pub(super) struct Interrupt {
    /// Raised by the watchdog at the deadline; null when no execution is guarded.
    pub(super) flag: *const AtomicBool,
    /// Lowest native stack address nested calls may reach.
    pub(super) stack_limit: usize,
}

thread_local! {
    static INTERRUPT: Cell<Interrupt> = const {
        Cell::new(Interrupt { flag: std::ptr::null(), stack_limit: 0 })
    };
}

/// An approximation of the current native stack pointer (stacks grow downwards on every
/// platform this builds for).
#[inline(always)]
pub(super) fn stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// wasm3's interpreter calls this hook on every function call (including calls to host
/// functions); a non-null result unwinds the execution with that error. This strong
/// definition replaces wasm3's weak, do-nothing one.
#[no_mangle]
pub extern "C" fn m3_Yield() -> ffi::M3Result {
    let current = INTERRUPT.try_with(Cell::get).unwrap_or(Interrupt {
        flag: std::ptr::null(),
        stack_limit: 0,
    });
    if current.flag.is_null() {
        return std::ptr::null();
    }
    if stack_pointer() < current.stack_limit {
        // SAFETY: reading the address of a static wasm3 error string.
        return unsafe { ffi::m3Err_trapStackOverflow };
    }
    // SAFETY: `flag` is set by `CallGuard::arm` from an `Arc<AtomicBool>` held by the
    // returned `Armed`, whose `drop` restores the previous value before that `Arc` is
    // released; a non-null value therefore always points to a live flag.
    if unsafe { (*current.flag).load(Ordering::Relaxed) } {
        return DEADLINE_TRAP.as_ptr();
    }
    std::ptr::null()
}

/// Arms the deadline and stack guard around one wasm3 call.
pub(super) struct CallGuard {
    pub(super) watchdog: Option<Rc<Watchdog>>,
    pub(super) deadline: Duration,
}

impl CallGuard {
    pub(super) fn arm(&self, deadline: Instant) -> Armed<'_> {
        // Raised by the watchdog at the deadline; read by `m3_Yield`.
        let flag = Arc::new(AtomicBool::new(false));
        let raise = Arc::clone(&flag);
        let watch = match &self.watchdog {
            Some(w) => w.arm_at(deadline, move || raise.store(true, Ordering::Relaxed)),
            None => watchdog::Armed::none(),
        };
        let previous = INTERRUPT.with(|cell| {
            cell.replace(Interrupt {
                flag: Arc::as_ptr(&flag),
                stack_limit: stack_pointer().saturating_sub(NATIVE_STACK_BUDGET),
            })
        });
        Armed {
            _watch: watch,
            _flag: flag,
            previous,
        }
    }
}

pub(super) struct Armed<'a> {
    /// Disarmed when dropped, after `drop` below restored the previous interrupt.
    pub(super) _watch: watchdog::Armed<'a>,
    pub(super) _flag: Arc<AtomicBool>,
    pub(super) previous: Interrupt,
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = INTERRUPT.try_with(|cell| cell.set(previous));
    }
}
