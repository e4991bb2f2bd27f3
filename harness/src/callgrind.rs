//! The deterministic measurement mode (`wasmbench run --measure instructions`): the cold
//! worker runs under `valgrind --tool=callgrind`, which counts the instructions executed
//! inside `wasmbench_measured_execute` (crate::worker::measured) only (`--collect-atstart=no
//! --toggle-collect=wasmbench_measured_execute`): the `execute` phase, without engine
//! creation, compilation or instantiation. On the machines this runs on there are no
//! hardware counters; callgrind's counts do not depend on machine load, so a gate on
//! them has no noise.
//!
//! This is the harness's side (the valgrind command, reading its profile); the measured
//! function and the `WASMBENCH_DEBUG_SLOWDOWN` test hook live with the worker.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use wasmbench_data::ErrorKind;

use crate::failure::Failure;

/// The function whose calls callgrind counts (`#[no_mangle]`, so its symbol is this).
pub const MEASURED_SYMBOL: &str = "wasmbench_measured_execute";

/// The function a native build of a workload wraps its `main` in (see workloads/native/);
/// a pattern, since Go and Rust qualify the symbol.
pub const NATIVE_SYMBOL: &str = "*wasmbench_measured_main*";

/// The command that runs a worker under callgrind, counting [`MEASURED_SYMBOL`] only and
/// writing its profile to `out_file`: the program and its arguments, before the worker's.
pub fn valgrind_prefix(out_file: &Path) -> Vec<OsString> {
    valgrind_prefix_for(out_file, MEASURED_SYMBOL)
}

/// [`valgrind_prefix`] counting the function(s) `symbol` names instead.
pub fn valgrind_prefix_for(out_file: &Path, symbol: &str) -> Vec<OsString> {
    let mut out = OsString::from("--callgrind-out-file=");
    out.push(out_file);
    vec![
        "valgrind".into(),
        "--tool=callgrind".into(),
        "--quiet".into(),
        "--collect-atstart=no".into(),
        format!("--toggle-collect={symbol}").into(),
        out,
    ]
}

/// Whether valgrind can be run; an error that says how to get it otherwise.
pub fn check_valgrind() -> Result<String, String> {
    match Command::new("valgrind").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Ok(o) => Err(format!(
            "`valgrind --version` failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!(
            "--measure instructions needs valgrind, which could not be run ({e}): \
             `apt-get install valgrind` (scripts/setup.sh installs it)"
        )),
    }
}

/// The instruction count of a callgrind profile: its `totals:` line (or `summary:`).
pub fn parse_total(profile: &str) -> Option<u64> {
    let value = |prefix: &str| {
        profile
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    value("totals:").or_else(|| value("summary:"))
}

/// Read the instruction count from the profile callgrind wrote to `path`.
pub fn read_total(path: &Path) -> Result<u64, Failure> {
    read_total_of(path, MEASURED_SYMBOL)
}

/// [`read_total`] of a profile that counted `symbol`.
pub fn read_total_of(path: &Path, symbol: &str) -> Result<u64, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure {
        kind: ErrorKind::Harness,
        message: format!("reading the callgrind profile {}: {e}", path.display()),
    })?;
    match parse_total(&text) {
        Some(0) | None => Err(Failure {
            kind: ErrorKind::Harness,
            message: format!(
                "the callgrind profile {} counts no instruction in `{symbol}` \
                 (was the symbol stripped from the binary?)",
                path.display()
            ),
        }),
        Some(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_totals() {
        let profile = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nfn=(1) main\n3 10\n\nsummary: 123456\n\n\ntotals: 123456\n";
        assert_eq!(parse_total(profile), Some(123_456));
        assert_eq!(parse_total("events: Ir\nsummary: 42\n"), Some(42));
        assert_eq!(parse_total("events: Ir\n"), None);
    }

    #[test]
    fn valgrind_command_counts_the_measured_function_only() {
        let args = valgrind_prefix(Path::new("/tmp/x.out"));
        let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args[0], "valgrind");
        assert!(args.contains(&"--collect-atstart=no".to_string()));
        assert!(args.contains(&"--toggle-collect=wasmbench_measured_execute".to_string()));
        assert!(args.contains(&"--callgrind-out-file=/tmp/x.out".to_string()));
    }
}
