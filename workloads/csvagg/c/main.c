/*
 * wasmbench workload "csvagg" (C): an aggregation over a CSV data FILE read through a
 * preopened directory (the manifest preopens csvagg/files as `.`): strict parsing of
 * decimal fields, grouping by a key, exact integer sums, a top-3 ranking.
 *
 * Input:  env INPUT = the file's name inside the preopened directory (if unset:
 *         DEFAULT_FILE), at most MAX_BYTES bytes: the header line
 *         "order_id,region,product,quantity,unit_cents" then rows of a decimal order id,
 *         a region and a product (1..31 bytes of [a-z0-9-]), a quantity 1..1000000 and a
 *         unit price in cents 0..100000000, every line ending in "\n".
 * Output: "rows N\n", then per region in bytewise order
 *         "<region> orders <n> quantity <q> revenue <cents>\n" (revenue = sum of
 *         quantity * unit_cents), then "total revenue <cents>\n" and the 3 products with the
 *         most revenue (ties: name ascending) as "top <product> <cents>\n".
 *         (workloads/csvagg/reference.py)
 * Exit:   0 on success; 2 (message on stderr naming the line) on a malformed file, or if
 *         INPUT names no readable file; 1 if out of memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FILE "orders.csv"
#define MAX_BYTES (16u << 20)
#define MAX_KEYS 256
#define HEADER "order_id,region,product,quantity,unit_cents\n"

typedef struct {
    char name[32];
    uint64_t orders, quantity, revenue;
} group;

typedef struct {
    group g[MAX_KEYS];
    size_t n;
} groups;

static groups regions, products;

static group *find(groups *gs, const char *name, size_t len) {
    for (size_t i = 0; i < gs->n; i++) {
        if (strlen(gs->g[i].name) == len && memcmp(gs->g[i].name, name, len) == 0) {
            return &gs->g[i];
        }
    }
    if (gs->n == MAX_KEYS) {
        return NULL;
    }
    group *g = &gs->g[gs->n++];
    memcpy(g->name, name, len);
    g->name[len] = '\0';
    return g;
}

/* A field up to `stop` at *p: its start and length; *p moves past the separator. */
static int field(const char **p, const char *end, char stop, const char **at, size_t *len) {
    const char *q = *p;
    while (q < end && *q != stop && *q != ',' && *q != '\n') {
        q++;
    }
    if (q == end || *q != stop) {
        return 0;
    }
    *at = *p;
    *len = (size_t)(q - *p);
    *p = q + 1;
    return 1;
}

static int number(const char *s, size_t len, uint64_t max, uint64_t *out) {
    uint64_t v = 0;
    if (len == 0 || len > 12) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return v <= max;
}

static int name_ok(const char *s, size_t len) {
    if (len == 0 || len > 31) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) {
            return 0;
        }
    }
    return 1;
}

/* One data line at *p; 0 when it is malformed. */
static int row(const char **p, const char *end) {
    const char *f[5];
    size_t l[5];
    uint64_t id, quantity, cents;
    for (int i = 0; i < 5; i++) {
        if (!field(p, end, i < 4 ? ',' : '\n', &f[i], &l[i])) {
            return 0;
        }
    }
    if (!number(f[0], l[0], UINT64_C(999999999999), &id) || !name_ok(f[1], l[1]) || !name_ok(f[2], l[2]) ||
        !number(f[3], l[3], 1000000, &quantity) || quantity == 0 || !number(f[4], l[4], 100000000, &cents)) {
        return 0;
    }
    group *r = find(&regions, f[1], l[1]), *q = find(&products, f[2], l[2]);
    if (r == NULL || q == NULL) {
        return 0;
    }
    r->orders++, q->orders++;
    r->quantity += quantity, q->quantity += quantity;
    r->revenue += quantity * cents, q->revenue += quantity * cents;
    return 1;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const group *)a)->name, ((const group *)b)->name);
}

static int by_revenue(const void *a, const void *b) {
    const group *x = a, *y = b;
    if (x->revenue != y->revenue) {
        return x->revenue > y->revenue ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

/* The whole file, or NULL (message printed). Read in growing chunks: the buffer is never
 * much larger than the file. */
static char *read_file(const char *name, size_t *len) {
    FILE *f = fopen(name, "rb");
    char *buf = NULL;
    size_t cap = 1u << 16;
    *len = 0;
    while (f != NULL && cap <= 2 * MAX_BYTES) {
        char *grown = realloc(buf, cap);
        if (grown == NULL) {
            break;
        }
        buf = grown;
        *len += fread(buf + *len, 1, cap - *len, f);
        if (*len < cap) {
            break;
        }
        cap *= 2;
    }
    if (f == NULL || buf == NULL || ferror(f) || *len >= cap || *len > MAX_BYTES) {
        fprintf(stderr, "csvagg: cannot read %s (or larger than %u bytes)\n", name, MAX_BYTES);
        free(buf);
        buf = NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return buf;
}

int main(void) {
    const char *name = getenv("INPUT");
    name = name != NULL ? name : DEFAULT_FILE;
    size_t len;
    char *text = read_file(name, &len);
    if (text == NULL) {
        return 2;
    }
    const char *p = text, *end = text + len;
    if (len < strlen(HEADER) || memcmp(text, HEADER, strlen(HEADER)) != 0) {
        fprintf(stderr, "csvagg: %s line 1: expected the header %s", name, HEADER);
        return 2;
    }
    p += strlen(HEADER);
    uint64_t rows = 0, total = 0;
    while (p < end) {
        if (!row(&p, end)) {
            fprintf(stderr, "csvagg: %s line %" PRIu64 ": malformed row\n", name, rows + 2);
            return 2;
        }
        rows++;
    }
    qsort(regions.g, regions.n, sizeof(group), by_name);
    qsort(products.g, products.n, sizeof(group), by_revenue);
    printf("rows %" PRIu64 "\n", rows);
    for (size_t i = 0; i < regions.n; i++) {
        const group *g = &regions.g[i];
        printf("%s orders %" PRIu64 " quantity %" PRIu64 " revenue %" PRIu64 "\n", g->name, g->orders, g->quantity, g->revenue);
        total += g->revenue;
    }
    printf("total revenue %" PRIu64 "\n", total);
    for (size_t i = 0; i < products.n && i < 3; i++) {
        printf("top %s %" PRIu64 "\n", products.g[i].name, products.g[i].revenue);
    }
    return 0;
}
