//! The results-file reader (`results.json`): any text must give `Results` or a
//! `DataError`, never a panic. What it accepts must flatten into long-format rows and
//! survive a write/read round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmbench_data::Results;

fuzz_target!(|text: &str| {
    if let Ok(results) = Results::from_json(text) {
        let rows = results.rows();
        let failed = results.cells.iter().filter(|c| c.error.is_some()).count();
        assert!(rows.len() >= failed, "{} rows for {failed} failed cells", rows.len());
        let json = serde_json::to_string(&results).expect("accepted results serialise");
        let again = Results::from_json(&json).expect("written results read back");
        assert_eq!(again.cells.len(), results.cells.len());
        assert_eq!(again.missing, results.missing);
    }
});
