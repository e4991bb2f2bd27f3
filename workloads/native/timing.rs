//! wasmbench native timing wrapper for Rust workloads: the crate root of the native build.
//! The build script copies the workload's main.rs beside it as `workload.rs`, with its
//! `fn main()` made `pub(crate)` (the only change), so that this file can call it.
//!
//! Contract (the harness relies on it): CLOCK_MONOTONIC (std's `Instant` on Linux) is read
//! right before the workload's main and right after it returns, or in a libc atexit handler
//! if the workload calls `std::process::exit` (which runs them). Only if fd 3 is open and
//! is a pipe, exactly one line "wasmbench-execute-ns <N>\n" is written to it, once. Nothing
//! goes to stdout or stderr; the exit code is the workload's.
//!
//! `wasmbench_measured_main` is never inlined and only calls the workload's main, so that
//! `valgrind --tool=callgrind --toggle-collect='*wasmbench_measured_main*'` counts the
//! instructions of the execute phase alone.
mod workload;

use std::fs::File;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::io::FromRawFd;
use std::sync::atomic::{compiler_fence, AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

static STARTED: Mutex<Option<Instant>> = Mutex::new(None);
static REPORTED: AtomicBool = AtomicBool::new(false);

extern "C" {
    fn atexit(callback: extern "C" fn()) -> i32;
}

fn main() {
    // SAFETY: registers a function that takes no arguments, as atexit expects.
    unsafe { atexit(report_at_exit) };
    let started = Instant::now();
    *STARTED.lock().unwrap_or_else(|e| e.into_inner()) = Some(started);
    wasmbench_measured_main();
    report();
}

#[no_mangle]
#[inline(never)]
pub fn wasmbench_measured_main() {
    workload::main();
    // Code after the call: it cannot become a tail jump, which callgrind would not see as
    // a call from here.
    compiler_fence(Ordering::SeqCst);
}

extern "C" fn report_at_exit() {
    report();
}

fn report() {
    let finished = Instant::now();
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let started = match *STARTED.lock().unwrap_or_else(|e| e.into_inner()) {
        Some(started) => started,
        None => return,
    };
    // SAFETY: fd 3 is only borrowed (never closed: ManuallyDrop); a closed fd 3 makes
    // metadata() fail and nothing is written.
    let fd3 = ManuallyDrop::new(unsafe { File::from_raw_fd(3) });
    match fd3.metadata() {
        Ok(meta) if meta.file_type().is_fifo() => {
            let line = format!("wasmbench-execute-ns {}\n", finished.duration_since(started).as_nanos());
            let _ = (&*fd3).write_all(line.as_bytes());
        }
        _ => {}
    }
}
