//! The conformance matrix of `wasmbench conformance`: one verdict per (test, backend), and
//! its exports — CSV and JSON (long format), a Markdown and an HTML table, a PNG matrix —
//! one exporter per file behind [`MatrixExporter`].

use std::path::{Path, PathBuf};

use crate::{write_atomically, ReportError};

mod csv;
mod html;
mod json;
mod markdown;

pub use self::csv::MatrixCsv;
pub use self::html::MatrixHtml;
pub use self::json::MatrixJson;
pub use self::markdown::MatrixMarkdown;
pub use crate::matrix::{cell_text, Matrix, MatrixRow, Verdict, SCHEMA};
#[cfg(test)]
pub(crate) use crate::matrix::fixture_matrix;

/// Renders a whole matrix into one file's bytes.
pub trait MatrixExporter {
    /// File name the exporter writes inside an output folder.
    fn file_name(&self) -> &'static str;
    fn render(&self, matrix: &Matrix) -> Result<Vec<u8>, ReportError>;
}

/// Write every export of `matrix` into `dir` (created if needed): the CSV, JSON, Markdown
/// and HTML files and, with `chart`, the PNG matrix. Returns the paths written.
pub fn write_matrix(matrix: &Matrix, dir: &Path, chart: bool) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io { path: dir.to_path_buf(), source })?;
    let png = if chart { Some(crate::chart::conformance_matrix(matrix)?) } else { None };
    let exporters: Vec<Box<dyn MatrixExporter>> = vec![
        Box::new(MatrixCsv),
        Box::new(MatrixJson),
        Box::new(MatrixMarkdown { chart: png.as_ref().map(|c| c.file_name.clone()) }),
        Box::new(MatrixHtml { chart: png.clone() }),
    ];
    let mut written = Vec::new();
    if let Some(c) = &png {
        let path = dir.join(&c.file_name);
        write_atomically(&path, &c.png)?;
        written.push(path);
    }
    for e in &exporters {
        let path = dir.join(e.file_name());
        write_atomically(&path, &e.render(matrix)?)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_cells() {
        let m = fixture_matrix();
        assert_eq!(m.passes("wasmi"), 1);
        assert_eq!(m.passes("wasmtime-cranelift"), 3);
        let unexpected: Vec<_> = m.unexpected().map(|r| (r.test.as_str(), r.backend.as_str())).collect();
        assert_eq!(unexpected, [("clock_res", "wasmi")]);
        assert_eq!(cell_text(m.get("clock_res", "wasmi")), "FAIL");
        assert_eq!(cell_text(m.get("fd_readdir", "wasmi")), "error (known)");
        assert_eq!(cell_text(m.get("nope", "wasmi")), "–");
    }

    #[test]
    fn writes_every_export() {
        let dir = tempfile::tempdir().expect("tempdir");
        let written = write_matrix(&fixture_matrix(), dir.path(), true).expect("write");
        let names: Vec<_> = written.iter().map(|p| p.file_name().and_then(|n| n.to_str()).unwrap_or("")).collect();
        assert_eq!(names, ["conformance.png", "conformance.csv", "conformance.json", "conformance.md", "conformance.html"]);
    }
}
