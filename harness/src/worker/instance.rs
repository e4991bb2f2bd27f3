//! The phases of one request inside the worker, each timed around the backend's call:
//! prepare (under the compile deadline), then sandbox, instantiate and execute.

use wasmbench_runtimes::{Backend, Execution, PreparedModule, WasiInput};

use super::compile_bound::CompileBound;
use super::measured::wasmbench_measured_execute;
use crate::failure::Failure;
use crate::protocol::PhaseTimes;
use crate::timing::timed;

use super::job::Job;

/// Compile or load the job's module, bounded by the compile deadline; with its time.
pub fn prepare(
    backend: &dyn Backend,
    job: &Job,
    compile_deadline_ms: u64,
) -> Result<(Box<dyn PreparedModule>, u64), Failure> {
    let _bound = CompileBound::start(compile_deadline_ms);
    let (module, ns) = timed(|| backend.prepare(job.code()));
    Ok((module?, ns))
}

/// One fresh instance: sandbox (if the backend has one), instantiate, execute, each timed.
pub fn run_instance(
    backend: &dyn Backend,
    module: &dyn PreparedModule,
    input: &WasiInput,
) -> Result<(Execution, PhaseTimes), Failure> {
    let (sandbox, isolate_ns) = timed(|| backend.create_sandbox());
    let sandbox = sandbox?;
    let isolate = sandbox.is_some().then_some(isolate_ns);
    let (instance, instantiate_ns) = timed(|| match sandbox {
        Some(sandbox) => module.instantiate_in(sandbox, input),
        None => module.instantiate(input),
    });
    let (exec, execute_ns) = timed(|| instance.and_then(wasmbench_measured_execute));
    let exec = exec?;
    let times = PhaseTimes {
        isolate,
        instantiate: Some(instantiate_ns),
        execute: Some(execute_ns),
        engine_heap: exec.engine_heap_bytes,
        bench_region: exec.bench_region_ns,
        ..PhaseTimes::default()
    };
    Ok((exec, times))
}
