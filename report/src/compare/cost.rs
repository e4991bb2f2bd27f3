//! What a million requests cost under a [`Pricing`] model, for three traffic patterns:
//! every request a cold start, every request warm, and a mix.

use wasmbench_data::{Cell, Mode, Phase};

use super::Category;
use crate::cell::median;
use crate::pricing::Pricing;

/// A duration a request is billed for, and which measurement it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Duration {
    pub ns: f64,
    /// `cold/process`, `cold/total`, `warm/total` or `warm/execute`.
    pub source: &'static str,
}

/// The price of a million requests to one cell.
pub(crate) struct CostRow<'r> {
    pub cell: &'r Cell,
    pub category: Category,
    /// The memory billed (MiB): the peak resident set rounded up.
    pub memory_mb: f64,
    pub cold: Option<Duration>,
    pub warm: Option<Duration>,
    /// Per million requests, every request cold / the mixed pattern / every request warm.
    pub cold_only: Option<f64>,
    pub mixed: Option<f64>,
    pub warm_only: Option<f64>,
}

/// The duration of a cold request: the whole process for a backend that starts one per
/// request, else the in-process cold phases (`total`: engine, compile, instantiate,
/// execute) of a host process that keeps running.
pub(crate) fn cold(cell: &Cell) -> Option<Duration> {
    let d = |mode, phase, source| median(cell, mode, phase).map(|ns| Duration { ns, source });
    if Category::of(cell).is_process_per_request() {
        d(Mode::Cold, Phase::Process, "cold/process")
    } else {
        d(Mode::Cold, Phase::Total, "cold/total").or_else(|| d(Mode::Cold, Phase::Process, "cold/process"))
    }
}

/// The duration of a warm request: `warm/total` (instantiate and execute in a process
/// that prepared the module already), else `warm/execute` (a native program's own `main`),
/// else, for a backend that starts a process per request, that whole process again.
pub(crate) fn warm(cell: &Cell) -> Option<Duration> {
    let d = |mode, phase, source| median(cell, mode, phase).map(|ns| Duration { ns, source });
    d(Mode::Warm, Phase::Total, "warm/total")
        .or_else(|| d(Mode::Warm, Phase::Execute, "warm/execute"))
        .or_else(|| if Category::of(cell).is_process_per_request() { cold(cell) } else { None })
}

/// The cost rows of the successful cells among `cells` that have a peak RSS and a
/// duration, in report order.
pub(crate) fn rows<'r>(cells: impl Iterator<Item = &'r Cell>, pricing: &Pricing) -> Vec<CostRow<'r>> {
    super::in_order(cells.filter(|c| c.error.is_none()))
        .into_iter()
        .filter_map(|cell| {
            let rss = median(cell, Mode::Cold, Phase::PeakRss)?;
            let memory_mb = pricing.billed_memory_mb(rss)?;
            let (cold, warm) = (cold(cell), warm(cell));
            let million = |d: Option<Duration>| Some(pricing.per_request(d?.ns, rss)? * 1e6);
            let (cold_only, warm_only) = (million(cold), million(warm));
            let f = pricing.traffic.mixed_cold_fraction;
            let mixed = cold_only.zip(warm_only).map(|(c, w)| f * c + (1.0 - f) * w);
            (cold_only.is_some() || warm_only.is_some()).then_some(CostRow {
                cell,
                category: Category::of(cell),
                memory_mb,
                cold,
                warm,
                cold_only,
                mixed,
                warm_only,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_backend_is_billed_for_what_a_request_takes() {
        let results = crate::fixture::results();
        let pricing = Pricing::default_embedded();
        let fib = rows(results.cells.iter().filter(|c| c.id.workload == "fib"), &pricing);
        let row = |b: &str| fib.iter().find(|r| r.cell.id.backend == b).expect(b);
        // A process per request: billed its whole process, warm or cold.
        let container = row("container");
        assert_eq!(container.cold.map(|d| d.source), Some("cold/process"));
        assert_eq!(container.warm, container.cold);
        assert_eq!(container.cold_only, container.warm_only);
        // Native's warm request is its own main; in-process Wasm's cold request its phases.
        assert_eq!(row("native").warm.map(|d| d.source), Some("warm/execute"));
        let wasmtime = row("wasmtime-cranelift");
        assert_eq!((wasmtime.cold.map(|d| d.source), wasmtime.warm.map(|d| d.source)), (Some("cold/total"), Some("warm/total")));
        // Mixed: 1% cold.
        let (c, w, m) = (wasmtime.cold_only.expect("cold"), wasmtime.warm_only.expect("warm"), wasmtime.mixed.expect("mixed"));
        assert!((m - (0.01 * c + 0.99 * w)).abs() < 1e-9, "{m} {c} {w}");
        // The price follows from the model: one request's fee plus GB-seconds.
        let rss = median(wasmtime.cell, Mode::Cold, Phase::PeakRss).expect("rss");
        let by_hand = pricing.per_request(wasmtime.cold.expect("cold").ns, rss).expect("priced") * 1e6;
        assert_eq!(c, by_hand);
        assert!(c > 0.2, "at least the request fee: {c}");
        assert_eq!(wasmtime.memory_mb, 128.0, "small processes are billed the minimum");
    }

    #[test]
    fn a_container_request_priced_by_hand() {
        let results = crate::fixture::results();
        let pricing = Pricing::default_embedded();
        let hello = rows(results.cells.iter().filter(|c| c.id.workload == "hello"), &pricing);
        let container = hello.iter().find(|r| r.cell.id.backend == "container").expect("container × hello");
        // 118.90 ms spawn to exit, billed 119 ms; 13.4 MiB peak RSS, billed the 128 MB minimum.
        let cold = container.cold.expect("cold");
        assert_eq!((pricing.billed_ms(cold.ns), container.memory_mb), (119.0, 128.0), "{}", cold.ns);
        // $0.20 + 1e6 × $0.0000166667 × 0.125 GB × 0.119 s = $0.44791716 per million.
        let expected = 0.20 + 1e6 * 0.0000166667 * 0.125 * 0.119;
        assert!((container.cold_only.expect("priced") - expected).abs() < 1e-9, "{:?}", container.cold_only);
        let mixed = container.mixed.expect("mixed");
        assert!((mixed - expected).abs() < 1e-9, "the same process cold or warm: {mixed}");
    }
}
