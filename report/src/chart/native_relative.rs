//! Execution relative to native: a heat map, backends × workloads, native = 1×, with each
//! backend's geometric mean in the last column.

use std::collections::BTreeMap;

use plotters::prelude::*;
use wasmbench_data::Results;

use super::heat::{heat_map, mix, ratio_label, Heat};
use super::{png, Chart};
use crate::compare::native::{native_relative, Metric, Scope};
use crate::ReportError;

pub(crate) const FILE_NAME: &str = "native-relative.png";

/// Blue below 1× (faster than native), white at 1×, red above, deepest at 100× (and
/// 1/10×); log scale.
fn shade(ratio: f64) -> RGBColor {
    let white = RGBColor(247, 247, 247);
    let l = ratio.log10();
    if l < 0.0 { mix(white, RGBColor(33, 102, 172), -l) } else { mix(white, RGBColor(165, 15, 21), l / 2.0) }
}

pub(super) fn render(results: &Results, shapes: &BTreeMap<String, String>) -> Result<Option<Chart>, ReportError> {
    let Some(rel) = native_relative(results, shapes) else { return Ok(None) };
    let mut columns: Vec<String> = rel.columns.iter().map(|c| c.label.clone()).collect();
    let mut values = rel.ratios.clone();
    let mean = match &rel.scope {
        Scope::Compute(_) => Some("geo. mean, compute"),
        Scope::Every => Some("geo. mean, all"),
        Scope::NoCompute => None,
    };
    if let Some(mean) = mean {
        columns.push(mean.to_string());
        for (row, g) in values.iter_mut().zip(&rel.geomean) {
            row.push(g.map(|(m, _)| m));
        }
    }
    let (title, what) = match rel.metric {
        Metric::WarmExecute => ("Execution time relative to native", "median warm execute time"),
        Metric::Instructions => ("Instructions executed relative to native", "median instruction count of the execute phase (callgrind)"),
    };
    let caption = format!(
        "Each backend's {what} divided by the native build's for the same workload (the same source \
         language, else the workload's fastest native build): 1× is native speed, red is slower, \
         blue faster; the last column is the geometric mean per backend. Empty squares were not \
         measured or failed."
    );
    let chart = png(FILE_NAME.into(), title.into(), caption, |area| {
        let heat = Heat { rows: &rel.rows, columns: &columns, values: &values, shade, label: ratio_label, x_desc: "workload" };
        heat_map(area, &heat)
    })?;
    Ok(Some(chart))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_diverge_from_white_at_native_speed() {
        assert_eq!(shade(1.0), RGBColor(247, 247, 247));
        assert_eq!(shade(100.0), RGBColor(165, 15, 21));
        assert_eq!(shade(0.1), RGBColor(33, 102, 172));
        let (slower, faster) = (shade(3.0), shade(1.0 / 3.0));
        assert!(slower.0 > slower.2 && faster.2 > faster.0);
    }
}
