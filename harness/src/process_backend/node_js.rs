//! `node-js`: a `node` process runs the workload's JavaScript version — the usual way to
//! run a JavaScript function without an isolate host. The runner gives the script the
//! same host API as `v8-js` (runtimes/v8/README.md: a global `wasmbench` with `env`,
//! `args`, `stdin` and `write(fd, stringOrBytes)`), calls `main()` once and exits with
//! its return value.

use std::path::Path;
use std::process::Command;

use super::ProcessCell;
use crate::failure::{io_failure, Failure};

/// CommonJS, so the workload runs as a classic script in this context (`vm`), as in the
/// isolate. Output goes through `fs.writeSync`, so nothing is lost at exit.
const RUNNER: &str = r#"'use strict';
const fs = require('node:fs');
const vm = require('node:vm');
const [script, ...args] = process.argv.slice(2);
const env = Object.assign(Object.create(null), process.env);
let stdin = new Uint8Array(0);
try { stdin = new Uint8Array(fs.readFileSync(0)); } catch (e) { if (e.code !== 'EAGAIN' && e.code !== 'EOF') throw e; }
const write = (fd, data) => {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
};
globalThis.wasmbench = { env, args: ['main.js', ...args], stdin, write };
vm.runInThisContext(fs.readFileSync(script, 'utf8'), { filename: script });
const code = globalThis.main();
process.exitCode = typeof code === 'number' ? code : 0;
"#;

pub fn detect() -> Result<String, String> {
    super::version_of("node")
}

pub fn command(cell: &ProcessCell, scratch: &Path) -> Result<Command, Failure> {
    let runner = scratch.join("node-js-runner.cjs");
    if !runner.exists() {
        std::fs::write(&runner, RUNNER).map_err(|e| io_failure("writing", &runner, e))?;
    }
    let mut command = Command::new("node");
    command.env_clear().envs(cell.workload.env.iter().map(|(k, v)| (k, v)));
    command.arg("--no-warnings").arg(&runner).arg(&cell.module.wasm).args(&cell.workload.args);
    Ok(command)
}
