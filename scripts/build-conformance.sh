#!/usr/bin/env bash
# Build the project's WASI conformance tests: conformance/wasi/src/<test>.wat → conformance/wasi/<test>.wasm.
#
#   scripts/build-conformance.sh           rebuild every conformance/wasi/<test>.wasm
#   scripts/build-conformance.sh --check   build into a temp dir and compare byte for byte
#                                          with the committed files; exit 1 on any difference
#
# A test source holds the body of a module, without `(module` and its closing `)`: its own
# imports first, then its functions and data. The module is assembled as
#   (module  lib/imports.wat [lib/imports-fs.wat]  <test>.wat  lib/prelude.wat [lib/prelude-fs.wat] )
# — the bracketed parts for tests that have a line `;; prelude: fs` — and converted with
# wabt's wat2wasm (Debian package `wabt`, installed with apt-get if missing; output is
# deterministic and has no name section). Works from any directory.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR="$ROOT/conformance/wasi"
SRC="$DIR/src"
LIB="$SRC/lib"

check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v wat2wasm >/dev/null; then
    echo "build-conformance: installing wabt (wat2wasm) with apt-get" >&2
    sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y wabt >&2
fi

work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
out="$DIR"
$check && out="$work/out" && mkdir -p "$out"

# The module text of one test, on stdout.
assemble() {
    local test="$1" fs=false
    grep -q '^;; prelude: fs$' "$test" && fs=true
    echo "(module"
    cat "$LIB/imports.wat"
    $fs && cat "$LIB/imports-fs.wat"
    cat "$test"
    cat "$LIB/prelude.wat"
    $fs && cat "$LIB/prelude-fs.wat"
    echo ")"
}

count=0
for test in "$SRC"/*.wat; do
    name="$(basename "$test" .wat)"
    assemble "$test" > "$work/$name.wat"
    if ! wat2wasm "$work/$name.wat" -o "$out/$name.wasm" 2> "$work/err"; then
        echo "build-conformance: $test does not assemble:" >&2
        sed "s|$work/$name.wat|$name (assembled)|" "$work/err" >&2
        exit 1
    fi
    count=$((count + 1))
done

# A committed module without a source would be run but never rebuilt.
status=0
for wasm in "$DIR"/*.wasm; do
    [ -e "$wasm" ] || continue
    name="$(basename "$wasm" .wasm)"
    if [ ! -f "$SRC/$name.wat" ]; then
        echo "build-conformance: $wasm has no source $SRC/$name.wat" >&2
        status=1
    fi
done

if $check; then
    for wasm in "$out"/*.wasm; do
        name="$(basename "$wasm")"
        if ! cmp -s "$wasm" "$DIR/$name"; then
            echo "build-conformance: conformance/wasi/$name differs from its source (run scripts/build-conformance.sh)" >&2
            status=1
        fi
    done
    [ "$status" -eq 0 ] && echo "build-conformance: $count modules match their sources"
else
    echo "build-conformance: built $count modules into conformance/wasi/"
fi
exit "$status"
