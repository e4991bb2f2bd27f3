//! `github-action-benchmark.json`: the `customSmallerIsBetter` input of
//! github-action-benchmark. Only the headline figures of each cell (cold total and process
//! time, peak RSS, warm instantiate and execute, memory per instance, request latencies,
//! instruction counts): rates, where bigger is better, are left out.

use serde::Serialize;
use wasmbench_data::{Measurement, Mode, Phase, Results, Unit};

use super::bmf::benchmark_name;
use crate::document::value;
use crate::{Exporter, ReportError};

pub struct GithubActionExporter;

#[derive(Serialize)]
struct Entry {
    name: String,
    unit: &'static str,
    value: f64,
    range: String,
    extra: String,
}

/// Whether a measurement is a headline figure (given the largest instance count of its cell).
fn headline(m: &Measurement, max_instances: Option<u32>) -> bool {
    if m.unit == Unit::PerSecond {
        return false;
    }
    match (m.mode, m.phase) {
        (Mode::Cold, Phase::Total | Phase::Process | Phase::PeakRss) => true,
        (Mode::Warm, Phase::Instantiate | Phase::Execute | Phase::BenchRegion) => true,
        (Mode::Warm, Phase::InstanceRss) => m.instances == max_instances,
        (Mode::Throughput | Mode::Http, Phase::Request | Phase::FirstRequest) => true,
        (Mode::Callgrind, _) => true,
        _ => false,
    }
}

impl Exporter for GithubActionExporter {
    fn format(&self) -> &'static str {
        "github-action-benchmark"
    }

    fn file_name(&self) -> &'static str {
        "github-action-benchmark.json"
    }

    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        let mut entries = Vec::new();
        for cell in results.cells.iter().filter(|c| c.error.is_none()) {
            let max_instances = cell.measurements.iter().filter_map(|m| m.instances).max();
            for m in cell.measurements.iter().filter(|m| headline(m, max_instances)) {
                let [lo, hi] = m.summary.median_ci95;
                entries.push(Entry {
                    name: format!("{} {} {}", benchmark_name(&cell.id), m.mode, m.phase_label()),
                    unit: m.unit.as_str(),
                    value: m.summary.median,
                    range: format!("± {:.0}", ((hi - lo) / 2.0).max(0.0)),
                    extra: format!(
                        "median of {} samples; 95% CI {} – {}",
                        m.summary.n,
                        value(m.unit, lo),
                        value(m.unit, hi)
                    ),
                });
            }
        }
        super::pretty_json(&entries, "github-action-benchmark")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn headline_entries_only_smaller_is_better() {
        let bytes = GithubActionExporter.render(&fixture::results()).expect("render");
        let entries: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("json array");
        assert!(!entries.is_empty());
        for e in &entries {
            for field in ["name", "unit", "value"] {
                assert!(e.get(field).is_some(), "{e} lacks {field}");
            }
            assert!(e["value"].is_number());
            assert_ne!(e["unit"], "per-second", "rates are bigger-is-better: {e}");
        }
        let names: Vec<&str> = entries.iter().filter_map(|e| e["name"].as_str()).collect();
        assert!(names.contains(&"fib/c/wasmtime-cranelift warm execute"), "{names:?}");
        assert!(names.contains(&"fib/c/wasmtime-cranelift throughput request-c4"), "{names:?}");
        assert!(!names.iter().any(|n| n.ends_with("cold engine")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with("instance-rss-k100")));
        assert!(!names.iter().any(|n| n.ends_with("instance-rss-k10")));
    }
}
