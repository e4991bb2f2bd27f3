//! Reference rows from runtimes' own command-line tools, measured as whole processes.
//!
//! The same module, env and stdin run under an external CLI — `node` with `node:wasi`, the
//! `wasmtime` CLI — where one is installed. Only the whole process can be seen from
//! outside: each sample is the wall time from spawn to exit (mode `cold`, phase
//! `process`) and the child's peak RSS, of kind `external`. Every run's output is
//! verified like any other; a CLI that is not installed simply contributes no cells.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use wasmbench_data::{BackendKind, ErrorKind};
use wasmbench_runtimes::Preopen;

use crate::failure::{io_failure, Failure};
use crate::process::run_process;
use crate::verify::{verify, verify_stderr};

/// The runner script for `node`: instantiate the module with `node:wasi` (preview1) and
/// run `_start`, with the env and args it was given and the preopens of its first argument
/// (a JSON object, guest path → host folder). `bench.start`/`bench.end` are no-ops here
/// (a whole process is all an external row measures).
const NODE_RUNNER: &str = r#"import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const [preopens, path, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [path, ...args], env: process.env, preopens: JSON.parse(preopens), returnOnExit: true });
const module = await WebAssembly.compile(await readFile(path));
const bench = { start() {}, end() {} };
const instance = await WebAssembly.instantiate(module, { ...wasi.getImportObject(), bench });
process.exitCode = wasi.start(instance);
"#;

/// An external command-line runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalCli {
    /// Node.js (V8) with its `node:wasi` module.
    NodeWasi,
    /// The Wasmtime command-line tool.
    WasmtimeCli,
}

impl ExternalCli {
    pub const ALL: &'static [ExternalCli] = &[ExternalCli::NodeWasi, ExternalCli::WasmtimeCli];

    pub fn name(self) -> &'static str {
        match self {
            ExternalCli::NodeWasi => "node-wasi",
            ExternalCli::WasmtimeCli => "wasmtime-cli",
        }
    }

    pub fn kind(self) -> BackendKind {
        BackendKind::External
    }

    fn program(self) -> &'static str {
        match self {
            ExternalCli::NodeWasi => "node",
            ExternalCli::WasmtimeCli => "wasmtime",
        }
    }

    pub fn parse(name: &str) -> Option<ExternalCli> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The tool's version line if it is installed and usable (node: 20 or newer, for
    /// `node:wasi` with `version: 'preview1'`).
    pub fn detect(self) -> Option<String> {
        let out = Command::new(self.program()).arg("--version").output().ok()?;
        if !out.status.success() {
            return None;
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if self == ExternalCli::NodeWasi {
            let major: u32 = version.trim_start_matches('v').split('.').next()?.parse().ok()?;
            if major < 20 {
                return None;
            }
        }
        Some(version)
    }
}

/// One whole-process run of `module` under `cli`, verified.
pub struct Sample {
    pub wall_ns: u64,
    pub max_rss_bytes: Option<u64>,
}

/// Where the node runner script lives for this run.
pub fn write_node_runner(dir: &Path) -> Result<PathBuf, Failure> {
    let path = dir.join("node-wasi-runner.mjs");
    std::fs::write(&path, NODE_RUNNER).map_err(|e| io_failure("writing", &path, e))?;
    Ok(path)
}

/// What a sample needs to know about the workload.
pub struct Job<'a> {
    pub module: &'a Path,
    pub env: &'a [(String, String)],
    pub args: &'a [String],
    pub stdin: &'a [u8],
    /// Folders the guest reads, each at its guest path.
    pub preopens: &'a [Preopen],
    pub expected_stdout: &'a [u8],
    pub expected_stderr: Option<&'a [u8]>,
    pub expected_exit: i32,
    /// The node runner script (see [`write_node_runner`]).
    pub node_runner: &'a Path,
}

/// Run `job` once under `cli` and check its output.
pub fn sample(cli: ExternalCli, job: &Job<'_>, timeout: Duration) -> Result<Sample, Failure> {
    let mut command = Command::new(cli.program());
    // Only the workload's env reaches the guest (node passes its whole env to WASI).
    command.env_clear().envs(job.env.iter().map(|(k, v)| (k, v)));
    match cli {
        ExternalCli::NodeWasi => {
            let preopens: serde_json::Map<String, serde_json::Value> =
                job.preopens.iter().map(|p| (p.guest.clone(), p.host.to_string_lossy().into_owned().into())).collect();
            command.arg("--no-warnings").arg(job.node_runner).arg(serde_json::Value::Object(preopens).to_string());
            command.arg(job.module).args(job.args);
        }
        ExternalCli::WasmtimeCli => {
            command.arg("run");
            for (k, v) in job.env {
                command.arg("--env").arg(format!("{k}={v}"));
            }
            for p in job.preopens {
                command.arg("--dir").arg(format!("{}::{}", p.host.display(), p.guest));
            }
            command.arg(job.module).args(job.args);
        }
    }
    let p = run_process(command, cli.name(), job.stdin, timeout)?;
    if p.timed_out {
        return Err(Failure {
            kind: ErrorKind::Timeout,
            message: format!("{} killed after {:.1} s", cli.name(), timeout.as_secs_f64()),
        });
    }
    let Some(code) = p.exit_code() else {
        return Err(Failure {
            kind: ErrorKind::Trap,
            message: format!("{} ended by signal {}: {}", cli.name(), libc::WTERMSIG(p.status), p.stderr_text()),
        });
    };
    let exec = wasmbench_runtimes::Execution {
        exit_code: code,
        stdout: p.stdout,
        stderr: p.stderr,
        engine_heap_bytes: None,
        bench_region_ns: None,
    };
    verify(&exec, job.expected_stdout, job.expected_exit)?;
    verify_stderr(&exec, job.expected_stderr)?;
    Ok(Sample {
        wall_ns: p.wall_ns,
        max_rss_bytes: p.max_rss_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &cli in ExternalCli::ALL {
            assert_eq!(ExternalCli::parse(cli.name()), Some(cli));
        }
        assert_eq!(ExternalCli::parse("wasmtime-cranelift"), None);
    }
}
