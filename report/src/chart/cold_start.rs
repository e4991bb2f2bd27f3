//! Cold start, phase by phase: one stacked bar per backend (per workload).

use plotters::prelude::*;
use wasmbench_data::{Mode, Phase, Unit};

use super::{color, hbar, legend_panel, legend_width, median, png, row, rows_chart, Chart, Group, LogScale, ValueAxis};
use crate::ReportError;

/// The stacked segments: the in-process phases, then the rest of the process wall time.
const SEGMENTS: [(Phase, &str); 5] = [
    (Phase::Engine, "engine"),
    (Phase::Prepare, "prepare (compile / load)"),
    (Phase::Isolate, "isolate"),
    (Phase::Instantiate, "instantiate"),
    (Phase::Execute, "execute"),
];
const REST: &str = "process start + exit";

pub(super) fn render(group: &Group, log: LogScale) -> Result<Option<Chart>, ReportError> {
    // (label, segment medians, process wall time)
    let rows: Vec<(String, Vec<f64>, Option<f64>)> = group
        .cells
        .iter()
        .filter(|c| median(c, Mode::Cold, Phase::Total).is_some())
        .map(|c| {
            let segments = SEGMENTS.iter().map(|(p, _)| median(c, Mode::Cold, *p).unwrap_or(0.0)).collect();
            (group.row_label(c), segments, median(c, Mode::Cold, Phase::Process))
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let ends: Vec<f64> = rows
        .iter()
        .map(|(_, s, process)| process.unwrap_or(0.0).max(s.iter().sum()))
        .collect();
    let axis = ValueAxis::new(&ends, Unit::Nanoseconds, log);
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let title = format!("Cold start by phase — {}", group.label);
    let mut caption = "Median of each phase over the cold samples (a fresh worker process and engine \
                       each), stacked; the bar ends at the median wall time of the whole process."
        .to_string();
    if axis.log {
        caption.push_str(" Log scale: compare bar ends, not segment widths.");
    }
    let present = |k: usize| rows.iter().any(|r| r.1[k] > 0.0);
    let rest = RGBColor(200, 200, 200);
    let mut legend: Vec<(String, RGBColor)> =
        SEGMENTS.iter().enumerate().filter(|(k, _)| present(*k)).map(|(k, (_, name))| (name.to_string(), color(k))).collect();
    legend.push((REST.to_string(), rest));
    let chart = png(format!("cold-start-{}.png", group.key), title, caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, super::Swatch::Box)?;
        let mut chart = rows_chart(&plot, None, &labels, &axis, &axis.desc("cold start"))?;
        let inset = super::bar_inset(&chart, rows.len(), 40);
        for k in 0..SEGMENTS.len() {
            if !present(k) {
                continue;
            }
            let c = color(k);
            chart.draw_series(rows.iter().enumerate().map(|(i, (_, seg, _))| {
                let start: f64 = seg[..k].iter().sum();
                hbar(row(rows.len(), i), axis.pos(start), axis.pos(start + seg[k]), c.filled(), inset)
            }))?;
        }
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, (_, seg, process))| {
                let inner: f64 = seg.iter().sum();
                let p = (*process)?;
                (p > inner).then(|| hbar(row(rows.len(), i), axis.pos(inner), axis.pos(p), rest.filled(), inset))
            }))?;
        Ok(())
    })?;
    Ok(Some(chart))
}
