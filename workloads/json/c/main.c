/*
 * wasmbench workload "json" (C): an HTTP-style JSON handler. Read a JSON request (an
 * order with ~2000 line items) from stdin, parse it into a tree with a parser written
 * here (no library), compute totals, the top 3 lines and tag counts, and write a JSON
 * response. Parsing, string unescaping (UTF-16 surrogates included), escaping, sorting.
 *
 * Input:  stdin = the request (workloads/json/input.stdin);
 *         env INPUT = tax rate in basis points, a decimal integer 0..10000 (if unset: 825).
 * Output: one line of compact JSON, then "\n"; exact rules in workloads/json/reference.py.
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid or the request is not
 *         valid JSON of the expected shape; 1 if out of memory or reading/writing fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BP 825u
#define MAX_BP 10000u
#define MAX_DEPTH 64

enum kind { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

typedef struct jvalue {
    enum kind kind;
    int is_int;            /* J_NUMBER: no fraction or exponent, fits int64 */
    int64_t i;             /* J_NUMBER with is_int */
    const char *s;         /* J_STRING: decoded UTF-8 (not NUL-terminated) */
    size_t len;
    const char *key;       /* member of an object: its decoded key */
    size_t key_len;
    struct jvalue *first;  /* J_ARRAY / J_OBJECT: children */
    struct jvalue *next;   /* next sibling */
} jvalue;

typedef struct {
    const char *p, *end;
    char *strbuf; /* decoded strings are written here (never longer than the input) */
    const char *err;
} parser;

static void die(const char *msg) {
    fprintf(stderr, "json: %s\n", msg);
    exit(2);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (p == NULL) {
        fputs("json: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* Values come from a simple bump allocator in chunks. */
static jvalue *pool;
static size_t pool_left;
static jvalue *new_value(enum kind k) {
    if (pool_left == 0) {
        pool = xmalloc(4096 * sizeof *pool);
        pool_left = 4096;
    }
    pool_left--;
    jvalue *v = pool++;
    memset(v, 0, sizeof *v);
    v->kind = k;
    return v;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static int hex4(parser *ps, uint32_t *out) {
    if (ps->end - ps->p < 4) {
        return -1;
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t)(c - 'A' + 10);
        } else {
            return -1;
        }
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xc0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | cp >> 12);
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (char)(0xf0 | cp >> 18);
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    }
    return o;
}

/* Parses a string at ps->p (which is at '"'); the decoded bytes go to strbuf. */
static int parse_string(parser *ps, const char **s, size_t *len) {
    ps->p++; /* '"' */
    char *start = ps->strbuf, *o = ps->strbuf;
    for (;;) {
        if (ps->p >= ps->end) {
            ps->err = "unterminated string";
            return -1;
        }
        unsigned char c = (unsigned char)*ps->p++;
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            ps->err = "control character in string";
            return -1;
        }
        if (c != '\\') {
            *o++ = (char)c;
            continue;
        }
        if (ps->p >= ps->end) {
            ps->err = "unterminated escape";
            return -1;
        }
        char e = *ps->p++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (hex4(ps, &cp) != 0) {
                ps->err = "bad \\u escape";
                return -1;
            }
            if (cp >= 0xd800 && cp < 0xdc00) {
                uint32_t lo;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    ps->err = "lone high surrogate";
                    return -1;
                }
                ps->p += 2;
                if (hex4(ps, &lo) != 0 || lo < 0xdc00 || lo >= 0xe000) {
                    ps->err = "bad low surrogate";
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                ps->err = "lone low surrogate";
                return -1;
            }
            o = put_utf8(o, cp);
            break;
        }
        default:
            ps->err = "bad escape";
            return -1;
        }
    }
    *s = start;
    *len = (size_t)(o - start);
    ps->strbuf = o;
    return 0;
}

static int parse_number(parser *ps, jvalue *v) {
    const char *p = ps->p;
    int neg = 0, is_int = 1;
    uint64_t mag = 0;
    if (p < ps->end && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= ps->end || *p < '0' || *p > '9') {
        ps->err = "bad number";
        return -1;
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < ps->end && *p >= '0' && *p <= '9') {
            if (mag > (UINT64_C(1) << 62)) {
                is_int = 0; /* too big for the integers we need: keep it as a number only */
            }
            mag = mag * 10 + (uint64_t)(*p - '0');
            p++;
        }
    }
    if (p < ps->end && *p == '.') {
        is_int = 0;
        p++;
        if (p >= ps->end || *p < '0' || *p > '9') {
            ps->err = "bad fraction";
            return -1;
        }
        while (p < ps->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        is_int = 0;
        p++;
        if (p < ps->end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= ps->end || *p < '0' || *p > '9') {
            ps->err = "bad exponent";
            return -1;
        }
        while (p < ps->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    v->is_int = is_int;
    v->i = neg ? -(int64_t)mag : (int64_t)mag;
    ps->p = p;
    return 0;
}

static int literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        ps->err = "bad literal";
        return -1;
    }
    ps->p += n;
    return 0;
}

static jvalue *parse_value(parser *ps, int depth) {
    if (depth > MAX_DEPTH) {
        ps->err = "nested too deeply";
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        ps->err = "unexpected end of input";
        return NULL;
    }
    jvalue *v;
    switch (*ps->p) {
    case 'n': v = new_value(J_NULL); return literal(ps, "null") ? NULL : v;
    case 't': v = new_value(J_TRUE); return literal(ps, "true") ? NULL : v;
    case 'f': v = new_value(J_FALSE); return literal(ps, "false") ? NULL : v;
    case '"':
        v = new_value(J_STRING);
        return parse_string(ps, &v->s, &v->len) ? NULL : v;
    case '[':
    case '{': {
        int obj = *ps->p == '{';
        char close = obj ? '}' : ']';
        v = new_value(obj ? J_OBJECT : J_ARRAY);
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return v;
        }
        jvalue **tail = &v->first;
        for (;;) {
            const char *key = NULL;
            size_t key_len = 0;
            if (obj) {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"') {
                    ps->err = "expected a member name";
                    return NULL;
                }
                if (parse_string(ps, &key, &key_len)) {
                    return NULL;
                }
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    ps->err = "expected ':'";
                    return NULL;
                }
                ps->p++;
            }
            jvalue *child = parse_value(ps, depth + 1);
            if (child == NULL) {
                return NULL;
            }
            child->key = key;
            child->key_len = key_len;
            *tail = child;
            tail = &child->next;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return v;
            }
            ps->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
            return NULL;
        }
    }
    default:
        v = new_value(J_NUMBER);
        return parse_number(ps, v) ? NULL : v;
    }
}

/* Member `key` of object v with the given kind, or exit 2. */
static const jvalue *get(const jvalue *v, const char *key, enum kind kind) {
    size_t n = strlen(key);
    if (v->kind == J_OBJECT) {
        for (const jvalue *c = v->first; c != NULL; c = c->next) {
            if (c->key_len == n && memcmp(c->key, key, n) == 0) {
                if (c->kind != kind) {
                    break;
                }
                return c;
            }
        }
    }
    fprintf(stderr, "json: request has no member \"%s\" of the expected type\n", key);
    exit(2);
}

/* --- output ---------------------------------------------------------------------------- */
static char *out;
static size_t out_len, out_cap;

static void emit(const char *s, size_t n) {
    if (out_len + n > out_cap) {
        while (out_len + n > out_cap) {
            out_cap = out_cap ? out_cap * 2 : 4096;
        }
        char *bigger = realloc(out, out_cap);
        if (bigger == NULL) {
            fputs("json: out of memory\n", stderr);
            exit(1);
        }
        out = bigger;
    }
    memcpy(out + out_len, s, n);
    out_len += n;
}
static void emits(const char *s) { emit(s, strlen(s)); }
static void emit_int(int64_t v) {
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRId64, v);
    emit(b, (size_t)n);
}
static void emit_str(const char *s, size_t n) {
    emit("\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\b') esc = "\\b";
        else if (c == '\f') esc = "\\f";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20) {
            snprintf(u, sizeof u, "\\u%04x", c);
            esc = u;
        }
        if (esc != NULL) {
            emit(s + run, i - run);
            emits(esc);
            run = i + 1;
        }
    }
    emit(s + run, n - run);
    emit("\"", 1);
}

/* --- the handler ------------------------------------------------------------------------- */
typedef struct {
    int64_t total;
    const jvalue *sku, *name;
} line;

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    return c != 0 ? c : (an > bn) - (an < bn);
}

/* Ranks line a before b: larger total first, then smaller sku. */
static int line_before(const line *a, const line *b) {
    if (a->total != b->total) {
        return a->total > b->total;
    }
    return bytes_cmp(a->sku->s, a->sku->len, b->sku->s, b->sku->len) < 0;
}

typedef struct {
    const char *s;
    size_t len;
    int64_t count;
} tag;

static int tag_cmp(const void *a, const void *b) {
    const tag *x = a, *y = b;
    return bytes_cmp(x->s, x->len, y->s, y->len);
}

/* Strict decimal parse: digits only, no sign, no spaces, value <= max. */
static int parse_u32(const char *s, uint32_t max, uint32_t *v_out) {
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
    *v_out = v;
    return 0;
}

int main(void) {
    uint32_t bp = DEFAULT_BP;
    const char *input = getenv("INPUT");
    if (input != NULL && parse_u32(input, MAX_BP, &bp) != 0) {
        fprintf(stderr, "json: INPUT must be a tax rate in basis points 0..%u, got \"%s\"\n",
                MAX_BP, input);
        return 2;
    }

    /* Slurp stdin. */
    size_t cap = 1 << 16, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                fputs("json: out of memory\n", stderr);
                return 1;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
        if (n < 0) {
            perror("json: reading stdin");
            return 1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }

    parser ps = {buf, buf + len, xmalloc(len + 1), NULL};
    jvalue *req = parse_value(&ps, 0);
    if (req != NULL) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            ps.err = "trailing characters after the request";
            req = NULL;
        }
    }
    if (req == NULL) {
        fprintf(stderr, "json: invalid request at byte %zu: %s\n", (size_t)(ps.p - buf), ps.err);
        return 2;
    }

    const jvalue *id = get(req, "id", J_STRING);
    const jvalue *body = get(req, "body", J_OBJECT);
    const jvalue *cname = get(get(body, "customer", J_OBJECT), "name", J_STRING);
    const jvalue *currency = get(body, "currency", J_STRING);
    const jvalue *items = get(body, "items", J_ARRAY);
    const jvalue *note = get(body, "note", J_STRING);

    int64_t lines = 0, units = 0, subtotal = 0;
    line top[3];
    int ntop = 0;
    size_t tags_cap = 16, ntags = 0;
    tag *tags = xmalloc(tags_cap * sizeof *tags);
    for (const jvalue *it = items->first; it != NULL; it = it->next) {
        const jvalue *qty = get(it, "qty", J_NUMBER), *price = get(it, "unit_price", J_NUMBER);
        if (!qty->is_int || !price->is_int || qty->i < 0 || price->i < 0 ||
            qty->i > 1000000000 || price->i > 1000000000) {
            die("qty and unit_price must be integers in 0..1e9");
        }
        line l = {qty->i * price->i, get(it, "sku", J_STRING), get(it, "name", J_STRING)};
        lines++;
        units += qty->i;
        subtotal += l.total;
        if (ntop < 3 || line_before(&l, &top[2])) {
            int j = ntop < 3 ? ntop++ : 2;
            while (j > 0 && line_before(&l, &top[j - 1])) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = l;
        }
        for (const jvalue *t = get(it, "tags", J_ARRAY)->first; t != NULL; t = t->next) {
            if (t->kind != J_STRING) {
                die("tags must be strings");
            }
            size_t k = 0;
            while (k < ntags && bytes_cmp(tags[k].s, tags[k].len, t->s, t->len) != 0) {
                k++;
            }
            if (k == ntags) {
                if (ntags == tags_cap) {
                    tags_cap *= 2;
                    tag *bigger = realloc(tags, tags_cap * sizeof *tags);
                    if (bigger == NULL) {
                        fputs("json: out of memory\n", stderr);
                        return 1;
                    }
                    tags = bigger;
                }
                tags[ntags++] = (tag){t->s, t->len, 0};
            }
            tags[k].count++;
        }
    }
    qsort(tags, ntags, sizeof *tags, tag_cmp);
    int64_t tax = (subtotal * (int64_t)bp + 5000) / 10000;

    emits("{\"status\":201,\"request_id\":");
    emit_str(id->s, id->len);
    emits(",\"customer\":");
    emit_str(cname->s, cname->len);
    emits(",\"currency\":");
    emit_str(currency->s, currency->len);
    emits(",\"lines\":");
    emit_int(lines);
    emits(",\"units\":");
    emit_int(units);
    emits(",\"subtotal\":");
    emit_int(subtotal);
    emits(",\"tax\":");
    emit_int(tax);
    emits(",\"total\":");
    emit_int(subtotal + tax);
    emits(",\"top\":[");
    for (int k = 0; k < ntop; k++) {
        emits(k ? ",{\"sku\":" : "{\"sku\":");
        emit_str(top[k].sku->s, top[k].sku->len);
        emits(",\"name\":");
        emit_str(top[k].name->s, top[k].name->len);
        emits(",\"line_total\":");
        emit_int(top[k].total);
        emits("}");
    }
    emits("],\"tags\":[");
    for (size_t k = 0; k < ntags; k++) {
        emits(k ? ",{\"tag\":" : "{\"tag\":");
        emit_str(tags[k].s, tags[k].len);
        emits(",\"count\":");
        emit_int(tags[k].count);
        emits("}");
    }
    emits("],\"note\":");
    emit_str(note->s, note->len);
    emits("}\n");

    if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
        perror("json: writing stdout");
        return 1;
    }
    return 0;
}
