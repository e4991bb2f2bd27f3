//! Integration tests of sharded runs: `wasmbench run --shard` on the real workloads, put
//! back together by `wasmbench merge`, against the same run unsharded.

use std::path::Path;
use std::process::{Command, Output};

use wasmbench_data::Results;

/// Few cells of several modules, in-process and process backends, quickly measured.
const SELECTION: [&str; 16] = [
    "-b", "wasmi,wasm3,native", "-w", "hello,fib-small", "--language", "c,rust", "--quick", "--rounds", "1", "--max-rounds", "1",
    "--concurrency", "0", "--no-sentinel", "--order", "planned",
];

fn wasmbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmbench"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(out: &Path, job_index: Option<&str>, extra: &[&str]) -> Output {
    let mut cmd = wasmbench();
    cmd.arg("run").args(SELECTION).args(["--no-charts"]).args(extra).arg("-o").arg(out).env_remove("JOB_COMPLETION_INDEX");
    if let Some(i) = job_index {
        cmd.env("JOB_COMPLETION_INDEX", i);
    }
    cmd.output().expect("wasmbench runs")
}

fn read(dir: &Path) -> Results {
    Results::from_json(&std::fs::read_to_string(dir.join("results.json")).expect("results.json")).expect("valid results")
}

fn ids(r: &Results) -> Vec<String> {
    r.cells.iter().map(|c| c.id.to_string()).collect()
}

#[test]
fn three_shards_merged_are_the_unsharded_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = run(&dir.path().join("whole"), None, &[]);
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let whole = read(&dir.path().join("whole"));
    assert!(whole.cells.len() >= 6, "{:?}", ids(&whole));
    let mut shards = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard-{i}"));
        let o = run(&out, Some(&i.to_string()), &["--shard", "auto/3"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        // Nobody watches a test's stderr: one line per finished cell instead of a bar.
        let stderr = text(&o.stderr);
        assert!(stderr.contains(&format!("shard {}/3", i + 1)) && stderr.contains("[1/") && stderr.contains(": ok, "), "{stderr}");
        let part = read(&out);
        assert_eq!((part.shards.len(), part.shards[0].index, part.shards[0].plan_cells), (1, i + 1, whole.cells.len()));
        shards.push(out.join("results.json"));
    }
    let merged_dir = dir.path().join("merged");
    let o = wasmbench().arg("merge").args(&shards).arg("-o").arg(&merged_dir).output().expect("merge runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let merged = read(&merged_dir);
    assert_eq!(ids(&merged), ids(&whole), "the same cells, in the unsharded run's order");
    assert!(merged.complete && merged.cells.iter().all(|c| c.error.is_none() && c.shard.is_some() && !c.measurements.is_empty()));
    assert_eq!(merged.shards.iter().map(|s| s.index).collect::<Vec<_>>(), [1, 2, 3]);
    for id in &merged.cells {
        let same_module = merged.cells.iter().filter(|c| (&c.id.workload, &c.id.language) == (&id.id.workload, &id.id.language));
        assert!(same_module.clone().all(|c| c.shard == id.shard), "every backend of {} in one shard", id.id);
    }
    let report = std::fs::read_to_string(merged_dir.join("report.md")).expect("merged report");
    assert!(report.contains("## Shards") && report.contains("Merged from 3 shards"), "{report}");
}

#[test]
fn bad_shards_and_partial_merges_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(&dir.path().join("x"), None, &["--shard", "auto/3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("JOB_COMPLETION_INDEX"), "{}", text(&o.stderr));
    let o = run(&dir.path().join("x"), None, &["--shard", "4/3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("bad --shard `4/3`"), "{}", text(&o.stderr));
    let one = dir.path().join("one");
    let o = run(&one, None, &["--shard", "1/2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let merged = dir.path().join("merged");
    let o = wasmbench().arg("merge").arg(one.join("results.json")).arg("-o").arg(&merged).output().expect("merge runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("shards 2 of 2 are missing"), "{}", text(&o.stderr));
    assert!(!merged.join("results.json").exists(), "nothing written for a refused merge");
}
