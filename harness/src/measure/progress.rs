//! Progress for runs nobody watches: where stderr is not a terminal (CI logs, pods) there
//! is no progress bar to draw, so every finished cell round prints one line instead —
//! the cell, its status, its headline median, and the time spent and left. Under a bar,
//! only a failed cell gets a line (above the bar).

use std::time::Duration;

use indicatif::ProgressBar;
use wasmbench_data::{Cell, Measurement, Mode, Phase, Unit};

use super::driver::say;

/// Print the line of a cell round just measured, when there is no bar (stderr not a
/// terminal); `round` counts from 1, of the run's `rounds` (a later one is an extra round:
/// for precision, or measuring a disturbed round again).
pub fn finished(progress: &ProgressBar, cell: &Cell, round: usize, rounds: usize) {
    if !progress.is_hidden() {
        if let Some(err) = &cell.error {
            say(progress, format!("✗ {}: {}: {}", cell.id, err.kind, err.message));
        }
        return;
    }
    let (done, total) = (progress.position(), progress.length().unwrap_or(0).max(progress.position()));
    // Extra rounds (for precision, or measuring a disturbed round again) are added as they
    // are decided: no estimate then.
    let left = remaining(progress.elapsed(), done, total).filter(|_| round <= rounds);
    say(progress, line(cell, round, rounds, done, total, progress.elapsed(), left));
}

/// `[12/90] wasmtime-cranelift fib/c round 1/3: ok, warm execute 1.23 ms; 0:42 elapsed, ~4:12 left`.
pub fn line(cell: &Cell, round: usize, rounds: usize, done: u64, total: u64, elapsed: Duration, left: Option<Duration>) -> String {
    let status = match &cell.error {
        Some(e) => format!("{}: {}", e.kind, e.message.lines().next().unwrap_or("")),
        None => match headline(cell) {
            Some(m) => format!("ok, {} {} {}", m.mode, m.phase_label(), value(m)),
            None => "ok".to_string(),
        },
    };
    let round = match (rounds > 1, round > rounds) {
        (_, true) => format!(" round {round} (extra)"),
        (true, false) => format!(" round {round}/{rounds}"),
        (false, false) => String::new(),
    };
    let left = left.map_or_else(String::new, |l| format!(", ~{} left", clock(l)));
    format!(
        "[{done}/{total}] {} {}/{}{round}: {status}; {} elapsed{left}",
        cell.id.backend,
        cell.id.workload,
        cell.id.language,
        clock(elapsed)
    )
}

/// The figure a reader looks at first: warm execute, else cold total, else the process
/// wall time or the instruction count, else the first measurement.
fn headline(cell: &Cell) -> Option<&Measurement> {
    let find = |mode: Mode, phase: Phase| cell.measurements.iter().find(|m| m.mode == mode && m.phase == phase);
    find(Mode::Warm, Phase::Execute)
        .or_else(|| find(Mode::Cold, Phase::Total))
        .or_else(|| find(Mode::Cold, Phase::Process))
        .or_else(|| cell.measurements.iter().find(|m| m.mode == Mode::Callgrind))
        .or_else(|| cell.measurements.first())
}

fn value(m: &Measurement) -> String {
    let v = m.summary.median;
    match m.unit {
        Unit::Nanoseconds => wasmbench_report::table::format_ns(v),
        Unit::Bytes => format!("{:.1} MiB", v / f64::from(1u32 << 20)),
        Unit::Instructions => format!("{v:.0} instructions"),
        Unit::PerSecond => format!("{v:.0}/s"),
        Unit::PerRequest => format!("{v:.1}/request"),
    }
}

/// The time left at the pace so far; `None` before the first step or after the last.
fn remaining(elapsed: Duration, done: u64, total: u64) -> Option<Duration> {
    if done == 0 || done >= total {
        return None;
    }
    Some(elapsed.mul_f64((total - done) as f64 / done as f64))
}

/// `m:ss`, or `h:mm:ss` from an hour.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s >= 3600 {
        true => format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
        false => format!("{}:{:02}", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use wasmbench_data::{BackendKind, CellError, CellId, ErrorKind, Summary};

    use super::*;

    fn cell(measurements: Vec<Measurement>) -> Cell {
        let id = CellId { backend: "wasmi".into(), workload: "fib".into(), language: "c".into() };
        Cell { measurements, ..Cell::new(id, BackendKind::Interpreter) }
    }

    fn measurement(mode: Mode, phase: Phase, median: f64) -> Measurement {
        let summary = Summary { n: 1, min: median, median, mean: median, p90: median, p99: median, max: median, stddev: 0.0, median_ci95: [median; 2], mean_ci95: [median; 2], mad: 0.0, cv: 0.0, outliers: 0, severe_outliers: 0 };
        Measurement { mode, phase, unit: Unit::Nanoseconds, summary, samples: vec![median], instances: None, concurrency: None }
    }

    #[test]
    fn a_line_names_the_cell_its_headline_and_the_time_left() {
        let c = cell(vec![measurement(Mode::Cold, Phase::Total, 5e6), measurement(Mode::Warm, Phase::Execute, 1.234e6)]);
        let l = line(&c, 2, 3, 10, 40, Duration::from_secs(75), remaining(Duration::from_secs(75), 10, 40));
        assert_eq!(l, "[10/40] wasmi fib/c round 2/3: ok, warm execute 1.23 ms; 1:15 elapsed, ~3:45 left");
        let cold = cell(vec![measurement(Mode::Cold, Phase::Total, 5e6)]);
        assert!(line(&cold, 1, 1, 1, 1, Duration::from_secs(3725), None).ends_with("cold total 5.00 ms; 1:02:05 elapsed"));
        assert!(line(&cold, 5, 3, 9, 9, Duration::ZERO, None).contains("fib/c round 5 (extra): ok"));
    }

    #[test]
    fn a_failed_cell_says_why() {
        let mut c = cell(Vec::new());
        c.error = Some(CellError { kind: ErrorKind::Trap, message: "unreachable\nat 0x12".into() });
        assert!(line(&c, 1, 1, 3, 4, Duration::ZERO, None).contains("fib/c: trap: unreachable;"), "{}", line(&c, 1, 1, 3, 4, Duration::ZERO, None));
    }
}
