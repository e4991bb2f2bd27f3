#!/usr/bin/env bash
# Build every workload module into workloads/built/.
#
#   scripts/build-workloads.sh           rebuild workloads/built/*.wasm
#   scripts/build-workloads.sh --check   build into a temp dir and compare byte for byte
#                                        with the committed files; exit 1 on any difference
#
# Works from any directory. Toolchains are installed into $ROOT/.tools/ (git-ignored)
# on first use and pinned; nothing is written outside the repository except the temp dir.
#
# Modules are found by convention: workloads/<name>/c/main.c -> workloads/built/<name>.c.wasm
# Each one must also be listed in workloads/manifest.toml.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
WORKLOADS="$ROOT/workloads"
TOOLS="$ROOT/.tools"

# --- pinned toolchains --------------------------------------------------------------------
ZIG_VERSION="0.17.1"                 # PyPI ziglang; bundles clang 22 and wasi-libc
PY_TARGET="$TOOLS/python"            # pip --target folder (shared with other PyPI tools)

# WebAssembly features for C modules: zig's "generic" wasm CPU minus reference-types.
# reference-types makes LLVM encode call_indirect's table index as an over-long LEB128
# (call-indirect-overlong), which MVP-era decoders such as wasm3 reject. Naming the
# features here also keeps the output independent of zig's default CPU.
C_WASM_CPU="mvp+bulk_memory+multivalue+mutable_globals+nontrapping_fptoint+sign_ext"
# zig's linker defaults to a 16 MiB shadow stack (initial memory 257 pages); 1 MiB is
# plenty for these workloads and matches Rust's wasm32-wasi default.
C_STACK_SIZE=1048576
C_FLAGS=(-target wasm32-wasi "-mcpu=$C_WASM_CPU" -O2 -s -Wall -Wextra -Werror
         "-Wl,-z,stack-size=$C_STACK_SIZE")

usage() {
    sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

mode=build
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-workloads: unknown argument: $1" >&2; usage >&2; exit 64 ;;
esac
if [[ $# -gt 1 ]]; then
    echo "build-workloads: too many arguments" >&2
    exit 64
fi

export ZIG_GLOBAL_CACHE_DIR="$TOOLS/zig-cache/global"
export ZIG_LOCAL_CACHE_DIR="$TOOLS/zig-cache/local"
export PIP_ROOT_USER_ACTION=ignore   # pip >= 22.1; older pips ignore unknown variables

zig() {
    PYTHONPATH="$PY_TARGET${PYTHONPATH:+:$PYTHONPATH}" python3 -m ziglang "$@"
}

ensure_zig() {
    if [[ ! -d "$PY_TARGET/ziglang-$ZIG_VERSION.dist-info" ]]; then
        echo "build-workloads: installing ziglang==$ZIG_VERSION into ${PY_TARGET#"$ROOT"/}" >&2
        mkdir -p "$PY_TARGET"
        # Drop any other ziglang version so the two never mix.
        rm -rf "$PY_TARGET/ziglang" "$PY_TARGET"/ziglang-*.dist-info
        python3 -m pip install --disable-pip-version-check --no-input --quiet \
            --no-warn-script-location --upgrade --target "$PY_TARGET" \
            "ziglang==$ZIG_VERSION"
    fi
    local have
    have="$(zig version)"
    if [[ "$have" != "$ZIG_VERSION" ]]; then
        echo "build-workloads: expected zig $ZIG_VERSION in $PY_TARGET, found '$have'" >&2
        exit 1
    fi
}

# build_c <name> <output.wasm>: compile workloads/<name>/c/main.c.
# Runs inside workloads/ with a relative source path so no absolute path can reach the output.
build_c() {
    local name="$1" out="$2"
    (cd "$WORKLOADS" && zig cc "${C_FLAGS[@]}" -o "$out" "$name/c/main.c")
}

# --- main ---------------------------------------------------------------------------------
ensure_zig

outdir="$WORKLOADS/built"
if [[ $mode == check ]]; then
    outdir="$(mktemp -d "${TMPDIR:-/tmp}/wasmbench-workloads.XXXXXX")"
    trap 'rm -rf -- "$outdir"' EXIT
fi
mkdir -p "$outdir"

manifest="$WORKLOADS/manifest.toml"
status=0
built=()
shopt -s nullglob
for src in "$WORKLOADS"/*/c/main.c; do
    name="$(basename -- "$(dirname -- "$(dirname -- "$src")")")"
    rel="built/$name.c.wasm"
    built+=("$rel")
    if ! grep -qF "wasm = \"$rel\"" "$manifest"; then
        echo "build-workloads: $rel is not listed in workloads/manifest.toml" >&2
        status=1
    fi
    if [[ $mode == build ]]; then
        build_c "$name" "$outdir/$name.c.wasm.tmp"
        mv -f -- "$outdir/$name.c.wasm.tmp" "$outdir/$name.c.wasm"
        chmod 0644 "$outdir/$name.c.wasm"
        printf 'built   workloads/%s (%s bytes)\n' "$rel" "$(wc -c < "$outdir/$name.c.wasm")"
    else
        build_c "$name" "$outdir/$name.c.wasm"
        committed="$WORKLOADS/$rel"
        if [[ ! -f "$committed" ]]; then
            printf 'MISSING workloads/%s (not built yet?)\n' "$rel"
            status=1
        elif cmp -s -- "$outdir/$name.c.wasm" "$committed"; then
            printf 'same    workloads/%s\n' "$rel"
        else
            printf 'DIFFERS workloads/%s (fresh %s bytes, committed %s bytes)\n' "$rel" \
                "$(wc -c < "$outdir/$name.c.wasm")" "$(wc -c < "$committed")"
            status=1
        fi
    fi
done

if [[ ${#built[@]} -eq 0 ]]; then
    echo "build-workloads: no sources found under workloads/*/c/main.c" >&2
    exit 1
fi

# Committed C modules whose source is gone are stale.
for f in "$WORKLOADS"/built/*.c.wasm; do
    base="$(basename -- "$f")"
    if [[ " ${built[*]} " != *" built/$base "* ]]; then
        printf 'STALE   workloads/built/%s (no workloads/%s/c/main.c)\n' "$base" "${base%.c.wasm}"
        status=1
    fi
done

if [[ $mode == check ]]; then
    if [[ $status -eq 0 ]]; then
        echo "build-workloads: all ${#built[@]} modules are up to date"
    else
        echo "build-workloads: committed modules differ from a fresh build; run scripts/build-workloads.sh" >&2
    fi
fi
exit "$status"
