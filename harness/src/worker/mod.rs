//! The measuring child process (`wasmbench worker`).
//!
//! The harness never runs a guest in its own process: it spawns `wasmbench worker`, sends
//! one [`Request`] as JSON on its stdin and reads one [`Response`] as JSON from its stdout.
//! A cold sample is a fresh worker (fresh process, fresh engine, nothing cached); a warm
//! series is one worker that prepares once and instantiates + executes many times. A worker
//! that crashes or hangs costs one cell, never the run.
//!
//! All timing happens here, around each phase call, with the monotonic clock. This folder
//! is the child's side only: the protocol lives in `crate::protocol`, the parent's side
//! in `crate::measure`; nothing outside imports from here but the `worker` command.

mod compile_bound;
mod counters;
mod instance;
mod job;
pub mod measured;
mod memory;
mod tasks;
mod throughput;

use crate::failure::Failure;
use crate::protocol::{Measured, Request, Response, Task};
use crate::timing::timed;

use job::Job;

/// Run one request in this process.
pub fn serve(req: &Request) -> Response {
    match serve_inner(req) {
        Ok(mut measured) => {
            measured.peak_rss_bytes = memory::own_peak_rss();
            Response::Ok(measured)
        }
        Err(f) => Response::Failed {
            kind: f.kind,
            message: f.message,
        },
    }
}

fn serve_inner(req: &Request) -> Result<Measured, Failure> {
    // Everything read from disk is read before the clock starts.
    let job = Job::of(req)?;
    let (backend, engine_ns) = timed(|| job.backend.create(&job.limits));
    let backend = backend?;
    let mut flags = backend.flags();
    flags.extend(measured::set_slowdown(job.backend)?);
    let mut out = Measured::with_flags(flags);
    match req.task {
        Task::Precompile => tasks::precompile(backend.as_ref(), &job, req, &mut out)?,
        Task::Cold => tasks::cold(backend.as_ref(), &job, req, engine_ns, &mut out)?,
        Task::Warm => tasks::warm(backend.as_ref(), &job, req, &mut out)?,
        Task::Throughput => tasks::throughput(&job, req, &mut out)?,
        Task::Run => tasks::run(backend.as_ref(), &job, req, &mut out)?,
    }
    Ok(out)
}
