//! The JSON export validates against the committed JSON Schema (data/results.schema.json).

use std::path::{Path, PathBuf};

use wasmbench_report::{Exporter, JsonExporter};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator() -> jsonschema::Validator {
    let path = repo().join(wasmbench_data::SCHEMA_PATH);
    let text = std::fs::read_to_string(&path).expect("committed schema readable");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema is a valid JSON Schema")
}

fn assert_valid(validator: &jsonschema::Validator, document: &serde_json::Value, what: &str) {
    let errors: Vec<String> = validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match the schema:\n{}", errors.join("\n"));
}

#[test]
fn exported_json_matches_the_committed_schema() {
    let validator = validator();
    let synthetic = JsonExporter.render(&wasmbench_report::fixture::results()).expect("render");
    let synthetic: serde_json::Value = serde_json::from_slice(&synthetic).expect("json");
    assert_valid(&validator, &synthetic, "the synthetic results");

    // A real run, read and exported again.
    let text = std::fs::read_to_string(repo().join("results/example/results.json")).expect("example results");
    let results = wasmbench_data::Results::from_json(&text).expect("example parses");
    let exported: serde_json::Value = serde_json::from_slice(&JsonExporter.render(&results).expect("render")).expect("json");
    assert_valid(&validator, &exported, "results/example/results.json");
}

#[test]
fn schema_rejects_other_versions_and_broken_documents() {
    let validator = validator();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&JsonExporter.render(&wasmbench_report::fixture::results()).expect("render")).expect("json");
    doc["schema_version"] = 0.into();
    assert!(!validator.is_valid(&doc), "version 0 must not validate");
    doc["schema_version"] = 1.into();
    doc["cells"][0]["kind"] = "quantum".into();
    assert!(!validator.is_valid(&doc), "an unknown backend kind must not validate");
}

#[test]
fn committed_example_round_trips_byte_for_byte() {
    // Reading and exporting again loses nothing, down to the last bit of every float.
    let path = repo().join("results/example/results.json");
    let text = std::fs::read_to_string(&path).expect("example results");
    let results = wasmbench_data::Results::from_json(&text).expect("example parses");
    let again = String::from_utf8(JsonExporter.render(&results).expect("render")).expect("utf-8");
    assert!(again == text, "re-exporting {} changed it", path.display());
}
