//! Turning a [`Results`] document into files people and tools read.
//!
//! One exporter per file in [`export`], all behind the [`Exporter`] trait (as hyperfine does).
//! [`write_atomically`] replaces a file in one step, so that a run killed while writing
//! still leaves the previous complete file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use wasmbench_data::Results;

pub mod export;
pub mod table;

pub use export::{CsvExporter, JsonExporter};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("serialising results as {format}: {message}")]
    Serialise {
        format: &'static str,
        message: String,
    },
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
