#!/usr/bin/env bash
# Run every fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for SECONDS each (default 60).
# Installs cargo-fuzz from crates.io if it is missing; works on the stable toolchain.
#
#   scripts/fuzz.sh [SECONDS]          # all targets, one after the other
#   FUZZ_TARGETS="manifest results" scripts/fuzz.sh 30
#
# Crashes are saved by libFuzzer under fuzz/artifacts/<target>/ (reproduce one with
# `scripts/fuzz.sh --repro <target> <file>`); the corpus grows in fuzz/corpus/<target>/.
# Both are git-ignored; fuzz/seeds/<target>/ holds committed seed inputs. A summary line
# per target goes to fuzz/artifacts/summary.txt.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
"$ROOT/scripts/setup.sh"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz@0.13.2
fi

# An instrumented build of its own: it must not overwrite the main target folder.
export CARGO_TARGET_DIR="${WASMBENCH_FUZZ_TARGET_DIR:-$HOME/.cache/wasmbench/fuzz-target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# cargo-fuzz passes -Z flags to rustc; stable rustc accepts them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
# The WASI host of wasm3 and V8 (runtimes/src/wasi_host/) is Rust, instrumented by cargo
# fuzz like the rest of the crate. The V8 shim (C++, dlopen()ed by the runtimes crate),
# which forwards the guest's imports to it, is instrumented too: fuzz/cxx-coverage.sh
# compiles it with clang's libFuzzer coverage, whose hooks the fuzz binaries export to it
# (-rdynamic). wasm3's interpreter (C) is not instrumented.
export CXX="$ROOT/fuzz/cxx-coverage.sh"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Clink-arg=-rdynamic"

cd "$ROOT"
# No sanitizer: ASan needs a nightly-built std. Panics and crashes (SIGSEGV, abort) are
# still caught by libFuzzer.
FUZZ=(cargo fuzz)
BUILD_FLAGS=(-s none)

# The wasi_host target makes its directory tree under $TMPDIR once per fuzzing process
# (wasmbench-fuzz-wasi-host.<pid>); this run's own folder goes when the run ends.
FUZZ_TMP="$(mktemp -d "${TMPDIR:-/tmp}/wasmbench-fuzz.XXXXXX")"
trap 'rm -rf -- "$FUZZ_TMP"' EXIT

if [[ "${1:-}" == "--repro" ]]; then
    target="${2:?usage: scripts/fuzz.sh --repro TARGET FILE}"
    TMPDIR="$FUZZ_TMP" "${FUZZ[@]}" run "${BUILD_FLAGS[@]}" "$target" "${3:?usage: scripts/fuzz.sh --repro TARGET FILE}"
    exit
fi

SECONDS_EACH="${1:-60}"
if ! [[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS] (a positive whole number, got \`$SECONDS_EACH')" >&2
    exit 2
fi
read -r -a TARGETS <<< "${FUZZ_TARGETS:-$("${FUZZ[@]}" list | tr '\n' ' ')}"
"${FUZZ[@]}" build "${BUILD_FLAGS[@]}"

mkdir -p fuzz/artifacts
summary=fuzz/artifacts/summary.txt
: > "$summary"
status=0
for target in "${TARGETS[@]}"; do
    echo "== fuzz $target for ${SECONDS_EACH}s" >&2
    log="fuzz/artifacts/$target.log"
    mkdir -p "fuzz/corpus/$target"
    # Committed seeds (small real documents) give the parsers valid input to mutate.
    seeds=()
    [[ -d "fuzz/seeds/$target" ]] && seeds=("fuzz/seeds/$target")
    rc=0
    TMPDIR="$FUZZ_TMP" "${FUZZ[@]}" run "${BUILD_FLAGS[@]}" "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$SECONDS_EACH" -print_final_stats=1 > "$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    if ((rc == 0)); then
        line="$target: ok, ${runs:-?} executions in ${SECONDS_EACH}s (${secs:-?}/s), ${cov:-cov: ?}, corpus $(ls "fuzz/corpus/$target" | wc -l) inputs"
    else
        status=1
        line="$target: FAILED (exit $rc) after ${runs:-?} executions; see $log and fuzz/artifacts/$target/"
        grep -E "panicked|ERROR: libFuzzer|SUMMARY" "$log" | head -5 >&2 || true
    fi
    echo "$line" | tee -a "$summary" >&2
done
exit "$status"
