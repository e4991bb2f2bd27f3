//! One test on one backend: a fresh sandbox, then fresh worker processes — `precompile`
//! first for AOT backends — and a `run` task with the test's arguments, its environment
//! and nothing else, its root preopened as `/`, empty stdin, under a deadline.

use std::path::PathBuf;
use std::time::Duration;

use wasmbench_data::BackendKind;
use wasmbench_runtimes::BackendId;

use super::sandbox::Sandbox;
use super::suite::TestCase;
use crate::failure::Failure;
use crate::measure::client::ask;
use crate::protocol::{PreopenDir, Request, RunOutput, Task};

/// Time a worker gets beyond its deadlines (start-up, reading the module).
const GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct RunSettings {
    pub worker_exe: PathBuf,
    /// For compiling the module, and again for running it.
    pub deadline: Duration,
    pub max_memory_bytes: u64,
    pub max_output_bytes: u64,
}

/// What the guest did, or why it could not run.
pub fn run_test(test: &TestCase, backend: BackendId, settings: &RunSettings) -> Result<RunOutput, Failure> {
    let sandbox = Sandbox::new(test).map_err(|e| Failure::harness(format!("{e:#}")))?;
    let mut request = request(test, backend, settings, &sandbox);
    let timeout = settings.deadline * 2 + GRACE;
    if backend.kind() == BackendKind::Aot {
        request.task = Task::Precompile;
        request.artifact = Some(sandbox.artifact());
        ask(&settings.worker_exe, &[], &request, timeout)?;
        request.task = Task::Run;
    }
    let answer = ask(&settings.worker_exe, &[], &request, timeout)?;
    answer
        .measured
        .run
        .ok_or_else(|| Failure::harness("the worker answered a `run` request without the guest's output"))
}

fn request(test: &TestCase, backend: BackendId, settings: &RunSettings, sandbox: &Sandbox) -> Request {
    let ms = u64::try_from(settings.deadline.as_millis()).unwrap_or(u64::MAX);
    Request {
        env: test.spec.env.clone(),
        args: test.spec.args.clone(),
        preopens: sandbox
            .root()
            .map(|host| PreopenDir { host: host.to_path_buf(), guest: "/".into() })
            .into_iter()
            .collect(),
        // The `run` task verifies nothing: the expected output stays the empty `/dev/null`.
        expected_exit: test.spec.exit_code,
        max_memory_bytes: settings.max_memory_bytes,
        max_output_bytes: settings.max_output_bytes,
        ..Request::one_shot(Task::Run, backend.name(), test.wasm.clone(), ms, ms)
    }
}
