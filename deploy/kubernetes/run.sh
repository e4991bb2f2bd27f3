#!/usr/bin/env bash
# Run the sharded benchmark on a Kubernetes cluster: create the results volume, run the
# Indexed Job of 4 shards, wait for it, then run the merge Job and wait for that.
#
#   WASMBENCH_IMAGE=registry.example/wasmbench:TAG deploy/kubernetes/run.sh
#
# Settings (environment): WASMBENCH_IMAGE, the image built from deploy/kubernetes/Containerfile
# (default wasmbench:latest, the manifests' placeholder); NAMESPACE (default: the current
# context's); SHARDS_TIMEOUT and MERGE_TIMEOUT, how long to wait (kubectl durations,
# default 2h and 15m). Needs kubectl and a cluster with an RWX storage class (pvc.yaml).
# Earlier runs' Jobs are deleted first; the results on the volume are overwritten shard by
# shard. Exit 0 when the merge completed, 1 when a Job failed or timed out.
#
# Not run here (no cluster on the development machine): checked with bash -n, and the
# manifests with scripts/validate-deploy.sh.
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
IMAGE="${WASMBENCH_IMAGE:-wasmbench:latest}"
SHARDS_TIMEOUT="${SHARDS_TIMEOUT:-2h}"
MERGE_TIMEOUT="${MERGE_TIMEOUT:-15m}"
SHARDS_JOB=wasmbench-shards
MERGE_JOB=wasmbench-merge

kubectl=(kubectl)
if [[ -n "${NAMESPACE:-}" ]]; then
    kubectl+=(--namespace "$NAMESPACE")
fi

say() { echo "run.sh: $*" >&2; }

# apply_with_image <manifest>: kubectl apply, with the placeholder image replaced.
apply_with_image() {
    sed "s|image: wasmbench:latest|image: $IMAGE|" "$1" | "${kubectl[@]}" apply -f -
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

say "image $IMAGE"
"${kubectl[@]}" apply -f "$HERE/pvc.yaml"
# A Job's pod template cannot be changed, and a finished Job is not run again: start afresh.
"${kubectl[@]}" delete job "$SHARDS_JOB" "$MERGE_JOB" --ignore-not-found --wait=true

apply_with_image "$HERE/job.yaml"
say "waiting for job/$SHARDS_JOB (timeout $SHARDS_TIMEOUT)"
if ! wait_for_job "$SHARDS_JOB" "$SHARDS_TIMEOUT"; then
    report_failure "$SHARDS_JOB"
    say "not merging: a shard failed (see above)"
    exit 1
fi

apply_with_image "$HERE/merge-job.yaml"
say "waiting for job/$MERGE_JOB (timeout $MERGE_TIMEOUT)"
if ! wait_for_job "$MERGE_JOB" "$MERGE_TIMEOUT"; then
    report_failure "$MERGE_JOB"
    exit 1
fi
"${kubectl[@]}" logs "job/$MERGE_JOB" >&2 || true
say "merged results: /results/merged/ on the claim wasmbench-results"
