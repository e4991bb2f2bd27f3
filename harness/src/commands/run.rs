//! `wasmbench run`: plan the cells, measure them (in worker processes, or end to end
//! through the gateway with `--scenario http`), write results after every cell, then the
//! summary and the report.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use wasmbench_data::{Environment, Results, Shard};
use wasmbench_report::ReportInputs;
use wasmbench_runtimes::Limits;

use super::{load_manifest, FAILURE, SUCCESS};
use crate::process_backend::ProcessBackend;
use crate::manifest::Manifest;
use crate::measure::driver::Checkpoint;
use crate::plan::{plan, process_plan, CellPlan, Selection};
use crate::shard::{ShardArg, ShardSpec, JOB_INDEX_VAR};
use crate::presets::{positive_seconds, sampling, Choice};
use crate::settings::{config, Measure, SentinelSettings, Settings};
use crate::{environment, measure, scenario_http, sightglass};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    Shuffled,
    Planned,
}

#[derive(Args)]
pub struct RunArgs {
    /// Backends to run, comma-separated [default: all compiled in]
    #[arg(long, short, value_delimiter = ',')]
    pub backend: Vec<String>,
    /// Workloads to run, comma-separated [default: all in the manifest]
    #[arg(long, short, value_delimiter = ',')]
    pub workload: Vec<String>,
    /// Source languages to run, comma-separated [default: all]
    #[arg(long, value_delimiter = ',')]
    pub language: Vec<String>,
    /// Run a suite of the manifest ([suite.NAME]); without --workload, --language or
    /// --all, the suite `default` is run when the manifest has one. A value with a `/` or
    /// ending in `.suite` is a peer suite on disk instead: a folder in the sightglass layout
    /// (one subfolder per benchmark: `*.wasm`, input files, `<module>.stdout.expected` and
    /// `<module>.stderr.expected`) or a `.suite` file listing module paths; each module
    /// runs with its folder preopened as `.`, stdout and stderr verified
    #[arg(long, conflicts_with = "all")]
    pub suite: Option<String>,
    /// With --suite PATH: give every module `WASM_BENCH_USE_SMALL_WORKLOAD=1` (a
    /// sightglass benchmark's small input); without it the modules get no env at all
    #[arg(long)]
    pub small: bool,
    /// Every workload in every language (the whole matrix; long)
    #[arg(long)]
    pub all: bool,
    /// Warm samples per cell (fresh instance each, one process)
    #[arg(long)]
    pub samples: Option<usize>,
    /// Cold samples per cell (fresh process and engine each)
    #[arg(long)]
    pub cold_samples: Option<usize>,
    /// Warm-up executions discarded before the warm samples
    #[arg(long)]
    pub warmup: Option<usize>,
    /// Fewest cold and warm samples per cell, even past --max-time
    #[arg(long)]
    pub min_samples: Option<usize>,
    /// Time budget per cell for each of cold and warm sampling, in seconds: sampling
    /// stops there once --min-samples are taken
    #[arg(long)]
    pub max_time: Option<f64>,
    /// Few samples: a smoke run that still verifies every output
    #[arg(long)]
    pub quick: bool,
    /// Rounds over the (re-shuffled) matrix that share each cell's cold and warm samples
    /// and its time budget, each with fresh worker processes, so that one process or one
    /// noisy minute cannot decide a median [default: 3]
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Precision target: after --rounds, cells whose warm execute median has a 95% CI
    /// wider than ± this percent get further warm rounds (up to --max-rounds); 0 turns
    /// them off [default: 2]
    #[arg(long)]
    pub precision: Option<f64>,
    /// Most rounds a cell may get, the extra ones for --precision included [default: 12;
    /// --quick 24]
    #[arg(long)]
    pub max_rounds: Option<usize>,
    /// Throughput: worker-thread counts to measure each cell with, comma-separated
    /// [default: 1,2,4; with --quick 1,2]; 0 turns throughput off
    #[arg(long, value_delimiter = ',')]
    pub concurrency: Vec<u32>,
    /// Throughput: seconds measured per concurrency level [default: 1; --quick 0.3]
    #[arg(long)]
    pub throughput_time: Option<f64>,
    /// Order to measure the cells in: `shuffled` (seeded, recorded in the results) spreads
    /// drifts of the machine over all cells; `planned` runs them workload by workload
    #[arg(long, value_enum, default_value_t = Order::Shuffled)]
    pub order: Order,
    /// Seed of the shuffled order [default: random, recorded in results.json]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Do not add the process backends' cells (native, container, node-js, node-wasi,
    /// wasmtime-cli), which a run without --backend measures for its modules wherever
    /// they can run
    #[arg(long)]
    pub no_external: bool,
    /// `time`: wall-clock phases; `instructions`: instruction counts of the execute phase
    /// under valgrind's callgrind (deterministic, for CI gates; --cold-samples runs per
    /// cell, default 1)
    #[arg(long, value_enum, default_value_t = Measure::Time)]
    pub measure: Measure,
    /// Execution deadline per `_start` call, in seconds (a run that needs longer is
    /// reported as a timeout, never as data)
    #[arg(long, default_value_t = 30.0)]
    pub deadline: f64,
    /// Longest compiling (or loading) one module may take, in seconds: a module that
    /// takes longer is reported as a timeout
    #[arg(long, default_value_t = 60.0)]
    pub compile_deadline: f64,
    /// Largest linear memory an instance may have, in MiB
    #[arg(long, default_value_t = 1024)]
    pub max_memory_mib: u64,
    /// Captured stdout/stderr cap per instance, in KiB
    #[arg(long, default_value_t = 1024)]
    pub max_output_kib: u64,
    /// Output folder for results.csv and results.json
    #[arg(long, short, default_value = "results/latest")]
    pub output: PathBuf,
    /// Workload manifest [default: workloads/manifest.toml]
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Run every .wasm/.wat module in this folder instead of a manifest's workloads; each
    /// must print exactly the contents of `<name>.stdout` beside it
    #[arg(long, conflicts_with_all = ["manifest", "suite", "all"])]
    pub dir: Option<PathBuf>,
    /// `http`: measure end to end through the gateway on loopback (first request, request
    /// latency, sustainable rate) instead of in worker processes
    #[arg(long)]
    pub scenario: Option<String>,
    /// Write the end-of-run report without its PNG charts
    #[arg(long)]
    pub no_charts: bool,
    /// Pricing model of the report's cost section, a TOML file like
    /// report/pricing/default.toml [default: that file, built in]; read before measuring
    #[arg(long)]
    pub pricing: Option<PathBuf>,
    /// Drift sentinel: longest time between two probes of the machine's speed while
    /// cells are measured, in seconds (it is probed between cells, after every round and
    /// at the end; 0: between every two cells)
    #[arg(long, default_value_t = 10.0)]
    pub sentinel_every: f64,
    /// Drift sentinel: a cell measured while the machine's speed was off its run median
    /// by more than this percentage is flagged and measured again
    #[arg(long, default_value_t = 10.0)]
    pub sentinel_threshold: f64,
    /// Run without the drift sentinel
    #[arg(long)]
    pub no_sentinel: bool,
    /// Measure only part K of N of the planned cells (K from 1), for runs split over
    /// machines and put back together with `wasmbench merge`; every backend of one
    /// (workload, language) lands in the same part. `auto/N` takes K from
    /// $JOB_COMPLETION_INDEX + 1 (the pod index of a Kubernetes Indexed Job)
    #[arg(long, value_name = "K/N")]
    pub shard: Option<ShardArg>,
}

impl RunArgs {
    fn selection(&self) -> Selection {
        Selection {
            backends: self.backend.clone(),
            workloads: self.workload.clone(),
            languages: self.language.clone(),
            suite: self.suite.clone().filter(|s| !sightglass::is_suite_path(s)),
            all: self.all,
            shard: None,
        }
    }

    fn choice(&self) -> Choice {
        Choice {
            measure: self.measure,
            quick: self.quick,
            cold_samples: self.cold_samples,
            warm_samples: self.samples,
            min_samples: self.min_samples,
            warmup: self.warmup,
            max_time: self.max_time,
            rounds: self.rounds,
            precision_pct: self.precision,
            max_rounds: self.max_rounds,
            concurrency: self.concurrency.clone(),
            throughput_time: self.throughput_time,
        }
    }
}

pub fn execute(args: RunArgs) -> Result<u8> {
    let manifest = workloads(&args)?;
    let shard = args.shard.map(|s| s.resolve(std::env::var(JOB_INDEX_VAR).ok().as_deref())).transpose()?;
    let selection = Selection { shard, ..args.selection() };
    let plan = plan(&selection, &manifest)?;
    let mut settings = settings(&args)?;
    let inputs = super::report::inputs(args.pricing.as_deref(), Some(&manifest))?;
    let chosen: Vec<ProcessBackend> = settings.process.iter().map(|(b, _)| *b).collect();
    let process = process_plan(&selection, &manifest, &chosen)?;
    if plan.is_empty() && process.is_empty() && shard.is_none() {
        bail!("no cell matches the chosen backends, workloads and languages");
    }
    if let Some(spec) = shard {
        let cells = match args.scenario.is_some() {
            true => plan.iter().filter(|c| !c.backend.runs_javascript()).count(),
            false => plan.len() + process.len(),
        };
        let record = shard_record(spec, cells, &args.selection(), &manifest, &chosen, args.scenario.is_some())?;
        if record.plan_cells == 0 {
            bail!("no cell matches the chosen backends, workloads and languages");
        }
        eprintln!("wasmbench: shard {}: {} of the plan's {} cells", record.label(), record.cells, record.plan_cells);
        settings.shard = Some(record);
    }
    let env = environment::collect(manifest.path.parent().unwrap_or(Path::new(".")));
    let exporters = wasmbench_report::default_exporters();
    let out = args.output.clone();
    let mut write = |results: &Results| {
        wasmbench_report::write_all(results, &out, &exporters)
            .map(drop)
            .with_context(|| format!("writing results to {}", out.display()))
    };
    if let Some(scenario) = &args.scenario {
        if scenario != "http" {
            bail!("unknown scenario `{scenario}`; valid scenarios: http");
        }
        let results = http(plan, &settings, env, &mut write)?;
        return Ok(finish(&results, &out, &scenario_http::table(&results), !args.no_charts, &inputs));
    }
    announce(plan.len() + process.len(), &settings, &out);
    let results = measure::run(&plan, &process, &settings, env, &mut write)?;
    Ok(finish(&results, &out, &wasmbench_report::table::summary_table(&results), !args.no_charts, &inputs))
}

/// The workloads to choose from: a folder of modules (--dir), a peer suite on disk
/// (--suite PATH), or the manifest.
fn workloads(args: &RunArgs) -> Result<Manifest> {
    let suite_path = args.suite.as_deref().filter(|s| sightglass::is_suite_path(s));
    if args.small && suite_path.is_none() {
        bail!("--small applies to a peer suite only (--suite PATH, a folder or a .suite file)");
    }
    Ok(match (&args.dir, suite_path) {
        (Some(dir), _) => Manifest::from_dir(dir)?,
        (None, Some(path)) if args.manifest.is_some() => {
            bail!("--suite {path} runs the modules of that suite; it takes no --manifest")
        }
        (None, Some(path)) => sightglass::load(Path::new(path), args.small)?,
        (None, None) => load_manifest(args.manifest.as_deref())?,
    })
}

/// The run's settings: the sample preset with the user's overrides, limits, and the rest.
fn settings(args: &RunArgs) -> Result<Settings> {
    let deadline = positive_seconds("--deadline", args.deadline)?;
    let sampling = sampling(&args.choice())?;
    if args.measure == Measure::Instructions {
        let version = crate::callgrind::check_valgrind().map_err(anyhow::Error::msg)?;
        eprintln!("wasmbench: counting instructions of the execute phase with {version}");
    }
    Ok(Settings {
        sampling,
        limits: Limits {
            deadline,
            max_memory_bytes: args.max_memory_mib.saturating_mul(1 << 20),
            max_output_bytes: usize::try_from(args.max_output_kib.saturating_mul(1024))
                .context("--max-output-kib is too large")?,
        },
        compile_deadline: positive_seconds("--compile-deadline", args.compile_deadline)?,
        process: process_backends(args)?,
        order_seed: match args.order {
            Order::Planned => None,
            Order::Shuffled => Some(args.seed.unwrap_or_else(rand::random)),
        },
        worker_exe: std::env::current_exe().context("locating the wasmbench executable")?,
        measure: args.measure,
        sentinel: sentinel(args)?,
        shard: None,
    })
}

/// What the results of shard `spec` (of `cells` cells) record of it: the whole plan's
/// cells, in plan order (the `http` scenario measures the WebAssembly cells only).
fn shard_record(spec: ShardSpec, cells: usize, whole: &Selection, manifest: &Manifest, process: &[ProcessBackend], http: bool) -> Result<Shard> {
    let in_process = plan(whole, manifest)?.into_iter().filter(|c| !(http && c.backend.runs_javascript())).map(|c| c.id());
    let mut ids: Vec<wasmbench_data::CellId> = in_process.collect();
    if !http {
        ids.extend(process_plan(whole, manifest, process)?.iter().map(crate::measure::process_cell_id));
    }
    Ok(Shard { index: spec.index, count: spec.count, plan_cells: ids.len(), cells, plan: ids, ..Shard::default() })
}

/// The drift sentinel's settings; none with --no-sentinel or when counting instructions
/// (which the machine's speed does not change).
fn sentinel(args: &RunArgs) -> Result<Option<SentinelSettings>> {
    if !(args.sentinel_every.is_finite() && args.sentinel_every >= 0.0) {
        bail!("--sentinel-every must be a number of seconds ≥ 0, not {}", args.sentinel_every);
    }
    if !(args.sentinel_threshold.is_finite() && args.sentinel_threshold > 0.0) {
        bail!("--sentinel-threshold must be a percentage > 0, not {}", args.sentinel_threshold);
    }
    if args.no_sentinel || args.measure == Measure::Instructions || args.scenario.is_some() {
        return Ok(None);
    }
    Ok(Some(SentinelSettings {
        every: std::time::Duration::from_secs_f64(args.sentinel_every),
        threshold_pct: args.sentinel_threshold,
    }))
}

/// One line on what the run will do.
fn announce(cells: usize, settings: &Settings, out: &Path) {
    let rounds = settings.sampling.rounds;
    let extra = if rounds.precision_pct > 0.0 && rounds.max > rounds.fixed {
        format!(", up to {} for a warm median less precise than ±{}%", rounds.max, rounds.precision_pct)
    } else {
        String::new()
    };
    eprintln!(
        "wasmbench: {} cells ({} cold + {} warm samples each, over {} round{}{extra}) → {}",
        cells,
        settings.sampling.cold_samples,
        settings.sampling.warm_samples,
        rounds.fixed,
        if rounds.fixed == 1 { "" } else { "s" },
        out.display()
    );
}

/// `--scenario http`: the WebAssembly cells through the gateway, in plan order.
fn http(plan: Vec<CellPlan>, settings: &Settings, env: Environment, write: &mut Checkpoint<'_>) -> Result<Results> {
    let http = scenario_http::HttpSettings {
        cold_samples: settings.sampling.cold_samples,
        warm_samples: settings.sampling.warm_samples,
        warmup: settings.sampling.warmup,
        step: settings.sampling.max_time,
        limits: settings.limits.clone(),
        max_concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
        worker_exe: settings.worker_exe.clone(),
        shard: settings.shard.clone(),
    };
    let plan: Vec<CellPlan> = plan.into_iter().filter(|c| !c.backend.runs_javascript()).collect();
    let mut config = config(&plan, settings);
    // The http scenario measures in plan order, in one round.
    config.order_seed = None;
    config.rounds = 1;
    config.max_rounds = 1;
    scenario_http::run(&plan, &http, config, env, write)
}

/// Print the summary table and warnings of a finished run; exit 1 when some cells failed.
fn finish(results: &Results, out: &Path, table: &str, charts: bool, inputs: &ReportInputs) -> u8 {
    print!("{table}");
    let noisy = wasmbench_report::table::noise_warnings(results);
    if !noisy.is_empty() {
        eprintln!("wasmbench: {} imprecise medians (95% CI wider than ±5% of the median), worst first:", noisy.len());
        for line in noisy.iter().take(12) {
            eprintln!("  {line}");
        }
        if noisy.len() > 12 {
            eprintln!("  … and {} more (see median_ci95 in results.csv)", noisy.len() - 12);
        }
    }
    say_drift(results);
    super::report::after_run(results, out, charts, inputs);
    let failed = results.cells.iter().filter(|c| c.error.is_some()).count();
    eprintln!(
        "wasmbench: wrote {} and {}",
        out.join("results.csv").display(),
        out.join("results.json").display()
    );
    if failed > 0 {
        eprintln!("wasmbench: {failed} of {} cells failed (see the status column)", results.cells.len());
        return FAILURE;
    }
    SUCCESS
}

/// The drift sentinel's verdict on the run: how far the machine's speed moved, and which
/// cells it disturbed.
fn say_drift(results: &Results) {
    let Some(sentinel) = &results.sentinel else { return };
    let (Some(drift), Some(native), Some(wasm)) = (sentinel.drift_pct(), sentinel.median_native_ns(), sentinel.median_wasm_ns()) else {
        return;
    };
    let disturbed: Vec<_> = results.cells.iter().flat_map(|c| c.disturbed.iter()).collect();
    let again = disturbed.iter().filter(|d| d.remeasured).count();
    eprintln!(
        "wasmbench: machine speed (drift sentinel, {} probes; native {:.2} ms, Wasm on {} {:.2} ms): drift {drift:.1}% of \
         the median; {} cell rounds measured while it was off by more than {}%, {again} of them measured again",
        sentinel.probes.len(),
        native / 1e6,
        sentinel.backend,
        wasm / 1e6,
        disturbed.len(),
        sentinel.threshold_pct
    );
}

/// The process backends whose cells the run measures: those named with --backend (which
/// must be able to run), else every one that can run here unless --no-external; counting
/// instructions, only `native` (the others have no instruction count).
fn process_backends(args: &RunArgs) -> Result<Vec<(ProcessBackend, String)>> {
    let counting = args.measure == Measure::Instructions;
    let named: Vec<ProcessBackend> = args.backend.iter().filter_map(|n| ProcessBackend::parse(n)).collect();
    if !named.is_empty() {
        let mut chosen = Vec::new();
        for backend in named {
            if counting && backend != ProcessBackend::Native {
                bail!("backend `{}` has no instruction count (--measure instructions): only `native` and in-process backends do", backend.name());
            }
            match backend.detect() {
                Ok(version) if !chosen.iter().any(|(b, _)| *b == backend) => chosen.push((backend, version)),
                Ok(_) => {}
                Err(reason) => bail!("backend `{}` cannot run: {reason}", backend.name()),
            }
        }
        return Ok(chosen);
    }
    if args.no_external || !args.backend.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = ProcessBackend::ALL.iter().filter(|&&b| !counting || b == ProcessBackend::Native);
    Ok(candidates.filter_map(|&b| b.detect().ok().map(|v| (b, v))).collect())
}

