//! The compile deadline: compilers cannot be interrupted, but a process can always end.

use std::time::Duration;

use wasmbench_data::ErrorKind;

use crate::protocol::Response;

/// While alive, bounds the time of a `prepare` call: when the compile deadline passes
/// first, a watchdog thread answers `timeout` on stdout and ends the worker process
/// (compilers cannot be interrupted, but a process can always end).
pub struct CompileBound {
    done: Option<std::sync::mpsc::Sender<()>>,
}

impl CompileBound {
    pub fn start(deadline_ms: u64) -> CompileBound {
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
