//! Criterion microbenchmarks of each adapter phase: per backend, `prepare`,
//! `instantiate` and `execute` of the `hello` (start-up) and `fib` (compute) workloads in C.
//!
//! ```sh
//! cargo bench -p wasmbench --bench phases              # all; reports in $CARGO_TARGET_DIR/criterion
//! cargo bench -p wasmbench --bench phases -- wasmi     # only benchmarks whose name contains `wasmi`
//! cargo bench -p wasmbench --bench phases -- --test    # run each once (what CI does)
//! ```
//!
//! Unlike `wasmbench run`, everything runs in this one process with a warm engine and
//! criterion's statistics; it is meant for spotting changes to one backend's adapter, not
//! for cold-start figures. Every module's output is verified once before it is measured.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use wasmbench::manifest::{default_manifest_path, Manifest, Workload};
use wasmbench::module_io::read_module;
use wasmbench::verify::verify;
use wasmbench_runtimes::{Backend, BackendId, Limits, ModuleCode, PreparedModule, WasiInput};

/// Backends benchmarked: one of each family that is cheap to keep together in one process
/// (the V8 backends set process-wide flags; Wasmer and WAMR install signal handlers).
const BACKENDS: &[&str] = &["wasmtime-cranelift", "wasmtime-pulley", "wasmtime-aot", "wasmi", "wasm3"];
/// A start-up-bound and a compute-bound workload.
const WORKLOADS: &[&str] = &["hello", "fib"];

struct Subject {
    backend: Box<dyn Backend>,
    wasm: Vec<u8>,
    /// AOT backends load this artifact in `prepare`.
    artifact: Option<tempfile::NamedTempFile>,
    input: WasiInput,
}

impl Subject {
    fn code(&self) -> ModuleCode<'_> {
        match &self.artifact {
            Some(file) => ModuleCode::Artifact(file.path()),
            None => ModuleCode::Wasm(&self.wasm),
        }
    }

    fn prepare(&self) -> Box<dyn PreparedModule> {
        self.backend.prepare(self.code()).expect("prepare")
    }
}

fn subject(id: BackendId, workload: &Workload) -> Subject {
    let module = workload.modules.iter().find(|m| m.language == "c").expect("a C module");
    let wasm = read_module(&module.wasm).expect("read module");
    let backend = id.create(&Limits::default()).expect("create backend");
    let artifact = backend.precompile(&wasm).expect("precompile").map(|bytes| {
        let file = tempfile::NamedTempFile::new().expect("temporary file");
        std::fs::write(file.path(), bytes).expect("write artifact");
        file
    });
    let stdin = workload.stdin.as_deref().map(|p| std::fs::read(p).expect("read stdin")).unwrap_or_default();
    let input = WasiInput {
        args: workload.args.clone(),
        env: workload.env.clone(),
        stdin,
        preopens: workload.preopens.clone(),
    };
    let s = Subject {
        backend,
        wasm,
        artifact,
        input,
    };
    // A wrong answer is never data.
    let expected = std::fs::read(&workload.expected_stdout).expect("read expected stdout");
    let exec = s.prepare().instantiate(&s.input).and_then(|i| i.execute()).expect("execute");
    verify(&exec, &expected, workload.expected_exit).expect("output as expected");
    s
}

fn phases(c: &mut Criterion) {
    let manifest = Manifest::load(&default_manifest_path()).expect("workloads/manifest.toml");
    for &name in WORKLOADS {
        let workload = manifest.workload(name).expect("workload in the manifest");
        for &backend in BACKENDS {
            let id: BackendId = backend.parse().expect("known backend");
            if !id.is_available() {
                eprintln!("skipping {backend}: not compiled in");
                continue;
            }
            let s = subject(id, workload);
            let mut group = c.benchmark_group(format!("{name}/{backend}"));
            if name == "fib" {
                // Executions of 0.1–2 s: few samples, or `cargo bench` takes an hour.
                group.sample_size(10).measurement_time(Duration::from_secs(10));
            }
            group.bench_function("prepare", |b| b.iter(|| black_box(s.prepare())));
            let module = s.prepare();
            group.bench_function("instantiate", |b| {
                b.iter_batched(
                    || (),
                    |()| module.instantiate(&s.input).expect("instantiate"),
                    // The instance is dropped outside the timed region.
                    BatchSize::SmallInput,
                )
            });
            group.bench_function("execute", |b| {
                b.iter_batched(
                    || module.instantiate(&s.input).expect("instantiate"),
                    |instance| instance.execute().expect("execute"),
                    BatchSize::PerIteration,
                )
            });
            group.finish();
        }
    }
}

fn config() -> Criterion {
    // Reports go where criterion always puts them: $CARGO_TARGET_DIR/criterion.
    Criterion::default().warm_up_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = config();
    targets = phases
}
criterion_main!(benches);
