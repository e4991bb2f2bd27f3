//! The report's section "Versus the alternatives": per workload, the whole cold start and
//! peak resident set of every kind of backend beside the native process's.

use wasmbench_data::{Cell, Mode, Phase, Results};

use super::{bytes, with_ci, Block, ChartRef};
use crate::cell::median;
use crate::chart::ALTERNATIVES_PREFIX;
use crate::compare::alternatives::{missing, native_reference, rows, Alternative};

pub(super) fn alternatives_section(results: &Results, charts: &[ChartRef]) -> Vec<Block> {
    let mut doc = vec![
        Block::Heading(2, "Versus the alternatives".into()),
        Block::Paragraph(
            "Cold start here is the median wall time from spawning the process that serves a request to its exit \
             (`cold/process`), the one figure every backend has: the workload's native build run as a process, the \
             same binary in a container started with `runc`, a Wasm worker in such a container, the worker process \
             of each in-process Wasm backend (a fresh engine that compiles the module, or loads an AOT artifact), \
             the worker of a V8 isolate, and a whole `node` or CLI process. Peak RSS is the median peak resident set \
             of that process. `× native` divides by the native build's figure for the same workload and source \
             language, else (JavaScript, AssemblyScript) by the workload's fastest native build."
                .into(),
        ),
    ];
    let gone = missing(results);
    if !gone.is_empty() {
        let names: Vec<String> = gone.iter().map(|(c, backends)| format!("{} ({backends})", c.label())).collect();
        doc.push(Block::Paragraph(format!(
            "Not in these results (no successful cell with a cold `process` measurement): {}. Their rows are missing \
             below; add those backends to the run (`-b`) to compare with them.",
            names.join(", ")
        )));
    }
    doc.extend(caption(charts, ALTERNATIVES_PREFIX));
    let workloads = crate::chart::ordered(results.cells.iter().map(|c| c.id.workload.as_str()));
    let mut any = false;
    for w in workloads {
        let rows = rows(results.cells.iter().filter(|c| c.id.workload == w));
        if rows.iter().all(|r| r.cold.is_none()) {
            continue;
        }
        any = true;
        doc.push(Block::Heading(3, w.to_string()));
        doc.extend(own_charts(results, charts, ALTERNATIVES_PREFIX, w));
        doc.push(Block::Table(
            ["backend", "kind", "lang", "cold start", "× native", "peak RSS", "× native"].map(String::from).to_vec(),
            vec![false, false, false, true, true, true, true],
            rows.iter().map(|r| row(results, r)).collect(),
        ));
    }
    if !any {
        doc.push(Block::Paragraph("No cell of these results has a cold `process` measurement: there is nothing to compare.".into()));
    }
    doc
}

fn row(results: &Results, r: &Alternative) -> Vec<String> {
    let times = |value: Option<f64>, of: fn(&Cell) -> Option<f64>| match (value, native_reference(results, r.cell, of)) {
        (Some(v), Some((n, _))) if n > 0.0 => format!("{:.2}×", v / n),
        _ => "–".to_string(),
    };
    let cold = r.cold.map(|m| m.summary.median);
    vec![
        r.cell.id.backend.clone(),
        r.category.label().to_string(),
        r.cell.id.language.clone(),
        r.cold.map(with_ci).unwrap_or_else(|| "–".into()),
        times(cold, |c| median(c, Mode::Cold, Phase::Process)),
        r.peak_rss.map(bytes).unwrap_or_else(|| "–".into()),
        times(r.peak_rss, |c| median(c, Mode::Cold, Phase::PeakRss)),
    ]
}

/// The caption of the first chart whose file name starts with `prefix` (charts of one kind
/// share it), as a paragraph.
pub(super) fn caption(charts: &[ChartRef], prefix: &str) -> Option<Block> {
    charts.iter().find(|c| c.file_name.starts_with(prefix)).map(|c| Block::Paragraph(c.caption.clone()))
}

/// The images of a workload's charts, named `{prefix}{workload}.png` or, split by
/// language, `{prefix}{workload}-{language}.png` (as [`crate::chart`] names them).
pub(super) fn own_charts(results: &Results, charts: &[ChartRef], prefix: &str, workload: &str) -> Vec<Block> {
    let languages = crate::chart::ordered(
        results.cells.iter().filter(|c| c.id.workload == workload).map(|c| c.id.language.as_str()),
    );
    let names: Vec<String> = std::iter::once(format!("{prefix}{workload}.png"))
        .chain(languages.iter().map(|l| format!("{prefix}{workload}-{l}.png")))
        .collect();
    charts
        .iter()
        .filter(|c| names.contains(&c.file_name))
        .map(|c| Block::Image(c.file_name.clone(), c.title.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Category;

    fn chart(file_name: &str) -> ChartRef {
        ChartRef { file_name: file_name.into(), title: file_name.into(), caption: String::new() }
    }

    #[test]
    fn a_table_per_workload_and_what_is_missing() {
        let results = crate::fixture::results();
        let doc = alternatives_section(&results, &[chart("alternatives-fib.png"), chart("alternatives-fibre.png")]);
        let tables: Vec<&Vec<Vec<String>>> = doc.iter().filter_map(|b| if let Block::Table(_, _, r) = b { Some(r) } else { None }).collect();
        assert_eq!(tables.len(), 2, "fib and hello: {doc:?}");
        let fib = tables[0];
        assert_eq!(fib[0][..3], ["native", "native process", "c"].map(String::from));
        assert_eq!(fib[0][4], "1.00×");
        assert!(fib.iter().any(|r| r[0] == "container-wasmtime" && r[1] == "Wasm in a container"));
        assert_ne!(fib.iter().find(|r| r[0] == "node-js").expect("node-js")[4], "–", "JS compared with native c");
        let images: Vec<&Block> = doc.iter().filter(|b| matches!(b, Block::Image(..))).collect();
        assert_eq!(images, [&Block::Image("alternatives-fib.png".into(), "alternatives-fib.png".into())]);
        assert!(!doc.iter().any(|b| matches!(b, Block::Paragraph(p) if p.starts_with("Not in these results"))));
        // Without native and container cells the section says so, and keeps the rest.
        let mut bare = results.clone();
        bare.cells.retain(|c| !matches!(Category::of(c), Category::Native | Category::Container));
        let doc = alternatives_section(&bare, &[]);
        let said = doc.iter().any(|b| {
            matches!(b, Block::Paragraph(p) if p.contains("native process (`native`)") && p.contains("container (runc) (`container`)"))
        });
        assert!(said, "{doc:?}");
        assert!(doc.iter().any(|b| matches!(b, Block::Table(..))));
    }
}
