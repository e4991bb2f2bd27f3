//! The measuring child process (`wasmbench worker`).
//!
//! The harness never runs a guest in its own process: it spawns `wasmbench worker`, sends
//! one [`Request`] as JSON on its stdin and reads one [`Response`] as JSON from its stdout.
//! A cold sample is a fresh worker (fresh process, fresh engine, nothing cached); a warm
//! series is one worker that prepares once and instantiates + executes many times. A worker
//! that crashes or hangs costs one cell, never the run.
//!
//! All timing happens here, around each phase call, with the monotonic clock.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use wasmbench_data::ErrorKind;
use wasmbench_runtimes::{
    Backend, BackendId, Execution, Limits, ModuleCode, PreparedModule, RuntimeError, WasiInput,
};

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
    /// for `throughput_ms` each (see [`crate::throughput`]).
    Throughput,
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
    pub expected_stdout: PathBuf,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Response {
    Ok {
        flags: Vec<String>,
        samples: Vec<PhaseTimes>,
        artifact_bytes: Option<u64>,
        /// (live instances, resident-memory growth per instance in bytes).
        #[serde(default)]
        instance_rss: Vec<(u32, f64)>,
        #[serde(default)]
        throughput: Vec<crate::throughput::Level>,
        /// The worker's own peak resident set (`VmHWM` of its address space), in bytes.
        /// `wait4`'s `ru_maxrss` cannot give it: at `exec` the kernel records the resident
        /// high-water mark of the address space being replaced, which is the parent's,
        /// so a child's figure never falls below the harness's own size.
        #[serde(default)]
        peak_rss_bytes: Option<u64>,
    },
    Failed {
        kind: ErrorKind,
        message: String,
    },
}

/// A failure inside the worker, before or while measuring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<RuntimeError> for Failure {
    fn from(e: RuntimeError) -> Self {
        Failure {
            kind: e.kind,
            message: e.message,
        }
    }
}

fn io_failure(what: &str, path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure {
        kind: ErrorKind::Io,
        message: format!("{what} {}: {e}", path.display()),
    }
}

/// Read a module, converting WebAssembly text to binary.
pub fn read_module(path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes = std::fs::read(path).map_err(|e| io_failure("reading module", path, e))?;
    if path.extension().is_some_and(|e| e == "wat") {
        return wat::parse_bytes(&bytes)
            .map(|b| b.into_owned())
            .map_err(|e| Failure {
                kind: ErrorKind::Invalid,
                message: format!("{}: {e}", path.display()),
            });
    }
    Ok(bytes)
}

/// Check one execution against the expected stdout and exit code.
pub fn verify(exec: &Execution, expected_stdout: &[u8], expected_exit: i32) -> Result<(), Failure> {
    if exec.exit_code != expected_exit {
        return Err(Failure {
            kind: ErrorKind::WrongOutput,
            message: format!(
                "exit code {} (expected {expected_exit}); stderr: {}",
                exec.exit_code,
                excerpt(&exec.stderr, 0)
            ),
        });
    }
    if exec.stdout != expected_stdout {
        let at = exec
            .stdout
            .iter()
            .zip(expected_stdout)
            .position(|(a, b)| a != b)
            .unwrap_or(exec.stdout.len().min(expected_stdout.len()));
        return Err(Failure {
            kind: ErrorKind::WrongOutput,
            message: format!(
                "stdout differs from the expected output at byte {at} \
                 (got {} bytes, expected {}): got {} where {} was expected",
                exec.stdout.len(),
                expected_stdout.len(),
                excerpt(&exec.stdout, at),
                excerpt(expected_stdout, at),
            ),
        });
    }
    Ok(())
}

/// Up to 60 bytes of `bytes` from `at`, escaped and quoted.
fn excerpt(bytes: &[u8], at: usize) -> String {
    let start = at.min(bytes.len());
    let end = (start + 60).min(bytes.len());
    let text: String = bytes[start..end].escape_ascii().to_string();
    let more = if end < bytes.len() { "…" } else { "" };
    format!("\"{text}\"{more}")
}

fn elapsed_ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Time `f`, returning its value and the nanoseconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let start = Instant::now();
    let value = f();
    (value, elapsed_ns(start))
}

/// Run one request in this process.
pub fn serve(req: &Request) -> Response {
    match serve_inner(req) {
        Ok(mut resp) => {
            if let Response::Ok { peak_rss_bytes, .. } = &mut resp {
                *peak_rss_bytes = own_peak_rss();
            }
            resp
        }
        Err(f) => Response::Failed {
            kind: f.kind,
            message: f.message,
        },
    }
}

/// This process's peak resident set in bytes (`VmHWM` in /proc/self/status).
fn own_peak_rss() -> Option<u64> {
    let status = procfs::process::Process::myself().ok()?.status().ok()?;
    status.vmhwm.map(|kib| kib * 1024)
}

/// A workload's stdin (empty without a file) and its expected stdout, read from disk.
pub fn read_io(stdin: Option<&Path>, expected_stdout: &Path) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let stdin = match stdin {
        Some(p) => std::fs::read(p).map_err(|e| io_failure("reading stdin file", p, e))?,
        None => Vec::new(),
    };
    let expected = std::fs::read(expected_stdout).map_err(|e| io_failure("reading expected stdout", expected_stdout, e))?;
    Ok((stdin, expected))
}

fn serve_inner(req: &Request) -> Result<Response, Failure> {
    let id: BackendId = req.backend.parse().map_err(|e: wasmbench_runtimes::UnknownBackend| {
        Failure {
            kind: ErrorKind::Unsupported,
            message: e.to_string(),
        }
    })?;
    let limits = Limits {
        deadline: Duration::from_millis(req.deadline_ms),
        max_memory_bytes: req.max_memory_bytes,
        max_output_bytes: usize::try_from(req.max_output_bytes).unwrap_or(usize::MAX),
    };
    // Everything read from disk is read before the clock starts.
    let wasm = read_module(&req.module)?;
    let (stdin, expected) = read_io(req.stdin.as_deref(), &req.expected_stdout)?;
    let input = WasiInput {
        args: req.args.clone(),
        env: req.env.clone(),
        stdin,
    };

    let (backend, engine_ns) = timed(|| id.create(&limits));
    let backend = backend?;
    let mut flags = backend.flags();
    flags.extend(crate::callgrind::set_slowdown(id)?);

    match req.task {
        Task::Precompile => {
            let path = artifact_path(req)?;
            let bound = CompileBound::start(req.compile_deadline_ms);
            let (artifact, ns) = timed(|| backend.precompile(&wasm));
            drop(bound);
            let artifact = artifact?.ok_or_else(|| Failure {
                kind: ErrorKind::Unsupported,
                message: format!("{id} does not precompile modules"),
            })?;
            std::fs::write(path, &artifact).map_err(|e| io_failure("writing artifact", path, e))?;
            Ok(Response::Ok {
                flags,
                samples: vec![PhaseTimes {
                    precompile: Some(ns),
                    ..PhaseTimes::default()
                }],
                artifact_bytes: Some(artifact.len() as u64),
                instance_rss: Vec::new(),
                throughput: Vec::new(),
                peak_rss_bytes: None,
            })
        }
        Task::Cold => {
            let (module, prepare_ns) = prepare(backend.as_ref(), req, &wasm)?;
            let (exec, mut times) = run_instance(backend.as_ref(), module.as_ref(), &input)?;
            verify(&exec, &expected, req.expected_exit)?;
            times.engine = Some(engine_ns);
            times.prepare = Some(prepare_ns);
            Ok(Response::Ok {
                flags,
                samples: vec![times],
                artifact_bytes: None,
                instance_rss: Vec::new(),
                throughput: Vec::new(),
                peak_rss_bytes: None,
            })
        }
        Task::Warm => {
            let (module, _) = prepare(backend.as_ref(), req, &wasm)?;
            let budget = (req.max_time_ms > 0).then(|| Duration::from_millis(req.max_time_ms));
            let began = Instant::now();
            let over = |fraction: u32| budget.is_some_and(|b| began.elapsed() >= b / fraction);
            // Warm-up: discarded. Slow executions need little of it: stop after a
            // quarter of the budget.
            for i in 0..req.warmup {
                if i > 0 && over(4) {
                    break;
                }
                let (exec, _) = run_instance(backend.as_ref(), module.as_ref(), &input)?;
                // Every execution is verified, warm-up included: a wrong answer is never data.
                verify(&exec, &expected, req.expected_exit)?;
            }
            let mut samples = Vec::with_capacity(req.samples);
            while samples.len() < req.samples && (samples.len() < req.min_samples.max(1) || !over(1)) {
                let (exec, times) = run_instance(backend.as_ref(), module.as_ref(), &input)?;
                verify(&exec, &expected, req.expected_exit)?;
                samples.push(times);
            }
            let mut instance_rss = Vec::new();
            for &k in &req.instance_counts {
                instance_rss.push((k, rss_per_instance(backend.as_ref(), module.as_ref(), &input, k)?));
            }
            Ok(Response::Ok {
                flags,
                samples,
                artifact_bytes: None,
                instance_rss,
                throughput: Vec::new(),
                peak_rss_bytes: None,
            })
        }
        Task::Throughput => {
            let job = crate::throughput::Job {
                backend: id,
                limits: &limits,
                wasm: &wasm,
                artifact: req.artifact.as_deref(),
                input: &input,
                expected_stdout: &expected,
                expected_exit: req.expected_exit,
            };
            let duration = Duration::from_millis(req.throughput_ms);
            let throughput = crate::throughput::measure(&job, &req.concurrency, duration)?;
            Ok(Response::Ok {
                flags,
                samples: Vec::new(),
                artifact_bytes: None,
                instance_rss: Vec::new(),
                throughput,
                peak_rss_bytes: None,
            })
        }
    }
}

/// Resident set size of this process in bytes.
fn resident_bytes() -> Result<u64, Failure> {
    let failure = |e: procfs::ProcError| Failure {
        kind: ErrorKind::Io,
        message: format!("reading /proc/self/statm: {e}"),
    };
    let statm = procfs::process::Process::myself().and_then(|p| p.statm()).map_err(failure)?;
    Ok(statm.resident * procfs::page_size())
}

/// Resident-memory growth per instance while `k` fresh instances are alive at once.
fn rss_per_instance(
    backend: &dyn Backend,
    module: &dyn PreparedModule,
    input: &WasiInput,
    k: u32,
) -> Result<f64, Failure> {
    let before = resident_bytes()?;
    let mut live = Vec::with_capacity(k as usize);
    for _ in 0..k {
        live.push(match backend.create_sandbox()? {
            Some(sandbox) => module.instantiate_in(sandbox, input)?,
            None => module.instantiate(input)?,
        });
    }
    let after = resident_bytes()?;
    drop(live);
    Ok(after.saturating_sub(before) as f64 / f64::from(k.max(1)))
}

fn artifact_path(req: &Request) -> Result<&Path, Failure> {
    req.artifact.as_deref().ok_or_else(|| Failure {
        kind: ErrorKind::Harness,
        message: "request has no artifact path".into(),
    })
}

fn prepare(
    backend: &dyn Backend,
    req: &Request,
    wasm: &[u8],
) -> Result<(Box<dyn PreparedModule>, u64), Failure> {
    let code = match &req.artifact {
        Some(path) => ModuleCode::Artifact(path),
        None => ModuleCode::Wasm(wasm),
    };
    let _bound = CompileBound::start(req.compile_deadline_ms);
    let (module, ns) = timed(|| backend.prepare(code));
    Ok((module?, ns))
}

/// While alive, bounds the time of a `prepare` call: when the compile deadline passes
/// first, a watchdog thread answers `timeout` on stdout and ends the worker process
/// (compilers cannot be interrupted, but a process can always end).
struct CompileBound {
    done: Option<std::sync::mpsc::Sender<()>>,
}

impl CompileBound {
    fn start(deadline_ms: u64) -> CompileBound {
        if deadline_ms == 0 {
            return CompileBound { done: None };
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let deadline = Duration::from_millis(deadline_ms);
        let spawned = std::thread::Builder::new()
            .name("compile-deadline".into())
            .spawn(move || {
                if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(deadline) {
                    let response = Response::Failed {
                        kind: ErrorKind::Timeout,
                        message: format!(
                            "prepare (compiling or loading the module) exceeded the compile \
                             deadline of {:.1} s",
                            deadline.as_secs_f64()
                        ),
                    };
                    if let Ok(text) = serde_json::to_string(&response) {
                        use std::io::Write;
                        let mut out = std::io::stdout().lock();
                        let _ = out.write_all(text.as_bytes());
                        let _ = out.flush();
                    }
                    // SAFETY: `_exit` ends the process at once, without running atexit
                    // handlers or destructors that could wait for the compiling thread.
                    unsafe { libc::_exit(0) };
                }
            });
        CompileBound { done: spawned.ok().map(|_| tx) }
    }
}

impl Drop for CompileBound {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// One fresh instance: sandbox (if the backend has one), instantiate, execute, each timed.
fn run_instance(
    backend: &dyn Backend,
    module: &dyn PreparedModule,
    input: &WasiInput,
) -> Result<(Execution, PhaseTimes), Failure> {
    let (sandbox, isolate_ns) = timed(|| backend.create_sandbox());
    let sandbox = sandbox?;
    let isolate = sandbox.is_some().then_some(isolate_ns);
    let (instance, instantiate_ns) = timed(|| match sandbox {
        Some(sandbox) => module.instantiate_in(sandbox, input),
        None => module.instantiate(input),
    });
    let (exec, execute_ns) = timed(|| instance.and_then(crate::callgrind::wasmbench_measured_execute));
    let exec = exec?;
    let times = PhaseTimes {
        isolate,
        instantiate: Some(instantiate_ns),
        execute: Some(execute_ns),
        engine_heap: exec.engine_heap_bytes,
        bench_region: exec.bench_region_ns,
        ..PhaseTimes::default()
    };
    Ok((exec, times))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(stdout: &[u8], exit_code: i32) -> Execution {
        Execution {
            exit_code,
            stdout: stdout.to_vec(),
            stderr: b"oops".to_vec(),
            engine_heap_bytes: None,
            bench_region_ns: None,
        }
    }

    #[test]
    fn verify_accepts_exact_output_only() {
        assert!(verify(&exec(b"42\n", 0), b"42\n", 0).is_ok());
        let f = verify(&exec(b"43\n", 0), b"42\n", 0).expect_err("differs");
        assert_eq!(f.kind, ErrorKind::WrongOutput);
        assert!(f.message.contains("at byte 1"), "{}", f.message);
        let f = verify(&exec(b"42", 0), b"42\n", 0).expect_err("shorter");
        assert!(f.message.contains("got 2 bytes, expected 3"), "{}", f.message);
        let f = verify(&exec(b"42\n", 3), b"42\n", 0).expect_err("exit code");
        assert!(f.message.contains("exit code 3 (expected 0)"), "{}", f.message);
        assert!(f.message.contains("oops"), "{}", f.message);
    }

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
            expected_stdout: "e".into(),
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
}
