//! Known failures, one file per backend (`<backend>.txt` in the expectations folder), one
//! a line: `test-name  fail|error  # reason`. Blank lines and lines starting with `#` are
//! comments.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use wasmbench_report::conformance::Verdict;

/// A failure a backend is known to have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub verdict: Verdict,
    pub reason: String,
}

/// Per backend, per test: the known failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    pub known: BTreeMap<String, BTreeMap<String, Known>>,
}

impl Expectations {
    /// The files of `dir` for these backends. A missing folder means no known failures
    /// unless `required` (the user named it).
    pub fn load(dir: &Path, backends: &[&str], required: bool) -> Result<Expectations> {
        if !dir.is_dir() {
            if required {
                bail!("expectations folder {} does not exist or is not a folder", dir.display());
            }
            return Ok(Expectations::default());
        }
        let mut out = Expectations::default();
        for backend in backends {
            let path = dir.join(format!("{backend}.txt"));
            if !path.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let known = parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            out.known.insert(backend.to_string(), known);
        }
        Ok(out)
    }

    pub fn get(&self, backend: &str, test: &str) -> Option<&Known> {
        self.known.get(backend).and_then(|k| k.get(test))
    }

    /// (backend, test) pairs listed for tests the suite does not have.
    pub fn stale<'a>(&'a self, tests: &'a [String]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.known
            .iter()
            .flat_map(|(b, k)| k.keys().map(move |t| (b.as_str(), t.as_str())))
            .filter(|(_, t)| !tests.iter().any(|name| name == t))
    }
}

/// The known failures of one file; the error names the line.
pub fn parse(text: &str) -> Result<BTreeMap<String, Known>, String> {
    let mut known = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let (entry, reason) = match line.split_once('#') {
            Some((entry, reason)) => (entry.trim(), reason.trim()),
            None => (line.trim(), ""),
        };
        if entry.is_empty() {
            continue;
        }
        let words: Vec<&str> = entry.split_whitespace().collect();
        let verdict = match words.as_slice() {
            [_, "fail"] => Verdict::Fail,
            [_, "error"] => Verdict::Error,
            _ => return Err(format!("line {}: expected `test-name  fail|error  # reason`, found `{line}`", i + 1)),
        };
        let previous = known.insert(words[0].to_string(), Known { verdict, reason: reason.to_string() });
        if previous.is_some() {
            return Err(format!("line {}: test `{}` is listed twice", i + 1, words[0]));
        }
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_comments_and_reasons() {
        let known = parse("# known failures\n\nfd_readdir  fail  # lists no dot entries\nclock_res error\n").expect("parse");
        assert_eq!(known.len(), 2);
        assert_eq!(known["fd_readdir"], Known { verdict: Verdict::Fail, reason: "lists no dot entries".into() });
        assert_eq!(known["clock_res"].verdict, Verdict::Error);
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse("a fail\nb pass # no\n").expect_err("pass is no failure");
        assert!(err.starts_with("line 2: expected `test-name  fail|error  # reason`"), "{err}");
        assert!(parse("a fail\na error\n").expect_err("twice").contains("line 2: test `a` is listed twice"));
        assert!(parse("just-a-name\n").is_err());
    }

    #[test]
    fn load_reads_the_named_backends_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("wasmi.txt"), "t fail # why\ngone error\n").expect("write");
        std::fs::write(dir.path().join("wasm3.txt"), "t error\n").expect("write");
        let e = Expectations::load(dir.path(), &["wasmi"], true).expect("load");
        assert_eq!(e.get("wasmi", "t").map(|k| k.verdict), Some(Verdict::Fail));
        assert!(e.get("wasm3", "t").is_none());
        let tests = vec!["t".to_string()];
        assert_eq!(e.stale(&tests).collect::<Vec<_>>(), [("wasmi", "gone")]);
        assert!(Expectations::load(&dir.path().join("none"), &["wasmi"], false).expect("optional").known.is_empty());
        assert!(Expectations::load(&dir.path().join("none"), &["wasmi"], true).is_err());
    }
}
