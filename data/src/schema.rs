//! The JSON Schema of the results document, generated from the types themselves.
//!
//! The committed copy, `data/results.schema.json`, is what dashboards and other readers
//! validate against; a test fails when it no longer matches the types (regenerate it with
//! `WASMBENCH_UPDATE_SCHEMA=1 cargo test -p wasmbench-data`).

use crate::{Results, SCHEMA_VERSION};

/// Path of the committed schema, relative to the repository root.
pub const SCHEMA_PATH: &str = "data/results.schema.json";

/// The JSON Schema (draft 2020-12) of a [`Results`] document of [`SCHEMA_VERSION`].
pub fn results_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Results))
        .unwrap_or_else(|e| unreachable!("a generated schema is always JSON: {e}"));
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$comment".into(),
            format!(
                "wasmbench results document, schema_version {SCHEMA_VERSION}; generated from \
                 the wasmbench-data types, do not edit"
            )
            .into(),
        );
        // Pin the version: a document of another version must not validate.
        if let Some(version) = obj
            .get_mut("properties")
            .and_then(|p| p.get_mut("schema_version"))
            .and_then(serde_json::Value::as_object_mut)
        {
            version.insert("const".into(), SCHEMA_VERSION.into());
        }
    }
    schema
}

/// The schema as committed: pretty-printed with a trailing newline.
pub fn results_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&results_schema())
        .unwrap_or_else(|e| unreachable!("a JSON value always prints: {e}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn committed_schema_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("results.schema.json");
        let fresh = results_schema_text();
        if std::env::var_os("WASMBENCH_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &fresh).expect("write the schema");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: the result types changed. Regenerate it with \
             `WASMBENCH_UPDATE_SCHEMA=1 cargo test -p wasmbench-data` and commit it",
            path.display()
        );
    }

    #[test]
    fn schema_pins_the_version_and_names_the_cells() {
        let schema = results_schema();
        assert_eq!(schema["properties"]["schema_version"]["const"], SCHEMA_VERSION);
        let required = schema["required"].as_array().expect("required list");
        for field in ["schema_version", "environment", "config", "complete", "cells"] {
            assert!(required.iter().any(|r| r == field), "{field} not required");
        }
    }
}
