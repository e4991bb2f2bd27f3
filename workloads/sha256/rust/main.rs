//! wasmbench workload "sha256" (Rust): SHA-256 (FIPS 180-4, own code, no crate) of a
//! generated payload streamed in 64 KiB chunks.
//!
//! Input:  env INPUT = N, a decimal byte count 0..2^56 (if unset: 6291456).
//! Data:   byte i = (i * 31 + 7) % 251.
//! Output: the digest as 64 lowercase hex digits + "\n".
//! Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.
use std::io::Write;
use std::process::exit;

const DEFAULT_N: u64 = 6291456;
const MAX_N: u64 = 1 << 56;
const CHUNK: usize = 65536;

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

struct Sha256 {
    h: [u32; 8],
    block: [u8; 64],
    used: usize,
    total: u64,
}

impl Sha256 {
    fn new() -> Sha256 {
        Sha256 {
            h: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ],
            block: [0; 64],
            used: 0,
            total: 0,
        }
    }

    fn compress(h: &mut [u32; 8], p: &[u8]) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }

    fn update(&mut self, mut p: &[u8]) {
        self.total += p.len() as u64;
        if self.used > 0 {
            let take = (64 - self.used).min(p.len());
            self.block[self.used..self.used + take].copy_from_slice(&p[..take]);
            self.used += take;
            p = &p[take..];
            if self.used < 64 {
                return;
            }
            let block = self.block;
            Sha256::compress(&mut self.h, &block);
            self.used = 0;
        }
        let mut chunks = p.chunks_exact(64);
        for c in &mut chunks {
            Sha256::compress(&mut self.h, c);
        }
        let rest = chunks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.used = rest.len();
    }

    fn finish(mut self) -> [u8; 32] {
        let bits = self.total.wrapping_mul(8);
        self.block[self.used] = 0x80;
        self.used += 1;
        if self.used > 56 {
            self.block[self.used..].fill(0);
            let block = self.block;
            Sha256::compress(&mut self.h, &block);
            self.used = 0;
        }
        self.block[self.used..56].fill(0);
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        let block = self.block;
        Sha256::compress(&mut self.h, &block);
        let mut out = [0u8; 32];
        for (i, v) in self.h.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
        }
        out
    }
}

/// Strict decimal parse: digits only, no sign, no spaces, value <= max.
fn parse_u64(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as u64;
        if v > (max - d) / 10 {
            return None;
        }
        v = v * 10 + d;
    }
    Some(v)
}

fn main() {
    let n = match std::env::var_os("INPUT") {
        None => DEFAULT_N,
        Some(raw) => {
            let text = raw.to_string_lossy();
            match parse_u64(&text, MAX_N) {
                Some(n) => n,
                None => {
                    eprintln!("sha256: INPUT must be a decimal byte count in 0..{}, got \"{}\"", MAX_N, text);
                    exit(2);
                }
            }
        }
    };
    let mut ctx = Sha256::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut v: u32 = 7;
    let mut left = n;
    while left > 0 {
        let len = left.min(CHUNK as u64) as usize;
        for b in &mut chunk[..len] {
            *b = v as u8;
            v += 31;
            if v >= 251 {
                v -= 251;
            }
        }
        ctx.update(&chunk[..len]);
        left -= len as u64;
    }
    let digest = ctx.finish();
    let mut hex = String::with_capacity(65);
    for b in digest {
        hex.push_str(&format!("{:02x}", b));
    }
    hex.push('\n');
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if out.write_all(hex.as_bytes()).and_then(|_| out.flush()).is_err() {
        exit(1);
    }
}
