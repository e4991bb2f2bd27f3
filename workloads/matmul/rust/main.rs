//! wasmbench workload "matmul" (Rust): dense f64 matrix multiply C = A x B (n x n).
//!
//! Input:  env INPUT = n, a decimal integer 1..2048 (if unset: 400).
//! Data:   A[i][j] = ((i*3 + j*5) % 7 - 3) / 4,  B[i][j] = ((i*5 + j*2) % 9 - 4) / 8:
//!         every product and partial sum is exact, so the output is order-independent.
//! Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n" (see ../c/main.c).
//! Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.
use std::io::Write;
use std::process::exit;

const DEFAULT_N: u32 = 400;
const MAX_N: u32 = 2048;

/// Strict decimal parse: digits only, no sign, no spaces, value <= max.
fn parse_u32(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as u32;
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
            match parse_u32(&text, MAX_N) {
                Some(n) if n > 0 => n,
                _ => {
                    eprintln!("matmul: INPUT must be a decimal integer in 1..{}, got \"{}\"", MAX_N, text);
                    exit(2);
                }
            }
        }
    } as usize;
    let mut a = vec![0.0f64; n * n];
    let mut b = vec![0.0f64; n * n];
    let mut c = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = (((i * 3 + j * 5) % 7) as f64 - 3.0) / 4.0;
            b[i * n + j] = (((i * 5 + j * 2) % 9) as f64 - 4.0) / 8.0;
        }
    }
    for i in 0..n {
        let ci = &mut c[i * n..(i + 1) * n];
        for k in 0..n {
            let aik = a[i * n + k];
            let bk = &b[k * n..(k + 1) * n];
            for (cij, bkj) in ci.iter_mut().zip(bk) {
                *cij += aik * bkj;
            }
        }
    }
    let (mut trace, mut check) = (0.0f64, 0.0f64);
    for i in 0..n {
        trace += c[i * n + i];
        for j in 0..n {
            check += c[i * n + j] * ((i + 2 * j) % 5 + 1) as f64;
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = write!(out, "n {}\ntrace*32 {}\nchecksum*32 {}\n", n, (trace * 32.0) as i64, (check * 32.0) as i64)
        .and_then(|_| out.flush());
    if r.is_err() {
        exit(1);
    }
}
