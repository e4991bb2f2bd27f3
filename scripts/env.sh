# Sourced by the scripts: shared build settings.
# Reuse one target folder outside the clone, so fresh clones (CI) do not rebuild the
# runtimes from scratch when the machine already built them once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wasmbench/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Wasmer's LLVM compiler (wasmer-llvm): llvm-sys 221 looks for llvm-config only under
# LLVM_SYS_221_PREFIX; Debian's llvm-22-dev (scripts/setup.sh) installs it here.
export LLVM_SYS_221_PREFIX="${LLVM_SYS_221_PREFIX:-/usr/lib/llvm-22}"

# Build the `wasmbench` binary with exactly the feature set of the test build
# (`cargo test --workspace`), so that the main job, the regression gate and the tests share
# one compilation of the runtimes instead of three (a package-only build unifies features
# differently and would rebuild them).
build_wasmbench() {
    cargo test --release --locked --workspace --no-run "$@"
}
