//! A small synthetic results document for tests: two workloads, three backends (one of
//! them JavaScript), cold, warm, memory and throughput measurements, and a failed cell;
//! the alternatives WebAssembly is compared with (the native build run as a process, the
//! same in a container, a Wasm worker in a container, a `node` process running JavaScript);
//! the machine's fingerprint, a drift sentinel that saw the machine slow down by a quarter
//! for a minute in the middle of the run, the cell measured then (re-measured), and the
//! machine signals of every round (one round starved of CPU, one with steal time).
//! Its figures are made up, in plausible proportions; nothing presents them as measured.

use std::collections::BTreeMap;

use wasmbench_data::*;

/// Summary of `samples` (nearest-rank quantiles; a fixed ±3% interval around the median).
fn summary(samples: &[f64]) -> Summary {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let q = |p: f64| s[((n - 1) as f64 * p).round() as usize];
    let mean = s.iter().sum::<f64>() / n as f64;
    let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64;
    let median = q(0.5);
    Summary {
        n,
        min: s[0],
        median,
        mean,
        p90: q(0.9),
        p99: q(0.99),
        max: s[n - 1],
        stddev: var.sqrt(),
        median_ci95: [median * 0.97, median * 1.03],
        mean_ci95: [mean * 0.97, mean * 1.03],
        mad: 0.0,
        cv: if mean > 0.0 { var.sqrt() / mean } else { 0.0 },
        outliers: 0,
        severe_outliers: 0,
    }
}

/// `n` samples around `center`, spread by ±`spread` (a fraction), deterministic.
fn samples(center: f64, spread: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| center * (1.0 + spread * (((i * 7919) % 13) as f64 / 6.0 - 1.0)))
        .collect()
}

fn m(mode: Mode, phase: Phase, unit: Unit, center: f64) -> Measurement {
    let s = samples(center, 0.05, if mode == Mode::Cold { 5 } else { 12 });
    Measurement { mode, phase, unit, summary: summary(&s), samples: s, instances: None, concurrency: None }
}

fn cell(backend: &str, kind: BackendKind, workload: &str, language: &str, scale: f64) -> Cell {
    use Mode::*;
    use Phase::*;
    use Unit::*;
    let (engine, prepare, instantiate, execute) = match kind {
        BackendKind::Interpreter => (0.2e6, 0.8e6, 20e3, 6.0e6 * scale),
        BackendKind::Isolate => (2.0e6, 0.3e6, 120e3, 2.0e6 * scale),
        _ => (0.3e6, 22e6, 10e3, 1.0e6 * scale),
    };
    let total = engine + prepare + instantiate + execute;
    let mut measurements = vec![
        m(Cold, Engine, Nanoseconds, engine),
        m(Cold, Prepare, Nanoseconds, prepare),
        m(Cold, Instantiate, Nanoseconds, instantiate),
        m(Cold, Execute, Nanoseconds, execute * 1.2),
        m(Cold, Total, Nanoseconds, total + execute * 0.2),
        m(Cold, Process, Nanoseconds, total + execute * 0.2 + 2.5e6),
        m(Cold, PeakRss, Bytes, if kind == BackendKind::Jit { 24e6 } else { 12e6 }),
        m(Warm, Instantiate, Nanoseconds, instantiate),
        m(Warm, Execute, Nanoseconds, execute),
        m(Warm, Total, Nanoseconds, instantiate + execute),
    ];
    for k in [1, 10, 100] {
        let per = if kind == BackendKind::Interpreter { 1.0e6 } else { 6.0e3 + 40e3 / f64::from(k) };
        measurements.push(Measurement { instances: Some(k), ..m(Warm, InstanceRss, Bytes, per) });
    }
    for c in [1u32, 2, 4] {
        let rate = 1e9 / (instantiate + execute) * f64::from(c).powf(0.9);
        measurements.push(Measurement { concurrency: Some(c), ..m(Throughput, Rate, PerSecond, rate) });
        let latency = (instantiate + execute) * f64::from(c).powf(0.1);
        measurements.push(Measurement { concurrency: Some(c), ..m(Throughput, Request, Nanoseconds, latency) });
        let shootdowns = if c == 1 { 0.0 } else { 2.0 };
        for (phase, per_request) in [(Syscalls, 6.0), (MmSyscalls, 4.0), (Faults, 11.0), (TlbShootdowns, shootdowns)] {
            measurements.push(Measurement { concurrency: Some(c), ..m(Throughput, phase, PerRequest, per_request) });
        }
    }
    Cell {
        id: CellId { backend: backend.into(), workload: workload.into(), language: language.into() },
        kind,
        flags: vec![],
        module_bytes: if language == "js" { 1_400 } else { 24_804 },
        module_features: vec!["bulk-memory".into()],
        artifact_bytes: None,
        error: None,
        measurements,
        machine: (0..3).map(|r| round(r, 1500, 0.98, 14, 0)).collect(),
        disturbed: vec![],
        shard: None,
    }
}

/// The machine signals of round `r`: `wall_ms` of worker wall time, `share` of it on a
/// CPU, `involuntary` context switches and `steal_ms` of steal time.
fn round(r: usize, wall_ms: u64, share: f64, involuntary: u64, steal_ms: u64) -> MachineSignals {
    let wall_ns = wall_ms * 1_000_000;
    let cpu_ns = (wall_ns as f64 * share) as u64;
    MachineSignals {
        round: r,
        wall_ns,
        user_ns: cpu_ns - cpu_ns / 20,
        sys_ns: cpu_ns / 20,
        voluntary_switches: 40,
        involuntary_switches: involuntary,
        steal_ns: Some(steal_ms * 1_000_000),
    }
}

/// The machine the synthetic run pretends to have been made on.
fn fingerprint() -> Fingerprint {
    Fingerprint {
        cpu_vendor: "AuthenticAMD".into(),
        cpu_family: "25".into(),
        cpu_model_number: "1".into(),
        cpu_stepping: "1".into(),
        microcode: "0xa0011d1".into(),
        cache: "512 KB".into(),
        flags_digest: "3f2a9c0d1e7b6a54".into(),
        mhz: Some(2450.0),
        logical_cpus: 2,
        memory_bytes: 8 << 30,
        hypervisor: "KVM".into(),
        kernel: "6.1.0".into(),
    }
}

/// Twelve probes over ten minutes; the sixth to the eighth ran about 25% slow.
fn sentinel() -> Sentinel {
    const NATIVE: [f64; 12] = [1.000, 0.992, 1.006, 0.998, 1.004, 1.262, 1.248, 1.255, 1.002, 0.994, 1.008, 0.996];
    const WASM: [f64; 12] = [1.003, 0.995, 1.001, 1.004, 0.997, 1.251, 1.262, 1.244, 0.999, 1.006, 0.992, 1.002];
    let probes = NATIVE
        .iter()
        .zip(WASM)
        .enumerate()
        .map(|(i, (n, w))| Probe { at_ms: i as u64 * 54_000, native_ns: 8.0e6 * n, wasm_ns: 11.0e6 * w })
        .collect();
    Sentinel {
        native_iterations: 20_000_000,
        backend: "wasmtime-cranelift".into(),
        wasm_iterations: 20_000_000,
        threshold_pct: 10.0,
        probes,
    }
}

/// The synthetic document.
pub fn results() -> Results {
    let environment = Environment {
        wasmbench_version: "0.1.0".into(),
        timestamp: "2026-01-02T03:04:05Z".into(),
        hostname: "fixture".into(),
        os: "Debian GNU/Linux 12 (bookworm)".into(),
        kernel: "6.1.0".into(),
        arch: "x86_64".into(),
        cpu_model: "Example CPU".into(),
        cores: 2,
        rustc: "rustc 1.95.0".into(),
        build_profile: "release".into(),
        git_commit: Some("0123456789abcdef".into()),
        runtime_versions: BTreeMap::from([("wasmtime".into(), "48.0.0".into()), ("wasmi".into(), "2.0.0".into())]),
        cpu_governor: None,
        load_average_before: Some([0.5, 0.4, 0.3]),
        load_average_after: Some([0.9, 0.6, 0.4]),
        timer_overhead_ns: Some(20.0),
        fingerprint: Some(fingerprint()),
    };
    let config = RunConfig {
        cold_samples: 5,
        warm_samples: 12,
        min_samples: 3,
        max_time_ms: 5000,
        warmup: 1,
        deadline_ms: 30000,
        max_memory_bytes: 1 << 30,
        max_output_bytes: 1 << 20,
        backends: ["wasmtime-cranelift", "wasmi", "v8-js", "native", "container", "container-wasmtime", "node-js"]
            .map(String::from)
            .to_vec(),
        workloads: vec!["fib".into(), "hello".into()],
        rounds: 3,
        max_rounds: 3,
        ..RunConfig::default()
    };
    let mut r = Results::new(environment, config);
    r.complete = true;
    r.sentinel = Some(sentinel());
    r.cells = vec![
        cell("wasmtime-cranelift", BackendKind::Jit, "fib", "c", 100.0),
        cell("wasmi", BackendKind::Interpreter, "fib", "c", 100.0),
        cell("v8-js", BackendKind::Isolate, "fib", "js", 100.0),
        cell("wasmtime-cranelift", BackendKind::Jit, "hello", "c", 0.04),
        cell("v8-js", BackendKind::Isolate, "hello", "js", 0.04),
        Cell {
            error: Some(CellError { kind: ErrorKind::Timeout, message: "deadline of 30 s passed | killed".into() }),
            measurements: vec![],
            ..cell("wasmi", BackendKind::Interpreter, "hello", "c", 0.04)
        },
    ];
    r.cells.extend(alternatives());
    disturb(&mut r.cells);
    r
}

/// Runtime overhead of starting a container with `runc` (made up, in proportion).
const RUNC_NS: f64 = 120e6;

/// The alternatives of issue #18, measured as a whole process per request (cold
/// `process`, `peak-rss`): native × fib and hello with their own `main` timed inside
/// (cold and warm `execute`), the same binaries under runc, wasmtime's worker under runc
/// (with its in-process cold phases) for fib, and node running fib's JavaScript.
fn alternatives() -> Vec<Cell> {
    use Mode::*;
    use Phase::*;
    use Unit::*;
    let process = |backend: &str, kind, workload: &str, language: &str, process_ns: f64, rss: f64| Cell {
        measurements: vec![m(Cold, Process, Nanoseconds, process_ns), m(Cold, PeakRss, Bytes, rss)],
        module_bytes: if kind == BackendKind::External { 1_400 } else { 71_680 },
        ..cell(backend, kind, workload, language, 1.0)
    };
    let native = |workload: &str, execute: f64| {
        let mut c = process("native", BackendKind::Native, workload, "c", execute * 1.02 + 0.9e6, 1.5e6);
        c.measurements.extend([m(Cold, Execute, Nanoseconds, execute * 1.02), m(Warm, Execute, Nanoseconds, execute)]);
        c
    };
    let mut in_container = cell("container-wasmtime", BackendKind::Container, "fib", "c", 100.0);
    in_container.measurements.retain(|m| m.mode == Cold && m.phase != Process && m.phase != PeakRss);
    let worker = in_container.measurements.iter().find(|m| m.phase == Total).map_or(0.0, |m| m.summary.median);
    in_container.measurements.extend([m(Cold, Process, Nanoseconds, worker + 2.5e6 + RUNC_NS), m(Cold, PeakRss, Bytes, 38e6)]);
    vec![
        native("fib", 80e6),
        native("hello", 15e3),
        process("container", BackendKind::Container, "fib", "c", 80e6 * 1.02 + 0.9e6 + RUNC_NS, 14e6),
        process("container", BackendKind::Container, "hello", "c", 15e3 * 1.02 + 0.9e6 + RUNC_NS, 14e6),
        in_container,
        process("node-js", BackendKind::External, "fib", "js", 40e6 + 210e6, 48e6),
    ]
}

/// The rounds the machine disturbed: wasmi × fib's second round ran during the slow minute
/// (starved of CPU, re-measured); v8-js × fib's third lost time to the hypervisor, and
/// wasmtime × hello's first waited a little.
fn disturb(cells: &mut [Cell]) {
    if let [_, wasmi_fib, v8_fib, wt_hello, ..] = cells {
        wasmi_fib.machine[1] = round(1, 1500, 0.70, 5200, 0);
        wasmi_fib.disturbed = vec![Disturbance { round: 1, slowdown_pct: 25.4, remeasured: true }];
        v8_fib.machine[2] = round(2, 1500, 0.96, 30, 48);
        wt_hello.machine[0] = round(0, 1500, 0.86, 900, 0);
    }
}
