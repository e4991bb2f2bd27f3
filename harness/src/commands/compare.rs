//! `wasmbench compare`: two results files, cell by cell and metric by metric; exit status
//! 1 on a significant regression beyond the threshold.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{FAILURE, SUCCESS};
use crate::compare;

#[derive(Args)]
pub struct CompareArgs {
    /// The reference results.json
    pub baseline: PathBuf,
    /// The results.json to check against it
    pub new: PathBuf,
    /// Practical threshold: changes of the median smaller than this never count
    #[arg(long, default_value = "5%")]
    pub threshold: String,
    /// Metrics to compare, comma-separated MODE/PHASE (`warm/execute`, `callgrind/*`, or
    /// a bare phase) [default: every metric both documents have]
    #[arg(long, value_delimiter = ',')]
    pub metric: Vec<String>,
    /// Significance level of the Mann–Whitney U test
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Markdown report [default: compare.md beside NEW]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also fail (exit 1) when a cell is missing or failed on either side, or when the two
    /// runs were made on machines with different fingerprints
    #[arg(long)]
    pub strict: bool,
    /// Report only: exit 0 even on a regression (for noisy wall-clock gates)
    #[arg(long)]
    pub warn_only: bool,
}

pub fn execute(args: CompareArgs) -> Result<u8> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        bail!("--alpha must be between 0 and 1, got {}", args.alpha);
    }
    let options = compare::Options {
        threshold: compare::parse_threshold(&args.threshold)?,
        alpha: args.alpha,
        metrics: args.metric.iter().map(|m| m.parse()).collect::<Result<_, _>>()?,
    };
    let read = |path: &Path| -> Result<wasmbench_data::Results> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        wasmbench_data::Results::from_json(&text).with_context(|| format!("reading {}", path.display()))
    };
    let comparison = compare::compare(&read(&args.baseline)?, &read(&args.new)?, &options)?;
    let report = compare::markdown(&comparison, &args.baseline.display().to_string(), &args.new.display().to_string());
    let output = args
        .output
        .unwrap_or_else(|| args.new.parent().unwrap_or(Path::new(".")).join("compare.md"));
    wasmbench_report::write_atomically(&output, report.as_bytes())
        .with_context(|| format!("writing {}", output.display()))?;
    print!("{report}");
    eprintln!("wasmbench: wrote {}", output.display());
    say_machines(&comparison.machine);
    if !comparison.fails(args.strict) {
        return Ok(SUCCESS);
    }
    {
        let why = if comparison.count(&compare::Verdict::Slower) > 0 {
            format!("{} significant regressions beyond {}", comparison.count(&compare::Verdict::Slower), args.threshold)
        } else if comparison.incomplete() {
            "cells missing or failed (--strict)".to_string()
        } else {
            "the runs were made on different machines (--strict)".to_string()
        };
        if args.warn_only {
            eprintln!("wasmbench: {why} (reported only: --warn-only)");
            Ok(SUCCESS)
        } else {
            eprintln!("wasmbench: FAIL: {why}");
            Ok(FAILURE)
        }
    }
}

/// The machines' verdicts on stderr too, where a gate's log shows them: loudly when the
/// fingerprints differ, and the sentinel's drift verdict.
fn say_machines(machine: &crate::compare_machine::MachineComparison) {
    if let Some(differences) = machine.fingerprint_differences.as_ref().filter(|d| !d.is_empty()) {
        eprintln!("wasmbench: WARNING: the two runs were made on DIFFERENT MACHINES ({}); wall-clock figures do not compare", differences.join("; "));
    }
    eprintln!("wasmbench: {}", machine.drift_verdict());
}
