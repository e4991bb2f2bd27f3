//! `proc_exit`, `proc_raise`, the socket calls (no sockets exist) and the sightglass-style
//! `bench.start` / `bench.end` markers.

use super::errno::{NOSYS, NOTSOCK};
use super::state::HostState;
use super::{arg32, Memory, Outcome};

pub(super) fn proc_exit(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    h.exit_code = Some(arg32(a, 0) as i32);
    Outcome::Exit
}

pub(super) fn proc_raise(_h: &mut HostState, _m: &mut Memory<'_>, _a: &[u64]) -> Outcome {
    Outcome::Errno(NOSYS)
}

/// Socket calls: `ENOTSOCK` for an open descriptor (none is a socket), `EBADF` otherwise.
pub(super) fn sock(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    match h.fds.get(arg32(a, 0)) {
        Ok(_) => Outcome::Errno(NOTSOCK),
        Err(e) => Outcome::Errno(e),
    }
}

pub(super) fn bench_start(h: &mut HostState, _m: &mut Memory<'_>, _a: &[u64]) -> Outcome {
    h.bench.start();
    Outcome::Void
}

pub(super) fn bench_end(h: &mut HostState, _m: &mut Memory<'_>, _a: &[u64]) -> Outcome {
    h.bench.end();
    Outcome::Void
}
