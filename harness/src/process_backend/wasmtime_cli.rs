//! `wasmtime-cli`: the Wasmtime command-line tool runs the WebAssembly module.

use std::process::Command;

use super::ProcessCell;

pub fn detect() -> Result<String, String> {
    super::version_of("wasmtime")
}

pub fn command(cell: &ProcessCell) -> Command {
    let mut command = Command::new("wasmtime");
    command.env_clear().arg("run");
    for (k, v) in &cell.workload.env {
        command.arg("--env").arg(format!("{k}={v}"));
    }
    for p in &cell.workload.preopens {
        command.arg("--dir").arg(format!("{}::{}", p.host.display(), p.guest));
    }
    command.arg(&cell.module.wasm).args(&cell.workload.args);
    command
}
