//! `conformance.md`: a summary per backend, the tests × backends table, and what failed.

use super::{cell_text, Matrix, MatrixExporter, Verdict};
use crate::document::Block;
use crate::export::markdown;
use crate::ReportError;

/// The Markdown table; `chart` is the file name of the PNG matrix beside it, if drawn.
pub struct MatrixMarkdown {
    pub chart: Option<String>,
}

impl MatrixExporter for MatrixMarkdown {
    fn file_name(&self) -> &'static str {
        "conformance.md"
    }

    fn render(&self, matrix: &Matrix) -> Result<Vec<u8>, ReportError> {
        Ok(markdown(&blocks(matrix, self.chart.as_deref())).into_bytes())
    }
}

/// The document: heading, summary, chart, matrix table, failures.
pub(super) fn blocks(matrix: &Matrix, chart: Option<&str>) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, "WASI conformance".into()),
        Block::Paragraph(format!(
            "{} tests from `{}` on {} backends: pass, FAIL (ran, but exit code or stdout differ), \
             ERROR (could not run); `(known)` marks a failure listed in the backend's expectations.",
            matrix.tests.len(),
            matrix.suite,
            matrix.backends.len()
        )),
        Block::Table(
            vec!["backend".into(), "pass".into(), "fail".into(), "error".into(), "unexpected".into()],
            vec![false, true, true, true, true],
            matrix.backends.iter().map(|b| summary_row(matrix, b)).collect(),
        ),
    ];
    if let Some(file) = chart {
        out.push(Block::Image(file.to_string(), "Conformance matrix".into()));
    }
    let mut header = vec!["test".to_string()];
    header.extend(matrix.backends.iter().cloned());
    let rows = matrix
        .tests
        .iter()
        .map(|t| {
            let mut row = vec![t.clone()];
            row.extend(matrix.backends.iter().map(|b| cell_text(matrix.get(t, b))));
            row
        })
        .collect();
    out.push(Block::Table(header.clone(), vec![false; header.len()], rows));
    let failures: Vec<String> = matrix
        .results
        .iter()
        .filter(|r| r.result != Verdict::Pass)
        .map(|r| format!("`{}` on `{}`: {} — {}", r.test, r.backend, cell_text(Some(r)), r.detail))
        .collect();
    if !failures.is_empty() {
        out.push(Block::Heading(2, "Failures".into()));
        out.push(Block::List(failures));
    }
    out
}

fn summary_row(matrix: &Matrix, backend: &str) -> Vec<String> {
    let of = |v: Verdict| matrix.results.iter().filter(|r| r.backend == backend && r.result == v).count();
    let unexpected = matrix.unexpected().filter(|r| r.backend == backend).count();
    vec![
        backend.to_string(),
        of(Verdict::Pass).to_string(),
        of(Verdict::Fail).to_string(),
        of(Verdict::Error).to_string(),
        unexpected.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_of_the_fixture_matrix() {
        let exporter = MatrixMarkdown { chart: Some("conformance.png".into()) };
        let text = String::from_utf8(exporter.render(&crate::conformance::fixture_matrix()).expect("render")).expect("utf-8");
        insta::assert_snapshot!(text);
    }
}
