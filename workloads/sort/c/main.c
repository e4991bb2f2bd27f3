/*
 * wasmbench workload "sort" (C): sort N generated keys (own merge sort) and count them
 * with an own open-addressing hash table: the data shuffling of a "group by / order by"
 * step, dominated by memory traffic and branches.
 *
 * Input:  env INPUT = N, a decimal integer 1..16777216 (if unset: DEFAULT_N).
 * Data:   xorshift32 (x ^= x << 13; x ^= x >> 17; x ^= x << 5), seed 2463534242;
 *         key = x % (N / 2 + 1).
 * Output: "n N\ndistinct D\nmin A max B median M\nmode K xC\nchecksum S\n", median =
 *         sorted[N/2], mode = most frequent key (smallest on ties), checksum =
 *         sum sorted[i] * (i % 1000 + 1) mod 2^64.
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_N 1000000u
#define MAX_N 16777216u
#define EMPTY UINT32_MAX

/* Bottom-up merge sort, ping-ponging between a and tmp; returns the sorted buffer. */
static uint32_t *merge_sort(uint32_t *a, uint32_t *tmp, size_t n) {
    /* Insertion-sort runs of 16 first. */
    for (size_t lo = 0; lo < n; lo += 16) {
        size_t hi = lo + 16 < n ? lo + 16 : n;
        for (size_t i = lo + 1; i < hi; i++) {
            uint32_t v = a[i];
            size_t j = i;
            while (j > lo && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
    }
    uint32_t *src = a, *dst = tmp;
    for (size_t width = 16; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
            }
            while (i < mid) {
                dst[k++] = src[i++];
            }
            while (j < hi) {
                dst[k++] = src[j++];
            }
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
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
    if (input != NULL && (parse_u32(input, MAX_N, &n) != 0 || n == 0)) {
        fprintf(stderr, "sort: INPUT must be a decimal integer in 1..%u, got \"%s\"\n",
                MAX_N, input);
        return 2;
    }
    uint32_t m = n / 2 + 1;
    size_t cap = 1;
    while (cap < (size_t)n * 2) {
        cap *= 2;
    }
    uint32_t *keys = malloc(n * sizeof *keys), *tmp = malloc(n * sizeof *tmp);
    uint32_t *hkeys = malloc(cap * sizeof *hkeys), *hcounts = malloc(cap * sizeof *hcounts);
    if (keys == NULL || tmp == NULL || hkeys == NULL || hcounts == NULL) {
        fputs("sort: out of memory\n", stderr);
        return 1;
    }
    uint32_t x = 2463534242u;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        keys[i] = x % m;
    }

    /* Count with linear probing, multiplicative hash. */
    memset(hkeys, 0xff, cap * sizeof *hkeys);
    size_t mask = cap - 1, distinct = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = keys[i];
        size_t h = (size_t)((k * 2654435769u) & mask);
        while (hkeys[h] != EMPTY && hkeys[h] != k) {
            h = (h + 1) & mask;
        }
        if (hkeys[h] == EMPTY) {
            hkeys[h] = k;
            hcounts[h] = 0;
            distinct++;
        }
        hcounts[h]++;
    }
    uint32_t mode = 0, best = 0;
    for (size_t h = 0; h < cap; h++) {
        if (hkeys[h] != EMPTY &&
            (hcounts[h] > best || (hcounts[h] == best && hkeys[h] < mode))) {
            best = hcounts[h];
            mode = hkeys[h];
        }
    }

    uint32_t *sorted = merge_sort(keys, tmp, n);
    uint64_t check = 0;
    for (uint32_t i = 0; i < n; i++) {
        check += (uint64_t)sorted[i] * (i % 1000 + 1);
    }
    printf("n %" PRIu32 "\ndistinct %zu\nmin %" PRIu32 " max %" PRIu32 " median %" PRIu32
           "\nmode %" PRIu32 " x%" PRIu32 "\nchecksum %" PRIu64 "\n",
           n, distinct, sorted[0], sorted[n - 1], sorted[n / 2], mode, best, check);
    if (fflush(stdout) != 0) {
        perror("sort: writing stdout");
        return 1;
    }
    return 0;
}
