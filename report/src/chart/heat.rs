//! Heat maps: a grid of coloured squares, rows × columns, each with its figure printed.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{label_width, Area, DrawResult, DESC_PX, FONT, LABEL_PX};

/// What a heat map shows: `values[row][column]` (`None`: an empty, grey square).
pub(crate) struct Heat<'a> {
    pub rows: &'a [String],
    pub columns: &'a [String],
    pub values: &'a [Vec<Option<f64>>],
    /// The colour of a square.
    pub shade: fn(f64) -> RGBColor,
    /// The figure printed in a square.
    pub label: fn(f64) -> String,
    pub x_desc: &'a str,
}

/// `2.5×`, `12×`: a ratio with two significant digits.
pub(crate) fn ratio_label(r: f64) -> String {
    if r < 9.95 { format!("{r:.1}×") } else { format!("{r:.0}×") }
}

/// Draw `heat` into `area`: rows top to bottom, columns left to right.
pub(crate) fn heat_map(area: &Area, heat: &Heat) -> DrawResult {
    let (nr, nc) = (heat.rows.len() as i32, heat.columns.len() as i32);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(label_width(heat.rows))
        .build_cartesian_2d(super::segments(nc), super::segments(nr))?;
    let x_fmt = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => heat.columns.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let y_fmt = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => usize::try_from(nr - 1 - i).ok().and_then(|k| heat.rows.get(k)).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(heat.columns.len())
        .y_labels(heat.rows.len())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(heat.x_desc)
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .draw()?;
    let text = TextStyle::from((FONT, LABEL_PX).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
    for (i, row) in heat.values.iter().enumerate() {
        let y = nr - 1 - i as i32;
        for (j, value) in row.iter().enumerate() {
            let x = j as i32;
            let fill = value.map(heat.shade).unwrap_or(RGBColor(235, 235, 235));
            let mut r = Rectangle::new(
                [(SegmentValue::Exact(x), SegmentValue::Exact(y)), (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1))],
                fill.filled(),
            );
            r.set_margin(1, 1, 1, 1);
            chart.draw_series(std::iter::once(r))?;
            let label = value.map(heat.label).unwrap_or_else(|| "–".to_string());
            let colour = if dark(fill) { WHITE } else { BLACK };
            chart.draw_series(std::iter::once(Text::new(
                label,
                (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                text.clone().color(&colour),
            )))?;
        }
    }
    Ok(())
}

/// Whether white text reads better than black on `c`.
fn dark(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) < 140.0
}

/// `a` mixed with `b` by `t` (0: `a`, 1: `b`).
pub(crate) fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t.clamp(0.0, 1.0)).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_text_colour() {
        assert_eq!(ratio_label(2.345), "2.3×");
        assert_eq!(ratio_label(12.4), "12×");
        assert!(dark(RGBColor(165, 15, 21)) && !dark(RGBColor(247, 251, 255)));
        assert_eq!(mix(RGBColor(0, 0, 0), RGBColor(200, 100, 50), 0.5), RGBColor(100, 50, 25));
    }
}
