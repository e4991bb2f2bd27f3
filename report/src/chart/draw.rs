//! The drawing primitives the chart kinds share: the canvas and its PNG encoding, the
//! embedded font, colours, rows of horizontal bars, segments, legends and notices.

use std::sync::Once;

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::register_font;

use super::{Chart, Ticked, ValueAxis, SIZE};
use crate::ReportError;

pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
/// Horizontal bars: values along x, one row per category along y.
pub(crate) type RowsCoord = Cartesian2d<Ticked, SegmentedCoord<RangedCoordi32>>;

pub(crate) const FONT: &str = "sans-serif";
pub(crate) const TITLE_PX: u32 = 28;
pub(crate) const LABEL_PX: u32 = 16;
pub(crate) const DESC_PX: u32 = 17;

/// Register the embedded font once per process.
pub(super) fn font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped in the `dejavu` crate; if plotters
        // ever refused them, text would be missing from the charts, not the report.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draw a chart into a fresh white 1280×720 canvas and encode it as PNG.
pub(crate) fn png(
    file_name: String,
    title: String,
    caption: String,
    draw: impl FnOnce(&Area) -> DrawResult,
) -> Result<Chart, ReportError> {
    font();
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    let chart_err = |message: String| ReportError::Chart { chart: file_name.clone(), message };
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| chart_err(e.to_string()))?;
        let body = root
            .titled(&title, (FONT, TITLE_PX).into_font().style(FontStyle::Bold))
            .map_err(|e| chart_err(e.to_string()))?;
        draw(&body).map_err(|e| chart_err(e.to_string()))?;
        root.present().map_err(|e| chart_err(e.to_string()))?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| chart_err(e.to_string()))?;
        writer.write_image_data(&rgb).map_err(|e| chart_err(e.to_string()))?;
        writer.finish().map_err(|e| chart_err(e.to_string()))?;
    }
    Ok(Chart { file_name, title, caption, png: out })
}

/// Tableau 10, then plotters' 99-colour palette.
pub(crate) fn color(i: usize) -> RGBColor {
    const TABLEAU: [(u8, u8, u8); 10] = [
        (78, 121, 167),
        (242, 142, 43),
        (225, 87, 89),
        (118, 183, 178),
        (89, 161, 79),
        (237, 201, 72),
        (176, 122, 161),
        (255, 157, 167),
        (156, 117, 95),
        (186, 176, 172),
    ];
    match TABLEAU.get(i) {
        Some(&(r, g, b)) => RGBColor(r, g, b),
        None => {
            let (r, g, b) = Palette99::pick(i).rgb();
            RGBColor(r, g, b)
        }
    }
}

/// Pixels the longest of `labels` needs at [`LABEL_PX`], plus padding.
pub(crate) fn label_width(labels: &[String]) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    chars * (LABEL_PX * 58 / 100) + 16
}

/// A chart of horizontal rows (one per label, the first at the top) along a value axis.
pub(crate) fn rows_chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: Option<&str>,
    labels: &[String],
    axis: &ValueAxis,
    x_desc: &str,
) -> Result<ChartContext<'a, BitMapBackend<'b>, RowsCoord>, Box<dyn std::error::Error>> {
    let n = labels.len().max(1) as i32;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .margin_right(28)
        .x_label_area_size(56)
        .y_label_area_size(label_width(labels));
    if let Some(c) = caption {
        builder.caption(c, (FONT, DESC_PX + 2));
    }
    let mut chart = builder.build_cartesian_2d(axis.range(), segments(n))?;
    let labels = labels.to_vec();
    let y_fmt = move |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => row_label(&labels, *i),
        _ => String::new(),
    };
    let x_fmt = |p: &f64| axis.tick_label(p);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n as usize)
        .y_label_formatter(&y_fmt)
        .x_label_formatter(&x_fmt)
        .x_desc(x_desc)
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    Ok(chart)
}

/// `n` equal segments `0..n` (plotters' segmented integer ranges include their end).
pub(crate) fn segments(n: i32) -> SegmentedCoord<RangedCoordi32> {
    (0..(n - 1).max(0)).into_segmented()
}

/// The label of row `i` (counted from the bottom) when the first label is at the top.
fn row_label(labels: &[String], i: i32) -> String {
    let n = labels.len() as i32;
    usize::try_from(n - 1 - i)
        .ok()
        .and_then(|k| labels.get(k))
        .cloned()
        .unwrap_or_default()
}

/// Segment coordinate of the row that shows label `k` (the first label at the top).
pub(crate) fn row(labels: usize, k: usize) -> i32 {
    labels as i32 - 1 - k as i32
}

/// Pixels to leave above and below a bar so that it is at most `max_bar` thick and rows
/// stay apart.
pub(crate) fn bar_inset(chart: &ChartContext<BitMapBackend, RowsCoord>, rows: usize, max_bar: u32) -> u32 {
    let h = chart.plotting_area().dim_in_pixel().1 / rows.max(1) as u32;
    (h.saturating_sub(max_bar) / 2).max(h / 8).max(2)
}

/// A bar across row `r` from `x0` to `x1`, `inset` pixels short of the row's edges.
pub(crate) fn hbar(r: i32, x0: f64, x1: f64, style: ShapeStyle, inset: u32) -> Rectangle<(f64, SegmentValue<i32>)> {
    let mut rect = Rectangle::new([(x0, SegmentValue::Exact(r)), (x1, SegmentValue::Exact(r + 1))], style);
    rect.set_margin(inset, inset, 0, 0);
    rect
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Box,
    /// A line with a point marker.
    Line,
    /// A dashed line (a reference line, not data).
    Dashed,
}

/// Width of the legend panel beside a chart: room for the longest entry.
pub(crate) fn legend_width(entries: &[(String, RGBColor)]) -> u32 {
    label_width(&entries.iter().map(|e| e.0.clone()).collect::<Vec<_>>()) + 40
}

/// A legend in its own panel (beside the plot, so it never covers data).
pub(crate) fn legend_panel(area: &Area, entries: &[(String, RGBColor)], swatch: Swatch) -> DrawResult {
    for (i, (label, c)) in entries.iter().enumerate() {
        legend_entry(area, i, label, *c, swatch)?;
    }
    Ok(())
}

/// Entry `i` of a legend panel (for legends whose entries are drawn differently).
pub(crate) fn legend_entry(area: &Area, i: usize, label: &str, c: RGBColor, swatch: Swatch) -> DrawResult {
    let style = TextStyle::from((FONT, LABEL_PX).into_font())
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
    let y = 40 + i as i32 * 26;
    match swatch {
        Swatch::Box => area.draw(&Rectangle::new([(8, y - 7), (22, y + 7)], c.filled()))?,
        Swatch::Line => {
            area.draw(&PathElement::new(vec![(4, y), (24, y)], c.stroke_width(3)))?;
            area.draw(&Circle::new((14, y), 4, c.filled()))?;
        }
        Swatch::Dashed => {
            for x in [2, 11, 20] {
                area.draw(&PathElement::new(vec![(x, y), (x + 5, y)], c.stroke_width(2)))?;
            }
        }
    }
    area.draw(&Text::new(label.to_string(), (30, y), style))?;
    Ok(())
}

/// Text drawn as a notice in the middle of an area (e.g. "no data").
pub(crate) fn notice(area: &Area, text: &str) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let grey = BLACK.mix(0.6);
    let style = TextStyle::from((FONT, DESC_PX).into_font())
        .color(&grey)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    area.draw(&Text::new(text.to_string(), (w as i32 / 2, h as i32 / 2), style))?;
    Ok(())
}
