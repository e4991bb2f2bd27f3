// wasmbench workload "sha256" (JavaScript, for the v8-js backend): hash a generated
// payload. Integer compute (32-bit rotates, adds, xors) over a streamed buffer. Same
// behaviour as sha256/c/main.c; SHA-256 (FIPS 180-4) is implemented here, no library.
//
// Input:  env INPUT = N, a decimal byte count 0..2^56 (if unset: DEFAULT_N). stdin ignored.
// Data:   the N-byte message whose byte i is (i * 31 + 7) % 251, generated incrementally
//         in 64 KiB chunks, so memory use does not depend on N.
// Output: the SHA-256 digest of that message as 64 lowercase hex digits + "\n".
// Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in range.
//
// Keep DEFAULT_N equal to the INPUT in workloads/manifest.toml.
"use strict";

const DEFAULT_N = 6291456n; // 6 MiB
const MAX_N = 1n << 56n;
const CHUNK = 65536;

const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const H0 = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

// State: h (8 words), a 64-byte block buffer, bytes used in it.
function Sha256() {
    this.h = new Int32Array(H0);
    this.block = new Uint8Array(64);
    this.used = 0;
    this.w = new Int32Array(64);
}

// Compress the 64 bytes of `p` starting at `off` into h.
function compress(h, w, p, off) {
    for (let i = 0; i < 16; i++) {
        const j = off + 4 * i;
        w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
    }
    for (let i = 16; i < 64; i++) {
        const x = w[i - 15], y = w[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
}

// Hash bytes p[0..n).
Sha256.prototype.update = function (p, n) {
    let off = 0;
    if (this.used > 0) {
        const take = Math.min(64 - this.used, n);
        this.block.set(p.subarray(0, take), this.used);
        this.used += take;
        off += take;
        if (this.used < 64) {
            return;
        }
        compress(this.h, this.w, this.block, 0);
        this.used = 0;
    }
    while (n - off >= 64) {
        compress(this.h, this.w, p, off);
        off += 64;
    }
    this.block.set(p.subarray(off, n), 0);
    this.used = n - off;
};

// Pad with the total length `bits` (a BigInt) and return the 32-byte digest.
Sha256.prototype.final = function (bits) {
    const block = this.block;
    block[this.used++] = 0x80;
    if (this.used > 56) {
        block.fill(0, this.used, 64);
        compress(this.h, this.w, block, 0);
        this.used = 0;
    }
    block.fill(0, this.used, 56);
    for (let i = 0; i < 8; i++) {
        block[56 + i] = Number((bits >> BigInt(56 - 8 * i)) & 0xffn);
    }
    compress(this.h, this.w, block, 0);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
        const v = this.h[i];
        out[4 * i] = v >>> 24;
        out[4 * i + 1] = v >>> 16;
        out[4 * i + 2] = v >>> 8;
        out[4 * i + 3] = v;
    }
    return out;
};

// Strict decimal parse: digits only, no sign, no spaces, value <= max; null if invalid.
function parseDecimal(s, max) {
    if (s.length === 0) {
        return null;
    }
    let v = 0n;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 48 || c > 57) {
            return null;
        }
        v = v * 10n + BigInt(c - 48);
        if (v > max) {
            return null;
        }
    }
    return v;
}

function main() {
    const env = wasmbench.env;
    let n = DEFAULT_N;
    if (Object.prototype.hasOwnProperty.call(env, "INPUT")) {
        const parsed = parseDecimal(env.INPUT, MAX_N);
        if (parsed === null) {
            wasmbench.write(2, "sha256: INPUT must be a decimal byte count in 0.." + MAX_N +
                ", got \"" + env.INPUT + "\"\n");
            return 2;
        }
        n = parsed;
    }

    const ctx = new Sha256();
    const chunk = new Uint8Array(CHUNK);
    // v = (i * 31 + 7) % 251, advanced incrementally: v(i+1) = (v(i) + 31) % 251.
    let v = 7;
    let left = n;
    while (left > 0n) {
        const len = left < BigInt(CHUNK) ? Number(left) : CHUNK;
        for (let j = 0; j < len; j++) {
            chunk[j] = v;
            v += 31;
            if (v >= 251) {
                v -= 251;
            }
        }
        ctx.update(chunk, len);
        left -= BigInt(len);
    }

    const digest = ctx.final(n * 8n);
    const digits = "0123456789abcdef";
    let hex = "";
    for (let i = 0; i < 32; i++) {
        hex += digits[digest[i] >> 4] + digits[digest[i] & 15];
    }
    wasmbench.write(1, hex + "\n");
    return 0;
}
