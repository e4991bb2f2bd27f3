//! Running a child process — a worker or an external runtime's CLI — and measuring it
//! from the outside (wall time from spawn to exit, peak RSS from `wait4`). A child that
//! outlives its time budget is killed and reported as a timeout.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::failure::Failure;
use crate::side_channel::SideChannel;

/// Bytes of a worker's stderr kept for error messages.
const STDERR_KEEP: usize = 4096;

struct Exit {
    status: libc::c_int,
    max_rss_kib: libc::c_long,
    usage: Usage,
    at: Instant,
}

/// What a process (from `wait4`'s rusage) or a thread (`getrusage(RUSAGE_THREAD)`) used:
/// CPU time, context switches and page faults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub user_ns: u64,
    pub sys_ns: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    /// Minor and major page faults.
    pub faults: u64,
}

impl Usage {
    pub(crate) fn of(r: &libc::rusage) -> Usage {
        let ns = |t: libc::timeval| (t.tv_sec.max(0) as u64) * 1_000_000_000 + (t.tv_usec.max(0) as u64) * 1_000;
        let n = |v: libc::c_long| v.max(0) as u64;
        Usage {
            user_ns: ns(r.ru_utime),
            sys_ns: ns(r.ru_stime),
            voluntary_switches: n(r.ru_nvcsw),
            involuntary_switches: n(r.ru_nivcsw),
            faults: n(r.ru_minflt) + n(r.ru_majflt),
        }
    }

    /// What the calling thread has used so far (all zero if the kernel refuses).
    pub(crate) fn of_this_thread() -> Usage {
        // SAFETY: an all-zero `rusage` is a valid value of this plain C struct, and
        // `getrusage` only writes into the local we own.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) } != 0 {
            return Usage::default();
        }
        Usage::of(&usage)
    }
}

/// Block until `pid` exits; reap it and return its status and resource usage.
fn wait4(pid: libc::pid_t) -> std::io::Result<Exit> {
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid, writable locals for the whole call;
        // `pid` is our own child, which no one else reaps.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok(Exit {
                status,
                max_rss_kib: usage.ru_maxrss,
                usage: Usage::of(&usage),
                at: Instant::now(),
            });
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// What the parent saw of any child process.
#[derive(Debug)]
pub struct ProcessOutcome {
    /// Raw wait status (see `libc::WIFEXITED` & co.).
    pub status: libc::c_int,
    pub stdout: Vec<u8>,
    /// At most [`STDERR_KEEP`] bytes of it.
    pub stderr: Vec<u8>,
    /// Spawn to exit, in nanoseconds.
    pub wall_ns: u64,
    /// Peak resident set size of the child, in bytes (from `wait4`'s rusage).
    pub max_rss_bytes: Option<u64>,
    /// The child outlived its time budget and was killed.
    pub timed_out: bool,
    /// Its CPU time and context switches.
    pub usage: Usage,
}

impl ProcessOutcome {
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_string()
    }

    /// The exit code, or `None` if a signal ended the child.
    pub fn exit_code(&self) -> Option<i32> {
        libc::WIFEXITED(self.status).then(|| libc::WEXITSTATUS(self.status))
    }
}

/// Spawn `command` with `stdin` as its standard input (see [`stdin_file`]) and piped
/// stdout and stderr, collect its output, and kill it after `timeout`. Wall time runs from just before the spawn to the moment `wait4`
/// returns. `what` names the child in error messages.
pub fn run_process(command: Command, what: &str, stdin: &[u8], timeout: Duration) -> Result<ProcessOutcome, Failure> {
    run_process_with(command, what, stdin, timeout, None)
}

/// [`run_process`], and when `side` is given, the child gets the write end of a pipe as
/// file descriptor 3 and what it writes there (up to 4 KiB) ends up in `side`: the
/// channel a native build reports its own execute time on (see `process_backend`).
pub fn run_process_with(
    mut command: Command,
    what: &str,
    stdin: &[u8],
    timeout: Duration,
    side: Option<&mut Vec<u8>>,
) -> Result<ProcessOutcome, Failure> {
    let Some(side) = side else {
        return run_piped(command, what, stdin, timeout);
    };
    let channel = SideChannel::attach(&mut command).map_err(|e| Failure::harness(format!("side channel for {what}: {e}")))?;
    let outcome = run_piped(command, what, stdin, timeout);
    // The parent's write end is closed only now, so the reader sees end-of-file once the
    // child (and anything it passed fd 3 to) is gone; the pipe buffers what it wrote.
    *side = channel.finish();
    outcome
}

/// The child's standard input: `stdin` in an unlinked temporary file, read from its start,
/// complete before the child starts — as an in-process worker has its input in memory. A
/// pipe written after the spawn made the child wait for the harness to be scheduled, inside
/// what it times itself: the native hello's `main` took a median 186 µs with its input from
/// a pipe, 25 µs from a file (40 runs each, this 2-core VM).
fn stdin_file(stdin: &[u8]) -> std::io::Result<File> {
    let mut file = tempfile::tempfile()?;
    file.write_all(stdin)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

fn run_piped(mut command: Command, what: &str, stdin: &[u8], timeout: Duration) -> Result<ProcessOutcome, Failure> {
    let input = stdin_file(stdin).map_err(|e| Failure::harness(format!("writing the input of {what}: {e}")))?;
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::from(input))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::harness(format!("spawning {what}: {e}")))?;
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(wait4(pid));
    });
    let stdout = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        })
    });
    let stderr = child.stderr.take().map(|err| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.take(STDERR_KEEP as u64).read_to_end(&mut buf);
            buf
        })
    });
    let (exit, timed_out) = match rx.recv_timeout(timeout) {
        Ok(exit) => (exit, false),
        Err(_) => {
            // SAFETY: plain syscall; `pid` has not been reaped yet (the waiter has not
            // returned), so it still names our child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            (rx.recv().unwrap_or_else(|_| Err(std::io::Error::other("waiter vanished"))), true)
        }
    };
    let stdout = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    let exit = exit.map_err(|e| Failure::harness(format!("waiting for {what}: {e}")))?;
    Ok(ProcessOutcome {
        status: exit.status,
        stdout,
        stderr,
        wall_ns: u64::try_from(exit.at.duration_since(start).as_nanos()).unwrap_or(u64::MAX),
        max_rss_bytes: u64::try_from(exit.max_rss_kib).ok().map(|k| k * 1024),
        timed_out,
        usage: exit.usage,
    })
}
