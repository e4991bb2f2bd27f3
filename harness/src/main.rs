//! `wasmbench`: measure what it costs to run serverless functions on WebAssembly.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use wasmbench::manifest::{default_manifest_path, Manifest};
use wasmbench::external::ExternalCli;
use wasmbench::run::{CellPlan, Settings};
use wasmbench::{environment, gateway_cli, run, scenario_http, validate, worker};
use wasmbench_runtimes::{BackendId, Limits};

#[derive(Parser)]
#[command(name = "wasmbench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure every (backend, workload) cell and write results.csv and results.json.
    Run(RunArgs),
    /// List the backends (with their kind) and the workloads (with their languages).
    List {
        /// Workload manifest [default: workloads/manifest.toml]
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// Check modules against the workload contract: exports `_start` and `memory`, imports
    /// only WASI preview1 (and `bench`), and prints its workload's expected output.
    Validate(ValidateArgs),
    /// Compare two results.json files: per cell and metric, a Mann–Whitney U test and a
    /// threshold on the ratio of medians; writes a Markdown table. Exit status 1 on a
    /// significant regression beyond the threshold.
    Compare(CompareArgs),
    /// Write charts, report.md, report.html and dashboard exports from a results.json.
    Report(wasmbench::report::ReportArgs),
    /// Internal: the measuring child process (reads a JSON request on stdin).
    #[command(hide = true)]
    Worker,
    /// Serve functions over HTTP: GET|POST /fn/NAME runs NAME in a fresh instance.
    Serve(gateway_cli::ServeArgs),
    /// Open-loop HTTP load: constant arrival rate, latency from the intended send time.
    Load(gateway_cli::LoadArgs),
}

#[derive(Args)]
struct CompareArgs {
    /// The reference results.json
    baseline: PathBuf,
    /// The results.json to check against it
    new: PathBuf,
    /// Practical threshold: changes of the median smaller than this never count
    #[arg(long, default_value = "5%")]
    threshold: String,
    /// Metrics to compare, comma-separated MODE/PHASE (`warm/execute`, `callgrind/*`, or
    /// a bare phase) [default: every metric both documents have]
    #[arg(long, value_delimiter = ',')]
    metric: Vec<String>,
    /// Significance level of the Mann–Whitney U test
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Markdown report [default: compare.md beside NEW]
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also fail (exit 1) when a cell is missing or failed on either side
    #[arg(long)]
    strict: bool,
    /// Report only: exit 0 even on a regression (for noisy wall-clock gates)
    #[arg(long)]
    warn_only: bool,
}

#[derive(Args)]
struct ValidateArgs {
    /// Modules (.wasm or .wat) [default: every module in the manifest]. A module of the
    /// manifest is also run and its output compared with its workload's expected output.
    paths: Vec<PathBuf>,
    /// Backend that runs the modules [default: the first one compiled in]
    #[arg(long, short)]
    backend: Option<String>,
    /// Execution deadline, in seconds
    #[arg(long, default_value_t = 30.0)]
    deadline: f64,
    /// Workload manifest [default: workloads/manifest.toml]
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Order {
    Shuffled,
    Planned,
}

#[derive(Args)]
struct RunArgs {
    /// Backends to run, comma-separated [default: all compiled in]
    #[arg(long, short, value_delimiter = ',')]
    backend: Vec<String>,
    /// Workloads to run, comma-separated [default: all in the manifest]
    #[arg(long, short, value_delimiter = ',')]
    workload: Vec<String>,
    /// Source languages to run, comma-separated [default: all]
    #[arg(long, value_delimiter = ',')]
    language: Vec<String>,
    /// Run a suite of the manifest ([suite.NAME]); without --workload, --language or
    /// --all, the suite `default` is run when the manifest has one
    #[arg(long, conflicts_with = "all")]
    suite: Option<String>,
    /// Every workload in every language (the whole matrix; long)
    #[arg(long)]
    all: bool,
    /// Warm samples per cell (fresh instance each, one process)
    #[arg(long)]
    samples: Option<usize>,
    /// Cold samples per cell (fresh process and engine each)
    #[arg(long)]
    cold_samples: Option<usize>,
    /// Warm-up executions discarded before the warm samples
    #[arg(long)]
    warmup: Option<usize>,
    /// Fewest cold and warm samples per cell, even past --max-time
    #[arg(long)]
    min_samples: Option<usize>,
    /// Time budget per cell for each of cold and warm sampling, in seconds: sampling
    /// stops there once --min-samples are taken
    #[arg(long)]
    max_time: Option<f64>,
    /// Few samples: a smoke run that still verifies every output
    #[arg(long)]
    quick: bool,
    /// Rounds over the (re-shuffled) matrix that share each cell's cold and warm samples
    /// and its time budget, each with fresh worker processes, so that one process or one
    /// noisy minute cannot decide a median [default: 3]
    #[arg(long)]
    rounds: Option<usize>,
    /// Precision target: after --rounds, cells whose warm execute median has a 95% CI
    /// wider than ± this percent get further warm rounds (up to --max-rounds); 0 turns
    /// them off [default: 2]
    #[arg(long)]
    precision: Option<f64>,
    /// Most rounds a cell may get, the extra ones for --precision included [default: 12;
    /// --quick 24]
    #[arg(long)]
    max_rounds: Option<usize>,
    /// Throughput: worker-thread counts to measure each cell with, comma-separated
    /// [default: 1,2,4; with --quick 1,2]; 0 turns throughput off
    #[arg(long, value_delimiter = ',')]
    concurrency: Vec<u32>,
    /// Throughput: seconds measured per concurrency level [default: 1; --quick 0.3]
    #[arg(long)]
    throughput_time: Option<f64>,
    /// Order to measure the cells in: `shuffled` (seeded, recorded in the results) spreads
    /// drifts of the machine over all cells; `planned` runs them workload by workload
    #[arg(long, value_enum, default_value_t = Order::Shuffled)]
    order: Order,
    /// Seed of the shuffled order [default: random, recorded in results.json]
    #[arg(long)]
    seed: Option<u64>,
    /// Do not add reference rows from external CLIs (node-wasi, wasmtime-cli), which are
    /// otherwise measured for every planned module when installed
    #[arg(long)]
    no_external: bool,
    /// `time`: wall-clock phases; `instructions`: instruction counts of the execute phase
    /// under valgrind's callgrind (deterministic, for CI gates; --cold-samples runs per
    /// cell, default 1)
    #[arg(long, value_enum, default_value_t = run::Measure::Time)]
    measure: run::Measure,
    /// Execution deadline per `_start` call, in seconds (a run that needs longer is
    /// reported as a timeout, never as data)
    #[arg(long, default_value_t = 30.0)]
    deadline: f64,
    /// Longest compiling (or loading) one module may take, in seconds: a module that
    /// takes longer is reported as a timeout
    #[arg(long, default_value_t = 60.0)]
    compile_deadline: f64,
    /// Largest linear memory an instance may have, in MiB
    #[arg(long, default_value_t = 1024)]
    max_memory_mib: u64,
    /// Captured stdout/stderr cap per instance, in KiB
    #[arg(long, default_value_t = 1024)]
    max_output_kib: u64,
    /// Output folder for results.csv and results.json
    #[arg(long, short, default_value = "results/latest")]
    output: PathBuf,
    /// Workload manifest [default: workloads/manifest.toml]
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Run every .wasm/.wat module in this folder instead of a manifest's workloads; each
    /// must print exactly the contents of `<name>.stdout` beside it
    #[arg(long, conflicts_with_all = ["manifest", "suite", "all"])]
    dir: Option<PathBuf>,
    /// `http`: measure end to end through the gateway on loopback (first request, request
    /// latency, sustainable rate) instead of in worker processes
    #[arg(long)]
    scenario: Option<String>,
    /// Write the end-of-run report without its PNG charts
    #[arg(long)]
    no_charts: bool,
}

fn main() {
    // Behave like other command-line tools when the reader of stdout goes away
    // (`wasmbench list | head`): end quietly instead of panicking on a broken pipe.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = real_main() {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Worker => serve_worker(),
        Command::List { manifest } => list(&load_manifest(manifest.as_deref())?),
        Command::Run(args) => run_cmd(args),
        Command::Validate(args) => validate_cmd(args),
        Command::Compare(args) => compare_cmd(args),
        Command::Serve(args) => gateway_cli::serve(args),
        Command::Load(args) => gateway_cli::load_cmd(args),
        Command::Report(args) => wasmbench::report::report_cmd(args),
    }
}

fn compare_cmd(args: CompareArgs) -> Result<()> {
    use wasmbench::compare;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        bail!("--alpha must be between 0 and 1, got {}", args.alpha);
    }
    let options = compare::Options {
        threshold: compare::parse_threshold(&args.threshold)?,
        alpha: args.alpha,
        metrics: args.metric.iter().map(|m| m.parse()).collect::<Result<_, _>>()?,
    };
    let read = |path: &Path| -> Result<wasmbench_data::Results> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        wasmbench_data::Results::from_json(&text).with_context(|| format!("reading {}", path.display()))
    };
    let comparison = compare::compare(&read(&args.baseline)?, &read(&args.new)?, &options)?;
    let report = compare::markdown(&comparison, &args.baseline.display().to_string(), &args.new.display().to_string());
    let output = args
        .output
        .unwrap_or_else(|| args.new.parent().unwrap_or(Path::new(".")).join("compare.md"));
    wasmbench_report::write_atomically(&output, report.as_bytes())
        .with_context(|| format!("writing {}", output.display()))?;
    print!("{report}");
    eprintln!("wasmbench: wrote {}", output.display());
    if comparison.fails(args.strict) {
        let why = if comparison.count(&compare::Verdict::Slower) > 0 {
            format!("{} significant regressions beyond {}", comparison.count(&compare::Verdict::Slower), args.threshold)
        } else {
            "cells missing or failed (--strict)".to_string()
        };
        if args.warn_only {
            eprintln!("wasmbench: {why} (reported only: --warn-only)");
        } else {
            eprintln!("wasmbench: FAIL: {why}");
            std::process::exit(1);
        }
    }
    Ok(())
}

fn positive_seconds(flag: &str, secs: f64) -> Result<Duration> {
    if !(secs.is_finite() && secs > 0.0) {
        bail!("{flag} must be a positive number of seconds, got {secs}");
    }
    Ok(Duration::from_secs_f64(secs))
}

fn validate_cmd(args: ValidateArgs) -> Result<()> {
    let deadline = positive_seconds("--deadline", args.deadline)?;
    // Bare modules need no manifest; the default one is used when it exists.
    let manifest = match (&args.manifest, args.paths.is_empty()) {
        (Some(path), _) => Some(Manifest::load(path)?),
        (None, true) => Some(load_manifest(None)?),
        (None, false) => Manifest::load(&default_manifest_path()).ok(),
    };
    let backend = match &args.backend {
        Some(name) => name.parse::<BackendId>()?,
        None => *BackendId::available()
            .iter()
            .find(|b| !b.runs_javascript())
            .context("this binary has no WebAssembly backend compiled in")?,
    };
    let mut failed = 0;
    let targets = validate::targets(&args.paths, manifest.as_ref());
    for target in &targets {
        if target.language.as_deref() == Some("js") {
            continue;
        }
        let report = validate::check(target, backend, deadline);
        let about = report
            .info
            .as_ref()
            .map(|i| {
                let features = if i.features.is_empty() { "mvp".to_string() } else { i.features.join("+") };
                format!("{} bytes, {features}", i.size)
            })
            .unwrap_or_default();
        let what = target.language.as_deref().map(|l| format!("{l}, ")).unwrap_or_default();
        match &report.result {
            Ok(()) if report.output_checked => {
                println!("ok      {} ({what}{about}; output verified on {backend})", report.path.display())
            }
            Ok(()) => println!(
                "ok      {} ({what}{about}; contract only: no expected output known)",
                report.path.display()
            ),
            Err(f) => {
                failed += 1;
                println!("FAILED  {}: {}: {}", report.path.display(), f.kind, f.message.lines().next().unwrap_or(""));
            }
        }
    }
    if failed > 0 {
        eprintln!("wasmbench: {failed} of {} modules failed validation", targets.len());
        std::process::exit(1);
    }
    Ok(())
}

fn load_manifest(path: Option<&Path>) -> Result<Manifest> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(default_manifest_path);
    Ok(Manifest::load(&path)?)
}

fn serve_worker() -> Result<()> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("reading the worker request from stdin")?;
    let request: worker::Request =
        serde_json::from_slice(&input).context("parsing the worker request")?;
    let response = worker::serve(&request);
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &response).context("writing the worker response")?;
    stdout.flush().context("writing the worker response")?;
    Ok(())
}

fn list(manifest: &Manifest) -> Result<()> {
    println!("Backends:");
    println!("  {:<20} {:<12} {:<26} {:<10} about", "name", "kind", "runtime", "built in");
    for &b in BackendId::ALL {
        let (built, about) = match b.unavailable_reason() {
            None => ("yes", b.about().to_string()),
            Some(reason) => ("no", format!("{} ({reason})", b.about())),
        };
        println!(
            "  {:<20} {:<12} {:<26} {:<10} {}",
            b.name(),
            b.kind().as_str(),
            format!("{} {}", b.runtime_crate(), b.runtime_version()),
            built,
            about
        );
    }
    println!("\nWorkloads ({}):", manifest.path.display());
    println!("  {:<12} {:<11} {:<24} description", "name", "shape", "languages");
    for w in &manifest.workloads {
        let langs: Vec<&str> = w.modules.iter().map(|m| m.language.as_str()).collect();
        println!(
            "  {:<12} {:<11} {:<24} {}",
            w.name,
            w.shape,
            langs.join(","),
            w.description
        );
    }
    println!("\nModules:");
    println!("  {:<12} {:<15} {:>10}  {:<40} toolchain", "workload", "language", "bytes", "features");
    for w in &manifest.workloads {
        for m in &w.modules {
            let (size, features) = match std::fs::read(&m.wasm) {
                Err(e) => ("?".to_string(), format!("unreadable: {e}")),
                Ok(code) if m.language == "js" => (code.len().to_string(), "javascript".into()),
                Ok(code) => match wasmbench_runtimes::ModuleInfo::of(&code) {
                    Ok(i) if i.features.is_empty() => (i.size.to_string(), "mvp".into()),
                    Ok(i) => (i.size.to_string(), i.features.join(",")),
                    Err(e) => (code.len().to_string(), e.to_string()),
                },
            };
            println!("  {:<12} {:<15} {:>10}  {:<40} {}", w.name, m.language, size, features, m.toolchain);
        }
    }
    Ok(())
}

/// How the cells' samples are spread over rounds (one round for instruction counts, which
/// do not vary between processes).
fn rounds(args: &RunArgs) -> Result<run::Rounds> {
    if args.measure == run::Measure::Instructions {
        return Ok(run::Rounds::default());
    }
    let fixed = args.rounds.unwrap_or(3);
    if fixed == 0 {
        bail!("--rounds must be at least 1");
    }
    let precision_pct = args.precision.unwrap_or(2.0);
    if !precision_pct.is_finite() || precision_pct < 0.0 {
        bail!("--precision must be a percentage ≥ 0 (0 turns extra rounds off), not {precision_pct}");
    }
    if let Some(max) = args.max_rounds.filter(|&m| m < fixed) {
        bail!("--max-rounds ({max}) is smaller than --rounds ({fixed})");
    }
    let max = args.max_rounds.unwrap_or(if args.quick { 24 } else { 12 }).max(fixed);
    Ok(run::Rounds { fixed, precision_pct, max })
}

fn run_cmd(args: RunArgs) -> Result<()> {
    let manifest = match &args.dir {
        Some(dir) => Manifest::from_dir(dir)?,
        None => load_manifest(args.manifest.as_deref())?,
    };
    let plan = plan(&args, &manifest)?;
    let deadline = positive_seconds("--deadline", args.deadline)?;
    let (cold, warm, min, warmup, budget) = match (args.measure, args.quick) {
        (run::Measure::Instructions, _) => (1, 0, 1, 0, 5.0),
        (_, true) => (3, 15, 6, 1, 3.0),
        (_, false) => (10, 30, 3, 3, 5.0),
    };
    let rounds = rounds(&args)?;
    if args.measure == run::Measure::Instructions {
        let version = wasmbench::callgrind::check_valgrind().map_err(anyhow::Error::msg)?;
        eprintln!("wasmbench: counting instructions of the execute phase with {version}");
    }
    let settings = Settings {
        cold_samples: args.cold_samples.unwrap_or(cold),
        warm_samples: args.samples.unwrap_or(warm),
        min_samples: args.min_samples.unwrap_or(min),
        max_time: positive_seconds("--max-time", args.max_time.unwrap_or(budget))?,
        warmup: args.warmup.unwrap_or(warmup),
        limits: Limits {
            deadline,
            max_memory_bytes: args.max_memory_mib.saturating_mul(1 << 20),
            max_output_bytes: usize::try_from(args.max_output_kib.saturating_mul(1024))
                .context("--max-output-kib is too large")?,
        },
        compile_deadline: positive_seconds("--compile-deadline", args.compile_deadline)?,
        instance_counts: if args.quick { vec![1, 10] } else { vec![1, 10, 100] },
        concurrency: match args.concurrency.as_slice() {
            [] if args.quick => vec![1, 2],
            [] => vec![1, 2, 4],
            [0] => Vec::new(),
            levels if levels.contains(&0) => bail!("--concurrency: 0 turns throughput off and cannot be combined with other levels"),
            levels => levels.to_vec(),
        },
        throughput_time: positive_seconds(
            "--throughput-time",
            args.throughput_time.unwrap_or(if args.quick { 0.3 } else { 1.0 }),
        )?,
        external: external_clis(&args)?,
        order_seed: match args.order {
            Order::Planned => None,
            Order::Shuffled => Some(args.seed.unwrap_or_else(rand::random)),
        },
        worker_exe: std::env::current_exe().context("locating the wasmbench executable")?,
        measure: args.measure,
        rounds,
    };
    if settings.cold_samples + settings.warm_samples == 0 {
        bail!("nothing to measure: --samples and --cold-samples are both 0");
    }
    let checkout = manifest.path.parent().unwrap_or(Path::new("."));
    let env = environment::collect(checkout);
    let exporters = wasmbench_report::default_exporters();
    let out = args.output.clone();
    if let Some(scenario) = &args.scenario {
        if scenario != "http" {
            bail!("unknown scenario `{scenario}`; valid scenarios: http");
        }
        let http = scenario_http::HttpSettings {
            cold_samples: settings.cold_samples,
            warm_samples: settings.warm_samples,
            warmup: settings.warmup,
            step: settings.max_time,
            limits: settings.limits.clone(),
            max_concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
            worker_exe: settings.worker_exe.clone(),
        };
        let plan: Vec<CellPlan> = plan.into_iter().filter(|c| !c.backend.runs_javascript()).collect();
        let config = run::config(&plan, &settings);
        let results = scenario_http::run(&plan, &http, config, env, &mut |results| {
            wasmbench_report::write_all(results, &out, &exporters)
                .with_context(|| format!("writing results to {}", out.display()))?;
            Ok(())
        })?;
        return finish(&results, &out, &scenario_http::table(&results), !args.no_charts);
    }
    let rounds = settings.rounds;
    let extra = if rounds.precision_pct > 0.0 && rounds.max > rounds.fixed {
        format!(", up to {} for a warm median less precise than ±{}%", rounds.max, rounds.precision_pct)
    } else {
        String::new()
    };
    eprintln!(
        "wasmbench: {} cells ({} cold + {} warm samples each, over {} round{}{extra}) → {}",
        plan.len(),
        settings.cold_samples,
        settings.warm_samples,
        rounds.fixed,
        if rounds.fixed == 1 { "" } else { "s" },
        out.display()
    );
    let results = run::run(&plan, &settings, env, &mut |results| {
        wasmbench_report::write_all(results, &out, &exporters)
            .with_context(|| format!("writing results to {}", out.display()))?;
        Ok(())
    })?;
    finish(&results, &out, &wasmbench_report::table::summary_table(&results), !args.no_charts)
}

/// Print the summary table and warnings of a finished run; exit 1 when some cells failed.
fn finish(results: &wasmbench_data::Results, out: &Path, table: &str, charts: bool) -> Result<()> {
    print!("{table}");
    let noisy = wasmbench_report::table::noise_warnings(results);
    if !noisy.is_empty() {
        eprintln!("wasmbench: {} noisy measurements (coefficient of variation > 10%):", noisy.len());
        for line in noisy.iter().take(12) {
            eprintln!("  {line}");
        }
        if noisy.len() > 12 {
            eprintln!("  … and {} more (see cv in results.csv)", noisy.len() - 12);
        }
    }
    wasmbench::report::after_run(results, out, charts);
    let failed = results.cells.iter().filter(|c| c.error.is_some()).count();
    eprintln!(
        "wasmbench: wrote {} and {}",
        out.join("results.csv").display(),
        out.join("results.json").display()
    );
    if failed > 0 {
        eprintln!("wasmbench: {failed} of {} cells failed (see the status column)", results.cells.len());
        std::process::exit(1);
    }
    Ok(())
}

/// The external CLIs to add reference rows from: those named with --backend (which must
/// be installed), else every installed one unless --no-external.
fn external_clis(args: &RunArgs) -> Result<Vec<(ExternalCli, String)>> {
    let named: Vec<ExternalCli> = args.backend.iter().filter_map(|n| ExternalCli::parse(n)).collect();
    if !named.is_empty() {
        return named
            .into_iter()
            .map(|cli| match cli.detect() {
                Some(version) => Ok((cli, version)),
                None => bail!("backend `{}`: its command-line tool is not on PATH (or is too old)", cli.name()),
            })
            .collect();
    }
    if args.no_external || !args.backend.is_empty() || args.measure == run::Measure::Instructions {
        return Ok(Vec::new());
    }
    Ok(ExternalCli::ALL.iter().filter_map(|&cli| cli.detect().map(|v| (cli, v))).collect())
}

/// The cells to measure: chosen backends × chosen workloads × chosen languages, in
/// workload-major order.
fn plan(args: &RunArgs, manifest: &Manifest) -> Result<Vec<CellPlan>> {
    let backends: Vec<BackendId> = if args.backend.is_empty() {
        BackendId::available()
    } else {
        let mut chosen = Vec::new();
        for name in &args.backend {
            if ExternalCli::parse(name).is_some() {
                continue;
            }
            let id: BackendId = name.parse()?;
            if let Some(reason) = id.unavailable_reason() {
                bail!("backend `{id}` cannot run: {reason}");
            }
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        chosen
    };
    if backends.is_empty() && !args.backend.is_empty() {
        bail!(
            "--backend names only external CLIs; they run the modules of the other backends' \
             cells, so name at least one wasmbench backend too"
        );
    }
    if backends.is_empty() {
        bail!("this binary has no backend compiled in");
    }
    let suite = match (&args.suite, args.all) {
        (Some(name), _) => Some(manifest.suite(name)?),
        (None, false) if args.workload.is_empty() && args.language.is_empty() => {
            manifest.suites.get("default")
        }
        _ => None,
    };
    let chosen_workloads = match (&args.workload, suite) {
        (w, _) if !w.is_empty() => w.clone(),
        (_, Some(s)) => s.workloads.clone(),
        _ => Vec::new(),
    };
    let languages = match (&args.language, suite) {
        (l, _) if !l.is_empty() => l.clone(),
        (_, Some(s)) => s.languages.clone(),
        _ => Vec::new(),
    };
    let workloads: Vec<_> = if chosen_workloads.is_empty() {
        manifest.workloads.iter().collect()
    } else {
        chosen_workloads
            .iter()
            .map(|name| {
                manifest.workload(name).with_context(|| {
                    format!(
                        "unknown workload `{name}` in {}; known: {}",
                        manifest.path.display(),
                        manifest.names()
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    let mut plan = Vec::new();
    for w in workloads {
        for m in &w.modules {
            if !languages.is_empty() && !languages.contains(&m.language) {
                continue;
            }
            // JavaScript versions run on JavaScript backends only, modules on the others.
            for &backend in backends.iter().filter(|b| b.runs_javascript() == (m.language == "js")) {
                plan.push(CellPlan {
                    backend,
                    workload: w.clone(),
                    module: m.clone(),
                });
            }
        }
    }
    if plan.is_empty() {
        bail!("no cell matches the chosen workloads and languages");
    }
    Ok(plan)
}
