#!/usr/bin/env bash
# Where a gateway request's time goes: for each backend, `wasmbench serve` answers hello (C)
# to `wrk -t1 -c4` on loopback while `perf stat` counts the server's CPU time, context
# switches and system calls; wrk's own CPU time is read with /usr/bin/time. `/healthz` on
# the same server is the HTTP stack alone. Prints a Markdown table per request: the
# server's CPU, the client's CPU, the server's context switches and system calls.
#
#   scripts/gateway-cost.sh [BACKEND[:inline] ...]
#       # default: wasmtime-pooling wasmtime-pooling-checked wasmi wasmi:inline
#       # (`:inline` serves with --inline: functions run on the HTTP threads)
#
# Needs perf (linux-perf), wrk and /usr/bin/time; run it on a quiet machine.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
source "$ROOT/scripts/env.sh"
BIN="${WASMBENCH:-$CARGO_TARGET_DIR/release/wasmbench}"
PORT="${PORT:-18188}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-6}"
backends=("$@")
((${#backends[@]})) || backends=(wasmtime-pooling wasmtime-pooling-checked wasmi wasmi:inline)
for tool in perf wrk /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "gateway-cost: $tool is missing" >&2; exit 2; }
done
[[ -x "$BIN" ]] || { echo "gateway-cost: no wasmbench binary at $BIN (build it first)" >&2; exit 2; }
work="$(mktemp -d)"
server=""
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

# One wrk run against $1 while perf counts the server: "rate server_us client_us cs/req sys/req".
measure() {
    local url="$1"
    /usr/bin/time -f "%U %S" -o "$work/wrk.time" \
        wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" "$url" >"$work/wrk.out" &
    local wrk_pid=$!
    sleep 1
    perf stat -x, -e task-clock,context-switches,raw_syscalls:sys_enter -p "$server" \
        -o "$work/perf.csv" -- sleep $((SECONDS_PER_RUN - 2)) >/dev/null 2>&1
    wait "$wrk_pid"
    local rate window=$((SECONDS_PER_RUN - 2))
    rate="$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")"
    python3 - "$rate" "$window" "$SECONDS_PER_RUN" "$work/perf.csv" "$work/wrk.time" <<'EOF'
import sys
rate, window, total = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
counts = {}
for line in open(sys.argv[4]):
    parts = line.strip().split(",")
    if len(parts) > 2 and parts[0] and not line.startswith("#"):
        counts[parts[2]] = float(parts[0])
user, system = map(float, open(sys.argv[5]).read().split()[-2:])
requests = rate * window
server_us = counts["task-clock"] * 1e3 / requests  # task-clock is in ms
client_us = (user + system) * 1e6 / (rate * total)
print(f"{rate:.0f} {server_us:.1f} {client_us:.1f} "
      f"{counts['context-switches'] / requests:.2f} {counts['raw_syscalls:sys_enter'] / requests:.1f}")
EOF
}

echo "| backend | path | requests/s | server CPU/request | wrk CPU/request | server context switches/request | server system calls/request |"
echo "|---|---|---:|---:|---:|---:|---:|"
for backend in "${backends[@]}"; do
    extra=()
    [[ $backend == *:inline ]] && extra=(--inline)
    "$BIN" serve --listen "127.0.0.1:$PORT" -b "${backend%:inline}" --eager "${extra[@]}" \
        --fn hello="$ROOT/workloads/built/hello.c.wasm" >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
    for path in "/fn/hello?INPUT=wasmbench" "/healthz"; do
        read -r rate server_us client_us cs sys < <(measure "http://127.0.0.1:$PORT$path")
        echo "| $backend | \`${path%%\?*}\` | $rate | $server_us µs | $client_us µs | $cs | $sys |"
    done
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
done
