//! Versus the alternatives: per workload, the whole cold start (spawn to exit) and the peak
//! resident set of every kind of backend — native process, container, Wasm in a container,
//! Wasm in-process, V8 isolate, runtime process — coloured by kind.

use plotters::prelude::*;
use wasmbench_data::Unit;

use super::{color, hbar, legend_panel, legend_width, notice, png, row, rows_chart, Area, Chart, DrawResult, Group, LogScale, ValueAxis};
use crate::compare::alternatives::rows;
use crate::compare::Category;
use crate::ReportError;

pub(crate) const PREFIX: &str = "alternatives-";

/// The colour of a kind of backend (the same in every chart of the comparison).
pub(crate) fn category_color(c: Category) -> RGBColor {
    color(Category::ALL.iter().position(|x| *x == c).unwrap_or(0))
}

/// The legend: the kinds of backend present, in report order.
pub(crate) fn category_legend(present: &[Category]) -> Vec<(String, RGBColor)> {
    Category::ALL.iter().filter(|c| present.contains(c)).map(|c| (c.label().to_string(), category_color(*c))).collect()
}

pub(super) fn render(group: &Group, log: LogScale) -> Result<Option<Chart>, ReportError> {
    let rows = rows(group.cells.iter().copied());
    if !rows.iter().any(|r| r.cold.is_some()) {
        return Ok(None);
    }
    let labels: Vec<String> = rows.iter().map(|r| group.row_label(r.cell)).collect();
    let colours: Vec<RGBColor> = rows.iter().map(|r| category_color(r.category)).collect();
    let cold: Vec<Option<f64>> = rows.iter().map(|r| r.cold.map(|m| m.summary.median)).collect();
    let rss: Vec<Option<f64>> = rows.iter().map(|r| r.peak_rss).collect();
    let present: Vec<Category> = rows.iter().map(|r| r.category).collect();
    let legend = category_legend(&present);
    let title = format!("Versus the alternatives — {}", group.label);
    let caption = "Left: median wall time of a whole cold start, from spawning the process that serves \
                   the request to its exit (`cold/process`; for in-process Wasm and V8 backends, a \
                   fresh worker process with a fresh engine). Right: median peak resident set of \
                   that process. Colours: the kind of backend."
        .to_string();
    let chart = png(format!("{PREFIX}{}.png", group.key), title, caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, super::Swatch::Box)?;
        let (left, right) = plot.split_horizontally(plot.dim_in_pixel().0 / 2);
        let panel = Panel { labels: &labels, colours: &colours, log };
        panel.draw(&left, &cold, Unit::Nanoseconds, "cold start, spawn to exit", "cold start")?;
        panel.draw(&right, &rss, Unit::Bytes, "peak RSS of that process", "peak resident set")?;
        Ok(())
    })?;
    Ok(Some(chart))
}

/// What both panels share.
struct Panel<'a> {
    labels: &'a [String],
    colours: &'a [RGBColor],
    log: LogScale,
}

impl Panel<'_> {
    /// One bar per row along a value axis of `values` in `unit`.
    fn draw(&self, area: &Area, values: &[Option<f64>], unit: Unit, title: &str, what: &str) -> DrawResult {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        if present.is_empty() {
            return notice(area, &format!("no {what} measurements"));
        }
        let axis = ValueAxis::new(&present, unit, self.log);
        let mut chart = rows_chart(area, Some(title), self.labels, &axis, &axis.desc(what))?;
        let n = self.labels.len();
        let inset = super::bar_inset(&chart, n, 36);
        chart.draw_series(values.iter().zip(self.colours).enumerate().filter_map(|(i, (v, c))| {
            v.map(|v| hbar(row(n, i), axis.base(), axis.pos(v), c.filled(), inset))
        }))?;
        Ok(())
    }
}
