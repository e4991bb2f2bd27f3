#!/usr/bin/env python3
"""Reference for workload "lz": prints the expected stdout for INPUT (argv[1]).

Data: the "wordcount" text of INPUT words (see ../wordcount/reference.py).
Compressor (greedy LZ77, one hash-table slot per hash, no chains):
  hash(i) = ((d[i] | d[i+1] << 8 | d[i+2] << 16) * 2654435761 mod 2^32) >> 17   (15 bits)
  table: 32768 positions, initially empty.
  pos = 0; while pos < n:
    if pos + 4 <= n: cand = table[hash(pos)]; table[hash(pos)] = pos
      match if cand is set, pos - cand <= 65535, and the longest common prefix L of
      d[cand:] and d[pos:] (at most min(131, n - pos)) is >= 4
    match: flush pending literals; emit [0x80 | (L - 4), off & 255, off >> 8];
      table[hash(i)] = i for i in pos+1 .. pos+L-1 with i + 4 <= n; pos += L
    else: the byte at pos becomes a pending literal; pos += 1
  literals are flushed as runs of at most 128: [len - 1, bytes...]; also at the end.
Then decompress and compare.
Output: "input B bytes\ncompressed C bytes\nfnv1a64 <16 hex of the compressed stream>\nroundtrip ok\n"
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wordcount"))
from reference import generate  # noqa: E402


def h3(d, i):
    return (((d[i] | d[i + 1] << 8 | d[i + 2] << 16) * 2654435761) & 0xFFFFFFFF) >> 17


def compress(d):
    n = len(d)
    table = [-1] * 32768
    out = bytearray()
    lit = 0
    pos = 0

    def flush(end):
        nonlocal lit
        while lit < end:
            k = min(128, end - lit)
            out.append(k - 1)
            out.extend(d[lit:lit + k])
            lit += k

    while pos < n:
        L = 0
        if pos + 4 <= n:
            h = h3(d, pos)
            cand = table[h]
            table[h] = pos
            if cand >= 0 and pos - cand <= 65535:
                m = min(131, n - pos)
                while L < m and d[cand + L] == d[pos + L]:
                    L += 1
                if L < 4:
                    L = 0
        if L:
            flush(pos)
            off = pos - cand
            out += bytes([0x80 | (L - 4), off & 255, off >> 8])
            for i in range(pos + 1, pos + L):
                if i + 4 <= n:
                    table[h3(d, i)] = i
            pos += L
            lit = pos
        else:
            pos += 1
    flush(n)
    return bytes(out)


def decompress(c):
    out = bytearray()
    i = 0
    while i < len(c):
        t = c[i]
        if t < 0x80:
            out += c[i + 1:i + 2 + t]
            i += 2 + t
        else:
            L = (t & 0x7F) + 4
            off = c[i + 1] | c[i + 2] << 8
            for _ in range(L):
                out.append(out[-off])
            i += 3
    return bytes(out)


words = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
data = generate(words)
comp = compress(data)
assert decompress(comp) == data
h = 0xcbf29ce484222325
for b in comp:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
sys.stdout.write(f"input {len(data)} bytes\ncompressed {len(comp)} bytes\nfnv1a64 {h:016x}\nroundtrip ok\n")
