//! A metric's trend over a history of runs (`wasmbench history trend`): the series, the
//! chart that draws them (`chart`) and the Markdown table beside it (`markdown`).

use wasmbench_data::Unit;

mod chart;
mod markdown;

pub use chart::{render, MAX_LINES};
pub use markdown::markdown;

/// One metric of some cells over the runs of a history, oldest run first.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// `mode/phase`, e.g. `warm/execute`.
    pub metric: String,
    pub unit: Unit,
    pub runs: Vec<TrendRun>,
    pub lines: Vec<TrendLine>,
}

/// A run of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRun {
    pub id: String,
    pub timestamp: String,
    pub commit: Option<String>,
}

/// One cell's series: a value per run (`None`: the run did not measure it).
#[derive(Debug, Clone, PartialEq)]
pub struct TrendLine {
    pub label: String,
    pub values: Vec<Option<TrendValue>>,
}

/// A run's median with its bootstrap 95% confidence interval and sample count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendValue {
    pub median: f64,
    pub ci95: [f64; 2],
    pub n: usize,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Two cells over three runs; the second cell has no value in run 2.
    pub(crate) fn trend() -> Trend {
        let run = |i: usize| TrendRun { id: format!("r{i}"), timestamp: format!("2026-12-0{i}T00:00:00Z"), commit: Some(format!("c{i}")) };
        let v = |ms: f64| Some(TrendValue { median: ms * 1e6, ci95: [ms * 0.98e6, ms * 1.02e6], n: 30 });
        Trend {
            metric: "warm/execute".into(),
            unit: Unit::Nanoseconds,
            runs: (1..=3).map(run).collect(),
            lines: vec![
                TrendLine { label: "wasmi × fib (c)".into(), values: vec![v(10.0), v(10.0), v(12.0)] },
                TrendLine { label: "wasm3 × fib (c)".into(), values: vec![v(20.0), None, v(19.0)] },
            ],
        }
    }
}
