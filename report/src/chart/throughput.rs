//! Throughput against concurrency: one line per backend (per workload).

use plotters::prelude::*;
use wasmbench_data::{Cell, Mode, Phase, Unit};

use super::{color, legend_panel, legend_width, number, png, Chart, Group, LogScale, ValueAxis, DESC_PX, FONT, LABEL_PX};
use crate::ReportError;

/// (concurrency, median rate) points of a cell, by concurrency.
pub(crate) fn points(cell: &Cell) -> Vec<(u32, f64)> {
    let mut p: Vec<(u32, f64)> = cell
        .measurements
        .iter()
        .filter(|m| m.mode == Mode::Throughput && m.phase == Phase::Rate)
        .filter_map(|m| Some((m.concurrency?, m.summary.median)))
        .collect();
    p.sort_by_key(|(c, _)| *c);
    p
}

pub(super) fn render(group: &Group, log: LogScale) -> Result<Option<Chart>, ReportError> {
    let lines: Vec<(String, Vec<(u32, f64)>)> = group
        .cells
        .iter()
        .map(|c| (group.row_label(c), points(c)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    let mut levels: Vec<u32> = lines.iter().flat_map(|(_, p)| p.iter().map(|(c, _)| *c)).collect();
    levels.sort_unstable();
    levels.dedup();
    let rates: Vec<f64> = lines.iter().flat_map(|(_, p)| p.iter().map(|(_, r)| *r)).collect();
    let y = ValueAxis::new(&rates, Unit::PerSecond, log);
    // Concurrency levels are usually powers of two: equal spacing on a log2 axis.
    let log_x = levels.len() > 2 && levels.iter().all(|c| *c > 0) && levels[levels.len() - 1] / levels[0].max(1) >= 8;
    let xpos = move |c: u32| if log_x { (c.max(1) as f64).log2() } else { c as f64 };
    let (x0, x1) = (xpos(levels[0]), xpos(levels[levels.len() - 1]));
    let pad = ((x1 - x0) * 0.05).max(0.5);
    let ticks: Vec<f64> = levels.iter().map(|c| xpos(*c)).collect();
    let title = format!("Throughput against concurrency — {}", group.label);
    let caption = "Median rate of completed, verified requests per second, with `concurrency` \
                   workers each running fresh instances for a fixed time."
        .to_string();
    let legend: Vec<(String, RGBColor)> = lines.iter().enumerate().map(|(i, (l, _))| (l.clone(), color(i))).collect();
    let chart = png(format!("throughput-{}.png", group.key), title, caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, super::Swatch::Line)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(super::Ticked { lo: x0 - pad, hi: x1 + pad, ticks: ticks.clone() }, y.range())?;
        let x_fmt = |p: &f64| {
            let c = if log_x { 2f64.powf(*p) } else { *p };
            number(c.round())
        };
        let y_fmt = |p: &f64| y.tick_label(p);
        let x_desc = if log_x { "concurrent workers (log scale)" } else { "concurrent workers" };
        chart
            .configure_mesh()
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(x_desc)
            .y_desc(y.desc("throughput"))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, DESC_PX))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for (i, (_, p)) in lines.iter().enumerate() {
            let c = color(i);
            let pts: Vec<(f64, f64)> = p.iter().map(|(k, r)| (xpos(*k), y.pos(*r))).collect();
            chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(3)))?;
            chart.draw_series(pts.iter().map(|pt| Circle::new(*pt, 4, c.filled())))?;
        }
        Ok(())
    })?;
    Ok(Some(chart))
}
