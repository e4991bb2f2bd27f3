//! The versioned results document itself, pretty-printed: raw samples included.

use wasmbench_data::Results;

use crate::{Exporter, ReportError};

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn format(&self) -> &'static str {
        "json"
    }

    fn file_name(&self) -> &'static str {
        "results.json"
    }

    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        super::pretty_json(results, "json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmbench_data::{Environment, RunConfig};

    #[test]
    fn round_trips_through_the_reader() {
        let results = Results::new(Environment::default(), RunConfig::default());
        let bytes = JsonExporter.render(&results).expect("render");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(Results::from_json(&text).expect("read back"), results);
    }
}
