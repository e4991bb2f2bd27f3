//! wasmbench workload "fib" (Rust): a pure compute kernel (calls + integer adds).
//!
//! Input:  env INPUT = n, a decimal integer 0..93 (if unset: 37).
//! Output: "fib(<n>) = <fib(n)>\n", fib(0) = 0, fib(1) = 1, unsigned 64-bit.
//! Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in 0..93.
//! Naive doubly recursive on purpose; n is only known at run time.
use std::io::Write;
use std::process::exit;

const DEFAULT_N: u32 = 37;
const MAX_N: u32 = 93;

#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

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
                Some(n) => n,
                None => {
                    eprintln!("fib: INPUT must be a decimal integer in 0..{}, got \"{}\"", MAX_N, text);
                    exit(2);
                }
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if writeln!(out, "fib({}) = {}", n, fib(n)).and_then(|_| out.flush()).is_err() {
        exit(1);
    }
}
