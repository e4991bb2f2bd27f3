//! Cells of the process backends (native, container, node-js, node-wasi, wasmtime-cli):
//! each sample a whole process, measured from the outside after the worker cells.
//!
//! Wall-clock mode: `--cold-samples` processes give mode `cold`, phases `process` (spawn
//! to exit) and `peak_rss`; native builds add `execute` (their own `main`, reported on
//! fd 3), and for them `--samples` more processes (after `--warmup` discarded ones, within
//! `--max-time`) give mode `warm`, phase `execute`: the figure WebAssembly's warm execute
//! is compared with. Instruction mode: the native build's `main` under callgrind.

use std::time::Instant;

use wasmbench_data::{Cell, CellId, Mode, Phase, Unit};

use super::sampling::WORKER_GRACE;
use super::series::{record, Series};
use crate::failure::Failure;
use crate::module_io::{read_expected_stderr, read_io};
use crate::process_backend::sample::{instructions, sample, Expected, Sample};
use crate::process_backend::{Prepared, ProcessCell};
use crate::settings::{Measure, Settings};

pub fn id(cell: &ProcessCell) -> CellId {
    CellId {
        backend: cell.backend.name().to_string(),
        workload: cell.workload.name.clone(),
        language: cell.module.language.clone(),
    }
}

/// Measure one cell; `scratch` holds what its samples share (runner scripts, bundles).
pub fn measure(cell: &ProcessCell, scratch: &std::path::Path, settings: &Settings) -> Cell {
    let mut out = Cell::new(id(cell), cell.backend.kind());
    out.flags = settings.process.iter().filter(|(b, _)| *b == cell.backend).map(|(_, v)| v.clone()).collect();
    if let Some(native) = &cell.module.native {
        out.module_bytes = native.bytes;
    } else if let Ok(meta) = std::fs::metadata(&cell.module.wasm) {
        out.module_bytes = meta.len();
    }
    let series = (|| {
        let (stdin, stdout) = read_io(cell.workload.stdin.as_deref(), &cell.workload.expected_stdout)?;
        let stderr = read_expected_stderr(cell.workload.expected_stderr.as_deref())?;
        let expected = Expected { stdin: &stdin, stdout: &stdout, stderr: stderr.as_deref(), exit: cell.workload.expected_exit };
        let prepared = Prepared::new(cell, scratch)?;
        match settings.measure {
            Measure::Instructions => counted(&prepared, &expected, scratch, settings),
            _ => timed(&prepared, &expected, settings),
        }
    })();
    record(&mut out, &series);
    out
}

/// Cold processes, then (for native builds) warm execute times.
fn timed(prepared: &Prepared, expected: &Expected<'_>, settings: &Settings) -> Result<Vec<Series>, Failure> {
    let timeout = settings.limits.deadline + WORKER_GRACE;
    let s = &settings.sampling;
    let cold = repeat(s.cold_samples.max(1), s.min_samples.max(1), s, |n| sample(prepared, n, expected, timeout))?;
    let mut series = vec![
        Series::new(Mode::Cold, Phase::Process, Unit::Nanoseconds, cold.iter().map(|x| x.wall_ns as f64).collect()),
        Series::new(Mode::Cold, Phase::PeakRss, Unit::Bytes, cold.iter().filter_map(|x| x.max_rss_bytes.map(|b| b as f64)).collect()),
    ];
    if !prepared.backend.reports_execute() {
        return Ok(series);
    }
    series.push(Series::new(Mode::Cold, Phase::Execute, Unit::Nanoseconds, executes(&cold)));
    if s.warm_samples > 0 && prepared.backend == crate::process_backend::ProcessBackend::Native {
        let offset = cold.len();
        for n in 0..s.warmup {
            sample(prepared, offset + n, expected, timeout)?;
        }
        let offset = offset + s.warmup;
        let warm = repeat(s.warm_samples, s.min_samples.max(1), s, |n| sample(prepared, offset + n, expected, timeout))?;
        series.push(Series::new(Mode::Warm, Phase::Execute, Unit::Nanoseconds, executes(&warm)));
    }
    Ok(series)
}

fn executes(samples: &[Sample]) -> Vec<f64> {
    samples.iter().filter_map(|x| x.execute_ns.map(|n| n as f64)).collect()
}

/// Up to `most` samples, at least `least`, stopping past the time budget in between.
fn repeat<T>(
    most: usize,
    least: usize,
    s: &crate::settings::Sampling,
    mut one: impl FnMut(usize) -> Result<T, Failure>,
) -> Result<Vec<T>, Failure> {
    let began = Instant::now();
    let mut out = Vec::new();
    for n in 0..most {
        if n >= least && began.elapsed() >= s.max_time {
            break;
        }
        out.push(one(n)?);
    }
    Ok(out)
}

/// Instruction counts of the native build's `main` (one per cold sample).
fn counted(prepared: &Prepared, expected: &Expected<'_>, scratch: &std::path::Path, settings: &Settings) -> Result<Vec<Series>, Failure> {
    let timeout = settings.limits.deadline * 20 + WORKER_GRACE;
    let mut counts = Vec::new();
    for n in 0..settings.sampling.cold_samples.max(1) {
        let profile = scratch.join(format!("native-{}-{n}.callgrind", std::process::id()));
        counts.push(instructions(prepared, expected, &profile, timeout)? as f64);
        let _ = std::fs::remove_file(&profile);
    }
    Ok(vec![Series::new(Mode::Callgrind, Phase::Execute, Unit::Instructions, counts)])
}
