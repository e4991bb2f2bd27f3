//! `node-wasi`: Node.js runs the WebAssembly module with its `node:wasi` module.

use std::path::Path;
use std::process::Command;

use super::ProcessCell;
use crate::failure::{io_failure, Failure};

/// The runner: instantiate the module with `node:wasi` (preview1) and run `_start`, with
/// the env and args it was given and the preopens of its first argument (a JSON object,
/// guest path → host folder). `bench.start`/`bench.end` are no-ops (a whole process is
/// all this row measures).
const RUNNER: &str = r#"import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const [preopens, path, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [path, ...args], env: process.env, preopens: JSON.parse(preopens), returnOnExit: true });
const module = await WebAssembly.compile(await readFile(path));
const bench = { start() {}, end() {} };
const instance = await WebAssembly.instantiate(module, { ...wasi.getImportObject(), bench });
process.exitCode = wasi.start(instance);
"#;

/// node 20 or newer (`node:wasi` with `version: 'preview1'`).
pub fn detect() -> Result<String, String> {
    let version = super::version_of("node")?;
    let major: u32 = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    match major >= 20 {
        true => Ok(version),
        false => Err(format!("node {version} is older than 20 (node:wasi preview1)")),
    }
}

pub fn command(cell: &ProcessCell, scratch: &Path) -> Result<Command, Failure> {
    let runner = scratch.join("node-wasi-runner.mjs");
    if !runner.exists() {
        std::fs::write(&runner, RUNNER).map_err(|e| io_failure("writing", &runner, e))?;
    }
    let preopens: serde_json::Map<String, serde_json::Value> = cell
        .workload
        .preopens
        .iter()
        .map(|p| (p.guest.clone(), p.host.to_string_lossy().into_owned().into()))
        .collect();
    let mut command = Command::new("node");
    // Only the workload's env reaches the guest (node passes its whole env to WASI).
    command.env_clear().envs(cell.workload.env.iter().map(|(k, v)| (k, v)));
    command.arg("--no-warnings").arg(&runner).arg(serde_json::Value::Object(preopens).to_string());
    command.arg(&cell.module.wasm).args(&cell.workload.args);
    Ok(command)
}
