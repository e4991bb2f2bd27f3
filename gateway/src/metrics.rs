//! Counters and a latency histogram, rendered in the Prometheus text exposition format
//! (version 0.0.4) at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
pub const BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Debug, Default)]
struct State {
    /// (function, status code) → requests.
    requests: BTreeMap<(String, u16), u64>,
    /// error kind → requests that ended with it.
    errors: BTreeMap<String, u64>,
    /// "cold" / "warm" → latency of requests that ran a function.
    latency: BTreeMap<&'static str, Histogram>,
}

/// The gateway's metrics. Updates take one short lock.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<State>,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut state)
    }

    /// A request answered with `status`; `function` is `None` when it named no registered
    /// function (its name is not used as a label, so clients cannot grow the label set).
    pub fn request(&self, function: Option<&str>, status: u16) {
        let function = function.unwrap_or("").to_string();
        self.with(|s| *s.requests.entry((function, status)).or_default() += 1);
    }

    /// A request that failed, by kind (`timeout`, `trap`, `overloaded`, `not-found`, ...).
    pub fn error(&self, kind: &str) {
        self.with(|s| *s.errors.entry(kind.to_string()).or_default() += 1);
    }

    /// Latency of a request that ran a function, cold (it compiled the module) or warm.
    pub fn latency(&self, cold: bool, took: Duration) {
        let start = if cold { "cold" } else { "warm" };
        self.with(|s| s.latency.entry(start).or_default().observe(took.as_secs_f64()));
    }

    /// The Prometheus text format; `in_flight` and `capacity` are gauges read by the caller.
    pub fn render(&self, in_flight: usize, capacity: usize) -> String {
        let s = self.with(|s| (s.requests.clone(), s.errors.clone(), s.latency.clone()));
        let (requests, errors, latency) = s;
        let mut out = String::new();
        let _ = writeln!(out, "# HELP wasmbench_gateway_requests_total HTTP requests answered, by function and status.");
        let _ = writeln!(out, "# TYPE wasmbench_gateway_requests_total counter");
        for ((function, status), n) in &requests {
            let _ = writeln!(
                out,
                "wasmbench_gateway_requests_total{{function=\"{function}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP wasmbench_gateway_errors_total Requests that failed, by kind.");
        let _ = writeln!(out, "# TYPE wasmbench_gateway_errors_total counter");
        for (kind, n) in &errors {
            let _ = writeln!(out, "wasmbench_gateway_errors_total{{kind=\"{kind}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP wasmbench_gateway_request_duration_seconds Time from request to response for requests \
             that ran a function; start=\"cold\" when the request compiled the module."
        );
        let _ = writeln!(out, "# TYPE wasmbench_gateway_request_duration_seconds histogram");
        for (start, h) in &latency {
            for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "wasmbench_gateway_request_duration_seconds_bucket{{start=\"{start}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "wasmbench_gateway_request_duration_seconds_bucket{{start=\"{start}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "wasmbench_gateway_request_duration_seconds_sum{{start=\"{start}\"}} {}", h.sum);
            let _ = writeln!(out, "wasmbench_gateway_request_duration_seconds_count{{start=\"{start}\"}} {}", h.count);
        }
        let _ = writeln!(out, "# HELP wasmbench_gateway_instances_in_flight Instances running now.");
        let _ = writeln!(out, "# TYPE wasmbench_gateway_instances_in_flight gauge");
        let _ = writeln!(out, "wasmbench_gateway_instances_in_flight {in_flight}");
        let _ = writeln!(out, "# HELP wasmbench_gateway_instances_max Most instances allowed to run at once.");
        let _ = writeln!(out, "# TYPE wasmbench_gateway_instances_max gauge");
        let _ = writeln!(out, "wasmbench_gateway_instances_max {capacity}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        m.request(Some("hello"), 200);
        m.request(Some("hello"), 200);
        m.request(None, 404);
        m.error("not-found");
        m.latency(true, Duration::from_millis(30));
        m.latency(false, Duration::from_micros(300));
        let text = m.render(1, 4);
        assert!(text.contains("wasmbench_gateway_requests_total{function=\"hello\",status=\"200\"} 2"), "{text}");
        assert!(text.contains("wasmbench_gateway_requests_total{function=\"\",status=\"404\"} 1"), "{text}");
        assert!(text.contains("wasmbench_gateway_errors_total{kind=\"not-found\"} 1"), "{text}");
        assert!(text.contains("request_duration_seconds_bucket{start=\"cold\",le=\"0.025\"} 0"), "{text}");
        assert!(text.contains("request_duration_seconds_bucket{start=\"cold\",le=\"0.05\"} 1"), "{text}");
        assert!(text.contains("request_duration_seconds_bucket{start=\"warm\",le=\"0.0005\"} 1"), "{text}");
        assert!(text.contains("request_duration_seconds_count{start=\"warm\"} 1"), "{text}");
        assert!(text.contains("wasmbench_gateway_instances_in_flight 1"), "{text}");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().expect("value");
            assert!(value.parse::<f64>().is_ok(), "numeric sample value: {line}");
        }
    }
}
