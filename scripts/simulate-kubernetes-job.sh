#!/usr/bin/env bash
# Simulate the Kubernetes Indexed Job of deploy/kubernetes/ on this machine: build
# wasmbench, run N shards as processes, each with JOB_COMPLETION_INDEX=i (i = 0..N-1) and
# `--shard auto/N -o DIR/shard-i` as the Job's pods are, then merge them as the merge Job
# does: `wasmbench merge DIR/shard-*/results.json -o DIR/merged` (this run's N shards:
# DIR/merged and each DIR/shard-i are emptied first).
#
#   scripts/simulate-kubernetes-job.sh [-n N] [-o DIR] [--parallel] [-- RUN OPTIONS...]
#
#   -n N         shards (default 4, as completions in deploy/kubernetes/job.yaml)
#   -o DIR       output folder (default results/kubernetes-simulation)
#   --parallel   run the shards at the same time (a smoke test of the control flow: on one
#                2-core machine parallel shards disturb each other's timings); default:
#                one after another, as on one node per pod
#   -- OPTIONS   wasmbench run options for every shard instead of the default --quick
#
# As in the Job, a shard whose cells failed (wasmbench run exit 1: its results.json is
# written) counts as completed and is merged; a shard that ended otherwise (2: an error
# stopped it; 128+: killed) stops the simulation before the merge.
# Exit 0 when every shard and the merge succeeded; 1 naming the shards that failed (no
# merge), or when the merge wrote DIR/merged but cells failed (merge exit 1, the shards' or
# its own: an incomplete shard), or when the merge refused the shards (merge exit 2:
# nothing written); 2 on bad usage.
# WASMBENCH_BIN=PATH uses that binary and skips setup and build (e.g. a test stub);
# WASMBENCH_MERGE_ARGS="OPTIONS" adds options to `wasmbench merge` (e.g. --allow-mixed),
# as in deploy/kubernetes/run.sh.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"

say() { echo "simulate-kubernetes-job: $*" >&2; }
usage() { sed -n '/^#   scripts\/simulate/,/^#   -- OPTIONS/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

shards=4
out="$ROOT/results/kubernetes-simulation"
parallel=0
run_options=(--quick)
while (($#)); do
    case "$1" in
        -n)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { say "-n needs a positive whole number"; usage >&2; exit 2; }
            shards="$2"; shift 2 ;;
        -o)
            [[ $# -ge 2 && -n "$2" ]] || { say "-o needs a folder"; usage >&2; exit 2; }
            out="$2"; shift 2 ;;
        --parallel) parallel=1; shift ;;
        --) shift; run_options=("$@"); break ;;
        -h | --help) usage; exit 0 ;;
        *) say "unknown argument '$1'"; usage >&2; exit 2 ;;
    esac
done

read -ra merge_options <<<"${WASMBENCH_MERGE_ARGS:-}"

# Absolute: the shards run from the root.
mkdir -p "$out"
out="$(cd -- "$out" && pwd -P)"

if [[ -n "${WASMBENCH_BIN:-}" ]]; then
    wasmbench="$(realpath -- "$WASMBENCH_BIN" 2>/dev/null || true)"
    [[ -f "$wasmbench" && -x "$wasmbench" ]] || { say "WASMBENCH_BIN=$WASMBENCH_BIN is not an executable"; exit 2; }
else
    # As scripts/bench.sh: set up, then the shared build of the main job and the tests.
    # shellcheck source-path=SCRIPTDIR source=env.sh
    source "$ROOT/scripts/env.sh"
    "$ROOT/scripts/setup.sh"
    # shellcheck disable=SC2119  # its arguments are extra cargo options: none here
    (cd "$ROOT" && build_wasmbench)
    wasmbench="$CARGO_TARGET_DIR/release/wasmbench"
fi
# From the root, like the pods from theirs: wasmbench finds workloads/manifest.toml there.
cd "$ROOT"

# run_shard <index>: one pod of the Job.
run_shard() {
    JOB_COMPLETION_INDEX="$1" "$wasmbench" run "${run_options[@]}" \
        --shard "auto/$shards" -o "$out/shard-$1"
}

mode=sequential
((parallel)) && mode=parallel
say "$shards shards ($mode), options: ${run_options[*]} → $out"
# Nothing of an earlier simulation may pass for this one's.
rm -rf -- "${out:?}/merged"
for ((i = 0; i < shards; i++)); do
    rm -rf -- "$out/shard-$i" "$out/shard-$i.log"
done
status=()
if ((parallel)); then
    pids=()
    for ((i = 0; i < shards; i++)); do
        run_shard "$i" >"$out/shard-$i.log" 2>&1 &
        pids[i]=$!
    done
    for ((i = 0; i < shards; i++)); do
        status[i]=0
        wait "${pids[$i]}" || status[i]=$?
        if ((status[i] != 0)); then
            say "shard index $i: last lines of $out/shard-$i.log:"
            tail -n 20 "$out/shard-$i.log" >&2
        fi
    done
else
    for ((i = 0; i < shards; i++)); do
        say "== shard index $i (shard $((i + 1))/$shards)"
        status[i]=0
        run_shard "$i" || status[i]=$?
    done
fi

failed=()
failed_cells=()
inputs=()
for ((i = 0; i < shards; i++)); do
    name="index $i (shard $((i + 1))/$shards, exit ${status[$i]})"
    # Exit 1: the shard ran but cells failed; its results are written and merge, as in
    # the Job (job.yaml maps that exit to a completed pod). Any other failure (2: an error
    # stopped it; 128+: killed) may have left partial results.
    if ((status[i] <= 1)) && [[ -f "$out/shard-$i/results.json" ]]; then
        inputs+=("$out/shard-$i/results.json")
        ((status[i] == 0)) || failed_cells+=("$name")
    else
        failed+=("$name")
    fi
done

result=0
if ((${#failed_cells[@]})); then
    say "shards with failed cells (completed, merged; the merge names the cells): $(IFS=';'; echo "${failed_cells[*]}")"
    result=1
fi
if ((${#failed[@]})); then
    say "FAILED shards, without results: $(IFS=';'; echo "${failed[*]}")"
    say "not merging: every shard must write its results.json"
    exit 1
fi

say "== merge: ${#inputs[@]} shard results${merge_options[*]:+ (${merge_options[*]})} → $out/merged"
merge_status=0
"$wasmbench" merge "${merge_options[@]}" "${inputs[@]}" -o "$out/merged" || merge_status=$?
case "$merge_status" in
    0) ;;
    1)
        say "merged into $out/merged, but some cells failed or a shard is incomplete (merge exit 1: see the line above and the report)"
        exit 1 ;;
    2)
        say "merge refused (exit 2), nothing merged: see its message above (shards measured on different machines, or with disagreeing drift sentinels, merge with WASMBENCH_MERGE_ARGS=--allow-mixed)"
        exit 1 ;;
    *)
        say "FAILED merge (exit $merge_status)"
        exit 1 ;;
esac
if ((result == 0)); then
    say "ok: $shards shards merged into $out/merged"
fi
exit "$result"
