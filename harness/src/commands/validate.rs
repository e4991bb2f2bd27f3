//! `wasmbench validate`: modules checked against the workload contract and, for modules of
//! the manifest, run once with their output verified.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use wasmbench_runtimes::BackendId;

use super::{load_manifest, FAILURE, SUCCESS};
use crate::manifest::{default_manifest_path, Manifest};
use crate::presets::positive_seconds;
use crate::validate;

#[derive(Args)]
pub struct ValidateArgs {
    /// Modules (.wasm or .wat) [default: every module in the manifest]. A module of the
    /// manifest is also run and its output compared with its workload's expected output.
    pub paths: Vec<PathBuf>,
    /// Backend that runs the modules [default: the first one compiled in]
    #[arg(long, short)]
    pub backend: Option<String>,
    /// Execution deadline, in seconds
    #[arg(long, default_value_t = 30.0)]
    pub deadline: f64,
    /// Workload manifest [default: workloads/manifest.toml]
    #[arg(long)]
    pub manifest: Option<PathBuf>,
}

pub fn execute(args: ValidateArgs) -> Result<u8> {
    let deadline = positive_seconds("--deadline", args.deadline)?;
    // Bare modules need no manifest; the default one is used when it exists.
    let manifest = match (&args.manifest, args.paths.is_empty()) {
        (Some(path), _) => Some(Manifest::load(path)?),
        (None, true) => Some(load_manifest(None)?),
        (None, false) => Manifest::load(&default_manifest_path()).ok(),
    };
    let backend = match &args.backend {
        Some(name) => name.parse::<BackendId>()?,
        None => *BackendId::available()
            .iter()
            .find(|b| !b.runs_javascript())
            .context("this binary has no WebAssembly backend compiled in")?,
    };
    let mut failed = 0;
    let targets = validate::targets(&args.paths, manifest.as_ref());
    for target in &targets {
        if target.language.as_deref() == Some("js") {
            continue;
        }
        let report = validate::check(target, backend, deadline);
        if !print(&report, target, backend) {
            failed += 1;
        }
    }
    if failed > 0 {
        eprintln!("wasmbench: {failed} of {} modules failed validation", targets.len());
        return Ok(FAILURE);
    }
    Ok(SUCCESS)
}


/// One line on one module; whether it passed.
fn print(report: &validate::Report, target: &validate::Target, backend: BackendId) -> bool {
    let about = report
        .info
        .as_ref()
        .map(|i| {
            let features = if i.features.is_empty() { "mvp".to_string() } else { i.features.join("+") };
            format!("{} bytes, {features}", i.size)
        })
        .unwrap_or_default();
    let what = target.language.as_deref().map(|l| format!("{l}, ")).unwrap_or_default();
    match &report.result {
        Ok(()) if report.output_checked => {
            println!("ok      {} ({what}{about}; output verified on {backend})", report.path.display())
        }
        Ok(()) => println!(
            "ok      {} ({what}{about}; contract only: no expected output known)",
            report.path.display()
        ),
        Err(f) => {
            println!("FAILED  {}: {}: {}", report.path.display(), f.kind, f.message.lines().next().unwrap_or(""));
            return false;
        }
    }
    true
}
