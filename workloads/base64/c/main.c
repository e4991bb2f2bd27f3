/*
 * wasmbench workload "base64" (C): encode a generated payload as base64, decode it
 * back and compare. Byte-at-a-time table lookups over a few MiB: a typical
 * "decode the request body / encode the response" step of a serverless function.
 *
 * Input:  env INPUT = N, a decimal byte count 0..67108864 (if unset: DEFAULT_N).
 * Data:   byte i = (i * 131 + (i >> 8) + 17) mod 256.
 * Output: "bytes N\nencoded E\nfnv1a64 <16 hex digits of FNV-1a 64 over the encoded
 *         text>\nroundtrip ok\n" (standard alphabet, '=' padding, no line breaks).
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of
 *         memory or the round trip does not give the payload back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_N 4194304u
#define MAX_N 67108864u

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const uint8_t *in, size_t n, char *out) {
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = ALPHABET[v >> 18];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = ALPHABET[(v >> 6) & 63];
        out[o++] = ALPHABET[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = ALPHABET[v >> 18];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = ALPHABET[v >> 18];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = ALPHABET[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}

/* Returns the decoded length, or (size_t)-1 on malformed input. */
static size_t decode(const char *in, size_t n, uint8_t *out) {
    int8_t rev[256];
    memset(rev, -1, sizeof rev);
    for (int k = 0; k < 64; k++) {
        rev[(uint8_t)ALPHABET[k]] = (int8_t)k;
    }
    if (n % 4 != 0) {
        return (size_t)-1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int pad = 0;
        if (i + 4 == n) {
            pad = (in[n - 1] == '=') + (in[n - 2] == '=');
        }
        int8_t a = rev[(uint8_t)in[i]], b = rev[(uint8_t)in[i + 1]];
        int8_t c = pad >= 2 ? 0 : rev[(uint8_t)in[i + 2]];
        int8_t d = pad >= 1 ? 0 : rev[(uint8_t)in[i + 3]];
        if ((a | b | c | d) < 0) {
            return (size_t)-1;
        }
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        if (pad < 2) {
            out[o++] = (uint8_t)(v >> 8);
        }
        if (pad < 1) {
            out[o++] = (uint8_t)v;
        }
    }
    return o;
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
        fprintf(stderr, "base64: INPUT must be a decimal byte count in 0..%u, got \"%s\"\n",
                MAX_N, input);
        return 2;
    }
    size_t enc_cap = ((size_t)n + 2) / 3 * 4;
    uint8_t *data = malloc(n + 1);
    char *text = malloc(enc_cap + 1);
    uint8_t *back = malloc(n + 3);
    if (data == NULL || text == NULL || back == NULL) {
        fputs("base64: out of memory\n", stderr);
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        data[i] = (uint8_t)(i * 131u + (i >> 8) + 17u);
    }
    size_t enc = encode(data, n, text);
    size_t dec = decode(text, enc, back);
    if (dec != n || memcmp(back, data, n) != 0) {
        fputs("base64: round trip failed\n", stderr);
        return 1;
    }
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < enc; i++) {
        h = (h ^ (uint8_t)text[i]) * UINT64_C(0x100000001b3);
    }
    printf("bytes %" PRIu32 "\nencoded %zu\nfnv1a64 %016" PRIx64 "\nroundtrip ok\n", n, enc, h);
    if (fflush(stdout) != 0) {
        perror("base64: writing stdout");
        return 1;
    }
    return 0;
}
