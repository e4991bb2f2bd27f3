/*
 * wasmbench workload "wordcount" (C): text statistics without regexes: generate a
 * text of W words, tokenize it (runs of ASCII letters, lower-cased), count words in an
 * own hash table and print the top 10. String handling + hashing + a small sort.
 *
 * Input:  env INPUT = W, a decimal word count 1..10000000 (if unset: DEFAULT_WORDS).
 * Text:   64-bit LCG x = x * 6364136223846793005 + 1442695040888963407, x0 =
 *         0x9E3779B97F4A7C15, r = x >> 33 per word; idx = (r & 1023) & ((r >> 10) & 1023);
 *         word = SYL[idx & 7], SYL[(idx >> 3) & 7], ... while idx > 0 ("ka" for 0);
 *         capitalised at a sentence start; followed by ".\n" if (r >> 20) & 15 == 0 or
 *         last word, ", " if it is 1, else " ". (workloads/wordcount/reference.py)
 * Output: "bytes B\nlines L\nwords W\ndistinct D\n" then up to 10 lines "<count> <word>\n",
 *         count descending then word ascending.
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WORDS 300000u
#define MAX_WORDS 10000000u
#define TOP 10

static const char SYL[8][3] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo"};

/* The text of `words` words; its length in *len. Each word is at most 8 bytes + 2. */
static char *generate(uint32_t words, size_t *len) {
    char *t = malloc((size_t)words * 10 + 1);
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
            t[o++] = SYL[idx & 7][0];
            t[o++] = SYL[idx & 7][1];
            idx >>= 3;
        } while (idx != 0);
        if (cap) {
            t[start] = (char)(t[start] - 'a' + 'A');
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

typedef struct {
    const char *word; /* points into the lower-cased text; NULL = empty slot */
    uint32_t len;
    uint32_t count;
} entry;

static int is_letter(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Orders by count descending, then word ascending (bytewise, shorter first on a tie). */
static int better(const entry *a, const entry *b) {
    if (a->count != b->count) {
        return a->count > b->count;
    }
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->word, b->word, n);
    return c != 0 ? c < 0 : a->len < b->len;
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
        fprintf(stderr, "wordcount: INPUT must be a decimal word count in 1..%u, got \"%s\"\n",
                MAX_WORDS, input);
        return 2;
    }
    size_t len;
    char *text = generate(words, &len);
    size_t cap = 1024;
    entry *table = calloc(cap, sizeof *table);
    if (text == NULL || table == NULL) {
        fputs("wordcount: out of memory\n", stderr);
        return 1;
    }

    size_t lines = 0, total = 0, distinct = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (!is_letter(c)) {
            lines += c == '\n';
            i++;
            continue;
        }
        size_t start = i;
        uint32_t h = 2166136261u;
        while (i < len && is_letter((unsigned char)text[i])) {
            char lc = text[i] | 0x20; /* ASCII letters only: set the lower-case bit */
            text[i] = lc;
            h = (h ^ (unsigned char)lc) * 16777619u;
            i++;
        }
        uint32_t wlen = (uint32_t)(i - start);
        total++;
        if ((distinct + 1) * 2 > cap) { /* grow at load factor 1/2 */
            size_t ncap = cap * 2;
            entry *nt = calloc(ncap, sizeof *nt);
            if (nt == NULL) {
                fputs("wordcount: out of memory\n", stderr);
                return 1;
            }
            for (size_t k = 0; k < cap; k++) {
                if (table[k].word != NULL) {
                    uint32_t hh = 2166136261u;
                    for (uint32_t q = 0; q < table[k].len; q++) {
                        hh = (hh ^ (unsigned char)table[k].word[q]) * 16777619u;
                    }
                    size_t p = hh & (ncap - 1);
                    while (nt[p].word != NULL) {
                        p = (p + 1) & (ncap - 1);
                    }
                    nt[p] = table[k];
                }
            }
            free(table);
            table = nt;
            cap = ncap;
        }
        size_t p = h & (cap - 1);
        while (table[p].word != NULL &&
               (table[p].len != wlen || memcmp(table[p].word, text + start, wlen) != 0)) {
            p = (p + 1) & (cap - 1);
        }
        if (table[p].word == NULL) {
            table[p].word = text + start;
            table[p].len = wlen;
            distinct++;
        }
        table[p].count++;
    }

    /* Top 10 by a bounded insertion into a small sorted array. */
    entry top[TOP];
    int ntop = 0;
    for (size_t k = 0; k < cap; k++) {
        if (table[k].word == NULL) {
            continue;
        }
        if (ntop == TOP && !better(&table[k], &top[TOP - 1])) {
            continue;
        }
        int j = ntop < TOP ? ntop++ : TOP - 1;
        while (j > 0 && better(&table[k], &top[j - 1])) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = table[k];
    }

    printf("bytes %zu\nlines %zu\nwords %zu\ndistinct %zu\n", len, lines, total, distinct);
    for (int k = 0; k < ntop; k++) {
        printf("%" PRIu32 " %.*s\n", top[k].count, (int)top[k].len, top[k].word);
    }
    if (fflush(stdout) != 0) {
        perror("wordcount: writing stdout");
        return 1;
    }
    return 0;
}
