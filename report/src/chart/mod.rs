//! PNG charts of a results document, one file per chart kind.
//!
//! Every chart is 1280×720, drawn with plotters into memory and encoded as PNG. Text uses
//! DejaVu Sans compiled into the binary (plotters' `ab_glyph` feature), so rendering does
//! not depend on the fonts installed on the machine. Value axes choose their display unit
//! (µs/ms/s, KiB/MiB) from the data and switch to a logarithmic scale when the values span
//! more than [`AUTO_LOG_RATIO`] (or as [`LogScale`] says).

use wasmbench_data::Results;

use crate::{ReportError, ReportInputs};

// What the chart kinds share: axes, drawing primitives, the grouping of cells.
mod axis;
mod draw;
mod group;
mod heat;

pub(crate) use axis::{number, Ticked, ValueAxis};
pub(crate) use draw::{
    bar_inset, color, hbar, label_width, legend_entry, legend_panel, legend_width, notice, png, row, rows_chart,
    segments, Area, DrawResult, Swatch, DESC_PX, FONT, LABEL_PX,
};
pub(crate) use crate::cell::{measurement, median, ordered};
pub(crate) use group::{groups, Group};

// One file per chart kind.
mod alternatives;
mod cold_start;
mod cost;
mod conformance_matrix;
mod languages;
mod machine_speed;
mod memory;
mod native_relative;
mod preinit;
mod relative;
mod throughput;
mod warm_latency;

pub(crate) use conformance_matrix::render as conformance_matrix;
pub(crate) use machine_speed::FILE_NAME as MACHINE_SPEED_FILE;
pub(crate) use memory::per_instance as memory_per_instance;
pub(crate) use alternatives::PREFIX as ALTERNATIVES_PREFIX;
pub(crate) use cost::{pattern_names, PREFIX as COST_PREFIX};
pub(crate) use native_relative::FILE_NAME as NATIVE_RELATIVE_FILE;

/// Whether a chart belongs to a section of its own in the report (the machine's speed,
/// the comparison with the alternatives) rather than to the list of charts.
pub(crate) fn in_own_section(file_name: &str) -> bool {
    file_name == MACHINE_SPEED_FILE
        || file_name == NATIVE_RELATIVE_FILE
        || file_name.starts_with(ALTERNATIVES_PREFIX)
        || file_name.starts_with(COST_PREFIX)
}

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1280, 720);
/// Value axes become logarithmic (with [`LogScale::Auto`]) when the largest value is more
/// than this many times the smallest.
pub const AUTO_LOG_RATIO: f64 = 30.0;

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

/// Every chart the results allow, and a note for each kind that had no data (the
/// comparison's charts say what is missing in their own sections instead).
pub fn render_all(results: &Results, log: LogScale, inputs: &ReportInputs) -> Result<(Vec<Chart>, Vec<String>), ReportError> {
    draw::font();
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
    match machine_speed::render(results)? {
        Some(c) => charts.push(c),
        None => notes.extend(machine_speed::left_out(results)),
    }
    charts.extend(preinit::render(results, log)?);
    for g in &groups {
        charts.extend(alternatives::render(g, log)?);
    }
    charts.extend(native_relative::render(results, &inputs.shapes)?);
    for g in &groups {
        charts.extend(cost::render(g, &inputs.pricing, log)?);
    }
    if results.cells.iter().all(|c| c.error.is_some()) {
        notes.push("No cell of this run succeeded: there is nothing to chart.".into());
    }
    Ok((charts, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmbench_data::Mode;

    fn dimensions(png_bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let reader = decoder.read_info().expect("a PNG");
        let info = reader.info();
        (info.width, info.height)
    }

    #[test]
    fn every_chart_kind_of_the_synthetic_run() {
        let (charts, notes) = render_all(&crate::fixture::results(), LogScale::Auto, &ReportInputs::default()).expect("render");
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
                "machine-speed.png",
                "alternatives-fib.png",
                "alternatives-hello.png",
                "native-relative.png",
                "cost-fib.png",
                "cost-hello.png",
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
        let (charts, notes) = render_all(&results, LogScale::Always, &ReportInputs::default()).expect("render");
        // One row per chart still renders.
        assert!(charts.iter().any(|c| c.file_name == "cold-start-hello.png"));
        assert!(!charts.iter().any(|c| c.file_name.starts_with("throughput")));
        assert!(notes.iter().any(|n| n.contains("No throughput measurements")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("one source language")), "{notes:?}");
    }

    #[test]
    fn machine_speed_without_a_sentinel_says_why() {
        let mut results = crate::fixture::results();
        results.sentinel = None;
        let (charts, notes) = render_all(&results, LogScale::Auto, &ReportInputs::default()).expect("render");
        assert!(!charts.iter().any(|c| c.file_name == machine_speed::FILE_NAME));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("No drift sentinel"), "{notes:?}");
    }

    #[test]
    fn machine_speed_title_carries_the_drift() {
        let (charts, _) = render_all(&crate::fixture::results(), LogScale::Auto, &ReportInputs::default()).expect("render");
        let c = charts.iter().find(|c| c.file_name == machine_speed::FILE_NAME).expect("machine-speed chart");
        assert!(c.title.starts_with("Machine speed during the run (drift ") && c.title.ends_with("% of median)"), "{}", c.title);
    }
}
