// wasmbench workload "hello" (JavaScript, for the v8-js backend): a function whose cost is
// almost all start-up. Same behaviour as hello/c/main.c.
//
// Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
// Output: "Hello, <INPUT>!\n"
//         "stdin: <N> bytes\n"
//         then the N stdin bytes verbatim.
// Exit:   0.
//
// Host API (runtimes/v8/README.md): the global `wasmbench` object gives `env`, `args`,
// `stdin` (a Uint8Array) and `write(fd, stringOrBytes)`; the host calls `main()` once and
// its return value is the exit code.
"use strict";

function main() {
    const env = wasmbench.env;
    const name = Object.prototype.hasOwnProperty.call(env, "INPUT") ? env.INPUT : "world";
    const stdin = wasmbench.stdin;
    wasmbench.write(1, "Hello, " + name + "!\n" + "stdin: " + stdin.length + " bytes\n");
    if (stdin.length > 0) {
        wasmbench.write(1, stdin);
    }
    return 0;
}
