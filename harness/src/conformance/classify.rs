//! Judging one run of one test: pass (exit code and stdout as the spec says), fail (it
//! ran, but differs), error (it could not run), and whether the backend's expectations
//! list that result.

use wasmbench_report::conformance::{MatrixRow, Verdict};

use super::expectations::Known;
use super::spec::TestSpec;
use crate::failure::Failure;
use crate::protocol::RunOutput;

/// Most characters of an output quoted in a detail.
const QUOTE_CHARS: usize = 120;

/// The verdict on what a worker reported for `spec`, with what differed or went wrong.
pub fn classify(spec: &TestSpec, outcome: &Result<RunOutput, Failure>) -> (Verdict, Option<i32>, String) {
    let out = match outcome {
        Ok(out) => out,
        // On one line: backends' messages may carry a backtrace.
        Err(f) => return (Verdict::Error, None, format!("{}: {}", f.kind.as_str(), one_line(&f.message))),
    };
    let mut differences = Vec::new();
    if out.exit_code != spec.exit_code {
        differences.push(format!("exit code {}, expected {}", out.exit_code, spec.exit_code));
    }
    if let Some(want) = &spec.stdout {
        if out.stdout != want.as_bytes() {
            differences.push(format!("stdout {}, expected {}", quote(&out.stdout), quote(want.as_bytes())));
        }
    }
    if differences.is_empty() {
        (Verdict::Pass, Some(out.exit_code), String::new())
    } else {
        if !out.stderr.is_empty() {
            differences.push(format!("stderr {}", quote(&out.stderr)));
        }
        (Verdict::Fail, Some(out.exit_code), differences.join("; "))
    }
}

/// The matrix row of a result, marked known when the expectations list this verdict.
pub fn row(test: &str, backend: &str, spec: &TestSpec, outcome: &Result<RunOutput, Failure>, known: Option<&Known>) -> MatrixRow {
    let (result, exit_code, detail) = classify(spec, outcome);
    let known = known.filter(|k| result != Verdict::Pass && k.verdict == result);
    let detail = match known {
        Some(k) if !k.reason.is_empty() => format!("{detail} | known: {}", k.reason),
        _ => detail,
    };
    MatrixRow {
        test: test.to_string(),
        backend: backend.to_string(),
        result,
        exit_code,
        expected_exit_code: spec.exit_code,
        known: known.is_some(),
        detail,
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Bytes as a short quoted string (lossy UTF-8, escaped, cut at [`QUOTE_CHARS`]).
fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let cut: String = text.chars().take(QUOTE_CHARS).collect();
    let more = if text.chars().count() > QUOTE_CHARS { "…" } else { "" };
    format!("{cut:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmbench_data::ErrorKind;

    fn ran(exit_code: i32, stdout: &str) -> Result<RunOutput, Failure> {
        Ok(RunOutput { exit_code, stdout: stdout.as_bytes().to_vec(), stderr: Vec::new() })
    }

    fn spec(exit_code: i32, stdout: Option<&str>) -> TestSpec {
        TestSpec { exit_code, stdout: stdout.map(str::to_string), ..TestSpec::default() }
    }

    #[test]
    fn pass_needs_exit_code_and_stdout() {
        assert_eq!(classify(&spec(0, Some("ok\n")), &ran(0, "ok\n")), (Verdict::Pass, Some(0), String::new()));
        assert_eq!(classify(&spec(42, None), &ran(42, "anything")).0, Verdict::Pass, "stdout unchecked");
        let (v, code, detail) = classify(&spec(0, Some("ok\n")), &ran(3, "fail 3\n"));
        assert_eq!((v, code), (Verdict::Fail, Some(3)));
        assert_eq!(detail, r#"exit code 3, expected 0; stdout "fail 3\n", expected "ok\n""#);
        let (v, _, detail) = classify(&spec(1, None), &ran(0, ""));
        assert_eq!((v, detail.as_str()), (Verdict::Fail, "exit code 0, expected 1"));
    }

    #[test]
    fn a_run_that_did_not_finish_is_an_error() {
        let trap = Err(Failure::new(ErrorKind::Trap, "unreachable\n  0: at f\n"));
        assert_eq!(classify(&spec(0, None), &trap), (Verdict::Error, None, "trap: unreachable 0: at f".into()));
    }

    #[test]
    fn known_only_when_the_verdict_matches() {
        let s = spec(0, Some("ok\n"));
        let fail = Known { verdict: Verdict::Fail, reason: "differs".into() };
        let r = row("t", "b", &s, &ran(2, "fail 2\n"), Some(&fail));
        assert!(r.known && r.detail.ends_with(" | known: differs"), "{r:?}");
        let r = row("t", "b", &s, &Err(Failure::new(ErrorKind::Timeout, "slow")), Some(&fail));
        assert!(!r.known, "an error where a failure is listed is unexpected");
        let r = row("t", "b", &s, &ran(0, "ok\n"), Some(&fail));
        assert!(!r.known && r.result == Verdict::Pass);
    }

    #[test]
    fn long_outputs_are_cut() {
        let long = "x".repeat(500);
        let (_, _, detail) = classify(&spec(0, Some("ok")), &ran(0, &long));
        assert!(detail.len() < 300 && detail.contains("…"), "{detail}");
    }
}
