// wasmbench workload "fib" (JavaScript, for the v8-js backend): a pure compute kernel
// (calls + integer adds). Same behaviour as fib/c/main.c.
//
// Input:  env INPUT = n, a decimal integer 0..93 (if unset: DEFAULT_N).
// Output: "fib(<n>) = <fib(n)>\n", with fib(0) = 0, fib(1) = 1, unsigned 64-bit.
// Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in 0..93.
//
// fib is the naive doubly recursive definition on purpose. JavaScript numbers are exact
// integers up to 2^53, which holds every fib(n) for n <= 78, so that range (all practical
// inputs) runs on plain numbers; larger n falls back to BigInt to stay exact up to 93.
// Keep DEFAULT_N equal to the INPUT in workloads/manifest.toml.
"use strict";

const DEFAULT_N = 37;
const MAX_N = 93;
const MAX_EXACT_N = 78; // fib(78) < 2^53 <= fib(79)

function fib(n) {
    if (n < 2) {
        return n;
    }
    return fib(n - 1) + fib(n - 2);
}

function fibBig(n) {
    if (n < 2) {
        return BigInt(n);
    }
    return fibBig(n - 1) + fibBig(n - 2);
}

// Strict decimal parse: digits only, no sign, no spaces, value <= max; null if invalid.
function parseDecimal(s, max) {
    if (s.length === 0) {
        return null;
    }
    let v = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 48 || c > 57) {
            return null;
        }
        v = v * 10 + (c - 48);
        if (v > max) {
            return null;
        }
    }
    return v;
}

function main() {
    const env = wasmbench.env;
    let n = DEFAULT_N;
    if (Object.prototype.hasOwnProperty.call(env, "INPUT")) {
        const parsed = parseDecimal(env.INPUT, MAX_N);
        if (parsed === null) {
            wasmbench.write(2, "fib: INPUT must be a decimal integer in 0.." + MAX_N +
                ", got \"" + env.INPUT + "\"\n");
            return 2;
        }
        n = parsed;
    }
    const value = n <= MAX_EXACT_N ? fib(n) : fibBig(n);
    wasmbench.write(1, "fib(" + n + ") = " + value + "\n");
    return 0;
}
