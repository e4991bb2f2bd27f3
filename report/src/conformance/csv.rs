//! `conformance.csv`: one row per (test, backend), long format.

use super::{Matrix, MatrixExporter};
use crate::ReportError;

pub struct MatrixCsv;

impl MatrixExporter for MatrixCsv {
    fn file_name(&self) -> &'static str {
        "conformance.csv"
    }

    fn render(&self, matrix: &Matrix) -> Result<Vec<u8>, ReportError> {
        let err = |e: &dyn std::fmt::Display| ReportError::Serialise { format: "csv", message: e.to_string() };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(["test", "backend", "result", "exit_code", "expected_exit_code", "known", "detail"])
            .map_err(|e| err(&e))?;
        for r in &matrix.results {
            let exit = r.exit_code.map(|c| c.to_string()).unwrap_or_default();
            writer
                .write_record([
                    r.test.as_str(),
                    &r.backend,
                    r.result.as_str(),
                    &exit,
                    &r.expected_exit_code.to_string(),
                    if r.known { "true" } else { "false" },
                    &r.detail,
                ])
                .map_err(|e| err(&e))?;
        }
        writer.into_inner().map_err(|e| err(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_result_with_header() {
        let text = String::from_utf8(MatrixCsv.render(&crate::conformance::fixture_matrix()).expect("render")).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "test,backend,result,exit_code,expected_exit_code,known,detail");
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[1], "args_get,wasmi,pass,0,0,false,");
        assert_eq!(lines[5], "fd_readdir,wasmi,error,,0,true,unlinkable: no fd_readdir | known: not yet");
    }
}
