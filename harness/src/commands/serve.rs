//! `wasmbench serve`: the serverless HTTP gateway (request → fresh Wasm instance).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use wasmbench_gateway::{Config, Gateway, Registry};
use wasmbench_runtimes::{BackendId, Limits};

use super::SUCCESS;
use crate::gateway_results::LISTENING;

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
    /// Run each function on the HTTP thread that read its request (no hand-off to a worker
    /// thread; wasmi, wasm3, wamr-interp and V8 only): faster, but a long function holds up
    /// the other connections of its thread until its deadline — use short deadlines
    #[arg(long)]
    pub inline: bool,
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
            inline: self.inline,
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
pub fn execute(args: ServeArgs) -> Result<u8> {
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
        anyhow::Ok(SUCCESS)
    })
}

