//! Records the exact versions of the runtime crates linked in, read from the workspace's
//! Cargo.lock, as `WASMBENCH_VERSION_<CRATE>` compile-time variables.

use std::path::PathBuf;

const RUNTIME_CRATES: &[&str] = &["wasmtime", "wasmer", "wasmi", "wasm3", "wamrx-sys"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let lock = manifest_dir.join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let Ok(text) = std::fs::read_to_string(&lock) else {
        return;
    };
    let mut name: Option<&str> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("name = ") {
            name = Some(rest.trim_matches('"'));
        } else if let (Some(n), Some(rest)) = (name, line.strip_prefix("version = ")) {
            if RUNTIME_CRATES.contains(&n) {
                let var = n.to_uppercase().replace('-', "_");
                println!("cargo:rustc-env=WASMBENCH_VERSION_{var}={}", rest.trim_matches('"'));
            }
            name = None;
        }
    }
}
