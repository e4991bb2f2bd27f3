//! Backends that run a workload as a whole child process, measured from the outside:
//! the alternatives a WebAssembly engine is compared with (the workload's native build as
//! a process, the same binary in a container, its JavaScript version under `node`) and
//! the runtimes' own command-line tools (`node` with `node:wasi`, the `wasmtime` CLI).
//!
//! Each sample is one process from spawn to exit (mode `cold`, phase `process`) with its
//! peak RSS; native builds also report how long their own `main` ran on a side channel
//! (phase `execute`, see `crate::side_channel`). Every run's output is verified like any
//! other. One file per backend builds its command; `sample` runs and checks it.

pub mod container;
mod native;
mod node_js;
mod node_wasi;
pub mod sample;
mod wasmtime_cli;

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmbench_data::BackendKind;

use crate::failure::Failure;
use crate::manifest::{Workload, WorkloadModule};

/// A backend that runs each sample as a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessBackend {
    /// Node.js (V8) with its `node:wasi` module, running the WebAssembly module.
    NodeWasi,
    /// The Wasmtime command-line tool.
    WasmtimeCli,
    /// Node.js running the workload's JavaScript version (the alternative to `v8-js`).
    NodeJs,
    /// The workload's static x86_64 Linux build, run as a process.
    Native,
    /// The same static build in an OCI container started with `runc`.
    Container,
}

/// One cell of a process backend: a workload's module (or its native build) on it.
#[derive(Debug, Clone)]
pub struct ProcessCell {
    pub backend: ProcessBackend,
    pub workload: Workload,
    pub module: WorkloadModule,
}

/// What a backend needs for one cell, made once before its samples (scripts, a bundle).
pub struct Prepared {
    pub backend: ProcessBackend,
    cell: ProcessCell,
    scratch: PathBuf,
    bundle: Option<container::Bundle>,
}

impl ProcessBackend {
    pub const ALL: &'static [ProcessBackend] = &[
        ProcessBackend::Native,
        ProcessBackend::Container,
        ProcessBackend::NodeJs,
        ProcessBackend::NodeWasi,
        ProcessBackend::WasmtimeCli,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProcessBackend::NodeWasi => "node-wasi",
            ProcessBackend::WasmtimeCli => "wasmtime-cli",
            ProcessBackend::NodeJs => "node-js",
            ProcessBackend::Native => "native",
            ProcessBackend::Container => "container",
        }
    }

    pub fn kind(self) -> BackendKind {
        match self {
            ProcessBackend::Native => BackendKind::Native,
            ProcessBackend::Container => BackendKind::Container,
            _ => BackendKind::External,
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            ProcessBackend::NodeWasi => "node with node:wasi running the WebAssembly module, a process per sample",
            ProcessBackend::WasmtimeCli => "the wasmtime command-line tool, a process per sample",
            ProcessBackend::NodeJs => "node running the workload's JavaScript version, a process per sample",
            ProcessBackend::Native => "the workload's static x86_64 Linux build, a process per sample",
            ProcessBackend::Container => "the static build in an OCI container (runc, read-only root, no network)",
        }
    }

    pub fn parse(name: &str) -> Option<ProcessBackend> {
        Self::ALL.iter().copied().find(|b| b.name() == name)
    }

    /// The tool's version (what the cell's flags record), or why the backend cannot run.
    pub fn detect(self) -> Result<String, String> {
        match self {
            ProcessBackend::NodeWasi => node_wasi::detect(),
            ProcessBackend::WasmtimeCli => wasmtime_cli::detect(),
            ProcessBackend::NodeJs => node_js::detect(),
            ProcessBackend::Native => native::detect(),
            ProcessBackend::Container => container::detect(),
        }
    }

    /// Whether this backend runs `module`: WebAssembly modules, JavaScript versions or
    /// modules with a native build.
    pub fn runs(self, module: &WorkloadModule) -> bool {
        match self {
            ProcessBackend::NodeWasi | ProcessBackend::WasmtimeCli => module.language != "js",
            ProcessBackend::NodeJs => module.language == "js",
            ProcessBackend::Native | ProcessBackend::Container => module.native.is_some(),
        }
    }

    /// Whether its samples report the program's own execute time (native builds do).
    pub fn reports_execute(self) -> bool {
        matches!(self, ProcessBackend::Native | ProcessBackend::Container)
    }
}

impl Prepared {
    /// Make what the cell's samples share, in `scratch` (a folder removed with the run).
    pub fn new(cell: &ProcessCell, scratch: &Path) -> Result<Prepared, Failure> {
        let bundle = match cell.backend {
            ProcessBackend::Container => Some(container::Bundle::create(cell, scratch)?),
            _ => None,
        };
        Ok(Prepared { backend: cell.backend, cell: cell.clone(), scratch: scratch.to_path_buf(), bundle })
    }

    /// The command of sample `n`, with only the workload's environment.
    pub fn command(&self, n: usize) -> Result<Command, Failure> {
        let (cell, scratch) = (&self.cell, self.scratch.as_path());
        match (self.backend, &self.bundle) {
            (ProcessBackend::NodeWasi, _) => node_wasi::command(cell, scratch),
            (ProcessBackend::WasmtimeCli, _) => Ok(wasmtime_cli::command(cell)),
            (ProcessBackend::NodeJs, _) => node_js::command(cell, scratch),
            (ProcessBackend::Native, _) => native::command(cell, scratch),
            (ProcessBackend::Container, Some(bundle)) => Ok(bundle.command(n)),
            (ProcessBackend::Container, None) => Err(Failure::harness("container cell without a bundle")),
        }
    }
}

/// A version line from `PROGRAM --version`, or why it cannot be run.
fn version_of(program: &str) -> Result<String, String> {
    match Command::new(program).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").trim().to_string()),
        Ok(out) => Err(format!("`{program} --version` failed ({})", out.status)),
        Err(e) => Err(format!("`{program}` is not installed or not on PATH ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_kinds() {
        for &b in ProcessBackend::ALL {
            assert_eq!(ProcessBackend::parse(b.name()), Some(b));
        }
        assert_eq!(ProcessBackend::parse("wasmtime-cranelift"), None);
        assert_eq!(ProcessBackend::Native.kind(), BackendKind::Native);
        assert_eq!(ProcessBackend::Container.kind(), BackendKind::Container);
        assert_eq!(ProcessBackend::NodeJs.kind(), BackendKind::External);
    }
}
