//! `wasmbench load`: open-loop HTTP load at a constant arrival rate, latency measured from
//! the intended send time (no coordinated omission).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use wasmbench_gateway::load::{self, Bytes, LoadSpec};

use super::{FAILURE, SUCCESS};
use crate::gateway_results::load_results;
use crate::presets::positive_seconds;

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// URL to load, e.g. http://127.0.0.1:8080/fn/hello?INPUT=x
    pub url: String,
    /// Requests per second, sent at constant intervals whatever the responses do
    #[arg(long)]
    pub rate: f64,
    /// How long to send, in seconds
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Keep-alive connections
    #[arg(long, short, default_value_t = 4)]
    pub connections: usize,
    /// POST this file as the body of every request (GET without)
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// Count 2xx responses whose body differs from this file as errors
    #[arg(long)]
    pub expect_body_file: Option<PathBuf>,
    /// Per-request timeout, in seconds
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Write the report as JSON to this file (`-`: stdout)
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write results.json and results.csv (mode http) to this folder
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `wasmbench load`: exit status 1 when any request failed.
pub fn execute(args: LoadArgs) -> Result<u8> {
    let read = |path: &Option<PathBuf>| -> Result<Option<Bytes>> {
        path.as_ref()
            .map(|p| std::fs::read(p).map(Bytes::from).with_context(|| format!("reading {}", p.display())))
            .transpose()
    };
    let spec = LoadSpec {
        url: args.url.clone(),
        rate: args.rate,
        duration: positive_seconds("--duration", args.duration)?,
        connections: args.connections,
        body: read(&args.body_file)?,
        timeout: positive_seconds("--timeout", args.timeout)?,
        expect_body: read(&args.expect_body_file)?,
    };
    let report = load::run_blocking(&spec)?;
    print!("{}", report.summary());
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)? + "\n";
        if path.as_os_str() == "-" {
            print!("{json}");
        } else {
            std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if let Some(dir) = &args.output {
        let results = load_results(&report, crate::environment::collect(std::path::Path::new(".")));
        wasmbench_report::write_all(&results, dir, &wasmbench_report::default_exporters())
            .with_context(|| format!("writing results to {}", dir.display()))?;
        eprintln!("wasmbench: wrote {} and {}", dir.join("results.csv").display(), dir.join("results.json").display());
    }
    Ok(if report.errors_total() > 0 { FAILURE } else { SUCCESS })
}

