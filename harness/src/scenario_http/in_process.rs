//! The same cell in process, beside its gateway figures: the worker's throughput task with
//! as many threads as the gateway has instance slots, for as long as one rate step, so
//! that `run --scenario http` says what serving over HTTP costs (README: "The gateway's
//! cost per request").

use std::time::Duration;

use wasmbench_data::{BackendKind, CellError, ErrorKind, Measurement, Mode, Phase, Unit};

use super::{fail, HttpSettings};
use crate::measure::client::ask;
use crate::plan::CellPlan;
use crate::protocol::{Level, PreopenDir, Request, Task};
use crate::stats::summarize;

/// Compiling the module in the worker (besides the measured time).
const COMPILE_DEADLINE: Duration = Duration::from_secs(120);

/// `rate-cC` (mode `throughput`) of the cell in process, with its request latencies and
/// the kernel's work per request, C = the gateway's instance cap.
pub(super) fn rates(cell: &CellPlan, settings: &HttpSettings) -> Result<Vec<Measurement>, CellError> {
    let artifacts = tempfile::tempdir().map_err(|e| fail(ErrorKind::Io, format!("a folder for the artifact: {e}")))?;
    let mut request = request(cell, settings);
    if cell.backend.kind() == BackendKind::Aot {
        request.task = Task::Precompile;
        request.artifact = Some(artifacts.path().join("module.artifact"));
        ask(&settings.worker_exe, &[], &request, COMPILE_DEADLINE).map_err(cell_error)?;
    }
    request.task = Task::Throughput;
    let threads = u32::try_from(settings.max_concurrent).unwrap_or(u32::MAX);
    request.concurrency = vec![threads];
    request.throughput_ms = u64::try_from(settings.step.as_millis()).unwrap_or(u64::MAX);
    let timeout = settings.step + settings.limits.deadline * 3 + COMPILE_DEADLINE;
    let answer = ask(&settings.worker_exe, &[], &request, timeout).map_err(cell_error)?;
    Ok(answer.measured.throughput.iter().flat_map(measurements).collect())
}

fn request(cell: &CellPlan, settings: &HttpSettings) -> Request {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    Request {
        env: cell.workload.env.clone(),
        args: cell.workload.args.clone(),
        stdin: cell.workload.stdin.clone(),
        preopens: cell.workload.preopens.iter().map(PreopenDir::from).collect(),
        expected_stdout: cell.workload.expected_stdout.clone(),
        expected_stderr: cell.workload.expected_stderr.clone(),
        expected_exit: cell.workload.expected_exit,
        max_memory_bytes: settings.limits.max_memory_bytes,
        max_output_bytes: settings.limits.max_output_bytes as u64,
        ..Request::one_shot(
            Task::Throughput,
            cell.backend.name(),
            cell.module.wasm.clone(),
            ms(settings.limits.deadline),
            ms(COMPILE_DEADLINE),
        )
    }
}

/// A level as mode-`throughput` measurements: its rate, its request latencies and its
/// per-request kernel counts.
fn measurements(level: &Level) -> Vec<Measurement> {
    let one = |phase, unit, samples: Vec<f64>| {
        summarize(&samples).map(|summary| Measurement {
            mode: Mode::Throughput,
            phase,
            unit,
            summary,
            samples,
            instances: None,
            concurrency: Some(level.concurrency),
        })
    };
    let requests = level.requests.max(1) as f64;
    let kernel = level.kernel.clone().unwrap_or_default();
    let per_request = [
        (Phase::Syscalls, kernel.syscalls),
        (Phase::MmSyscalls, kernel.mm_syscalls),
        (Phase::Faults, Some(kernel.faults)),
        (Phase::TlbShootdowns, kernel.tlb_shootdowns),
    ];
    [
        one(Phase::Rate, Unit::PerSecond, vec![level.rate()]),
        one(Phase::Request, Unit::Nanoseconds, level.latency_samples.clone()),
    ]
    .into_iter()
    .chain(
        per_request
            .into_iter()
            .filter(|_| level.kernel.is_some())
            .map(|(phase, count)| one(phase, Unit::PerRequest, count.map(|n| n as f64 / requests).into_iter().collect())),
    )
    .flatten()
    .collect()
}

fn cell_error(f: crate::failure::Failure) -> CellError {
    fail(f.kind, f.message)
}
