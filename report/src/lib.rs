//! Turning a [`Results`] document into files people and tools read.
//!
//! One exporter per file in [`export`], all behind the [`Exporter`] trait (as hyperfine does);
//! one file per chart kind in [`chart`]. [`write_report`] writes the whole report: CSV,
//! JSON, Bencher and github-action-benchmark exports, PNG charts, `report.md` and a
//! self-contained `report.html`; [`write_report_with`] also takes the [`ReportInputs`]
//! the comparison with the alternatives needs (a pricing model read by [`load_pricing`],
//! the workloads' shapes).
//! [`write_atomically`] replaces a file in one step, so that a run killed while writing
//! still leaves the previous complete file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use wasmbench_data::Results;

mod cell;
pub mod chart;
mod compare;
pub mod conformance;
pub mod document;
pub mod export;
pub mod matrix;
#[doc(hidden)]
pub mod fixture;
mod inputs;
pub mod pricing;
pub mod table;
pub mod trend;

pub use chart::{Chart, LogScale};
pub use export::{
    BmfExporter, CsvExporter, GithubActionExporter, HtmlExporter, JsonExporter, MarkdownExporter,
};
pub use inputs::ReportInputs;
pub use pricing::{load_pricing, Pricing, PricingError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("serialising results as {format}: {message}")]
    Serialise {
        format: &'static str,
        message: String,
    },
    #[error("drawing chart {chart}: {message}")]
    Chart { chart: String, message: String },
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Renders a whole results document into one file's bytes.
pub trait Exporter {
    /// Short name of the format, e.g. `csv`.
    fn format(&self) -> &'static str;
    /// File name the exporter writes inside an output folder.
    fn file_name(&self) -> &'static str;
    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError>;
}

/// The exporters a run writes by default.
pub fn default_exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(CsvExporter), Box::new(JsonExporter)]
}

/// What [`write_report`] draws.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Draw the PNG charts (and embed them in the HTML).
    pub charts: bool,
    pub log_scale: LogScale,
}

/// Write the whole report of `results` into `dir`: the data exports, the charts, the
/// Markdown and HTML reports. Returns the paths written. The cost section uses the default
/// pricing model and no workload shapes are known; see [`write_report_with`].
pub fn write_report(results: &Results, dir: &Path, options: ReportOptions) -> Result<Vec<PathBuf>, ReportError> {
    write_report_with(results, dir, options, &ReportInputs::default())
}

/// [`write_report`] with the pricing model and workload shapes of `inputs`.
pub fn write_report_with(
    results: &Results,
    dir: &Path,
    options: ReportOptions,
    inputs: &ReportInputs,
) -> Result<Vec<PathBuf>, ReportError> {
    let (charts, mut notes) = if options.charts {
        chart::render_all(results, options.log_scale, inputs)?
    } else {
        (Vec::new(), vec!["Charts were not drawn (`--no-charts`).".to_string()])
    };
    notes.dedup();
    let refs = charts
        .iter()
        .map(|c| document::ChartRef { file_name: c.file_name.clone(), title: c.title.clone(), caption: c.caption.clone() })
        .collect();
    let mut written = Vec::new();
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io { path: dir.to_path_buf(), source })?;
    for c in &charts {
        let path = dir.join(&c.file_name);
        write_atomically(&path, &c.png)?;
        written.push(path);
    }
    let exporters: Vec<Box<dyn Exporter>> = vec![
        Box::new(CsvExporter),
        Box::new(JsonExporter),
        Box::new(BmfExporter),
        Box::new(GithubActionExporter),
        Box::new(MarkdownExporter { charts: refs, notes: notes.clone(), inputs: inputs.clone() }),
        Box::new(HtmlExporter { charts, notes, inputs: inputs.clone() }),
    ];
    written.extend(write_all(results, dir, &exporters)?);
    Ok(written)
}

/// Render `results` with every exporter into `dir` (created if needed); returns the paths.
pub fn write_all(
    results: &Results,
    dir: &Path,
    exporters: &[Box<dyn Exporter>],
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    exporters
        .iter()
        .map(|e| {
            let path = dir.join(e.file_name());
            write_atomically(&path, &e.render(results)?)?;
            Ok(path)
        })
        .collect()
}

/// Write `bytes` to a temporary file beside `path`, then rename it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)
}
