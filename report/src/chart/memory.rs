//! Memory: resident growth per live instance and peak RSS of a cold worker, per backend.

use plotters::prelude::*;
use wasmbench_data::{Cell, Mode, Phase, Unit};

use super::{color, hbar, median, notice, png, row, rows_chart, Chart, Group, LogScale, ValueAxis};
use crate::ReportError;

/// The per-instance figure with the most live instances (the least page-granular one).
pub(crate) fn per_instance(cell: &Cell) -> Option<(u32, f64)> {
    cell.measurements
        .iter()
        .filter(|m| m.phase == Phase::InstanceRss)
        .filter_map(|m| Some((m.instances?, m.summary.median)))
        .max_by_key(|(k, _)| *k)
}

/// A bar label, its per-instance figure (instance count, bytes) and its peak RSS.
type MemoryRow = (String, Option<(u32, f64)>, Option<f64>);

pub(super) fn render(group: &Group, log: LogScale) -> Result<Option<Chart>, ReportError> {
    let rows: Vec<MemoryRow> = group
        .cells
        .iter()
        .map(|c| (group.row_label(c), per_instance(c), median(c, Mode::Cold, Phase::PeakRss)))
        .filter(|(_, a, b)| a.is_some() || b.is_some())
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let k = rows.iter().filter_map(|r| r.1.map(|(k, _)| k)).max();
    let title = format!("Memory — {}", group.label);
    let caption = "Left: growth of the worker's resident set per live instance while many fresh \
                   instances are held at once (median). Right: median peak resident set of a whole \
                   cold worker process (engine, compiled code and one execution)."
        .to_string();
    let chart = png(format!("memory-{}.png", group.key), title, caption, |area| {
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
        let panel = |area: &super::Area, values: Vec<Option<f64>>, what: &str, colour: RGBColor| -> super::DrawResult {
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            if present.is_empty() {
                return notice(area, &format!("no {what} measurements"));
            }
            let axis = ValueAxis::new(&present, Unit::Bytes, log);
            let mut chart = rows_chart(area, Some(what), &labels, &axis, &axis.desc("resident memory"))?;
            let inset = super::bar_inset(&chart, labels.len(), 40);
            chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                v.map(|v| hbar(row(labels.len(), i), axis.base(), axis.pos(v), colour.filled(), inset))
            }))?;
            Ok(())
        };
        let per_instance_title = match k {
            Some(k) => format!("per live instance ({k} held at once)"),
            None => "per live instance".to_string(),
        };
        panel(&left, rows.iter().map(|r| r.1.map(|(_, v)| v)).collect(), &per_instance_title, color(0))?;
        panel(&right, rows.iter().map(|r| r.2).collect(), "peak RSS of a cold worker process", color(1))?;
        Ok(())
    })?;
    Ok(Some(chart))
}
