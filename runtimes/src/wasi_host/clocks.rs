//! Clocks, randomness and `sched_yield`.
//!
//! Clocks: realtime (0) is the host's wall clock; monotonic (1) counts from the instance's
//! creation; the process and thread CPU-time clocks (2, 3) are not provided (`EINVAL`, as
//! for any other id). Resolution: 1 ns is reported for both.
//! Randomness: the operating system's (`getrandom`), as the specification asks.

use std::time::{SystemTime, UNIX_EPOCH};

use super::errno::{self, Errno, INVAL};
use super::state::HostState;
use super::{arg32, Memory, Outcome};

/// Nanoseconds on clock `id`, or `EINVAL` for a clock this host does not provide.
pub(super) fn now(h: &HostState, id: u32) -> Result<u64, Errno> {
    let nanos = match id {
        0 => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
        1 => h.clock_base.elapsed().as_nanos(),
        _ => return Err(INVAL),
    };
    Ok(u64::try_from(nanos).unwrap_or(u64::MAX))
}

pub(super) fn clock_time_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    now(h, arg32(a, 0))
        .and_then(|t| m.write_u64(arg32(a, 2), t))
        .into()
}

pub(super) fn clock_res_get(_h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    match arg32(a, 0) {
        0 | 1 => m.write_u64(arg32(a, 1), 1).into(),
        _ => Outcome::Errno(INVAL),
    }
}

pub(super) fn random_get(_h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (ptr, len) = (arg32(a, 0), arg32(a, 1));
    match m.bytes_mut(ptr, len as usize) {
        Ok(buf) => match getrandom::fill(buf) {
            Ok(()) => Outcome::Errno(errno::SUCCESS),
            Err(_) => Outcome::Errno(errno::IO),
        },
        Err(e) => Outcome::Errno(e),
    }
}

pub(super) fn sched_yield(_h: &mut HostState, _m: &mut Memory<'_>, _a: &[u64]) -> Outcome {
    Outcome::Errno(errno::SUCCESS)
}
