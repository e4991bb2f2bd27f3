/*
 * wasmbench workload "geoip" (C): a function whose initialisation dominates its request,
 * the kind that pre-initialisation (a Wizer snapshot) helps. At start-up it parses an
 * embedded 1.9 MB CSV of 60000 IPv4 ranges into a sorted table plus a /16 index; the
 * request then looks up a few addresses (microseconds).
 *
 * Data:   ranges.csv beside this file, embedded with #embed (generated deterministically,
 *         git-ignored: ../reference.py --generate): the line "start,end,country" then
 *         lines "<start>,<end>,<CC>" (dotted quads, CC two letters A-Z), in no order.
 * Init:   init() parses every line strictly (octets 0..255 without leading zeros, start <=
 *         end, every line ending in "\n"), sorts the ranges by start (own radix sort),
 *         rejects overlaps, builds the index idx[p] = first range whose end >= p << 16, and
 *         counts the distinct codes and the covered addresses. It reads no env, args,
 *         stdin or files (it runs inside the Wizer snapshot when pre-initialised).
 * Input:  env INPUT = 1..MAX_LOOKUPS IPv4 dotted quads separated by single commas, each
 *         octet a decimal 0..255 without leading zeros (if unset: DEFAULT_INPUT).
 * Output: per address, in INPUT order, "<ip> <CC> <start>-<end>\n" for the range that
 *         contains it or "<ip> -- not found\n"; then
 *         "lookups <k> found <f> ranges <n> countries <distinct codes> covered <addresses>\n"
 *         (workloads/geoip/reference.py).
 * Exit:   0 on success; 2 (message on stderr) on bad INPUT; 1 if the embedded data is
 *         malformed or memory runs out.
 *
 * Pre-initialisation (Wizer): the module exports "wizer-initialize" (constructors, then
 * init()) and "wizer.resume" (main without a second constructor run), which the
 * pre-initialiser renames to _start in the snapshot. The plain _start works unchanged:
 * main() runs init() itself when the snapshot did not.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_INPUT "8.8.8.8,1.1.1.1,9.9.9.9,151.101.1.140,203.0.113.7,192.168.1.1"
#define MAX_LOOKUPS 1000
#define HEADER "start,end,country\n"
#define MIN_LINE 19

/* #embed is C23; the build's default language mode (gnu17) accepts it as an extension. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wc23-extensions"
static const unsigned char csv[] = {
#embed "ranges.csv"
};
#pragma clang diagnostic pop

typedef struct {
    uint32_t start, end;
    char code[2];
} range;

static range *table;              /* sorted by start, no overlaps */
static size_t nranges;
static uint32_t idx[65537];       /* idx[p]: first range with end >= p << 16; idx[65536] = n */
static unsigned ncountries;
static uint64_t covered;
static int initialized;           /* set at the end of init() */

/* A dotted quad at *p followed by `stop`; *p moves past `stop`. 0 if malformed. The text
 * must end in a byte that is none of digit, '.' and `stop` (the CSV: '\n'; INPUT: its NUL),
 * so no scan runs past it. */
static int parse_quad(const unsigned char **p, unsigned char stop, uint32_t *out) {
    const unsigned char *q = *p;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned octet = (unsigned)*q - '0', d;
        if (octet > 9) {
            return 0;
        }
        q++;
        if (octet != 0 && (d = (unsigned)*q - '0') <= 9) {   /* no leading zeros */
            octet = octet * 10 + d;
            q++;
            if ((d = (unsigned)*q - '0') <= 9) {
                octet = octet * 10 + d;
                q++;
            }
        }
        if (octet > 255 || *q != (i < 3 ? '.' : stop)) {
            return 0;
        }
        q++;
        v = v << 8 | octet;
    }
    *p = q;
    *out = v;
    return 1;
}

static void out_of_memory(void) {
    fprintf(stderr, "geoip: out of memory\n");
    exit(1);
}

static void fail(size_t line, const char *why) {
    fprintf(stderr, "geoip: embedded ranges.csv line %zu: %s\n", line, why);
    exit(1);
}

/* LSD radix sort (4 passes of 8 bits, stable) of a[0..n) by start; tmp: scratch space. */
static void sort_ranges(range *a, range *tmp, size_t n) {
    size_t count[4][256] = {{0}};
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 4; b++) {
            count[b][a[i].start >> (8 * b) & 255]++;
        }
    }
    range *src = a, *dst = tmp;
    for (int b = 0; b < 4; b++) {
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = count[b][d];
            count[b][d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            dst[count[b][src[i].start >> (8 * b) & 255]++] = src[i];
        }
        range *t = src;
        src = dst;
        dst = t;
    }
    /* After an even number of passes the result is back in a. */
}

/* Parse the embedded data, build the table and the index. Never reads env, args, stdin
 * or files: under Wizer this runs before the snapshot is taken. */
static void init(void) {
    const unsigned char *p = csv, *end = csv + sizeof csv;
    if (sizeof csv < sizeof HEADER - 1 || end[-1] != '\n' || memcmp(p, HEADER, sizeof HEADER - 1) != 0) {
        fail(1, "no header line \"start,end,country\" or no final newline");
    }
    p += sizeof HEADER - 1;
    /* Every line has at least MIN_LINE bytes ("0.0.0.0,0.0.0.0,AA\n"): room for the most
     * lines the data can hold. The slack is never written, so it costs a Wizer snapshot
     * nothing (growing or shrinking with realloc would leave a stale copy behind). */
    size_t n = 0, cap = (size_t)(end - p) / MIN_LINE;
    if (p == end) {
        fail(2, "no data");
    }
    table = malloc((cap + 1) * sizeof *table);
    if (table == NULL) {
        out_of_memory();
    }
    for (; p < end; n++) {
        if (n == cap) {
            fail(n + 2, "line too short");
        }
        range *r = &table[n];
        /* Every line ends in '\n' (checked above): no scan runs past the data. */
        if (!parse_quad(&p, ',', &r->start) || !parse_quad(&p, ',', &r->end)) {
            fail(n + 2, "expected <start>,<end>, as dotted quads");
        }
        if (r->start > r->end) {
            fail(n + 2, "start after end");
        }
        if (end - p < 3 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z' || p[2] != '\n') {
            fail(n + 2, "expected a two-letter country code and the end of the line");
        }
        r->code[0] = (char)p[0];
        r->code[1] = (char)p[1];
        p += 3;
    }
    range *tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL) {
        out_of_memory();
    }
    sort_ranges(table, tmp, n);
    /* Zero the scratch before freeing it: its stale bytes would only bloat a Wizer snapshot
     * (the empty asm keeps the compiler from dropping the stores as dead). */
    memset(tmp, 0, n * sizeof *tmp);
    __asm__ volatile("" : : "r"(tmp) : "memory");
    free(tmp);

    static unsigned char seen[26 * 26];
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && table[i].start <= table[i - 1].end) {
            fprintf(stderr, "geoip: embedded ranges overlap at %" PRIu32 ".%" PRIu32 ".%" PRIu32
                            ".%" PRIu32 "\n", table[i].start >> 24, table[i].start >> 16 & 255,
                    table[i].start >> 8 & 255, table[i].start & 255);
            exit(1);
        }
        covered += (uint64_t)table[i].end - table[i].start + 1;
        unsigned c = (unsigned)(table[i].code[0] - 'A') * 26 + (unsigned)(table[i].code[1] - 'A');
        ncountries += !seen[c];
        seen[c] = 1;
    }
    size_t i = 0;
    for (uint32_t prefix = 0; prefix <= 65536; prefix++) {
        uint64_t first = (uint64_t)prefix << 16;
        while (i < n && table[i].end < first) {
            i++;
        }
        idx[prefix] = (uint32_t)i;
    }
    nranges = n;
    initialized = 1;
}

/* The range containing ip, or NULL. */
static const range *lookup(uint32_t ip) {
    size_t lo = idx[ip >> 16], hi = idx[(ip >> 16) + 1];   /* answer in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].end < ip) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < nranges && table[lo].start <= ip ? &table[lo] : NULL;
}

static void print_quad(uint32_t x) {
    printf("%" PRIu32 ".%" PRIu32 ".%" PRIu32 ".%" PRIu32, x >> 24, x >> 16 & 255, x >> 8 & 255,
           x & 255);
}

int main(void) {
    if (!initialized) init();
    const char *input = getenv("INPUT");
    if (input == NULL) {
        input = DEFAULT_INPUT;
    }
    static uint32_t ips[MAX_LOOKUPS];
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)input;
    for (;;) {
        /* One item: up to the next ',' or the end of the string, which parse_quad must
         * find right after the fourth octet. */
        const unsigned char *sep = p;
        while (*sep != ',' && *sep != '\0') {
            sep++;
        }
        if (k == MAX_LOOKUPS || !parse_quad(&p, *sep, &ips[k])) {
            fprintf(stderr, "geoip: INPUT must be 1..%d dotted quads (octets 0..255, no leading "
                            "zeros) separated by commas\n", MAX_LOOKUPS);
            return 2;
        }
        k++;
        if (*sep == '\0') {
            break;
        }
    }

    size_t found = 0;
    for (size_t i = 0; i < k; i++) {
        const range *r = lookup(ips[i]);
        print_quad(ips[i]);
        if (r == NULL) {
            printf(" -- not found\n");
            continue;
        }
        found++;
        printf(" %c%c ", r->code[0], r->code[1]);
        print_quad(r->start);
        putchar('-');
        print_quad(r->end);
        putchar('\n');
    }
    printf("lookups %zu found %zu ranges %zu countries %u covered %" PRIu64 "\n", k, found,
           nranges, ncountries, covered);
    return 0;
}

#ifdef __wasm__
void __wasm_call_ctors(void);

__attribute__((export_name("wizer-initialize"))) void wizer_initialize(void) {
    __wasm_call_ctors();      /* the snapshot carries the constructed state */
    init();
}

__attribute__((export_name("wizer.resume"))) void wizer_resume(void) {
    exit(main());             /* after the snapshot, _start is renamed to this: no second ctors run */
}
#endif
