//! `native`: the workload's static x86_64 Linux build (built by
//! `scripts/build-workloads.sh` from the same source as its WebAssembly module) run as a
//! process with the workload's env, args and stdin. A workload folder preopened as `.` is
//! the process's current directory; other guest paths have no native equivalent.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmbench_data::ErrorKind;

use super::ProcessCell;
use crate::failure::Failure;

pub fn detect() -> Result<String, String> {
    match cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        true => Ok("x86_64-linux static".to_string()),
        false => Err("the native builds are x86_64 Linux binaries".to_string()),
    }
}

/// The native binary of the cell's module.
pub fn binary(cell: &ProcessCell) -> Result<&Path, Failure> {
    cell.module.native.as_ref().map(|n| n.file.as_path()).ok_or_else(|| {
        Failure::new(
            ErrorKind::Unsupported,
            format!("{} ({}) has no native build", cell.workload.name, cell.module.language),
        )
    })
}

/// The process's working directory: the folder preopened as `.`, or `scratch`.
pub fn working_dir(cell: &ProcessCell, scratch: &Path) -> Result<PathBuf, Failure> {
    match cell.workload.preopens.as_slice() {
        [] => Ok(scratch.to_path_buf()),
        [p] if p.guest == "." => Ok(p.host.clone()),
        _ => Err(Failure::new(
            ErrorKind::Unsupported,
            format!(
                "{}: a native process gets one folder, as its current directory (`.`); this workload preopens {}",
                cell.workload.name,
                cell.workload.preopens.iter().map(|p| format!("{} at `{}`", p.host.display(), p.guest)).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

pub fn command(cell: &ProcessCell, scratch: &Path) -> Result<Command, Failure> {
    // Absolute: the child starts in another folder, where a path relative to the
    // manifest's (e.g. `workloads/built/…` of the default manifest) would not be found.
    let binary = binary(cell)?;
    let binary = std::path::absolute(binary).map_err(|e| crate::failure::io_failure("locating", binary, e))?;
    let mut command = Command::new(binary);
    command.env_clear().envs(cell.workload.env.iter().map(|(k, v)| (k, v)));
    command.args(&cell.workload.args).current_dir(working_dir(cell, scratch)?);
    Ok(command)
}
