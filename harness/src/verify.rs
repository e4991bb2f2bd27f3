//! Verification: an execution is data only if its stdout and exit code (and, for peer
//! suites, its stderr) are exactly the expected ones. A wrong answer is an error, never a
//! data point.

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::Execution;

use crate::failure::Failure;

/// Check one execution against the expected stdout and exit code.
pub fn verify(exec: &Execution, expected_stdout: &[u8], expected_exit: i32) -> Result<(), Failure> {
    if exec.exit_code != expected_exit {
        return Err(Failure {
            kind: ErrorKind::WrongOutput,
            message: format!(
                "exit code {} (expected {expected_exit}); stderr: {}",
                exec.exit_code,
                excerpt(&exec.stderr, 0)
            ),
        });
    }
    same("stdout", &exec.stdout, expected_stdout)
}

/// Check one execution's stderr against the expected stderr, when there is one (peer
/// suites check both streams; our workloads' stderr is diagnostics only).
pub fn verify_stderr(exec: &Execution, expected_stderr: Option<&[u8]>) -> Result<(), Failure> {
    match expected_stderr {
        Some(expected) => same("stderr", &exec.stderr, expected),
        None => Ok(()),
    }
}

/// `got` equals `expected`, or a failure naming the stream and the first differing byte.
fn same(stream: &str, got: &[u8], expected: &[u8]) -> Result<(), Failure> {
    if got == expected {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(expected.len()));
    Err(Failure {
        kind: ErrorKind::WrongOutput,
        message: format!(
            "{stream} differs from the expected output at byte {at} \
             (got {} bytes, expected {}): got {} where {} was expected",
            got.len(),
            expected.len(),
            excerpt(got, at),
            excerpt(expected, at),
        ),
    })
}

/// Up to 60 bytes of `bytes` from `at`, escaped and quoted.
fn excerpt(bytes: &[u8], at: usize) -> String {
    let start = at.min(bytes.len());
    let end = (start + 60).min(bytes.len());
    let text: String = bytes[start..end].escape_ascii().to_string();
    let more = if end < bytes.len() { "…" } else { "" };
    format!("\"{text}\"{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(stdout: &[u8], exit_code: i32) -> Execution {
        Execution {
            exit_code,
            stdout: stdout.to_vec(),
            stderr: b"oops".to_vec(),
            engine_heap_bytes: None,
            bench_region_ns: None,
        }
    }

    #[test]
    fn verify_accepts_exact_output_only() {
        assert!(verify(&exec(b"42\n", 0), b"42\n", 0).is_ok());
        let f = verify(&exec(b"43\n", 0), b"42\n", 0).expect_err("differs");
        assert_eq!(f.kind, ErrorKind::WrongOutput);
        assert!(f.message.contains("at byte 1"), "{}", f.message);
        let f = verify(&exec(b"42", 0), b"42\n", 0).expect_err("shorter");
        assert!(f.message.contains("got 2 bytes, expected 3"), "{}", f.message);
        let f = verify(&exec(b"42\n", 3), b"42\n", 0).expect_err("exit code");
        assert!(f.message.contains("exit code 3 (expected 0)"), "{}", f.message);
        assert!(f.message.contains("oops"), "{}", f.message);
    }

    #[test]
    fn stderr_is_checked_only_when_expected() {
        assert!(verify_stderr(&exec(b"", 0), None).is_ok());
        assert!(verify_stderr(&exec(b"", 0), Some(b"oops")).is_ok());
        let f = verify_stderr(&exec(b"", 0), Some(b"oops\n")).expect_err("differs");
        assert_eq!(f.kind, ErrorKind::WrongOutput);
        assert!(f.message.starts_with("stderr differs"), "{}", f.message);
        assert!(f.message.contains("got 4 bytes, expected 5"), "{}", f.message);
    }
}
