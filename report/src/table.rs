//! The summary table printed at the end of a run: one line per cell, medians of the
//! phases that matter, in human units.

use wasmbench_data::{Mode, Phase, Results};

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

/// Coefficient of variation above which a measurement is called noisy.
pub const NOISY_CV: f64 = 0.10;

/// One line per timed measurement whose coefficient of variation exceeds [`NOISY_CV`]:
/// its median is less trustworthy (a loaded machine, frequency scaling, too few samples).
pub fn noise_warnings(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for cell in &results.cells {
        for m in &cell.measurements {
            if m.unit != wasmbench_data::Unit::Nanoseconds || m.summary.n < 5 || m.summary.cv <= NOISY_CV {
                continue;
            }
            out.push(format!(
                "{} {} {}: CV {:.0}% (median {}, 95% CI {} – {}, {} outliers of {})",
                cell.id,
                m.mode,
                m.phase,
                m.summary.cv * 100.0,
                format_ns(m.summary.median),
                format_ns(m.summary.median_ci95[0]),
                format_ns(m.summary.median_ci95[1]),
                m.summary.outliers,
                m.summary.n,
            ));
        }
    }
    out
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
    }
}
