//! Result types of wasmbench, and nothing else.
//!
//! Every other crate produces or consumes these types; none defines its own. A run produces
//! one [`Results`] document (serialised as versioned JSON) holding the raw samples of every
//! (backend, workload, language) cell; [`Results::rows`] flattens it into the long format
//! (one [`Row`] per backend × workload × mode × phase × statistic) that CSV and dashboards use.

mod machine;
mod schema;
mod sentinel;
mod shard;
pub use machine::{Fingerprint, MachineSignals};
pub use schema::{results_schema, results_schema_text, SCHEMA_PATH};
pub use sentinel::{Disturbance, Probe, Sentinel};
pub use shard::Shard;

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the results document. Bump it on any change that an older reader would
/// misread; readers refuse documents of another version with a clear error.
pub const SCHEMA_VERSION: u32 = 1;

/// How a backend executes WebAssembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    /// Optimising just-in-time compiler (e.g. Cranelift).
    Jit,
    /// Single-pass baseline compiler (e.g. Winch, Liftoff, singlepass).
    Baseline,
    /// Interpreter (e.g. Pulley, wasmi, wasm3).
    Interpreter,
    /// Ahead-of-time compiled artifact loaded from disk.
    Aot,
    /// JavaScript engine isolate (V8).
    Isolate,
    /// An external command-line runtime run as a whole process (reference rows only,
    /// e.g. `node` with `node:wasi` or with a workload's JavaScript, the `wasmtime` CLI).
    External,
    /// The workload built for the host (a static x86_64 Linux binary) run as a process:
    /// the baseline WebAssembly is compared with.
    Native,
    /// A process in an OCI container started with `runc` (the native binary, or a Wasm
    /// worker): the usual FaaS sandbox.
    Container,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Jit => "jit",
            BackendKind::Baseline => "baseline",
            BackendKind::Interpreter => "interpreter",
            BackendKind::Aot => "aot",
            BackendKind::Isolate => "isolate",
            BackendKind::External => "external",
            BackendKind::Native => "native",
            BackendKind::Container => "container",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// A fresh child process and a fresh engine per sample: nothing cached.
    Cold,
    /// One process, module prepared once, a fresh instance per sample.
    Warm,
    /// One-off steps done once per cell (e.g. AOT precompilation).
    Once,
    /// Many instances executed for a fixed duration by `concurrency` workers, each with
    /// its own engine and prepared module.
    Throughput,
    /// End to end through the HTTP gateway on loopback.
    Http,
    /// Executed under `valgrind --tool=callgrind`: values are instruction counts, which
    /// do not depend on machine noise.
    Callgrind,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Cold => "cold",
            Mode::Warm => "warm",
            Mode::Once => "once",
            Mode::Throughput => "throughput",
            Mode::Http => "http",
            Mode::Callgrind => "callgrind",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was timed or counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Creating the engine / runtime (configuration, signal handlers, threads).
    Engine,
    /// Ahead-of-time compilation to an artifact (AOT backends only, reported separately).
    Precompile,
    /// Compiling the module, or for AOT backends loading the precompiled artifact.
    Prepare,
    /// Creating the per-instance sandbox (a V8 isolate and its context), for backends
    /// that have one.
    Isolate,
    /// Creating a fresh instance with its own WASI context.
    Instantiate,
    /// Running `_start`.
    Execute,
    /// The region a sightglass-style module marks with `bench.start` / `bench.end`,
    /// inside `execute`.
    BenchRegion,
    /// Sum of the in-process phases of one sample.
    Total,
    /// Wall time of a whole child process, from spawn to exit, measured by the parent.
    Process,
    /// Peak resident set size of a whole child process (from `wait4`), in bytes.
    PeakRss,
    /// Resident-memory growth per live instance while `instances` instances of the
    /// module are held at once, in bytes: the density figure of a serverless host.
    InstanceRss,
    /// Bytes of the engine's own managed heap in use after execution, for engines that
    /// have one (V8: the isolate's JS heap), from the engine's own statistics.
    EngineHeap,
    /// Latency of one request (one fresh instance run to completion) under load.
    Request,
    /// The first request for a function (includes compiling or loading it).
    FirstRequest,
    /// Completed, verified requests per second.
    Rate,
    /// System calls the measuring threads made per request (perf tracepoint
    /// `raw_syscalls:sys_enter`, each thread counting itself).
    Syscalls,
    /// Of those, the calls that change the address space per request: `mmap`, `munmap`,
    /// `mprotect` and `madvise`.
    MmSyscalls,
    /// Page faults (minor and major) of the measuring threads per request (`getrusage`).
    Faults,
    /// Context switches (voluntary and involuntary) of the measuring threads per request.
    ContextSwitches,
    /// TLB shootdown interrupts of the whole machine per request (`/proc/interrupts`):
    /// what an unmap or a narrowed protection costs the other cores.
    TlbShootdowns,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Engine => "engine",
            Phase::Precompile => "precompile",
            Phase::Prepare => "prepare",
            Phase::Isolate => "isolate",
            Phase::Instantiate => "instantiate",
            Phase::Execute => "execute",
            Phase::BenchRegion => "bench-region",
            Phase::Total => "total",
            Phase::Process => "process",
            Phase::PeakRss => "peak-rss",
            Phase::InstanceRss => "instance-rss",
            Phase::EngineHeap => "engine-heap",
            Phase::Request => "request",
            Phase::FirstRequest => "first-request",
            Phase::Rate => "rate",
            Phase::Syscalls => "syscalls",
            Phase::MmSyscalls => "mm-syscalls",
            Phase::Faults => "faults",
            Phase::ContextSwitches => "context-switches",
            Phase::TlbShootdowns => "tlb-shootdowns",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Unit of a measurement's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Nanoseconds,
    Bytes,
    /// Events per second (e.g. requests per second).
    PerSecond,
    /// Instructions executed, as counted by callgrind.
    Instructions,
    /// Events per request (system calls, page faults, … under throughput).
    PerRequest,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Nanoseconds => "ns",
            Unit::Bytes => "bytes",
            Unit::PerSecond => "per-second",
            Unit::Instructions => "instructions",
            Unit::PerRequest => "per-request",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a cell (or a single execution) failed. Shared by the runtimes, the harness and
/// the reports so every backend fails "the same way" on the same bad input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Not a WebAssembly module, or one that fails validation.
    Invalid,
    /// The module imports something the backend does not provide.
    Unlinkable,
    /// The guest trapped (unreachable, out-of-bounds, divide by zero, stack overflow, ...).
    Trap,
    /// The execution deadline passed.
    Timeout,
    /// A memory or output limit was hit.
    ResourceLimit,
    /// The backend cannot run this module or configuration.
    Unsupported,
    /// The guest ran but produced output or an exit code other than the expected one.
    WrongOutput,
    /// The measuring child process crashed or could not be run.
    Harness,
    /// Reading or writing a file failed.
    Io,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid",
            ErrorKind::Unlinkable => "unlinkable",
            ErrorKind::Trap => "trap",
            ErrorKind::Timeout => "timeout",
            ErrorKind::ResourceLimit => "resource-limit",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::WrongOutput => "wrong-output",
            ErrorKind::Harness => "harness",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Descriptive statistics of one measurement's samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub median: f64,
    pub mean: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub stddev: f64,
    /// Bootstrap 95% confidence interval of the median, `[low, high]`.
    #[serde(default)]
    pub median_ci95: [f64; 2],
    /// Bootstrap 95% confidence interval of the mean, `[low, high]`.
    #[serde(default)]
    pub mean_ci95: [f64; 2],
    /// Median absolute deviation from the median (unscaled).
    #[serde(default)]
    pub mad: f64,
    /// Coefficient of variation, `stddev / mean` (0 when the mean is 0).
    #[serde(default)]
    pub cv: f64,
    /// Samples outside Tukey's fences at 1.5 × IQR (mild and severe outliers).
    #[serde(default)]
    pub outliers: usize,
    /// Samples outside 3 × IQR (severe outliers only).
    #[serde(default)]
    pub severe_outliers: usize,
}

impl Summary {
    /// The statistics in the order the long format lists them, with whether each is a
    /// count (unitless) rather than in the measurement's unit.
    pub fn statistics(&self) -> [(&'static str, f64, bool); 15] {
        [
            ("n", self.n as f64, true),
            ("min", self.min, false),
            ("median", self.median, false),
            ("median_ci95_lo", self.median_ci95[0], false),
            ("median_ci95_hi", self.median_ci95[1], false),
            ("mean", self.mean, false),
            ("mean_ci95_lo", self.mean_ci95[0], false),
            ("mean_ci95_hi", self.mean_ci95[1], false),
            ("p90", self.p90, false),
            ("p99", self.p99, false),
            ("max", self.max, false),
            ("stddev", self.stddev, false),
            ("mad", self.mad, false),
            ("cv", self.cv, true),
            ("outliers", self.outliers as f64, true),
        ]
    }
}

/// All samples of one (mode, phase) of a cell, with their summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    pub mode: Mode,
    pub phase: Phase,
    pub unit: Unit,
    pub summary: Summary,
    /// Raw samples in the order they were taken (warm-up samples excluded).
    pub samples: Vec<f64>,
    /// For [`Phase::InstanceRss`]: how many instances were live at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    /// For [`Mode::Throughput`] and [`Mode::Http`]: how many workers (or connections)
    /// ran at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
}

impl Measurement {
    /// The phase as the long format names it: `instance-rss-k100` for 100 live instances,
    /// `rate-c4` for 4 concurrent workers.
    pub fn phase_label(&self) -> String {
        let mut label = self.phase.to_string();
        if let Some(k) = self.instances {
            label.push_str(&format!("-k{k}"));
        }
        if let Some(c) = self.concurrency {
            label.push_str(&format!("-c{c}"));
        }
        label
    }
}

/// Identity of a cell: what ran on what.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct CellId {
    pub backend: String,
    pub workload: String,
    pub language: String,
}

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {} ({})", self.backend, self.workload, self.language)
    }
}

/// Why a cell produced no data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CellError {
    pub kind: ErrorKind,
    pub message: String,
}

/// The result of one (backend, workload, language) cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cell {
    #[serde(flatten)]
    pub id: CellId,
    pub kind: BackendKind,
    /// Backend configuration that matters for comparison (e.g. "epoch-interruption").
    #[serde(default)]
    pub flags: Vec<String>,
    /// Size of the module in bytes.
    pub module_bytes: u64,
    /// WebAssembly features beyond 1.0 that the module uses (e.g. `bulk-memory`).
    #[serde(default)]
    pub module_features: Vec<String>,
    /// Size of the precompiled artifact, for backends that produce one.
    #[serde(default)]
    pub artifact_bytes: Option<u64>,
    /// `None` when the cell succeeded; a failed cell carries no measurements.
    #[serde(default)]
    pub error: Option<CellError>,
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    /// What the machine did during each round of the cell.
    #[serde(default)]
    pub machine: Vec<MachineSignals>,
    /// Rounds measured while the drift sentinel saw the machine off its speed.
    #[serde(default)]
    pub disturbed: Vec<Disturbance>,
    /// In a document merged from shards: the index of the shard that measured the cell
    /// (see [`Results::shards`] for its machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
}

impl Cell {
    /// A cell about to be measured: nothing known of it yet but what it is.
    pub fn new(id: CellId, kind: BackendKind) -> Cell {
        Cell {
            id,
            kind,
            flags: Vec::new(),
            module_bytes: 0,
            module_features: Vec::new(),
            artifact_bytes: None,
            error: None,
            measurements: Vec::new(),
            machine: Vec::new(),
            disturbed: Vec::new(),
            shard: None,
        }
    }
}

/// Where and with what a run was made.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    pub wasmbench_version: String,
    pub timestamp: String,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub cores: usize,
    pub rustc: String,
    pub build_profile: String,
    /// Git commit of the checkout the run was made from, with `-dirty` if modified.
    pub git_commit: Option<String>,
    /// Runtime crate name → exact version, as linked into the binary.
    pub runtime_versions: BTreeMap<String, String>,
    /// CPU frequency governor of cpu0, where the kernel exposes it.
    #[serde(default)]
    pub cpu_governor: Option<String>,
    /// 1, 5 and 15 minute load averages when the run started and when it ended.
    #[serde(default)]
    pub load_average_before: Option<[f64; 3]>,
    #[serde(default)]
    pub load_average_after: Option<[f64; 3]>,
    /// Median cost of timing an empty phase with the harness's clock, in nanoseconds:
    /// the floor under every phase figure.
    #[serde(default)]
    pub timer_overhead_ns: Option<f64>,
    /// The machine's identity (CPU, microcode, caches, memory, hypervisor, kernel).
    #[serde(default)]
    pub fingerprint: Option<Fingerprint>,
}

/// The settings a run was made with.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct RunConfig {
    /// Most cold / warm samples per cell, fewest of each, and the per-cell time budget
    /// that decides how many between the two are taken.
    pub cold_samples: usize,
    pub warm_samples: usize,
    #[serde(default)]
    pub min_samples: usize,
    #[serde(default)]
    pub max_time_ms: u64,
    pub warmup: usize,
    pub deadline_ms: u64,
    /// Longest compiling or loading one module may take.
    #[serde(default)]
    pub compile_deadline_ms: u64,
    pub max_memory_bytes: u64,
    pub max_output_bytes: u64,
    pub backends: Vec<String>,
    pub workloads: Vec<String>,
    /// Seed of the shuffled order the cells were measured in (`None`: plan order).
    #[serde(default)]
    pub order_seed: Option<u64>,
    /// Throughput: concurrency levels measured per cell (empty: none), and for how long
    /// each, in milliseconds.
    #[serde(default)]
    pub concurrency: Vec<u32>,
    #[serde(default)]
    pub throughput_ms: u64,
    /// Measurement rounds: each cell's cold and warm samples are split over this many
    /// worker processes, measured in separate passes over the (re-shuffled) matrix, so
    /// that neither one process's luck nor a slow minute of the machine decides a median
    /// (0 in documents written before rounds existed: one round).
    #[serde(default)]
    pub rounds: usize,
    /// Extra warm rounds, after `rounds`, for cells whose warm execute median is still
    /// imprecise: the target half-width of its 95% confidence interval, in percent of the
    /// median (0: no extra rounds), and the most rounds a cell may get in all.
    #[serde(default)]
    pub precision_pct: f64,
    #[serde(default)]
    pub max_rounds: usize,
}

/// One run: the document written as `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    pub schema_version: u32,
    pub environment: Environment,
    pub config: RunConfig,
    /// False while the run is in progress or when it was interrupted.
    pub complete: bool,
    pub cells: Vec<Cell>,
    /// Cells that were planned but not (yet) measured.
    #[serde(default)]
    pub missing: Vec<CellId>,
    /// The drift sentinel's probes through the run (absent: run without one).
    #[serde(default)]
    pub sentinel: Option<Sentinel>,
    /// A sharded run (`run --shard`): the one shard this document holds; merged from
    /// shards (`merge`): every shard, with its machine and sentinel. Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<Shard>,
}

/// Error reading a results document.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("not a wasmbench results document: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("results document has no `schema_version` field: not a wasmbench results file")]
    NoVersion,
    #[error("results document has schema version {found}; this wasmbench reads version {expected}")]
    Version { found: u64, expected: u32 },
}

impl Results {
    /// An empty, incomplete document for a run about to start.
    pub fn new(environment: Environment, config: RunConfig) -> Self {
        Results {
            schema_version: SCHEMA_VERSION,
            environment,
            config,
            complete: false,
            cells: Vec::new(),
            missing: Vec::new(),
            sentinel: None,
            shards: Vec::new(),
        }
    }

    /// Parse a results document, refusing other schema versions with a clear error.
    pub fn from_json(text: &str) -> Result<Self, DataError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let found = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(DataError::NoVersion)?;
        if found != u64::from(SCHEMA_VERSION) {
            return Err(DataError::Version {
                found,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(serde_json::from_value(value)?)
    }

    /// Whether the document holds wall-clock measurements, whose figures depend on the
    /// machine and its speed (instruction counts alone do not).
    pub fn timed(&self) -> bool {
        self.cells.iter().flat_map(|c| &c.measurements).any(|m| m.unit == Unit::Nanoseconds)
    }

    /// Flatten into long-format rows: one per cell × measurement × statistic, and one
    /// `error` row per failed cell.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for cell in &self.cells {
            let base = |mode: &str, phase: &str, statistic: &str, value: Option<f64>, unit: &str| Row {
                backend: cell.id.backend.clone(),
                kind: cell.kind.as_str().to_string(),
                workload: cell.id.workload.clone(),
                language: cell.id.language.clone(),
                mode: mode.to_string(),
                phase: phase.to_string(),
                statistic: statistic.to_string(),
                value,
                unit: unit.to_string(),
                note: String::new(),
            };
            if let Some(err) = &cell.error {
                let mut row = base("", err.kind.as_str(), "error", None, "");
                row.note = err.message.clone();
                rows.push(row);
                continue;
            }
            rows.push(base(
                Mode::Once.as_str(),
                "module-size",
                "value",
                Some(cell.module_bytes as f64),
                Unit::Bytes.as_str(),
            ));
            if let Some(bytes) = cell.artifact_bytes {
                rows.push(base(
                    Mode::Once.as_str(),
                    "artifact-size",
                    "value",
                    Some(bytes as f64),
                    Unit::Bytes.as_str(),
                ));
            }
            for m in &cell.measurements {
                for (statistic, value, unitless) in m.summary.statistics() {
                    let unit = match (unitless, statistic) {
                        (false, _) => m.unit.as_str(),
                        (true, "cv") => "ratio",
                        (true, _) => "count",
                    };
                    rows.push(base(
                        m.mode.as_str(),
                        &m.phase_label(),
                        statistic,
                        Some(value),
                        unit,
                    ));
                }
            }
        }
        rows
    }
}

/// One line of the long format: `backend, kind, workload, language, mode, phase,
/// statistic, value, unit, note`. A failed cell has statistic `error`, its error kind as
/// phase, no value, and the error message as note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Row {
    pub backend: String,
    pub kind: String,
    pub workload: String,
    pub language: String,
    pub mode: String,
    pub phase: String,
    pub statistic: String,
    pub value: Option<f64>,
    pub unit: String,
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(v: f64) -> Summary {
        Summary {
            n: 1,
            min: v,
            median: v,
            mean: v,
            p90: v,
            p99: v,
            max: v,
            stddev: 0.0,
            median_ci95: [v, v],
            mean_ci95: [v, v],
            mad: 0.0,
            cv: 0.0,
            outliers: 0,
            severe_outliers: 0,
        }
    }

    fn results() -> Results {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        r.cells.push(Cell {
            id: CellId {
                backend: "b".into(),
                workload: "w".into(),
                language: "c".into(),
            },
            kind: BackendKind::Jit,
            flags: vec![],
            module_bytes: 100,
            module_features: vec![],
            artifact_bytes: Some(300),
            error: None,
            measurements: vec![Measurement {
                mode: Mode::Warm,
                phase: Phase::Execute,
                unit: Unit::Nanoseconds,
                summary: summary(5.0),
                samples: vec![5.0],
                instances: None,
                concurrency: None,
            }],
            machine: vec![],
            disturbed: vec![],
            shard: None,
        });
        r.cells.push(Cell {
            id: CellId {
                backend: "b".into(),
                workload: "bad".into(),
                language: "c".into(),
            },
            kind: BackendKind::Jit,
            flags: vec![],
            module_bytes: 10,
            module_features: vec![],
            artifact_bytes: None,
            error: Some(CellError {
                kind: ErrorKind::Trap,
                message: "unreachable".into(),
            }),
            measurements: vec![],
            machine: vec![],
            disturbed: vec![],
            shard: None,
        });
        r
    }

    #[test]
    fn rows_are_long_format() {
        let rows = results().rows();
        // module size + artifact size + 15 statistics + 1 error row
        assert_eq!(rows.len(), 18);
        let median = rows
            .iter()
            .find(|r| r.statistic == "median")
            .expect("median row");
        assert_eq!(median.mode, "warm");
        assert_eq!(median.phase, "execute");
        assert_eq!(median.value, Some(5.0));
        assert_eq!(median.unit, "ns");
        let n = rows.iter().find(|r| r.statistic == "n").expect("n row");
        assert_eq!(n.unit, "count");
        let err = rows.last().expect("error row");
        assert_eq!((err.statistic.as_str(), err.phase.as_str()), ("error", "trap"));
        assert_eq!((err.value, err.note.as_str()), (None, "unreachable"));
    }

    #[test]
    fn json_round_trip_and_version_check() {
        let r = results();
        let text = serde_json::to_string(&r).expect("serialise");
        assert_eq!(Results::from_json(&text).expect("parse"), r);

        let older = text.replacen("\"schema_version\":1", "\"schema_version\":0", 1);
        let err = Results::from_json(&older).expect_err("old version refused");
        assert!(err.to_string().contains("schema version 0"), "{err}");

        let err = Results::from_json("{\"cells\": []}").expect_err("no version");
        assert!(matches!(err, DataError::NoVersion));
        assert!(matches!(
            Results::from_json("not json"),
            Err(DataError::Malformed(_))
        ));
    }
}
