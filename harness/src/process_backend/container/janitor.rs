//! The janitor: a child process, started with the first container of a run, in a session
//! of its own (a Ctrl-C to the run's terminal does not reach it), that waits until its
//! standard input — a pipe whose only write end the run holds — reaches end-of-file,
//! which happens when the run exits however it ends (finished, failed, killed with
//! SIGKILL), and then sweeps the run's containers and bundles (`wasmbench clean --owner
//! PID --when-stdin-closes`).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::failure::Failure;

/// The write end of the janitor's stdin, held until this process exits.
static JANITOR: OnceLock<Mutex<Option<ChildStdin>>> = OnceLock::new();

/// Start the janitor once per process.
pub fn ensure() -> Result<(), Failure> {
    if JANITOR.get().is_some() {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| Failure::harness(format!("locating wasmbench for the janitor: {e}")))?;
    let mut command = Command::new(exe);
    command.args(["clean", "--owner", &std::process::id().to_string(), "--when-stdin-closes"]);
    command.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; it only moves the child into a new session.
    unsafe {
        command.pre_exec(|| match libc::setsid() {
            -1 => Err(std::io::Error::last_os_error()),
            _ => Ok(()),
        });
    }
    let mut child = command.spawn().map_err(|e| Failure::harness(format!("starting the container janitor: {e}")))?;
    let _ = JANITOR.set(Mutex::new(child.stdin.take()));
    // Reaped by no one while we run; once we exit, init adopts and reaps it.
    std::mem::forget(child);
    Ok(())
}

/// The janitor's side: block until stdin closes (the owner is gone).
pub fn wait_for_owner() {
    let mut sink = [0u8; 64];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
}
