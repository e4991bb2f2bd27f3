//! Machine speed during the run: the drift sentinel's probes, native and Wasm, as slowdowns
//! against their run medians over the minutes since the run started.

use plotters::prelude::*;
use wasmbench_data::{Results, Sentinel};

use super::{color, legend_entry, legend_width, number, png, Chart, Swatch, Ticked, DESC_PX, FONT, LABEL_PX};
use crate::ReportError;

/// File name of the chart in the report folder.
pub(crate) const FILE_NAME: &str = "machine-speed.png";

/// What the chart draws: per probe (minutes since the start, native slowdown %, Wasm
/// slowdown %), the run's drift and the re-measuring threshold, both in %.
struct Speeds {
    points: Vec<(f64, f64, f64)>,
    drift: f64,
    threshold: f64,
    backend: String,
}

/// The sentinel's probes as slowdowns, or why there is nothing to draw.
fn speeds(results: &Results) -> Result<Speeds, String> {
    let Some(s) = &results.sentinel else {
        return Err("No drift sentinel in this run (results written before wasmbench had one): \
                    the machine-speed chart is left out."
            .into());
    };
    if s.probes.len() < 2 {
        return Err(format!(
            "The drift sentinel took {} probe(s), fewer than the two a trend needs: the machine-speed chart is left out.",
            s.probes.len()
        ));
    }
    let (Some(native), Some(wasm)) = (positive(s.median_native_ns()), positive(s.median_wasm_ns())) else {
        return Err("The drift sentinel's median times are not positive: the machine-speed chart is left out.".into());
    };
    let pct = |v: f64, median: f64| (v / median - 1.0) * 100.0;
    let points = s
        .probes
        .iter()
        .map(|p| (p.at_ms as f64 / 60_000.0, pct(p.native_ns, native), pct(p.wasm_ns, wasm)))
        .collect();
    Ok(Speeds { points, drift: s.drift_pct().unwrap_or(0.0), threshold: threshold(s), backend: s.backend.clone() })
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v > 0.0)
}

/// The threshold in %, 0 when the sentinel has none.
fn threshold(s: &Sentinel) -> f64 {
    if s.threshold_pct.is_finite() { s.threshold_pct.abs() } else { 0.0 }
}

/// Why the chart is left out of `results`' report (`None`: it is drawn).
pub(super) fn left_out(results: &Results) -> Option<String> {
    speeds(results).err()
}

/// The chart, when the run has a sentinel with at least two probes.
pub(super) fn render(results: &Results) -> Result<Option<Chart>, ReportError> {
    let Ok(sp) = speeds(results) else { return Ok(None) };
    let title = format!("Machine speed during the run (drift {:.0}% of median)", sp.drift);
    let caption = format!(
        "The drift sentinel, a fixed native loop and a fixed Wasm loop (on `{}`) timed between \
         cells: each probe's time as a slowdown against its median over the run (above 0: the \
         machine was slower). Dashed: ±{}%, beyond which the cells measured at the time are \
         flagged and measured again. Drift is the range of the probes' slowdowns.",
        sp.backend,
        number(sp.threshold)
    );
    let chart = png(FILE_NAME.into(), title, caption, |area| draw(area, &sp))?;
    Ok(Some(chart))
}

/// The axes, the reference lines, the two series and the legend.
fn draw(area: &super::Area, sp: &Speeds) -> super::DrawResult {
    let legend = [
        ("native loop".to_string(), color(0), Swatch::Line),
        (if sp.backend.is_empty() { "Wasm loop".into() } else { format!("Wasm loop ({})", sp.backend) }, color(1), Swatch::Line),
        (format!("±{}% threshold", number(sp.threshold)), RGBColor(120, 120, 120), Swatch::Dashed),
    ];
    let widths: Vec<(String, RGBColor)> = legend.iter().map(|(l, c, _)| (l.clone(), *c)).collect();
    let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&widths));
    for (i, (label, c, swatch)) in legend.iter().enumerate() {
        legend_entry(&side, i, label, *c, *swatch)?;
    }
    let (x, y) = axes(sp);
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .margin_right(28)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(x.clone(), y)?;
    let x_fmt = |m: &f64| number(*m);
    let y_fmt = |p: &f64| if *p > 0.0 { format!("+{}%", number(*p)) } else { format!("{}%", number(*p)) };
    chart
        .configure_mesh()
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("minutes since the run started")
        .y_desc("slowdown against the run median")
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    chart.draw_series(LineSeries::new([(x.lo, 0.0), (x.hi, 0.0)], BLACK.mix(0.5).stroke_width(1)))?;
    if sp.threshold > 0.0 {
        for t in [sp.threshold, -sp.threshold] {
            chart.draw_series(DashedLineSeries::new([(x.lo, t), (x.hi, t)], 10, 6, legend[2].1.stroke_width(2)))?;
        }
    }
    let series = [sp.points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(), sp.points.iter().map(|p| (p.0, p.2)).collect()];
    for (i, pts) in series.iter().enumerate() {
        let c = legend[i].1;
        chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(3)))?;
        chart.draw_series(pts.iter().map(|pt| Circle::new(*pt, 5, c.filled())))?;
    }
    Ok(())
}

/// Minutes from 0 past the last probe; slowdowns covering every probe and both thresholds.
fn axes(sp: &Speeds) -> (Ticked, Ticked) {
    let last = sp.points.iter().map(|p| p.0).fold(0.0, f64::max);
    let values = sp.points.iter().flat_map(|p| [p.1, p.2]).chain([sp.threshold, -sp.threshold]);
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = (hi - lo) * 0.05;
    // A little room on both sides, so that the first and the last probe clear the axes.
    let minutes = Ticked::covering(0.0, last);
    let room = (minutes.hi - minutes.lo) * 0.02;
    let minutes = Ticked { lo: minutes.lo - room, hi: minutes.hi.max(last + room), ..minutes };
    (minutes, Ticked::covering(lo - pad, hi + pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_become_slowdowns_against_the_median() {
        let sp = speeds(&crate::fixture::results()).expect("the fixture has a sentinel");
        assert_eq!(sp.points.len(), 12);
        let (minutes, native, wasm) = sp.points[6];
        assert!((minutes - 5.4).abs() < 1e-9, "{minutes}");
        assert!(native > 20.0 && wasm > 20.0, "{native} {wasm}");
        assert!(sp.drift > 20.0 && sp.threshold == 10.0);
        let (x, y) = axes(&sp);
        assert!(x.lo < 0.0 && x.hi > 9.9);
        assert!(y.lo <= -10.0 && y.hi >= native.max(wasm));
    }

    #[test]
    fn no_sentinel_or_a_single_probe_says_why() {
        let mut results = crate::fixture::results();
        if let Some(s) = &mut results.sentinel {
            s.probes.truncate(1);
        }
        assert!(left_out(&results).is_some_and(|n| n.contains("1 probe(s)")));
        results.sentinel = None;
        assert!(left_out(&results).is_some_and(|n| n.contains("No drift sentinel")));
        assert!(render(&results).expect("render").is_none());
    }
}
