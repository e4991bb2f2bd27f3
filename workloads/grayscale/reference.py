#!/usr/bin/env python3
"""Reference for workload "grayscale": prints the expected stdout for INPUT (argv[1]).

INPUT = "<W>x<H>" (1..8192 each). The module builds a binary PPM (P6) in memory:
"P6\n<W> <H>\n255\n" + pixels, pixel (x, y) = (r, g, b) with
  r = (x + 2*y) & 255,  g = ((3*x) ^ y) & 255,  b = ((x*y) >> 4) & 255,
then parses it back, converts it to gray  v = (77*r + 150*g + 29*b + 128) >> 8,
and box-downscales by 4 (w = W/4, h = H/4, rounded down; each output pixel is
(sum of its 16 gray pixels + 8) >> 4) into a PGM (P5) "P5\n<w> <h>\n255\n" + pixels.
Output: "in WxH ppm <bytes>\nout wxh pgm <bytes>\nfnv1a64 <16 hex of the PGM file>\n"
"""
import sys

spec = sys.argv[1] if len(sys.argv) > 1 else "1920x1080"
W, H = (int(v) for v in spec.split("x"))
gray = [[(77 * ((x + 2 * y) & 255) + 150 * (((3 * x) ^ y) & 255) + 29 * (((x * y) >> 4) & 255) + 128) >> 8
         for x in range(W)] for y in range(H)]
w, h = W // 4, H // 4
pix = bytearray()
for oy in range(h):
    rows = gray[4 * oy:4 * oy + 4]
    for ox in range(w):
        s = sum(row[4 * ox + k] for row in rows for k in range(4))
        pix.append((s + 8) >> 4)
pgm = f"P5\n{w} {h}\n255\n".encode() + bytes(pix)
ppm_len = len(f"P6\n{W} {H}\n255\n") + 3 * W * H
hv = 0xcbf29ce484222325
for b in pgm:
    hv = ((hv ^ b) * 0x100000001b3) & 0xffffffffffffffff
sys.stdout.write(f"in {W}x{H} ppm {ppm_len}\nout {w}x{h} pgm {len(pgm)}\nfnv1a64 {hv:016x}\n")
