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
    /// The round each value was measured in (parallel to `values`).
    pub value_rounds: Vec<usize>,
}

impl Series {
    /// A series of one kind of sample, with no instance count or concurrency.
    pub fn new(mode: Mode, phase: Phase, unit: Unit, values: Vec<f64>) -> Series {
        Series {
            value_rounds: vec![0; values.len()],
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

    /// Throw away the values measured in `round`, keeping the round boundaries of the rest.
    pub fn drop_round(&mut self, round: usize) {
        let mut ends = Vec::new();
        let (mut values, mut rounds) = (Vec::new(), Vec::new());
        for (i, (&v, &r)) in self.values.iter().zip(&self.value_rounds).enumerate() {
            if r != round {
                values.push(v);
                rounds.push(r);
            }
            let last_of_round = self.round_ends.contains(&(i + 1));
            if last_of_round && r != round && ends.last() != Some(&values.len()) {
                ends.push(values.len());
            }
        }
        (self.values, self.value_rounds, self.round_ends) = (values, rounds, ends);
    }

    /// Whether the samples of this series are measured again when their round is
    /// disturbed: cold and warm time series (not per-instance memory or throughput,
    /// measured in the first round only).
    pub fn remeasured(&self) -> bool {
        matches!(self.mode, Mode::Cold | Mode::Warm) && self.instances.is_none() && self.concurrency.is_none()
    }
}

/// The phases every sample has, cold or warm: isolate to execute, and their total.
pub fn push_instance_phases(series: &mut Vec<Series>, round: usize, mode: Mode, s: &PhaseTimes) {
    push(series, round, mode, Phase::Isolate, Unit::Nanoseconds, s.isolate);
    push(series, round, mode, Phase::Instantiate, Unit::Nanoseconds, s.instantiate);
    push(series, round, mode, Phase::Execute, Unit::Nanoseconds, s.execute);
    push(series, round, mode, Phase::BenchRegion, Unit::Nanoseconds, s.bench_region);
    push(series, round, mode, Phase::Total, Unit::Nanoseconds, total(s));
}

/// Add one sample of round `round` to the series of (mode, phase, unit), starting it if
/// needed.
pub fn push(series: &mut Vec<Series>, round: usize, mode: Mode, phase: Phase, unit: Unit, value: Option<u64>) {
    let Some(value) = value else { return };
    let at = series
        .iter()
        .position(|s| s.mode == mode && s.phase == phase && s.unit == unit && s.instances.is_none() && s.concurrency.is_none());
    let at = at.unwrap_or_else(|| {
        series.push(Series::new(mode, phase, unit, Vec::new()));
        series.len() - 1
    });
    series[at].values.push(value as f64);
    series[at].value_rounds.push(round);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_a_round_keeps_the_other_rounds_apart() {
        let mut s = Series::new(Mode::Warm, Phase::Execute, Unit::Nanoseconds, Vec::new());
        for (round, n) in [(0, 2), (1, 3), (2, 2)] {
            for v in 0..n {
                s.values.push(f64::from(v));
                s.value_rounds.push(round);
            }
            s.round_ends.push(s.values.len());
        }
        s.drop_round(1);
        assert_eq!(s.values, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(s.value_rounds, [0, 0, 2, 2]);
        assert_eq!(s.round_ends, [2, 4]);
        s.drop_round(0);
        assert_eq!((s.values.len(), s.round_ends.as_slice()), (2, &[2][..]));
    }
}
