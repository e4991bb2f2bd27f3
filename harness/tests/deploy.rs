//! The deployment files — the Kubernetes manifests of deploy/kubernetes/ and the GitHub
//! workflows of .github/workflows/ — pass the offline validators of
//! scripts/validate-deploy.sh, which are shown to catch a misspelled field, a wrong type, an
//! undefined `needs:` job and a bad expression; the Indexed Job says what the sharded run
//! needs; scripts/simulate-kubernetes-job.sh runs every shard and merges them (with a stub
//! in place of wasmbench, tests/fixtures/deploy/wasmbench-stub).
//!
//! The validators are installed by scripts/setup.sh (.tools/validators). Without them these
//! tests fail and say so: a broken file must fail for its own fault, never because nothing
//! could check it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn validate_command() -> Command {
    let mut command = Command::new("bash");
    command
        .arg(checkout().join("scripts/validate-deploy.sh"))
        .env_remove("WASMBENCH_VALIDATORS_DIR")
        .env_remove("WASMBENCH_KUBERNETES_VERSIONS");
    command
}

/// scripts/validate-deploy.sh on `files` (none: every deployment file): exit code and
/// output. Fails the test, saying to run scripts/setup.sh, when the validators are missing.
fn validate(files: &[&Path]) -> (Option<i32>, String) {
    let out = validate_command().args(files).output().expect("bash runs scripts/validate-deploy.sh");
    let text = text(&out);
    assert!(
        !(out.status.code() == Some(2) && text.contains("run scripts/setup.sh")),
        "the deployment validators (kubernetes-validate, actionlint) are not installed: \
         run scripts/setup.sh\n{text}"
    );
    (out.status.code(), text)
}

/// `file` of the checkout copied to `dir/name` with the first `from` replaced by `to`.
fn broken_copy(file: &str, from: &str, to: &str, dir: &Path, name: &str) -> PathBuf {
    let original = std::fs::read_to_string(checkout().join(file)).expect("read the shipped file");
    assert!(original.contains(from), "{file} no longer contains `{from}`: update this test");
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("mkdir");
    std::fs::write(&path, original.replacen(from, to, 1)).expect("write the broken copy");
    path
}

fn read(file: &str) -> String {
    std::fs::read_to_string(checkout().join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

#[test]
fn the_shipped_manifests_and_workflows_pass_the_validators() {
    let (code, text) = validate(&[]);
    assert_eq!(code, Some(0), "scripts/validate-deploy.sh failed:\n{text}");
    for file in [
        "deploy/kubernetes/job.yaml",
        "deploy/kubernetes/merge-job.yaml",
        "deploy/kubernetes/pvc.yaml",
        ".github/workflows/regression.yml",
        ".github/workflows/sharded.yml",
    ] {
        assert!(text.contains(&format!("ok    {file}")), "{file} was not validated:\n{text}");
    }
}

#[test]
fn a_misspelled_field_in_the_job_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = broken_copy(
        "deploy/kubernetes/job.yaml",
        "completionMode: Indexed",
        "completionsMode: Indexed",
        dir.path(),
        "misspelled-job.yaml",
    );
    let (code, text) = validate(&[bad.as_path()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("misspelled-job.yaml") && text.contains("completionsMode"), "{text}");
}

#[test]
fn a_wrong_type_in_the_job_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = broken_copy(
        "deploy/kubernetes/job.yaml",
        "parallelism: 4",
        "parallelism: \"four\"",
        dir.path(),
        "wrong-type-job.yaml",
    );
    let (code, text) = validate(&[bad.as_path()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("wrong-type-job.yaml") && text.contains("parallelism"), "{text}");
}

#[test]
fn an_unknown_kind_fails_instead_of_passing_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = broken_copy(
        "deploy/kubernetes/pvc.yaml",
        "kind: PersistentVolumeClaim",
        "kind: PersistentVolumeClam",
        dir.path(),
        "kind.yaml",
    );
    let (code, text) = validate(&[bad.as_path()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("kind.yaml") && text.contains("PersistentVolumeClam"), "{text}");
}

#[test]
fn an_undefined_needs_in_a_workflow_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Under a folder named workflows: validate-deploy.sh hands it to actionlint.
    let bad = broken_copy(
        ".github/workflows/sharded.yml",
        "needs: shard\n",
        "needs: shard-missing\n",
        dir.path(),
        ".github/workflows/needs.yml",
    );
    let (code, text) = validate(&[bad.as_path()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("needs.yml") && text.contains("shard-missing"), "{text}");
}

#[test]
fn a_bad_expression_in_a_workflow_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = broken_copy(
        ".github/workflows/regression.yml",
        "${{ !cancelled() }}",
        "${{ !cancelled( }}",
        dir.path(),
        ".github/workflows/expression.yml",
    );
    let (code, text) = validate(&[bad.as_path()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("expression.yml") && text.contains("actionlint"), "{text}");
}

#[test]
fn missing_validators_fail_and_say_to_run_setup() {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = validate_command()
        .env("WASMBENCH_VALIDATORS_DIR", empty.path())
        .output()
        .expect("bash runs scripts/validate-deploy.sh");
    let text = text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("run scripts/setup.sh"), "{text}");
}

#[test]
fn the_job_is_an_indexed_job_of_four_shards_on_a_shared_volume() {
    let job = read("deploy/kubernetes/job.yaml");
    for needle in [
        "apiVersion: batch/v1",
        "completionMode: Indexed",
        "completions: 4",
        "parallelism: 4",
        "backoffLimitPerIndex: 1",
        "maxFailedIndexes:",
        "restartPolicy: Never",
        "batch.kubernetes.io/job-completion-index",
        "- --shard\n",
        "- auto/4\n",
        "/results/shard-$(JOB_COMPLETION_INDEX)",
        "claimName: wasmbench-results",
    ] {
        assert!(job.contains(needle), "deploy/kubernetes/job.yaml lacks `{needle}`");
    }
    let merge = read("deploy/kubernetes/merge-job.yaml");
    for needle in [
        "wasmbench merge",
        "/results/shard-*/results.json",
        "-o /results/merged",
        "claimName: wasmbench-results",
    ] {
        assert!(merge.contains(needle), "deploy/kubernetes/merge-job.yaml lacks `{needle}`");
    }
    let pvc = read("deploy/kubernetes/pvc.yaml");
    for needle in ["kind: PersistentVolumeClaim", "name: wasmbench-results", "ReadWriteMany"] {
        assert!(pvc.contains(needle), "deploy/kubernetes/pvc.yaml lacks `{needle}`");
    }
}

fn simulate(out_dir: &Path, fail_index: Option<&str>) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(checkout().join("scripts/simulate-kubernetes-job.sh"))
        .args(["-n", "3", "-o"])
        .arg(out_dir)
        .env("WASMBENCH_BIN", checkout().join("harness/tests/fixtures/deploy/wasmbench-stub"))
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("STUB_FAIL_STATUS");
    match fail_index {
        Some(index) => command.env("STUB_FAIL_INDEX", index),
        None => command.env_remove("STUB_FAIL_INDEX"),
    };
    command.output().expect("bash runs scripts/simulate-kubernetes-job.sh")
}

#[test]
fn the_simulation_runs_every_shard_and_merges_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = simulate(dir.path(), None);
    assert!(out.status.success(), "{}", text(&out));
    let merged = std::fs::read_to_string(dir.path().join("merged/results.json")).expect("merged results");
    assert_eq!(merged, "shard 1 of 3 (--quick)\nshard 2 of 3 (--quick)\nshard 3 of 3 (--quick)\n");

    // A shard that fails: named, no merge, and no merged result of the run before left.
    let out = simulate(dir.path(), Some("1"));
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("index 1 (shard 2/3, exit 2)"), "{text}");
    assert!(text.contains("not merging"), "{text}");
    assert!(!dir.path().join("merged").exists(), "{text}");
}
