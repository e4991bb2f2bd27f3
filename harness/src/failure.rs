//! The failure of a measurement, a worker or a check: an [`ErrorKind`] and a message. A
//! failed cell carries one; it is never a data point.

use std::path::Path;

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::RuntimeError;

/// A failure inside the worker or the harness, before or while measuring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }

    /// A failure of the harness itself (not of the guest or the backend).
    pub fn harness(message: impl Into<String>) -> Self {
        Failure::new(ErrorKind::Harness, message)
    }
}

impl From<RuntimeError> for Failure {
    fn from(e: RuntimeError) -> Self {
        Failure {
            kind: e.kind,
            message: e.message,
        }
    }
}

/// An I/O failure on `path`: "`what` `path`: `e`".
pub fn io_failure(what: &str, path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::new(ErrorKind::Io, format!("{what} {}: {e}", path.display()))
}
