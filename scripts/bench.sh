#!/usr/bin/env bash
# The main job: set up, build, and run the default benchmark matrix, writing
# results.csv and results.json into results/latest/ (or the folder given with -o).
#
#   scripts/bench.sh [wasmbench run options...]     e.g. scripts/bench.sh --quick
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
source "$ROOT/scripts/env.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
build_wasmbench
exec "$CARGO_TARGET_DIR/release/wasmbench" run "$@"
