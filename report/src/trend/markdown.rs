//! The Markdown page of a trend: the runs, then every series run by run.

use std::fmt::Write as _;

use super::Trend;
use crate::chart::ValueAxis;

/// The Markdown page: the runs, then per series each run's median, its interval, and the
/// change against the series' previous run.
pub fn markdown(trend: &Trend, chart: Option<&str>) -> String {
    let mut s = format!("# Trend of `{}`\n\n", trend.metric);
    if let Some(file) = chart {
        let _ = writeln!(s, "![{}]({file})\n", trend.metric);
    }
    s.push_str("| run | id | when | commit |\n|---:|---|---|---|\n");
    for (i, run) in trend.runs.iter().enumerate() {
        let _ = writeln!(s, "| {} | `{}` | {} | {} |", i + 1, run.id, run.timestamp, run.commit.as_deref().unwrap_or("–"));
    }
    let values: Vec<f64> = trend.lines.iter().flat_map(|l| l.values.iter().flatten().map(|v| v.median)).collect();
    let axis = ValueAxis::new(&values, trend.unit, crate::LogScale::Never);
    let show = |v: f64| format!("{} {}", crate::chart::number(v / axis.unit.factor), axis.unit.suffix);
    s.push_str("\n| cell | run | median | 95% CI | n | change |\n|---|---:|---:|---|---:|---:|\n");
    for line in &trend.lines {
        let mut previous: Option<f64> = None;
        for (i, v) in line.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let change = previous.filter(|p| *p > 0.0).map_or_else(|| "–".into(), |p| format!("{:+.1}%", (v.median / p - 1.0) * 100.0));
            let _ = writeln!(s, "| {} | {} | {} | {} – {} | {} | {change} |", line.label, i + 1, show(v.median), show(v.ci95[0]), show(v.ci95[1]), v.n);
            previous = Some(v.median);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_run_and_the_change_against_the_previous_one() {
        let md = markdown(&super::super::tests::trend(), Some("trend.png"));
        assert!(md.starts_with("# Trend of `warm/execute`\n\n![warm/execute](trend.png)"), "{md}");
        assert!(md.contains("| 3 | `r3` | 2026-12-03T00:00:00Z | c3 |"), "{md}");
        assert!(md.contains("| wasmi × fib (c) | 3 | 12 ms | 11.8 ms – 12.2 ms | 30 | +20.0% |"), "{md}");
        assert!(md.contains("| wasm3 × fib (c) | 3 | 19 ms |") && md.contains("-5.0%"), "{md}");
        assert!(!md.contains("| wasm3 × fib (c) | 2 |"), "a run without the cell has no row: {md}");
    }
}
