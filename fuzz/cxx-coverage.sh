#!/usr/bin/env bash
# The C++ compiler of the fuzz build (scripts/fuzz.sh sets CXX to this): clang++, which
# adds libFuzzer's coverage instrumentation to the V8 shim (runtimes/v8/shim.cc) only, so
# that the fuzzer is guided by the WASI host functions' own branches. Other C++ code
# (libFuzzer itself, built by libfuzzer-sys) is compiled as usual.
set -euo pipefail
for arg in "$@"; do
    if [[ "$arg" == */v8/shim.cc ]]; then
        exec clang++ "$@" -fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp
    fi
done
exec clang++ "$@"
