/*
 * wasmbench workload "wordfreq" (C): word frequencies of a text FILE read through a
 * preopened directory (the manifest preopens wordfreq/files as `.`). Reading a file,
 * tokenizing, an own hash table and a small sort.
 *
 * Input:  env INPUT = the file's name inside the preopened directory (if unset:
 *         DEFAULT_FILE). The file is at most MAX_BYTES bytes.
 * Words:  maximal runs of ASCII letters, lower-cased; every other byte separates words.
 * Output: "bytes B\nlines L\nwords W\ndistinct D\n" then up to 10 lines "<count> <word>\n",
 *         count descending then word ascending (bytewise). (workloads/wordfreq/reference.py)
 * Exit:   0 on success; 2 (message on stderr) if INPUT names no readable file or the file
 *         is too large; 1 if out of memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FILE "corpus.txt"
#define MAX_BYTES (16u << 20)
#define TOP 10

typedef struct {
    const char *at; /* into the lower-cased text; NULL = free slot */
    uint32_t len;
    uint32_t count;
} slot;

/* The whole file, or NULL (message printed) with *status set. Read in growing chunks:
 * the buffer is never much larger than the file. */
static char *read_file(const char *name, size_t *len, int *status) {
    FILE *f = fopen(name, "rb");
    if (f == NULL) {
        fprintf(stderr, "wordfreq: cannot open %s\n", name);
        *status = 2;
        return NULL;
    }
    size_t cap = 1u << 16;
    char *buf = NULL;
    *len = 0;
    *status = 0;
    for (;;) {
        char *grown = realloc(buf, cap);
        if (grown == NULL) {
            *status = 1;
            break;
        }
        buf = grown;
        *len += fread(buf + *len, 1, cap - *len, f);
        if (*len < cap || cap > MAX_BYTES) {
            break;
        }
        cap *= 2;
    }
    if (*status == 0 && (ferror(f) || *len > MAX_BYTES)) {
        fprintf(stderr, "wordfreq: %s is unreadable or larger than %u bytes\n", name, MAX_BYTES);
        *status = 2;
    }
    fclose(f);
    if (*status != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static uint32_t hash(const char *w, uint32_t len) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    }
    return h;
}

/* Count one word in the table of `cap` slots (a power of two, never full). */
static int add(slot *table, uint32_t cap, const char *w, uint32_t len) {
    uint32_t i = hash(w, len) & (cap - 1);
    while (table[i].at != NULL) {
        if (table[i].len == len && memcmp(table[i].at, w, len) == 0) {
            table[i].count++;
            return 0;
        }
        i = (i + 1) & (cap - 1);
    }
    table[i] = (slot){w, len, 1};
    return 1;
}

/* a ranks before b: more frequent, then bytewise smaller (a prefix first). */
static int before(const slot *a, const slot *b) {
    if (a->count != b->count) {
        return a->count > b->count;
    }
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->at, b->at, n);
    return c != 0 ? c < 0 : a->len < b->len;
}

int main(void) {
    const char *name = getenv("INPUT");
    size_t len = 0;
    int status = 0;
    char *text = read_file(name != NULL ? name : DEFAULT_FILE, &len, &status);
    if (text == NULL) {
        return status;
    }
    uint32_t cap = 1024;
    while (cap < len / 2 + 16) {
        cap <<= 1;
    }
    slot *table = calloc(cap, sizeof *table);
    if (table == NULL) {
        return 1;
    }
    size_t lines = 0, words = 0, distinct = 0;
    for (size_t i = 0; i < len;) {
        char c = text[i];
        lines += c == '\n';
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z'))) {
            text[i] = (char)(text[i] | 0x20);
            i++;
        }
        words++;
        distinct += (size_t)add(table, cap, text + start, (uint32_t)(i - start));
    }
    slot top[TOP];
    size_t kept = 0;
    for (uint32_t s = 0; s < cap; s++) {
        if (table[s].at == NULL || (kept == TOP && !before(&table[s], &top[TOP - 1]))) {
            continue;
        }
        size_t j = kept < TOP ? kept++ : TOP - 1;
        for (; j > 0 && before(&table[s], &top[j - 1]); j--) {
            top[j] = top[j - 1];
        }
        top[j] = table[s];
    }
    printf("bytes %zu\nlines %zu\nwords %zu\ndistinct %zu\n", len, lines, words, distinct);
    for (size_t k = 0; k < kept; k++) {
        printf("%u %.*s\n", top[k].count, (int)top[k].len, top[k].at);
    }
    return 0;
}
