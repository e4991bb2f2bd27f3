//! The deployment files — the Kubernetes manifests of deploy/kubernetes/ and the GitHub
//! workflows of .github/workflows/ — pass the offline validators of
//! scripts/validate-deploy.sh, which are shown to catch a misspelled field, a wrong type, an
//! undefined `needs:` job and a bad expression; the Indexed Job says what the sharded run
//! needs; scripts/simulate-kubernetes-job.sh runs every shard (one after another or in
//! parallel) and merges them, with wasmbench's exit codes for failed cells (1) and errors
//! (2), using a stub in place of wasmbench (tests/fixtures/deploy/wasmbench-stub); and
//! deploy/kubernetes/run.sh's control flow holds with a stand-in kubectl.
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
    let broken = std::fs::read_to_string(&bad).expect("read the broken copy");
    let (index, broken_line) =
        broken.lines().enumerate().find(|(_, l)| l.contains("!cancelled( }}")).expect("the broken expression");
    let line = index + 1;
    let (code, text) = validate(&[bad.as_path()]);
    assert_eq!(code, Some(1), "{text}");
    // actionlint's own finding — file:line:column, its expression rule and the line quoted
    // — not just the FAIL line, which names the file and actionlint whatever the cause.
    assert!(text.contains(&format!("expression.yml:{line}:")), "no finding at line {line}:\n{text}");
    assert!(text.contains("[expression]"), "{text}");
    assert!(text.contains(&format!("{line} | {broken_line}")), "{text}");
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
        // wasmbench runs under a shell that maps its exit 1 (failed cells, results
        // written) to a completed shard; exit 2 still fails the Job.
        "command: [\"/usr/bin/tini\", \"-g\", \"--\", \"/bin/sh\", \"-c\"]",
        "wasmbench \"$@\" || status=$?",
        "if [ \"$status\" -eq 1 ]; then",
        "- action: FailJob",
        "values: [2, 126, 127]",
        "- run\n",
        "- --shard\n",
        "- auto/4\n",
        "/results/shard-$(JOB_COMPLETION_INDEX)",
        "claimName: wasmbench-results",
    ] {
        assert!(job.contains(needle), "deploy/kubernetes/job.yaml lacks `{needle}`");
    }
    assert!(!job.contains("FailIndex"), "deploy/kubernetes/job.yaml fails an index: on which exit?");
    let merge = read("deploy/kubernetes/merge-job.yaml");
    for needle in [
        "wasmbench merge ${WASMBENCH_MERGE_ARGS:-} \"$@\" -o /results/merged",
        "/results/shard-*/results.json",
        "- name: WASMBENCH_MERGE_ARGS\n",
        // The line run.sh looks for in the merge's log.
        "echo \"merge: exit 1: ",
        "claimName: wasmbench-results",
    ] {
        assert!(merge.contains(needle), "deploy/kubernetes/merge-job.yaml lacks `{needle}`");
    }
    let pvc = read("deploy/kubernetes/pvc.yaml");
    for needle in ["kind: PersistentVolumeClaim", "name: wasmbench-results", "ReadWriteMany"] {
        assert!(pvc.contains(needle), "deploy/kubernetes/pvc.yaml lacks `{needle}`");
    }
}

/// scripts/simulate-kubernetes-job.sh with `args` (after `-n 3 -o out_dir`) and the stub as
/// wasmbench; `env` sets the stub's STUB_* variables and WASMBENCH_MERGE_ARGS.
fn simulate(out_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(checkout().join("scripts/simulate-kubernetes-job.sh"))
        .args(["-n", "3", "-o"])
        .arg(out_dir)
        .args(args)
        .env("WASMBENCH_BIN", checkout().join("harness/tests/fixtures/deploy/wasmbench-stub"));
    for name in
        ["JOB_COMPLETION_INDEX", "STUB_FAIL_INDEX", "STUB_FAIL_STATUS", "STUB_MERGE_STATUS", "WASMBENCH_MERGE_ARGS"]
    {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("bash runs scripts/simulate-kubernetes-job.sh")
}

fn merged(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("merged/results.json")).expect("merged results")
}

const THREE_SHARDS: &str = "shard 1 of 3 (--quick)\nshard 2 of 3 (--quick)\nshard 3 of 3 (--quick)\n";

#[test]
fn the_simulation_runs_every_shard_and_merges_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = simulate(dir.path(), &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(merged(dir.path()), THREE_SHARDS);

    // A shard that fails with an error (exit 2, no results): named, no merge, and no merged
    // result of the run before left.
    let out = simulate(dir.path(), &[], &[("STUB_FAIL_INDEX", "1")]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAILED shards, without results: index 1 (shard 2/3, exit 2)"), "{text}");
    assert!(text.contains("not merging"), "{text}");
    assert!(!dir.path().join("merged").exists(), "{text}");
}

#[test]
fn a_shard_with_failed_cells_is_merged_and_the_simulation_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Exit 1: the shard's results are written, as in the Job it counts as completed; the
    // merge writes the merged results and exits 1 for the failed cell.
    let out = simulate(dir.path(), &[], &[("STUB_FAIL_INDEX", "1"), ("STUB_FAIL_STATUS", "1")]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "shards with failed cells (completed, merged; the merge names the cells): index 1 (shard 2/3, exit 1)"
        ),
        "{text}"
    );
    assert!(text.contains("(1 failed)") && text.contains("but some cells failed"), "{text}");
    assert!(!text.contains("not merging") && !text.contains("FAILED"), "{text}");
    assert_eq!(
        merged(dir.path()),
        "shard 1 of 3 (--quick)\nshard 2 of 3 (--quick), 1 cell failed\nshard 3 of 3 (--quick)\n"
    );
}

#[test]
fn a_refused_merge_writes_nothing_and_merge_options_reach_wasmbench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = simulate(dir.path(), &[], &[("STUB_MERGE_STATUS", "2")]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("merge refused (exit 2), nothing merged") && said.contains("WASMBENCH_MERGE_ARGS=--allow-mixed"),
        "{said}"
    );
    assert!(!dir.path().join("merged").exists(), "{said}");

    let out = simulate(dir.path(), &[], &[("WASMBENCH_MERGE_ARGS", "--allow-mixed")]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(merged(dir.path()), format!("merged with --allow-mixed\n{THREE_SHARDS}"));
}

#[test]
fn the_simulation_runs_the_shards_in_parallel() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = simulate(dir.path(), &["--parallel", "--", "-b", "wasmi"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("3 shards (parallel), options: -b wasmi"), "{}", text(&out));
    assert_eq!(merged(dir.path()), "shard 1 of 3 (-b wasmi)\nshard 2 of 3 (-b wasmi)\nshard 3 of 3 (-b wasmi)\n");
    for i in 0..3 {
        assert!(dir.path().join(format!("shard-{i}.log")).is_file(), "no log of shard index {i}");
    }

    // A failed parallel shard: its log's last lines shown, no merge.
    let out = simulate(dir.path(), &["--parallel"], &[("STUB_FAIL_INDEX", "2")]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("shard index 2: last lines of") && text.contains("wasmbench-stub: shard index 2 fails (exit 2)"),
        "{text}"
    );
    assert!(text.contains("not merging") && !dir.path().join("merged").exists(), "{text}");
}

#[test]
fn bad_usage_of_the_simulation_exits_2_with_the_usage() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, message) in [
        (&["-n", "0"][..], "-n needs a positive whole number"),
        (&["-o"][..], "-o needs a folder"),
        (&["--bogus"][..], "unknown argument '--bogus'"),
    ] {
        let mut command = Command::new("bash");
        command
            .arg(checkout().join("scripts/simulate-kubernetes-job.sh"))
            .args(args)
            .current_dir(dir.path())
            .env("WASMBENCH_BIN", checkout().join("harness/tests/fixtures/deploy/wasmbench-stub"));
        let out = command.output().expect("bash runs scripts/simulate-kubernetes-job.sh");
        let text = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(message) && text.contains("-n N         shards"), "{args:?}: {text}");
        assert!(!text.contains("== shard") && !text.contains("== merge"), "{args:?}: {text}");
    }
}

/// A stand-in kubectl for deploy/kubernetes/run.sh: it logs every call to
/// $KUBECTL_STUB_DIR/calls, keeps each manifest applied from stdin as
/// $KUBECTL_STUB_DIR/<metadata.name>.yaml, and reports each Job as Complete, or as
/// $STUB_STATE_<name, - as _> (Complete or Failed); `logs job/wasmbench-merge` prints
/// $STUB_MERGE_LOG. A `wait` for a condition the Job does not reach sleeps until run.sh
/// kills it, as the real one would.
const KUBECTL_STUB: &str = r##"#!/usr/bin/env bash
set -euo pipefail
dir="$KUBECTL_STUB_DIR"
echo "$*" >>"$dir/calls"
if [[ "${1:-}" == --namespace ]]; then shift 2; fi
state() { local var="STUB_STATE_${1//-/_}"; echo "${!var:-Complete}"; }
case "$1" in
    apply)
        if [[ "$3" == - ]]; then
            cat >"$dir/stdin.yaml"
            name="$(grep -m 1 '^  name: ' "$dir/stdin.yaml" | cut -c 9-)"
            mv "$dir/stdin.yaml" "$dir/$name.yaml"
            echo "applied $name" >>"$dir/calls"
        fi ;;
    delete) ;;
    wait)
        condition="${2#--for=condition=}"
        job_state="$(state "${3#job/}")"
        if [[ "$condition/$job_state" == complete/Complete || "$condition/$job_state" == failed/Failed ]]; then
            exit 0
        fi
        exec sleep 60 ;;
    get)
        case "$*" in
            *conditions*) printf '%s ' "$(state "${2#job/}")" ;;
            *failedIndexes*) printf '2' ;;
            *) echo "kubectl-stub: $*" ;;
        esac ;;
    logs)
        if [[ "$2" == job/wasmbench-merge ]]; then
            printf '%s\n' "${STUB_MERGE_LOG:-}"
        else
            echo "kubectl-stub: $*"
        fi ;;
    *) echo "kubectl-stub: unexpected call: $*" >&2; exit 1 ;;
esac
"##;

/// deploy/kubernetes/run.sh with KUBECTL_STUB as kubectl (in `dir`, which also gets its
/// records) and `env`.
fn run_sh(dir: &Path, env: &[(&str, &str)]) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir bin");
    let kubectl = bin.join("kubectl");
    std::fs::write(&kubectl, KUBECTL_STUB).expect("write the kubectl stub");
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).expect("chmod the kubectl stub");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("bash");
    command.arg(checkout().join("deploy/kubernetes/run.sh")).env("PATH", path).env("KUBECTL_STUB_DIR", dir);
    for name in [
        "NAMESPACE",
        "WASMBENCH_IMAGE",
        "WASMBENCH_MERGE_ARGS",
        "STUB_STATE_wasmbench_shards",
        "STUB_STATE_wasmbench_merge",
        "STUB_MERGE_LOG",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("bash runs deploy/kubernetes/run.sh")
}

fn calls(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("calls")).unwrap_or_default()
}

#[test]
fn run_sh_merges_once_the_shards_are_complete_with_the_image_and_merge_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_sh(
        dir.path(),
        &[
            ("WASMBENCH_IMAGE", "registry.example/wasmbench:1"),
            ("WASMBENCH_MERGE_ARGS", "--allow-mixed"),
            ("STUB_MERGE_LOG", "wasmbench: merged 4 shards: 400 cells (0 failed) into /results/merged/results.json"),
        ],
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("run.sh: merged results: /results/merged/"), "{text}");
    let calls = calls(dir.path());
    let position = |needle: &str| calls.find(needle).unwrap_or_else(|| panic!("no `{needle}` in the calls:\n{calls}"));
    assert!(
        position("apply -f -\napplied wasmbench-shards")
            < position("wait --for=condition=complete job/wasmbench-shards"),
        "{calls}"
    );
    assert!(
        position("wait --for=condition=complete job/wasmbench-shards") < position("applied wasmbench-merge"),
        "{calls}"
    );

    let shards = std::fs::read_to_string(dir.path().join("wasmbench-shards.yaml")).expect("the shard Job applied");
    let merge = std::fs::read_to_string(dir.path().join("wasmbench-merge.yaml")).expect("the merge Job applied");
    for manifest in [&shards, &merge] {
        assert!(manifest.contains("image: registry.example/wasmbench:1\n"), "{manifest}");
        assert!(!manifest.contains("wasmbench:latest"), "{manifest}");
    }
    assert!(merge.contains("- name: WASMBENCH_MERGE_ARGS\n              value: \"--allow-mixed\"\n"), "{merge}");
    // Still a valid manifest with the options in.
    let (code, validated) = validate(&[dir.path().join("wasmbench-merge.yaml").as_path()]);
    assert_eq!(code, Some(0), "{validated}");
}

#[test]
fn run_sh_says_when_the_merged_results_have_failed_cells() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The merge container's log when wasmbench merge exits 1 (merge-job.yaml maps it to 0).
    let log = "merge: 4 shard results: /results/shard-0/results.json ...\n\
               wasmbench: merged 4 shards: 400 cells (1 failed) into /results/merged/results.json\n\
               merge: exit 1: merged into /results/merged, but with failed cells or an incomplete shard";
    let out = run_sh(dir.path(), &[("STUB_MERGE_LOG", log)]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("merged results written to /results/merged/ on the claim wasmbench-results, WITH FAILED CELLS: merged 4 shards: 400 cells (1 failed)"),
        "{text}"
    );
}

#[test]
fn run_sh_does_not_merge_after_a_failed_shard_job() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_sh(dir.path(), &[("STUB_STATE_wasmbench_shards", "Failed")]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("job/wasmbench-shards failed")
            && text.contains("failed shard indexes (0-based, shard = index + 1): 2"),
        "{text}"
    );
    assert!(text.contains("not merging: a shard failed"), "{text}");
    assert!(!calls(dir.path()).contains("applied wasmbench-merge"), "{}", calls(dir.path()));
}

#[test]
fn run_sh_reports_a_failed_merge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_sh(dir.path(), &[("STUB_STATE_wasmbench_merge", "Failed")]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("job/wasmbench-merge failed") && text.contains("no merged results"), "{text}");
    assert!(!text.contains("merged results: /results/merged/"), "{text}");
}

#[test]
fn run_sh_refuses_merge_options_that_would_break_the_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_sh(dir.path(), &[("WASMBENCH_MERGE_ARGS", "--allow-mixed\" --x")]);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("WASMBENCH_MERGE_ARGS") && text.contains("only letters, digits, spaces"), "{text}");
    assert_eq!(calls(dir.path()), "", "kubectl was called");
}
