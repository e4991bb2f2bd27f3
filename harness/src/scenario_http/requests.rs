//! The measurements of one cell through its gateway: first requests (cold), sequential
//! requests (warm), and the highest sustainable rate.

use std::time::{Duration, Instant};

use wasmbench_data::{Cell, CellError, ErrorKind, Measurement, Phase, Unit};
use wasmbench_gateway::load::{self, Client, LoadSpec};
use wasmbench_runtimes::ModuleInfo;

use super::exchange::Exchange;
use super::server::Server;
use super::{fail, HttpSettings};
use crate::gateway_results::{http_measurement, load_measurements};
use crate::plan::CellPlan;
use crate::stats::summarize;

/// Rate steps, as fractions of the saturation throughput.
const STEPS: [f64; 6] = [0.25, 0.5, 0.7, 0.85, 1.0, 1.15];

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


pub(super) async fn measure_cell(cell: &CellPlan, settings: &HttpSettings, out: &mut Cell) -> Result<Vec<Measurement>, CellError> {
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
    let mut measurements = Vec::new();
    measurements.extend(first_requests(cell, settings, &exchange).await?);
    // Warm: sequential requests on one gateway that compiled the module at start-up (on
    // every worker thread, for backends that run per thread).
    let server = Server::start(cell, settings, true)?;
    let warm = sequential_requests(&server, settings, &exchange).await?;
    let warm_median = summarize(&warm).map_or(0.0, |s| s.median);
    measurements.extend(http_measurement(Phase::Request, Unit::Nanoseconds, warm, Some(1)));
    let (best, saturation) = sustainable_rate(cell, settings, &server, &exchange, warm_median).await?;
    drop(server);
    match best {
        Some(report) => measurements.extend(load_measurements(&report)),
        None => eprintln!("wasmbench: http: {}: no rate step was sustained; no rate recorded", cell.id()),
    }
    out.flags.push(format!("saturation-probe={saturation:.1}/s"));
    Ok(measurements)
}

/// Cold: a fresh gateway per sample; its first request compiles the module.
async fn first_requests(cell: &CellPlan, settings: &HttpSettings, exchange: &Exchange) -> Result<Option<Measurement>, CellError> {
    let timeout = request_timeout(settings);
    let mut cold = Vec::new();
    for _ in 0..settings.cold_samples {
        let server = Server::start(cell, settings, false)?;
        let mut client = server.client(exchange).await?;
        client
            .connect()
            .await
            .map_err(|e| fail(ErrorKind::Harness, format!("connecting to the gateway: {e}")))?;
        cold.push(timed_request(&mut client, exchange, timeout).await?);
        drop(server);
    }
    Ok(http_measurement(Phase::FirstRequest, Unit::Nanoseconds, cold, Some(1)))
}

/// Warm: after the warm-up, sequential requests over one keep-alive connection.
async fn sequential_requests(server: &Server, settings: &HttpSettings, exchange: &Exchange) -> Result<Vec<f64>, CellError> {
    let timeout = request_timeout(settings);
    let mut client = server.client(exchange).await?;
    for _ in 0..settings.warmup.max(1) {
        timed_request(&mut client, exchange, timeout).await?;
    }
    let mut warm = Vec::new();
    for _ in 0..settings.warm_samples {
        warm.push(timed_request(&mut client, exchange, timeout).await?);
    }
    Ok(warm)
}

/// Rate: saturation probe, then open-loop steps up to the first that is not sustained.
/// The report of the highest sustained step, and the saturation throughput.
async fn sustainable_rate(
    cell: &CellPlan,
    settings: &HttpSettings,
    server: &Server,
    exchange: &Exchange,
    warm_median: f64,
) -> Result<(Option<load::LoadReport>, f64), CellError> {
    let timeout = request_timeout(settings);
    let connections = settings.max_concurrent * 2;
    let saturation = probe(server, exchange, connections, settings.step, timeout).await?;
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
    Ok((best, saturation))
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
