//! A metric over a history of runs (`wasmbench history trend`): one line per cell through
//! each run's median, with the median's 95% confidence interval as a bar at every point.

use plotters::prelude::*;

use crate::chart::{color, legend_panel, legend_width, number, png, Chart, LogScale, Swatch, Ticked, ValueAxis, DESC_PX, FONT, LABEL_PX};
use super::Trend;
use crate::ReportError;

/// The most series one chart draws (the Markdown table lists them all).
pub const MAX_LINES: usize = 10;

/// The chart of `trend`, as `file_name`.
pub fn render(trend: &Trend, file_name: &str, log: LogScale) -> Result<Chart, ReportError> {
    let lines = &trend.lines[..trend.lines.len().min(MAX_LINES)];
    let values: Vec<f64> = lines.iter().flat_map(|l| l.values.iter().flatten()).flat_map(|v| [v.median, v.ci95[0], v.ci95[1]]).collect();
    let y = ValueAxis::new(&values, trend.unit, log);
    let runs = trend.runs.len().max(1) as f64;
    let x = Ticked { lo: 0.5, hi: runs + 0.5, ticks: run_ticks(trend.runs.len()) };
    let title = format!("Trend of {} over {} runs", trend.metric, trend.runs.len());
    let left_out = trend.lines.len() - lines.len();
    let caption = format!(
        "Each run's median per cell, oldest run first (run numbers as in the table), with the bootstrap 95% confidence \
         interval of the median as a vertical bar{}.",
        if left_out > 0 { format!("; {left_out} more series are in the table only (narrow the selection to draw them)") } else { String::new() }
    );
    let legend: Vec<(String, RGBColor)> = lines.iter().enumerate().map(|(i, l)| (l.label.clone(), color(i))).collect();
    png(file_name.to_string(), title, caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, Swatch::Line)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(x.clone(), y.range())?;
        let x_fmt = |p: &f64| number(p.round());
        let y_fmt = |p: &f64| y.tick_label(p);
        chart
            .configure_mesh()
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("run (oldest first)")
            .y_desc(y.desc(&trend.metric))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, DESC_PX))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for (i, line) in lines.iter().enumerate() {
            let c = color(i);
            let pts: Vec<(f64, f64, f64, f64)> = line
                .values
                .iter()
                .enumerate()
                .filter_map(|(r, v)| v.map(|v| ((r + 1) as f64, y.pos(v.median), y.pos(v.ci95[0]), y.pos(v.ci95[1]))))
                .collect();
            chart.draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), c.stroke_width(3)))?;
            chart.draw_series(pts.iter().map(|p| PathElement::new(vec![(p.0, p.2), (p.0, p.3)], c.stroke_width(2))))?;
            chart.draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 5, c.filled())))?;
        }
        Ok(())
    })
}

/// A tick at every run, or at round run numbers when there are many.
fn run_ticks(runs: usize) -> Vec<f64> {
    let step = (1..).flat_map(|k: usize| [1, 2, 5].map(|m| m * 10usize.pow(k as u32 - 1))).find(|s| runs / s <= 12).unwrap_or(1);
    (1..=runs).filter(|r| *r == 1 || r % step == 0).map(|r| r as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_renders_as_a_png_and_names_what_it_leaves_out() {
        let mut trend = super::super::tests::trend();
        let chart = render(&trend, "trend.png", LogScale::Auto).expect("render");
        assert!(chart.png.starts_with(b"\x89PNG") && chart.title == "Trend of warm/execute over 3 runs");
        assert!(!chart.caption.contains("table only"));
        let line = trend.lines[0].clone();
        trend.lines.extend((0..MAX_LINES).map(|_| line.clone()));
        assert!(render(&trend, "trend.png", LogScale::Auto).expect("render").caption.contains("2 more series are in the table only"));
    }

    #[test]
    fn run_ticks_stay_readable() {
        assert_eq!(run_ticks(3), [1.0, 2.0, 3.0]);
        assert_eq!(run_ticks(30), [1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
    }
}
