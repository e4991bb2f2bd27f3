#!/usr/bin/env python3
"""Merge the active data segments of a module (memory 0, i32.const offsets) whose gaps are
at most GAP bytes into one segment each, the gaps filled with zeros; the data count section
follows, every other section is copied unchanged. An experiment tool: it tested whether the
pre-initialized QuickJS modules instantiate slowly on Wasmer because of their 3,276 data
segments (README, "Pre-initialization"). Segments of another kind are refused.

    scripts/merge-data-segments.py IN.wasm OUT.wasm GAP
"""
import sys

def leb(data, i):
    result = shift = 0
    while True:
        b = data[i]; i += 1
        result |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            return result, i

def sleb(data, i):
    result = shift = 0
    while True:
        b = data[i]; i += 1
        result |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, i

def uleb_enc(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)

def sleb_enc(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        done = (n == 0 and not b & 0x40) or (n == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)

def parse_data(body):
    count, i = leb(body, 0)
    active, other = [], []
    for _ in range(count):
        start = i
        flags, i = leb(body, i)
        if flags == 0 and body[i] == 0x41:  # active, memory 0, i32.const OFFSET end
            offset, i = sleb(body, i + 1)
            assert body[i] == 0x0B; i += 1
            size, i = leb(body, i)
            active.append((offset, body[i:i + size])); i += size
        else:
            raise SystemExit(f"segment with flags {flags} or a non-constant offset: not handled")
    return active

def merge(active, gap):
    active.sort(key=lambda s: s[0])
    out = []
    for offset, data in active:
        if out and offset - (out[-1][0] + len(out[-1][1])) <= gap:
            prev_off, prev = out[-1]
            fill = offset - (prev_off + len(prev))
            out[-1] = (prev_off, prev + bytes(fill) + data)
        else:
            out.append((offset, bytes(data)))
    return out

def encode(segments):
    body = bytearray(uleb_enc(len(segments)))
    for offset, data in segments:
        body += b"\x00\x41" + sleb_enc(offset) + b"\x0b" + uleb_enc(len(data)) + data
    return bytes(body)

def sections(wasm):
    i = 8
    while i < len(wasm):
        sid = wasm[i]; size, j = leb(wasm, i + 1)
        yield sid, wasm[j:j + size]
        i = j + size

def main():
    src, dst, gap = sys.argv[1], sys.argv[2], int(sys.argv[3])
    wasm = open(src, "rb").read()
    active = [parse_data(b) for sid, b in sections(wasm) if sid == 11][0]
    merged = merge(list(active), gap)
    out = bytearray(wasm[:8])
    for sid, body in sections(wasm):
        if sid == 11:
            body = encode(merged)
        elif sid == 12:
            body = uleb_enc(len(merged))
        out += bytes([sid]) + uleb_enc(len(body)) + body
    print(f"{src}: {len(active)} segments, {sum(len(d) for _, d in active)} bytes -> {len(merged)} segments, {sum(len(d) for _, d in merged)} bytes")
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
