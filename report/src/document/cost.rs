//! The report's section "Cost per million requests": the pricing model with its source,
//! what each kind of backend is billed for, and per workload a table of the three traffic
//! patterns' prices.

use wasmbench_data::Results;

use super::{Block, ChartRef};
use crate::chart::{number, pattern_names, COST_PREFIX};
use crate::compare::cost::{rows, CostRow, Duration};
use crate::pricing::Pricing;
use crate::table::format_ns;

pub(super) fn cost_section(results: &Results, charts: &[ChartRef], pricing: &Pricing) -> Vec<Block> {
    let mut doc = vec![
        Block::Heading(2, "Cost per million requests".into()),
        Block::Paragraph(model(pricing)),
        Block::List(assumptions(pricing)),
    ];
    doc.extend(super::alternatives::caption(charts, COST_PREFIX));
    let workloads = crate::chart::ordered(results.cells.iter().map(|c| c.id.workload.as_str()));
    let [cold, mixed, warm] = pattern_names(pricing);
    let mut any = false;
    for w in workloads {
        let rows = rows(results.cells.iter().filter(|c| c.id.workload == w), pricing);
        if rows.is_empty() {
            continue;
        }
        any = true;
        doc.push(Block::Heading(3, w.to_string()));
        doc.extend(super::alternatives::own_charts(results, charts, COST_PREFIX, w));
        let header = ["backend", "kind", "lang", "billed memory", "cold request", "warm request", &cold, &mixed, &warm];
        doc.push(Block::Table(
            header.map(String::from).to_vec(),
            vec![false, false, false, true, true, true, true, true, true],
            rows.iter().map(|r| row(r, &pricing.currency)).collect(),
        ));
    }
    if !any {
        doc.push(Block::Paragraph(
            "No cell of these results has both a peak RSS and a duration to price: there is nothing to cost.".into(),
        ));
    }
    doc
}

/// The model in one paragraph, with its source, its date and the file it was read from.
fn model(p: &Pricing) -> String {
    let b = &p.billing;
    format!(
        "Pricing model: {} (source: {}; date of the figures: {}), read from `{}`. Each request costs {} per \
         million requests plus {} per GB-second of billed duration × billed memory: the duration rounded up to a \
         multiple of {} ms, the memory the cell's median peak resident set rounded up to a multiple of {} MB and \
         at least {} MB (a cell above {} MB is not priced), 1 GB = 1024 MB. Prices are per million requests, in \
         {}; another model is priced by passing a file laid out like `report/pricing/default.toml`.",
        p.source.name,
        p.source.url,
        p.source.date,
        p.file,
        money(p.price.per_million_requests, &p.currency),
        money(p.price.per_gb_second, &p.currency),
        number(b.granularity_ms),
        number(b.memory_step_mb),
        number(b.min_memory_mb),
        number(b.max_memory_mb),
        p.currency,
    )
}

fn assumptions(p: &Pricing) -> Vec<String> {
    vec![
        "Every request cold: a backend that starts a process per request (native, container, Wasm in a container, \
         `node` and CLI processes) is billed its whole process, spawn to exit (`cold/process`); an in-process \
         backend (the Wasm engines, V8 isolates) its in-process cold phases (`cold/total`: engine, compile or load, \
         instantiate, execute), as if its host process were already running."
            .into(),
        "Every request warm: `warm/total` (a fresh instance in a worker that prepared the module already) where \
         measured; for the native build its own `main` (`warm/execute`), as if one long-running process served the \
         requests; a backend measured only as a whole process per request (container, Wasm in a container, \
         `node`) has no warm measurement here and is billed its whole process again, an upper bound of what a \
         warm request to it would cost."
            .into(),
        format!(
            "Mixed: {}% of requests cold, the rest warm; each request is billed on its own, so the price is the \
             weighted mean of the two.",
            number(p.traffic.mixed_cold_fraction * 100.0)
        ),
        "Memory: the median peak resident set of the cold process, for every pattern (for in-process backends it \
         includes the engine and the compiled code); below the minimum memory, memory makes no difference to the \
         price. Free tiers, storage, data transfer, provisioned capacity and \
         the CPU share a memory size buys are not modelled; durations are this machine's."
            .into(),
    ]
}

fn row(r: &CostRow, currency: &str) -> Vec<String> {
    let duration = |d: Option<Duration>| d.map(|d| format!("{} ({})", format_ns(d.ns), d.source)).unwrap_or_else(|| "–".into());
    let price = |v: Option<f64>| v.map(|v| money(v, currency)).unwrap_or_else(|| "–".into());
    vec![
        r.cell.id.backend.clone(),
        r.category.label().to_string(),
        r.cell.id.language.clone(),
        format!("{} MB", number(r.memory_mb)),
        duration(r.cold),
        duration(r.warm),
        price(r.cold_only),
        price(r.mixed),
        price(r.warm_only),
    ]
}

/// `$0.2021`, `$12.35`, `0.41 EUR`: four significant digits (prices of short requests
/// differ in the third).
pub(crate) fn money(v: f64, currency: &str) -> String {
    let a = v.abs();
    let digits = if a >= 1000.0 {
        0
    } else if a > 0.0 {
        (3 - a.log10().floor() as i32).clamp(0, 12) as usize
    } else {
        2
    };
    let n = format!("{v:.digits$}");
    if currency == "USD" { format!("${n}") } else { format!("{n} {currency}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_four_significant_digits() {
        assert_eq!(money(0.20208, "USD"), "$0.2021");
        assert_eq!(money(12.345, "USD"), "$12.35");
        assert_eq!(money(0.0000166667, "USD"), "$0.00001667");
        assert_eq!(money(1234.4, "EUR"), "1234 EUR");
    }

    #[test]
    fn a_priced_table_per_workload_with_the_model_and_its_source() {
        let results = crate::fixture::results();
        let pricing = Pricing::default_embedded();
        let doc = cost_section(&results, &[], &pricing);
        let Block::Paragraph(model) = &doc[1] else { panic!("the model: {doc:?}") };
        assert!(model.contains("https://aws.amazon.com/lambda/pricing/") && model.contains("$0.2000 per"), "{model}");
        assert!(model.contains(&pricing.source.date) && model.contains("report/pricing/default.toml (built in)"), "{model}");
        let tables: Vec<(&Vec<String>, &Vec<Vec<String>>)> =
            doc.iter().filter_map(|b| if let Block::Table(h, _, r) = b { Some((h, r)) } else { None }).collect();
        assert_eq!(tables.len(), 2);
        let (header, fib) = tables[0];
        assert_eq!(header[7], "mixed (1% cold)");
        assert_eq!(fib[0][0], "native");
        assert_eq!(fib[0][3], "128 MB");
        assert!(fib.iter().all(|r| r[6].starts_with('$')), "{fib:?}");
    }
}
