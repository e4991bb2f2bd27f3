//! `wasmbench run --scenario http`: each (backend, workload) cell measured end to end
//! through the gateway on loopback, into the usual results format (mode `http`).
//!
//! The gateway runs as a child process (`wasmbench serve`, one per backend and workload,
//! so that process-wide engine state such as V8's flags never leaks between cells); the
//! workload's env goes in the query string, its stdin in a POST body, and every response
//! is verified against the expected stdout. Per cell:
//!
//! - `first-request`: a fresh gateway per sample (compiling on first use), one connection
//!   opened beforehand; the latency of its first request, which compiles the module;
//! - `request` (`-c1`): on one gateway started with `--eager` (modules compiled at start-up,
//!   on every worker thread of per-thread backends), after the warm-up, sequential requests
//!   over one keep-alive connection;
//! - `rate` (`-cC`, C = 2 × the gateway's instance cap): the highest *sustainable* rate.
//!   A closed-loop probe over C connections for one step finds the saturation throughput S;
//!   open-loop runs (see `wasmbench load`) then offer 0.25, 0.5, 0.7, 0.85, 1.0 and 1.15 × S
//!   for one step each, stopping at the first that is not sustained. Sustained means: every
//!   response correct, no error, at least 95% of the offered rate achieved, and p99 latency
//!   under 10 × the sequential median + 100 ms (generous: on a shared machine, p99 catches
//!   every hiccup of the neighbours). The figure is the achieved rate of the
//!   highest sustained step; its `request` latencies are recorded too (`request-cC`).
//!
//! - beside them, the same cell *in process* (`in_process.rs`): the worker's throughput
//!   task with as many threads as the gateway has instance slots, for one step (mode
//!   `throughput`, `rate-cN`), so the table gives the gateway's share of the in-process rate.
//!
//! The load generator shares the machine with the gateway: on a small machine the rate is
//! that of gateway and client together, as with any loopback measurement.

mod exchange;
mod in_process;
mod requests;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use wasmbench_data::{Cell, CellError, Environment, ErrorKind, Mode, Phase, Results, RunConfig};
use wasmbench_runtimes::Limits;

use crate::measure::driver::{self, Checkpoint, Measurer, Schedule};
use crate::plan::CellPlan;
use requests::measure_cell;

/// How the `http` scenario samples.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub cold_samples: usize,
    pub warm_samples: usize,
    pub warmup: usize,
    /// Length of each rate step (and of the saturation probe).
    pub step: Duration,
    pub limits: Limits,
    /// The gateway's instance cap.
    pub max_concurrent: usize,
    pub worker_exe: PathBuf,
    /// The part of a sharded run this run measures, recorded in its results.
    pub shard: Option<wasmbench_data::Shard>,
}

/// Measure every planned cell through the gateway, in plan order; failed cells are
/// recorded with their error.
pub fn run(
    plan: &[CellPlan],
    settings: &HttpSettings,
    config: RunConfig,
    environment: Environment,
    checkpoint: &mut Checkpoint<'_>,
) -> Result<Results> {
    let mut results = Results::new(environment, config);
    results.shards.extend(settings.shard.clone());
    let order: Vec<_> = plan.iter().map(CellPlan::id).collect();
    results.missing = order.clone();
    checkpoint(&results)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let schedule = Schedule { fixed: 1, max: 1, order_seed: None };
    let progress = driver::progress_bar(plan, &schedule, 0);
    let mut cells = HttpCells { settings, rt };
    driver::drive(plan, &schedule, &mut cells, &mut results, &progress, None, checkpoint)?;
    progress.finish_and_clear();
    driver::finish(&mut results, &order, checkpoint)?;
    Ok(results)
}

/// Cells measured through a gateway child process: one round each.
struct HttpCells<'a> {
    settings: &'a HttpSettings,
    rt: tokio::runtime::Runtime,
}

impl Measurer for HttpCells<'_> {
    fn first(&mut self, _index: usize, cell: &CellPlan) -> Cell {
        let mut out = Cell::new(cell.id(), cell.backend.kind());
        out.flags.push(format!("gateway-max-concurrent={}", self.settings.max_concurrent));
        match self.rt.block_on(measure_cell(cell, self.settings, &mut out)) {
            Ok(measurements) => out.measurements = measurements,
            Err(failure) => out.error = Some(failure),
        }
        // The gateway's figures stand without the in-process ones: a failure here is said,
        // and the cell keeps what it measured.
        match in_process::rates(cell, self.settings) {
            Ok(rates) => out.measurements.extend(rates),
            Err(e) => eprintln!("wasmbench: http: {}: no in-process rate: {}", cell.id(), e.message),
        }
        out
    }

    fn wants(&self, _index: usize, _round: usize) -> bool {
        false
    }

    fn again(&mut self, _index: usize, _cell: &CellPlan, _round: usize, _out: &mut Cell) {}
}

/// A Markdown table of the `http` cells: median first request, median and p99 request
/// latency, sustainable rate.
pub fn table(results: &Results) -> String {
    use wasmbench_report::table::format_ns;
    let mut out = String::from(
        "| backend | kind | workload | lang | first request | request p50 | request p99 | sustainable rate | in process | gateway / in process | status |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for cell in &results.cells {
        let find = |phase, sequential: bool| {
            cell.measurements
                .iter()
                .find(|m| m.mode == Mode::Http && m.phase == phase && (m.concurrency == Some(1)) == sequential)
        };
        let dash = || "–".to_string();
        let first = find(Phase::FirstRequest, true).map_or_else(dash, |m| format_ns(m.summary.median));
        let (p50, p99) = find(Phase::Request, true).map_or_else(
            || (dash(), dash()),
            |m| (format_ns(m.summary.median), format_ns(m.summary.p99)),
        );
        let gateway = find(Phase::Rate, false);
        let rate = gateway.map_or_else(dash, |m| format!("{:.0}/s (c{})", m.summary.median, m.concurrency.unwrap_or(0)));
        let in_process = cell.measurements.iter().find(|m| m.mode == Mode::Throughput && m.phase == Phase::Rate);
        let local = in_process.map_or_else(dash, |m| format!("{:.0}/s ({} threads)", m.summary.median, m.concurrency.unwrap_or(0)));
        let share = gateway.zip(in_process).map_or_else(dash, |(g, l)| {
            format!("{:.0}%", 100.0 * g.summary.median / l.summary.median.max(f64::MIN_POSITIVE))
        });
        let status = cell.error.as_ref().map_or_else(
            || "ok".to_string(),
            |e| format!("{}: {}", e.kind, e.message.lines().next().unwrap_or("")),
        );
        out.push_str(&format!(
            "| {} | {} | {} | {} | {first} | {p50} | {p99} | {rate} | {local} | {share} | {} |\n",
            cell.id.backend,
            cell.kind,
            cell.id.workload,
            cell.id.language,
            status.replace('|', "\\|"),
        ));
    }
    out
}

fn fail(kind: ErrorKind, message: impl Into<String>) -> CellError {
    CellError {
        kind,
        message: message.into(),
    }
}
