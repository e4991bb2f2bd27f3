//! `wasmbench conformance PATH`: every test of a wasi-testsuite-layout folder on every
//! Wasm backend, each in a fresh worker; writes the matrix (CSV, JSON, Markdown, HTML, PNG)
//! and exits 1 when a result is neither a pass nor a known failure.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use wasmbench_report::conformance::{write_matrix, Matrix, MatrixRow, Verdict};
use wasmbench_runtimes::BackendId;

use super::{FAILURE, SUCCESS};
use crate::conformance::classify::row;
use crate::conformance::expectations::Expectations;
use crate::conformance::runner::{run_test, RunSettings};
use crate::conformance::suite::{discover, TestCase};
use crate::presets::positive_seconds;

#[derive(Args)]
pub struct ConformanceArgs {
    /// Folder of tests in the wasi-testsuite layout: `<test>.wasm`, optional `<test>.json`
    /// (args, env, root, exit_code, stdout), in it or in its subfolders
    pub path: PathBuf,
    /// Backends to run, comma-separated [default: every Wasm backend compiled in]
    #[arg(long, short, value_delimiter = ',')]
    pub backend: Vec<String>,
    /// Tests to run (names as in the matrix), comma-separated [default: all]
    #[arg(long, short, value_delimiter = ',')]
    pub test: Vec<String>,
    /// Deadline of each test, in seconds, for compiling the module and again for running it
    #[arg(long, default_value_t = 10.0)]
    pub deadline: f64,
    /// Folder of known failures, `<backend>.txt` each [default: PATH/expectations]
    #[arg(long)]
    pub expectations: Option<PathBuf>,
    /// Output folder
    #[arg(long, short, default_value = "results/conformance")]
    pub output: PathBuf,
    /// Leave out the PNG matrix
    #[arg(long)]
    pub no_chart: bool,
}

pub fn execute(args: ConformanceArgs) -> Result<u8> {
    let tests = chosen_tests(discover(&args.path)?, &args.test)?;
    let backends = chosen_backends(&args.backend)?;
    let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
    let expectations = match &args.expectations {
        Some(dir) => Expectations::load(dir, &names, true)?,
        None => Expectations::load(&args.path.join("expectations"), &names, false)?,
    };
    let test_names: Vec<String> = tests.iter().map(|t| t.name.clone()).collect();
    for (backend, test) in expectations.stale(&test_names) {
        eprintln!("wasmbench: note: the expectations of {backend} list `{test}`, which is not run");
    }
    let settings = RunSettings {
        worker_exe: std::env::current_exe().context("locating the wasmbench executable")?,
        deadline: positive_seconds("--deadline", args.deadline)?,
        max_memory_bytes: 1 << 30,
        max_output_bytes: 1 << 20,
    };
    let mut matrix = Matrix {
        suite: args.path.display().to_string(),
        tests: test_names,
        backends: names.iter().map(|n| n.to_string()).collect(),
        results: Vec::new(),
    };
    let total = tests.len() * backends.len();
    for &backend in &backends {
        for test in &tests {
            let began = Instant::now();
            let outcome = run_test(test, backend, &settings);
            let r = row(&test.name, backend.name(), &test.spec, &outcome, expectations.get(backend.name(), &test.name));
            eprintln!(
                "[{}/{total}] {backend} {}: {}{} ({} ms)",
                matrix.results.len() + 1,
                test.name,
                r.result,
                if r.known { " (known)" } else { "" },
                began.elapsed().as_millis()
            );
            matrix.results.push(r);
        }
    }
    let written = write_matrix(&matrix, &args.output, !args.no_chart)
        .with_context(|| format!("writing the conformance matrix into {}", args.output.display()))?;
    eprintln!("wasmbench: wrote {} files into {}", written.len(), args.output.display());
    Ok(finish(&matrix, &expectations))
}

/// The tests named with --test (each must exist), or all.
fn chosen_tests(tests: Vec<TestCase>, names: &[String]) -> Result<Vec<TestCase>> {
    if let Some(missing) = names.iter().find(|n| !tests.iter().any(|t| &t.name == *n)) {
        bail!("--test `{missing}`: no such test in the folder");
    }
    Ok(tests.into_iter().filter(|t| names.is_empty() || names.contains(&t.name)).collect())
}

/// The backends named with --backend, or every available Wasm backend (never `v8-js`,
/// which runs JavaScript).
fn chosen_backends(names: &[String]) -> Result<Vec<BackendId>> {
    if names.is_empty() {
        let all: Vec<BackendId> = BackendId::available().into_iter().filter(|b| !b.runs_javascript()).collect();
        if all.is_empty() {
            bail!("this binary has no WebAssembly backend compiled in");
        }
        return Ok(all);
    }
    let mut chosen = Vec::new();
    for name in names {
        let id: BackendId = name.parse()?;
        if id.runs_javascript() {
            bail!("backend `{id}` runs JavaScript, not WebAssembly modules: it has no conformance to test");
        }
        if let Some(reason) = id.unavailable_reason() {
            bail!("backend `{id}` cannot run: {reason}");
        }
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    Ok(chosen)
}

/// Print the per-backend summary; name every unexpected result on stderr.
fn finish(matrix: &Matrix, expectations: &Expectations) -> u8 {
    println!("| backend | pass | fail | error | unexpected |\n|---|---:|---:|---:|---:|");
    for b in &matrix.backends {
        let of = |v: Verdict| matrix.results.iter().filter(|r| &r.backend == b && r.result == v).count();
        let unexpected = matrix.unexpected().filter(|r| &r.backend == b).count();
        println!("| {b} | {} | {} | {} | {unexpected} |", of(Verdict::Pass), of(Verdict::Fail), of(Verdict::Error));
    }
    let now_pass: Vec<&MatrixRow> = matrix
        .results
        .iter()
        .filter(|r| r.result == Verdict::Pass && expectations.get(&r.backend, &r.test).is_some())
        .collect();
    for r in now_pass {
        eprintln!("wasmbench: note: `{}` passes on {}, which lists it as a known failure", r.test, r.backend);
    }
    let unexpected: Vec<&MatrixRow> = matrix.unexpected().collect();
    if unexpected.is_empty() {
        eprintln!("wasmbench: every result is a pass or a known failure");
        return SUCCESS;
    }
    eprintln!("wasmbench: {} unexpected results:", unexpected.len());
    for r in unexpected {
        eprintln!("  {} on {}: {} — {}", r.test, r.backend, r.result, r.detail);
    }
    FAILURE
}
