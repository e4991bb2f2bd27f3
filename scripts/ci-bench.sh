#!/usr/bin/env bash
# The regression gate: measure the suite `gate` (hello and json in C) on the interpreter
# and AOT backends and compare it with the committed baseline in results/baseline/.
#
#   scripts/ci-bench.sh            # instruction counts under callgrind: deterministic, so
#                                  # a regression beyond 5% fails (exit 1); ~1-2 min
#   scripts/ci-bench.sh --wall     # wall-clock warm execute, threshold 25%, reported only
#   scripts/ci-bench.sh --update   # re-measure the baseline (add --wall for the wall one)
#
# Writes results.{json,csv} and compare.md (the Markdown table, for a PR comment) into
# results/ci-bench/<mode>/ (or $CI_BENCH_OUT). Test hook: WASMBENCH_DEBUG_SLOWDOWN=
# [BACKEND=]ITERATIONS makes the workers do extra work inside the measured execute phase
# (see README, "Regression tracking").
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
source "$ROOT/scripts/env.sh"
cd "$ROOT"

mode=instructions
update=0
for arg in "$@"; do
    case "$arg" in
        --wall) mode=wall ;;
        --update) update=1 ;;
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "ci-bench: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

# Interpreters and AOT loaders: their execute phase is deterministic under callgrind;
# V8 with Liftoff only (no tier-up) repeats within 0.1%, and holds the shared WASI host's
# cost as seen through the V8 shim (wasm3 holds it through direct calls).
# (wamr-interp is left out: WAMR writes the GS base register with `wrgsbase`, which
# valgrind does not emulate, so it dies with SIGILL under callgrind.)
BACKENDS=wasmi,wasm3,wasmtime-pulley,wasmtime-aot,wasmer-aot,v8-liftoff
baseline="$ROOT/results/baseline/$mode"
out="${CI_BENCH_OUT:-$ROOT/results/ci-bench}/$mode"
[[ $update == 1 ]] && out="$baseline"

"$ROOT/scripts/setup.sh"
build_wasmbench
wasmbench="$CARGO_TARGET_DIR/release/wasmbench"

case "$mode" in
    instructions)
        run_args=(--measure instructions)
        compare_args=(--metric callgrind/execute --threshold 5% --strict) ;;
    wall)
        # Wall-clock on a shared 2-core machine: a loose threshold, and never fatal.
        run_args=(--cold-samples 0 --samples 20 --warmup 2 --max-time 3 --concurrency 0)
        compare_args=(--metric warm/execute --threshold 25% --warn-only) ;;
esac

echo "== ci-bench ($mode): suite gate on $BACKENDS → $out" >&2
mkdir -p "$out"
status=0
"$wasmbench" run --suite gate -b "$BACKENDS" "${run_args[@]}" -o "$out" >/dev/null || status=$?
if [[ $update == 1 ]]; then
    ((status == 0)) || { echo "ci-bench: the baseline run failed (status $status); see $out" >&2; exit 1; }
    echo "ci-bench: baseline written to $baseline" >&2
    exit 0
fi
# A failed cell shows up in the comparison (and fails it with --strict).
"$wasmbench" compare "$baseline/results.json" "$out/results.json" "${compare_args[@]}" \
    -o "$out/compare.md"
