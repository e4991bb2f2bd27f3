//! Execution relative to native: each backend's execute phase divided by the native
//! build's, per workload (native = 1×), and its geometric mean over the compute workloads
//! (as WasmScore reports efficiency; here as a slowdown, the inverse of its efficiency).

use std::collections::BTreeMap;

use wasmbench_data::{BackendKind, Cell, Mode, Phase, Results};

use super::alternatives::native_reference;
use crate::cell::median;

/// What is compared: time, or instructions counted by callgrind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Metric {
    /// Median warm `execute` (native: its own `main`, timed inside the process).
    WarmExecute,
    /// Median `callgrind/execute` instruction count.
    Instructions,
}

impl Metric {
    pub fn value(self, cell: &Cell) -> Option<f64> {
        let v = match self {
            Metric::WarmExecute => median(cell, Mode::Warm, Phase::Execute),
            Metric::Instructions => median(cell, Mode::Callgrind, Phase::Execute),
        };
        v.filter(|v| *v > 0.0)
    }
}

/// Which workloads the geometric mean is over.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scope {
    /// The workloads of shape `compute` among the columns.
    Compute(Vec<String>),
    /// No workload shapes were given: every workload.
    Every,
    /// Shapes were given, but no column is a compute workload: no mean.
    NoCompute,
}

/// A column of the heat map: a workload, or one language of it.
pub(crate) struct Column {
    pub workload: String,
    pub language: Option<String>,
    pub label: String,
}

/// The heat map's figures: `ratios[row][column]`, one row per backend.
pub(crate) struct NativeRelative {
    pub metric: Metric,
    pub rows: Vec<String>,
    pub columns: Vec<Column>,
    pub ratios: Vec<Vec<Option<f64>>>,
    /// Per row: the geometric mean of its ratios over the [`Scope`]'s workloads and how
    /// many ratios it is of.
    pub geomean: Vec<Option<(f64, usize)>>,
    pub scope: Scope,
}

/// The metric the results allow: warm execute when a native cell has one, else callgrind.
pub(crate) fn metric(results: &Results) -> Option<Metric> {
    let native = || results.cells.iter().filter(|c| c.error.is_none() && c.kind == BackendKind::Native);
    [Metric::WarmExecute, Metric::Instructions].into_iter().find(|m| native().any(|c| m.value(c).is_some()))
}

/// Every backend relative to native, or `None` without a native cell to compare with.
/// `shapes` maps workload names to their manifest shape (empty: not known).
pub(crate) fn native_relative(results: &Results, shapes: &BTreeMap<String, String>) -> Option<NativeRelative> {
    let metric = metric(results)?;
    let ok: Vec<(&Cell, f64)> = results
        .cells
        .iter()
        .filter(|c| c.error.is_none())
        .filter_map(|c| Some((c, metric.value(c)?)))
        .collect();
    let ordered = super::in_order(ok.iter().map(|(c, _)| *c));
    let rows: Vec<String> = crate::cell::ordered(ordered.iter().map(|c| c.id.backend.as_str())).into_iter().map(String::from).collect();
    let columns = columns(&ok);
    let ratio = |backend: &str, col: &Column| {
        let (cell, v) = ok.iter().find(|(c, _)| {
            c.id.backend == backend && c.id.workload == col.workload && col.language.as_ref().is_none_or(|l| *l == c.id.language)
        })?;
        let (reference, _) = native_reference(results, cell, |c| metric.value(c))?;
        Some(v / reference)
    };
    let ratios: Vec<Vec<Option<f64>>> = rows.iter().map(|b| columns.iter().map(|col| ratio(b, col)).collect()).collect();
    let scope = scope(&columns, shapes);
    let counted = |col: &Column| match &scope {
        Scope::Compute(w) => w.contains(&col.workload),
        Scope::Every => true,
        Scope::NoCompute => false,
    };
    let geomean = ratios
        .iter()
        .map(|row| {
            let logs: Vec<f64> = row.iter().zip(&columns).filter(|(_, col)| counted(col)).filter_map(|(r, _)| r.map(f64::ln)).collect();
            (!logs.is_empty()).then(|| ((logs.iter().sum::<f64>() / logs.len() as f64).exp(), logs.len()))
        })
        .collect();
    Some(NativeRelative { metric, rows, columns, ratios, geomean, scope })
}

/// One column per workload, or per workload and language when some backend measured a
/// workload in two languages.
fn columns(ok: &[(&Cell, f64)]) -> Vec<Column> {
    let per_language = ok.iter().any(|(a, _)| {
        ok.iter().any(|(b, _)| a.id.backend == b.id.backend && a.id.workload == b.id.workload && a.id.language != b.id.language)
    });
    let mut out: Vec<Column> = Vec::new();
    for (c, _) in ok {
        let language = per_language.then(|| c.id.language.clone());
        if out.iter().any(|col| col.workload == c.id.workload && col.language == language) {
            continue;
        }
        let label = match &language {
            Some(l) => format!("{} ({l})", c.id.workload),
            None => c.id.workload.clone(),
        };
        out.push(Column { workload: c.id.workload.clone(), language, label });
    }
    out
}

fn scope(columns: &[Column], shapes: &BTreeMap<String, String>) -> Scope {
    if shapes.is_empty() {
        return Scope::Every;
    }
    let compute: Vec<String> = crate::cell::ordered(
        columns.iter().map(|c| c.workload.as_str()).filter(|w| shapes.get(*w).is_some_and(|s| s == "compute")),
    )
    .into_iter()
    .map(String::from)
    .collect();
    if compute.is_empty() { Scope::NoCompute } else { Scope::Compute(compute) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_to_native_and_their_geometric_mean() {
        let results = crate::fixture::results();
        let rel = native_relative(&results, &BTreeMap::new()).expect("the fixture has native cells");
        assert_eq!(rel.metric, Metric::WarmExecute);
        assert_eq!(rel.rows, ["native", "wasmtime-cranelift", "wasmi", "v8-js"]);
        let labels: Vec<&str> = rel.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["fib", "hello"]);
        let warm = |backend: &str| {
            let c = results.cells.iter().find(|c| c.id.backend == backend && c.id.workload == "fib").expect(backend);
            median(c, Mode::Warm, Phase::Execute).expect("warm execute")
        };
        let (native_fib, wasmtime_fib) = (warm("native"), warm("wasmtime-cranelift"));
        assert_eq!(rel.ratios[0], [Some(1.0), Some(1.0)]);
        assert_eq!(rel.ratios[1][0], Some(wasmtime_fib / native_fib));
        assert_eq!(rel.ratios[2][1], None, "wasmi × hello failed");
        assert_eq!(rel.scope, Scope::Every);
        let (mean, n) = rel.geomean[1].expect("a mean");
        let expected = (rel.ratios[1][0].expect("fib") * rel.ratios[1][1].expect("hello")).sqrt();
        assert!((mean - expected).abs() < 1e-12 && n == 2);
        // Only compute workloads count when shapes are known.
        let shapes = BTreeMap::from([("fib".to_string(), "compute".to_string()), ("hello".to_string(), "cold-start".to_string())]);
        let rel = native_relative(&results, &shapes).expect("relative");
        assert_eq!(rel.scope, Scope::Compute(vec!["fib".into()]));
        assert_eq!(rel.geomean[1], Some((wasmtime_fib / native_fib, 1)));
        let shapes = BTreeMap::from([("fib".to_string(), "io".to_string())]);
        assert_eq!(native_relative(&results, &shapes).expect("relative").geomean[1], None);
    }

    #[test]
    fn the_geometric_mean_of_the_fixtures_known_figures() {
        // The fixture's warm execute medians: native fib 80 ms, hello 15 µs; wasmtime fib
        // 100 ms, hello 40 µs; v8-js fib 200 ms, hello 80 µs; wasmi hello failed.
        let rel = native_relative(&crate::fixture::results(), &BTreeMap::new()).expect("relative");
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        let row = |backend: &str| rel.rows.iter().position(|r| r == backend).expect(backend);
        let (wasmtime, v8, wasmi) = (row("wasmtime-cranelift"), row("v8-js"), row("wasmi"));
        assert!(close(rel.ratios[wasmtime][0], 1.25) && close(rel.ratios[wasmtime][1], 40.0 / 15.0), "{:?}", rel.ratios);
        // √(1.25 × 8/3) = √(10/3); √(2.5 × 16/3) = √(40/3).
        assert!(close(rel.geomean[wasmtime].map(|g| g.0), (10.0f64 / 3.0).sqrt()), "{:?}", rel.geomean);
        assert!(close(rel.geomean[v8].map(|g| g.0), (40.0f64 / 3.0).sqrt()), "{:?}", rel.geomean);
        // A failed cell is no ratio: wasmi's mean is of fib alone (600 ms / 80 ms).
        assert_eq!(rel.geomean[wasmi].map(|g| g.1), Some(1));
        assert!(close(rel.geomean[wasmi].map(|g| g.0), 7.5));
    }

    #[test]
    fn instruction_counts_without_times_and_nothing_without_native() {
        let mut results = crate::fixture::results();
        for c in &mut results.cells {
            for m in &mut c.measurements {
                if (m.mode, m.phase) == (Mode::Warm, Phase::Execute) {
                    m.mode = Mode::Callgrind;
                }
            }
        }
        assert_eq!(metric(&results), Some(Metric::Instructions));
        results.cells.retain(|c| c.kind != BackendKind::Native);
        assert!(native_relative(&results, &BTreeMap::new()).is_none());
    }
}
