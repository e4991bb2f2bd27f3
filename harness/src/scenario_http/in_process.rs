//! The same cell in process, beside its gateway figures: the worker's throughput task with
//! as many threads as the gateway has instance slots, for as long as one rate step, so
//! that `run --scenario http` says what serving over HTTP costs (README: "The gateway's
//! cost per request").

use std::time::Duration;

use wasmbench_data::{BackendKind, CellError, ErrorKind, Measurement, Mode, Phase, Unit};

use super::{fail, HttpSettings};
use crate::measure::client::ask;
use crate::plan::CellPlan;
use crate::protocol::{Level, Task};
use crate::stats::summarize;

/// Compiling the module in the worker (besides the measured time).
const COMPILE_DEADLINE: Duration = Duration::from_secs(120);

/// `rate-cC` (mode `throughput`) of the cell in process, with its request latencies and
/// the kernel's work per request, C = the gateway's instance cap.
pub(super) fn rates(cell: &CellPlan, settings: &HttpSettings) -> Result<Vec<Measurement>, CellError> {
    let artifacts = tempfile::tempdir().map_err(|e| fail(ErrorKind::Io, format!("a folder for the artifact: {e}")))?;
    let mut request = cell.worker_request(&settings.limits, COMPILE_DEADLINE);
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
    [
        one(Phase::Rate, Unit::PerSecond, vec![level.rate()]),
        one(Phase::Request, Unit::Nanoseconds, level.latency_samples.clone()),
    ]
    .into_iter()
    .chain(level.per_request().into_iter().map(|(phase, value)| one(phase, Unit::PerRequest, vec![value])))
    .flatten()
    .collect()
}

fn cell_error(f: crate::failure::Failure) -> CellError {
    fail(f.kind, f.message)
}
