//! Warm execution time relative to the fastest backend: a heat map, backends × workloads.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use wasmbench_data::{Mode, Phase, Results};

use super::{label_width, median, ordered, png, Chart, DESC_PX, FONT, LABEL_PX};
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
    let t = (ratio.max(1.0).log10() / 2.0).clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(247.0, 165.0), mix(251.0, 15.0), mix(255.0, 21.0))
}

pub(super) fn render(results: &Results) -> Result<Option<Chart>, ReportError> {
    let Some(rel) = relative(results) else { return Ok(None) };
    let caption = "Median warm execute time of each backend divided by the fastest median for the \
                   same workload (any backend, any source language): 1× is the fastest; empty \
                   cells were not measured or failed."
        .to_string();
    let chart = png("relative-execute.png".into(), "Execution time relative to the fastest backend".into(), caption, |area| {
        let (nr, nc) = (rel.rows.len() as i32, rel.columns.len() as i32);
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(48)
            .y_label_area_size(label_width(&rel.rows))
            .build_cartesian_2d(super::segments(nc), super::segments(nr))?;
        let x_fmt = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => rel.columns.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let y_fmt = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => usize::try_from(nr - 1 - i).ok().and_then(|k| rel.rows.get(k)).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(rel.columns.len())
            .y_labels(rel.rows.len())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("workload")
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, DESC_PX))
            .draw()?;
        let text = TextStyle::from((FONT, LABEL_PX).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        for (i, row) in rel.ratios.iter().enumerate() {
            let y = nr - 1 - i as i32;
            for (j, ratio) in row.iter().enumerate() {
                let x = j as i32;
                let fill = ratio.map(shade).unwrap_or(RGBColor(235, 235, 235));
                let mut r = Rectangle::new(
                    [(SegmentValue::Exact(x), SegmentValue::Exact(y)), (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1))],
                    fill.filled(),
                );
                r.set_margin(1, 1, 1, 1);
                chart.draw_series(std::iter::once(r))?;
                let label = match ratio {
                    Some(r) if *r < 9.95 => format!("{r:.1}×"),
                    Some(r) => format!("{r:.0}×"),
                    None => "–".to_string(),
                };
                let colour = if ratio.is_some_and(|r| r > 12.0) { WHITE } else { BLACK };
                chart.draw_series(std::iter::once(Text::new(
                    label,
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    text.clone().color(&colour),
                )))?;
            }
        }
        Ok(())
    })?;
    Ok(Some(chart))
}
