//! Cold start and memory of every kind of backend side by side: the median wall time of a
//! whole cold start (`cold/process`: spawn to exit, the one figure every backend has) and
//! the median peak resident set, each beside the native process's.

use wasmbench_data::{Cell, Measurement, Mode, Phase, Results};

use super::Category;
use crate::cell::{measurement, median};

/// One backend's row for one workload (and language).
pub(crate) struct Alternative<'r> {
    pub cell: &'r Cell,
    pub category: Category,
    /// Cold `process`: spawn to exit of the process that ran the request.
    pub cold: Option<&'r Measurement>,
    pub peak_rss: Option<f64>,
}

/// The successful cells among `cells` that have a cold start or a peak RSS, in report
/// order (by category).
pub(crate) fn rows<'r>(cells: impl Iterator<Item = &'r Cell>) -> Vec<Alternative<'r>> {
    super::in_order(cells.filter(|c| c.error.is_none()))
        .into_iter()
        .map(|cell| Alternative {
            cell,
            category: Category::of(cell),
            cold: measurement(cell, Mode::Cold, Phase::Process),
            peak_rss: median(cell, Mode::Cold, Phase::PeakRss),
        })
        .filter(|a| a.cold.is_some() || a.peak_rss.is_some())
        .collect()
}

/// `value` of the native cell `cell` is compared with: the native build of the same
/// workload in the same language, else (a language without a native build, such as
/// JavaScript) the native build of the workload with the smallest value.
pub(crate) fn native_reference(results: &Results, cell: &Cell, value: impl Fn(&Cell) -> Option<f64>) -> Option<(f64, String)> {
    let natives = || {
        results
            .cells
            .iter()
            .filter(|c| c.error.is_none() && c.kind == wasmbench_data::BackendKind::Native && c.id.workload == cell.id.workload)
            .filter_map(|c| Some((value(c)?, c.id.language.clone())))
    };
    natives()
        .find(|(_, l)| *l == cell.id.language)
        .or_else(|| natives().min_by(|a, b| a.0.total_cmp(&b.0)))
}

/// The kinds of backend the comparison asks for that no successful cell of `results`
/// stands for, each with the backend that would: (category, backends).
pub(crate) fn missing(results: &Results) -> Vec<(Category, &'static str)> {
    const WANTED: [(Category, &str); 5] = [
        (Category::Native, "`native`"),
        (Category::Container, "`container`"),
        (Category::WasmInContainer, "`container-<backend>`, e.g. `container-wasmtime-aot`"),
        (Category::V8Js, "`v8-js`"),
        (Category::Process, "`node-js` or `node-wasi`"),
    ];
    WANTED
        .into_iter()
        .filter(|(category, _)| {
            !results.cells.iter().any(|c| {
                c.error.is_none() && Category::of(c) == *category && median(c, Mode::Cold, Phase::Process).is_some()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_backend_in_one_table_with_its_native_reference() {
        let results = crate::fixture::results();
        let fib = rows(results.cells.iter().filter(|c| c.id.workload == "fib"));
        let names: Vec<&str> = fib.iter().map(|a| a.cell.id.backend.as_str()).collect();
        assert_eq!(names, ["native", "container", "container-wasmtime", "wasmtime-cranelift", "wasmi", "v8-js", "node-js"]);
        assert!(fib.iter().all(|a| a.cold.is_some() && a.peak_rss.is_some()));
        let cold = |c: &Cell| median(c, Mode::Cold, Phase::Process);
        let native = cold(fib[0].cell).expect("native cold start");
        // JavaScript has no native build: it is compared with the workload's native build.
        assert_eq!(native_reference(&results, fib[5].cell, cold), Some((native, "c".to_string())));
        // The failed wasmi × hello is left out.
        let hello = rows(results.cells.iter().filter(|c| c.id.workload == "hello"));
        assert!(hello.iter().all(|a| a.cell.id.backend != "wasmi"));
        assert!(missing(&results).is_empty());
        let mut bare = results.clone();
        bare.cells.retain(|c| !matches!(Category::of(c), Category::Native | Category::Container | Category::WasmInContainer));
        let gone: Vec<Category> = missing(&bare).into_iter().map(|m| m.0).collect();
        assert_eq!(gone, [Category::Native, Category::Container, Category::WasmInContainer]);
        assert_eq!(native_reference(&bare, fib[5].cell, cold), None);
    }
}
