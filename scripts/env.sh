# Sourced by the scripts: shared build settings.
# Reuse one target folder outside the clone, so fresh clones (CI) do not rebuild the
# runtimes from scratch when the machine already built them once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wasmbench/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
