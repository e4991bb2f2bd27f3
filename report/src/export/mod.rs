//! One exporter per file.

mod csv;
mod json;

pub use self::csv::CsvExporter;
pub use self::json::JsonExporter;
