//! The worker protocol: what the harness asks a `wasmbench worker` child process to do
//! ([`Request`], one JSON document on its stdin) and what the worker answers ([`Response`],
//! one JSON document on its stdout). Both sides use these types; neither side's code
//! lives here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use wasmbench_data::{ErrorKind, Phase};

/// Most throughput latency samples kept per level for the long-format summary (CIs,
/// outliers); the percentiles come from the histogram of all requests.
pub const MAX_KEPT_SAMPLES: usize = 2000;

/// What a worker is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Compile the module to an artifact at `artifact` (AOT backends).
    Precompile,
    /// Engine, prepare, instantiate and execute once each.
    Cold,
    /// Prepare once, then up to `warmup` discarded and up to `samples` measured
    /// (instantiate, execute) pairs, within `max_time_ms` (see [`Request`]).
    Warm,
    /// Requests per second and their latencies with each of `concurrency` worker threads
    /// for `throughput_ms` each (see `crate::worker::throughput`).
    Throughput,
    /// Prepare, instantiate and execute once without verifying: the guest's exit code,
    /// stdout and stderr come back in [`Measured::run`] (conformance tests judge them).
    Run,
}

/// A host directory a request gives the guest, read-only, at a guest path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreopenDir {
    pub host: PathBuf,
    pub guest: String,
}

impl From<&wasmbench_runtimes::Preopen> for PreopenDir {
    fn from(p: &wasmbench_runtimes::Preopen) -> PreopenDir {
        PreopenDir { host: p.host.clone(), guest: p.guest.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub task: Task,
    pub backend: String,
    /// The module: `.wasm`, or `.wat` text (converted before any timing).
    pub module: PathBuf,
    /// AOT: where `precompile` writes the artifact and `prepare` loads it from.
    pub artifact: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub stdin: Option<PathBuf>,
    /// Host directories the guest reads, read-only, each at a guest path (`.`, `/`, …).
    #[serde(default)]
    pub preopens: Vec<PreopenDir>,
    pub expected_stdout: PathBuf,
    /// When given, every execution's stderr must equal this file too (peer suites).
    #[serde(default)]
    pub expected_stderr: Option<PathBuf>,
    pub expected_exit: i32,
    /// Most samples to take.
    pub samples: usize,
    /// Fewest samples to take, even past `max_time_ms`.
    #[serde(default)]
    pub min_samples: usize,
    /// Warm-up executions discarded before sampling (fewer when one is already slow).
    pub warmup: usize,
    /// Time budget of the warm series in milliseconds; 0 means none.
    #[serde(default)]
    pub max_time_ms: u64,
    /// After the warm series: hold this many live instances at once (each count in
    /// turn) and report the resident-memory growth per instance.
    #[serde(default)]
    pub instance_counts: Vec<u32>,
    /// Throughput task: the concurrency levels, and how long each is measured.
    #[serde(default)]
    pub concurrency: Vec<u32>,
    #[serde(default)]
    pub throughput_ms: u64,
    pub deadline_ms: u64,
    /// Longest `prepare` (compiling or loading the module) may take, in milliseconds; 0
    /// means no bound. Past it the worker answers `timeout` and exits, abandoning the
    /// compilation (a compile bomb must not hang a run).
    #[serde(default)]
    pub compile_deadline_ms: u64,
    pub max_memory_bytes: u64,
    pub max_output_bytes: u64,
}

impl Request {
    /// A request for one execution of `module` on `backend`: no input, no directory, no
    /// expected output (`/dev/null`, exit 0), one sample without warm-up, no series, and
    /// the given deadlines (execute and compile) and limits. Callers set what differs with
    /// struct update syntax.
    pub fn one_shot(task: Task, backend: &str, module: PathBuf, deadline_ms: u64, compile_deadline_ms: u64) -> Request {
        Request {
            task,
            backend: backend.to_string(),
            module,
            artifact: None,
            env: Vec::new(),
            args: Vec::new(),
            stdin: None,
            preopens: Vec::new(),
            expected_stdout: PathBuf::from("/dev/null"),
            expected_stderr: None,
            expected_exit: 0,
            samples: 1,
            min_samples: 1,
            warmup: 0,
            max_time_ms: 0,
            instance_counts: Vec::new(),
            concurrency: Vec::new(),
            throughput_ms: 0,
            deadline_ms,
            compile_deadline_ms,
            max_memory_bytes: 0,
            max_output_bytes: 0,
        }
    }
}

/// Nanoseconds spent in each phase of one sample; absent phases were not run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseTimes {
    pub engine: Option<u64>,
    pub precompile: Option<u64>,
    pub prepare: Option<u64>,
    /// Sandbox (V8 isolate) creation, for backends that have one.
    #[serde(default)]
    pub isolate: Option<u64>,
    pub instantiate: Option<u64>,
    pub execute: Option<u64>,
    /// Engine heap in use after execute, in bytes (V8), not a time.
    #[serde(default)]
    pub engine_heap: Option<u64>,
    /// The `bench.start`..`bench.end` region inside execute, for modules that mark one.
    #[serde(default)]
    pub bench_region: Option<u64>,
}

/// What a worker that measured without failing reports, besides the samples of its task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub flags: Vec<String>,
    pub samples: Vec<PhaseTimes>,
    pub artifact_bytes: Option<u64>,
    /// (live instances, resident-memory growth per instance in bytes).
    #[serde(default)]
    pub instance_rss: Vec<(u32, f64)>,
    #[serde(default)]
    pub throughput: Vec<Level>,
    /// The worker's own peak resident set (`VmHWM` of its address space), in bytes.
    /// `wait4`'s `ru_maxrss` cannot give it: at `exec` the kernel records the resident
    /// high-water mark of the address space being replaced, which is the parent's,
    /// so a child's figure never falls below the harness's own size.
    #[serde(default)]
    pub peak_rss_bytes: Option<u64>,
    /// Task `run`: what the guest did.
    #[serde(default)]
    pub run: Option<RunOutput>,
}

/// What one unverified execution produced (task `run`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutput {
    pub exit_code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Measured {
    /// A report with `flags` and nothing measured yet.
    pub fn with_flags(flags: Vec<String>) -> Self {
        Measured {
            flags,
            ..Measured::default()
        }
    }
}

/// The worker's one answer (the JSON object has a `status` field: `ok` or `failed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Response {
    Ok(Measured),
    Failed { kind: ErrorKind, message: String },
}

/// What one concurrency level measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub concurrency: u32,
    /// Verified requests completed.
    pub requests: u64,
    /// From the start barrier until the last worker thread finished.
    pub elapsed_ns: u64,
    /// Percentiles of all requests' latencies, from the merged histogram.
    pub latency: Percentiles,
    /// Latencies of at most [`MAX_KEPT_SAMPLES`] requests, evenly spaced in time order.
    pub latency_samples: Vec<f64>,
    /// What the kernel counted for the level's requests (totals over its threads).
    #[serde(default)]
    pub kernel: Option<KernelCounts>,
}

/// Kernel events over a throughput level, summed over its threads (see
/// `worker/counters.rs`); `None` where this machine does not let the worker count them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KernelCounts {
    pub syscalls: Option<u64>,
    pub mm_syscalls: Option<u64>,
    pub faults: u64,
    pub context_switches: u64,
    pub tlb_shootdowns: Option<u64>,
}

impl Level {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / (self.elapsed_ns.max(1) as f64 / 1e9)
    }

    /// The kernel's counts of the level (those this machine let the worker count), each
    /// divided by the verified requests: the `per-request` rows of a throughput level.
    pub fn per_request(&self) -> Vec<(Phase, f64)> {
        let Some(k) = &self.kernel else { return Vec::new() };
        let requests = self.requests.max(1) as f64;
        [
            (Phase::Syscalls, k.syscalls),
            (Phase::MmSyscalls, k.mm_syscalls),
            (Phase::Faults, Some(k.faults)),
            (Phase::ContextSwitches, Some(k.context_switches)),
            (Phase::TlbShootdowns, k.tlb_shootdowns),
        ]
        .into_iter()
        .filter_map(|(phase, count)| Some((phase, count? as f64 / requests)))
        .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    pub stddev: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_as_json() {
        let req = Request {
            task: Task::Warm,
            backend: "wasmtime-cranelift".into(),
            module: "m.wasm".into(),
            artifact: None,
            env: vec![("INPUT".into(), "1".into())],
            args: vec![],
            stdin: None,
            preopens: vec![PreopenDir { host: "/tmp".into(), guest: ".".into() }],
            expected_stdout: "e".into(),
            expected_stderr: Some("s".into()),
            expected_exit: 0,
            samples: 3,
            min_samples: 1,
            warmup: 1,
            max_time_ms: 0,
            instance_counts: vec![1, 10],
            concurrency: vec![1, 2],
            throughput_ms: 500,
            deadline_ms: 100,
            compile_deadline_ms: 1000,
            max_memory_bytes: 1,
            max_output_bytes: 1,
        };
        let text = serde_json::to_string(&req).expect("json");
        assert_eq!(serde_json::from_str::<Request>(&text).expect("parse"), req);
    }

    #[test]
    fn responses_keep_their_json_shape() {
        let ok = Response::Ok(Measured {
            peak_rss_bytes: Some(7),
            ..Measured::with_flags(vec!["f".into()])
        });
        let text = serde_json::to_string(&ok).expect("json");
        assert!(text.starts_with(r#"{"status":"ok","flags":["f"]"#), "{text}");
        assert_eq!(serde_json::from_str::<Response>(&text).expect("parse"), ok);
        let failed = Response::Failed { kind: ErrorKind::Timeout, message: "m".into() };
        let text = serde_json::to_string(&failed).expect("json");
        assert_eq!(text, r#"{"status":"failed","kind":"timeout","message":"m"}"#);
    }

    #[test]
    fn run_outputs_are_additive() {
        let ran = Response::Ok(Measured {
            run: Some(RunOutput { exit_code: 42, stdout: b"ok\n".to_vec(), stderr: Vec::new() }),
            ..Measured::default()
        });
        let text = serde_json::to_string(&ran).expect("json");
        assert_eq!(serde_json::from_str::<Response>(&text).expect("parse"), ran);
        // An answer without the field (any other task) still parses.
        let old = r#"{"status":"ok","flags":[],"samples":[],"artifact_bytes":null}"#;
        let Response::Ok(m) = serde_json::from_str::<Response>(old).expect("parse") else { panic!("ok expected") };
        assert_eq!(m.run, None);
        assert_eq!(serde_json::to_string(&Task::Run).expect("json"), r#""run""#);
    }
}
