//! The five tasks a worker performs (see [`Task`](crate::protocol::Task)), each filling
//! in what it measured.

use std::time::{Duration, Instant};

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::Backend;

use super::compile_bound::CompileBound;
use super::instance::{prepare, run_instance};
use super::job::Job;
use super::memory::rss_per_instance;
use crate::failure::{io_failure, Failure};
use crate::protocol::{Measured, PhaseTimes, Request, RunOutput};
use crate::timing::timed;

/// Compile the module into an artifact at `req.artifact` (AOT backends).
pub fn precompile(backend: &dyn Backend, job: &Job, req: &Request, out: &mut Measured) -> Result<(), Failure> {
    let path = job
        .artifact
        .as_deref()
        .ok_or_else(|| Failure::harness("request has no artifact path"))?;
    let bound = CompileBound::start(req.compile_deadline_ms);
    let (artifact, ns) = timed(|| backend.precompile(&job.wasm));
    drop(bound);
    let artifact = artifact?
        .ok_or_else(|| Failure::new(ErrorKind::Unsupported, format!("{} does not precompile modules", job.backend)))?;
    std::fs::write(path, &artifact).map_err(|e| io_failure("writing artifact", path, e))?;
    out.samples.push(PhaseTimes {
        precompile: Some(ns),
        ..PhaseTimes::default()
    });
    out.artifact_bytes = Some(artifact.len() as u64);
    Ok(())
}

/// Prepare, instantiate and execute once: one cold sample (the engine was just created).
pub fn cold(backend: &dyn Backend, job: &Job, req: &Request, engine_ns: u64, out: &mut Measured) -> Result<(), Failure> {
    let (module, prepare_ns) = prepare(backend, job, req.compile_deadline_ms)?;
    let (exec, mut times) = run_instance(backend, module.as_ref(), &job.input)?;
    job.verify(&exec)?;
    times.engine = Some(engine_ns);
    times.prepare = Some(prepare_ns);
    out.samples.push(times);
    Ok(())
}

/// Prepare, instantiate and execute once and report what the guest did, unverified.
pub fn run(backend: &dyn Backend, job: &Job, req: &Request, out: &mut Measured) -> Result<(), Failure> {
    let (module, _) = prepare(backend, job, req.compile_deadline_ms)?;
    let (exec, times) = run_instance(backend, module.as_ref(), &job.input)?;
    out.samples.push(times);
    out.run = Some(RunOutput { exit_code: exec.exit_code, stdout: exec.stdout, stderr: exec.stderr });
    Ok(())
}

/// Prepare once, then discarded warm-up runs and up to `req.samples` measured ones within
/// the time budget, then per-instance memory at each of `req.instance_counts`.
pub fn warm(backend: &dyn Backend, job: &Job, req: &Request, out: &mut Measured) -> Result<(), Failure> {
    let (module, _) = prepare(backend, job, req.compile_deadline_ms)?;
    let budget = (req.max_time_ms > 0).then(|| Duration::from_millis(req.max_time_ms));
    let began = Instant::now();
    let over = |fraction: u32| budget.is_some_and(|b| began.elapsed() >= b / fraction);
    // Warm-up: discarded. Slow executions need little of it: stop after a quarter of the
    // budget.
    for i in 0..req.warmup {
        if i > 0 && over(4) {
            break;
        }
        let (exec, _) = run_instance(backend, module.as_ref(), &job.input)?;
        job.verify(&exec)?;
    }
    while out.samples.len() < req.samples && (out.samples.len() < req.min_samples.max(1) || !over(1)) {
        let (exec, times) = run_instance(backend, module.as_ref(), &job.input)?;
        job.verify(&exec)?;
        out.samples.push(times);
    }
    for &k in &req.instance_counts {
        out.instance_rss.push((k, rss_per_instance(backend, module.as_ref(), &job.input, k)?));
    }
    Ok(())
}

/// Requests per second and their latencies at each concurrency level.
pub fn throughput(job: &Job, req: &Request, out: &mut Measured) -> Result<(), Failure> {
    let duration = Duration::from_millis(req.throughput_ms);
    out.throughput = super::throughput::measure(job, &req.concurrency, duration)?;
    Ok(())
}
