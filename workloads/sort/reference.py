#!/usr/bin/env python3
"""Reference for workload "sort": prints the expected stdout for INPUT (argv[1]).

N keys from xorshift32 (x ^= x << 13; x ^= x >> 17; x ^= x << 5; all mod 2^32; seed
2463534242), key k = x % (N / 2 + 1) (so about N/4.. duplicates). The modules sort them
(own code) and count them with their own hash table.
Output:
  n N
  distinct <number of distinct keys>
  min <k> max <k> median <sorted[N/2]>
  mode <most frequent key, smallest on ties> x<count>
  checksum <sum of sorted[i] * (i % 1000 + 1), mod 2^64>
"""
import collections
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
assert n >= 1
m = n // 2 + 1
x = 2463534242
keys = []
for _ in range(n):
    x ^= (x << 13) & 0xffffffff
    x ^= x >> 17
    x ^= (x << 5) & 0xffffffff
    keys.append(x % m)
keys.sort()
counts = collections.Counter(keys)
best = max(counts.values())
mode = min(k for k, c in counts.items() if c == best)
check = sum(k * (i % 1000 + 1) for i, k in enumerate(keys)) & 0xffffffffffffffff
sys.stdout.write(f"n {n}\ndistinct {len(counts)}\nmin {keys[0]} max {keys[-1]} median {keys[n // 2]}\n"
                 f"mode {mode} x{best}\nchecksum {check}\n")
