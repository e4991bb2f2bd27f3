#!/usr/bin/env bash
# The test job: set up, check the committed workload modules and their native builds are a
# byte-exact rebuild of their sources, then build and run every test of the workspace.
#
#   scripts/test.sh
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
source "$ROOT/scripts/env.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"

echo "== workloads: committed .wasm and native builds == fresh build" >&2
"$ROOT/scripts/build-workloads.sh" --check
# The conformance tests are a byte-exact rebuild of their WAT sources too (installs wabt).
echo "== conformance tests: committed .wasm == fresh build" >&2
"$ROOT/scripts/build-conformance.sh" --check

echo "== cargo test" >&2
# Release profile: the same build as the main job, so the runtimes compile once.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
matrix="$CARGO_TARGET_DIR/tmp/bad-inputs-matrix.md"
rm -f -- "$matrix"
cargo test --release --locked --workspace --no-fail-fast 2>&1 | tee "$log" || status=$?

if [[ -f "$matrix" ]]; then
    echo "== bad inputs: error kind per backend (harness/tests/bad_inputs.rs)" >&2
    cat "$matrix"
fi

echo "== V8 set-up after a first build: build, scripts/setup-v8.sh, rebuild (scripts/check-v8-setup.sh)" >&2
"$ROOT/scripts/check-v8-setup.sh" || status=1

echo "== criterion benches, once each (cargo bench -- --test)" >&2
cargo bench --locked --workspace --bench phases -- --test || status=1

echo "== regression gate: instruction counts vs results/baseline (scripts/ci-bench.sh)" >&2
"$ROOT/scripts/ci-bench.sh" || status=1
# One closing line for the whole workspace (cargo prints one per test binary, and the
# last of those is often a binary with no tests).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
