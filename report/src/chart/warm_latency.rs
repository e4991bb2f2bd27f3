//! Warm execution latency: one box plot per backend (per workload), from the raw samples.

use plotters::prelude::*;
use wasmbench_data::{Mode, Phase, Unit};

use super::{color, hbar, measurement, png, row, rows_chart, Chart, Group, LogScale, ValueAxis};
use crate::ReportError;

/// Tukey box of a sample: quartiles, whiskers at the furthest samples within 1.5 × IQR,
/// and the samples beyond them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TukeyBox {
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub low: f64,
    pub high: f64,
    pub outliers: Vec<f64>,
}

impl TukeyBox {
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if s.is_empty() {
            return None;
        }
        s.sort_by(f64::total_cmp);
        let q = |p: f64| {
            // Linear interpolation between closest ranks (type 7), as the harness does.
            let h = (s.len() - 1) as f64 * p;
            let (i, f) = (h.floor() as usize, h.fract());
            s[i] + (s[(i + 1).min(s.len() - 1)] - s[i]) * f
        };
        let (q1, median, q3) = (q(0.25), q(0.5), q(0.75));
        let (lo_fence, hi_fence) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
        let inside = s.iter().copied().filter(|v| (lo_fence..=hi_fence).contains(v));
        let low = inside.clone().fold(f64::INFINITY, f64::min);
        let high = inside.fold(f64::NEG_INFINITY, f64::max);
        let outliers = s.iter().copied().filter(|v| !(lo_fence..=hi_fence).contains(v)).collect();
        Some(TukeyBox { q1, median, q3, low, high, outliers })
    }
}

pub(super) fn render(group: &Group, log: LogScale) -> Result<Option<Chart>, ReportError> {
    let rows: Vec<(String, TukeyBox, usize)> = group
        .cells
        .iter()
        .filter_map(|c| {
            let m = measurement(c, Mode::Warm, Phase::Execute)?;
            Some((group.row_label(c), TukeyBox::of(&m.samples)?, m.samples.len()))
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let all: Vec<f64> = rows
        .iter()
        .flat_map(|(_, b, _)| [b.low, b.high].into_iter().chain(b.outliers.iter().copied()))
        .collect();
    // Spreads are relative: a log axis shows them alike as soon as medians differ by 10×.
    let axis = ValueAxis::with_threshold(&all, Unit::Nanoseconds, log, 10.0);
    let labels: Vec<String> = rows.iter().map(|(l, _, n)| format!("{l} (n={n})")).collect();
    let title = format!("Warm execution latency — {}", group.label);
    let caption = "Distribution of the warm `execute` samples (one process, module prepared once, a \
                   fresh instance per sample): box from the first to the third quartile, line at \
                   the median, whiskers to the furthest sample within 1.5 × IQR, dots beyond."
        .to_string();
    let chart = png(format!("warm-latency-{}.png", group.key), title, caption, |area| {
        let mut chart = rows_chart(area, None, &labels, &axis, &axis.desc("warm execute time"))?;
        let n = rows.len();
        let inset = super::bar_inset(&chart, n, 30);
        for (i, (_, b, _)) in rows.iter().enumerate() {
            let r = row(n, i);
            let c = color(i);
            let mid = || SegmentValue::CenterOf(r);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(axis.pos(b.low), mid()), (axis.pos(b.high), mid())],
                BLACK.stroke_width(1),
            )))?;
            for whisker in [b.low, b.high] {
                chart.draw_series(std::iter::once(hbar(r, axis.pos(whisker), axis.pos(whisker), BLACK.stroke_width(1), inset + 4)))?;
            }
            chart.draw_series(std::iter::once(hbar(r, axis.pos(b.q1), axis.pos(b.q3), c.mix(0.75).filled(), inset)))?;
            chart.draw_series(std::iter::once(hbar(r, axis.pos(b.q1), axis.pos(b.q3), BLACK.stroke_width(1), inset)))?;
            chart.draw_series(std::iter::once(hbar(r, axis.pos(b.median), axis.pos(b.median), BLACK.stroke_width(3), inset)))?;
            chart.draw_series(
                b.outliers
                    .iter()
                    .map(|v| Circle::new((axis.pos(*v), mid()), 3, BLACK.mix(0.6).stroke_width(1))),
            )?;
        }
        Ok(())
    })?;
    Ok(Some(chart))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tukey_box_of_a_sample_with_an_outlier() {
        let b = TukeyBox::of(&[1.0, 2.0, 3.0, 4.0, 100.0]).expect("box");
        assert_eq!((b.q1, b.median, b.q3), (2.0, 3.0, 4.0));
        assert_eq!((b.low, b.high), (1.0, 4.0));
        assert_eq!(b.outliers, vec![100.0]);
        assert!(TukeyBox::of(&[]).is_none());
    }
}
