# Sourced by the scripts: shared build settings.
# Reuse one target folder outside the clone, so fresh clones (CI) do not rebuild the
# runtimes from scratch when the machine already built them once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wasmbench/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Build the `wasmbench` binary with exactly the feature set of the test build
# (`cargo test --workspace`), so that the main job, the regression gate and the tests share
# one compilation of the runtimes instead of three (a package-only build unifies features
# differently and would rebuild them).
build_wasmbench() {
    cargo test --release --locked --workspace --no-run "$@"
}
