/*
 * wasmbench workload "grayscale" (C): an image-thumbnail function. Build a binary PPM
 * (P6) in memory, parse it back, convert to 8-bit gray and box-downscale by 4 into a
 * PGM (P5). Byte-wise memory streaming with integer arithmetic.
 *
 * Input:  env INPUT = "<W>x<H>", each a decimal integer 1..8192 (if unset: 1920x1080).
 * Image:  pixel (x, y) = (r, g, b), r = (x + 2y) & 255, g = (3x ^ y) & 255,
 *         b = ((x*y) >> 4) & 255.
 * Gray:   v = (77r + 150g + 29b + 128) >> 8; output pixel = (sum of a 4x4 box + 8) >> 4,
 *         output size W/4 x H/4 (rounded down).
 * Output: "in WxH ppm <bytes>\nout wxh pgm <bytes>\nfnv1a64 <16 hex of the PGM file>\n"
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of memory
 *         or the generated image does not parse.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIM 8192u

/* Parses a decimal integer in 1..max at *s and advances *s; -1 on failure. */
static int parse_dim(const char **s, uint32_t max, uint32_t *out) {
    uint32_t v = 0;
    const char *p = *s;
    if (*p < '0' || *p > '9') {
        return -1;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        uint32_t d = (uint32_t)(*p - '0');
        if (v > (max - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    if (v == 0) {
        return -1;
    }
    *out = v;
    *s = p;
    return 0;
}

/* PPM header parser (P6, one whitespace byte between fields, maxval 255). */
static const uint8_t *parse_ppm(const uint8_t *buf, size_t len, uint32_t *w, uint32_t *h) {
    const char *p = (const char *)buf;
    if (len < 3 || memcmp(p, "P6\n", 3) != 0) {
        return NULL;
    }
    p += 3;
    if (parse_dim(&p, MAX_DIM, w) != 0 || *p++ != ' ' || parse_dim(&p, MAX_DIM, h) != 0 ||
        strncmp(p, "\n255\n", 5) != 0) {
        return NULL;
    }
    p += 5;
    const uint8_t *pix = (const uint8_t *)p;
    if ((size_t)(pix - buf) + (size_t)*w * *h * 3 != len) {
        return NULL;
    }
    return pix;
}

int main(void) {
    uint32_t W = 1920, H = 1080;
    const char *input = getenv("INPUT");
    if (input != NULL) {
        const char *p = input;
        if (parse_dim(&p, MAX_DIM, &W) != 0 || *p++ != 'x' || parse_dim(&p, MAX_DIM, &H) != 0 ||
            *p != '\0') {
            fprintf(stderr, "grayscale: INPUT must be <W>x<H> with each in 1..%u, got \"%s\"\n",
                    MAX_DIM, input);
            return 2;
        }
    }

    /* Encode the PPM. */
    char header[64];
    int hlen = snprintf(header, sizeof header, "P6\n%" PRIu32 " %" PRIu32 "\n255\n", W, H);
    size_t ppm_len = (size_t)hlen + (size_t)W * H * 3;
    uint8_t *ppm = malloc(ppm_len);
    if (ppm == NULL) {
        fputs("grayscale: out of memory\n", stderr);
        return 1;
    }
    memcpy(ppm, header, (size_t)hlen);
    uint8_t *q = ppm + hlen;
    for (uint32_t y = 0; y < H; y++) {
        for (uint32_t x = 0; x < W; x++) {
            *q++ = (uint8_t)(x + 2 * y);
            *q++ = (uint8_t)((3 * x) ^ y);
            *q++ = (uint8_t)((x * y) >> 4);
        }
    }

    /* Decode it again and convert to gray. */
    uint32_t iw, ih;
    const uint8_t *pix = parse_ppm(ppm, ppm_len, &iw, &ih);
    uint8_t *gray = malloc((size_t)W * H);
    if (pix == NULL || gray == NULL) {
        fputs(pix == NULL ? "grayscale: bad PPM\n" : "grayscale: out of memory\n", stderr);
        return 1;
    }
    for (size_t i = 0, n = (size_t)iw * ih; i < n; i++) {
        const uint8_t *px = pix + 3 * i;
        gray[i] = (uint8_t)((77u * px[0] + 150u * px[1] + 29u * px[2] + 128u) >> 8);
    }
    free(ppm);

    /* Box-downscale by 4 into a PGM. */
    uint32_t ow = iw / 4, oh = ih / 4;
    char pheader[64];
    int plen = snprintf(pheader, sizeof pheader, "P5\n%" PRIu32 " %" PRIu32 "\n255\n", ow, oh);
    size_t pgm_len = (size_t)plen + (size_t)ow * oh;
    uint8_t *pgm = malloc(pgm_len);
    if (pgm == NULL) {
        fputs("grayscale: out of memory\n", stderr);
        return 1;
    }
    memcpy(pgm, pheader, (size_t)plen);
    uint8_t *o = pgm + plen;
    for (uint32_t y = 0; y < oh; y++) {
        const uint8_t *r0 = gray + (size_t)(4 * y) * iw;
        for (uint32_t x = 0; x < ow; x++) {
            uint32_t s = 0;
            for (uint32_t dy = 0; dy < 4; dy++) {
                const uint8_t *r = r0 + (size_t)dy * iw + 4 * x;
                s += (uint32_t)r[0] + r[1] + r[2] + r[3];
            }
            *o++ = (uint8_t)((s + 8) >> 4);
        }
    }

    uint64_t hv = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < pgm_len; i++) {
        hv = (hv ^ pgm[i]) * UINT64_C(0x100000001b3);
    }
    printf("in %" PRIu32 "x%" PRIu32 " ppm %zu\nout %" PRIu32 "x%" PRIu32 " pgm %zu\nfnv1a64 %016" PRIx64
           "\n", iw, ih, ppm_len, ow, oh, pgm_len, hv);
    if (fflush(stdout) != 0) {
        perror("grayscale: writing stdout");
        return 1;
    }
    return 0;
}
