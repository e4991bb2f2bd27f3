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
//! The load generator shares the machine with the gateway: on a small machine the rate is
//! that of gateway and client together, as with any loopback measurement.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasmbench_data::{Cell, CellError, Environment, ErrorKind, Measurement, Mode, Phase, Results, RunConfig, Unit};
use wasmbench_gateway::load::{self, Bytes, Client, LoadSpec, Reply, Target};
use wasmbench_runtimes::{Limits, ModuleInfo};

use crate::gateway_cli::{http_measurement, load_measurements, LISTENING};
use crate::run::{CellPlan, Checkpoint};
use crate::stats::summarize;

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
}

/// Time a gateway gets to start (engine creation; V8 initialisation).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Rate steps, as fractions of the saturation throughput.
const STEPS: [f64; 6] = [0.25, 0.5, 0.7, 0.85, 1.0, 1.15];

/// Measure every planned cell through the gateway; failed cells are recorded with their error.
pub fn run(
    plan: &[CellPlan],
    settings: &HttpSettings,
    config: RunConfig,
    environment: Environment,
    checkpoint: &mut Checkpoint<'_>,
) -> Result<Results> {
    let mut results = Results::new(environment, config);
    results.missing = plan.iter().map(CellPlan::id).collect();
    checkpoint(&results)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    for cell in plan {
        eprintln!("wasmbench: http: {}", cell.id());
        let mut out = Cell {
            id: cell.id(),
            kind: cell.backend.kind(),
            flags: vec![format!("gateway-max-concurrent={}", settings.max_concurrent)],
            module_bytes: 0,
            module_features: Vec::new(),
            artifact_bytes: None,
            error: None,
            measurements: Vec::new(),
        };
        match rt.block_on(measure_cell(cell, settings, &mut out)) {
            Ok(measurements) => out.measurements = measurements,
            Err(failure) => {
                eprintln!("✗ {}: {}: {}", cell.id(), failure.kind, failure.message);
                out.error = Some(failure);
            }
        }
        results.missing.retain(|id| *id != out.id);
        results.cells.push(out);
        checkpoint(&results)?;
    }
    results.environment.load_average_after = crate::environment::load_average();
    results.complete = true;
    checkpoint(&results)?;
    Ok(results)
}

/// A Markdown table of the `http` cells: median first request, median and p99 request
/// latency, sustainable rate.
pub fn table(results: &Results) -> String {
    use wasmbench_report::table::format_ns;
    let mut out = String::from(
        "| backend | kind | workload | lang | first request | request p50 | request p99 | sustainable rate | status |\n\
         |---|---|---|---|---:|---:|---:|---:|---|\n",
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
        let rate = find(Phase::Rate, false).map_or_else(
            dash,
            |m| format!("{:.0}/s (c{})", m.summary.median, m.concurrency.unwrap_or(0)),
        );
        let status = cell.error.as_ref().map_or_else(
            || "ok".to_string(),
            |e| format!("{}: {}", e.kind, e.message.lines().next().unwrap_or("")),
        );
        out.push_str(&format!(
            "| {} | {} | {} | {} | {first} | {p50} | {p99} | {rate} | {} |\n",
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

/// What a correct response looks like, and how to ask for it.
struct Exchange {
    path_and_query: String,
    body: Option<Bytes>,
    expected_stdout: Bytes,
    expected_exit: i32,
}

impl Exchange {
    fn of(cell: &CellPlan) -> Result<Exchange, CellError> {
        let w = &cell.workload;
        if !w.args.is_empty() {
            return Err(fail(ErrorKind::Unsupported, "the gateway passes no program arguments; this workload needs some"));
        }
        let query: Vec<String> = w.env.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        let mut path_and_query = format!("/fn/{}", w.name);
        if !query.is_empty() {
            path_and_query = format!("{path_and_query}?{}", query.join("&"));
        }
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| fail(ErrorKind::Io, format!("reading {}: {e}", p.display())))
        };
        Ok(Exchange {
            path_and_query,
            body: Some(Bytes::from(w.stdin.as_deref().map(read).transpose()?.unwrap_or_default())),
            expected_stdout: Bytes::from(read(&w.expected_stdout)?),
            expected_exit: w.expected_exit,
        })
    }

    fn check(&self, reply: &Reply) -> Result<(), CellError> {
        let exit = match reply.status.as_u16() {
            200 => 0,
            500 => reply
                .headers
                .get("x-wasm-exit-code")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| response_error(reply))?,
            _ => return Err(response_error(reply)),
        };
        if exit != self.expected_exit {
            return Err(fail(ErrorKind::WrongOutput, format!("exit code {exit}, expected {}", self.expected_exit)));
        }
        if reply.body != self.expected_stdout {
            return Err(fail(
                ErrorKind::WrongOutput,
                format!("response body ({} bytes) differs from the expected stdout ({} bytes)", reply.body.len(), self.expected_stdout.len()),
            ));
        }
        Ok(())
    }
}

fn response_error(reply: &Reply) -> CellError {
    let kind = match reply.headers.get("x-wasm-error").and_then(|v| v.to_str().ok()) {
        Some("timeout") => ErrorKind::Timeout,
        Some("trap") => ErrorKind::Trap,
        Some("resource-limit") => ErrorKind::ResourceLimit,
        Some("invalid") => ErrorKind::Invalid,
        Some("unlinkable") => ErrorKind::Unlinkable,
        Some("unsupported") => ErrorKind::Unsupported,
        _ => ErrorKind::Harness,
    };
    let body = String::from_utf8_lossy(&reply.body);
    fail(kind, format!("HTTP {}: {}", reply.status, body.trim()))
}

/// Percent-encode a query component.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A `wasmbench serve` child process, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(cell: &CellPlan, settings: &HttpSettings, eager: bool) -> Result<Server, CellError> {
        let mut command = Command::new(&settings.worker_exe);
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--backend", cell.backend.name()])
            .arg("--fn")
            .arg(format!("{}={}", cell.workload.name, cell.module.wasm.display()))
            .args(["--deadline", &settings.limits.deadline.as_secs_f64().to_string()])
            .args(["--max-memory-mib", &(settings.limits.max_memory_bytes >> 20).max(1).to_string()])
            .args(["--max-output-kib", &(settings.limits.max_output_bytes >> 10).max(1).to_string()])
            .args(["--max-concurrent", &settings.max_concurrent.to_string()])
            // Requests over the cap queue (up to the deadline) rather than get 503: the rate
            // steps find where latency, not the queue, gives out.
            .args(["--queue-timeout-ms", &settings.limits.deadline.as_millis().to_string()])
            .args(eager.then_some("--eager"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .map_err(|e| fail(ErrorKind::Harness, format!("starting {}: {e}", settings.worker_exe.display())))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(fail(ErrorKind::Harness, "no stdout from the gateway"));
        };
        // Read the start-up line on a thread, so that a gateway that hangs cannot hang us.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut reader = BufReader::new(stdout);
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the gateway never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut server = Server { child, url: String::new() };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) if line.starts_with(LISTENING) => {
                let addr = line[LISTENING.len()..].split_whitespace().next().unwrap_or("");
                server.url = format!("http://{addr}");
                Ok(server)
            }
            Ok(line) => Err(fail(
                ErrorKind::Harness,
                format!("the gateway did not start (said {:?}; its error is on stderr above)", line.trim()),
            )),
            Err(_) => Err(fail(ErrorKind::Harness, "the gateway did not start within 60 s")),
        }
    }

    async fn client(&self, exchange: &Exchange) -> Result<Client, CellError> {
        let target = Target::parse(&format!("{}{}", self.url, exchange.path_and_query))
            .await
            .map_err(|e| fail(ErrorKind::Harness, e.to_string()))?;
        Ok(Client::new(target))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Graceful shutdown on SIGTERM; a gateway still there after its grace is killed.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child process, which we have not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request_timeout(settings: &HttpSettings) -> Duration {
    settings.limits.deadline + Duration::from_secs(5)
}

async fn timed_request(client: &mut Client, exchange: &Exchange, timeout: Duration) -> Result<f64, CellError> {
    let began = Instant::now();
    let reply = client
        .send_within(exchange.body.as_ref(), timeout)
        .await
        .map_err(|e| fail(ErrorKind::Harness, format!("request failed: {e}")))?;
    let took = began.elapsed().as_nanos() as f64;
    exchange.check(&reply)?;
    Ok(took)
}


async fn measure_cell(cell: &CellPlan, settings: &HttpSettings, out: &mut Cell) -> Result<Vec<Measurement>, CellError> {
    if cell.backend.runs_javascript() {
        return Err(fail(ErrorKind::Unsupported, "the gateway runs WASI modules; this backend runs JavaScript"));
    }
    let wasm = std::fs::read(&cell.module.wasm)
        .map_err(|e| fail(ErrorKind::Io, format!("reading {}: {e}", cell.module.wasm.display())))?;
    out.module_bytes = wasm.len() as u64;
    if let Ok(info) = ModuleInfo::of(&wasm) {
        out.module_features = info.features.iter().map(|f| f.to_string()).collect();
    }
    let exchange = Exchange::of(cell)?;
    let timeout = request_timeout(settings);
    let mut measurements = Vec::new();

    // Cold: a fresh gateway per sample; its first request compiles the module.
    let mut cold = Vec::new();
    for _ in 0..settings.cold_samples {
        let server = Server::start(cell, settings, false)?;
        let mut client = server.client(&exchange).await?;
        client
            .connect()
            .await
            .map_err(|e| fail(ErrorKind::Harness, format!("connecting to the gateway: {e}")))?;
        cold.push(timed_request(&mut client, &exchange, timeout).await?);
        drop(server);
    }
    measurements.extend(http_measurement(Phase::FirstRequest, Unit::Nanoseconds, cold, Some(1)));

    // Warm: sequential requests on one gateway that compiled the module at start-up (on
    // every worker thread, for backends that run per thread).
    let server = Server::start(cell, settings, true)?;
    let mut client = server.client(&exchange).await?;
    for _ in 0..settings.warmup.max(1) {
        timed_request(&mut client, &exchange, timeout).await?;
    }
    let mut warm = Vec::new();
    for _ in 0..settings.warm_samples {
        warm.push(timed_request(&mut client, &exchange, timeout).await?);
    }
    let warm_median = summarize(&warm).map_or(0.0, |s| s.median);
    measurements.extend(http_measurement(Phase::Request, Unit::Nanoseconds, warm, Some(1)));

    // Rate: saturation probe, then open-loop steps.
    let connections = settings.max_concurrent * 2;
    let saturation = probe(&server, &exchange, connections, settings.step, timeout).await?;
    let slo_us = (10.0 * warm_median + 100e6) / 1000.0;
    let mut best = None;
    for fraction in STEPS {
        let rate = saturation * fraction;
        // At least 20 requests per step, so slow functions still get a few.
        let duration = settings.step.max(Duration::from_secs_f64(20.0 / rate));
        let spec = LoadSpec {
            url: format!("{}{}", server.url, exchange.path_and_query),
            rate,
            duration,
            connections,
            body: exchange.body.clone(),
            timeout,
            expect_body: (exchange.expected_exit == 0).then(|| exchange.expected_stdout.clone()),
        };
        let report = tokio::task::spawn_blocking(move || load::run_blocking(&spec))
            .await
            .map_err(|e| fail(ErrorKind::Harness, e.to_string()))?
            .map_err(|e| fail(ErrorKind::Harness, e.to_string()))?;
        let sustained = report.errors_total() == 0
            && report.ok == report.offered
            && report.achieved_rate >= 0.95 * rate
            && report.latency_us.p99 <= slo_us;
        eprintln!(
            "wasmbench: http: {}: {:.1}/s offered → {:.1}/s, p99 {:.0} µs{}",
            cell.id(),
            rate,
            report.achieved_rate,
            report.latency_us.p99,
            if sustained { "" } else { " (not sustained)" }
        );
        if !sustained {
            break;
        }
        best = Some(report);
    }
    drop(server);
    match best {
        Some(report) => measurements.extend(load_measurements(&report)),
        None => eprintln!("wasmbench: http: {}: no rate step was sustained; no rate recorded", cell.id()),
    }
    out.flags.push(format!("saturation-probe={saturation:.1}/s"));
    Ok(measurements)
}

/// Closed-loop throughput over `connections` connections for `step`: ok responses per second.
async fn probe(server: &Server, exchange: &Exchange, connections: usize, step: Duration, timeout: Duration) -> Result<f64, CellError> {
    let began = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut client = server.client(exchange).await?;
        let body = exchange.body.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0u64;
            while began.elapsed() < step {
                match client.send_within(body.as_ref(), timeout).await {
                    Ok(reply) if reply.status.is_success() => ok += 1,
                    _ => {}
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap_or(0);
    }
    let secs = began.elapsed().as_secs_f64();
    if ok == 0 {
        return Err(fail(ErrorKind::Harness, "the saturation probe got no successful response"));
    }
    Ok(ok as f64 / secs)
}
