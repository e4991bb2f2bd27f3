//! `conformance.json`: the matrix as a versioned document (`schema`), results in long format.

use serde::Serialize;

use super::{Matrix, MatrixExporter, SCHEMA};
use crate::ReportError;

pub struct MatrixJson;

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    #[serde(flatten)]
    matrix: &'a Matrix,
}

impl MatrixExporter for MatrixJson {
    fn file_name(&self) -> &'static str {
        "conformance.json"
    }

    fn render(&self, matrix: &Matrix) -> Result<Vec<u8>, ReportError> {
        crate::export::pretty_json(&Document { schema: SCHEMA, matrix }, "json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_its_schema() {
        let m = crate::conformance::fixture_matrix();
        let bytes = MatrixJson.render(&m).expect("render");
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(value["schema"], SCHEMA);
        assert_eq!(value["results"][4]["result"], "error");
        assert_eq!(value["results"][4]["exit_code"], serde_json::Value::Null);
        let back: Matrix = serde_json::from_value(value).expect("read back");
        assert_eq!(back, m);
    }
}
