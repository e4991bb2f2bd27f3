//! `wasmbench serve` and `wasmbench load`: the command-line side of the gateway crate.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use wasmbench_data::{BackendKind, Cell, CellId, Environment, Measurement, Mode, Phase, Results, RunConfig, Unit};
use wasmbench_gateway::load::{self, Bytes, LoadReport, LoadSpec};
use wasmbench_gateway::{Config, Gateway, Registry};
use wasmbench_runtimes::{BackendId, Limits};

use crate::stats::summarize;

/// The line `serve` prints once it accepts connections (the `http` scenario waits for it).
pub const LISTENING: &str = "wasmbench serve: listening on http://";

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port, printed at start-up)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Backend that runs the functions
    #[arg(long, short, default_value = "wasmtime-pooling")]
    pub backend: String,
    /// A function: NAME=PATH.wasm (repeatable)
    #[arg(long = "fn", value_name = "NAME=PATH")]
    pub functions: Vec<String>,
    /// A folder whose *.wasm files are registered under their file stem
    #[arg(long)]
    pub dir: Vec<PathBuf>,
    /// A TOML manifest with a [functions] table of NAME = "path.wasm"
    #[arg(long = "functions", value_name = "MANIFEST")]
    pub manifests: Vec<PathBuf>,
    /// Execution deadline per request, in seconds (504 beyond)
    #[arg(long, default_value_t = 10.0)]
    pub deadline: f64,
    /// Largest linear memory an instance may have, in MiB
    #[arg(long, default_value_t = 128)]
    pub max_memory_mib: u64,
    /// Captured stdout (and stderr) cap per instance, in KiB
    #[arg(long, default_value_t = 1024)]
    pub max_output_kib: u64,
    /// Largest request body, in KiB (413 beyond)
    #[arg(long, default_value_t = 1024)]
    pub max_body_kib: u64,
    /// Most instances running at once [default: number of cores]
    #[arg(long)]
    pub max_concurrent: Option<usize>,
    /// How long a request waits for a free instance slot before 503, in milliseconds
    #[arg(long, default_value_t = 100)]
    pub queue_timeout_ms: u64,
    /// Compile every function at start-up instead of on its first request
    #[arg(long)]
    pub eager: bool,
}

impl ServeArgs {
    pub fn config(&self) -> Result<Config> {
        let backend: BackendId = self.backend.parse()?;
        if let Some(reason) = backend.unavailable_reason() {
            bail!("backend `{backend}` cannot run: {reason}");
        }
        if backend.runs_javascript() {
            bail!("backend `{backend}` runs JavaScript, not WASI modules: the gateway cannot serve it");
        }
        if !(self.deadline.is_finite() && self.deadline > 0.0) {
            bail!("--deadline must be a positive number of seconds, got {}", self.deadline);
        }
        let defaults = Config::default();
        Ok(Config {
            backend,
            limits: Limits {
                deadline: Duration::from_secs_f64(self.deadline),
                max_memory_bytes: self.max_memory_mib.saturating_mul(1 << 20),
                max_output_bytes: usize::try_from(self.max_output_kib.saturating_mul(1024))
                    .context("--max-output-kib is too large")?,
            },
            max_body_bytes: usize::try_from(self.max_body_kib.saturating_mul(1024))
                .context("--max-body-kib is too large")?,
            max_concurrent: self.max_concurrent.unwrap_or(defaults.max_concurrent),
            queue_timeout: Duration::from_millis(self.queue_timeout_ms),
            eager: self.eager,
            grace: defaults.grace,
        })
    }

    pub fn registry(&self) -> Result<Registry> {
        let mut registry = Registry::new();
        for spec in &self.functions {
            registry.add_spec(spec)?;
        }
        for dir in &self.dir {
            registry.add_dir(dir)?;
        }
        for manifest in &self.manifests {
            registry.add_manifest(manifest)?;
        }
        Ok(registry)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

/// `wasmbench serve`: serve until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<()> {
    let config = args.config()?;
    let registry = args.registry()?;
    let names: Vec<String> = registry.names().map(str::to_string).collect();
    if let Err(e) = wasmbench_gateway::raise_open_file_limit() {
        eprintln!("wasmbench serve: could not raise the open-file limit: {e}");
    }
    let rt = runtime()?;
    rt.block_on(async {
        let gateway = Gateway::start(config.clone(), registry, args.listen).await?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{LISTENING}{} (backend {}, {} engine, {} instances at once, functions: {})",
            gateway.local_addr(),
            gateway.backend(),
            gateway.strategy(),
            config.max_concurrent,
            names.join(", ")
        )
        .and_then(|()| out.flush())
        .context("writing to stdout")?;
        drop(out);
        gateway.run_until_signal().await?;
        anyhow::Ok(())
    })
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// URL to load, e.g. http://127.0.0.1:8080/fn/hello?INPUT=x
    pub url: String,
    /// Requests per second, sent at constant intervals whatever the responses do
    #[arg(long)]
    pub rate: f64,
    /// How long to send, in seconds
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Keep-alive connections
    #[arg(long, short, default_value_t = 4)]
    pub connections: usize,
    /// POST this file as the body of every request (GET without)
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// Count 2xx responses whose body differs from this file as errors
    #[arg(long)]
    pub expect_body_file: Option<PathBuf>,
    /// Per-request timeout, in seconds
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Write the report as JSON to this file (`-`: stdout)
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write results.json and results.csv (mode http) to this folder
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `wasmbench load`: exit status 1 when any request failed.
pub fn load_cmd(args: LoadArgs) -> Result<()> {
    let positive = |flag: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            bail!("{flag} must be a positive number of seconds, got {v}")
        }
    };
    let read = |path: &Option<PathBuf>| -> Result<Option<Bytes>> {
        path.as_ref()
            .map(|p| std::fs::read(p).map(Bytes::from).with_context(|| format!("reading {}", p.display())))
            .transpose()
    };
    let spec = LoadSpec {
        url: args.url.clone(),
        rate: args.rate,
        duration: positive("--duration", args.duration)?,
        connections: args.connections,
        body: read(&args.body_file)?,
        timeout: positive("--timeout", args.timeout)?,
        expect_body: read(&args.expect_body_file)?,
    };
    let report = load::run_blocking(&spec)?;
    print!("{}", report.summary());
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)? + "\n";
        if path.as_os_str() == "-" {
            print!("{json}");
        } else {
            std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if let Some(dir) = &args.output {
        let results = load_results(&report, crate::environment::collect(std::path::Path::new(".")));
        wasmbench_report::write_all(&results, dir, &wasmbench_report::default_exporters())
            .with_context(|| format!("writing results to {}", dir.display()))?;
        eprintln!("wasmbench: wrote {} and {}", dir.join("results.csv").display(), dir.join("results.json").display());
    }
    if report.errors_total() > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// The measurements of one load run: per-request latency of the `ok` responses and the
/// achieved rate, at `connections` concurrency.
pub fn load_measurements(report: &LoadReport) -> Vec<Measurement> {
    let concurrency = u32::try_from(report.connections).ok();
    let latencies: Vec<f64> = report.ok_latencies_ns.iter().map(|&ns| ns as f64).collect();
    [
        http_measurement(Phase::Request, Unit::Nanoseconds, latencies, concurrency),
        http_measurement(Phase::Rate, Unit::PerSecond, vec![report.achieved_rate], concurrency),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A mode-`http` measurement of `samples` (none when there are no samples).
pub fn http_measurement(phase: Phase, unit: Unit, samples: Vec<f64>, concurrency: Option<u32>) -> Option<Measurement> {
    summarize(&samples).map(|summary| Measurement {
        mode: Mode::Http,
        phase,
        unit,
        summary,
        samples,
        instances: None,
        concurrency,
    })
}

/// A results document for a `load` run against any URL: one cell, backend `http`.
fn load_results(report: &LoadReport, environment: Environment) -> Results {
    let workload = report
        .url
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("url")
        .to_string();
    let config = RunConfig {
        backends: vec!["http".into()],
        workloads: vec![workload.clone()],
        ..RunConfig::default()
    };
    let mut results = Results::new(environment, config);
    results.cells.push(Cell {
        id: CellId {
            backend: "http".into(),
            workload,
            language: String::new(),
        },
        kind: BackendKind::External,
        flags: vec![
            format!("url={}", report.url),
            format!("target-rate={}", report.target_rate),
            format!("duration-s={}", report.duration_s),
        ],
        module_bytes: 0,
        module_features: Vec::new(),
        artifact_bytes: None,
        error: None,
        measurements: load_measurements(report),
    });
    results.complete = true;
    results
}
