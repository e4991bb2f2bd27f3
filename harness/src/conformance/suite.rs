//! The tests of a conformance folder: every `*.wasm` in it and in its subfolders (as
//! wasi-testsuite keeps one flat folder per source language), each with its spec.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::spec::TestSpec;

/// One test: its name (its path below the suite folder, without `.wasm`), module and spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    pub name: String,
    pub wasm: PathBuf,
    /// The folder the module is in (its `root` is relative to it).
    pub dir: PathBuf,
    pub spec: TestSpec,
}

impl TestCase {
    /// The host folder preopened as `/`, if the spec names one.
    pub fn root(&self) -> Option<PathBuf> {
        self.spec.root.as_ref().map(|r| self.dir.join(r))
    }
}

/// Every test below `path`, sorted by name. Errors name the folder or the spec at fault.
pub fn discover(path: &Path) -> Result<Vec<TestCase>> {
    if !path.is_dir() {
        bail!("conformance folder {} does not exist or is not a folder", path.display());
    }
    let mut modules = Vec::new();
    collect(path, &mut modules)?;
    if modules.is_empty() {
        bail!("conformance folder {} holds no test module (*.wasm)", path.display());
    }
    modules.sort();
    let mut tests = Vec::new();
    for wasm in modules {
        let rel = wasm.strip_prefix(path).unwrap_or(&wasm).with_extension("");
        let spec_path = wasm.with_extension("json");
        let spec = if spec_path.exists() { TestSpec::load(&spec_path)? } else { TestSpec::default() };
        tests.push(TestCase {
            name: rel.to_string_lossy().into_owned(),
            dir: wasm.parent().unwrap_or(path).to_path_buf(),
            wasm,
            spec,
        });
    }
    // A module inside some test's root is that test's data, not a test.
    let roots: Vec<PathBuf> = tests.iter().filter_map(TestCase::root).collect();
    tests.retain(|t| !roots.iter().any(|r| t.wasm.starts_with(r)));
    Ok(tests)
}

/// The `.wasm` files below `dir`, not following symlinks (a test's root may hold some).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading conformance folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading conformance folder {}", dir.display()))?;
        let kind = entry.file_type().with_context(|| format!("reading {}", entry.path().display()))?;
        let path = entry.path();
        if kind.is_dir() {
            collect(&path, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_modules_with_and_without_spec() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("c/root.dir")).expect("mkdir");
        std::fs::write(d.join("b.wasm"), b"").expect("write");
        std::fs::write(d.join("b.json"), r#"{"exit_code": 3}"#).expect("write");
        std::fs::write(d.join("c/a.wasm"), b"").expect("write");
        std::fs::write(d.join("c/a.json"), r#"{"root": "root.dir"}"#).expect("write");
        std::fs::write(d.join("notes.txt"), b"").expect("write");
        std::fs::write(d.join("c/root.dir/data.wasm"), b"").expect("write");
        let tests = discover(d).expect("discover");
        let names: Vec<_> = tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["b", "c/a"]);
        assert_eq!(tests[0].spec.exit_code, 3);
        assert_eq!(tests[1].root(), Some(d.join("c/root.dir")));
    }

    #[test]
    fn bad_folders_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = discover(&dir.path().join("nope")).expect_err("missing").to_string();
        assert!(err.contains("nope does not exist"), "{err}");
        let err = discover(dir.path()).expect_err("empty").to_string();
        assert!(err.contains("holds no test module"), "{err}");
        std::fs::write(dir.path().join("t.wasm"), b"").expect("write");
        std::fs::write(dir.path().join("t.json"), r#"{"exit": 1}"#).expect("write");
        let err = format!("{:#}", discover(dir.path()).expect_err("bad spec"));
        assert!(err.contains("t.json: unknown key `exit`"), "{err}");
    }
}
