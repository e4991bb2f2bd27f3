//! The report's section "Execution relative to native": the heat map's figures as a table,
//! each backend's geometric mean, and how they were computed.

use std::collections::BTreeMap;

use wasmbench_data::Results;

use super::{Block, ChartRef};
use crate::chart::NATIVE_RELATIVE_FILE;
use crate::compare::native::{native_relative, Metric, NativeRelative, Scope};

pub(super) fn native_relative_section(results: &Results, charts: &[ChartRef], shapes: &BTreeMap<String, String>) -> Vec<Block> {
    let mut doc = vec![Block::Heading(2, "Execution relative to native".into())];
    let Some(rel) = native_relative(results, shapes) else {
        doc.push(Block::Paragraph(
            "These results have no successful `native` cell with a warm `execute` (or, measuring instructions, a \
             `callgrind/execute`) measurement: there is no native figure to compare execution with, and the heat \
             map is left out. Add the `native` backend to the run (`-b native`)."
                .into(),
        ));
        return doc;
    };
    doc.push(Block::Paragraph(method(rel.metric)));
    doc.push(Block::Paragraph(scope_sentence(&rel.scope)));
    if let Some(c) = charts.iter().find(|c| c.file_name == NATIVE_RELATIVE_FILE) {
        doc.push(Block::Paragraph(c.caption.clone()));
        doc.push(Block::Image(c.file_name.clone(), c.title.clone()));
    }
    doc.push(table(&rel));
    doc
}

fn method(metric: Metric) -> String {
    let what = match metric {
        Metric::WarmExecute => {
            "the median warm `execute` time of each backend (a fresh instance's `_start` in a worker that prepared \
             the module already; for V8's JavaScript, the script's run) divided by the native build's median warm \
             `execute`: its own `main`, timed inside the process and read from a side channel, on runs after the \
             first. Process start-up is left out on both sides."
        }
        Metric::Instructions => {
            "the median number of instructions each backend executed in its `execute` phase, counted by callgrind \
             (`callgrind/execute`), divided by the native build's: deterministic, and blind to cache misses and \
             branch mispredictions."
        }
    };
    format!(
        "Native = 1.0×. Each figure is {what} The reference is the native build of the same workload in the same \
         source language; a language without one (JavaScript, AssemblyScript) is compared with the workload's \
         fastest native build. Above 1× is slower than native, below faster."
    )
}

fn scope_sentence(scope: &Scope) -> String {
    const WASMSCORE: &str = "The geometric mean per backend summarises it as WasmScore reports efficiency \
                             (there as native over Wasm; here its inverse, the slowdown)";
    match scope {
        Scope::Compute(w) => format!("{WASMSCORE}, over the workloads of shape `compute`: {}.", w.join(", ")),
        Scope::Every => format!(
            "{WASMSCORE}, over every workload in the table: the results do not record workload shapes and none were \
             given to the report, so the `compute` workloads could not be singled out."
        ),
        Scope::NoCompute => "None of these workloads has the shape `compute`: no geometric mean is given.".to_string(),
    }
}

fn table(rel: &NativeRelative) -> Block {
    let mut header = vec!["backend".to_string()];
    header.extend(rel.columns.iter().map(|c| c.label.clone()));
    header.push("geometric mean".into());
    let mut numeric = vec![false];
    numeric.extend(std::iter::repeat_n(true, rel.columns.len() + 1));
    let rows = rel
        .rows
        .iter()
        .zip(&rel.ratios)
        .zip(&rel.geomean)
        .map(|((backend, ratios), mean)| {
            let mut row = vec![backend.clone()];
            row.extend(ratios.iter().map(|r| r.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "–".into())));
            row.push(mean.map(|(m, n)| format!("{m:.2}× (n={n})")).unwrap_or_else(|| "–".into()));
            row
        })
        .collect();
    Block::Table(header, numeric, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_the_method_or_why_there_is_none() {
        let results = crate::fixture::results();
        let shapes = BTreeMap::from([("fib".to_string(), "compute".to_string())]);
        let doc = native_relative_section(&results, &[], &shapes);
        let Some(Block::Table(header, _, rows)) = doc.last() else { panic!("a table: {doc:?}") };
        assert_eq!(header, &["backend", "fib", "hello", "geometric mean"]);
        assert_eq!(rows[0], ["native", "1.00×", "1.00×", "1.00× (n=1)"]);
        assert!(doc.iter().any(|b| matches!(b, Block::Paragraph(p) if p.contains("shape `compute`: fib."))), "{doc:?}");
        let doc = native_relative_section(&results, &[], &BTreeMap::new());
        assert!(doc.iter().any(|b| matches!(b, Block::Paragraph(p) if p.contains("do not record workload shapes"))));
        let mut bare = results.clone();
        bare.cells.retain(|c| c.id.backend != "native");
        let doc = native_relative_section(&bare, &[], &shapes);
        assert_eq!(doc.len(), 2);
        assert!(matches!(&doc[1], Block::Paragraph(p) if p.contains("-b native")));
    }
}
