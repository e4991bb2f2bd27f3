//! Throughput under concurrency, measured inside one worker process.
//!
//! For each concurrency level `c`, `c` threads each create their *own* engine and prepare
//! the module themselves (backends need not be `Send`: V8 isolates, wasm3 and WAMR handles
//! are tied to their thread), run one discarded warm-up request, wait for each other at a
//! barrier, then run requests back to back — a request is a fresh sandbox (if any) +
//! instance + `_start`, and its output is verified — until the level's duration is over.
//! Requests in flight at the end are completed and counted, so `rate` = completed requests
//! / time from the barrier until the last thread finished. Latencies of every request go
//! into one HdrHistogram per thread, merged per level. Each thread also counts what the
//! kernel did for its requests (`counters.rs`): the per-request costs that explain a rate.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::counters::{self, ThreadCounters};
use super::job::Job;
use crate::failure::Failure;
use crate::protocol::{KernelCounts, Level, Percentiles, MAX_KEPT_SAMPLES};

/// Measure each level in turn.
pub fn measure(job: &Job, levels: &[u32], duration: Duration) -> Result<Vec<Level>, Failure> {
    levels
        .iter()
        .map(|&c| measure_level(job, c.max(1), duration))
        .collect()
}

struct ThreadResult {
    histogram: Histogram<u64>,
    /// (finish time since the barrier, latency) of every request, in order.
    latencies: Vec<(u64, u64)>,
    kernel: KernelCounts,
}

fn measure_level(job: &Job, concurrency: u32, duration: Duration) -> Result<Level, Failure> {
    let barrier = Barrier::new(concurrency as usize);
    let shootdowns_before = counters::tlb_shootdowns();
    let results: Vec<Result<ThreadResult, Failure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..concurrency)
            .map(|_| scope.spawn(|| worker_thread(job, &barrier, duration)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::harness("a throughput worker thread panicked")))
            })
            .collect()
    });
    let shootdowns = counters::tlb_shootdowns().zip(shootdowns_before).map(|(after, before)| after.saturating_sub(before));
    let mut merged = new_histogram()?;
    let mut all = Vec::new();
    let mut kernel = Vec::new();
    for r in results {
        let r = r?;
        merged.add(&r.histogram).map_err(|e| Failure::harness(format!("merging histograms: {e}")))?;
        all.extend(r.latencies);
        kernel.push(r.kernel);
    }
    let kernel = KernelCounts {
        tlb_shootdowns: shootdowns,
        ..counters::total(kernel)
    };
    // The threads leave the barrier together: the level lasted until the last request
    // of any thread finished.
    all.sort_unstable();
    let elapsed_ns = all.last().map_or(0, |&(at, _)| at);
    let stride = all.len().div_ceil(MAX_KEPT_SAMPLES).max(1);
    let latency_samples = all.iter().step_by(stride).map(|&(_, l)| l as f64).collect();
    let q = |p: f64| merged.value_at_quantile(p) as f64;
    Ok(Level {
        concurrency,
        requests: merged.len(),
        elapsed_ns,
        latency: Percentiles {
            min: merged.min() as f64,
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            max: merged.max() as f64,
            mean: merged.mean(),
            stddev: merged.stdev(),
        },
        latency_samples,
        kernel: Some(kernel),
    })
}

/// Nanosecond latencies from 1 ns to 1 hour with 3 significant digits.
fn new_histogram() -> Result<Histogram<u64>, Failure> {
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3)
        .map_err(|e| Failure::harness(format!("creating a histogram: {e}")))
}

fn worker_thread(job: &Job, barrier: &Barrier, duration: Duration) -> Result<ThreadResult, Failure> {
    // Everything before the barrier is set-up, not measured; a failure here must still
    // reach the barrier, or the other threads would wait forever.
    let setup = (|| {
        let backend = job.backend.create(&job.limits)?;
        let module = backend.prepare(job.code())?;
        Ok::<_, Failure>((backend, module))
    })();
    let run = |backend: &dyn wasmbench_runtimes::Backend,
               module: &dyn wasmbench_runtimes::PreparedModule|
     -> Result<(), Failure> {
        let instance = match backend.create_sandbox()? {
            Some(sandbox) => module.instantiate_in(sandbox, &job.input)?,
            None => module.instantiate(&job.input)?,
        };
        let exec = instance.execute()?;
        job.verify(&exec)
    };
    let warmed = setup.and_then(|(b, m)| run(b.as_ref(), m.as_ref()).map(|()| (b, m)));
    barrier.wait();
    let (backend, module) = warmed?;
    let mut histogram = new_histogram()?;
    let mut latencies = Vec::new();
    let counting = ThreadCounters::start();
    let start = Instant::now();
    loop {
        let began = Instant::now();
        run(backend.as_ref(), module.as_ref())?;
        let done = Instant::now();
        let latency = u64::try_from((done - began).as_nanos()).unwrap_or(u64::MAX).max(1);
        histogram.saturating_record(latency);
        latencies.push((u64::try_from((done - start).as_nanos()).unwrap_or(u64::MAX), latency));
        if done - start >= duration {
            break;
        }
    }
    Ok(ThreadResult {
        histogram,
        latencies,
        kernel: counting.stop(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_requests_per_second() {
        let level = Level {
            concurrency: 2,
            requests: 50,
            elapsed_ns: 500_000_000,
            latency: Percentiles::default(),
            latency_samples: vec![],
            kernel: None,
        };
        assert_eq!(level.rate(), 100.0);
    }
}
