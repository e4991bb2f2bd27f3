//! The one clock every phase is timed with: the monotonic clock, in nanoseconds.

use std::time::Instant;

/// Nanoseconds since `start` (saturating).
pub fn elapsed_ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Time `f`, returning its value and the nanoseconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let start = Instant::now();
    let value = f();
    (value, elapsed_ns(start))
}
