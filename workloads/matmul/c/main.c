/*
 * wasmbench workload "matmul" (C): dense f64 matrix multiply C = A x B (n x n),
 * i-k-j loop order over row-major arrays: floating-point multiply-adds and memory
 * streaming, like a small inference or analytics step.
 *
 * Input:  env INPUT = n, a decimal integer 1..2048 (if unset: DEFAULT_N).
 * Data:   A[i][j] = ((i*3 + j*5) % 7 - 3) / 4,  B[i][j] = ((i*5 + j*2) % 9 - 4) / 8.
 *         Every product and partial sum is exact in f64, so the result does not
 *         depend on the order of summation (same output in every language).
 * Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n", trace = sum C[i][i],
 *         checksum = sum C[i][j] * ((i + 2j) % 5 + 1); both times 32, exact integers.
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_N 400u
#define MAX_N 2048u

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
    if (input != NULL && (parse_u32(input, MAX_N, &n) != 0 || n == 0)) {
        fprintf(stderr, "matmul: INPUT must be a decimal integer in 1..%u, got \"%s\"\n",
                MAX_N, input);
        return 2;
    }
    size_t nn = (size_t)n * n;
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
    double *c = calloc(nn, sizeof *c);
    if (a == NULL || b == NULL || c == NULL) {
        fputs("matmul: out of memory\n", stderr);
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++) {
            a[(size_t)i * n + j] = (double)((int)((i * 3 + j * 5) % 7) - 3) / 4.0;
            b[(size_t)i * n + j] = (double)((int)((i * 5 + j * 2) % 9) - 4) / 8.0;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        double *ci = c + (size_t)i * n;
        for (uint32_t k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k];
            const double *bk = b + (size_t)k * n;
            for (uint32_t j = 0; j < n; j++) {
                ci[j] += aik * bk[j];
            }
        }
    }
    double trace = 0.0, check = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        trace += c[(size_t)i * n + i];
        for (uint32_t j = 0; j < n; j++) {
            check += c[(size_t)i * n + j] * (double)((i + 2 * j) % 5 + 1);
        }
    }
    printf("n %" PRIu32 "\ntrace*32 %" PRId64 "\nchecksum*32 %" PRId64 "\n", n,
           (int64_t)(trace * 32.0), (int64_t)(check * 32.0));
    if (fflush(stdout) != 0) {
        perror("matmul: writing stdout");
        return 1;
    }
    return 0;
}
