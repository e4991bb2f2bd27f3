//! `wasmbench history check`: the newest run of a history against the runs before it.
//!
//! The baseline is the last `k` runs before the newest, pooled: per (cell, metric) their
//! samples together, so that the comparison's median is the median of those runs and its
//! Mann–Whitney test sees every sample — then the same rules as `compare` (significance
//! and threshold) decide. Runs made on another machine (fingerprint) than the newest, or
//! while the machine's speed was off the newest run's by more than the drift sentinel's
//! threshold, are never pooled silently: they are left out of the baseline and named, or
//! pooled and named with `allow_mixed`.

use std::collections::BTreeMap;

use wasmbench_data::{Cell, CellId, Measurement, Results};

use crate::stats::summarize;

/// A run of the history: its id and its document.
pub struct Run {
    pub id: String,
    pub results: Results,
}

/// The baseline made of earlier runs, and what was said about them.
pub struct Baseline {
    /// `None` when no run was left to pool.
    pub results: Option<Results>,
    /// The runs pooled into it, oldest first.
    pub pooled: Vec<String>,
    /// One sentence per run left out (or, with `allow_mixed`, pooled anyway) and why.
    pub notes: Vec<String>,
}

/// Why `run` does not compare with `newest`: a different machine, or a machine speed apart
/// by more than the sentinel's threshold; `None` when it compares.
pub fn incomparable(run: &Results, newest: &Results) -> Option<String> {
    if !(run.timed() || newest.timed()) {
        return None; // instruction counts do not depend on the machine's speed
    }
    if let (Some(a), Some(b)) = (&run.environment.fingerprint, &newest.environment.fingerprint) {
        let differences = a.differences(b);
        if !differences.is_empty() {
            return Some(format!("made on a different machine ({})", differences.join(", ")));
        }
    }
    let (a, b) = (run.sentinel.as_ref()?, newest.sentinel.as_ref()?);
    let shift = a.disagreement_pct(b)?;
    Some(format!("its drift sentinel is {shift:+.1}% off the newest run's (threshold {}%): the machine's speed differed", a.threshold_pct))
}

/// The pooled baseline of `previous` (oldest first) for `newest`, with a note on every run
/// left out or pooled although it does not compare.
pub fn baseline(previous: &[Run], newest: &Results, allow_mixed: bool) -> Baseline {
    let mut notes = Vec::new();
    let mut chosen: Vec<&Run> = Vec::new();
    for run in previous {
        match incomparable(&run.results, newest) {
            Some(why) if allow_mixed => notes.push(format!("run {} pooled although {why} (--allow-mixed)", run.id)),
            Some(why) => {
                notes.push(format!("run {} left out: {why}", run.id));
                continue;
            }
            None => {}
        }
        chosen.push(run);
    }
    let results = chosen.last().map(|newest_chosen| {
        let template = &newest_chosen.results;
        let mut results = Results::new(template.environment.clone(), template.config.clone());
        results.sentinel = template.sentinel.clone();
        results.complete = true;
        results.cells = pooled_cells(&chosen);
        results
    });
    Baseline { results, pooled: chosen.iter().map(|r| r.id.clone()).collect(), notes }
}

/// Every cell of the runs, its measurements' samples pooled over the runs in which it
/// succeeded; the newest run's cell gives its flags and kind (and its error, when it
/// succeeded in none).
fn pooled_cells(runs: &[&Run]) -> Vec<Cell> {
    let mut cells: BTreeMap<CellId, Cell> = BTreeMap::new();
    let mut order: Vec<CellId> = Vec::new();
    for run in runs {
        for cell in &run.results.cells {
            if !order.contains(&cell.id) {
                order.push(cell.id.clone());
            }
            let pooled = cells.entry(cell.id.clone()).or_insert_with(|| Cell { measurements: Vec::new(), ..cell.clone() });
            if cell.error.is_some() {
                continue;
            }
            let measurements = std::mem::take(&mut pooled.measurements);
            *pooled = Cell { measurements: pool(measurements, &cell.measurements), error: None, ..cell.clone() };
        }
    }
    order.into_iter().filter_map(|id| cells.remove(&id)).collect()
}

/// `into` with the samples of `more` added, measurement by measurement.
fn pool(mut into: Vec<Measurement>, more: &[Measurement]) -> Vec<Measurement> {
    let same = |a: &Measurement, b: &Measurement| {
        (a.mode, a.phase, a.unit, a.concurrency, a.instances) == (b.mode, b.phase, b.unit, b.concurrency, b.instances)
    };
    for m in more {
        match into.iter_mut().find(|p| same(p, m)) {
            Some(p) => p.samples.extend_from_slice(&m.samples),
            None => into.push(m.clone()),
        }
    }
    for m in &mut into {
        if let Some(summary) = summarize(&m.samples) {
            m.summary = summary;
        }
    }
    into
}

#[cfg(test)]
mod tests {
    use wasmbench_data::{BackendKind, CellError, Environment, ErrorKind, Fingerprint, Mode, Phase, Probe, RunConfig, Sentinel, Unit};

    use super::*;

    fn run(id: &str, samples: &[f64], model: &str, sentinel_ms: f64) -> Run {
        let environment = Environment { fingerprint: Some(Fingerprint { cpu_model_number: model.into(), ..Fingerprint::default() }), ..Environment::default() };
        let mut results = Results::new(environment, RunConfig::default());
        let m = Measurement { mode: Mode::Warm, phase: Phase::Execute, unit: Unit::Nanoseconds, summary: summarize(samples).expect("summary"), samples: samples.to_vec(), instances: None, concurrency: None };
        let cell = CellId { backend: "wasmi".into(), workload: "fib".into(), language: "c".into() };
        results.cells.push(Cell { measurements: vec![m], ..Cell::new(cell, BackendKind::Interpreter) });
        let probe = Probe { at_ms: 0, native_ns: sentinel_ms * 1e6, wasm_ns: sentinel_ms * 1e6 };
        results.sentinel = Some(Sentinel { threshold_pct: 10.0, probes: vec![probe], ..Sentinel::default() });
        Run { id: id.into(), results }
    }

    #[test]
    fn the_baseline_pools_the_samples_of_the_comparable_runs() {
        let newest = run("new", &[5.0], "1", 10.0).results;
        let previous = [run("a", &[1.0, 2.0], "1", 10.0), run("b", &[3.0], "49", 10.0), run("c", &[4.0], "1", 12.0), run("d", &[6.0], "1", 10.5)];
        let base = baseline(&previous, &newest, false);
        assert_eq!(base.pooled, ["a", "d"]);
        let pooled = base.results.expect("a baseline");
        assert_eq!(pooled.cells[0].measurements[0].samples, [1.0, 2.0, 6.0]);
        assert_eq!(pooled.cells[0].measurements[0].summary.median, 2.0);
        assert!(base.notes[0].starts_with("run b left out: made on a different machine (CPU model: 49 ≠ 1)"), "{:?}", base.notes);
        assert!(base.notes[1].starts_with("run c left out: its drift sentinel is -16.7% off"), "{:?}", base.notes);
        let mixed = baseline(&previous, &newest, true);
        assert_eq!(mixed.pooled.len(), 4);
        assert!(mixed.notes.iter().all(|n| n.contains("pooled although")));
        let none = baseline(&previous[1..2], &newest, false);
        assert!(none.results.is_none() && none.notes.len() == 1, "nothing comparable, and said why");
    }

    #[test]
    fn instruction_counts_pool_across_machines() {
        let mut newest = run("new", &[5.0], "1", 10.0).results;
        let mut other = run("b", &[3.0], "49", 20.0);
        for r in [&mut newest, &mut other.results] {
            r.cells[0].measurements[0].unit = Unit::Instructions;
        }
        assert!(incomparable(&other.results, &newest).is_none());
        assert_eq!(baseline(&[other], &newest, false).pooled, ["b"]);
    }

    #[test]
    fn a_failed_run_of_a_cell_adds_no_samples() {
        let newest = run("new", &[5.0], "1", 10.0).results;
        let mut failed = run("b", &[9.0], "1", 10.0);
        failed.results.cells[0].measurements.clear();
        failed.results.cells[0].error = Some(CellError { kind: ErrorKind::Trap, message: "t".into() });
        let base = baseline(&[run("a", &[1.0], "1", 10.0), failed], &newest, false).results.expect("a baseline");
        let cell = &base.cells[0];
        assert!(cell.error.is_none() && cell.measurements[0].samples == [1.0], "{cell:?}");
    }
}
