//! The report's Shards section: for results merged from the shards of a sharded run, which
//! machine measured which part, and — loudly — when they were not the same machine or the
//! machine's speed moved between them.

use wasmbench_data::{Results, Shard};

use super::{or_dash, Block};
use crate::table::format_ns;

/// A heading, the warnings and one row per shard; nothing for an unsharded run.
pub(super) fn shards_section(results: &Results) -> Vec<Block> {
    let Some(first) = results.shards.first() else { return Vec::new() };
    let mut doc = vec![Block::Heading(2, "Shards".into())];
    if results.shards.len() == 1 && first.environment.is_none() {
        doc.push(Block::Paragraph(format!(
            "Shard {} of a sharded run: {} of the plan's {} cells. Merge the results of every shard with `wasmbench merge`.",
            first.label(),
            first.cells,
            first.plan_cells
        )));
        return doc;
    }
    doc.push(Block::Paragraph(format!(
        "Merged from {} shards of a run of {} cells; every backend of a (workload, language) was measured by the same shard, so the \
         comparisons between backends never cross machines.",
        results.shards.len(),
        first.plan_cells
    )));
    let mixed = Shard::mixed(&results.shards, results.timed());
    if !mixed.is_empty() {
        let mut lines = vec!["**Mixed shards** — wall-clock figures from different shards do not compare:".to_string()];
        lines.extend(mixed);
        doc.push(Block::List(lines));
    }
    let header = ["shard", "cells", "host", "CPU", "sentinel (native)", "drift", "file"];
    let rows = results.shards.iter().map(row).collect();
    doc.push(Block::Table(header.map(String::from).to_vec(), vec![false, true, false, false, true, true, false], rows));
    doc
}

fn row(s: &Shard) -> Vec<String> {
    let env = s.environment.as_ref();
    let sentinel = s.sentinel.as_ref();
    vec![
        s.label(),
        s.cells.to_string(),
        or_dash(env.map_or("", |e| e.hostname.as_str())).to_string(),
        or_dash(env.map_or("", |e| e.cpu_model.as_str())).to_string(),
        sentinel.and_then(|x| x.median_native_ns()).map_or_else(|| "–".into(), format_ns),
        sentinel.and_then(|x| x.drift_pct()).map_or_else(|| "–".into(), |d| format!("{d:.1}%")),
        s.source.clone().unwrap_or_else(|| "–".into()),
    ]
}

#[cfg(test)]
mod tests {
    use wasmbench_data::{Environment, Fingerprint, RunConfig};

    use super::*;

    /// Two shards on CPUs of these models, with one wall-clock measurement.
    fn merged(models: [&str; 2]) -> Results {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        r.cells = crate::fixture::results().cells.into_iter().take(1).collect();
        for (i, model) in models.iter().enumerate() {
            let environment = Environment {
                hostname: format!("node-{i}"),
                cpu_model: format!("CPU {model}"),
                fingerprint: Some(Fingerprint { cpu_model_number: (*model).into(), ..Fingerprint::default() }),
                ..Environment::default()
            };
            let index = i as u32 + 1;
            r.shards.push(Shard { index, count: 2, plan_cells: 10, cells: 5, source: Some(format!("s{index}.json")), environment: Some(environment), ..Shard::default() });
        }
        r
    }

    fn text(blocks: &[Block]) -> String {
        format!("{blocks:?}")
    }

    #[test]
    fn one_machine_lists_the_shards_without_a_warning() {
        let doc = text(&shards_section(&merged(["7", "7"])));
        assert!(doc.contains("Merged from 2 shards of a run of 10 cells") && doc.contains("node-1") && doc.contains("s2.json"), "{doc}");
        assert!(!doc.contains("Mixed shards"), "{doc}");
    }

    #[test]
    fn different_cpu_models_are_said() {
        let mut r = merged(["7", "49"]);
        let doc = text(&shards_section(&r));
        assert!(doc.contains("Mixed shards") && doc.contains("s1.json and s2.json ran on different machines (CPU model: 7 ≠ 49)"), "{doc}");
        r.cells.clear();
        assert!(!text(&shards_section(&r)).contains("Mixed shards"), "instruction counts (or nothing) compare across machines");
    }

    #[test]
    fn a_single_shard_says_to_merge_and_an_unsharded_run_says_nothing() {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        assert!(shards_section(&r).is_empty());
        r.shards.push(Shard { index: 2, count: 4, plan_cells: 40, cells: 10, ..Shard::default() });
        assert!(text(&shards_section(&r)).contains("Shard 2/4 of a sharded run: 10 of the plan's 40 cells"));
    }
}
