//! Cost per million requests: per workload, one group of three bars per backend — every
//! request a cold start, the mixed pattern, every request warm — under the pricing model.

use plotters::prelude::*;

use super::{color, legend_panel, legend_width, png, row, rows_chart, Chart, Group, LogScale, ValueAxis};
use crate::compare::cost::rows;
use crate::pricing::Pricing;
use crate::ReportError;

pub(crate) const PREFIX: &str = "cost-";

/// The three patterns' names in the legend, given the mixed pattern's cold share.
pub(crate) fn pattern_names(pricing: &Pricing) -> [String; 3] {
    [
        "every request cold".to_string(),
        format!("mixed ({}% cold)", crate::chart::number(pricing.traffic.mixed_cold_fraction * 100.0)),
        "every request warm".to_string(),
    ]
}

pub(super) fn render(group: &Group, pricing: &Pricing, log: LogScale) -> Result<Option<Chart>, ReportError> {
    let rows = rows(group.cells.iter().copied(), pricing);
    if rows.is_empty() {
        return Ok(None);
    }
    let labels: Vec<String> = rows.iter().map(|r| group.row_label(r.cell)).collect();
    let bars: Vec<[Option<f64>; 3]> = rows.iter().map(|r| [r.cold_only, r.mixed, r.warm_only]).collect();
    let all: Vec<f64> = bars.iter().flatten().flatten().copied().collect();
    let colours = [color(2), color(5), color(0)];
    let legend: Vec<(String, RGBColor)> = pattern_names(pricing).into_iter().zip(colours).collect();
    let title = format!("Cost per million requests — {}", group.label);
    let caption = format!(
        "Price of a million requests under the pricing model ({}): a fee per request plus the \
         billed duration times the billed memory (the measured peak resident set, rounded up). \
         Cold requests are billed a whole cold start, warm ones a warm request; see the cost \
         section for what each backend is billed.",
        pricing.source.name
    );
    let chart = png(format!("{PREFIX}{}.png", group.key), title, caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, super::Swatch::Box)?;
        let axis = ValueAxis::plain(&all, log);
        let scale = if axis.log { ", log scale" } else { "" };
        let desc = format!("cost per million requests ({}{scale})", pricing.currency);
        let mut chart = rows_chart(&plot, None, &labels, &axis, &desc)?;
        let n = labels.len();
        let inset = super::bar_inset(&chart, n, 54);
        let h = chart.plotting_area().dim_in_pixel().1 / n.max(1) as u32;
        let thick = (h.saturating_sub(2 * inset) / 3).max(1);
        for (k, colour) in colours.iter().enumerate() {
            let k = k as u32;
            chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                let v = b[k as usize]?;
                let r = row(n, i);
                let mut rect =
                    Rectangle::new([(axis.base(), SegmentValue::Exact(r)), (axis.pos(v), SegmentValue::Exact(r + 1))], colour.filled());
                rect.set_margin(inset + k * thick, h.saturating_sub(inset + (k + 1) * thick), 0, 0);
                Some(rect)
            }))?;
        }
        Ok(())
    })?;
    Ok(Some(chart))
}
