//! Warm execution time relative to the fastest backend: a heat map, backends × workloads.

use plotters::prelude::*;
use wasmbench_data::{Mode, Phase, Results};

use super::heat::{heat_map, mix, ratio_label, Heat};
use super::{median, ordered, png, Chart};
use crate::ReportError;

/// Rows (backends), columns (workload, or workload·language) and the ratio of each cell's
/// median warm execute time to the fastest of its workload (any backend, any language).
pub(crate) struct Relative {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub ratios: Vec<Vec<Option<f64>>>,
}

pub(crate) fn relative(results: &Results) -> Option<Relative> {
    let ok: Vec<_> = results
        .cells
        .iter()
        .filter_map(|c| Some((c, median(c, Mode::Warm, Phase::Execute).filter(|v| *v > 0.0)?)))
        .collect();
    if ok.is_empty() {
        return None;
    }
    let rows: Vec<String> = ordered(ok.iter().map(|(c, _)| c.id.backend.as_str())).into_iter().map(String::from).collect();
    // One column per workload when no backend ran a workload in two languages.
    let per_language = ok.iter().any(|(a, _)| {
        ok.iter().any(|(b, _)| a.id.backend == b.id.backend && a.id.workload == b.id.workload && a.id.language != b.id.language)
    });
    let key = |c: &wasmbench_data::Cell| {
        if per_language { format!("{} ({})", c.id.workload, c.id.language) } else { c.id.workload.clone() }
    };
    let keys: Vec<String> = ok.iter().map(|(c, _)| key(c)).collect();
    let columns: Vec<String> = ordered(keys.iter().map(String::as_str)).into_iter().map(String::from).collect();
    let fastest = |workload: &str| {
        ok.iter().filter(|(c, _)| c.id.workload == workload).map(|(_, v)| *v).fold(f64::INFINITY, f64::min)
    };
    let ratios = rows
        .iter()
        .map(|b| {
            columns
                .iter()
                .map(|col| {
                    ok.iter()
                        .zip(&keys)
                        .find(|((c, _), k)| &c.id.backend == b && *k == col)
                        .map(|((c, v), _)| v / fastest(&c.id.workload))
                })
                .collect()
        })
        .collect();
    Some(Relative { rows, columns, ratios })
}

/// White at 1×, deepening red towards 100× (log scale).
fn shade(ratio: f64) -> RGBColor {
    mix(RGBColor(247, 251, 255), RGBColor(165, 15, 21), ratio.max(1.0).log10() / 2.0)
}

pub(super) fn render(results: &Results) -> Result<Option<Chart>, ReportError> {
    let Some(rel) = relative(results) else { return Ok(None) };
    let caption = "Median warm execute time of each backend divided by the fastest median for the \
                   same workload (any backend, any source language): 1× is the fastest; empty \
                   cells were not measured or failed."
        .to_string();
    let chart = png("relative-execute.png".into(), "Execution time relative to the fastest backend".into(), caption, |area| {
        let heat = Heat { rows: &rel.rows, columns: &rel.columns, values: &rel.ratios, shade, label: ratio_label, x_desc: "workload" };
        heat_map(area, &heat)
    })?;
    Ok(Some(chart))
}
