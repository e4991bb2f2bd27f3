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
use crate::stats::summarize;
use crate::worker::{read_module, Failure, PhaseTimes, Request, Response, Task};

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
    for i in order(plan.len(), settings.order_seed) {
        let cell = &plan[i];
        progress.set_message(cell.id().to_string());
        let artifact = artifacts.path().join(format!("cell{i}.artifact"));
        let module = modules
            .entry(cell.module.wasm.clone())
            .or_insert_with(|| analyse(&cell.module));
        let measured = measure_cell(cell, module, settings, &artifact, &progress);
        if let Some(err) = &measured.error {
            progress.println(format!("✗ {}: {}: {}", cell.id(), err.kind, err.message));
        }
        results.missing.retain(|id| *id != measured.id);
        results.cells.push(measured);
        checkpoint(&results)?;
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
    let steps = plan.len() as u64 * (settings.cold_samples as u64 + 1);
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
) -> Cell {
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
    let series = measure_series(cell, module, settings, artifact, progress, &mut out);
    record(&mut out, series);
    out
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
        let read = |path: &Path, what: &str| {
            std::fs::read(path).map_err(|e| Failure {
                kind: ErrorKind::Io,
                message: format!("reading {what} {}: {e}", path.display()),
            })
        };
        let stdin = match &cell.workload.stdin {
            Some(p) => read(p, "stdin file")?,
            None => Vec::new(),
        };
        let expected = read(&cell.workload.expected_stdout, "expected stdout")?;
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
        };
        Ok(vec![
            series(Phase::Process, Unit::Nanoseconds, wall),
            series(Phase::PeakRss, Unit::Bytes, rss),
        ])
    })();
    record(&mut out, series);
    out
}

/// Summarise measured series into the cell, or record why it failed.
fn record(out: &mut Cell, series: Result<Vec<Series>, Failure>) {
    match series {
        Ok(series) => {
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
                    samples: s.values,
                    instances: s.instances,
                    concurrency: s.concurrency,
                });
            }
        }
        Err(f) => {
            out.error = Some(CellError {
                kind: f.kind,
                message: f.message,
            });
        }
    }
}

fn measure_series(
    cell: &CellPlan,
    module: &Result<AnalysedModule, Failure>,
    settings: &Settings,
    artifact: &Path,
    progress: &ProgressBar,
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
    let mut request = Request {
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
        deadline_ms: u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
        compile_deadline_ms: u64::try_from(settings.compile_deadline.as_millis()).unwrap_or(u64::MAX),
        max_memory_bytes: settings.limits.max_memory_bytes,
        max_output_bytes: settings.limits.max_output_bytes as u64,
    };
    let mut series = Vec::new();
    let mut push = |mode, phase, unit, value: Option<u64>| {
        let Some(value) = value else { return };
        match series
            .iter_mut()
            .find(|s: &&mut Series| s.mode == mode && s.phase == phase && s.unit == unit)
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
            }),
        }
    };

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
            push(Mode::Once, Phase::Precompile, Unit::Nanoseconds, s.precompile);
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
            push(Mode::Callgrind, Phase::Execute, Unit::Instructions, Some(count));
            progress.inc(1);
        }
        progress.inc(1);
        return Ok(series);
    }
    let cold_began = std::time::Instant::now();
    for i in 0..settings.cold_samples {
        if i >= settings.min_samples.max(1) && cold_began.elapsed() >= settings.max_time {
            progress.inc((settings.cold_samples - i) as u64);
            break;
        }
        let (samples, outcome) = ask(settings, &request, deadline + overhead)?;
        out.flags = outcome.flags;
        for s in samples {
            push(Mode::Cold, Phase::Engine, Unit::Nanoseconds, s.engine);
            push(Mode::Cold, Phase::Prepare, Unit::Nanoseconds, s.prepare);
            push(Mode::Cold, Phase::Isolate, Unit::Nanoseconds, s.isolate);
            push(Mode::Cold, Phase::Instantiate, Unit::Nanoseconds, s.instantiate);
            push(Mode::Cold, Phase::Execute, Unit::Nanoseconds, s.execute);
            push(Mode::Cold, Phase::BenchRegion, Unit::Nanoseconds, s.bench_region);
            push(Mode::Cold, Phase::Total, Unit::Nanoseconds, total(&s));
        }
        push(Mode::Cold, Phase::Process, Unit::Nanoseconds, Some(outcome.wall_ns));
        push(Mode::Cold, Phase::PeakRss, Unit::Bytes, outcome.max_rss_bytes);
        progress.inc(1);
    }

    if settings.warm_samples > 0 {
        request.task = Task::Warm;
        request.samples = settings.warm_samples;
        request.min_samples = settings.min_samples;
        request.warmup = settings.warmup;
        request.max_time_ms = u64::try_from(settings.max_time.as_millis()).unwrap_or(u64::MAX);
        request.instance_counts = settings.instance_counts.clone();
        let runs = (settings.warm_samples + settings.warmup) as u32;
        let (samples, outcome) = ask(settings, &request, deadline * runs + overhead)?;
        out.flags = outcome.flags;
        for s in samples {
            push(Mode::Warm, Phase::Isolate, Unit::Nanoseconds, s.isolate);
            push(Mode::Warm, Phase::Instantiate, Unit::Nanoseconds, s.instantiate);
            push(Mode::Warm, Phase::Execute, Unit::Nanoseconds, s.execute);
            push(Mode::Warm, Phase::BenchRegion, Unit::Nanoseconds, s.bench_region);
            push(Mode::Warm, Phase::Total, Unit::Nanoseconds, total(&s));
            push(Mode::Warm, Phase::EngineHeap, Unit::Bytes, s.engine_heap);
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
            });
        }
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
            });
            series.push(Series {
                mode: Mode::Throughput,
                phase: Phase::Request,
                unit: Unit::Nanoseconds,
                values: level.latency_samples,
                instances: None,
                concurrency: Some(level.concurrency),
                exact: Some((level.requests, level.latency)),
            });
        }
    }
    progress.inc(1);
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
        } => Ok((
            samples,
            OutcomeInfo {
                flags,
                instance_rss,
                throughput,
                artifact_bytes,
                wall_ns,
                max_rss_bytes,
            },
        )),
        Response::Failed { kind, message } => Err(Failure { kind, message }),
    }
}
