//! Synthetic runs and a database in a temporary folder, for the tests.

use wasmbench_data::{
    BackendKind, Cell, CellError, CellId, Environment, ErrorKind, Fingerprint, Measurement, Mode,
    Phase, Probe, Results, RunConfig, Sentinel, Summary, Unit,
};

use crate::Store;

/// A new database `history.db` in a temporary folder (kept while the folder lives).
pub fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("history.db")).expect("open new database");
    (dir, store)
}

fn summary(median: f64, n: usize) -> Summary {
    Summary {
        n,
        min: median * 0.9,
        median,
        mean: median,
        p90: median * 1.1,
        p99: median * 1.2,
        max: median * 1.3,
        stddev: 1.0,
        median_ci95: [median - 1.0, median + 1.0],
        mean_ci95: [median - 2.0, median + 2.0],
        mad: 0.5,
        cv: 0.01,
        outliers: 0,
        severe_outliers: 0,
    }
}

fn measurement(
    mode: Mode,
    phase: Phase,
    unit: Unit,
    median: f64,
    concurrency: Option<u32>,
) -> Measurement {
    Measurement {
        mode,
        phase,
        unit,
        summary: summary(median, 10),
        samples: vec![median; 10],
        instances: None,
        concurrency,
    }
}

fn cell(backend: &str, workload: &str, language: &str, measurements: Vec<Measurement>) -> Cell {
    let id = CellId {
        backend: backend.into(),
        workload: workload.into(),
        language: language.into(),
    };
    Cell {
        module_bytes: 1000,
        measurements,
        ..Cell::new(id, BackendKind::Jit)
    }
}

/// A complete run made at `timestamp` on host `host`, whose medians all derive from `base`:
/// wasmtime × fib (c) warm/execute `base`, cold/total `10 × base`, throughput/rate-c4 5000;
/// wasmi × fib (rust) warm/execute `3 × base`; wasmi × hello (c) failed.
pub fn run(timestamp: &str, base: f64) -> Results {
    let environment = Environment {
        timestamp: timestamp.into(),
        hostname: "host".into(),
        cpu_model: "Example CPU".into(),
        git_commit: Some(format!("commit-{base}")),
        fingerprint: Some(Fingerprint {
            cpu_vendor: "AuthenticAMD".into(),
            ..Fingerprint::default()
        }),
        ..Environment::default()
    };
    let mut results = Results::new(environment, RunConfig::default());
    results.complete = true;
    let ns = Unit::Nanoseconds;
    results.cells = vec![
        cell(
            "wasmtime",
            "fib",
            "c",
            vec![
                measurement(Mode::Warm, Phase::Execute, ns, base, None),
                measurement(Mode::Cold, Phase::Total, ns, base * 10.0, None),
                measurement(
                    Mode::Throughput,
                    Phase::Rate,
                    Unit::PerSecond,
                    5000.0,
                    Some(4),
                ),
            ],
        ),
        cell(
            "wasmi",
            "fib",
            "rust",
            vec![measurement(
                Mode::Warm,
                Phase::Execute,
                ns,
                base * 3.0,
                None,
            )],
        ),
        Cell {
            error: Some(CellError {
                kind: ErrorKind::Trap,
                message: "unreachable".into(),
            }),
            ..cell("wasmi", "hello", "c", Vec::new())
        },
    ];
    let probes = [900.0, 1300.0, 1000.0]
        .map(|native_ns| Probe {
            at_ms: 0,
            native_ns,
            wasm_ns: 2000.0,
        })
        .to_vec();
    results.sentinel = Some(Sentinel {
        backend: "wasmtime".into(),
        probes,
        ..Sentinel::default()
    });
    results
}
