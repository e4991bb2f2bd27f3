//! The `wasmbench` subcommands: one file each, owning its arguments and returning its exit
//! status (`process::exit` happens in `main` only).

pub mod clean;
pub mod compare;
pub mod conformance;
pub mod history;
pub mod list;
pub mod load;
pub mod merge;
pub mod preinit;
pub mod report;
pub mod run;
pub mod serve;
pub mod validate;
pub mod worker;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::manifest::{default_manifest_path, Manifest};

/// Exit status of a command that did what it was asked.
pub const SUCCESS: u8 = 0;
/// Exit status of a command that ran but found a failure: failed cells, a regression,
/// modules that fail validation, failed requests. (Errors that stop a command exit 2.)
pub const FAILURE: u8 = 1;

#[derive(Parser)]
#[command(name = "wasmbench", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Measure every (backend, workload) cell and write results.csv and results.json.
    Run(run::RunArgs),
    /// List the backends (with their kind) and the workloads (with their languages).
    List {
        /// Workload manifest [default: workloads/manifest.toml]
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// Check modules against the workload contract: exports `_start` and `memory`, imports
    /// only WASI preview1 (and `bench`), and prints its workload's expected output.
    Validate(validate::ValidateArgs),
    /// Compare two results.json files: per cell and metric, a Mann–Whitney U test and a
    /// threshold on the ratio of medians; writes a Markdown table. Exit status 1 on a
    /// significant regression beyond the threshold.
    Compare(compare::CompareArgs),
    /// Run a folder of WASI tests (wasi-testsuite layout) on every backend: pass, fail or
    /// error per test and backend as CSV, JSON, Markdown, HTML and a PNG matrix. Exit
    /// status 1 on a result the backend's expectations do not list.
    Conformance(conformance::ConformanceArgs),
    /// Merge the results of the shards of one run (`run --shard K/N`) into one results
    /// document and report; refuses parts of different runs, duplicate cells and missing
    /// shards, and shards from different machines unless --allow-mixed.
    Merge(merge::MergeArgs),
    /// Keep runs in a SQLite database: `add` results, `list` runs, draw a metric's
    /// `trend`, `check` the newest run against the median of the ones before it (exit
    /// status 1 on a regression)
    History(history::HistoryArgs),
    /// Write charts, report.md, report.html and dashboard exports from a results.json.
    Report(report::ReportArgs),
    /// Internal: the measuring child process (reads a JSON request on stdin).
    #[command(hide = true)]
    Worker,
    /// Serve functions over HTTP: GET|POST /fn/NAME runs NAME in a fresh instance.
    Serve(serve::ServeArgs),
    /// Open-loop HTTP load: constant arrival rate, latency from the intended send time.
    Load(load::LoadArgs),
    /// Pre-initialize a module (Wizer): run its `wizer-initialize` export once and write the
    /// initialised memory and globals out as a new module that every backend runs.
    Preinit(preinit::PreinitArgs),
    /// Remove containers and bundles left behind by `container` cells of runs that were
    /// killed.
    Clean(clean::CleanArgs),
}

impl Command {
    /// Run the command; its exit status.
    pub fn execute(self) -> Result<u8> {
        match self {
            Command::Worker => worker::execute(),
            Command::List { manifest } => list::execute(&load_manifest(manifest.as_deref())?),
            Command::Run(args) => run::execute(args),
            Command::Validate(args) => validate::execute(args),
            Command::Compare(args) => compare::execute(args),
            Command::Conformance(args) => conformance::execute(args),
            Command::Serve(args) => serve::execute(args),
            Command::Preinit(args) => preinit::execute(args),
            Command::Load(args) => load::execute(args),
            Command::Report(args) => report::execute(args),
            Command::Merge(args) => merge::execute(args),
            Command::History(args) => history::execute(args),
            Command::Clean(args) => clean::execute(args),
        }
    }
}

/// The manifest at `path`, or the default one.
fn load_manifest(path: Option<&Path>) -> Result<Manifest> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(default_manifest_path);
    Ok(Manifest::load(&path)?)
}
