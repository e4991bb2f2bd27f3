//! An open-loop HTTP load generator (`wasmbench load`).
//!
//! A pacer thread issues one ticket per request at the *intended* send times of a
//! constant arrival rate (sleeping with the OS clock, not tokio's 1 ms timer wheel);
//! `connections` keep-alive HTTP/1.1 connections take tickets from one queue as they become
//! free. Latency is measured from the ticket's intended send time, so a slow server shows up
//! as latency instead of silently lowering the offered rate (no coordinated omission).
//! Tickets still unsent when the run ends plus the request timeout are counted as timeouts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::{mpsc, Mutex};

mod client;

pub use client::{Bytes, Client, Reply, RequestError, Target};

/// Error before any request is sent.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid URL `{url}`: {why}")]
    Url { url: String, why: String },
    #[error("resolving {host}: {source}")]
    Resolve { host: String, source: std::io::Error },
    #[error("--rate must be a positive number of requests per second, got {0}")]
    Rate(f64),
    #[error("--connections must be at least 1")]
    Connections,
    #[error("the load generator's pacer thread could not start: {0}")]
    Pacer(std::io::Error),
    #[error("starting the load generator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub url: String,
    /// Requests per second offered, at constant intervals.
    pub rate: f64,
    pub duration: Duration,
    pub connections: usize,
    /// Sent as a POST body; `None` sends GETs.
    pub body: Option<Bytes>,
    /// Per-request timeout (and how long after the end queued requests may still go out).
    pub timeout: Duration,
    /// When given, a 2xx response whose body differs counts as an error (`wrong-body`).
    pub expect_body: Option<Bytes>,
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Percentiles {
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// The result of a load run (the JSON `wasmbench load --json` writes).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LoadReport {
    pub url: String,
    pub target_rate: f64,
    pub duration_s: f64,
    pub connections: usize,
    /// Requests offered (tickets issued by the pacer).
    pub offered: u64,
    /// Responses received (any status).
    pub responses: u64,
    /// Responses with a 2xx status (and the expected body, when one was given).
    pub ok: u64,
    /// From the first intended send time to the last response, in seconds.
    pub elapsed_s: f64,
    /// `ok / elapsed_s`.
    pub achieved_rate: f64,
    /// `responses / elapsed_s`.
    pub response_rate: f64,
    /// Latency of every response, measured from its intended send time, in microseconds.
    pub latency_us: Percentiles,
    /// Requests that failed, by kind: `connect`, `io`, `timeout`, `wrong-body`, `http-NNN`.
    pub errors: BTreeMap<String, u64>,
    /// Responses by status code.
    pub status: BTreeMap<u16, u64>,
    /// Raw latencies of the `ok` responses, in nanoseconds, in completion order (kept for
    /// the harness's statistics; not written to JSON).
    #[serde(skip)]
    pub ok_latencies_ns: Vec<u64>,
}

impl LoadReport {
    pub fn errors_total(&self) -> u64 {
        self.errors.values().sum()
    }

    /// A few lines for people.
    pub fn summary(&self) -> String {
        let l = &self.latency_us;
        let errors = if self.errors.is_empty() {
            "none".to_string()
        } else {
            self.errors.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
        };
        format!(
            "{url}: offered {offered} requests at {rate:.1}/s for {dur:.1} s over {c} connections\n\
             responses {resp}, ok {ok}; achieved {ach:.1} ok/s ({pct:.1}% of target) over {el:.2} s\n\
             latency from intended send (µs): p50 {p50:.0}  p90 {p90:.0}  p99 {p99:.0}  p99.9 {p999:.0}  max {max:.0}  mean {mean:.0}\n\
             errors: {errors}\n",
            url = self.url,
            offered = self.offered,
            rate = self.target_rate,
            dur = self.duration_s,
            c = self.connections,
            resp = self.responses,
            ok = self.ok,
            ach = self.achieved_rate,
            pct = 100.0 * self.achieved_rate / self.target_rate,
            el = self.elapsed_s,
            p50 = l.p50,
            p90 = l.p90,
            p99 = l.p99,
            p999 = l.p999,
            max = l.max,
            mean = l.mean,
        )
    }
}

struct Tally {
    histogram: Histogram<u64>,
    ok_latencies_ns: Vec<u64>,
    responses: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    status: BTreeMap<u16, u64>,
    last_response: Option<Instant>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            // Auto-resizing, 3 significant digits.
            histogram: Histogram::new(3).unwrap_or_else(|_| unreachable!("3 significant digits are valid")),
            ok_latencies_ns: Vec::new(),
            responses: 0,
            ok: 0,
            errors: BTreeMap::new(),
            status: BTreeMap::new(),
            last_response: None,
        }
    }

    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }

    /// A response to the request intended at `intended`, received at `done`: its latency
    /// counts whatever its status; it is `ok` only with a 2xx status and the expected body.
    fn response(&mut self, reply: &Reply, intended: Instant, done: Instant, expect_body: Option<&Bytes>) {
        let latency = u64::try_from(done.saturating_duration_since(intended).as_nanos()).unwrap_or(u64::MAX);
        self.responses += 1;
        self.last_response = Some(done);
        *self.status.entry(reply.status.as_u16()).or_default() += 1;
        let _ = self.histogram.record(latency.max(1));
        if !reply.status.is_success() {
            self.error(format!("http-{}", reply.status.as_u16()));
        } else if expect_body.is_some_and(|b| *b != reply.body) {
            self.error("wrong-body".into());
        } else {
            self.ok += 1;
            self.ok_latencies_ns.push(latency);
        }
    }

    fn merge(&mut self, other: Tally) {
        let _ = self.histogram.add(&other.histogram);
        self.ok_latencies_ns.extend(other.ok_latencies_ns);
        self.responses += other.responses;
        self.ok += other.ok;
        for (k, n) in other.errors {
            *self.errors.entry(k).or_default() += n;
        }
        for (k, n) in other.status {
            *self.status.entry(k).or_default() += n;
        }
        self.last_response = self.last_response.max(other.last_response);
    }
}

/// [`run`] on a single-threaded runtime of its own, as wrk runs each of its threads: every
/// connection and its HTTP driver share one thread, so a request costs no cross-thread
/// wake-up besides the pacer's. Call it outside any async context (or in `spawn_blocking`).
pub fn run_blocking(spec: &LoadSpec) -> Result<LoadReport, LoadError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)?
        .block_on(run(spec))
}

/// Run `spec` against its URL and report.
pub async fn run(spec: &LoadSpec) -> Result<LoadReport, LoadError> {
    check(spec)?;
    let target = Target::parse(&spec.url).await?;
    let total = (spec.duration.as_secs_f64() * spec.rate).floor().max(1.0) as u64;
    let (tickets_tx, tickets_rx) = mpsc::unbounded_channel::<Instant>();
    let tickets = Arc::new(Mutex::new(tickets_rx));
    // Connect first so that connection set-up is not part of the first latencies.
    let clients = connect_all(&target, spec.connections).await;
    let start = Instant::now() + Duration::from_millis(5);
    let cutoff = start + spec.duration + spec.timeout;
    let pacer = start_pacer(start, Duration::from_secs_f64(1.0 / spec.rate), total, tickets_tx)?;
    let workers: Vec<_> = clients
        .into_iter()
        .map(|client| tokio::spawn(serve_tickets(client, Arc::clone(&tickets), spec.clone(), cutoff)))
        .collect();
    let mut tally = Tally::new();
    for worker in workers {
        match worker.await {
            Ok(t) => tally.merge(t),
            Err(_) => tally.error("io".into()),
        }
    }
    let _ = tokio::task::spawn_blocking(move || pacer.join()).await;
    Ok(report(spec, total, start, tally))
}

fn check(spec: &LoadSpec) -> Result<(), LoadError> {
    if !(spec.rate.is_finite() && spec.rate > 0.0) {
        return Err(LoadError::Rate(spec.rate));
    }
    if spec.connections == 0 {
        return Err(LoadError::Connections);
    }
    Ok(())
}

/// `connections` clients, each connected if it can be (a failed one retries on its first
/// request).
async fn connect_all(target: &Target, connections: usize) -> Vec<Client> {
    let mut clients = Vec::new();
    for _ in 0..connections {
        let mut client = Client::new(target.clone());
        let _ = client.connect().await;
        clients.push(client);
    }
    clients
}

/// The pacer thread: sends the intended send time of request `i`, `start + i * interval`,
/// at that time, `total` times (or until nobody takes tickets any more).
fn start_pacer(
    start: Instant,
    interval: Duration,
    total: u64,
    tickets: mpsc::UnboundedSender<Instant>,
) -> Result<std::thread::JoinHandle<()>, LoadError> {
    std::thread::Builder::new()
        .name("load-pacer".into())
        .spawn(move || {
            for i in 0..total {
                let intended = start + interval.mul_f64(i as f64);
                let now = Instant::now();
                if intended > now {
                    std::thread::sleep(intended - now);
                }
                if tickets.send(intended).is_err() {
                    return;
                }
            }
        })
        .map_err(LoadError::Pacer)
}

/// One connection's worker: takes tickets until the pacer is done, sends a request per
/// ticket (or counts a timeout for tickets taken after `cutoff`) and tallies the outcomes.
async fn serve_tickets(
    mut client: Client,
    tickets: Arc<Mutex<mpsc::UnboundedReceiver<Instant>>>,
    spec: LoadSpec,
    cutoff: Instant,
) -> Tally {
    let mut tally = Tally::new();
    loop {
        let ticket = tickets.lock().await.recv().await;
        let Some(intended) = ticket else { break };
        if Instant::now() > cutoff {
            tally.error(RequestError::Timeout.to_string());
            continue;
        }
        let result = client.send_within(spec.body.as_ref(), spec.timeout).await;
        let done = Instant::now();
        match result {
            Err(e) => tally.error(e.to_string()),
            Ok(reply) => tally.response(&reply, intended, done, spec.expect_body.as_ref()),
        }
    }
    tally
}

/// The report of a run that started at `start` and offered `total` requests.
fn report(spec: &LoadSpec, total: u64, start: Instant, tally: Tally) -> LoadReport {
    let elapsed = tally
        .last_response
        .map_or(spec.duration, |last| last.saturating_duration_since(start))
        .max(spec.duration)
        .as_secs_f64();
    LoadReport {
        url: spec.url.clone(),
        target_rate: spec.rate,
        duration_s: spec.duration.as_secs_f64(),
        connections: spec.connections,
        offered: total,
        responses: tally.responses,
        ok: tally.ok,
        elapsed_s: elapsed,
        achieved_rate: tally.ok as f64 / elapsed,
        response_rate: tally.responses as f64 / elapsed,
        latency_us: percentiles_us(&tally.histogram),
        errors: tally.errors,
        status: tally.status,
        ok_latencies_ns: tally.ok_latencies_ns,
    }
}

/// The latency percentiles of a histogram of nanoseconds, in microseconds (all 0 when empty).
fn percentiles_us(h: &Histogram<u64>) -> Percentiles {
    if h.is_empty() {
        return Percentiles::default();
    }
    let us = |ns: u64| ns as f64 / 1000.0;
    Percentiles {
        min: us(h.min()),
        mean: h.mean() / 1000.0,
        p50: us(h.value_at_quantile(0.5)),
        p90: us(h.value_at_quantile(0.9)),
        p99: us(h.value_at_quantile(0.99)),
        p999: us(h.value_at_quantile(0.999)),
        max: us(h.max()),
    }
}
