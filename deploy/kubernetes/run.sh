#!/usr/bin/env bash
# Run the sharded benchmark on a Kubernetes cluster: create the results volume, run the
# Indexed Job of 4 shards, wait for it, then run the merge Job and wait for that.
#
#   WASMBENCH_IMAGE=registry.example/wasmbench:TAG deploy/kubernetes/run.sh
#
# Settings (environment): WASMBENCH_IMAGE, the image built from deploy/kubernetes/Containerfile
# (default wasmbench:latest, the manifests' placeholder); WASMBENCH_MERGE_ARGS, extra options
# of `wasmbench merge` (e.g. --allow-mixed, to merge shards measured on different machines;
# letters, digits, spaces and -_.=/ only); NAMESPACE (default: the current context's);
# SHARDS_TIMEOUT and MERGE_TIMEOUT, how long to wait (kubectl durations, default 2h and
# 15m). Needs kubectl and a cluster with an RWX storage class (pvc.yaml).
# Earlier runs' Jobs are deleted first; the results on the volume are overwritten shard by
# shard.
#
# A shard whose cells failed (wasmbench run exit 1) still completes: its results.json is
# written, and the merge names the failed cells. The merge Job completes when the merged
# results are written, failed cells or not (its exit 1 is mapped to 0, after a line
# `merge: exit 1: ...` in its log).
# Exit 0 when the merge completed without failed cells; 1 when the merged results were
# written but cells failed (or a shard is incomplete), or when a Job failed or timed out
# (the messages say which; no merged results then); 2 on a bad WASMBENCH_MERGE_ARGS.
#
# Not run here (no cluster on the development machine): its control flow is checked with
# a stand-in kubectl by harness/tests/deploy.rs, the script itself with bash -n and
# ShellCheck, the manifests with scripts/validate-deploy.sh.
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
IMAGE="${WASMBENCH_IMAGE:-wasmbench:latest}"
MERGE_ARGS="${WASMBENCH_MERGE_ARGS:-}"
SHARDS_TIMEOUT="${SHARDS_TIMEOUT:-2h}"
MERGE_TIMEOUT="${MERGE_TIMEOUT:-15m}"
SHARDS_JOB=wasmbench-shards
MERGE_JOB=wasmbench-merge

kubectl=(kubectl)
if [[ -n "${NAMESPACE:-}" ]]; then
    kubectl+=(--namespace "$NAMESPACE")
fi

say() { echo "run.sh: $*" >&2; }

# The merge options go into merge-job.yaml as a YAML string: nothing that could end it.
if [[ ! "$MERGE_ARGS" =~ ^[A-Za-z0-9\ =./_-]*$ ]]; then
    say "WASMBENCH_MERGE_ARGS='$MERGE_ARGS': only letters, digits, spaces and -_.=/ are allowed"
    exit 2
fi

# apply_manifest <manifest>: kubectl apply, with the placeholder image replaced and the
# value of the env var WASMBENCH_MERGE_ARGS (merge-job.yaml) set.
apply_manifest() {
    sed -e "s|image: wasmbench:latest|image: $IMAGE|" \
        -e "/- name: WASMBENCH_MERGE_ARGS\$/{n;s|value: \"\"|value: \"$MERGE_ARGS\"|;}" \
        "$1" | "${kubectl[@]}" apply -f -
}

# wait_for_job <job> <timeout>: 0 when the Job is Complete; 1 when it Failed or the wait
# timed out. kubectl wait watches one condition, and a failed Job never becomes Complete
# (waiting for that alone would sit out the whole timeout): wait for both at once.
wait_for_job() {
    local job="$1" timeout="$2" complete failed state
    "${kubectl[@]}" wait --for=condition=complete "job/$job" --timeout="$timeout" >/dev/null 2>&1 &
    complete=$!
    "${kubectl[@]}" wait --for=condition=failed "job/$job" --timeout="$timeout" >/dev/null 2>&1 &
    failed=$!
    # The first of the two to end decides (they are this shell's only background jobs, so
    # a plain `wait -n`, bash >= 4.3); both end by the timeout at the latest.
    wait -n || true
    kill "$complete" "$failed" 2>/dev/null || true
    wait "$complete" "$failed" 2>/dev/null || true
    state="$("${kubectl[@]}" get "job/$job" \
        -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')"
    case " $state " in
        *" Complete "*) say "job/$job completed"; return 0 ;;
        *" Failed "*) say "job/$job failed (conditions: $state)" ;;
        *) say "job/$job did not finish within $timeout (conditions: ${state:-none})" ;;
    esac
    return 1
}

# report_failure <job>: what went wrong, for the log.
report_failure() {
    local job="$1"
    "${kubectl[@]}" get "job/$job" -o wide >&2 || true
    if [[ "$job" == "$SHARDS_JOB" ]]; then
        say "failed shard indexes (0-based, shard = index + 1): $("${kubectl[@]}" get "job/$job" \
            -o jsonpath='{.status.failedIndexes}' || true)"
    fi
    "${kubectl[@]}" get pods -l "batch.kubernetes.io/job-name=$job" >&2 || true
    "${kubectl[@]}" logs -l "batch.kubernetes.io/job-name=$job" --tail=20 --prefix >&2 || true
}

say "image $IMAGE${MERGE_ARGS:+, merge options: $MERGE_ARGS}"
"${kubectl[@]}" apply -f "$HERE/pvc.yaml"
# A Job's pod template cannot be changed, and a finished Job is not run again: start afresh.
"${kubectl[@]}" delete job "$SHARDS_JOB" "$MERGE_JOB" --ignore-not-found --wait=true

apply_manifest "$HERE/job.yaml"
say "waiting for job/$SHARDS_JOB (timeout $SHARDS_TIMEOUT)"
if ! wait_for_job "$SHARDS_JOB" "$SHARDS_TIMEOUT"; then
    report_failure "$SHARDS_JOB"
    say "not merging: a shard failed (see above)"
    exit 1
fi

apply_manifest "$HERE/merge-job.yaml"
say "waiting for job/$MERGE_JOB (timeout $MERGE_TIMEOUT)"
if ! wait_for_job "$MERGE_JOB" "$MERGE_TIMEOUT"; then
    report_failure "$MERGE_JOB"
    say "no merged results: the merge failed (see its log above; shards the merge refused as measured on different machines, or with disagreeing drift sentinels, merge with WASMBENCH_MERGE_ARGS=--allow-mixed)"
    exit 1
fi
log="$("${kubectl[@]}" logs "job/$MERGE_JOB" 2>&1)" || true
printf '%s\n' "$log" >&2
if grep -q '^merge: exit 1:' <<<"$log"; then
    # wasmbench's own line: "wasmbench: merged N shards: M cells (F failed...) into ...".
    summary="$(grep '^wasmbench: merged ' <<<"$log" | tail -n 1 || true)"
    say "merged results written to /results/merged/ on the claim wasmbench-results, WITH FAILED CELLS${summary:+: ${summary#wasmbench: }}"
    exit 1
fi
say "merged results: /results/merged/ on the claim wasmbench-results"
