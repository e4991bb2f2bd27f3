#!/usr/bin/env bash
# shellcheck shell=bash
# QuickJS workloads: upstream QuickJS built to a WASI preview1 command with our runner
# (workloads/quickjs/runner.c), one module per JavaScript workload, the script embedded.
# See workloads/quickjs/README.md.
#
# Sourced by scripts/build-workloads.sh, after its settings and helpers; uses ROOT,
# WORKLOADS, TOOLS, C_FLAGS (target, CPU features, -O2 -s, warnings, 1 MiB stack), zig and
# say, and needs tar, sha256sum and patch. Defines:
#
#   ensure_quickjs                    fetch the pinned sdist (PyPI quickjs==1.19.4) with pip,
#                                     check its sha256, unpack upstream-quickjs/ and apply
#                                     workloads/quickjs/patches/*.patch into
#                                     .tools/quickjs-2021-03-27/ (idempotent: a stamp holds
#                                     the sdist hash and the patches' hashes)
#   build_quickjs <name> <out.wasm>   workloads/<name>/js/main.js embedded into runner.c,
#                                     linked with the engine into <out.wasm>
#
# Run directly, it builds any script the same way (e.g. the rounding probe, see
# workloads/quickjs/README.md), with the settings of scripts/build-workloads.sh:
#
#   scripts/quickjs.sh <script.js> <out.wasm>
#
# The engine's objects are compiled once per set of inputs into
# .tools/quickjs-2021-03-27/obj-<key>/, where <key> hashes the zig version, the stamp and
# the flags: every workload (and every later build) reuses them. Compilation is
# deterministic (relative source paths, cwd = the source folder, no debug info), so reused
# and fresh objects are the same bytes.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    # Standalone: load build-workloads.sh's settings and helpers, i.e. everything before its
    # "# --- main" line (definitions only; its argument parsing sees no arguments here).
    set -euo pipefail
    QUICKJS_STANDALONE=1
    quickjs_load_settings() {
        local here
        here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
        eval "$(sed '/^# --- main /,$d' "$here/build-workloads.sh")"
    }
    quickjs_load_settings
fi

QUICKJS_SDIST_VERSION="1.19.4"     # PyPI `quickjs` (Python binding); ships the C sources
QUICKJS_SDIST_SHA256="1205953abc24ff757f4a795304d5d61e4bf1e555c9ef6ec96a132d4b95535484"
QUICKJS_VERSION="2021-03-27"       # upstream QuickJS in the sdist's upstream-quickjs/
QUICKJS_DIR="$TOOLS/quickjs-$QUICKJS_VERSION"
QUICKJS_SOURCES=(cutils.c libregexp.c libunicode.c libbf.c quickjs.c)
# CONFIG_BIGNUM: BigInt needs it in this version (fib.js and sha256.js use BigInt); the
# BigFloat/BigDecimal/operator-overloading extensions it also compiles are never enabled.
QUICKJS_DEFINES=(-D_GNU_SOURCE "-DCONFIG_VERSION=\"$QUICKJS_VERSION\"" -DCONFIG_BIGNUM)
# Optimisation level of engine and runner (replaces C_FLAGS' -O2); see the README for
# -O2 / -Os / -Oz sizes and speeds.
QUICKJS_OPT="-O2"

# quickjs_stamp: what the unpacked, patched tree was made from.
quickjs_stamp() {
    local p
    echo "sdist quickjs==$QUICKJS_SDIST_VERSION $QUICKJS_SDIST_SHA256"
    for p in "$WORKLOADS"/quickjs/patches/*.patch; do
        echo "patch $(basename -- "$p") $(sha256sum < "$p" | cut -d' ' -f1)"
    done
}

ensure_quickjs() {
    local want stamp="$QUICKJS_DIR/.wasmbench-stamp"
    want="$(quickjs_stamp)"
    if [[ -f "$stamp" && "$(cat -- "$stamp")" == "$want" ]]; then
        return 0
    fi
    local tool
    for tool in tar sha256sum patch; do
        if ! command -v "$tool" >/dev/null; then
            say "ensure_quickjs needs '$tool' (Debian package: $tool / coreutils)"
            return 1
        fi
    done
    local dl="$TOOLS/quickjs-sdist"
    local sdist="$dl/quickjs-$QUICKJS_SDIST_VERSION.tar.gz"
    mkdir -p "$dl"
    if [[ ! -f "$sdist" ]] ||
       [[ "$(sha256sum < "$sdist" | cut -d' ' -f1)" != "$QUICKJS_SDIST_SHA256" ]]; then
        say "downloading PyPI sdist quickjs==$QUICKJS_SDIST_VERSION (QuickJS $QUICKJS_VERSION) into ${dl#"$ROOT"/}"
        rm -f -- "$sdist"
        python3 -m pip download --disable-pip-version-check --no-input --quiet --no-deps \
            --no-binary :all: -d "$dl" "quickjs==$QUICKJS_SDIST_VERSION" >&2 || return 1
    fi
    local got
    got="$(sha256sum < "$sdist" | cut -d' ' -f1)"
    if [[ "$got" != "$QUICKJS_SDIST_SHA256" ]]; then
        say "$sdist: sha256 $got, expected $QUICKJS_SDIST_SHA256"
        return 1
    fi
    local work
    work="$(mktemp -d "$TOOLS/quickjs-unpack.XXXXXX")"
    local src="$work/quickjs-$QUICKJS_SDIST_VERSION/upstream-quickjs"
    if ! tar -xzf "$sdist" -C "$work" "quickjs-$QUICKJS_SDIST_VERSION/upstream-quickjs"; then
        rm -rf -- "$work"
        return 1
    fi
    if [[ "$(cat -- "$src/VERSION")" != "$QUICKJS_VERSION" ]]; then
        say "$sdist: upstream-quickjs/VERSION is not $QUICKJS_VERSION"
        rm -rf -- "$work"
        return 1
    fi
    local p
    for p in "$WORKLOADS"/quickjs/patches/*.patch; do
        if ! patch -d "$src" -p1 --forward --batch --no-backup-if-mismatch --quiet < "$p"; then
            say "patch ${p#"$ROOT"/} does not apply to QuickJS $QUICKJS_VERSION"
            rm -rf -- "$work"
            return 1
        fi
    done
    printf '%s\n' "$want" > "$src/.wasmbench-stamp"
    rm -rf -- "$QUICKJS_DIR"
    mv -- "$src" "$QUICKJS_DIR"
    rm -rf -- "$work"
    say "QuickJS $QUICKJS_VERSION unpacked and patched in ${QUICKJS_DIR#"$ROOT"/}"
}

# quickjs_cflags <array name>: C_FLAGS for compiling only, with QUICKJS_OPT: no linker
# flags, no -s, and no warnings (upstream's code is not ours to fix; -w also keeps the log
# quiet).
quickjs_cflags() {
    local -n into="$1"
    local f
    into=()
    for f in "${C_FLAGS[@]}"; do
        case "$f" in
            -O*) into+=("$QUICKJS_OPT") ;;
            -s | -Wall | -Wextra | -Werror | -Wl,*) ;;
            *) into+=("$f") ;;
        esac
    done
}

# quickjs_objects: compile the engine (once per inputs); prints the objects' folder.
quickjs_objects() {
    local flags key objdir src
    quickjs_cflags flags
    flags+=(-w "${QUICKJS_DEFINES[@]}")
    key="$( { zig version; cat -- "$QUICKJS_DIR/.wasmbench-stamp"; printf '%s\n' "${flags[@]}"; } |
            sha256sum | cut -c1-16)"
    objdir="$QUICKJS_DIR/obj-$key"
    if [[ ! -f "$objdir/.done" ]]; then
        say "compiling QuickJS $QUICKJS_VERSION ($QUICKJS_OPT) into ${objdir#"$ROOT"/}"
        rm -rf -- "$objdir"
        mkdir -p "$objdir"
        for src in "${QUICKJS_SOURCES[@]}"; do
            # Relative source path, run in the source folder: assert() messages say
            # "quickjs.c", not a path of this machine.
            (cd "$QUICKJS_DIR" && zig cc "${flags[@]}" -c "$src" -o "$objdir/${src%.c}.o") >&2 ||
                return 1
        done
        touch "$objdir/.done"
    fi
    printf '%s\n' "$objdir"
}

# build_quickjs_script <script.js> <out.wasm>: the runner with that script embedded, linked
# with the engine. The script's path is given to #embed relative to runner.c when it is
# inside workloads/ (it does not reach the output either way: no debug info).
build_quickjs_script() {
    local script="$1" out="$2" objdir flags src rel
    if [[ ! -f "$script" ]]; then
        say "build_quickjs: no script $script"
        return 1
    fi
    script="$(cd -- "$(dirname -- "$script")" && pwd -P)/$(basename -- "$script")"
    [[ "$out" == /* ]] || out="$PWD/$out"
    case "$script" in
        "$WORKLOADS"/*) rel="../${script#"$WORKLOADS"/}" ;;
        *) rel="$script" ;;
    esac
    ensure_quickjs || return 1
    objdir="$(quickjs_objects)" || return 1
    local objects=()
    for src in "${QUICKJS_SOURCES[@]}"; do
        objects+=("$objdir/${src%.c}.o")
    done
    flags=()
    for src in "${C_FLAGS[@]}"; do
        case "$src" in
            -O*) flags+=("$QUICKJS_OPT") ;;
            *) flags+=("$src") ;;
        esac
    done
    # Inside workloads/, the runner by a relative path. -isystem: quickjs.h's own warnings
    # are not errors of ours.
    (cd "$WORKLOADS" &&
        zig cc "${flags[@]}" -std=c23 -isystem "$QUICKJS_DIR" \
            "-DWASMBENCH_SCRIPT=\"$rel\"" \
            quickjs/runner.c "${objects[@]}" -o "$out")
}

# build_quickjs <name> <out.wasm>: workloads/<name>/js/main.js
build_quickjs() {
    build_quickjs_script "$WORKLOADS/$1/js/main.js" "$2"
}

if [[ -n "${QUICKJS_STANDALONE:-}" ]]; then
    if [[ $# -ne 2 ]]; then
        echo "usage: scripts/quickjs.sh <script.js> <out.wasm>" >&2
        exit 64
    fi
    ensure_zig
    build_quickjs_script "$1" "$2"
    validate "$2"
    echo "built $2 ($(wc -c < "$2") bytes)"
fi
