/*
 * wasmbench workload "lz" (C): compress a generated text with an LZ77 coder written
 * here (greedy, one hash slot per 3-byte hash), decompress it and compare. Hashing,
 * byte compares and copies: the "gzip the response" step of a function.
 *
 * Input:  env INPUT = W, a decimal word count 1..10000000 (if unset: DEFAULT_WORDS);
 *         the data is the "wordcount" text of W words (workloads/wordcount/c/main.c).
 * Format: literal run [len-1 (0..127), bytes...]; match [0x80 | (len-4), off & 255,
 *         off >> 8] with len 4..131, off 1..65535. Exact algorithm: ../reference.py.
 * Output: "input B bytes\ncompressed C bytes\nfnv1a64 <16 hex of the compressed
 *         stream>\nroundtrip ok\n"
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of memory
 *         or the round trip fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WORDS 300000u
#define MAX_WORDS 10000000u
#define HASH_BITS 15
#define MIN_MATCH 4
#define MAX_MATCH 131
#define MAX_OFFSET 65535

static const char SYL[8][3] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo"};

/* The "wordcount" text of `words` words; its length in *len. */
static uint8_t *generate(uint32_t words, size_t *len) {
    uint8_t *t = malloc((size_t)words * 10 + 1);
    if (t == NULL) {
        return NULL;
    }
    uint64_t x = UINT64_C(0x9E3779B97F4A7C15);
    size_t o = 0;
    int cap = 1;
    for (uint32_t k = 0; k < words; k++) {
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        uint32_t r = (uint32_t)(x >> 33);
        uint32_t idx = (r & 1023) & ((r >> 10) & 1023);
        size_t start = o;
        do {
            t[o++] = (uint8_t)SYL[idx & 7][0];
            t[o++] = (uint8_t)SYL[idx & 7][1];
            idx >>= 3;
        } while (idx != 0);
        if (cap) {
            t[start] = (uint8_t)(t[start] - 'a' + 'A');
        }
        uint32_t s = (r >> 20) & 15;
        if (s == 0 || k == words - 1) {
            t[o++] = '.';
            t[o++] = '\n';
            cap = 1;
        } else if (s == 1) {
            t[o++] = ',';
            t[o++] = ' ';
            cap = 0;
        } else {
            t[o++] = ' ';
            cap = 0;
        }
    }
    *len = o;
    return t;
}

static inline uint32_t hash3(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static int32_t table[1 << HASH_BITS];

static size_t flush_literals(const uint8_t *d, size_t from, size_t to, uint8_t *out, size_t o) {
    while (from < to) {
        size_t k = to - from < 128 ? to - from : 128;
        out[o++] = (uint8_t)(k - 1);
        memcpy(out + o, d + from, k);
        o += k;
        from += k;
    }
    return o;
}

/* out needs n + n / 128 + 1 bytes at most. */
static size_t compress(const uint8_t *d, size_t n, uint8_t *out) {
    memset(table, 0xff, sizeof table);
    size_t o = 0, lit = 0, pos = 0;
    while (pos < n) {
        size_t len = 0, cand = 0;
        if (pos + MIN_MATCH <= n) {
            uint32_t h = hash3(d + pos);
            int32_t c = table[h];
            table[h] = (int32_t)pos;
            if (c >= 0 && pos - (size_t)c <= MAX_OFFSET) {
                cand = (size_t)c;
                size_t max = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
                while (len < max && d[cand + len] == d[pos + len]) {
                    len++;
                }
                if (len < MIN_MATCH) {
                    len = 0;
                }
            }
        }
        if (len > 0) {
            o = flush_literals(d, lit, pos, out, o);
            size_t off = pos - cand;
            out[o++] = (uint8_t)(0x80 | (len - MIN_MATCH));
            out[o++] = (uint8_t)(off & 255);
            out[o++] = (uint8_t)(off >> 8);
            for (size_t i = pos + 1; i < pos + len; i++) {
                if (i + MIN_MATCH <= n) {
                    table[hash3(d + i)] = (int32_t)i;
                }
            }
            pos += len;
            lit = pos;
        } else {
            pos++;
        }
    }
    return flush_literals(d, lit, n, out, o);
}

/* Returns the decompressed length, or (size_t)-1 if the stream is malformed or > cap. */
static size_t decompress(const uint8_t *c, size_t n, uint8_t *out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t t = c[i++];
        if (t < 0x80) {
            size_t k = (size_t)t + 1;
            if (i + k > n || o + k > cap) {
                return (size_t)-1;
            }
            memcpy(out + o, c + i, k);
            i += k;
            o += k;
        } else {
            size_t len = (size_t)(t & 0x7f) + MIN_MATCH;
            if (i + 2 > n) {
                return (size_t)-1;
            }
            size_t off = (size_t)c[i] | (size_t)c[i + 1] << 8;
            i += 2;
            if (off == 0 || off > o || o + len > cap) {
                return (size_t)-1;
            }
            for (size_t k = 0; k < len; k++, o++) { /* may overlap: byte by byte */
                out[o] = out[o - off];
            }
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
    uint32_t words = DEFAULT_WORDS;
    const char *input = getenv("INPUT");
    if (input != NULL && (parse_u32(input, MAX_WORDS, &words) != 0 || words == 0)) {
        fprintf(stderr, "lz: INPUT must be a decimal word count in 1..%u, got \"%s\"\n",
                MAX_WORDS, input);
        return 2;
    }
    size_t n;
    uint8_t *data = generate(words, &n);
    uint8_t *comp = data == NULL ? NULL : malloc(n + n / 128 + 1);
    uint8_t *back = data == NULL ? NULL : malloc(n);
    if (data == NULL || comp == NULL || back == NULL) {
        fputs("lz: out of memory\n", stderr);
        return 1;
    }
    size_t clen = compress(data, n, comp);
    size_t blen = decompress(comp, clen, back, n);
    if (blen != n || memcmp(back, data, n) != 0) {
        fputs("lz: round trip failed\n", stderr);
        return 1;
    }
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < clen; i++) {
        h = (h ^ comp[i]) * UINT64_C(0x100000001b3);
    }
    printf("input %zu bytes\ncompressed %zu bytes\nfnv1a64 %016" PRIx64 "\nroundtrip ok\n",
           n, clen, h);
    if (fflush(stdout) != 0) {
        perror("lz: writing stdout");
        return 1;
    }
    return 0;
}
