//! The worker scenario: every planned cell measured in `wasmbench worker` child processes
//! (see `crate::worker`), verified, summarised and written out after every cell; then the
//! external CLIs' reference rows.

mod analyse;
pub mod client;
pub mod driver;
mod external;
mod precision;
mod sampling;
mod series;

use std::collections::HashMap;
use std::path::PathBuf;

use tempfile::TempDir;
use wasmbench_data::{Cell, CellError, CellId, Environment, Results};

use crate::failure::Failure;
use crate::plan::CellPlan;
use crate::settings::{config, Settings};
use analyse::{analyse, AnalysedModule};
use driver::{Checkpoint, Measurer, Schedule};
use sampling::Sampler;
use series::{record, summarise, Series};

/// Measure every planned cell. Failed cells are recorded with their error and the run
/// goes on; `checkpoint` sees the document after each cell.
pub fn run(
    plan: &[CellPlan],
    settings: &Settings,
    environment: Environment,
    checkpoint: &mut Checkpoint<'_>,
) -> anyhow::Result<Results> {
    let mut results = Results::new(environment, config(plan, settings));
    let external = external::cells(plan, settings);
    let order: Vec<CellId> = plan
        .iter()
        .map(CellPlan::id)
        .chain(external.iter().map(|(cli, c)| external::id(*cli, c)))
        .collect();
    results.missing = order.clone();
    checkpoint(&results)?;

    let schedule = Schedule {
        fixed: settings.sampling.rounds.fixed,
        max: settings.sampling.rounds.max,
        order_seed: settings.order_seed,
    };
    let progress = driver::progress_bar(plan, &schedule);
    let mut cells = WorkerCells::new(plan, settings)?;
    driver::drive(plan, &schedule, &mut cells, &mut results, &progress, checkpoint)?;
    if !external.is_empty() {
        let runner = crate::external_cli::write_node_runner(cells.artifacts.path());
        for (cli, cell) in &external {
            let id = external::id(*cli, cell);
            progress.set_message(id.to_string());
            let module = cells.module(cell);
            let measured = external::measure(*cli, cell, module, runner.as_ref(), settings);
            if let Some(err) = &measured.error {
                progress.println(format!("✗ {id}: {}: {}", err.kind, err.message));
            }
            results.missing.retain(|m| *m != id);
            results.cells.push(measured);
            checkpoint(&results)?;
        }
    }
    progress.finish_and_clear();
    driver::finish(&mut results, &order, checkpoint)?;
    Ok(results)
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
}

impl<'a> WorkerCells<'a> {
    fn new(plan: &[CellPlan], settings: &'a Settings) -> anyhow::Result<Self> {
        Ok(WorkerCells {
            settings,
            artifacts: tempfile::tempdir()?,
            modules: HashMap::new(),
            series: plan.iter().map(|_| Vec::new()).collect(),
        })
    }

    fn module(&mut self, cell: &CellPlan) -> &Result<AnalysedModule, Failure> {
        self.modules.entry(cell.module.wasm.clone()).or_insert_with(|| analyse(&cell.module))
    }

    fn artifact(&self, index: usize) -> PathBuf {
        self.artifacts.path().join(format!("cell{index}.artifact"))
    }
}

impl Measurer for WorkerCells<'_> {
    fn first(&mut self, index: usize, cell: &CellPlan) -> Cell {
        let mut out = Cell::new(cell.id(), cell.backend.kind());
        let artifact = self.artifact(index);
        let settings = self.settings;
        let module = self.module(cell);
        let series = Sampler { cell, settings, artifact: &artifact }.first_round(module, &mut out);
        record(&mut out, &series);
        self.series[index] = series.unwrap_or_default();
        out
    }

    fn wants(&self, index: usize, round: usize) -> bool {
        precision::wants_round(&self.series[index], round, self.settings)
    }

    fn again(&mut self, index: usize, cell: &CellPlan, round: usize, out: &mut Cell) {
        let artifact = self.artifact(index);
        let sampler = Sampler { cell, settings: self.settings, artifact: &artifact };
        let series = &mut self.series[index];
        if let Err(f) = sampler.later_round(round, out, series) {
            out.error = Some(CellError { kind: f.kind, message: format!("round {}: {}", round + 1, f.message) });
        }
        out.measurements.clear();
        if out.error.is_none() {
            summarise(out, series);
        }
    }
}
