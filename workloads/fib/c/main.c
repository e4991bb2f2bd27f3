/*
 * wasmbench workload "fib" (C): a pure compute kernel (calls + integer adds).
 *
 * Input:  env INPUT = n, a decimal integer 0..93 (if unset: DEFAULT_N).
 * Output: "fib(<n>) = <fib(n)>\n", with fib(0) = 0, fib(1) = 1, unsigned 64-bit.
 * Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer
 *         in 0..93 (fib(94) does not fit in 64 bits).
 *
 * fib is the naive doubly recursive definition on purpose. n is only known at
 * run time (from the environment) and fib is noinline, so the compiler can
 * neither constant-fold nor memoize it. (clang -O2 does turn the second call
 * into a loop with an accumulator, as it would for native code; the number of
 * calls still grows like fib(n), about 1.618^n: n = 37 is ~0.1 s under V8
 * TurboFan, n = 45 would be ~5 s.) Keep DEFAULT_N equal to the INPUT in
 * workloads/manifest.toml.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_N 37u
#define MAX_N 93u

__attribute__((noinline)) static uint64_t fib(uint32_t n) {
    if (n < 2) {
        return n;
    }
    return fib(n - 1) + fib(n - 2);
}

/* Strict decimal parse: digits only, no sign, no spaces, value <= max. */
static int parse_u32(const char *s, uint32_t max, uint32_t *out) {
    uint32_t v = 0;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        uint32_t d = (uint32_t)(*s - '0');
        if (v > (max - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int main(void) {
    uint32_t n = DEFAULT_N;
    const char *input = getenv("INPUT");
    if (input != NULL && parse_u32(input, MAX_N, &n) != 0) {
        fprintf(stderr, "fib: INPUT must be a decimal integer in 0..%u, got \"%s\"\n",
                MAX_N, input);
        return 2;
    }
    printf("fib(%" PRIu32 ") = %" PRIu64 "\n", n, fib(n));
    if (fflush(stdout) != 0) {
        perror("fib: writing stdout");
        return 1;
    }
    return 0;
}
