#!/usr/bin/env python3
"""Reference for workload "matmul": prints the expected stdout for INPUT (argv[1]).

A and B are n x n f64 matrices with A[i][j] = ((i*3 + j*5) % 7 - 3) / 4 and
B[i][j] = ((i*5 + j*2) % 9 - 4) / 8. C = A x B. Every entry of A and B is a multiple of
1/8 with at most 3 significant bits, so every product and every partial sum is exact in
f64 (|sums| < 2^40 / 32): the result does not depend on summation order or FMA.
Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n" where trace = sum C[i][i] and
checksum = sum_{i,j} C[i][j] * ((i + 2*j) % 5 + 1); both printed times 32 (exact integers).
Integers here: a = 4*A, b = 8*B, so C*32 = sum a*b.
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
a = [[(i * 3 + j * 5) % 7 - 3 for j in range(n)] for i in range(n)]
b = [[(i * 5 + j * 2) % 9 - 4 for j in range(n)] for i in range(n)]
bt = list(zip(*b))
trace = 0
check = 0
for i in range(n):
    ai = a[i]
    for j in range(n):
        c = sum(x * y for x, y in zip(ai, bt[j]))
        if i == j:
            trace += c
        check += c * ((i + 2 * j) % 5 + 1)
sys.stdout.write(f"n {n}\ntrace*32 {trace}\nchecksum*32 {check}\n")
