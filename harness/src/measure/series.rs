//! Series: the samples of one (mode, phase) of a cell as they are collected over rounds,
//! and their summaries in the cell's measurements.

use wasmbench_data::{Cell, CellError, Measurement, Mode, Phase, Unit};

use crate::failure::Failure;
use crate::protocol::{Percentiles, PhaseTimes};
use crate::stats::summarize;

/// Samples of one (mode, phase), collected while measuring.
pub struct Series {
    pub mode: Mode,
    pub phase: Phase,
    pub unit: Unit,
    pub values: Vec<f64>,
    pub instances: Option<u32>,
    pub concurrency: Option<u32>,
    /// Statistics of all events when `values` keeps only some (throughput latencies:
    /// count and percentiles from the HdrHistogram of every request).
    pub exact: Option<(u64, Percentiles)>,
    /// Warm series: how many values there were at the end of each round, so that rounds
    /// (processes) can be told apart.
    pub round_ends: Vec<usize>,
}

impl Series {
    /// A series of one kind of sample, with no instance count or concurrency.
    pub fn new(mode: Mode, phase: Phase, unit: Unit, values: Vec<f64>) -> Series {
        Series {
            mode,
            phase,
            unit,
            values,
            instances: None,
            concurrency: None,
            exact: None,
            round_ends: Vec::new(),
        }
    }
}

/// The phases every sample has, cold or warm: isolate to execute, and their total.
pub fn push_instance_phases(series: &mut Vec<Series>, mode: Mode, s: &PhaseTimes) {
    push(series, mode, Phase::Isolate, Unit::Nanoseconds, s.isolate);
    push(series, mode, Phase::Instantiate, Unit::Nanoseconds, s.instantiate);
    push(series, mode, Phase::Execute, Unit::Nanoseconds, s.execute);
    push(series, mode, Phase::BenchRegion, Unit::Nanoseconds, s.bench_region);
    push(series, mode, Phase::Total, Unit::Nanoseconds, total(s));
}

/// Add one sample to the series of (mode, phase, unit), starting it if needed.
pub fn push(series: &mut Vec<Series>, mode: Mode, phase: Phase, unit: Unit, value: Option<u64>) {
    let Some(value) = value else { return };
    match series
        .iter_mut()
        .find(|s| s.mode == mode && s.phase == phase && s.unit == unit && s.instances.is_none() && s.concurrency.is_none())
    {
        Some(s) => s.values.push(value as f64),
        None => series.push(Series::new(mode, phase, unit, vec![value as f64])),
    }
}

/// Summarise measured series into the cell, or record why it failed.
pub fn record(out: &mut Cell, series: &Result<Vec<Series>, Failure>) {
    match series {
        Ok(series) => summarise(out, series),
        Err(f) => {
            out.error = Some(CellError {
                kind: f.kind,
                message: f.message.clone(),
            });
        }
    }
}

/// The cell's measurements: a summary of each series, with its samples.
pub fn summarise(out: &mut Cell, series: &[Series]) {
    for s in series {
        let Some(mut summary) = summarize(&s.values) else {
            continue;
        };
        if let Some((n, p)) = &s.exact {
            summary.n = usize::try_from(*n).unwrap_or(usize::MAX);
            summary.min = p.min;
            summary.median = p.p50;
            summary.mean = p.mean;
            summary.p90 = p.p90;
            summary.p99 = p.p99;
            summary.max = p.max;
            summary.stddev = p.stddev;
            summary.cv = if p.mean > 0.0 { p.stddev / p.mean } else { 0.0 };
        }
        out.measurements.push(Measurement {
            mode: s.mode,
            phase: s.phase,
            unit: s.unit,
            summary,
            samples: s.values.clone(),
            instances: s.instances,
            concurrency: s.concurrency,
        });
    }
}

fn total(s: &PhaseTimes) -> Option<u64> {
    let parts = [s.engine, s.prepare, s.isolate, s.instantiate, s.execute];
    Some(parts.iter().flatten().sum())
}
