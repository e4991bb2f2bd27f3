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

/// A merged document, and what makes its shards' wall-clock figures incomparable (empty
/// unless mixing was allowed; see [`Shard::mixed`]).
#[derive(Debug)]
pub struct Merged {
    pub results: Results,
    pub mixed: Vec<String>,
}

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
    #[error("{a} and {b} split different plans ({a_cells} and {b_cells} cells{first_difference}): different selections or manifests, or backends installed on one machine only")]
    Plan { a: String, a_cells: usize, b: String, b_cells: usize, first_difference: String },
    #[error("{file} holds cell {cell}, which is not in the plan it records")]
    NotPlanned { file: String, cell: CellId },
    #[error("cell {cell} is in both {a} and {b}")]
    DuplicateCell { cell: CellId, a: String, b: String },
    #[error("{0} (pass --allow-mixed to merge them anyway; the report then lists each shard's machine)")]
    Mixed(String),
}

/// Merge the shards; with `allow_mixed`, shards from different machines or with
/// disagreeing sentinels too. The merged document lists every shard, and each cell its.
pub fn merge(mut inputs: Vec<Input>, allow_mixed: bool) -> Result<Merged, MergeError> {
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
    let mixed = Shard::mixed(&merged.shards, merged.timed());
    if !mixed.is_empty() && !allow_mixed {
        return Err(MergeError::Mixed(mixed.join("; ")));
    }
    Ok(Merged { results: merged, mixed })
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
    let plan = &shard(first).plan;
    if let Some(other) = inputs.iter().find(|i| shard(i).plan != *plan || shard(i).plan_cells != shard(first).plan_cells) {
        let theirs = &shard(other).plan;
        let first_difference = match plan.iter().zip(theirs).position(|(a, b)| a != b) {
            Some(i) => format!("; cell {} is {} in one and {} in the other", i + 1, plan[i], theirs[i]),
            None => String::new(),
        };
        return Err(MergeError::Plan { a: first.source.clone(), a_cells: plan.len(), b: other.source.clone(), b_cells: theirs.len(), first_difference });
    }
    for input in inputs {
        let stray = input.results.cells.iter().map(|c| &c.id).chain(&input.results.missing).find(|id| !plan.contains(id));
        if let Some(cell) = stray {
            return Err(MergeError::NotPlanned { file: input.source.clone(), cell: cell.clone() });
        }
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
/// shard) in the order of the plan the shards record, every shard with its machine.
fn combine(inputs: Vec<Input>) -> Result<Results, MergeError> {
    let mut seen: HashMap<CellId, String> = HashMap::new();
    for input in &inputs {
        for cell in &input.results.cells {
            if let Some(a) = seen.insert(cell.id.clone(), input.source.clone()) {
                return Err(MergeError::DuplicateCell { cell: cell.id.clone(), a, b: input.source.clone() });
            }
        }
    }
    let order: HashMap<CellId, usize> = shard(&inputs[0]).plan.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
    let mut merged = Results::new(inputs[0].results.environment.clone(), inputs[0].results.config.clone());
    merged.config.order_seed = None;
    merged.complete = inputs.iter().all(|i| i.results.complete);
    merged.sentinel = if inputs.len() == 1 { inputs[0].results.sentinel.clone() } else { None };
    for input in inputs {
        let mut part = input.results;
        let mut record = part.shards.remove(0);
        record.plan = Vec::new();
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
    merged.missing.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use wasmbench_data::{BackendKind, Cell, Environment, Fingerprint, Measurement, Mode, Phase, Probe, RunConfig, Sentinel, Summary, Unit};

    use super::*;

    /// The plan of the tests, in plan order: modules a, b, c on backends x and y, then
    /// the process backend's cells.
    const PLAN: [(&str, &str); 7] = [("x", "a"), ("y", "a"), ("x", "b"), ("y", "b"), ("x", "c"), ("native", "a"), ("native", "b")];

    fn id((backend, workload): (&str, &str)) -> CellId {
        CellId { backend: backend.into(), workload: workload.into(), language: "c".into() }
    }

    /// Shard `index` of `count` of a plan of the first `plan` cells of [`PLAN`], holding `cells`.
    fn shard(index: u32, count: u32, plan: usize, cells: &[(&str, &str)]) -> Input {
        let environment = Environment { cpu_model: "cpu".into(), git_commit: Some("abc".into()), ..Environment::default() };
        let config = RunConfig { cold_samples: 3, order_seed: Some(u64::from(index)), ..RunConfig::default() };
        let mut results = Results::new(environment, config);
        results.complete = true;
        results.cells = cells.iter().map(|c| Cell::new(id(*c), BackendKind::Jit)).collect();
        let plan: Vec<CellId> = PLAN[..plan].iter().map(|c| id(*c)).collect();
        results.shards.push(Shard { index, count, plan_cells: plan.len(), cells: cells.len(), plan, ..Shard::default() });
        Input { source: format!("s{index}.json"), results }
    }

    fn ids(r: &Results) -> Vec<String> {
        r.cells.iter().map(|c| format!("{}/{}@{}", c.id.backend, c.id.workload, c.shard.unwrap_or(0))).collect()
    }

    #[test]
    fn shards_merge_in_plan_order_each_cell_tagged_with_its_machine() {
        let one = shard(1, 2, 7, &[("x", "a"), ("native", "a"), ("y", "a"), ("x", "c")]);
        let two = shard(2, 2, 7, &[("native", "b"), ("x", "b"), ("y", "b")]);
        let merged = merge(vec![two, one], false).expect("merge").results;
        assert_eq!(ids(&merged), ["x/a@1", "y/a@1", "x/b@2", "y/b@2", "x/c@1", "native/a@1", "native/b@2"]);
        assert!(merged.complete && merged.config.order_seed.is_none());
        let shards: Vec<(u32, Option<&str>, usize)> = merged.shards.iter().map(|s| (s.index, s.source.as_deref(), s.plan.len())).collect();
        assert_eq!(shards, [(1, Some("s1.json"), 0), (2, Some("s2.json"), 0)], "the plan is the merged cells: not kept per shard");
        assert!(merged.shards.iter().all(|s| s.environment.as_ref().is_some_and(|e| e.cpu_model == "cpu")));
    }

    #[test]
    fn an_incomplete_shard_makes_an_incomplete_merge_with_its_missing_cells() {
        let mut two = shard(2, 2, 4, &[("x", "b")]);
        two.results.complete = false;
        two.results.missing.push(id(("y", "b")));
        let merged = merge(vec![shard(1, 2, 4, &[("x", "a"), ("y", "a")]), two], false).expect("merge").results;
        assert!(!merged.complete && merged.missing == [id(("y", "b"))]);
    }

    #[test]
    fn parts_that_do_not_make_one_run_are_refused_naming_the_files() {
        let err = |inputs: Vec<Input>| merge(inputs, false).expect_err("refused").to_string();
        assert!(err(vec![]).contains("nothing to merge"));
        let mut plain = shard(1, 1, 1, &[("x", "a")]);
        plain.results.shards.clear();
        assert!(err(vec![plain]).contains("s1.json is not the result of a sharded run"));
        assert!(err(vec![shard(1, 2, 2, &[]), shard(2, 3, 2, &[])]).contains("s1.json is shard 1/2 but s2.json is shard 2/3"));
        assert!(err(vec![shard(1, 2, 2, &[]), shard(2, 2, 2, &[]), shard(1, 2, 2, &[])]).contains("are both shard 1/2"));
        assert!(err(vec![shard(1, 3, 2, &[]), shard(3, 3, 2, &[])]).contains("shards 2 of 3 are missing"));
        let plans = err(vec![shard(1, 2, 2, &[]), shard(2, 2, 5, &[])]);
        assert!(plans.contains("s1.json and s2.json split different plans (2 and 5 cells)"), "{plans}");
        let mut other = shard(2, 2, 2, &[]);
        other.results.shards[0].plan[1] = id(("z", "a"));
        let plans = err(vec![shard(1, 2, 2, &[]), other]);
        assert!(plans.contains("cell 2 is y × a (c) in one and z × a (c) in the other"), "{plans}");
        let stray = err(vec![shard(1, 2, 2, &[("x", "q")]), shard(2, 2, 2, &[])]);
        assert!(stray.contains("s1.json holds cell x × q (c), which is not in the plan"), "{stray}");
        let dup = err(vec![shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("x", "a")])]);
        assert!(dup.contains("cell x × a (c) is in both s1.json and s2.json"), "{dup}");
        let mut other = shard(2, 2, 2, &[]);
        other.results.config.cold_samples = 9;
        other.results.environment.git_commit = Some("def".into());
        let settings = err(vec![shard(1, 2, 2, &[]), other]);
        assert!(settings.contains("different settings") && settings.contains("cold_samples: 3 ≠ 9") && settings.contains("git commit"), "{settings}");
        let merged = merge(vec![shard(1, 2, 2, &[("x", "a")]), shard(2, 2, 2, &[("y", "a")])], false).expect("merge").results;
        let again = Input { source: "m.json".into(), results: merged };
        assert!(err(vec![again]).contains("m.json is already a merged document (2 shards)"));
    }

    /// Shards 1 and 2 of [`PLAN`]'s first two modules, on CPUs of models `a` and `b`
    /// with sentinel medians `na` and `nb` ms; `timed`: with a wall-clock measurement.
    fn machines(a: &str, na: f64, b: &str, nb: f64, timed: bool) -> Vec<Input> {
        let (mut one, mut two) = (shard(1, 2, 4, &[("x", "a")]), shard(2, 2, 4, &[("x", "b")]));
        for (input, model, native) in [(&mut one, a, na), (&mut two, b, nb)] {
            input.results.environment.fingerprint = Some(Fingerprint { cpu_model_number: model.into(), ..Fingerprint::default() });
            let probe = Probe { at_ms: 0, native_ns: native * 1e6, wasm_ns: native * 1e6 };
            input.results.sentinel = Some(Sentinel { threshold_pct: 10.0, probes: vec![probe], ..Sentinel::default() });
            let unit = if timed { Unit::Nanoseconds } else { Unit::Instructions };
            let summary = Summary { n: 1, min: 1.0, median: 1.0, mean: 1.0, p90: 1.0, p99: 1.0, max: 1.0, stddev: 0.0, median_ci95: [1.0; 2], mean_ci95: [1.0; 2], mad: 0.0, cv: 0.0, outliers: 0, severe_outliers: 0 };
            let m = Measurement { mode: Mode::Warm, phase: Phase::Execute, unit, summary, samples: vec![1.0], instances: None, concurrency: None };
            input.results.cells[0].measurements.push(m);
        }
        vec![one, two]
    }

    #[test]
    fn different_machines_and_disagreeing_sentinels_need_allow_mixed() {
        let err = merge(machines("1", 10.0, "49", 10.0, true), false).expect_err("mixed").to_string();
        assert!(err.contains("s1.json and s2.json ran on different machines (CPU model: 1 ≠ 49)") && err.contains("--allow-mixed"), "{err}");
        let err = merge(machines("1", 10.0, "1", 12.0, true), false).expect_err("drift").to_string();
        assert!(err.contains("drift sentinels of s1.json and s2.json disagree") && err.contains("+20.0% slower"), "{err}");
        assert!(merge(machines("1", 10.0, "1", 10.5, true), false).is_ok(), "within the threshold: one machine");
        assert!(merge(machines("1", 10.0, "49", 10.0, false), false).is_ok(), "instruction counts compare across machines");
        let merged = merge(machines("1", 10.0, "49", 10.0, true), true).expect("allowed").results;
        let models: Vec<_> = merged.shards.iter().filter_map(|s| s.environment.as_ref()?.fingerprint.as_ref()).map(|f| f.cpu_model_number.clone()).collect();
        assert_eq!(models, ["1", "49"]);
    }
}
