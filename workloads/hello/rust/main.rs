//! wasmbench workload "hello" (Rust): a function whose cost is almost all start-up.
//!
//! Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
//! Output: "Hello, <INPUT>!\n" "stdin: <N> bytes\n" then the N stdin bytes verbatim.
//! Exit:   0 on success, 1 if reading stdin or writing stdout fails.
use std::io::{Read, Write};
use std::process::exit;

fn main() {
    let name = std::env::var_os("INPUT")
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_else(|| "world".to_string());

    let mut data = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut data) {
        eprintln!("hello: reading stdin: {}", e);
        exit(1);
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = write!(out, "Hello, {}!\nstdin: {} bytes\n", name, data.len())
        .and_then(|_| out.write_all(&data))
        .and_then(|_| out.flush());
    if let Err(e) = result {
        eprintln!("hello: writing stdout: {}", e);
        exit(1);
    }
}
