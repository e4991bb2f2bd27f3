//! Pre-initialization must not change the engines being benchmarked: wasmtime-wizer is a
//! dependency with its default features off, so it turns on no Wasmtime feature (its
//! `wasmtime` feature would add `cache`, `gc`, `threads`, … to every Wasmtime backend
//! through feature unification). Checked on cargo's own view, `cargo tree -e features`.

use std::process::Command;

#[cfg(feature = "wasmtime")]
#[test]
fn wasmtime_wizer_enables_no_wasmtime_feature() {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let cargo = option_env!("CARGO").unwrap_or("cargo");
    // Inverted: under each `wasmtime feature "X"` line, the packages that turn X on.
    let out = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "-e", "features", "-p", "wasmbench-runtimes", "-i", "wasmtime", "--manifest-path", workspace])
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8(out.stdout).expect("utf-8");
    let features: Vec<&str> = tree.lines().filter(|l| l.contains("wasmtime feature \"")).collect();
    assert!(features.len() >= 5, "no wasmtime features listed:\n{tree}");
    let wizer: Vec<&str> = tree.lines().filter(|l| l.contains("wasmtime-wizer")).collect();
    assert!(!wizer.is_empty(), "wasmtime-wizer is not a dependent of wasmtime:\n{tree}");
    // Only as a plain dependent of wasmtime itself (depth 1), never below a feature of
    // wasmtime, and none of its own features on.
    for line in wizer {
        let depth_one = line.starts_with("├── wasmtime-wizer v") || line.starts_with("└── wasmtime-wizer v");
        assert!(depth_one && !line.contains("feature"), "wasmtime-wizer turns a wasmtime feature on: `{line}`\n{tree}");
    }
}
