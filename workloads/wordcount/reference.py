#!/usr/bin/env python3
"""Reference for workload "wordcount": prints the expected stdout for INPUT (argv[1]).

Text: INPUT = number of words W. A 64-bit LCG (x = x * 6364136223846793005 +
1442695040888963407 mod 2^64, x0 = 0x9E3779B97F4A7C15) gives r = x >> 33 per word:
  idx = (r & 1023) & ((r >> 10) & 1023)          (low bit counts: a Zipf-like skew)
  word = syllables SYL[idx & 7], SYL[(idx >> 3) & 7], ... while idx > 0 (idx 0 -> "ka")
  capitalised (first letter upper case) if it starts a sentence (first word, or after ".\n")
  followed by ".\n" if (r >> 20) & 15 == 0 or it is the last word, ", " if it is 1, else " ".
Stats (no regex): words = maximal runs of ASCII letters, lower-cased.
Output: "bytes B\nlines L\nwords W\ndistinct D\n" then the 10 most frequent words as
"<count> <word>\n" (count descending, then word ascending).
"""
import collections
import sys

SYL = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo"]


def generate(words):
    x = 0x9E3779B97F4A7C15
    out = []
    cap = True
    for k in range(words):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        r = x >> 33
        idx = (r & 1023) & ((r >> 10) & 1023)
        w = ""
        while True:
            w += SYL[idx & 7]
            idx >>= 3
            if idx == 0:
                break
        if cap:
            w = w[0].upper() + w[1:]
        s = (r >> 20) & 15
        if s == 0 or k == words - 1:
            sep = ".\n"
        elif s == 1:
            sep = ", "
        else:
            sep = " "
        cap = sep == ".\n"
        out.append(w + sep)
    return "".join(out).encode()


if __name__ == "__main__":
    words = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    text = generate(words)
    tokens = []
    cur = []
    for b in text.decode():
        if b.isascii() and b.isalpha():
            cur.append(b.lower())
        elif cur:
            tokens.append("".join(cur))
            cur = []
    if cur:
        tokens.append("".join(cur))
    counts = collections.Counter(tokens)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    lines = text.count(b"\n")
    out = f"bytes {len(text)}\nlines {lines}\nwords {len(tokens)}\ndistinct {len(counts)}\n"
    out += "".join(f"{c} {w}\n" for w, c in top)
    sys.stdout.write(out)
