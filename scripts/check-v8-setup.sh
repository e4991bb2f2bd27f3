#!/usr/bin/env bash
# Checks the sequence a newcomer follows for the V8 backends:
#   build without libnode  ->  scripts/setup-v8.sh  ->  rebuild  ->  V8 available.
# (The unpacked files keep their packaged, years-old modification times, so a build script
# that watched them never reran: runtimes/build.rs watches setup-v8.sh's stamp instead.)
#
#   scripts/check-v8-setup.sh
#
# Builds only `wasmbench-runtimes --no-default-features --features v8` (about a minute the
# first time) in its own target folder, $CARGO_TARGET_DIR/v8-setup-check, kept between runs
# so that later runs only rebuild this crate. Unpacks libnode into a temporary folder through
# WASMBENCH_LIBNODE_DIR (setup-v8.sh downloads the .debs with apt-get, ~11 MB).
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/v8-setup-check"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WASMBENCH_LIBNODE_DIR="$work/libnode"

backends() {
    cargo run --quiet --locked -p wasmbench-runtimes --no-default-features --features v8 \
        --example backends 2>"$work/cargo.log" || { cat "$work/cargo.log" >&2; exit 1; }
}

echo "== check-v8-setup: 1. build without libnode" >&2
before="$(backends)"
if grep -q $'^v8-liftoff\tavailable' <<<"$before"; then
    echo "check-v8-setup: V8 is available before libnode was unpacked:" >&2
    echo "$before" >&2
    exit 1
fi
grep -q $'^v8-liftoff\tunavailable\t.*setup-v8.sh' <<<"$before" || {
    echo "check-v8-setup: without libnode, v8-liftoff should point to scripts/setup-v8.sh:" >&2
    echo "$before" >&2
    exit 1
}

echo "== check-v8-setup: 2. scripts/setup-v8.sh" >&2
"$ROOT/scripts/setup-v8.sh" >/dev/null

echo "== check-v8-setup: 3. rebuild" >&2
after="$(backends)"
missing=0
for id in v8-liftoff v8-turbofan v8-default v8-js; do
    grep -q "^$id"$'\tavailable\t' <<<"$after" || missing=1
done
if [[ $missing -ne 0 ]]; then
    echo "check-v8-setup: FAILED: after setup-v8.sh and a rebuild, V8 is still unavailable:" >&2
    echo "$after" >&2
    exit 1
fi
echo "check-v8-setup: ok: $(grep $'^v8-liftoff\t' <<<"$after")" >&2
