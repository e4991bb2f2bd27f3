//! What a correct response to a cell's request looks like, and how to ask for it: the
//! workload's env in the query string, its stdin in a POST body.

use std::path::Path;

use wasmbench_data::{CellError, ErrorKind};
use wasmbench_gateway::load::{Bytes, Reply};

use super::fail;
use crate::plan::CellPlan;

/// What a correct response looks like, and how to ask for it.
pub(super) struct Exchange {
    pub(super) path_and_query: String,
    pub(super) body: Option<Bytes>,
    pub(super) expected_stdout: Bytes,
    pub(super) expected_exit: i32,
}

impl Exchange {
    pub(super) fn of(cell: &CellPlan) -> Result<Exchange, CellError> {
        let w = &cell.workload;
        if !w.args.is_empty() {
            return Err(fail(ErrorKind::Unsupported, "the gateway passes no program arguments; this workload needs some"));
        }
        if !w.preopens.is_empty() || w.expected_stderr.is_some() {
            return Err(fail(ErrorKind::Unsupported, "the gateway gives functions no directory and returns no stderr; this workload reads files or checks stderr"));
        }
        let query: Vec<String> = w.env.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        let mut path_and_query = format!("/fn/{}", w.name);
        if !query.is_empty() {
            path_and_query = format!("{path_and_query}?{}", query.join("&"));
        }
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| fail(ErrorKind::Io, format!("reading {}: {e}", p.display())))
        };
        Ok(Exchange {
            path_and_query,
            body: Some(Bytes::from(w.stdin.as_deref().map(read).transpose()?.unwrap_or_default())),
            expected_stdout: Bytes::from(read(&w.expected_stdout)?),
            expected_exit: w.expected_exit,
        })
    }

    pub(super) fn check(&self, reply: &Reply) -> Result<(), CellError> {
        let exit = match reply.status.as_u16() {
            200 => 0,
            500 => reply
                .headers
                .get("x-wasm-exit-code")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| response_error(reply))?,
            _ => return Err(response_error(reply)),
        };
        if exit != self.expected_exit {
            return Err(fail(ErrorKind::WrongOutput, format!("exit code {exit}, expected {}", self.expected_exit)));
        }
        if reply.body != self.expected_stdout {
            return Err(fail(
                ErrorKind::WrongOutput,
                format!("response body ({} bytes) differs from the expected stdout ({} bytes)", reply.body.len(), self.expected_stdout.len()),
            ));
        }
        Ok(())
    }
}

fn response_error(reply: &Reply) -> CellError {
    let kind = match reply.headers.get("x-wasm-error").and_then(|v| v.to_str().ok()) {
        Some("timeout") => ErrorKind::Timeout,
        Some("trap") => ErrorKind::Trap,
        Some("resource-limit") => ErrorKind::ResourceLimit,
        Some("invalid") => ErrorKind::Invalid,
        Some("unlinkable") => ErrorKind::Unlinkable,
        Some("unsupported") => ErrorKind::Unsupported,
        _ => ErrorKind::Harness,
    };
    let body = String::from_utf8_lossy(&reply.body);
    fail(kind, format!("HTTP {}: {}", reply.status, body.trim()))
}

/// Percent-encode a query component.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
