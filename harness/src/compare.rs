//! `wasmbench compare`: a regression gate between two results documents.
//!
//! Every (cell, metric) present on both sides is compared on its raw samples with two
//! tests that must both fire before a difference counts:
//!
//! - **statistical**: the two-sided Mann–Whitney U test (p below `alpha`) — the samples
//!   differ by more than noise. Instruction counts (`Unit::Instructions`, from the
//!   callgrind mode) are deterministic: they skip the test, and the threshold alone
//!   decides;
//! - **practical**: the ratio of medians `new / baseline` is beyond `1 ± threshold`.
//!
//! The 95% percentile-bootstrap confidence interval of that ratio is reported beside it.
//! Cells present on one side only, cells that failed, and metrics absent on one side are
//! listed; they fail the gate only in strict mode.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use wasmbench_data::{CellId, Measurement, Results, Unit};

use crate::stats::{mann_whitney_p, median, median_ratio_ci95};
use crate::compare_machine::MachineComparison;

/// Fewest samples per side for the statistical test: with 3 against 3, Mann–Whitney can
/// never reach p < 0.05, so a smaller series is reported as inconclusive, not as "no change".
pub const MIN_SAMPLES: usize = 4;

/// Settings of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Practical threshold as a fraction (0.05 = 5%).
    pub threshold: f64,
    /// Significance level of the Mann–Whitney test.
    pub alpha: f64,
    /// Which metrics to compare (see [`MetricFilter`]); empty means all.
    pub metrics: Vec<MetricFilter>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: 0.05,
            alpha: 0.05,
            metrics: Vec::new(),
        }
    }
}

/// Error in the comparison's input.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CompareError {
    #[error("bad threshold `{0}`: expected a percentage such as `5%` or `5`, between 0 and 1000")]
    Threshold(String),
    #[error("bad metric `{0}`: expected MODE/PHASE (e.g. `warm/execute`, `callgrind/*`) or a phase")]
    Metric(String),
    #[error("--metric {filter} matches no metric of either document; they have: {available}")]
    NoSuchMetric { filter: String, available: String },
}

/// Parse `5%`, `5` or `0.5%` into a fraction.
pub fn parse_threshold(text: &str) -> Result<f64, CompareError> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=1000.0).contains(&p) => Ok(p / 100.0),
        _ => Err(CompareError::Threshold(text.to_string())),
    }
}

/// A metric selector: `mode/phase`, where either side may be `*`; a bare `phase` means
/// `*/phase`. Phases are matched on their long-format label (`instance-rss-k100`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFilter {
    mode: Option<String>,
    phase: Option<String>,
    text: String,
}

impl std::str::FromStr for MetricFilter {
    type Err = CompareError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let any = |s: &str| (s != "*").then(|| s.to_string());
        let (mode, phase) = match text.split_once('/') {
            Some((m, p)) => (m.trim(), p.trim()),
            None => ("*", text.trim()),
        };
        let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*');
        if !valid(mode) || !valid(phase) || phase.contains('/') {
            return Err(CompareError::Metric(text.to_string()));
        }
        Ok(MetricFilter {
            mode: any(mode),
            phase: any(phase),
            text: text.to_string(),
        })
    }
}

impl MetricFilter {
    fn matches(&self, key: &MetricKey) -> bool {
        self.mode.as_ref().is_none_or(|m| *m == key.mode) && self.phase.as_ref().is_none_or(|p| *p == key.phase)
    }
}

/// `mode/phase-label` of a measurement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricKey {
    pub mode: String,
    pub phase: String,
}

impl MetricKey {
    fn of(m: &Measurement) -> Self {
        MetricKey {
            mode: m.mode.to_string(),
            phase: m.phase_label(),
        }
    }
}

impl std::fmt::Display for MetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.mode, self.phase)
    }
}

/// What the comparison concluded for one (cell, metric).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Significantly slower (larger) beyond the threshold: fails the gate.
    Slower,
    /// Significantly faster (smaller) beyond the threshold.
    Faster,
    /// Within the threshold, or not significant.
    NoChange,
    /// Too few samples for the test to ever be significant.
    Inconclusive,
}

impl Verdict {
    fn label(&self) -> &'static str {
        match self {
            Verdict::Slower => "**slower** ✗",
            Verdict::Faster => "faster ✓",
            Verdict::NoChange => "no change",
            Verdict::Inconclusive => "inconclusive (n < 4)",
        }
    }
}

/// One compared (cell, metric).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricComparison {
    pub cell: CellId,
    pub metric: MetricKey,
    pub unit: Unit,
    pub base_n: usize,
    pub new_n: usize,
    pub base_median: f64,
    pub new_median: f64,
    /// `new_median / base_median`.
    pub ratio: f64,
    /// 95% bootstrap interval of the ratio of medians.
    pub ratio_ci95: [f64; 2],
    /// Mann–Whitney p-value; `None` for deterministic counts.
    pub p: Option<f64>,
    pub verdict: Verdict,
}

/// A cell that failed on one side.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedCell {
    pub cell: CellId,
    /// `"baseline"` or `"new"`.
    pub side: &'static str,
    pub error: String,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    pub rows: Vec<MetricComparison>,
    /// Cells measured (or failed) in the baseline but absent from the new results.
    pub only_in_baseline: Vec<CellId>,
    /// Cells in the new results but absent from the baseline.
    pub only_in_new: Vec<CellId>,
    pub failed: Vec<FailedCell>,
    /// (cell, metric, side it is missing from) for cells present on both sides.
    pub metrics_missing: Vec<(CellId, MetricKey, &'static str)>,
    /// Cells whose backend flags differ (configuration changed, or the test hook is on):
    /// (cell, baseline flags, new flags). Listed, never fatal.
    pub flags_changed: Vec<(CellId, Vec<String>, Vec<String>)>,
    pub threshold: f64,
    pub alpha: f64,
    /// The two runs' machines: fingerprints and drift sentinels.
    pub machine: MachineComparison,
}

impl Comparison {
    pub fn count(&self, verdict: &Verdict) -> usize {
        self.rows.iter().filter(|r| r.verdict == *verdict).count()
    }

    /// Whether anything is missing or failed on either side.
    pub fn incomplete(&self) -> bool {
        !(self.only_in_baseline.is_empty()
            && self.only_in_new.is_empty()
            && self.failed.is_empty()
            && self.metrics_missing.is_empty())
    }

    /// Whether the gate fails: a significant regression beyond the threshold, or in
    /// `strict` mode anything missing or failed, or runs made on different machines.
    pub fn fails(&self, strict: bool) -> bool {
        self.count(&Verdict::Slower) > 0 || (strict && (self.incomplete() || self.machine.different_timed_machines()))
    }
}

/// Compare `new` against `baseline`.
pub fn compare(baseline: &Results, new: &Results, options: &Options) -> Result<Comparison, CompareError> {
    // Every filter must match something, so that a typo does not silently compare nothing.
    let all_keys: BTreeSet<MetricKey> = baseline
        .cells
        .iter()
        .chain(&new.cells)
        .flat_map(|c| c.measurements.iter().map(MetricKey::of))
        .collect();
    for filter in &options.metrics {
        if !all_keys.iter().any(|k| filter.matches(k)) {
            return Err(CompareError::NoSuchMetric {
                filter: filter.text.clone(),
                available: all_keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            });
        }
    }
    let wanted = |key: &MetricKey| options.metrics.is_empty() || options.metrics.iter().any(|f| f.matches(key));

    let base_cells: BTreeMap<&CellId, _> = baseline.cells.iter().map(|c| (&c.id, c)).collect();
    let new_cells: BTreeMap<&CellId, _> = new.cells.iter().map(|c| (&c.id, c)).collect();
    let mut out = Comparison {
        threshold: options.threshold,
        alpha: options.alpha,
        machine: MachineComparison::of(baseline, new, options.threshold * 100.0),
        ..Comparison::default()
    };
    // Planned but unmeasured cells of an interrupted run count as absent.
    out.only_in_baseline = base_cells.keys().filter(|id| !new_cells.contains_key(*id)).map(|id| (*id).clone()).collect();
    out.only_in_new = new_cells.keys().filter(|id| !base_cells.contains_key(*id)).map(|id| (*id).clone()).collect();

    for (id, base) in &base_cells {
        let Some(new) = new_cells.get(id) else { continue };
        let mut failed = false;
        for (side, cell) in [("baseline", base), ("new", new)] {
            if let Some(e) = &cell.error {
                failed = true;
                out.failed.push(FailedCell {
                    cell: (*id).clone(),
                    side,
                    error: format!("{}: {}", e.kind, e.message.lines().next().unwrap_or("")),
                });
            }
        }
        if failed {
            continue;
        }
        if base.flags != new.flags {
            out.flags_changed.push(((*id).clone(), base.flags.clone(), new.flags.clone()));
        }
        let index = |cell: &'_ wasmbench_data::Cell| -> BTreeMap<MetricKey, Measurement> {
            cell.measurements
                .iter()
                .filter(|m| !m.samples.is_empty())
                .map(|m| (MetricKey::of(m), m.clone()))
                .filter(|(k, _)| wanted(k))
                .collect()
        };
        let (b, n) = (index(base), index(new));
        for (key, bm) in &b {
            match n.get(key) {
                Some(nm) => out.rows.push(compare_metric(id, key, bm, nm, options)),
                None => out.metrics_missing.push(((*id).clone(), key.clone(), "new")),
            }
        }
        for key in n.keys().filter(|k| !b.contains_key(*k)) {
            out.metrics_missing.push(((*id).clone(), key.clone(), "baseline"));
        }
    }
    Ok(out)
}

fn compare_metric(
    cell: &CellId,
    key: &MetricKey,
    base: &Measurement,
    new: &Measurement,
    options: &Options,
) -> MetricComparison {
    let (base_median, new_median) = (median(&base.samples), median(&new.samples));
    let ratio = ratio(new_median, base_median);
    let deterministic = base.unit == Unit::Instructions && new.unit == Unit::Instructions;
    let p = (!deterministic).then(|| mann_whitney_p(&base.samples, &new.samples));
    let beyond = |r: f64| {
        if r > 1.0 + options.threshold {
            Some(Verdict::Slower)
        } else if r < 1.0 - options.threshold {
            Some(Verdict::Faster)
        } else {
            None
        }
    };
    let verdict = match p {
        None => beyond(ratio).unwrap_or(Verdict::NoChange),
        Some(_) if base.samples.len() < MIN_SAMPLES || new.samples.len() < MIN_SAMPLES => Verdict::Inconclusive,
        Some(p) if p < options.alpha => beyond(ratio).unwrap_or(Verdict::NoChange),
        Some(_) => Verdict::NoChange,
    };
    MetricComparison {
        cell: cell.clone(),
        metric: key.clone(),
        unit: new.unit,
        base_n: base.samples.len(),
        new_n: new.samples.len(),
        base_median,
        new_median,
        ratio,
        ratio_ci95: median_ratio_ci95(&base.samples, &new.samples),
        p,
        verdict,
    }
}

/// `new / base`, with 0/0 = 1 (e.g. an empty phase on both sides).
fn ratio(new: f64, base: f64) -> f64 {
    if base == 0.0 && new == 0.0 {
        1.0
    } else {
        new / base
    }
}

fn format_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Nanoseconds => wasmbench_report::table::format_ns(v),
        Unit::Instructions => format!("{} instr", group_thousands(v)),
        Unit::Bytes if v >= 1024.0 * 1024.0 => format!("{:.2} MiB", v / (1024.0 * 1024.0)),
        Unit::Bytes => format!("{:.1} KiB", v / 1024.0),
        Unit::PerSecond => format!("{v:.1}/s"),
        Unit::PerRequest => format!("{v:.2}/req"),
    }
}

fn group_thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn percent(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{:+.2}%", (ratio - 1.0) * 100.0)
    } else {
        "n/a".to_string()
    }
}

/// The comparison as Markdown: a header, one table row per (cell, metric) — regressions
/// first — the counts, and the lists of missing and failed cells.
pub fn markdown(c: &Comparison, baseline_name: &str, new_name: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### wasmbench compare\n");
    let _ = writeln!(s, "Baseline `{baseline_name}` → new `{new_name}`.  ");
    let _ = writeln!(
        s,
        "A change counts when the ratio of medians is beyond ±{:.1}% **and** Mann–Whitney U gives \
         p < {} (instruction counts are deterministic: threshold only). CI: 95% bootstrap \
         interval of the ratio of medians.\n",
        c.threshold * 100.0,
        c.alpha
    );
    let _ = writeln!(
        s,
        "**{} slower**, {} faster, {} no change, {} inconclusive; {} cells missing, {} failed.\n",
        c.count(&Verdict::Slower),
        c.count(&Verdict::Faster),
        c.count(&Verdict::NoChange),
        c.count(&Verdict::Inconclusive),
        c.only_in_baseline.len() + c.only_in_new.len(),
        c.failed.len()
    );
    s.push_str(&c.machine.markdown());
    if !c.rows.is_empty() {
        let _ = writeln!(s, "| cell | metric | baseline | new | change | 95% CI | p | n | verdict |");
        let _ = writeln!(s, "|---|---|---:|---:|---:|---|---:|---|---|");
        let mut rows: Vec<&MetricComparison> = c.rows.iter().collect();
        rows.sort_by(|a, b| a.verdict.cmp(&b.verdict));
        for r in rows {
            let p = r.p.map(|p| format!("{p:.3}")).unwrap_or_else(|| "exact".into());
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | [{}, {}] | {} | {}/{} | {} |",
                r.cell,
                r.metric,
                format_value(r.base_median, r.unit),
                format_value(r.new_median, r.unit),
                percent(r.ratio),
                percent(r.ratio_ci95[0]),
                percent(r.ratio_ci95[1]),
                p,
                r.base_n,
                r.new_n,
                r.verdict.label()
            );
        }
        let _ = writeln!(s);
    }
    let list = |s: &mut String, title: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(s, "{title}:\n");
            for item in items {
                let _ = writeln!(s, "- {item}");
            }
            let _ = writeln!(s);
        }
    };
    list(&mut s, "Cells missing in the new results", c.only_in_baseline.iter().map(ToString::to_string).collect());
    list(&mut s, "Cells missing in the baseline", c.only_in_new.iter().map(ToString::to_string).collect());
    list(
        &mut s,
        "Failed cells (not compared)",
        c.failed.iter().map(|f| format!("{} ({}): {}", f.cell, f.side, f.error)).collect(),
    );
    list(
        &mut s,
        "Metrics missing on one side",
        c.metrics_missing.iter().map(|(cell, m, side)| format!("{cell} {m}: not in the {side} results")).collect(),
    );
    list(
        &mut s,
        "Backend flags changed (configuration differs; compare with care)",
        c.flags_changed
            .iter()
            .map(|(cell, b, n)| format!("{cell}: `{}` → `{}`", b.join(" "), n.join(" ")))
            .collect(),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmbench_data::{BackendKind, Cell, CellError, Environment, ErrorKind, Mode, Phase, RunConfig};

    fn cell(backend: &str, workload: &str, measurements: Vec<Measurement>) -> Cell {
        Cell {
            module_bytes: 1,
            error: None,
            measurements,
            ..Cell::new(CellId { backend: backend.into(), workload: workload.into(), language: "c".into() }, BackendKind::Interpreter)
        }
    }

    fn measurement(mode: Mode, unit: Unit, samples: Vec<f64>) -> Measurement {
        Measurement {
            mode,
            phase: Phase::Execute,
            unit,
            summary: crate::stats::summarize(&samples).expect("summary"),
            samples,
            instances: None,
            concurrency: None,
        }
    }

    /// 30 samples around `scale` ms, spread uniformly over ±`spread`/2 (deterministic,
    /// different for each seed).
    fn spread(seed: u64, scale: f64, spread: f64) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..30).map(|_| 1e6 * scale * (1.0 + spread * (rng.gen::<f64>() - 0.5))).collect()
    }

    /// Samples with ±10% noise: more than the 5% threshold, so the test has to decide.
    fn noisy(seed: u64, scale: f64) -> Vec<f64> {
        spread(seed, scale, 0.2)
    }

    fn doc(cells: Vec<Cell>) -> Results {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        r.cells = cells;
        r.complete = true;
        r
    }

    fn warm(backend: &str, samples: Vec<f64>) -> Cell {
        cell(backend, "fib", vec![measurement(Mode::Warm, Unit::Nanoseconds, samples)])
    }

    #[test]
    fn a_20_percent_slowdown_fails_the_gate() {
        let base = doc(vec![warm("wasmi", noisy(1, 1.0))]);
        let new = doc(vec![warm("wasmi", noisy(2, 1.2))]);
        let c = compare(&base, &new, &Options::default()).expect("compare");
        let row = &c.rows[0];
        assert_eq!(row.verdict, Verdict::Slower, "{row:?}");
        assert!((row.ratio - 1.2).abs() < 0.03, "{}", row.ratio);
        assert!(row.ratio_ci95[0] > 1.1 && row.ratio_ci95[1] < 1.3, "{:?}", row.ratio_ci95);
        assert!(row.p.expect("tested") < 1e-6);
        assert!(c.fails(false));
        // The same change the other way round is an improvement, which passes.
        let c = compare(&new, &base, &Options::default()).expect("compare");
        assert_eq!(c.rows[0].verdict, Verdict::Faster);
        assert!(!c.fails(true));
    }

    #[test]
    fn equal_distributions_with_noise_pass() {
        for seed in 2..22 {
            let base = doc(vec![warm("wasmi", noisy(1, 1.0))]);
            let new = doc(vec![warm("wasmi", noisy(seed, 1.0))]);
            let c = compare(&base, &new, &Options::default()).expect("compare");
            assert_eq!(c.rows[0].verdict, Verdict::NoChange, "seed {seed}: {:?}", c.rows[0]);
            assert!(!c.fails(true));
        }
    }

    #[test]
    fn significant_but_small_changes_stay_under_the_threshold() {
        // A consistent 2% shift is significant but below the 5% threshold.
        let base = doc(vec![warm("wasmi", spread(1, 1.0, 0.01))]);
        let new = doc(vec![warm("wasmi", spread(2, 1.02, 0.01))]);
        let c = compare(&base, &new, &Options::default()).expect("compare");
        assert!(c.rows[0].p.expect("tested") < 0.05);
        assert_eq!(c.rows[0].verdict, Verdict::NoChange);
        // With a 1% threshold it is a regression.
        let strict = Options {
            threshold: 0.01,
            ..Options::default()
        };
        assert_eq!(compare(&base, &new, &strict).expect("compare").rows[0].verdict, Verdict::Slower);
    }

    #[test]
    fn few_samples_are_inconclusive_and_instruction_counts_are_exact() {
        let base = doc(vec![warm("wasmi", vec![1.0, 1.0, 1.0])]);
        let new = doc(vec![warm("wasmi", vec![2.0, 2.0, 2.0])]);
        let c = compare(&base, &new, &Options::default()).expect("compare");
        assert_eq!(c.rows[0].verdict, Verdict::Inconclusive);
        assert!(!c.fails(true));

        let counts = |n: f64| doc(vec![cell("wasmi", "fib", vec![measurement(Mode::Callgrind, Unit::Instructions, vec![n])])]);
        let c = compare(&counts(1_000_000.0), &counts(1_060_000.0), &Options::default()).expect("compare");
        assert_eq!((c.rows[0].verdict.clone(), c.rows[0].p), (Verdict::Slower, None));
        let c = compare(&counts(1_000_000.0), &counts(1_040_000.0), &Options::default()).expect("compare");
        assert_eq!(c.rows[0].verdict, Verdict::NoChange);
    }

    #[test]
    fn missing_and_failed_cells_are_listed_and_fatal_only_when_strict() {
        let mut broken = cell("wasm3", "fib", vec![]);
        broken.error = Some(CellError {
            kind: ErrorKind::Trap,
            message: "unreachable\nmore".into(),
        });
        let base = doc(vec![warm("wasmi", noisy(1, 1.0)), warm("wamr-interp", noisy(1, 1.0)), warm("wasm3", noisy(1, 1.0))]);
        let mut new = doc(vec![warm("wasmi", noisy(2, 1.0)), warm("wasmtime-pulley", noisy(1, 1.0)), broken]);
        new.cells[0].flags = vec!["debug-slowdown=5".into()];
        new.cells[0].measurements.push(Measurement {
            phase: Phase::Instantiate,
            ..measurement(Mode::Warm, Unit::Nanoseconds, noisy(3, 1.0))
        });
        let c = compare(&base, &new, &Options::default()).expect("compare");
        assert_eq!(c.rows.len(), 1);
        let names = |ids: &[CellId]| ids.iter().map(|i| i.backend.clone()).collect::<Vec<_>>();
        assert_eq!(names(&c.only_in_baseline), ["wamr-interp"]);
        assert_eq!(names(&c.only_in_new), ["wasmtime-pulley"]);
        assert_eq!((c.failed.len(), c.failed[0].side, c.failed[0].error.as_str()), (1, "new", "trap: unreachable"));
        assert_eq!(c.metrics_missing.len(), 1);
        assert_eq!((c.metrics_missing[0].1.to_string(), c.metrics_missing[0].2), ("warm/instantiate".into(), "baseline"));
        assert!(!c.fails(false));
        assert!(c.fails(true));
        let md = markdown(&c, "a", "b");
        for expected in [
            "Cells missing in the new results:\n\n- wamr-interp × fib (c)",
            "Cells missing in the baseline:\n\n- wasmtime-pulley × fib (c)",
            "- wasm3 × fib (c) (new): trap: unreachable",
            "warm/instantiate: not in the baseline results",
            "2 cells missing, 1 failed",
            "- wasmi × fib (c): `` → `debug-slowdown=5`",
        ] {
            assert!(md.contains(expected), "{expected:?} not in\n{md}");
        }
    }

    #[test]
    fn metric_filters() {
        let both = doc(vec![cell(
            "wasmi",
            "fib",
            vec![
                measurement(Mode::Warm, Unit::Nanoseconds, noisy(1, 1.0)),
                measurement(Mode::Cold, Unit::Nanoseconds, noisy(1, 1.0)),
            ],
        )]);
        let only = |f: &str| Options {
            metrics: vec![f.parse().expect("filter")],
            ..Options::default()
        };
        let keys = |o: &Options| -> Vec<String> {
            compare(&both, &both, o).expect("compare").rows.iter().map(|r| r.metric.to_string()).collect()
        };
        assert_eq!(keys(&only("warm/execute")), ["warm/execute"]);
        assert_eq!(keys(&only("execute")), ["cold/execute", "warm/execute"]);
        assert_eq!(keys(&only("cold/*")), ["cold/execute"]);
        let err = compare(&both, &both, &only("callgrind/execute")).expect_err("nothing matches");
        assert!(err.to_string().contains("they have: cold/execute, warm/execute"), "{err}");
        assert!("a/b/c".parse::<MetricFilter>().is_err());
        assert!("".parse::<MetricFilter>().is_err());
    }

    #[test]
    fn thresholds_and_formatting() {
        assert_eq!(parse_threshold("5%"), Ok(0.05));
        assert_eq!(parse_threshold("2.5"), Ok(0.025));
        assert!(parse_threshold("-1%").is_err());
        assert!(parse_threshold("five").is_err());
        assert_eq!(group_thousands(1_234_567.0), "1,234,567");
        assert_eq!(group_thousands(999.0), "999");
        assert_eq!(percent(1.2), "+20.00%");
        assert_eq!(ratio(0.0, 0.0), 1.0);
    }
}
