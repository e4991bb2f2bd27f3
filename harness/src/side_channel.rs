//! File descriptor 3 of a child process as a pipe to the parent: the side channel on
//! which a native build of a workload reports how long its own `main` ran, apart from
//! its stdout (which is verified byte for byte) and from process start-up.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::thread::JoinHandle;

/// The child's fd number for the channel.
pub const CHILD_FD: libc::c_int = 3;
/// Bytes kept of what the child writes.
const KEEP: u64 = 4096;

/// The parent's ends of the pipe: the write end (held until the child has been spawned
/// and has exited) and a thread reading the other.
pub struct SideChannel {
    writer: OwnedFd,
    reader: JoinHandle<Vec<u8>>,
}

impl SideChannel {
    /// Make a pipe and have `command`'s child get its write end as fd 3.
    pub fn attach(command: &mut Command) -> std::io::Result<SideChannel> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: pipe2 succeeded, so both are fresh descriptors owned by nobody else.
        let (read, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let raw = writer.as_raw_fd();
        // SAFETY: dup2 is async-signal-safe; between fork and exec it only duplicates the
        // inherited write end onto fd 3 (dup2 clears close-on-exec on the copy).
        unsafe {
            command.pre_exec(move || match libc::dup2(raw, CHILD_FD) {
                -1 => Err(std::io::Error::last_os_error()),
                _ => Ok(()),
            });
        }
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = std::fs::File::from(read).take(KEEP).read_to_end(&mut buf);
            buf
        });
        Ok(SideChannel { writer, reader })
    }

    /// Close the write end and return what the child wrote.
    pub fn finish(self) -> Vec<u8> {
        drop(self.writer);
        self.reader.join().unwrap_or_default()
    }
}

/// The execute time a native build reports: one line `wasmbench-execute-ns N`.
pub fn parse_execute_ns(bytes: &[u8]) -> Result<u64, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the side channel is not UTF-8".to_string())?;
    let mut lines = text.lines();
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return Err(format!("expected one line `wasmbench-execute-ns N` on fd 3, got {text:?}"));
    };
    line.strip_prefix("wasmbench-execute-ns ")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("expected `wasmbench-execute-ns N` on fd 3, got {line:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_writes_on_fd_3() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo 'wasmbench-execute-ns 1234' >&3"]);
        let channel = SideChannel::attach(&mut command).expect("pipe");
        let out = command.output().expect("sh runs");
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(parse_execute_ns(&channel.finish()), Ok(1234));
    }

    #[test]
    fn malformed_reports_are_refused() {
        assert!(parse_execute_ns(b"").is_err());
        assert!(parse_execute_ns(b"wasmbench-execute-ns x\n").is_err());
        assert!(parse_execute_ns(b"wasmbench-execute-ns 1\nwasmbench-execute-ns 2\n").is_err());
        assert_eq!(parse_execute_ns(b"wasmbench-execute-ns 7\n"), Ok(7));
    }
}
