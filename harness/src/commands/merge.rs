//! `wasmbench merge`: the results of the shards of one run (`run --shard K/N`) into one
//! results document and report.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::report::{after_run, inputs, read_results};
use super::{FAILURE, SUCCESS};
use crate::merge::{merge, Input};

#[derive(Args)]
pub struct MergeArgs {
    /// The results.json of every shard of the run
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder of the merged results.csv, results.json and report
    #[arg(long, short)]
    pub output: PathBuf,
    /// Merge shards measured on different machines (fingerprints) or while their drift
    /// sentinels disagreed; the report lists every shard's machine
    #[arg(long)]
    pub allow_mixed: bool,
    /// Write the report without its PNG charts
    #[arg(long)]
    pub no_charts: bool,
    /// Pricing model of the report's cost section [default: built in]
    #[arg(long)]
    pub pricing: Option<PathBuf>,
}

pub fn execute(args: MergeArgs) -> Result<u8> {
    let mut parts = Vec::new();
    for path in &args.shards {
        parts.push(Input { source: path.display().to_string(), results: read_results(path)? });
    }
    let crate::merge::Merged { results: merged, mixed } = merge(parts, args.allow_mixed)?;
    let exporters = wasmbench_report::default_exporters();
    wasmbench_report::write_all(&merged, &args.output, &exporters)
        .with_context(|| format!("writing the merged results to {}", args.output.display()))?;
    after_run(&merged, &args.output, !args.no_charts, &inputs(args.pricing.as_deref(), None)?);
    let failed = merged.cells.iter().filter(|c| c.error.is_some()).count();
    eprintln!(
        "wasmbench: merged {} shards: {} cells ({failed} failed{}) into {}",
        merged.shards.len(),
        merged.cells.len(),
        if merged.complete { String::new() } else { format!(", {} planned cells not measured", merged.missing.len()) },
        args.output.join("results.json").display()
    );
    for line in mixed {
        eprintln!("wasmbench: warning (--allow-mixed): {line}");
    }
    Ok(if failed > 0 || !merged.complete { FAILURE } else { SUCCESS })
}
