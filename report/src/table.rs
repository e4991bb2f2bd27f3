//! The summary table printed at the end of a run: one line per cell, medians of the
//! phases that matter, in human units.

use wasmbench_data::{Cell, Measurement, Mode, Phase, Results, Unit};

use crate::cell::median;

/// A Markdown table of every cell's median cold total, process wall time, warm
/// instantiate and warm execute, or its error.
pub fn summary_table(results: &Results) -> String {
    let mut out = String::from(
        "| backend | kind | workload | lang | cold total | cold process | warm instantiate | warm execute | status |\n\
         |---|---|---|---|---:|---:|---:|---:|---|\n",
    );
    for cell in &results.cells {
        let t = |mode, phase| median(cell, mode, phase).map(format_ns).unwrap_or_else(|| "–".into());
        let status = match &cell.error {
            None => "ok".to_string(),
            Some(e) => format!("{}: {}", e.kind, first_line(&e.message)),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell.id.backend,
            cell.kind,
            cell.id.workload,
            cell.id.language,
            t(Mode::Cold, Phase::Total),
            t(Mode::Cold, Phase::Process),
            t(Mode::Warm, Phase::Instantiate),
            t(Mode::Warm, Phase::Execute),
            status.replace('|', "\\|"),
        ));
    }
    out
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    match line.char_indices().nth(100) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// Nanoseconds in the largest unit that keeps at least one digit before the point.
pub fn format_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Half-width of a median's 95% confidence interval, as a fraction of the median, above
/// which [`noise_warnings`] calls the measurement noisy.
pub const NOISY_CI_HALF_WIDTH: f64 = 0.05;
/// Fewest samples a measurement needs before [`noise_warnings`] judges its interval.
pub const NOISE_MIN_SAMPLES: usize = 5;

/// One line per timed measurement (unit ns, at least [`NOISE_MIN_SAMPLES`] samples) whose
/// median is uncertain enough to matter when comparing: the half-width of the median's 95%
/// confidence interval exceeds [`NOISY_CI_HALF_WIDTH`] of the median. Worst first.
///
/// A spread-out sample alone (a high coefficient of variation, e.g. microsecond phases with
/// a long tail) is not flagged when its median is still known tightly; what matters is how
/// far the median itself could move.
pub fn noise_warnings(results: &Results) -> Vec<String> {
    let mut noisy: Vec<(f64, String)> = results
        .cells
        .iter()
        .flat_map(|cell| cell.measurements.iter().map(move |m| (cell, m)))
        .filter_map(|(cell, m)| {
            let half = median_half_width(m).filter(|h| *h > NOISY_CI_HALF_WIDTH)?;
            Some((half, noise_line(cell, m, half)))
        })
        .collect();
    noisy.sort_by(|a, b| b.0.total_cmp(&a.0));
    noisy.into_iter().map(|(_, line)| line).collect()
}

/// Half-width of the median's 95% CI over the median, for timed measurements with enough
/// samples and a recorded interval.
fn median_half_width(m: &Measurement) -> Option<f64> {
    let s = &m.summary;
    let [lo, hi] = s.median_ci95;
    let usable = m.unit == Unit::Nanoseconds && s.n >= NOISE_MIN_SAMPLES && s.median > 0.0 && hi > lo;
    usable.then(|| (hi - lo) / 2.0 / s.median)
}

/// `fib/c on wasmi warm execute: median 12.30 ms ± 7.1% (95% CI 11.50 – 13.20 ms, n 30)`.
fn noise_line(cell: &Cell, m: &Measurement, half: f64) -> String {
    let [lo, hi] = m.summary.median_ci95;
    format!(
        "{}/{} on {} {} {}: median {} ± {:.1}% (95% CI {}, n {})",
        cell.id.workload,
        cell.id.language,
        cell.id.backend,
        m.mode,
        m.phase,
        format_ns(m.summary.median),
        half * 100.0,
        ns_range(lo, hi),
        m.summary.n,
    )
}

/// `11.50 – 13.20 ms`, or `950 ns – 1.20 µs` when the two ends need different units.
pub fn ns_range(lo: f64, hi: f64) -> String {
    let (lo, hi) = (format_ns(lo), format_ns(hi));
    match (lo.rsplit_once(' '), hi.rsplit_once(' ')) {
        (Some((number, a)), Some((_, b))) if a == b => format!("{number} – {hi}"),
        _ => format!("{lo} – {hi}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(format_ns(950.0), "950 ns");
        assert_eq!(format_ns(12_345.0), "12.3 µs");
        assert_eq!(format_ns(2_500_000.0), "2.50 ms");
        assert_eq!(format_ns(3_210_000_000.0), "3.21 s");
        assert_eq!(ns_range(11.5e6, 13.2e6), "11.50 – 13.20 ms");
        assert_eq!(ns_range(950.0, 1200.0), "950 ns – 1.2 µs");
    }

    /// A warm execute measurement of 30 samples with the given CV and median CI.
    fn timed(cv: f64, ci: [f64; 2]) -> Measurement {
        let mut m = crate::fixture::results().cells[1].measurements[8].clone();
        assert_eq!((m.mode, m.phase), (Mode::Warm, Phase::Execute));
        m.summary.n = 30;
        m.summary.median = 12.3e6;
        m.summary.cv = cv;
        m.summary.median_ci95 = ci;
        m
    }

    #[test]
    fn noise_is_an_uncertain_median_not_a_wide_spread() {
        let mut results = crate::fixture::results();
        results.cells.truncate(2);
        // CV 40% (a long tail) but the median is known to ±1.6%: not flagged.
        results.cells[0].measurements = vec![timed(0.40, [12.1e6, 12.5e6])];
        // CV 8% but the median could be anywhere in ±7.3%: flagged.
        results.cells[1].measurements = vec![timed(0.08, [11.5e6, 13.3e6])];
        assert_eq!(
            noise_warnings(&results),
            ["fib/c on wasmi warm execute: median 12.30 ms ± 7.3% (95% CI 11.50 – 13.30 ms, n 30)"]
        );
        // Not a time, or too few samples to judge: not flagged either.
        results.cells[1].measurements[0].unit = Unit::Bytes;
        assert!(noise_warnings(&results).is_empty());
        results.cells[1].measurements[0].unit = Unit::Nanoseconds;
        results.cells[1].measurements[0].summary.n = 4;
        assert!(noise_warnings(&results).is_empty());
    }

    #[test]
    fn noisiest_first() {
        let mut results = crate::fixture::results();
        results.cells.truncate(1);
        results.cells[0].measurements = vec![timed(0.1, [11.5e6, 13.3e6]), timed(0.1, [10.0e6, 15.0e6])];
        let lines = noise_warnings(&results);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("± 20.3%") && lines[1].contains("± 7.3%"), "{lines:?}");
    }
}
