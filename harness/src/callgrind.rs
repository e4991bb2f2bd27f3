//! The deterministic measurement mode (`wasmbench run --measure instructions`): the cold
//! worker runs under `valgrind --tool=callgrind`, which counts the instructions executed
//! inside [`wasmbench_measured_execute`] only (`--collect-atstart=no
//! --toggle-collect=wasmbench_measured_execute`): the `execute` phase, without engine
//! creation, compilation or instantiation. On the machines this runs on there are no
//! hardware counters; callgrind's counts do not depend on machine load, so a gate on
//! them has no noise.
//!
//! Also here: the test hook `WASMBENCH_DEBUG_SLOWDOWN`, which adds real work inside the
//! measured region so that the regression gate can be shown to catch a slower backend.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::{BackendId, Execution, Instance, RuntimeError};

use crate::worker::Failure;

/// The function whose calls callgrind counts (`#[no_mangle]`, so its symbol is this).
pub const MEASURED_SYMBOL: &str = "wasmbench_measured_execute";

/// Environment variable of the test hook: `ITERATIONS` (every backend) or
/// `BACKEND=ITERATIONS[,BACKEND=ITERATIONS…]`. The worker then runs that many iterations
/// of a small integer loop (7 instructions each on x86-64) after `_start`, inside the measured
/// region, and records the flag `debug-slowdown=ITERATIONS` in the cell.
pub const SLOWDOWN_VAR: &str = "WASMBENCH_DEBUG_SLOWDOWN";

/// Extra iterations for this worker process, set once by [`set_slowdown`].
static SLOWDOWN: AtomicU64 = AtomicU64::new(0);

/// The `execute` phase as measured: run `_start` (and the test hook's extra work).
/// Never inlined, and unmangled, so that callgrind can toggle collection on its calls.
#[no_mangle]
#[inline(never)]
pub fn wasmbench_measured_execute(instance: Box<dyn Instance>) -> Result<Execution, RuntimeError> {
    let result = instance.execute();
    let extra = SLOWDOWN.load(Ordering::Relaxed);
    if extra > 0 {
        busy_work(extra);
    }
    result
}

/// Real work the optimiser cannot remove: `iterations` rounds of an FNV-style mix.
fn busy_work(iterations: u64) {
    let mut x: u64 = 0xcbf2_9ce4_8422_2325;
    for i in 0..iterations {
        x = std::hint::black_box((x ^ i).wrapping_mul(0x0100_0000_01b3));
    }
    std::hint::black_box(x);
}

/// Parse [`SLOWDOWN_VAR`]'s value: the extra iterations for `backend` (0 when none).
pub fn parse_slowdown(value: &str, backend: BackendId) -> Result<u64, String> {
    let bad = || format!("{SLOWDOWN_VAR}={value:?}: expected ITERATIONS or BACKEND=ITERATIONS[,…]");
    let mut extra = 0;
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, count) = match part.split_once('=') {
            Some((name, count)) => (Some(name.trim()), count.trim()),
            None => (None, part),
        };
        let count: u64 = count.parse().map_err(|_| bad())?;
        if let Some(name) = name {
            let id: BackendId = name.parse().map_err(|e| format!("{}: {e}", bad()))?;
            if id != backend {
                continue;
            }
        }
        extra = count;
    }
    Ok(extra)
}

/// Read the test hook for this worker's backend; returns the flag to record, if any.
pub fn set_slowdown(backend: BackendId) -> Result<Option<String>, Failure> {
    let Ok(value) = std::env::var(SLOWDOWN_VAR) else {
        return Ok(None);
    };
    let extra = parse_slowdown(&value, backend).map_err(|message| Failure {
        kind: ErrorKind::Harness,
        message,
    })?;
    SLOWDOWN.store(extra, Ordering::Relaxed);
    Ok((extra > 0).then(|| format!("debug-slowdown={extra}")))
}

/// The command that runs a worker under callgrind, counting [`MEASURED_SYMBOL`] only and
/// writing its profile to `out_file`: the program and its arguments, before the worker's.
pub fn valgrind_prefix(out_file: &Path) -> Vec<OsString> {
    let mut out = OsString::from("--callgrind-out-file=");
    out.push(out_file);
    vec![
        "valgrind".into(),
        "--tool=callgrind".into(),
        "--quiet".into(),
        "--collect-atstart=no".into(),
        format!("--toggle-collect={MEASURED_SYMBOL}").into(),
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
    let text = std::fs::read_to_string(path).map_err(|e| Failure {
        kind: ErrorKind::Harness,
        message: format!("reading the callgrind profile {}: {e}", path.display()),
    })?;
    match parse_total(&text) {
        Some(0) | None => Err(Failure {
            kind: ErrorKind::Harness,
            message: format!(
                "the callgrind profile {} counts no instruction in `{MEASURED_SYMBOL}` \
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
    fn slowdown_values() {
        let wasmi: BackendId = "wasmi".parse().expect("backend");
        assert_eq!(parse_slowdown("1000", wasmi), Ok(1000));
        assert_eq!(parse_slowdown("wasmi=5, wasm3=7", wasmi), Ok(5));
        assert_eq!(parse_slowdown("wasm3=7", wasmi), Ok(0));
        assert_eq!(parse_slowdown("", wasmi), Ok(0));
        let err = parse_slowdown("lots", wasmi).expect_err("not a number");
        assert!(err.contains("WASMBENCH_DEBUG_SLOWDOWN=\"lots\""), "{err}");
        assert!(parse_slowdown("nosuch=5", wasmi).is_err());
    }

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
