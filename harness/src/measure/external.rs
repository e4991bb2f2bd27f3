//! Reference rows from external CLIs: every planned WebAssembly module once per installed
//! CLI, measured as whole processes (cold samples: wall time and peak RSS).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use wasmbench_data::{Cell, CellId, Mode, Phase, Unit};

use super::analyse::AnalysedModule;
use super::sampling::WORKER_GRACE;
use super::series::{record, Series};
use crate::external_cli::{self, ExternalCli};
use crate::failure::Failure;
use crate::module_io::{read_expected_stderr, read_io};
use crate::plan::CellPlan;
use crate::settings::Settings;

/// The cells the external CLIs run: every planned WebAssembly module once per CLI.
pub fn cells<'a>(plan: &'a [CellPlan], settings: &Settings) -> Vec<(ExternalCli, &'a CellPlan)> {
    let mut cells = Vec::new();
    for (cli, _) in &settings.external {
        let mut seen = HashSet::new();
        for cell in plan.iter().filter(|c| c.module.language != "js") {
            if seen.insert(&cell.module.wasm) {
                cells.push((*cli, cell));
            }
        }
    }
    cells
}

pub fn id(cli: ExternalCli, cell: &CellPlan) -> CellId {
    CellId {
        backend: cli.name().to_string(),
        workload: cell.workload.name.clone(),
        language: cell.module.language.clone(),
    }
}

/// Cold samples of a module under an external CLI: whole-process wall time and peak RSS.
pub fn measure(
    cli: ExternalCli,
    cell: &CellPlan,
    module: &Result<AnalysedModule, Failure>,
    runner: Result<&PathBuf, &Failure>,
    settings: &Settings,
) -> Cell {
    let mut out = Cell::new(id(cli, cell), cli.kind());
    out.flags = settings.external.iter().filter(|(c, _)| *c == cli).map(|(_, version)| version.clone()).collect();
    let series = (|| {
        let module = module.as_ref().map_err(Clone::clone)?;
        out.module_bytes = module.bytes;
        if let Some(info) = &module.info {
            out.module_features = info.features.iter().map(|f| f.to_string()).collect();
        }
        samples(cli, cell, runner.map_err(Clone::clone)?, settings)
    })();
    record(&mut out, &series);
    out
}

/// Up to the cold-sample count of verified runs, within the time budget.
fn samples(cli: ExternalCli, cell: &CellPlan, runner: &PathBuf, settings: &Settings) -> Result<Vec<Series>, Failure> {
    let (stdin, expected) = read_io(cell.workload.stdin.as_deref(), &cell.workload.expected_stdout)?;
    let expected_stderr = read_expected_stderr(cell.workload.expected_stderr.as_deref())?;
    let job = external_cli::Job {
        module: &cell.module.wasm,
        env: &cell.workload.env,
        args: &cell.workload.args,
        stdin: &stdin,
        preopens: &cell.workload.preopens,
        expected_stdout: &expected,
        expected_stderr: expected_stderr.as_deref(),
        expected_exit: cell.workload.expected_exit,
        node_runner: runner,
    };
    let (mut wall, mut rss) = (Vec::new(), Vec::new());
    let began = Instant::now();
    for i in 0..settings.sampling.cold_samples.max(1) {
        if i >= settings.sampling.min_samples.max(1) && began.elapsed() >= settings.sampling.max_time {
            break;
        }
        let s = external_cli::sample(cli, &job, settings.limits.deadline + WORKER_GRACE)?;
        wall.push(s.wall_ns as f64);
        rss.extend(s.max_rss_bytes.map(|b| b as f64));
    }
    Ok(vec![
        Series::new(Mode::Cold, Phase::Process, Unit::Nanoseconds, wall),
        Series::new(Mode::Cold, Phase::PeakRss, Unit::Bytes, rss),
    ])
}
