//! Reading what a cell needs from disk: its module (WebAssembly text assembled), its stdin
//! and its expected stdout. Always before any clock starts.

use std::path::Path;

use wasmbench_data::ErrorKind;

use crate::failure::{io_failure, Failure};

/// Read a module, converting WebAssembly text to binary.
pub fn read_module(path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes = std::fs::read(path).map_err(|e| io_failure("reading module", path, e))?;
    if path.extension().is_some_and(|e| e == "wat") {
        return wat::parse_bytes(&bytes)
            .map(|b| b.into_owned())
            .map_err(|e| Failure::new(ErrorKind::Invalid, format!("{}: {e}", path.display())));
    }
    Ok(bytes)
}

/// A workload's stdin (empty without a file) and its expected stdout, read from disk.
pub fn read_io(stdin: Option<&Path>, expected_stdout: &Path) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let stdin = match stdin {
        Some(p) => std::fs::read(p).map_err(|e| io_failure("reading stdin file", p, e))?,
        None => Vec::new(),
    };
    let expected = std::fs::read(expected_stdout).map_err(|e| io_failure("reading expected stdout", expected_stdout, e))?;
    Ok((stdin, expected))
}

/// The expected stderr, when a workload checks it (peer suites), read from disk.
pub fn read_expected_stderr(path: Option<&Path>) -> Result<Option<Vec<u8>>, Failure> {
    path.map(|p| std::fs::read(p).map_err(|e| io_failure("reading expected stderr", p, e))).transpose()
}
