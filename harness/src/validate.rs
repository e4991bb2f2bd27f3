//! `wasmbench validate`: does a module keep the workload contract?
//!
//! A workload module is a valid WASI preview1 command: it exports a `_start` function and
//! its `memory`, imports only from `wasi_snapshot_preview1` (and, for sightglass-style
//! modules, `bench`), and — when its expected output is known — prints exactly that.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::{run_once, BackendId, Limits, ModuleInfo, WasiInput};

use crate::manifest::{Manifest, Workload, WorkloadModule};
use crate::failure::Failure;
use crate::module_io::{read_expected_stderr, read_module};
use crate::verify::{verify, verify_stderr};

/// Import modules a workload may use.
pub const ALLOWED_IMPORT_MODULES: &[&str] = &["wasi_snapshot_preview1", "bench"];

/// A module to check, with what is known about its expected behaviour.
#[derive(Debug, Clone)]
pub struct Target {
    pub path: PathBuf,
    pub language: Option<String>,
    /// Input and expected output, when the module belongs to a workload.
    pub workload: Option<Workload>,
}

/// The outcome for one module.
#[derive(Debug)]
pub struct Report {
    pub path: PathBuf,
    pub info: Option<ModuleInfo>,
    pub result: Result<(), Failure>,
    /// Whether the output was checked (false when no expected output is known).
    pub output_checked: bool,
}

/// The targets named on the command line: manifest modules whose path matches, else bare
/// modules; no paths means every module of the manifest.
pub fn targets(paths: &[PathBuf], manifest: Option<&Manifest>) -> Vec<Target> {
    let all: Vec<(&Workload, &WorkloadModule)> = manifest
        .map(|m| {
            m.workloads
                .iter()
                .flat_map(|w| w.modules.iter().map(move |m| (w, m)))
                .collect()
        })
        .unwrap_or_default();
    if paths.is_empty() {
        return all
            .into_iter()
            .map(|(w, m)| Target {
                path: m.wasm.clone(),
                language: Some(m.language.clone()),
                workload: Some(w.clone()),
            })
            .collect();
    }
    paths
        .iter()
        .map(|path| {
            let known = all.iter().find(|(_, m)| same_file(&m.wasm, path));
            Target {
                path: path.clone(),
                language: known.map(|(_, m)| m.language.clone()),
                workload: known.map(|(w, _)| (*w).clone()),
            }
        })
        .collect()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Check one module: its shape, then (if its workload is known) its output on `backend`.
pub fn check(target: &Target, backend: BackendId, deadline: Duration) -> Report {
    let mut report = Report {
        path: target.path.clone(),
        info: None,
        result: Ok(()),
        output_checked: false,
    };
    let wasm = match read_module(&target.path) {
        Ok(w) => w,
        Err(f) => {
            report.result = Err(f);
            return report;
        }
    };
    let info = match ModuleInfo::of(&wasm) {
        Ok(info) => info,
        Err(e) => {
            report.result = Err(Failure {
                kind: ErrorKind::Invalid,
                message: e.to_string(),
            });
            return report;
        }
    };
    report.result = contract(&info);
    report.info = Some(info);
    if report.result.is_err() {
        return report;
    }
    if let Some(workload) = &target.workload {
        report.output_checked = true;
        report.result = run_and_verify(&wasm, workload, backend, deadline);
    }
    report
}

/// The static part of the contract.
pub fn contract(info: &ModuleInfo) -> Result<(), Failure> {
    if !info.exported_functions.iter().any(|f| f == "_start") {
        return Err(Failure {
            kind: ErrorKind::Invalid,
            message: "exports no `_start` function: not a WASI command module".into(),
        });
    }
    if !info.exports_memory {
        return Err(Failure {
            kind: ErrorKind::Invalid,
            message: "exports no `memory`: WASI needs the guest's memory exported".into(),
        });
    }
    let foreign: Vec<String> = info
        .imports
        .iter()
        .filter(|i| !ALLOWED_IMPORT_MODULES.contains(&i.module.as_str()))
        .map(|i| format!("{}::{}", i.module, i.name))
        .collect();
    if !foreign.is_empty() {
        return Err(Failure {
            kind: ErrorKind::Unlinkable,
            message: format!(
                "imports from outside WASI preview1 ({}): {}",
                ALLOWED_IMPORT_MODULES.join(", "),
                foreign.join(", ")
            ),
        });
    }
    Ok(())
}

fn run_and_verify(
    wasm: &[u8],
    workload: &Workload,
    backend: BackendId,
    deadline: Duration,
) -> Result<(), Failure> {
    let io = |what: &str, path: &Path, e: std::io::Error| Failure {
        kind: ErrorKind::Io,
        message: format!("reading {what} {}: {e}", path.display()),
    };
    let stdin = match &workload.stdin {
        Some(p) => std::fs::read(p).map_err(|e| io("stdin", p, e))?,
        None => Vec::new(),
    };
    let expected = std::fs::read(&workload.expected_stdout)
        .map_err(|e| io("expected stdout", &workload.expected_stdout, e))?;
    let limits = Limits {
        deadline,
        ..Limits::default()
    };
    let engine = backend.create(&limits)?;
    let input = WasiInput {
        args: workload.args.clone(),
        env: workload.env.clone(),
        stdin,
        preopens: workload.preopens.clone(),
    };
    let expected_stderr = read_expected_stderr(workload.expected_stderr.as_deref())?;
    let exec = run_once(engine.as_ref(), wasm, &input)?;
    verify(&exec, &expected, workload.expected_exit)?;
    verify_stderr(&exec, expected_stderr.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(text: &str) -> ModuleInfo {
        ModuleInfo::of(&wat::parse_str(text).expect("wat")).expect("valid")
    }

    #[test]
    fn contract_violations_are_distinct() {
        let no_start = info(r#"(module (memory (export "memory") 1) (func (export "main")))"#);
        let f = contract(&no_start).expect_err("no _start");
        assert_eq!(f.kind, ErrorKind::Invalid);
        assert!(f.message.contains("`_start`"), "{}", f.message);

        let foreign = info(
            r#"(module (import "env" "now" (func)) (memory (export "memory") 1) (func (export "_start")))"#,
        );
        let f = contract(&foreign).expect_err("foreign import");
        assert_eq!(f.kind, ErrorKind::Unlinkable);
        assert!(f.message.contains("env::now"), "{}", f.message);

        let bench = info(
            r#"(module (import "bench" "start" (func)) (memory (export "memory") 1) (func (export "_start")))"#,
        );
        assert!(contract(&bench).is_ok());
    }
}
