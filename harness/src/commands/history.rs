//! `wasmbench history`: runs kept in a SQLite database (see the `wasmbench-history`
//! crate) — add results, list the runs, draw a metric's trend, and check the newest run
//! against the ones before it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use wasmbench_history::{Store, TrendQuery, TrendSeries};
use wasmbench_report::trend::{Trend, TrendLine, TrendRun, TrendValue};
use wasmbench_report::LogScale;

use super::report::read_results;
use super::{FAILURE, SUCCESS};
use crate::compare::{self, Options};
use crate::compare_history::{baseline, Run};

#[derive(Args)]
pub struct HistoryArgs {
    /// The history database (created when it does not exist; a file that is not a
    /// wasmbench history is refused and left untouched)
    #[arg(long, global = true, default_value = "results/history.sqlite")]
    pub db: PathBuf,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Subcommand)]
pub enum Action {
    /// Add results.json files (a run already in the history is not added twice)
    Add {
        #[arg(required = true)]
        results: Vec<PathBuf>,
    },
    /// List the runs, oldest first
    List,
    /// Draw a metric's medians over the runs (PNG) with a Markdown table
    Trend(TrendArgs),
    /// Compare the newest run with the median of the runs before it, by the rules of
    /// `compare`; exit status 1 on a significant regression beyond the threshold
    Check(CheckArgs),
}

#[derive(Args)]
pub struct TrendArgs {
    /// MODE/PHASE, e.g. `warm/execute`, `cold/total`, `callgrind/execute`; `*` matches any
    #[arg(long, default_value = "warm/execute")]
    pub metric: String,
    #[arg(long)]
    pub backend: Option<String>,
    #[arg(long)]
    pub workload: Option<String>,
    #[arg(long)]
    pub language: Option<String>,
    /// Output folder of trend-MODE-PHASE.png and .md
    #[arg(long, short, default_value = "results/trend")]
    pub output: PathBuf,
    /// Logarithmic value axis: auto, always or never
    #[arg(long, default_value = "auto")]
    pub log_scale: LogScale,
}

#[derive(Args)]
pub struct CheckArgs {
    /// How many runs before the newest make the baseline
    #[arg(long, default_value_t = 5)]
    pub last: usize,
    /// Practical threshold: changes of the median smaller than this never count
    #[arg(long, default_value = "5%")]
    pub threshold: String,
    /// Significance level of the Mann–Whitney U test
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Metrics to compare, comma-separated MODE/PHASE [default: all]
    #[arg(long, value_delimiter = ',')]
    pub metric: Vec<String>,
    /// Also fail on cells missing or failed on either side, and when no earlier run
    /// compares with the newest (other machines, another machine speed)
    #[arg(long)]
    pub strict: bool,
    /// Pool runs made on other machines or at another machine speed too (they are named)
    #[arg(long)]
    pub allow_mixed: bool,
    /// Markdown report [default: history-check.md beside the database]
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn execute(args: HistoryArgs) -> Result<u8> {
    if !matches!(args.action, Action::Add { .. }) && !args.db.exists() {
        bail!("{} does not exist: add runs to it first with `wasmbench history add RESULTS.json`", args.db.display());
    }
    let mut store = Store::open(&args.db)?;
    match args.action {
        Action::Add { results } => add(&mut store, &results),
        Action::List => list(&store),
        Action::Trend(t) => trend(&store, &t),
        Action::Check(c) => check(&store, &c, &args.db),
    }
}

fn add(store: &mut Store, files: &[PathBuf]) -> Result<u8> {
    for file in files {
        let results = read_results(file)?;
        let added = store.add(&results, &file.display().to_string())?;
        let what = if added.inserted { "added" } else { "already in the history:" };
        eprintln!("wasmbench: {what} run {} ({}, {} cells) from {}", added.run_id, results.environment.timestamp, results.cells.len(), file.display());
    }
    Ok(SUCCESS)
}

fn list(store: &Store) -> Result<u8> {
    println!("| run | when | commit | host | CPU | cells | failed | complete | from |\n|---|---|---|---|---|---:|---:|---|---|");
    for r in store.list()? {
        println!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.run_id,
            r.timestamp,
            r.git_commit.as_deref().unwrap_or("–"),
            r.hostname,
            r.cpu_model,
            r.cells,
            r.failed,
            if r.complete { "yes" } else { "no" },
            r.source
        );
    }
    Ok(SUCCESS)
}

fn trend(store: &Store, args: &TrendArgs) -> Result<u8> {
    let query = TrendQuery { backend: args.backend.clone(), workload: args.workload.clone(), language: args.language.clone(), ..TrendQuery::metric(&args.metric)? };
    let series = store.trend(&query)?;
    if series.is_empty() {
        bail!("no run in {} has {} for the chosen cells", store.path().display(), args.metric);
    }
    let trend = to_trend(&args.metric, &series)?;
    let stem = format!("trend-{}", args.metric.replace('*', "all").replace('/', "-"));
    let png_name = format!("{stem}.png");
    let chart = wasmbench_report::trend::render(&trend, &png_name, args.log_scale)?;
    let md = wasmbench_report::trend::markdown(&trend, Some(&png_name));
    std::fs::create_dir_all(&args.output).with_context(|| format!("creating {}", args.output.display()))?;
    for (name, bytes) in [(png_name.clone(), chart.png), (format!("{stem}.md"), md.into_bytes())] {
        let path = args.output.join(name);
        wasmbench_report::write_atomically(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("wasmbench: {} series over {} runs → {}", trend.lines.len(), trend.runs.len(), args.output.join(format!("{stem}.md")).display());
    Ok(SUCCESS)
}

/// The series as the report draws them: the runs that have any point, one line per series.
fn to_trend(metric: &str, series: &[TrendSeries]) -> Result<Trend> {
    let units: std::collections::BTreeSet<&str> = series.iter().map(|s| s.unit.as_str()).collect();
    if units.len() > 1 {
        bail!("{metric} matches series in several units ({}): choose the mode and phase", units.into_iter().collect::<Vec<_>>().join(", "));
    }
    let unit = unit(&series[0].unit)?;
    let mut runs: Vec<TrendRun> = Vec::new();
    let mut points: Vec<&wasmbench_history::TrendPoint> = series.iter().flat_map(|s| &s.points).collect();
    points.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    for p in points {
        if !runs.iter().any(|r| r.id == p.run_id) {
            runs.push(TrendRun { id: p.run_id.clone(), timestamp: p.timestamp.clone(), commit: p.git_commit.clone() });
        }
    }
    let one_metric = series.iter().all(|s| (&s.mode, &s.phase) == (&series[0].mode, &series[0].phase));
    let lines = series
        .iter()
        .map(|s| TrendLine {
            label: if one_metric { s.cell.to_string() } else { format!("{} {}/{}", s.cell, s.mode, s.phase) },
            values: runs
                .iter()
                .map(|r| s.points.iter().find(|p| p.run_id == r.id).map(|p| TrendValue { median: p.median, ci95: [p.ci_low, p.ci_high], n: p.n }))
                .collect(),
        })
        .collect();
    Ok(Trend { metric: metric.to_string(), unit, runs, lines })
}

fn unit(name: &str) -> Result<wasmbench_data::Unit> {
    use wasmbench_data::Unit::*;
    [Nanoseconds, Bytes, PerSecond, Instructions, PerRequest]
        .into_iter()
        .find(|u| u.as_str() == name)
        .with_context(|| format!("unknown unit `{name}` in the history"))
}

fn check(store: &Store, args: &CheckArgs, db: &Path) -> Result<u8> {
    if args.last == 0 {
        bail!("--last must be at least 1");
    }
    let options = Options { threshold: compare::parse_threshold(&args.threshold)?, alpha: args.alpha, metrics: args.metric.iter().map(|m| m.parse()).collect::<Result<_, _>>()? };
    let mut runs: Vec<Run> = store.documents(Some(args.last.saturating_add(1)))?.into_iter().map(|(info, results)| Run { id: info.run_id, results }).collect();
    let Some(newest) = runs.pop() else { bail!("{} holds no run: add some with `wasmbench history add`", db.display()) };
    let base = baseline(&runs, &newest.results, args.allow_mixed);
    for note in &base.notes {
        eprintln!("wasmbench: {note}");
    }
    let Some(pooled) = &base.results else {
        let why = if runs.is_empty() { "it is the only run" } else { "no earlier run compares with it (pass --allow-mixed to pool them anyway)" };
        let strict = if args.strict { " (a failure with --strict)" } else { "" };
        eprintln!("wasmbench: WARNING: nothing in {} to check run {} against: {why}{strict}", db.display(), newest.id);
        return Ok(if args.strict { FAILURE } else { SUCCESS });
    };
    let comparison = compare::compare(pooled, &newest.results, &options)?;
    let name = format!("the median of {} earlier runs ({})", base.pooled.len(), base.pooled.join(", "));
    let mut report = compare::markdown(&comparison, &name, &format!("run {}", newest.id));
    for note in &base.notes {
        report.push_str(&format!("\n- {note}"));
    }
    let output = args.output.clone().unwrap_or_else(|| db.parent().unwrap_or(Path::new(".")).join("history-check.md"));
    wasmbench_report::write_atomically(&output, report.as_bytes()).with_context(|| format!("writing {}", output.display()))?;
    print!("{report}");
    let slower = comparison.count(&compare::Verdict::Slower);
    if comparison.fails(args.strict) {
        eprintln!("wasmbench: FAIL: run {} against {name}: {slower} significant regressions beyond {}", newest.id, args.threshold);
        return Ok(FAILURE);
    }
    eprintln!("wasmbench: run {} against {name}: no significant regression beyond {}", newest.id, args.threshold);
    Ok(SUCCESS)
}
