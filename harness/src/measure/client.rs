//! The harness's side of the worker protocol: spawn `wasmbench worker` (optionally under a
//! wrapper such as valgrind), send one request, judge how the process ended, and read its
//! response.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use wasmbench_data::ErrorKind;

use crate::failure::Failure;
use crate::process::{run_process, ProcessOutcome, Usage};
use crate::protocol::{Measured, Request, Response};

/// What the parent saw of one worker process.
#[derive(Debug)]
pub struct ChildOutcome {
    pub response: Result<Response, Failure>,
    /// Spawn to exit, in nanoseconds.
    pub wall_ns: u64,
    /// Peak resident set size of the child, in bytes (from `wait4`'s rusage).
    pub max_rss_bytes: Option<u64>,
    pub usage: Usage,
}

/// What a worker that succeeded measured, and what the parent saw of its process.
#[derive(Debug)]
pub struct Answer {
    pub measured: Measured,
    /// Spawn to exit, in nanoseconds.
    pub wall_ns: u64,
    /// The worker's own peak resident set; `wait4`'s (which includes the harness's size,
    /// see [`Measured::peak_rss_bytes`]) only when the worker could not tell.
    pub max_rss_bytes: Option<u64>,
    /// The worker's CPU time and context switches.
    pub usage: Usage,
}

/// Run a worker (under `prefix`, if any) with `request`; its measurements, or why not.
pub fn ask(exe: &Path, prefix: &[OsString], request: &Request, timeout: Duration) -> Result<Answer, Failure> {
    answer(run_worker_under(prefix, exe, request, timeout))
}

/// Run a worker started by `command` (which must run `wasmbench worker`, e.g. inside a
/// container) with `request`; its measurements, or why not.
pub fn ask_with(command: Command, what: &str, request: &Request, timeout: Duration) -> Result<Answer, Failure> {
    answer(run_worker_command(command, what, request, timeout))
}

fn answer(outcome: ChildOutcome) -> Result<Answer, Failure> {
    match outcome.response? {
        Response::Ok(measured) => Ok(Answer {
            max_rss_bytes: measured.peak_rss_bytes.or(outcome.max_rss_bytes),
            measured,
            wall_ns: outcome.wall_ns,
            usage: outcome.usage,
        }),
        Response::Failed { kind, message } => Err(Failure { kind, message }),
    }
}

/// Run `exe worker` with `req` under a wrapper command (`prefix`, e.g. valgrind and its
/// options; none when empty), killing it after `timeout`.
pub fn run_worker_under(prefix: &[OsString], exe: &Path, req: &Request, timeout: Duration) -> ChildOutcome {
    let mut command = match prefix.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    command.arg("worker");
    let under = prefix.first().map(|p| format!(" under {}", p.to_string_lossy())).unwrap_or_default();
    let what = format!("worker {}{under}", exe.display());
    run_worker_command(command, &what, req, timeout)
}

/// Run `command` (a worker) with `req` on its stdin, killing it after `timeout`.
fn run_worker_command(command: Command, what: &str, req: &Request, timeout: Duration) -> ChildOutcome {
    let failed = |failure: Failure| ChildOutcome {
        response: Err(failure),
        wall_ns: 0,
        max_rss_bytes: None,
        usage: Usage::default(),
    };
    let payload = match serde_json::to_vec(req) {
        Ok(p) => p,
        Err(e) => return failed(Failure::harness(format!("encoding worker request: {e}"))),
    };
    match run_process(command, what, &payload, timeout) {
        Ok(p) => ChildOutcome {
            response: response(&p, req, timeout),
            wall_ns: p.wall_ns,
            max_rss_bytes: p.max_rss_bytes,
            usage: p.usage,
        },
        Err(f) => failed(f),
    }
}

/// The worker's response, or what its way of ending says went wrong.
fn response(p: &ProcessOutcome, req: &Request, timeout: Duration) -> Result<Response, Failure> {
    if p.timed_out {
        return Err(Failure::new(
            ErrorKind::Timeout,
            format!(
                "worker killed after {:.1} s without finishing (deadline not honoured in time)",
                timeout.as_secs_f64()
            ),
        ));
    }
    // A worker that dies by a signal once its execution deadline has passed was being
    // interrupted (wasmer's host interrupt can crash a worker stopped inside a host call):
    // the execution overran its deadline, which is what the cell reports.
    let deadline_ns = req.deadline_ms.saturating_mul(1_000_000);
    if libc::WIFSIGNALED(p.status) && deadline_ns > 0 && p.wall_ns >= deadline_ns {
        return Err(Failure::new(
            ErrorKind::Timeout,
            format!(
                "execution passed its deadline of {:.1} s and the worker died by signal {} \
                 while being interrupted; stderr: {}",
                deadline_ns as f64 / 1e9,
                libc::WTERMSIG(p.status),
                p.stderr_text()
            ),
        ));
    }
    if libc::WIFSIGNALED(p.status) {
        return Err(Failure::harness(format!(
            "worker crashed with signal {}; stderr: {}",
            libc::WTERMSIG(p.status),
            p.stderr_text()
        )));
    }
    serde_json::from_slice::<Response>(&p.stdout).map_err(|e| {
        Failure::harness(format!(
            "worker exited with status {} and no valid response ({e}); stderr: {}",
            libc::WEXITSTATUS(p.status),
            p.stderr_text()
        ))
    })
}
