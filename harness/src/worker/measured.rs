//! The `execute` phase as measured, and the regression gate's test hook.
//!
//! Under `--measure instructions` callgrind counts the instructions executed inside
//! [`wasmbench_measured_execute`] only (see `crate::callgrind`). The test hook
//! `WASMBENCH_DEBUG_SLOWDOWN` adds real work inside that region, so that the regression
//! gate can be shown to catch a slower backend.

use std::sync::atomic::{AtomicU64, Ordering};

use wasmbench_runtimes::{BackendId, Execution, Instance, RuntimeError};

use crate::failure::Failure;

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
    let extra = parse_slowdown(&value, backend).map_err(Failure::harness)?;
    SLOWDOWN.store(extra, Ordering::Relaxed);
    Ok((extra > 0).then(|| format!("debug-slowdown={extra}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_function_is_the_one_callgrind_counts() {
        assert_eq!(crate::callgrind::MEASURED_SYMBOL, "wasmbench_measured_execute");
    }

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
}
