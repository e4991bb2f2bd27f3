//! A test's spec, `<test>.json` beside `<test>.wasm` (wasi-testsuite's format): `args`,
//! `env` (the guest's whole environment), `root` (a folder beside the test, preopened as
//! `/`), `exit_code`, `stdout`. Every key is optional: no arguments, an empty environment,
//! no preopen, exit code 0, stdout not checked. Any other key is an error.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The keys a spec may have.
pub const KEYS: [&str; 5] = ["args", "env", "root", "exit_code", "stdout"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestSpec {
    pub args: Vec<String>,
    /// Sorted by name (the spec's JSON object has no order a guest could rely on).
    pub env: Vec<(String, String)>,
    /// Relative to the test's folder.
    pub root: Option<PathBuf>,
    pub exit_code: i32,
    /// `None`: not checked.
    pub stdout: Option<String>,
}

/// A spec file that cannot be used: which file, which key, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {what}", path.display())]
pub struct SpecError {
    pub path: PathBuf,
    pub what: String,
}

impl TestSpec {
    /// Read and check `path`; `root` must name a folder beside it.
    pub fn load(path: &Path) -> Result<TestSpec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| error(path, format!("cannot be read: {e}")))?;
        let spec = TestSpec::parse(&text).map_err(|what| error(path, what))?;
        if let Some(root) = &spec.root {
            let dir = path.parent().unwrap_or(Path::new(".")).join(root);
            if !dir.is_dir() {
                return Err(error(path, format!("key `root`: {} is not a folder", dir.display())));
            }
        }
        Ok(spec)
    }

    /// Parse a spec's JSON text; the error names the key at fault.
    pub fn parse(text: &str) -> Result<TestSpec, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("must be a JSON object".into());
        };
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("unknown key `{key}` (valid keys: {})", KEYS.join(", ")));
        }
        Ok(TestSpec {
            args: strings(&map, "args")?,
            env: env(&map)?,
            root: root(&map)?,
            exit_code: exit_code(&map)?,
            stdout: optional_string(&map, "stdout")?,
        })
    }
}

fn error(path: &Path, what: String) -> SpecError {
    SpecError { path: path.to_path_buf(), what }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn strings(map: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    let Some(v) = map.get(key) else { return Ok(Vec::new()) };
    let Value::Array(items) = v else {
        return Err(format!("key `{key}`: expected an array of strings, found {}", kind(v)));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!("key `{key}`: item {i} should be a string, found {}", kind(other))),
        })
        .collect()
}

fn env(map: &Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    let Some(v) = map.get("env") else { return Ok(Vec::new()) };
    let Value::Object(vars) = v else {
        return Err(format!("key `env`: expected an object of strings, found {}", kind(v)));
    };
    vars.iter()
        .map(|(name, value)| {
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return Err(format!("key `env`: `{name}` is not a variable name (empty, or with `=` or NUL)"));
            }
            match value {
                Value::String(s) => Ok((name.clone(), s.clone())),
                other => Err(format!("key `env`: `{name}` should be a string, found {}", kind(other))),
            }
        })
        .collect()
}

fn optional_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("key `{key}`: expected a string, found {}", kind(other))),
    }
}

fn root(map: &Map<String, Value>) -> Result<Option<PathBuf>, String> {
    let Some(root) = optional_string(map, "root")? else { return Ok(None) };
    let path = PathBuf::from(&root);
    let plain = path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if root.is_empty() || !plain {
        return Err(format!("key `root`: `{root}` must be a folder beside the test (a relative path without `..`)"));
    }
    Ok(Some(path))
}

fn exit_code(map: &Map<String, Value>) -> Result<i32, String> {
    match map.get("exit_code") {
        None => Ok(0),
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| format!("key `exit_code`: expected a whole number, found {v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        assert_eq!(TestSpec::parse("{}").expect("parse"), TestSpec::default());
    }

    #[test]
    fn every_key() {
        let spec = TestSpec::parse(
            r#"{"args": ["a", ""], "env": {"B": "2", "A": "x=y"}, "root": "fs-tests.dir",
                "exit_code": 42, "stdout": "ok\n"}"#,
        )
        .expect("parse");
        assert_eq!(spec.args, ["a", ""]);
        assert_eq!(spec.env, [("A".to_string(), "x=y".to_string()), ("B".to_string(), "2".to_string())]);
        assert_eq!(spec.root, Some(PathBuf::from("fs-tests.dir")));
        assert_eq!(spec.exit_code, 42);
        assert_eq!(spec.stdout.as_deref(), Some("ok\n"));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (r#"{"exit_code": "1"}"#, "key `exit_code`: expected a whole number, found \"1\""),
            (r#"{"exit_code": 1.5}"#, "key `exit_code`"),
            (r#"{"args": "a b"}"#, "key `args`: expected an array of strings, found a string"),
            (r#"{"args": ["a", 2]}"#, "key `args`: item 1 should be a string, found a number"),
            (r#"{"env": {"A": 1}}"#, "key `env`: `A` should be a string"),
            (r#"{"env": {"A=B": "1"}}"#, "key `env`: `A=B` is not a variable name"),
            (r#"{"root": "../up"}"#, "key `root`: `../up` must be a folder beside the test"),
            (r#"{"root": "/abs"}"#, "key `root`"),
            (r#"{"stdout": null}"#, "key `stdout`: expected a string, found null"),
            (r#"{"dirs": ["x"]}"#, "unknown key `dirs` (valid keys: args, env, root, exit_code, stdout)"),
            (r#"[1]"#, "must be a JSON object"),
            (r#"{"args": ["#, "not valid JSON"),
        ];
        for (text, want) in cases {
            let err = TestSpec::parse(text).expect_err(text);
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn load_names_the_file_and_checks_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.json");
        std::fs::write(&path, r#"{"root": "missing.dir"}"#).expect("write");
        let err = TestSpec::load(&path).expect_err("no root folder").to_string();
        assert!(err.starts_with(&path.display().to_string()) && err.contains("missing.dir is not a folder"), "{err}");
        std::fs::create_dir(dir.path().join("missing.dir")).expect("mkdir");
        assert!(TestSpec::load(&path).is_ok());
    }
}
