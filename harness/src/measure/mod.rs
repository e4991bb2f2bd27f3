//! The worker scenario: every planned cell measured in `wasmbench worker` child processes
//! (see `crate::worker`), verified, summarised and written out after every cell; then the
//! external CLIs' reference rows.

mod analyse;
pub mod client;
mod contained;
pub mod driver;
mod precision;
mod process_cells;
mod progress;
pub use process_cells::id as process_cell_id;
mod sampling;
mod series;
mod signals;
pub mod watch;

use std::collections::HashMap;
use std::path::PathBuf;

use tempfile::TempDir;
use wasmbench_data::{Cell, CellError, CellId, Environment, Results};

use crate::failure::Failure;
use crate::plan::CellPlan;
use crate::process_backend::ProcessCell;
use crate::sentinel::SentinelRunner;
use crate::settings::{config, Settings};
use watch::Watch;
use analyse::{analyse, AnalysedModule};
use driver::{Checkpoint, Measurer, Schedule};
use sampling::Sampler;
use series::{record, summarise, Series};
use signals::{add_steal, add_worker, steal_ns};

/// Measure every planned cell. Failed cells are recorded with their error and the run
/// goes on; `checkpoint` sees the document after each cell.
pub fn run(
    plan: &[CellPlan],
    process: &[ProcessCell],
    settings: &Settings,
    environment: Environment,
    checkpoint: &mut Checkpoint<'_>,
) -> anyhow::Result<Results> {
    let mut results = Results::new(environment, config(plan, settings));
    results.shards.extend(settings.shard.clone());
    let order: Vec<CellId> = plan.iter().map(CellPlan::id).chain(process.iter().map(process_cells::id)).collect();
    results.missing = order.clone();
    checkpoint(&results)?;

    let schedule = Schedule {
        fixed: settings.sampling.rounds.fixed,
        max: settings.sampling.rounds.max,
        order_seed: settings.order_seed,
    };
    let progress = driver::progress_bar(plan, &schedule, process.len());
    let mut cells = WorkerCells::new(plan, settings)?;
    let mut sentinel = start_sentinel(settings);
    let mut watch = sentinel.as_mut().zip(settings.sentinel).map(|(s, o)| Watch::new(s, o.every, o.threshold_pct));
    driver::drive(plan, &schedule, &mut cells, &mut results, &progress, watch.as_mut(), checkpoint)?;
    for cell in process {
        let id = process_cells::id(cell);
        progress.set_message(id.to_string());
        let measured = process_cells::measure(cell, cells.artifacts.path(), settings);
        progress.inc(1);
        progress::finished(&progress, &measured, 1, 1);
        results.missing.retain(|m| *m != id);
        results.cells.push(measured);
        checkpoint(&results)?;
    }
    progress.finish_and_clear();
    driver::finish(&mut results, &order, checkpoint)?;
    Ok(results)
}

/// The drift sentinel, compiled, if the settings ask for one; without it (said on stderr)
/// if it cannot be made.
fn start_sentinel(settings: &Settings) -> Option<SentinelRunner> {
    let options = settings.sentinel?;
    match SentinelRunner::new(options.threshold_pct) {
        Ok(runner) => Some(runner),
        Err(e) => {
            eprintln!("wasmbench: running without the drift sentinel: {e:#}");
            None
        }
    }
}

/// Cells measured in worker processes, with what they keep from round to round.
struct WorkerCells<'a> {
    settings: &'a Settings,
    /// Precompiled artifacts and callgrind profiles, removed with the run.
    artifacts: TempDir,
    /// A module runs on every backend: read and analyse it once, not once per cell.
    modules: HashMap<PathBuf, Result<AnalysedModule, Failure>>,
    /// Each cell's series so far, by plan index.
    series: Vec<Vec<Series>>,
    /// By plan index: the rounds that measured again a disturbed round, and whose share of
    /// samples they took (a redo that is disturbed in turn is redone with that share).
    shares: Vec<HashMap<usize, usize>>,
}

impl<'a> WorkerCells<'a> {
    fn new(plan: &[CellPlan], settings: &'a Settings) -> anyhow::Result<Self> {
        Ok(WorkerCells {
            settings,
            artifacts: tempfile::tempdir()?,
            modules: HashMap::new(),
            series: plan.iter().map(|_| Vec::new()).collect(),
            shares: plan.iter().map(|_| HashMap::new()).collect(),
        })
    }

    fn module(&mut self, cell: &CellPlan) -> &Result<AnalysedModule, Failure> {
        self.modules.entry(cell.module.wasm.clone()).or_insert_with(|| analyse(&cell.module))
    }

    fn artifact(&self, index: usize) -> PathBuf {
        self.artifacts.path().join(format!("cell{index}.artifact"))
    }
}

impl WorkerCells<'_> {
    /// Round `round` of the cell at `index`, taking the share of samples of round `share`.
    fn measure_round(&mut self, index: usize, cell: &CellPlan, share: usize, round: usize, out: &mut Cell) {
        let artifact = self.artifact(index);
        let steal = steal_ns();
        let sampler = Sampler::new(cell, self.settings, &artifact, round);
        let series = &mut self.series[index];
        if let Err(f) = sampler.later_round(share, out, series) {
            out.error = Some(CellError { kind: f.kind, message: format!("round {}: {}", round + 1, f.message) });
        }
        out.measurements.clear();
        if out.error.is_none() {
            summarise(out, series);
        }
        note_round(out, &sampler, steal);
    }
}

/// The machine signals of the round `sampler` measured, into the cell.
fn note_round(out: &mut Cell, sampler: &Sampler<'_>, steal_before: Option<u64>) {
    for (wall_ns, usage) in sampler.workers.borrow().iter() {
        add_worker(&mut out.machine, sampler.round, *wall_ns, usage);
    }
    add_steal(&mut out.machine, sampler.round, steal_before);
}

impl Measurer for WorkerCells<'_> {
    fn first(&mut self, index: usize, cell: &CellPlan) -> Cell {
        let mut out = Cell::new(cell.id(), cell.kind());
        let artifact = self.artifact(index);
        let settings = self.settings;
        let steal = steal_ns();
        let module = self.module(cell);
        let sampler = Sampler::new(cell, settings, &artifact, 0);
        let series = sampler.first_round(module, &mut out);
        record(&mut out, &series);
        note_round(&mut out, &sampler, steal);
        self.series[index] = series.unwrap_or_default();
        out
    }

    fn wants(&self, index: usize, round: usize) -> bool {
        precision::wants_round(&self.series[index], round, self.settings)
    }

    fn again(&mut self, index: usize, cell: &CellPlan, round: usize, out: &mut Cell) {
        self.measure_round(index, cell, round, round, out);
    }

    fn redo(&mut self, index: usize, cell: &CellPlan, round: usize, replaced: usize, out: &mut Cell) {
        for s in self.series[index].iter_mut().filter(|s| s.remeasured()) {
            s.drop_round(replaced);
        }
        let share = self.shares[index].get(&replaced).copied().unwrap_or(replaced);
        self.shares[index].insert(round, share);
        self.measure_round(index, cell, share, round, out);
    }
}
