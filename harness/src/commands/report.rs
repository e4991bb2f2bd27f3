//! `wasmbench report`: the human-readable report (charts, report.md, report.html) and the
//! dashboard exports of a results file; also written at the end of every `run`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use wasmbench_data::Results;
use wasmbench_report::{write_report_with, LogScale, ReportInputs, ReportOptions};

use super::SUCCESS;
use crate::manifest::{default_manifest_path, Manifest};

#[derive(Args)]
pub struct ReportArgs {
    /// A results.json written by `wasmbench run`
    pub results: PathBuf,
    /// Output folder [default: the folder of RESULTS]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Leave out the PNG charts (faster)
    #[arg(long)]
    pub no_charts: bool,
    /// Logarithmic value axes: auto (when values span more than 30×), always or never
    #[arg(long, default_value = "auto")]
    pub log_scale: LogScale,
    /// Pricing model of the cost section, a TOML file like report/pricing/default.toml
    /// [default: that file, built in]
    #[arg(long)]
    pub pricing: Option<PathBuf>,
    /// Workload manifest whose shapes choose the compute workloads of the geometric mean
    /// relative to native [default: workloads/manifest.toml, when it exists]
    #[arg(long)]
    pub manifest: Option<PathBuf>,
}

/// The report's inputs besides the results: the pricing model (`pricing`, or the built-in
/// default) and each workload's shape from `manifest`. Errors name the file.
pub fn inputs(pricing: Option<&Path>, manifest: Option<&Manifest>) -> Result<ReportInputs> {
    let shapes = manifest
        .map(|m| m.workloads.iter().map(|w| (w.name.clone(), w.shape.clone())).collect())
        .unwrap_or_default();
    ReportInputs::load(pricing, shapes).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The manifest `--manifest` names, or the default one when it exists (a results file can
/// be reported without the checkout it came from).
fn shapes_manifest(path: Option<&Path>) -> Result<Option<Manifest>> {
    match path {
        Some(path) => Ok(Some(Manifest::load(path)?)),
        None => {
            let path = default_manifest_path();
            Ok(path.is_file().then(|| Manifest::load(&path)).transpose()?)
        }
    }
}

/// Read a results document, naming the file in every error.
pub fn read_results(path: &Path) -> Result<Results> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // The reader's error already says what is wrong; anyhow's chain would repeat its cause.
    Results::from_json(&text).map_err(|e| anyhow::anyhow!("{} cannot be reported: {e}", path.display()))
}

pub fn execute(args: ReportArgs) -> Result<u8> {
    let results = read_results(&args.results)?;
    let dir = match args.output {
        Some(dir) => dir,
        None => args.results.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let manifest = shapes_manifest(args.manifest.as_deref())?;
    let inputs = inputs(args.pricing.as_deref(), manifest.as_ref())?;
    let options = ReportOptions { charts: !args.no_charts, log_scale: args.log_scale };
    let written = write_report_with(&results, &dir, options, &inputs)
        .with_context(|| format!("writing the report of {} into {}", args.results.display(), dir.display()))?;
    eprintln!("wasmbench: wrote {} files into {} (open report.html)", written.len(), dir.display());
    Ok(SUCCESS)
}

/// The report at the end of a run. Its results are already written: a failure here is
/// reported and changes nothing else.
pub fn after_run(results: &Results, dir: &Path, charts: bool, inputs: &ReportInputs) {
    let options = ReportOptions { charts, log_scale: LogScale::Auto };
    match write_report_with(results, dir, options, inputs) {
        Ok(_) => eprintln!("wasmbench: report in {}", dir.join("report.html").display()),
        Err(e) => eprintln!("wasmbench: warning: the report could not be written: {e}"),
    }
}
