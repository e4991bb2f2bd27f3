//! `wasmbench merge`: the shards of one run (`run --shard K/N`) put back together into
//! one results document.
//!
//! The shards must be the parts of the same plan: the same settings, the same code (git
//! commit, runtime versions), every index from 1 to N exactly once, and no cell twice.
//! Every cell keeps the machine that measured it (`Cell::shard` → `Results::shards`).
//! Shards measured on machines whose fingerprints differ, or whose drift sentinels
//! disagree beyond the sentinel's threshold, are refused unless mixing is allowed — and
//! then the merged document still lists each shard's machine, so that the report says so.

use std::collections::{BTreeMap, HashMap};

use wasmbench_data::{CellId, Results, Shard};

use crate::process_backend::ProcessBackend;

/// One shard's document and the file it was read from.
pub struct Input {
    pub source: String,
    pub results: Results,
}

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MergeError {
    #[error("nothing to merge: give the results.json of every shard")]
    Empty,
    #[error("{0} is not the result of a sharded run (`wasmbench run --shard K/N`): it records no shard")]
    NotAShard(String),
    #[error("{0} is already a merged document ({1} shards): merge the shards' own results.json instead")]
    AlreadyMerged(String, usize),
    #[error("{a} is shard {a_label} but {b} is shard {b_label}: shards of different splits do not merge")]
    Count { a: String, a_label: String, b: String, b_label: String },
    #[error("{a} and {b} are both shard {label}")]
    DuplicateShard { a: String, b: String, label: String },
    #[error("shards {missing} of {count} are missing: merge every shard of the run")]
    MissingShards { missing: String, count: u32 },
    #[error("{a} and {b} were made with different settings ({fields}): they are not parts of the same run")]
    Settings { a: String, b: String, fields: String },
    #[error("{a} plans {a_cells} cells in all but {b} plans {b_cells}: the shards saw different plans (different manifests, or backends installed on one machine only)")]
    Plan { a: String, a_cells: usize, b: String, b_cells: usize },
    #[error("cell {cell} is in both {a} and {b}")]
    DuplicateCell { cell: CellId, a: String, b: String },
    #[error("{0} (pass --allow-mixed to merge them anyway; the report then lists each shard's machine)")]
    Mixed(String),
}

/// Merge the shards; with `allow_mixed`, shards from different machines or with
/// disagreeing sentinels too. The merged document lists every shard, and each cell its.
pub fn merge(mut inputs: Vec<Input>, allow_mixed: bool) -> Result<Results, MergeError> {
    for input in &inputs {
        match input.results.shards.len() {
            0 => return Err(MergeError::NotAShard(input.source.clone())),
            1 => {}
            n => return Err(MergeError::AlreadyMerged(input.source.clone(), n)),
        }
    }
    inputs.sort_by_key(|i| i.results.shards[0].index);
    check_parts(&inputs)?;
    check_same_run(&inputs)?;
    let merged = combine(inputs)?;
    let mixed = Shard::mixed(&merged.shards);
    if !mixed.is_empty() && !allow_mixed {
        return Err(MergeError::Mixed(mixed.join("; ")));
    }
    Ok(merged)
}

fn shard(input: &Input) -> &Shard {
    &input.results.shards[0]
}

/// Every index from 1 to N once, one N, one plan size.
fn check_parts(inputs: &[Input]) -> Result<(), MergeError> {
    let first = inputs.first().ok_or(MergeError::Empty)?;
    for pair in inputs.windows(2) {
        let (a, b) = (shard(&pair[0]), shard(&pair[1]));
        let names = || (pair[0].source.clone(), pair[1].source.clone());
        if a.count != b.count {
            let (a_src, b_src) = names();
            return Err(MergeError::Count { a: a_src, a_label: a.label(), b: b_src, b_label: b.label() });
        }
        if a.index == b.index {
            let (a_src, b_src) = names();
            return Err(MergeError::DuplicateShard { a: a_src, b: b_src, label: a.label() });
        }
    }
    let count = shard(first).count;
    let missing: Vec<String> = (1..=count).filter(|k| !inputs.iter().any(|i| shard(i).index == *k)).map(|k| k.to_string()).collect();
    if !missing.is_empty() {
        return Err(MergeError::MissingShards { missing: missing.join(", "), count });
    }
    if let Some(other) = inputs.iter().find(|i| shard(i).plan_cells != shard(first).plan_cells) {
        return Err(MergeError::Plan { a: first.source.clone(), a_cells: shard(first).plan_cells, b: other.source.clone(), b_cells: shard(other).plan_cells });
    }
    Ok(())
}

/// The same settings (but for what a shard's part decides: its backends, workloads and
/// order seed) and the same code.
fn check_same_run(inputs: &[Input]) -> Result<(), MergeError> {
    let first = &inputs[0];
    let key = |r: &Results| -> BTreeMap<String, serde_json::Value> {
        let mut config = serde_json::to_value(&r.config).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
        for part in ["backends", "workloads", "order_seed"] {
            config.remove(part);
        }
        let env = &r.environment;
        let mut key: BTreeMap<String, serde_json::Value> = config.into_iter().collect();
        key.insert("wasmbench version".into(), env.wasmbench_version.clone().into());
        key.insert("git commit".into(), env.git_commit.clone().into());
        key.insert("runtime versions".into(), serde_json::to_value(&env.runtime_versions).unwrap_or_default());
        key.insert("build profile".into(), env.build_profile.clone().into());
        key
    };
    let reference = key(&first.results);
    for other in &inputs[1..] {
        let theirs = key(&other.results);
        let fields: Vec<String> = reference
            .iter()
            .filter(|(k, v)| theirs.get(*k) != Some(*v))
            .map(|(k, v)| format!("{k}: {v} ≠ {}", theirs.get(k).cloned().unwrap_or_default()))
            .collect();
        if !fields.is_empty() {
            return Err(MergeError::Settings { a: first.source.clone(), b: other.source.clone(), fields: fields.join(", ") });
        }
    }
    Ok(())
}

/// One document: the first shard's environment and settings, every cell (tagged with its
/// shard) in the order the unsharded plan measures them, every shard with its machine.
fn combine(inputs: Vec<Input>) -> Result<Results, MergeError> {
    let mut seen: HashMap<CellId, String> = HashMap::new();
    for input in &inputs {
        for cell in &input.results.cells {
            if let Some(a) = seen.insert(cell.id.clone(), input.source.clone()) {
                return Err(MergeError::DuplicateCell { cell: cell.id.clone(), a, b: input.source.clone() });
            }
        }
    }
    let order = plan_order(&inputs);
    let mut merged = Results::new(inputs[0].results.environment.clone(), inputs[0].results.config.clone());
    merged.config.order_seed = None;
    merged.complete = inputs.iter().all(|i| i.results.complete);
    merged.sentinel = if inputs.len() == 1 { inputs[0].results.sentinel.clone() } else { None };
    for input in inputs {
        let mut part = input.results;
        let mut record = part.shards.remove(0);
        for (theirs, ours) in [(&part.config.backends, &mut merged.config.backends), (&part.config.workloads, &mut merged.config.workloads)] {
            ours.extend(theirs.iter().filter(|name| !ours.contains(name)).cloned().collect::<Vec<_>>());
        }
        merged.cells.extend(part.cells.into_iter().map(|c| wasmbench_data::Cell { shard: Some(record.index), ..c }));
        merged.missing.extend(part.missing);
        record.source = Some(input.source);
        record.environment = Some(part.environment);
        record.sentinel = part.sentinel;
        merged.shards.push(record);
    }
    merged.cells.sort_by_key(|c| order.get(&c.id).copied().unwrap_or(usize::MAX));
    Ok(merged)
}

/// The place of every cell in the unsharded plan: in-process cells before process-backend
/// cells, modules in plan order (module `j` is the `j / N`-th module of shard `j mod N`),
/// backends in the order their shard measured them.
fn plan_order(inputs: &[Input]) -> HashMap<CellId, usize> {
    let module = |id: &CellId| (id.workload.clone(), id.language.clone());
    let modules: Vec<Vec<(String, String)>> = inputs
        .iter()
        .map(|i| {
            let mut seen = Vec::new();
            for id in i.results.cells.iter().map(|c| &c.id).chain(&i.results.missing) {
                if !seen.contains(&module(id)) {
                    seen.push(module(id));
                }
            }
            seen
        })
        .collect();
    let longest = modules.iter().map(Vec::len).max().unwrap_or(0);
    let rank: HashMap<(String, String), usize> = (0..longest)
        .flat_map(|j| modules.iter().filter_map(move |m| m.get(j).cloned()))
        .enumerate()
        .map(|(r, m)| (m, r))
        .collect();
    let mut cells: Vec<(bool, usize, usize, CellId)> = inputs
        .iter()
        .flat_map(|i| i.results.cells.iter().map(|c| &c.id).chain(&i.results.missing).enumerate())
        .map(|(at, id)| (ProcessBackend::parse(&id.backend).is_some(), rank.get(&module(id)).copied().unwrap_or(usize::MAX), at, id.clone()))
        .collect();
    cells.sort();
    cells.into_iter().enumerate().map(|(place, (.., id))| (id, place)).collect()
}

#[cfg(test)]
mod tests {
    use wasmbench_data::{BackendKind, Cell, Environment, Fingerprint, Probe, RunConfig, Sentinel};

    use super::*;

    /// Shard `index` of `count` of a plan of `plan` cells, holding cells `(backend, workload)`.
    fn shard(index: u32, count: u32, plan: usize, cells: &[(&str, &str)]) -> Input {
        let environment = Environment { cpu_model: "cpu".into(), git_commit: Some("abc".into()), ..Environment::default() };
        let config = RunConfig { cold_samples: 3, order_seed: Some(u64::from(index)), ..RunConfig::default() };
        let mut results = Results::new(environment, config);
        results.complete = true;
        for (backend, workload) in cells {
            let id = CellId { backend: (*backend).into(), workload: (*workload).into(), language: "c".into() };
            results.cells.push(Cell::new(id, BackendKind::Jit));
        }
        results.shards.push(Shard { index, count, plan_cells: plan, cells: cells.len(), ..Shard::default() });
        Input { source: format!("s{index}.json"), results }
    }

    fn ids(r: &Results) -> Vec<String> {
        r.cells.iter().map(|c| format!("{}/{}@{}", c.id.backend, c.id.workload, c.shard.unwrap_or(0))).collect()
    }

    #[test]
    fn shards_merge_in_plan_order_each_cell_tagged_with_its_machine() {
        // Plan order: modules a, b, c, d (a and c in shard 1); process cells (native) last.
        let one = shard(1, 2, 7, &[("x", "a"), ("y", "a"), ("x", "c"), ("native", "a")]);
        let two = shard(2, 2, 7, &[("x", "b"), ("y", "b"), ("native", "b")]);
        let merged = merge(vec![two, one], false).expect("merge");
        assert_eq!(ids(&merged), ["x/a@1", "y/a@1", "x/b@2", "y/b@2", "x/c@1", "native/a@1", "native/b@2"]);
        assert!(merged.complete && merged.config.order_seed.is_none());
        let shards: Vec<(u32, Option<&str>)> = merged.shards.iter().map(|s| (s.index, s.source.as_deref())).collect();
        assert_eq!(shards, [(1, Some("s1.json")), (2, Some("s2.json"))]);
        assert!(merged.shards.iter().all(|s| s.environment.as_ref().is_some_and(|e| e.cpu_model == "cpu")));
    }

    #[test]
    fn an_incomplete_shard_makes_an_incomplete_merge_with_its_missing_cells() {
        let mut two = shard(2, 2, 3, &[("x", "b")]);
        two.results.complete = false;
        two.results.missing.push(CellId { backend: "y".into(), workload: "b".into(), language: "c".into() });
        let merged = merge(vec![shard(1, 2, 3, &[("x", "a")]), two], false).expect("merge");
        assert!(!merged.complete && merged.missing.len() == 1);
    }

    #[test]
    fn parts_that_do_not_make_one_run_are_refused_naming_the_files() {
        let err = |inputs: Vec<Input>| merge(inputs, false).expect_err("refused").to_string();
        assert!(err(vec![]).contains("nothing to merge"));
        let mut plain = shard(1, 1, 1, &[("x", "a")]);
        plain.results.shards.clear();
        assert!(err(vec![plain]).contains("s1.json is not the result of a sharded run"));
        assert!(err(vec![shard(1, 2, 2, &[]), shard(2, 3, 2, &[])]).contains("s1.json is shard 1/2 but s2.json is shard 2/3"));
        assert!(err(vec![shard(1, 2, 2, &[]), shard(1, 2, 2, &[])]).contains("are both shard 1/2"));
        assert!(err(vec![shard(1, 3, 2, &[]), shard(3, 3, 2, &[])]).contains("shards 2 of 3 are missing"));
        assert!(err(vec![shard(1, 2, 2, &[]), shard(2, 2, 5, &[])]).contains("plans 2 cells in all but s2.json plans 5"));
        let dup = err(vec![shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "a")])]);
        assert!(dup.contains("cell x × a (c) is in both s1.json and s2.json"), "{dup}");
        let mut other = shard(2, 2, 2, &[]);
        other.results.config.cold_samples = 9;
        other.results.environment.git_commit = Some("def".into());
        let settings = err(vec![shard(1, 2, 2, &[]), other]);
        assert!(settings.contains("different settings") && settings.contains("cold_samples: 3 ≠ 9") && settings.contains("git commit"), "{settings}");
        let merged = merge(vec![shard(1, 2, 2, &[])], false);
        assert!(matches!(merged, Err(MergeError::MissingShards { .. })));
        let mut twice = merge(vec![shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "b")])], false).expect("merge");
        twice.shards.truncate(2);
        let again = Input { source: "m.json".into(), results: twice };
        assert!(err(vec![again]).contains("m.json is already a merged document (2 shards)"));
    }

    #[test]
    fn different_machines_and_disagreeing_sentinels_need_allow_mixed() {
        let machine = |model: &str, native: f64, input: &mut Input| {
            input.results.environment.fingerprint = Some(Fingerprint { cpu_model_number: model.into(), ..Fingerprint::default() });
            let probe = Probe { at_ms: 0, native_ns: native, wasm_ns: native };
            input.results.sentinel = Some(Sentinel { threshold_pct: 10.0, probes: vec![probe], ..Sentinel::default() });
        };
        let (mut one, mut two) = (shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "b")]));
        machine("1", 10e6, &mut one);
        machine("49", 10e6, &mut two);
        let err = merge(vec![one, two], false).expect_err("mixed").to_string();
        assert!(err.contains("s1.json and s2.json ran on different machines (CPU model: 1 ≠ 49)") && err.contains("--allow-mixed"), "{err}");
        let (mut one, mut two) = (shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "b")]));
        machine("1", 10e6, &mut one);
        machine("1", 12e6, &mut two);
        let err = merge(vec![one, two], false).expect_err("drift").to_string();
        assert!(err.contains("drift sentinels of s1.json and s2.json disagree") && err.contains("+20.0% slower"), "{err}");
        let (mut one, mut two) = (shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "b")]));
        machine("1", 10e6, &mut one);
        machine("1", 10.5e6, &mut two);
        assert!(merge(vec![one, two], false).is_ok(), "within the threshold: one machine");
        let (mut one, mut two) = (shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "b")]));
        machine("1", 10e6, &mut one);
        machine("49", 10e6, &mut two);
        let merged = merge(vec![one, two], true).expect("allowed");
        let models: Vec<_> = merged.shards.iter().filter_map(|s| s.environment.as_ref()?.fingerprint.as_ref()).map(|f| f.cpu_model_number.clone()).collect();
        assert_eq!(models, ["1", "49"]);
    }
}
