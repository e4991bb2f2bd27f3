//! `bencher.json`: Bencher Metric Format. One benchmark per cell (`workload/language/backend`),
//! one measure per measurement (`mode-phase`, e.g. `cold-total`, `warm-instance-rss-k100`,
//! `throughput-rate-c4`), valued at the median with the median's 95% confidence interval
//! as lower and upper value. Module and artifact sizes are measures too.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use wasmbench_data::Results;

use crate::{Exporter, ReportError};

pub struct BmfExporter;

/// The benchmark name of a cell in BMF and github-action-benchmark exports.
pub fn benchmark_name(id: &wasmbench_data::CellId) -> String {
    format!("{}/{}/{}", id.workload, id.language, id.backend)
}

impl Exporter for BmfExporter {
    fn format(&self) -> &'static str {
        "bmf"
    }

    fn file_name(&self) -> &'static str {
        "bencher.json"
    }

    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        let mut doc: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        for cell in results.cells.iter().filter(|c| c.error.is_none()) {
            let measures = doc.entry(benchmark_name(&cell.id)).or_default();
            measures.insert("module-size".into(), json!({ "value": cell.module_bytes }));
            if let Some(bytes) = cell.artifact_bytes {
                measures.insert("artifact-size".into(), json!({ "value": bytes }));
            }
            for m in &cell.measurements {
                let [lo, hi] = m.summary.median_ci95;
                let mut metric = json!({ "value": m.summary.median });
                // A single sample has no interval: leave the bounds out rather than claim one.
                if m.summary.n >= 2 && lo <= m.summary.median && m.summary.median <= hi {
                    metric["lower_value"] = json!(lo);
                    metric["upper_value"] = json!(hi);
                }
                measures.insert(format!("{}-{}", m.mode, m.phase_label()), metric);
            }
        }
        super::pretty_json(&doc, "bmf")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn snapshot_of_the_synthetic_run() {
        let text = String::from_utf8(BmfExporter.render(&fixture::results()).expect("render")).expect("utf-8");
        insta::assert_snapshot!(text);
    }
}
