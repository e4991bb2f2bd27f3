//! The house rules of the layout hold (CONTRIBUTING.md): no function over 80 lines outside
//! tests, and module graphs without cycles — checked by scripts/check-layout.py, which is
//! also shown to catch a violation.

use std::path::{Path, PathBuf};
use std::process::Command;

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check(root: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .arg(checkout().join("scripts/check-layout.py"))
        .arg(root)
        .output()
        .expect("python3 runs scripts/check-layout.py");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn the_checkout_keeps_the_layout_rules() {
    let (ok, text) = check(&checkout());
    assert!(ok, "scripts/check-layout.py found problems:\n{text}");
}

#[test]
fn a_long_function_and_a_module_cycle_are_caught() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("harness/src");
    std::fs::create_dir_all(&src).expect("mkdir");
    let long_body = "    let _x = 1;\n".repeat(85);
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").expect("lib.rs");
    std::fs::write(
        src.join("a.rs"),
        format!("use crate::b::g;\npub fn f(_a: [u64; 2]) {{\n{long_body}}}\nfn decl(a: [u8; 4]);\n"),
    )
    .expect("a.rs");
    std::fs::write(
        src.join("b.rs"),
        "pub fn g() { crate::a::f() }\n#[cfg(test)]\nmod tests {\n    fn t() { crate::a::f() }\n}\n",
    )
    .expect("b.rs");
    let (ok, text) = check(dir.path());
    assert!(!ok, "{text}");
    assert!(text.contains("harness/src/a.rs:2: fn f has 87 lines"), "{text}");
    assert!(text.contains("harness: module cycle a -> b -> a"), "{text}");
}
