//! One sample of a process backend: its command run from spawn to exit, its output
//! verified, its peak RSS and (native builds) the execute time it reports on fd 3.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use wasmbench_data::ErrorKind;

use super::Prepared;
use crate::callgrind;
use crate::failure::Failure;
use crate::process::{run_process_with, ProcessOutcome};
use crate::side_channel::parse_execute_ns;
use crate::verify::{verify, verify_stderr};

/// What a cell's samples are checked against.
pub struct Expected<'a> {
    pub stdin: &'a [u8],
    pub stdout: &'a [u8],
    pub stderr: Option<&'a [u8]>,
    pub exit: i32,
}

/// One verified run.
pub struct Sample {
    pub wall_ns: u64,
    pub max_rss_bytes: Option<u64>,
    /// The program's own `main`, as it reported it (native builds).
    pub execute_ns: Option<u64>,
}

/// Run sample `n` of `prepared` and check its output.
pub fn sample(prepared: &Prepared, n: usize, expected: &Expected<'_>, timeout: Duration) -> Result<Sample, Failure> {
    let command = prepared.command(n)?;
    let mut side = Vec::new();
    let wants_side = prepared.backend.reports_execute();
    let outcome = run_process_with(command, prepared.backend.name(), expected.stdin, timeout, wants_side.then_some(&mut side));
    if let Some(bundle) = &prepared.bundle {
        bundle.after(n);
    }
    let p = checked(prepared, outcome?, expected, timeout)?;
    let execute_ns = match wants_side {
        true => Some(parse_execute_ns(&side).map_err(|e| Failure::harness(format!("{}: {e}", prepared.backend.name())))?),
        false => None,
    };
    Ok(Sample { wall_ns: p.wall_ns, max_rss_bytes: p.max_rss_bytes, execute_ns })
}

/// Instructions of the program's measured `main` under callgrind (native builds only):
/// the binary's `wasmbench_measured_main` wrapper, counted alone.
pub fn instructions(prepared: &Prepared, expected: &Expected<'_>, profile: &Path, timeout: Duration) -> Result<u64, Failure> {
    let inner = prepared.command(0)?;
    let mut args: Vec<OsString> = callgrind::valgrind_prefix_for(profile, callgrind::NATIVE_SYMBOL);
    args.push(inner.get_program().to_os_string());
    args.extend(inner.get_args().map(|a| a.to_os_string()));
    let mut command = Command::new(&args[0]);
    command.args(&args[1..]).env_clear();
    command.envs(inner.get_envs().filter_map(|(k, v)| Some((k.to_os_string(), v?.to_os_string()))));
    if let Some(dir) = inner.get_current_dir() {
        command.current_dir(dir);
    }
    let outcome = run_process_with(command, "native under callgrind", expected.stdin, timeout, None)?;
    checked(prepared, outcome, expected, timeout)?;
    callgrind::read_total_of(profile, callgrind::NATIVE_SYMBOL)
}

/// The outcome as a verified run, or the failure it is.
fn checked(prepared: &Prepared, p: ProcessOutcome, expected: &Expected<'_>, timeout: Duration) -> Result<ProcessOutcome, Failure> {
    let name = prepared.backend.name();
    if p.timed_out {
        return Err(Failure::new(ErrorKind::Timeout, format!("{name} killed after {:.1} s", timeout.as_secs_f64())));
    }
    let Some(code) = p.exit_code() else {
        let signal = libc::WTERMSIG(p.status);
        return Err(Failure::new(ErrorKind::Trap, format!("{name} ended by signal {signal}: {}", p.stderr_text())));
    };
    let exec = wasmbench_runtimes::Execution {
        exit_code: code,
        stdout: p.stdout.clone(),
        stderr: p.stderr.clone(),
        engine_heap_bytes: None,
        bench_region_ns: None,
    };
    verify(&exec, expected.stdout, expected.exit)?;
    verify_stderr(&exec, expected.stderr)?;
    Ok(p)
}
