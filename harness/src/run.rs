//! Measurement: the (backend × workload × language) matrix, each cell measured in worker
//! child processes, verified, summarised and written out after every cell.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wasmbench_data::{
    BackendKind, Cell, CellError, CellId, Environment, ErrorKind, Measurement, Mode, Phase,
    Results, RunConfig, Unit,
};
use wasmbench_runtimes::{BackendId, Limits, ModuleInfo};

use crate::child::{run_worker_under, ChildOutcome};
use crate::external::ExternalCli;
use crate::manifest::{Workload, WorkloadModule};
use crate::stats::{median_ci95_order, summarize};
use crate::worker::{read_io, read_module, Failure, PhaseTimes, Request, Response, Task};

/// Time a worker gets beyond its executions' deadlines (start-up, compilation: the 1.1 MB
/// `dispatch` module compiles in about a second). A backend that cannot interrupt a
/// running guest (wasm3 in a loop without calls) is killed this long after its deadline
/// and its cell reported as a timeout.
const WORKER_GRACE: Duration = Duration::from_secs(10);
/// The same for a worker under callgrind, which runs everything 20–100× slower (the
/// compilation of a module too).
const CALLGRIND_GRACE: Duration = Duration::from_secs(120);

/// How many samples, under which limits.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Most cold samples per cell.
    pub cold_samples: usize,
    /// Most warm samples per cell.
    pub warm_samples: usize,
    /// Fewest samples of each mode, even past `max_time`.
    pub min_samples: usize,
    pub warmup: usize,
    /// Time budget per cell and mode: sampling stops at the budget once `min_samples`
    /// are taken (as criterion and hyperfine do), so slow interpreter cells do not
    /// dominate a run.
    pub max_time: Duration,
    pub limits: Limits,
    /// Longest compiling or loading a module may take (see `Request::compile_deadline_ms`).
    pub compile_deadline: Duration,
    /// Live-instance counts at which per-instance memory is measured (empty: not at all).
    pub instance_counts: Vec<u32>,
    /// Throughput: worker-thread counts (empty: not measured) and time per level.
    pub concurrency: Vec<u32>,
    pub throughput_time: Duration,
    /// Measure the cells in an order shuffled with this seed (`None`: plan order), so that
    /// slow drifts of the machine (thermal, background load) spread over all cells
    /// instead of biasing the ones that happen to run last.
    pub order_seed: Option<u64>,
    /// External CLIs (with their version line) to run every planned module under, as
    /// whole-process reference rows.
    pub external: Vec<(ExternalCli, String)>,
    /// The `wasmbench` executable that serves as worker.
    pub worker_exe: PathBuf,
    /// Wall-clock phases, or instruction counts of `execute` under callgrind (then
    /// `cold_samples` is the number of callgrind runs per cell and nothing else is measured).
    pub measure: Measure,
    /// Rounds over the matrix that share each cell's cold and warm samples (and its
    /// time budget) between them, each in fresh worker processes: see [`Rounds`].
    pub rounds: Rounds,
}

/// How each cell's samples are spread over the run.
///
/// On a shared machine two things move a median that more samples in one process do not
/// average out: the process itself (where its code, heap and linear memory land) and the
/// minute it runs in (what the neighbours do to the shared caches). So a cell's samples
/// are taken in `fixed` rounds, each a pass over the re-shuffled matrix with fresh worker
/// processes; after them, cells whose warm execute median still has a 95% confidence
/// interval wider than ±`precision_pct` get further warm rounds, up to `max` rounds in all
/// (as criterion's quick mode samples until its estimate is precise enough).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounds {
    pub fixed: usize,
    pub precision_pct: f64,
    pub max: usize,
}

impl Default for Rounds {
    fn default() -> Self {
        Rounds { fixed: 1, precision_pct: 0.0, max: 1 }
    }
}

impl Rounds {
    /// The share of `total` (samples, or a minimum of them) that round `round` takes:
    /// `total` spread as evenly as it goes, earlier rounds taking the remainder.
    fn share(&self, total: usize, round: usize) -> usize {
        let n = self.fixed.max(1);
        if round >= n {
            return 0;
        }
        total / n + usize::from(round < total % n)
    }
}

/// What a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Measure {
    /// Wall-clock time of every phase, cold and warm (and memory).
    #[default]
    Time,
    /// Instructions of the execute phase, counted by `valgrind --tool=callgrind`:
    /// deterministic, for CI gates.
    Instructions,
}

/// One cell to measure.
#[derive(Debug, Clone)]
pub struct CellPlan {
    pub backend: BackendId,
    pub workload: Workload,
    pub module: WorkloadModule,
}

impl CellPlan {
    pub fn id(&self) -> CellId {
        CellId {
            backend: self.backend.name().to_string(),
            workload: self.workload.name.clone(),
            language: self.module.language.clone(),
        }
    }
}

/// Called after every finished cell with the results so far (to write them out).
pub type Checkpoint<'a> = dyn FnMut(&Results) -> anyhow::Result<()> + 'a;

/// Measure every planned cell in order. Failed cells are recorded with their error and
/// the run goes on; `checkpoint` sees the document after each cell.
pub fn run(
    plan: &[CellPlan],
    settings: &Settings,
    environment: Environment,
    checkpoint: &mut Checkpoint<'_>,
) -> anyhow::Result<Results> {
    let config = config(plan, settings);
    let mut results = Results::new(environment, config);
    let external = external_cells(plan, settings);
    results.missing = plan.iter().map(CellPlan::id).collect();
    results.missing.extend(external.iter().map(|(cli, c)| external_id(*cli, c)));
    checkpoint(&results)?;

    let artifacts = tempfile::tempdir()?;
    // A module runs on every backend: read and analyse it once, not once per cell.
    let mut modules: HashMap<PathBuf, Result<AnalysedModule, Failure>> = HashMap::new();
    let progress = progress_bar(plan, settings);
    // Each measured cell's place in `results.cells` and its series so far (by plan
    // index), carried from round to round.
    let mut measured: Vec<Option<(usize, Vec<Series>)>> = plan.iter().map(|_| None).collect();
    let rounds = settings.rounds;
    for round in 0..rounds.max.max(rounds.fixed).max(1) {
        let seed = settings.order_seed.map(|s| s.wrapping_add(round as u64));
        for i in order(plan.len(), seed) {
            let cell = &plan[i];
            let artifact = artifacts.path().join(format!("cell{i}.artifact"));
            let at = if round == 0 {
                progress.set_message(cell.id().to_string());
                let module = modules
                    .entry(cell.module.wasm.clone())
                    .or_insert_with(|| analyse(&cell.module));
                let (out, series) = measure_cell(cell, module, settings, &artifact, &progress);
                results.missing.retain(|id| *id != out.id);
                results.cells.push(out);
                measured[i] = Some((results.cells.len() - 1, series));
                results.cells.len() - 1
            } else {
                let Some((at, series)) = measured[i].as_mut() else { continue };
                let out = &mut results.cells[*at];
                if out.error.is_some() || !wants_round(series, round, settings) {
                    continue;
                }
                progress.set_message(format!("{} (round {})", cell.id(), round + 1));
                if round >= rounds.fixed {
                    progress.inc_length(1);
                }
                if let Err(f) = measure_round(cell, settings, &artifact, round, out, series) {
                    out.error = Some(CellError { kind: f.kind, message: format!("round {}: {}", round + 1, f.message) });
                }
                out.measurements.clear();
                if out.error.is_none() {
                    summarise(out, series);
                }
                progress.inc(1);
                *at
            };
            if let Some(err) = &results.cells[at].error {
                progress.println(format!("✗ {}: {}: {}", cell.id(), err.kind, err.message));
            }
            checkpoint(&results)?;
        }
    }
    if !external.is_empty() {
        let runner = crate::external::write_node_runner(artifacts.path());
        for (cli, cell) in &external {
            let id = external_id(*cli, cell);
            progress.set_message(id.to_string());
            let module = modules
                .entry(cell.module.wasm.clone())
                .or_insert_with(|| analyse(&cell.module));
            let measured = measure_external(*cli, cell, module, runner.as_ref(), settings);
            if let Some(err) = &measured.error {
                progress.println(format!("✗ {id}: {}: {}", err.kind, err.message));
            }
            results.missing.retain(|m| *m != id);
            results.cells.push(measured);
            checkpoint(&results)?;
        }
    }
    progress.finish_and_clear();
    // Present the cells in plan order, whatever order they were measured in.
    let position = |id: &CellId| {
        plan.iter()
            .map(CellPlan::id)
            .chain(external.iter().map(|(cli, c)| external_id(*cli, c)))
            .position(|c| c == *id)
    };
    results.cells.sort_by_key(|c| position(&c.id));
    results.environment.load_average_after = crate::environment::load_average();
    results.complete = true;
    checkpoint(&results)?;
    Ok(results)
}

/// The order to measure `n` cells in: shuffled with `seed`, or as planned.
fn order(n: usize, seed: Option<u64>) -> Vec<usize> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(seed) = seed {
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    }
    order
}

/// The settings block of the results document of `plan` measured with `settings`.
pub fn config(plan: &[CellPlan], settings: &Settings) -> RunConfig {
    RunConfig {
        cold_samples: settings.cold_samples,
        warm_samples: settings.warm_samples,
        min_samples: settings.min_samples,
        max_time_ms: u64::try_from(settings.max_time.as_millis()).unwrap_or(u64::MAX),
        warmup: settings.warmup,
        deadline_ms: u64::try_from(settings.limits.deadline.as_millis()).unwrap_or(u64::MAX),
        compile_deadline_ms: u64::try_from(settings.compile_deadline.as_millis()).unwrap_or(u64::MAX),
        max_memory_bytes: settings.limits.max_memory_bytes,
        max_output_bytes: settings.limits.max_output_bytes as u64,
        backends: dedup(plan.iter().map(|c| c.backend.name().to_string())),
        workloads: dedup(plan.iter().map(|c| c.workload.name.clone())),
        order_seed: settings.order_seed,
        concurrency: settings.concurrency.clone(),
        throughput_ms: u64::try_from(settings.throughput_time.as_millis()).unwrap_or(u64::MAX),
        rounds: settings.rounds.fixed,
        precision_pct: settings.rounds.precision_pct,
        max_rounds: settings.rounds.max.max(settings.rounds.fixed),
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn progress_bar(plan: &[CellPlan], settings: &Settings) -> ProgressBar {
    // One step per cell and round (further rounds for imprecise cells add theirs).
    let steps = plan.len() as u64 * settings.rounds.fixed.max(1) as u64;
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Samples of one (mode, phase), collected while measuring.
struct Series {
    mode: Mode,
    phase: Phase,
    unit: Unit,
    values: Vec<f64>,
    instances: Option<u32>,
    concurrency: Option<u32>,
    /// Statistics of all events when `values` keeps only some (throughput latencies:
    /// count and percentiles from the HdrHistogram of every request).
    exact: Option<(u64, crate::throughput::Percentiles)>,
    /// Warm series: how many values there were at the end of each round, so that rounds
    /// (processes) can be told apart.
    round_ends: Vec<usize>,
}

/// What the parent learns of a module before any worker runs it.
struct AnalysedModule {
    bytes: u64,
    /// `None` for a JavaScript source.
    info: Option<ModuleInfo>,
}

/// Read (for `.wat`, assemble) and analyse a module, to fail early and clearly.
fn analyse(module: &WorkloadModule) -> Result<AnalysedModule, Failure> {
    let code = read_module(&module.wasm)?;
    if let Some(facts) = &module.facts {
        if !facts.matches(&code) {
            return Err(Failure {
                kind: ErrorKind::Invalid,
                message: format!(
                    "{} is not the module the manifest describes ({} bytes, sha256 {}): rebuild \
                     with scripts/build-workloads.sh, which also updates the manifest",
                    module.wasm.display(),
                    facts.bytes,
                    facts.sha256
                ),
            });
        }
    }
    let info = if module.language == "js" {
        None
    } else {
        Some(ModuleInfo::of(&code).map_err(|e| Failure {
            kind: ErrorKind::Invalid,
            message: e.to_string(),
        })?)
    };
    Ok(AnalysedModule {
        bytes: code.len() as u64,
        info,
    })
}

/// Whether `backend` provides what the module needs: its WebAssembly features and, for
/// sightglass-style modules, the `bench` imports.
fn check_support(backend: BackendId, info: &ModuleInfo) -> Result<(), Failure> {
    let unsupported = |message: String| Failure {
        kind: ErrorKind::Unsupported,
        message,
    };
    let lacking: Vec<&str> = info
        .features
        .iter()
        .copied()
        .filter(|f| backend.unsupported_features().contains(f))
        .collect();
    if !lacking.is_empty() {
        return Err(unsupported(format!(
            "the module uses {}, which {backend} does not support",
            lacking.join(", ")
        )));
    }
    if info.imports.iter().any(|i| i.module == "bench") && !backend.provides_bench_imports() {
        return Err(unsupported(format!(
            "the module imports `bench.start`/`bench.end` (sightglass-style), which {backend} \
             does not provide"
        )));
    }
    Ok(())
}

fn measure_cell(
    cell: &CellPlan,
    module: &Result<AnalysedModule, Failure>,
    settings: &Settings,
    artifact: &Path,
    progress: &ProgressBar,
) -> (Cell, Vec<Series>) {
    let mut out = Cell {
        id: cell.id(),
        kind: cell.backend.kind(),
        flags: Vec::new(),
        module_bytes: 0,
        module_features: Vec::new(),
        artifact_bytes: None,
        error: None,
        measurements: Vec::new(),
    };
    let series = measure_series(cell, module, settings, artifact, &mut out);
    progress.inc(1);
    record(&mut out, &series);
    (out, series.unwrap_or_default())
}

/// Whether a cell measured so far with `series` takes part in round `round` (from 1).
fn wants_round(series: &[Series], round: usize, settings: &Settings) -> bool {
    let rounds = settings.rounds;
    if round < rounds.fixed {
        return rounds.share(settings.cold_samples, round) + rounds.share(settings.warm_samples, round) > 0;
    }
    if rounds.precision_pct <= 0.0 || round >= rounds.max || settings.warm_samples == 0 {
        return false;
    }
    let Some(execute) = series.iter().find(|s| s.mode == Mode::Warm && s.phase == Phase::Execute) else {
        return false;
    };
    // Judged on the distribution-free interval, which few samples cannot make look
    // precise (a bootstrap interval of 6 samples can be narrow by luck); below 6 samples
    // there is none, so another round.
    let Some((lo, hi)) = median_ci95_order(&execute.values) else {
        return true;
    };
    let median = crate::stats::median(&execute.values);
    if median <= 0.0 {
        return false;
    }
    let imprecise = |half_width: f64| half_width / median * 100.0 > rounds.precision_pct;
    // Samples of one process are not independent of each other: rounds that disagree
    // (one process, or one minute, slower than the rest) also call for more rounds, until
    // the mean of the rounds' medians is known to within the target (Student's t).
    let mut start = 0;
    let mut medians = Vec::new();
    for &end in &execute.round_ends {
        if end > start {
            medians.push(crate::stats::median(&execute.values[start..end]));
        }
        start = end;
    }
    imprecise((hi - lo) / 2.0) || crate::stats::mean_ci95_half_width(&medians).is_some_and(imprecise)
}

/// The worker request of a cell, before a task is chosen.
fn base_request(cell: &CellPlan, settings: &Settings) -> Request {
    Request {
        task: Task::Cold,
        backend: cell.backend.name().to_string(),
        module: cell.module.wasm.clone(),
        artifact: None,
        env: cell.workload.env.clone(),
        args: cell.workload.args.clone(),
        stdin: cell.workload.stdin.clone(),
        expected_stdout: cell.workload.expected_stdout.clone(),
        expected_exit: cell.workload.expected_exit,
        samples: 1,
        min_samples: 1,
        warmup: 0,
        max_time_ms: 0,
        instance_counts: Vec::new(),
        concurrency: Vec::new(),
        throughput_ms: 0,
        deadline_ms: u64::try_from(settings.limits.deadline.as_millis()).unwrap_or(u64::MAX),
        compile_deadline_ms: u64::try_from(settings.compile_deadline.as_millis()).unwrap_or(u64::MAX),
        max_memory_bytes: settings.limits.max_memory_bytes,
        max_output_bytes: settings.limits.max_output_bytes as u64,
    }
}

/// A later round of a cell: its share of cold samples and a warm worker with its share of
/// warm samples (per-instance memory and throughput are measured in the first round only).
fn measure_round(
    cell: &CellPlan,
    settings: &Settings,
    artifact: &Path,
    round: usize,
    out: &mut Cell,
    series: &mut Vec<Series>,
) -> Result<(), Failure> {
    let mut request = base_request(cell, settings);
    if cell.backend.kind() == BackendKind::Aot {
        request.artifact = Some(artifact.to_path_buf());
    }
    // Rounds past the fixed ones are warm only, each the size of the first.
    let sampled = round.min(settings.rounds.fixed.saturating_sub(1));
    let extra = round >= settings.rounds.fixed;
    if !extra {
        cold_samples(settings, &mut request, round, series, out)?;
    }
    warm_samples(settings, &mut request, sampled, extra, &[], series, out)
}

/// Cold samples of round `round`: each a fresh worker process.
fn cold_samples(
    settings: &Settings,
    request: &mut Request,
    round: usize,
    series: &mut Vec<Series>,
    out: &mut Cell,
) -> Result<(), Failure> {
    let rounds = settings.rounds;
    let (n, min) = (rounds.share(settings.cold_samples, round), rounds.share(settings.min_samples, round));
    let budget = settings.max_time / rounds.fixed.max(1) as u32;
    let overhead = settings.compile_deadline + WORKER_GRACE;
    request.task = Task::Cold;
    let began = std::time::Instant::now();
    for i in 0..n {
        if i >= min.max(1) && began.elapsed() >= budget {
            break;
        }
        let (samples, outcome) = ask(settings, request, settings.limits.deadline + overhead)?;
        out.flags = outcome.flags;
        for s in samples {
            push(series, Mode::Cold, Phase::Engine, Unit::Nanoseconds, s.engine);
            push(series, Mode::Cold, Phase::Prepare, Unit::Nanoseconds, s.prepare);
            push_instance_phases(series, Mode::Cold, &s);
        }
        push(series, Mode::Cold, Phase::Process, Unit::Nanoseconds, Some(outcome.wall_ns));
        push(series, Mode::Cold, Phase::PeakRss, Unit::Bytes, outcome.max_rss_bytes);
    }
    Ok(())
}

/// One warm worker: the share of warm samples of round `round` (after its own discarded
/// warm-up) and per-instance memory at `instance_counts`.
fn warm_samples(
    settings: &Settings,
    request: &mut Request,
    round: usize,
    extra: bool,
    instance_counts: &[u32],
    series: &mut Vec<Series>,
    out: &mut Cell,
) -> Result<(), Failure> {
    let rounds = settings.rounds;
    let n = rounds.share(settings.warm_samples, round);
    if n == 0 {
        return Ok(());
    }
    request.task = Task::Warm;
    request.samples = n;
    // An extra round is there for one more process: a slow cell's samples within one
    // process agree closely (it is the processes that differ), so one sample will do.
    request.min_samples = if extra { 1 } else { rounds.share(settings.min_samples, round).max(1) };
    request.warmup = settings.warmup;
    let budget = settings.max_time / rounds.fixed.max(1) as u32;
    request.max_time_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
    request.instance_counts = instance_counts.to_vec();
    let runs = (n + settings.warmup) as u32;
    let timeout = settings.limits.deadline * runs + settings.compile_deadline + WORKER_GRACE;
    let (samples, outcome) = ask(settings, request, timeout)?;
    out.flags = outcome.flags;
    for s in samples {
        push_instance_phases(series, Mode::Warm, &s);
        push(series, Mode::Warm, Phase::EngineHeap, Unit::Bytes, s.engine_heap);
    }
    for s in series.iter_mut().filter(|s| s.mode == Mode::Warm && s.instances.is_none()) {
        s.round_ends.push(s.values.len());
    }
    for &(k, bytes) in &outcome.instance_rss {
        series.push(Series {
            mode: Mode::Warm,
            phase: Phase::InstanceRss,
            unit: Unit::Bytes,
            values: vec![bytes],
            instances: Some(k),
            concurrency: None,
            exact: None,
            round_ends: Vec::new(),
        });
    }
    Ok(())
}

/// The phases every sample has, cold or warm: isolate to execute, and their total.
fn push_instance_phases(series: &mut Vec<Series>, mode: Mode, s: &PhaseTimes) {
    push(series, mode, Phase::Isolate, Unit::Nanoseconds, s.isolate);
    push(series, mode, Phase::Instantiate, Unit::Nanoseconds, s.instantiate);
    push(series, mode, Phase::Execute, Unit::Nanoseconds, s.execute);
    push(series, mode, Phase::BenchRegion, Unit::Nanoseconds, s.bench_region);
    push(series, mode, Phase::Total, Unit::Nanoseconds, total(s));
}

/// Add one sample to the series of (mode, phase, unit), starting it if needed.
fn push(series: &mut Vec<Series>, mode: Mode, phase: Phase, unit: Unit, value: Option<u64>) {
    let Some(value) = value else { return };
    match series
        .iter_mut()
        .find(|s| s.mode == mode && s.phase == phase && s.unit == unit && s.instances.is_none() && s.concurrency.is_none())
    {
        Some(s) => s.values.push(value as f64),
        None => series.push(Series {
            mode,
            phase,
            unit,
            values: vec![value as f64],
            instances: None,
            concurrency: None,
            exact: None,
            round_ends: Vec::new(),
        }),
    }
}

/// The cells the external CLIs run: every planned WebAssembly module once per CLI.
fn external_cells<'a>(plan: &'a [CellPlan], settings: &Settings) -> Vec<(ExternalCli, &'a CellPlan)> {
    let mut cells = Vec::new();
    for (cli, _) in &settings.external {
        let mut seen = std::collections::HashSet::new();
        for cell in plan.iter().filter(|c| c.module.language != "js") {
            if seen.insert(&cell.module.wasm) {
                cells.push((*cli, cell));
            }
        }
    }
    cells
}

fn external_id(cli: ExternalCli, cell: &CellPlan) -> CellId {
    CellId {
        backend: cli.name().to_string(),
        workload: cell.workload.name.clone(),
        language: cell.module.language.clone(),
    }
}

/// Cold samples of a module under an external CLI: whole-process wall time and peak RSS.
fn measure_external(
    cli: ExternalCli,
    cell: &CellPlan,
    module: &Result<AnalysedModule, Failure>,
    runner: Result<&PathBuf, &Failure>,
    settings: &Settings,
) -> Cell {
    let mut out = Cell {
        id: external_id(cli, cell),
        kind: cli.kind(),
        flags: settings
            .external
            .iter()
            .filter(|(c, _)| *c == cli)
            .map(|(_, version)| version.clone())
            .collect(),
        module_bytes: 0,
        module_features: Vec::new(),
        artifact_bytes: None,
        error: None,
        measurements: Vec::new(),
    };
    let series = (|| {
        let module = module.as_ref().map_err(Clone::clone)?;
        out.module_bytes = module.bytes;
        if let Some(info) = &module.info {
            out.module_features = info.features.iter().map(|f| f.to_string()).collect();
        }
        let runner = runner.map_err(Clone::clone)?;
        let (stdin, expected) = read_io(cell.workload.stdin.as_deref(), &cell.workload.expected_stdout)?;
        let job = crate::external::Job {
            module: &cell.module.wasm,
            env: &cell.workload.env,
            args: &cell.workload.args,
            stdin: &stdin,
            expected_stdout: &expected,
            expected_exit: cell.workload.expected_exit,
            node_runner: runner,
        };
        let (mut wall, mut rss) = (Vec::new(), Vec::new());
        let began = std::time::Instant::now();
        for i in 0..settings.cold_samples.max(1) {
            if i >= settings.min_samples.max(1) && began.elapsed() >= settings.max_time {
                break;
            }
            let s = crate::external::sample(cli, &job, settings.limits.deadline + WORKER_GRACE)?;
            wall.push(s.wall_ns as f64);
            rss.extend(s.max_rss_bytes.map(|b| b as f64));
        }
        let series = |phase, unit, values| Series {
            mode: Mode::Cold,
            phase,
            unit,
            values,
            instances: None,
            concurrency: None,
            exact: None,
            round_ends: Vec::new(),
        };
        Ok(vec![
            series(Phase::Process, Unit::Nanoseconds, wall),
            series(Phase::PeakRss, Unit::Bytes, rss),
        ])
    })();
    record(&mut out, &series);
    out
}

/// Summarise measured series into the cell, or record why it failed.
fn record(out: &mut Cell, series: &Result<Vec<Series>, Failure>) {
    match series {
        Ok(series) => summarise(out, series),
        Err(f) => {
            out.error = Some(CellError {
                kind: f.kind,
                message: f.message.clone(),
            });
        }
    }
}

/// The cell's measurements: a summary of each series, with its samples.
fn summarise(out: &mut Cell, series: &[Series]) {
    for s in series {
        let Some(mut summary) = summarize(&s.values) else {
            continue;
        };
        if let Some((n, p)) = &s.exact {
            summary.n = usize::try_from(*n).unwrap_or(usize::MAX);
            summary.min = p.min;
            summary.median = p.p50;
            summary.mean = p.mean;
            summary.p90 = p.p90;
            summary.p99 = p.p99;
            summary.max = p.max;
            summary.stddev = p.stddev;
            summary.cv = if p.mean > 0.0 { p.stddev / p.mean } else { 0.0 };
        }
        out.measurements.push(Measurement {
            mode: s.mode,
            phase: s.phase,
            unit: s.unit,
            summary,
            samples: s.values.clone(),
            instances: s.instances,
            concurrency: s.concurrency,
        });
    }
}

fn measure_series(
    cell: &CellPlan,
    module: &Result<AnalysedModule, Failure>,
    settings: &Settings,
    artifact: &Path,
    out: &mut Cell,
) -> Result<Vec<Series>, Failure> {
    let module = module.as_ref().map_err(Clone::clone)?;
    out.module_bytes = module.bytes;
    if let Some(info) = &module.info {
        out.module_features = info.features.iter().map(|f| f.to_string()).collect();
        check_support(cell.backend, info)?;
    }
    let deadline = settings.limits.deadline;
    // What a worker may take besides its executions: compiling, and the grace period.
    let overhead = settings.compile_deadline + WORKER_GRACE;
    let mut request = base_request(cell, settings);
    let mut series = Vec::new();

    if cell.backend.kind() == BackendKind::Aot {
        request.task = Task::Precompile;
        request.artifact = Some(artifact.to_path_buf());
        let (mut samples, outcome) = if settings.measure == Measure::Instructions {
            // Compiled under valgrind as well: the code must suit the CPU valgrind
            // presents (no AVX-512, say), not the host's. Nothing of it is counted.
            let prefix = crate::callgrind::valgrind_prefix(&artifact.with_extension("callgrind-precompile"));
            ask_under(settings, &prefix, &request, CALLGRIND_GRACE)?
        } else {
            ask(settings, &request, overhead)?
        };
        out.artifact_bytes = outcome.artifact_bytes;
        // (Under valgrind its duration means nothing.)
        if let Some(s) = samples.pop().filter(|_| settings.measure == Measure::Time) {
            push(&mut series, Mode::Once, Phase::Precompile, Unit::Nanoseconds, s.precompile);
        }
    }

    request.task = Task::Cold;
    if settings.measure == Measure::Instructions {
        // A cold worker under callgrind, which counts the execute phase only.
        for i in 0..settings.cold_samples.max(1) {
            let profile = artifact.with_extension(format!("callgrind{i}"));
            let prefix = crate::callgrind::valgrind_prefix(&profile);
            let (_, outcome) = ask_under(settings, &prefix, &request, deadline * 2 + CALLGRIND_GRACE)?;
            out.flags = outcome.flags;
            let count = crate::callgrind::read_total(&profile)?;
            push(&mut series, Mode::Callgrind, Phase::Execute, Unit::Instructions, Some(count));
        }
        return Ok(series);
    }
    cold_samples(settings, &mut request, 0, &mut series, out)?;
    if settings.warm_samples > 0 {
        warm_samples(settings, &mut request, 0, false, &settings.instance_counts, &mut series, out)?;
    }

    if !settings.concurrency.is_empty() {
        request.task = Task::Throughput;
        request.concurrency = settings.concurrency.clone();
        request.throughput_ms = u64::try_from(settings.throughput_time.as_millis()).unwrap_or(u64::MAX);
        // Each level: set-up and one warm-up request per thread, the measured time, and
        // the requests in flight at its end.
        let levels = settings.concurrency.len() as u32;
        let timeout = (settings.throughput_time + deadline * 3 + settings.compile_deadline) * levels + WORKER_GRACE;
        let (_, outcome) = ask(settings, &request, timeout)?;
        for level in outcome.throughput {
            series.push(Series {
                mode: Mode::Throughput,
                phase: Phase::Rate,
                unit: Unit::PerSecond,
                values: vec![level.rate()],
                instances: None,
                concurrency: Some(level.concurrency),
                exact: None,
                round_ends: Vec::new(),
            });
            series.push(Series {
                mode: Mode::Throughput,
                phase: Phase::Request,
                unit: Unit::Nanoseconds,
                values: level.latency_samples,
                instances: None,
                concurrency: Some(level.concurrency),
                exact: Some((level.requests, level.latency)),
                round_ends: Vec::new(),
            });
        }
    }
    Ok(series)
}

fn total(s: &PhaseTimes) -> Option<u64> {
    let parts = [s.engine, s.prepare, s.isolate, s.instantiate, s.execute];
    Some(parts.iter().flatten().sum())
}

/// What a successful worker said, besides its samples.
struct OutcomeInfo {
    flags: Vec<String>,
    instance_rss: Vec<(u32, f64)>,
    throughput: Vec<crate::throughput::Level>,
    artifact_bytes: Option<u64>,
    wall_ns: u64,
    max_rss_bytes: Option<u64>,
}

fn ask(
    settings: &Settings,
    request: &Request,
    timeout: Duration,
) -> Result<(Vec<PhaseTimes>, OutcomeInfo), Failure> {
    ask_under(settings, &[], request, timeout)
}

/// [`ask`] with the worker run under a wrapper command (valgrind).
fn ask_under(
    settings: &Settings,
    prefix: &[std::ffi::OsString],
    request: &Request,
    timeout: Duration,
) -> Result<(Vec<PhaseTimes>, OutcomeInfo), Failure> {
    let ChildOutcome {
        response,
        wall_ns,
        max_rss_bytes,
    } = run_worker_under(prefix, &settings.worker_exe, request, timeout);
    match response? {
        Response::Ok {
            flags,
            samples,
            artifact_bytes,
            instance_rss,
            throughput,
            peak_rss_bytes,
        } => Ok((
            samples,
            OutcomeInfo {
                flags,
                instance_rss,
                throughput,
                artifact_bytes,
                wall_ns,
                // The worker's own high-water mark; wait4's includes the harness's size.
                max_rss_bytes: peak_rss_bytes.or(max_rss_bytes),
            },
        )),
        Response::Failed { kind, message } => Err(Failure { kind, message }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_share_every_sample_and_the_remainder_goes_first() {
        let rounds = Rounds { fixed: 3, precision_pct: 0.0, max: 3 };
        for total in 0..20 {
            let shares: Vec<usize> = (0..4).map(|r| rounds.share(total, r)).collect();
            assert_eq!(shares.iter().sum::<usize>(), total, "{total}: {shares:?}");
            assert_eq!(shares[3], 0, "no share past the fixed rounds");
            assert!(shares[..3].windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1), "{shares:?}");
        }
        assert_eq!((0..3).map(|r| rounds.share(10, r)).collect::<Vec<_>>(), [4, 3, 3]);
        assert_eq!(Rounds::default().share(7, 0), 7);
    }

    #[test]
    fn order_is_a_seeded_permutation() {
        let a = order(50, Some(7));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_eq!(a, order(50, Some(7)), "the same seed gives the same order");
        assert_ne!(a, order(50, Some(8)), "each round re-shuffles with its own seed");
        assert_eq!(order(5, None), [0, 1, 2, 3, 4]);
    }
}
