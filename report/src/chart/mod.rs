//! PNG charts of a results document, one file per chart kind.
//!
//! Every chart is 1280×720, drawn with plotters into memory and encoded as PNG. Text uses
//! DejaVu Sans compiled into the binary (plotters' `ab_glyph` feature), so rendering does
//! not depend on the fonts installed on the machine. Value axes choose their display unit
//! (µs/ms/s, KiB/MiB) from the data and switch to a logarithmic scale when the values span
//! more than [`AUTO_LOG_RATIO`] (or as [`LogScale`] says).

use std::collections::BTreeSet;
use std::sync::Once;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, SegmentedCoord};
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::register_font;

use wasmbench_data::{Cell, Measurement, Mode, Phase, Results, Unit};

use crate::ReportError;

mod cold_start;
pub(crate) use memory::per_instance as memory_per_instance;
mod languages;
mod memory;
mod relative;
mod throughput;
mod warm_latency;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1280, 720);
/// Value axes become logarithmic (with [`LogScale::Auto`]) when the largest value is more
/// than this many times the smallest.
pub const AUTO_LOG_RATIO: f64 = 30.0;
/// A chart of one workload holds at most this many bars; more are split by language.
const MAX_ROWS: usize = 24;

/// When value axes use a logarithmic scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogScale {
    /// When the values span more than [`AUTO_LOG_RATIO`].
    #[default]
    Auto,
    Always,
    Never,
}

impl std::str::FromStr for LogScale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(LogScale::Auto),
            "always" => Ok(LogScale::Always),
            "never" => Ok(LogScale::Never),
            other => Err(format!("unknown log scale `{other}`: expected auto, always or never")),
        }
    }
}

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name inside the report folder, e.g. `cold-start-fib.png`.
    pub file_name: String,
    pub title: String,
    /// What the chart shows and how to read it (one sentence or two).
    pub caption: String,
    pub png: Vec<u8>,
}

/// Every chart the results allow, and a note for each kind that had no data.
pub fn render_all(results: &Results, log: LogScale) -> Result<(Vec<Chart>, Vec<String>), ReportError> {
    font();
    let mut charts = Vec::new();
    let mut notes = Vec::new();
    let groups = groups(results);
    for g in &groups {
        charts.extend(cold_start::render(g, log)?);
    }
    for g in &groups {
        charts.extend(warm_latency::render(g, log)?);
    }
    for g in &groups {
        charts.extend(memory::render(g, log)?);
    }
    let before = charts.len();
    for g in &groups {
        charts.extend(throughput::render(g, log)?);
    }
    if charts.len() == before {
        notes.push(
            "No throughput measurements in this run (mode `throughput`, phase `rate` with a \
             concurrency): the throughput-vs-concurrency chart is left out."
                .to_string(),
        );
    }
    match languages::render(results, log)? {
        Some(c) => charts.push(c),
        None => notes.push(
            "All measured modules are in one source language: the per-language chart is left out."
                .to_string(),
        ),
    }
    match relative::render(results)? {
        Some(c) => charts.push(c),
        None => notes.push("No warm execute measurements: the relative execution-time chart is left out.".into()),
    }
    if results.cells.iter().all(|c| c.error.is_some()) {
        notes.push("No cell of this run succeeded: there is nothing to chart.".into());
    }
    Ok((charts, notes))
}

/// Successful cells of one workload (and, when a workload has too many cells for one
/// chart, of one language), in the order of the results.
pub(crate) struct Group<'r> {
    /// `fib`, or `fib-go` when split by language.
    pub key: String,
    /// `fib`, or `fib (go)`.
    pub label: String,
    pub cells: Vec<&'r Cell>,
    /// The language most cells of the group are in; bar labels name any other.
    pub main_language: String,
}

impl Group<'_> {
    pub fn row_label(&self, cell: &Cell) -> String {
        if cell.id.language != self.main_language {
            format!("{} ({})", cell.id.backend, cell.id.language)
        } else {
            cell.id.backend.clone()
        }
    }
}

pub(crate) fn groups(results: &Results) -> Vec<Group<'_>> {
    let mut workloads: Vec<&str> = Vec::new();
    for c in &results.cells {
        if !workloads.contains(&c.id.workload.as_str()) {
            workloads.push(&c.id.workload);
        }
    }
    let mut out = Vec::new();
    for w in workloads {
        let cells: Vec<&Cell> = results
            .cells
            .iter()
            .filter(|c| c.id.workload == w && c.error.is_none())
            .collect();
        if cells.is_empty() {
            continue;
        }
        let languages: Vec<&str> = ordered(cells.iter().map(|c| c.id.language.as_str()));
        if cells.len() <= MAX_ROWS || languages.len() == 1 {
            out.push(Group {
                key: w.to_string(),
                label: w.to_string(),
                main_language: languages
                    .iter()
                    .max_by_key(|l| (cells.iter().filter(|c| c.id.language == **l).count(), std::cmp::Reverse(l.to_string())))
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                cells,
            });
        } else {
            for l in languages {
                out.push(Group {
                    key: format!("{w}-{l}"),
                    label: format!("{w} ({l})"),
                    main_language: l.to_string(),
                    cells: cells.iter().copied().filter(|c| c.id.language == l).collect(),
                });
            }
        }
    }
    out
}

/// Distinct items in first-seen order.
pub(crate) fn ordered<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    items.filter(|i| seen.insert(*i)).collect()
}

pub(crate) fn measurement(cell: &Cell, mode: Mode, phase: Phase) -> Option<&Measurement> {
    cell.measurements.iter().find(|m| m.mode == mode && m.phase == phase)
}

pub(crate) fn median(cell: &Cell, mode: Mode, phase: Phase) -> Option<f64> {
    measurement(cell, mode, phase).map(|m| m.summary.median)
}

// --- drawing -------------------------------------------------------------------------

pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
/// Horizontal bars: values along x, one row per category along y.
pub(crate) type RowsCoord = Cartesian2d<Ticked, SegmentedCoord<RangedCoordi32>>;

pub(crate) const FONT: &str = "sans-serif";
pub(crate) const TITLE_PX: u32 = 28;
pub(crate) const LABEL_PX: u32 = 16;
pub(crate) const DESC_PX: u32 = 17;

/// Register the embedded font once per process.
fn font() {
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

/// The unit a value axis shows, chosen from the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DisplayUnit {
    pub factor: f64,
    pub suffix: &'static str,
}

impl DisplayUnit {
    /// The largest unit in which `max` (in `unit`) is at least 1.
    pub fn for_values(unit: Unit, max: f64) -> Self {
        let pick = |table: &[(f64, &'static str)]| {
            let (factor, suffix) = table
                .iter()
                .rev()
                .find(|(f, _)| max >= *f)
                .unwrap_or(&table[0]);
            DisplayUnit { factor: *factor, suffix }
        };
        match unit {
            Unit::Nanoseconds => pick(&[(1.0, "ns"), (1e3, "µs"), (1e6, "ms"), (1e9, "s")]),
            Unit::Bytes => pick(&[(1.0, "bytes"), (1024.0, "KiB"), (1048576.0, "MiB"), (1073741824.0, "GiB")]),
            Unit::PerSecond => DisplayUnit { factor: 1.0, suffix: "requests/s" },
            Unit::Instructions => pick(&[(1.0, "instructions"), (1e3, "k instructions"), (1e6, "M instructions"), (1e9, "G instructions")]),
        }
    }
}

/// A value axis (linear from 0, or log10) with round tick marks, in a display unit.
#[derive(Debug, Clone)]
pub(crate) struct ValueAxis {
    pub log: bool,
    pub unit: DisplayUnit,
    /// Axis range in plotting coordinates (display units, log10 of them when `log`).
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl ValueAxis {
    /// An axis covering `values` (in the measurement unit; non-positive ones ignored for
    /// the log decision).
    pub fn new(values: &[f64], unit: Unit, log: LogScale) -> Self {
        Self::with_threshold(values, unit, log, AUTO_LOG_RATIO)
    }

    /// Like [`ValueAxis::new`], going logarithmic (when automatic) past `ratio`.
    pub fn with_threshold(values: &[f64], unit: Unit, log: LogScale, ratio: f64) -> Self {
        let (min, max) = positive_span(values);
        let use_log = Self::wants_log(min, max, log, ratio);
        // On a log axis the unit suits the middle of the range, so that tick labels stay
        // short at both ends (0.1 ms … 2000 ms rather than 1e-4 s … 2 s).
        let typical = if use_log { (min * max).sqrt() } else { max };
        Self::build(DisplayUnit::for_values(unit, typical), use_log, min, max)
    }

    fn wants_log(min: f64, max: f64, log: LogScale, ratio: f64) -> bool {
        let usable = max > 0.0 && min.is_finite() && min > 0.0;
        usable
            && match log {
                LogScale::Always => true,
                LogScale::Never => false,
                LogScale::Auto => max / min > ratio,
            }
    }

    fn build(unit: DisplayUnit, use_log: bool, min: f64, max: f64) -> Self {
        let (max, min) = (max / unit.factor, min / unit.factor);
        if use_log {
            // Ends on 1-2-5 values just outside the data; ticks at 1-2-5 values, or only at
            // powers of ten when the axis spans more than three decades.
            let (lo_exp, hi_exp) = ((min * 0.9).log10().floor() as i32, (max * 1.1).log10().ceil() as i32);
            let candidates: Vec<(f64, bool)> = (lo_exp..=hi_exp)
                .flat_map(|e| [1.0, 2.0, 5.0].map(|m: f64| (m * 10f64.powi(e), m == 1.0)))
                .collect();
            let lo = candidates.iter().rev().map(|c| c.0).find(|v| *v <= min * 0.9).unwrap_or(10f64.powi(lo_exp));
            let hi = candidates.iter().map(|c| c.0).find(|v| *v >= max * 1.1).unwrap_or(10f64.powi(hi_exp)).max(lo * 2.0);
            let decades = (hi / lo).log10();
            let ticks = candidates
                .iter()
                .filter(|(v, power)| (lo..=hi).contains(v) && (decades <= 3.0 || *power))
                .map(|(v, _)| v.log10())
                .collect();
            ValueAxis { log: true, unit, lo: lo.log10(), hi: hi.log10(), ticks }
        } else {
            let top = if max > 0.0 { max * 1.1 } else { 1.0 };
            let step = nice_step(top / 6.0);
            let hi = (top / step).ceil() * step;
            let ticks = (0..=((hi / step).round() as i64)).map(|i| i as f64 * step).collect();
            ValueAxis { log: false, unit, lo: 0.0, hi, ticks }
        }
    }

    /// Plotting coordinate of a value in the measurement unit (clamped into the axis).
    pub fn pos(&self, v: f64) -> f64 {
        let d = v / self.unit.factor;
        if self.log {
            if d > 0.0 { d.log10().clamp(self.lo, self.hi) } else { self.lo }
        } else {
            d.clamp(self.lo, self.hi)
        }
    }

    /// The origin of bars.
    pub fn base(&self) -> f64 {
        self.lo
    }

    pub fn range(&self) -> Ticked {
        Ticked { lo: self.lo, hi: self.hi, ticks: self.ticks.clone() }
    }

    /// Tick label for a plotting coordinate.
    pub fn tick_label(&self, p: &f64) -> String {
        let v = if self.log { 10f64.powf(*p) } else { *p };
        number(v)
    }

    /// Axis description, e.g. `cold start (ms, log scale)`.
    pub fn desc(&self, what: &str) -> String {
        if self.log {
            format!("{what} ({}, log scale)", self.unit.suffix)
        } else {
            format!("{what} ({})", self.unit.suffix)
        }
    }
}

/// Smallest and largest positive finite value (`INFINITY`, `0` when there is none).
fn positive_span(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// A linear f64 coordinate whose tick marks are exactly the given points.
#[derive(Debug, Clone)]
pub(crate) struct Ticked {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = if self.hi > self.lo { self.hi - self.lo } else { 1.0 };
        let t = (value - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p)
}

/// A number with at most three significant digits and no trailing zeros.
pub(crate) fn number(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
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
    Line,
}

/// Width of the legend panel beside a chart: room for the longest entry.
pub(crate) fn legend_width(entries: &[(String, RGBColor)]) -> u32 {
    label_width(&entries.iter().map(|e| e.0.clone()).collect::<Vec<_>>()) + 40
}

/// A legend in its own panel (beside the plot, so it never covers data).
pub(crate) fn legend_panel(area: &Area, entries: &[(String, RGBColor)], swatch: Swatch) -> DrawResult {
    let style = TextStyle::from((FONT, LABEL_PX).into_font())
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
    let top = 40;
    for (i, (label, c)) in entries.iter().enumerate() {
        let y = top + i as i32 * 26;
        match swatch {
            Swatch::Box => area.draw(&Rectangle::new([(8, y - 7), (22, y + 7)], c.filled()))?,
            Swatch::Line => {
                area.draw(&PathElement::new(vec![(4, y), (24, y)], c.stroke_width(3)))?;
                area.draw(&Circle::new((14, y), 4, c.filled()))?;
            }
        }
        area.draw(&Text::new(label.clone(), (30, y), style.clone()))?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dimensions(png_bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let reader = decoder.read_info().expect("a PNG");
        let info = reader.info();
        (info.width, info.height)
    }

    #[test]
    fn every_chart_kind_of_the_synthetic_run() {
        let (charts, notes) = render_all(&crate::fixture::results(), LogScale::Auto).expect("render");
        let names: Vec<&str> = charts.iter().map(|c| c.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cold-start-fib.png",
                "cold-start-hello.png",
                "warm-latency-fib.png",
                "warm-latency-hello.png",
                "memory-fib.png",
                "memory-hello.png",
                "throughput-fib.png",
                "throughput-hello.png",
                "languages.png",
                "relative-execute.png",
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
        // To look at them: WASMBENCH_CHART_DIR=/tmp/charts cargo test -p wasmbench-report
        if let Some(dir) = std::env::var_os("WASMBENCH_CHART_DIR") {
            for c in &charts {
                crate::write_atomically(&std::path::Path::new(&dir).join(&c.file_name), &c.png).expect("write chart");
            }
        }
        for c in &charts {
            assert_eq!(dimensions(&c.png), SIZE, "{}", c.file_name);
            assert!(!c.title.is_empty() && !c.caption.is_empty());
        }
    }

    #[test]
    fn charts_without_throughput_or_second_language_say_why() {
        let mut results = crate::fixture::results();
        results.cells.retain(|c| c.id.language == "c" && c.id.workload == "hello");
        for cell in &mut results.cells {
            cell.measurements.retain(|m| m.mode != Mode::Throughput);
        }
        let (charts, notes) = render_all(&results, LogScale::Always).expect("render");
        // One row per chart still renders.
        assert!(charts.iter().any(|c| c.file_name == "cold-start-hello.png"));
        assert!(!charts.iter().any(|c| c.file_name.starts_with("throughput")));
        assert!(notes.iter().any(|n| n.contains("No throughput measurements")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("one source language")), "{notes:?}");
    }

    #[test]
    fn units_and_numbers() {
        assert_eq!(DisplayUnit::for_values(Unit::Nanoseconds, 2.5e7).suffix, "ms");
        assert_eq!(DisplayUnit::for_values(Unit::Nanoseconds, 500.0).suffix, "ns");
        assert_eq!(DisplayUnit::for_values(Unit::Bytes, 3.0 * 1048576.0).suffix, "MiB");
        assert_eq!(number(1500.0), "1500");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(13.0), 20.0);
    }

    #[test]
    fn axes_go_logarithmic_when_values_span_orders_of_magnitude() {
        let narrow = ValueAxis::new(&[1e6, 3e6], Unit::Nanoseconds, LogScale::Auto);
        assert!(!narrow.log);
        assert_eq!(narrow.desc("execute"), "execute (ms)");
        let wide = ValueAxis::new(&[1e5, 2e9], Unit::Nanoseconds, LogScale::Auto);
        assert!(wide.log);
        assert_eq!(wide.desc("execute"), "execute (ms, log scale)");
        // 1e5 ns = 0.1 ms: the axis starts at the 1-2-5 value below.
        assert_eq!(wide.tick_label(&wide.range().range().start), "0.05");
        assert!(!ValueAxis::new(&[1e5, 2e9], Unit::Nanoseconds, LogScale::Never).log);
        assert!(ValueAxis::new(&[1e6, 3e6], Unit::Nanoseconds, LogScale::Always).log);
        // Positions clamp into the axis and never produce NaN.
        assert_eq!(wide.pos(0.0), wide.base());
    }
}
