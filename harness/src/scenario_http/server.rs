//! A `wasmbench serve` child process for one cell, started and stopped by the scenario.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wasmbench_data::{CellError, ErrorKind};
use wasmbench_gateway::load::{Client, Target};

use super::exchange::Exchange;
use super::{fail, HttpSettings};
use crate::gateway_results::LISTENING;
use crate::plan::CellPlan;

/// Time a gateway gets to start (engine creation; V8 initialisation).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A `wasmbench serve` child process, stopped with SIGTERM when dropped.
pub(super) struct Server {
    child: Child,
    pub(super) url: String,
}

impl Server {
    pub(super) fn start(cell: &CellPlan, settings: &HttpSettings, eager: bool) -> Result<Server, CellError> {
        let mut command = Command::new(&settings.worker_exe);
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--backend", cell.backend.name()])
            .arg("--fn")
            .arg(format!("{}={}", cell.workload.name, cell.module.wasm.display()))
            .args(["--deadline", &settings.limits.deadline.as_secs_f64().to_string()])
            .args(["--max-memory-mib", &(settings.limits.max_memory_bytes >> 20).max(1).to_string()])
            .args(["--max-output-kib", &(settings.limits.max_output_bytes >> 10).max(1).to_string()])
            .args(["--max-concurrent", &settings.max_concurrent.to_string()])
            // Requests over the cap queue (up to the deadline) rather than get 503: the rate
            // steps find where latency, not the queue, gives out.
            .args(["--queue-timeout-ms", &settings.limits.deadline.as_millis().to_string()])
            .args(eager.then_some("--eager"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .map_err(|e| fail(ErrorKind::Harness, format!("starting {}: {e}", settings.worker_exe.display())))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(fail(ErrorKind::Harness, "no stdout from the gateway"));
        };
        // Read the start-up line on a thread, so that a gateway that hangs cannot hang us.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut reader = BufReader::new(stdout);
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the gateway never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut server = Server { child, url: String::new() };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) if line.starts_with(LISTENING) => {
                let addr = line[LISTENING.len()..].split_whitespace().next().unwrap_or("");
                server.url = format!("http://{addr}");
                Ok(server)
            }
            Ok(line) => Err(fail(
                ErrorKind::Harness,
                format!("the gateway did not start (said {:?}; its error is on stderr above)", line.trim()),
            )),
            Err(_) => Err(fail(ErrorKind::Harness, "the gateway did not start within 60 s")),
        }
    }

    pub(super) async fn client(&self, exchange: &Exchange) -> Result<Client, CellError> {
        let target = Target::parse(&format!("{}{}", self.url, exchange.path_and_query))
            .await
            .map_err(|e| fail(ErrorKind::Harness, e.to_string()))?;
        Ok(Client::new(target))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Graceful shutdown on SIGTERM; a gateway still there after its grace is killed.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child process, which we have not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
