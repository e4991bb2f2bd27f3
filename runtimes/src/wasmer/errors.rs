//! Wasmer's errors mapped onto [`ErrorKind`]s: output overflow first (the root cause of
//! whatever the guest did next), then the deadline's host interrupt, a trap after a
//! `memory.grow` the memory cap refused, or an ordinary trap.

use std::cell::Cell;

use wasmer::sys::vm::TrapCode;
use wasmer::{InstantiationError, LinkError};

use super::memory::GROW_REFUSED;
use super::Shared;
use crate::capture::CappedOutput;
use crate::{ErrorKind, RuntimeError};

/// `ResourceLimit` if the guest wrote more than the cap to stdout or stderr.
pub(super) fn output_overflow(
    shared: &Shared,
    stdout: &CappedOutput,
    stderr: &CappedOutput,
) -> Option<RuntimeError> {
    let which = if stdout.overflowed() {
        "stdout"
    } else if stderr.overflowed() {
        "stderr"
    } else {
        return None;
    };
    Some(shared.error(
        ErrorKind::ResourceLimit,
        format!(
            "output cap exceeded: the guest wrote more than {} bytes to {which}",
            shared.limits.max_output_bytes
        ),
    ))
}

/// Map a wasmer runtime error (a trap, or an error raised by a host function) onto an
/// [`ErrorKind`]; output overflow is checked by the caller first.
pub(super) fn classify_trap(shared: &Shared, e: &wasmer::RuntimeError, phase: &str) -> RuntimeError {
    match e.clone().to_trap() {
        Some(TrapCode::HostInterrupt) => shared.error(
            ErrorKind::Timeout,
            format!(
                "{phase}: deadline of {:?} exceeded (host interrupt)",
                shared.limits.deadline
            ),
        ),
        // wasmer's `memory.grow` returns -1 at the cap instead of trapping; a trap after
        // such a refusal (typically the guest's abort on a failed allocation) is the
        // memory limit's doing, as it would be with wasmtime's trap-on-grow-failure.
        _ => match GROW_REFUSED.with(Cell::get) {
            Some((current, delta)) => shared.error(
                ErrorKind::ResourceLimit,
                format!(
                    "{phase}: memory cap of {} bytes: memory.grow by {} pages at {} pages was refused, \
                     then the guest trapped: {}\n{e}",
                    shared.limits.max_memory_bytes,
                    delta.0,
                    current.0,
                    e.message()
                ),
            ),
            // Root cause first, then wasmer's report with the wasm backtrace.
            None => shared.error(ErrorKind::Trap, format!("{phase}: {}\n{e}", e.message())),
        },
    }
}

pub(super) fn classify_instantiation(
    shared: &Shared,
    e: InstantiationError,
    stdout: &CappedOutput,
    stderr: &CappedOutput,
) -> RuntimeError {
    match &e {
        InstantiationError::Link(LinkError::Import(..)) => {
            shared.error(ErrorKind::Unlinkable, format!("instantiate: {e}"))
        }
        // Raised by `CappedTunables` when a memory's minimum is above the cap.
        InstantiationError::Link(LinkError::Resource(_)) => {
            shared.error(ErrorKind::ResourceLimit, format!("instantiate: {e}"))
        }
        InstantiationError::Link(LinkError::Trap(trap)) | InstantiationError::Start(trap) => {
            output_overflow(shared, stdout, stderr)
                .unwrap_or_else(|| classify_trap(shared, trap, "instantiate"))
        }
        _ => shared.error(ErrorKind::Unsupported, format!("instantiate: {e}")),
    }
}
