//! What every task of a request works on, read from disk before any clock starts.

use std::path::PathBuf;
use std::time::Duration;

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::{BackendId, Execution, Limits, ModuleCode, Preopen, WasiInput};

use crate::failure::Failure;
use crate::module_io::{read_expected_stderr, read_io, read_module};
use crate::protocol::Request;
use crate::verify::{verify, verify_stderr};

/// The backend, limits, module, input and expected output of one request. Shared by the
/// threads of the throughput task, so it holds no engine (engines need not be `Send`).
pub struct Job {
    pub backend: BackendId,
    pub limits: Limits,
    pub wasm: Vec<u8>,
    /// AOT: the artifact `precompile` writes and `prepare` loads.
    pub artifact: Option<PathBuf>,
    pub input: WasiInput,
    pub expected_stdout: Vec<u8>,
    /// Peer suites: the stderr every execution must print too.
    pub expected_stderr: Option<Vec<u8>>,
    pub expected_exit: i32,
}

impl Job {
    pub fn of(req: &Request) -> Result<Job, Failure> {
        let backend: BackendId = req
            .backend
            .parse()
            .map_err(|e: wasmbench_runtimes::UnknownBackend| Failure::new(ErrorKind::Unsupported, e.to_string()))?;
        if let Some(p) = req.preopens.iter().find(|p| !p.host.is_dir()) {
            let what = format!("preopen directory {} (guest path {})", p.host.display(), p.guest);
            return Err(Failure::new(ErrorKind::Io, format!("{what} does not exist or is not a directory")));
        }
        let wasm = read_module(&req.module)?;
        let (stdin, expected_stdout) = read_io(req.stdin.as_deref(), &req.expected_stdout)?;
        let expected_stderr = read_expected_stderr(req.expected_stderr.as_deref())?;
        Ok(Job {
            backend,
            limits: Limits {
                deadline: Duration::from_millis(req.deadline_ms),
                max_memory_bytes: req.max_memory_bytes,
                max_output_bytes: usize::try_from(req.max_output_bytes).unwrap_or(usize::MAX),
            },
            wasm,
            artifact: req.artifact.clone(),
            input: WasiInput {
                args: req.args.clone(),
                env: req.env.clone(),
                stdin,
                preopens: req
                    .preopens
                    .iter()
                    .map(|p| Preopen::new(&p.host, &p.guest))
                    .collect(),
            },
            expected_stdout,
            expected_stderr,
            expected_exit: req.expected_exit,
        })
    }

    /// The module's code as `prepare` takes it: the artifact when there is one.
    pub fn code(&self) -> ModuleCode<'_> {
        match &self.artifact {
            Some(path) => ModuleCode::Artifact(path),
            None => ModuleCode::Wasm(&self.wasm),
        }
    }

    /// Every execution is verified, warm-up included: a wrong answer is never data.
    pub fn verify(&self, exec: &Execution) -> Result<(), Failure> {
        verify(exec, &self.expected_stdout, self.expected_exit)?;
        verify_stderr(exec, self.expected_stderr.as_deref())
    }
}
