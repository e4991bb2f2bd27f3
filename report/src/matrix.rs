//! The conformance matrix's data: one verdict per (test, backend) of `wasmbench
//! conformance` (its exports are in `conformance`, its chart in `chart`).

use serde::{Deserialize, Serialize};

/// Version tag of the JSON document.
pub const SCHEMA: &str = "wasmbench-conformance/1";

/// How one test ran on one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Exit code and stdout as the test's spec says.
    Pass,
    /// It ran, but its exit code or stdout differs.
    Fail,
    /// It could not run: not linkable, a trap, a timeout, a crashed worker.
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One (test, backend) result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub test: String,
    pub backend: String,
    pub result: Verdict,
    /// The guest's exit code, when it ran to an exit.
    pub exit_code: Option<i32>,
    pub expected_exit_code: i32,
    /// The backend's expectations list this result as a known failure.
    pub known: bool,
    /// What differed or went wrong (empty for a pass); the reason of a known failure.
    pub detail: String,
}

/// Every result of one conformance run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    /// The test folder, as given.
    pub suite: String,
    /// Test names, in row order.
    pub tests: Vec<String>,
    /// Backend names, in column order.
    pub backends: Vec<String>,
    pub results: Vec<MatrixRow>,
}

impl Matrix {
    pub fn get(&self, test: &str, backend: &str) -> Option<&MatrixRow> {
        self.results.iter().find(|r| r.test == test && r.backend == backend)
    }

    /// Results of `backend` that are passes.
    pub fn passes(&self, backend: &str) -> usize {
        self.results.iter().filter(|r| r.backend == backend && r.result == Verdict::Pass).count()
    }

    /// Results that are neither a pass nor a known failure.
    pub fn unexpected(&self) -> impl Iterator<Item = &MatrixRow> {
        self.results.iter().filter(|r| r.result != Verdict::Pass && !r.known)
    }
}

/// The text of a matrix cell: the verdict, marked when it is a known failure.
pub fn cell_text(row: Option<&MatrixRow>) -> String {
    match row {
        None => "–".to_string(),
        Some(r) if r.result == Verdict::Pass => "pass".to_string(),
        Some(r) if r.known => format!("{} (known)", r.result),
        Some(r) => r.result.as_str().to_uppercase(),
    }
}

/// Three tests on two backends: passes, an unexpected failure, a known error (for tests).
#[cfg(test)]
pub(crate) fn fixture_matrix() -> Matrix {
    let row = |test: &str, backend: &str, result, exit_code, known, detail: &str| MatrixRow {
        test: test.into(),
        backend: backend.into(),
        result,
        exit_code,
        expected_exit_code: 0,
        known,
        detail: detail.into(),
    };
    Matrix {
        suite: "conformance/wasi".into(),
        tests: vec!["args_get".into(), "clock_res".into(), "fd_readdir".into()],
        backends: vec!["wasmi".into(), "wasmtime-cranelift".into()],
        results: vec![
            row("args_get", "wasmi", Verdict::Pass, Some(0), false, ""),
            row("args_get", "wasmtime-cranelift", Verdict::Pass, Some(0), false, ""),
            row("clock_res", "wasmi", Verdict::Fail, Some(3), false, "exit code 3, expected 0; stdout \"fail 3\\n\""),
            row("clock_res", "wasmtime-cranelift", Verdict::Pass, Some(0), false, ""),
            row("fd_readdir", "wasmi", Verdict::Error, None, true, "unlinkable: no fd_readdir | known: not yet"),
            row("fd_readdir", "wasmtime-cranelift", Verdict::Pass, Some(0), false, ""),
        ],
    }
}
