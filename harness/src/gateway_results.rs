//! The gateway seen from the results: mode-`http` measurements of load reports, a results
//! document for a `load` run, and the line `serve` prints once it listens (which the `http`
//! scenario waits for).

use wasmbench_data::{BackendKind, Cell, CellId, Environment, Measurement, Mode, Phase, Results, RunConfig, Unit};
use wasmbench_gateway::load::LoadReport;

use crate::stats::summarize;

/// The line `serve` prints once it accepts connections (the `http` scenario waits for it).
pub const LISTENING: &str = "wasmbench serve: listening on http://";

/// The measurements of one load run: per-request latency of the `ok` responses and the
/// achieved rate, at `connections` concurrency.
pub fn load_measurements(report: &LoadReport) -> Vec<Measurement> {
    let concurrency = u32::try_from(report.connections).ok();
    let latencies: Vec<f64> = report.ok_latencies_ns.iter().map(|&ns| ns as f64).collect();
    [
        http_measurement(Phase::Request, Unit::Nanoseconds, latencies, concurrency),
        http_measurement(Phase::Rate, Unit::PerSecond, vec![report.achieved_rate], concurrency),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A mode-`http` measurement of `samples` (none when there are no samples).
pub fn http_measurement(phase: Phase, unit: Unit, samples: Vec<f64>, concurrency: Option<u32>) -> Option<Measurement> {
    summarize(&samples).map(|summary| Measurement {
        mode: Mode::Http,
        phase,
        unit,
        summary,
        samples,
        instances: None,
        concurrency,
    })
}

/// A results document for a `load` run against any URL: one cell, backend `http`.
pub fn load_results(report: &LoadReport, environment: Environment) -> Results {
    let workload = report
        .url
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("url")
        .to_string();
    let config = RunConfig {
        backends: vec!["http".into()],
        workloads: vec![workload.clone()],
        ..RunConfig::default()
    };
    let mut results = Results::new(environment, config);
    let id = CellId {
        backend: "http".into(),
        workload,
        language: String::new(),
    };
    results.cells.push(Cell {
        flags: vec![
            format!("url={}", report.url),
            format!("target-rate={}", report.target_rate),
            format!("duration-s={}", report.duration_s),
        ],
        measurements: load_measurements(report),
        ..Cell::new(id, BackendKind::External)
    });
    results.complete = true;
    results
}
