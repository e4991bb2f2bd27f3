#!/usr/bin/env python3
"""Reference for workload "base64": prints the expected stdout for INPUT (argv[1]).

Payload: N bytes, byte i = (i * 131 + (i >> 8) + 17) mod 256. Encode it with standard
base64 (RFC 4648, '+/', '=' padding, no line breaks), decode it back, check equality.
Output: "bytes N\nencoded E\nfnv1a64 <16 hex of FNV-1a 64 over the encoded text>\nroundtrip ok\n"
"""
import base64
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4194304
data = bytes(((i * 131 + (i >> 8) + 17) & 255) for i in range(n))
enc = base64.b64encode(data)
assert base64.b64decode(enc) == data
h = 0xcbf29ce484222325
for b in enc:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
sys.stdout.write(f"bytes {n}\nencoded {len(enc)}\nfnv1a64 {h:016x}\nroundtrip ok\n")
