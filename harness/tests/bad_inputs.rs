//! Every backend × every bad input (workloads/bad/, plus malformed binaries made here):
//! one `wasmbench run --dir` over a folder mixing good and bad modules must finish, report
//! each bad cell with the same error kind on every backend, and write the good cells.
//! The per-backend table of error kinds is written to
//! `$CARGO_TARGET_TMPDIR/bad-inputs-matrix.md` (scripts/test.sh prints it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use wasmbench_data::{ErrorKind, Results};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What each module must give on every backend: `None` = a successful cell.
fn expected() -> BTreeMap<&'static str, Option<ErrorKind>> {
    use ErrorKind::*;
    BTreeMap::from([
        ("bad-magic", Some(Invalid)),
        ("truncated", Some(Invalid)),
        ("invalid-type", Some(Invalid)),
        ("no-start", Some(Invalid)),
        ("unlinkable", Some(Unlinkable)),
        ("unreachable", Some(Trap)),
        ("div-zero", Some(Trap)),
        ("out-of-bounds", Some(Trap)),
        ("recursion", Some(Trap)),
        ("start-traps", Some(Trap)),
        ("infinite-loop", Some(Timeout)),
        ("host-call-loop", Some(Timeout)),
        // memory.grow past the cap returns -1 everywhere; the module exits with the number
        // of grows that succeeded (checked below: the same on every backend).
        ("grow-to-max", Some(WrongOutput)),
        ("huge-initial-memory", Some(ResourceLimit)),
        ("stdout-flood", Some(ResourceLimit)),
        ("proc-exit-13", Some(WrongOutput)),
        ("large", None),
        ("good", None),
    ])
}

/// A valid module with many big functions: compiling it costs real time.
fn large_module(functions: usize) -> String {
    let mut wat = String::from("(module (memory (export \"memory\") 1)\n");
    for i in 0..functions {
        let _ = write!(wat, "(func $f{i} (param i32) (result i32) (local.get 0)");
        for k in 0..100 {
            let _ = write!(wat, " (i32.const {k}) (i32.add) (i32.const 3) (i32.mul)");
        }
        wat.push_str(")\n");
    }
    wat.push_str("(func (export \"_start\") (drop (call $f0 (i32.const 1)))))\n");
    wat
}

/// The folder the run is pointed at: every bad WAT, malformed binaries, a large module
/// and one good module, with empty expected outputs.
fn bad_folder(dir: &Path) {
    let bad = repo().join("workloads/bad");
    for entry in std::fs::read_dir(&bad).expect("workloads/bad") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "wat") {
            let to = dir.join(path.file_name().expect("name"));
            std::fs::copy(&path, &to).expect("copy");
        }
    }
    let good = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#)
        .expect("good module");
    std::fs::write(dir.join("good.wasm"), &good).expect("write");
    let mut magic = good.clone();
    magic[1] = b'x';
    std::fs::write(dir.join("bad-magic.wasm"), magic).expect("write");
    std::fs::write(dir.join("truncated.wasm"), &good[..good.len() - 3]).expect("write");
    std::fs::write(dir.join("large.wat"), large_module(2000)).expect("write");
    for name in expected().keys() {
        std::fs::write(dir.join(format!("{name}.stdout")), "").expect("write");
    }
}

#[test]
fn every_backend_fails_each_bad_input_the_same_clear_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let modules = dir.path().join("modules");
    std::fs::create_dir(&modules).expect("mkdir");
    bad_folder(&modules);
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_wasmbench"))
        .args(["run", "--dir"])
        .arg(&modules)
        .args(["--cold-samples", "1", "--samples", "1", "--warmup", "0", "--concurrency", "0"])
        .args(["--no-external", "--deadline", "1", "--compile-deadline", "10"])
        .args(["--max-memory-mib", "256", "--max-output-kib", "64"])
        .arg("-o")
        .arg(&out_dir)
        .output()
        .expect("wasmbench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Some cells failed (exit 1); the harness itself neither panicked nor aborted.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let json = std::fs::read_to_string(out_dir.join("results.json")).expect("results.json");
    let results = Results::from_json(&json).expect("valid results");
    assert!(results.complete && results.missing.is_empty());

    let expected = expected();
    let mut backends: Vec<&str> = Vec::new();
    for cell in &results.cells {
        if !backends.contains(&cell.id.backend.as_str()) {
            backends.push(&cell.id.backend);
        }
    }
    let mut table = String::from("| module | expected |");
    for b in &backends {
        let _ = write!(table, " {b} |");
    }
    table.push_str("\n|---|---|");
    table.push_str(&"---|".repeat(backends.len()));
    let mut mismatches = Vec::new();
    for (module, want) in &expected {
        let _ = write!(table, "\n| {module} | {} |", want.map_or("ok", ErrorKind::as_str));
        for b in &backends {
            let cell = results
                .cells
                .iter()
                .find(|c| c.id.backend == *b && c.id.workload == *module)
                .unwrap_or_else(|| panic!("no cell {b} × {module}"));
            let got = cell.error.as_ref().map(|e| e.kind);
            let _ = write!(table, " {} |", got.map_or("ok", ErrorKind::as_str));
            if got != *want {
                mismatches.push(format!("{b} × {module}: {:?} (expected {want:?})", cell.error));
            }
            if let Some(err) = &cell.error {
                assert!(!err.message.trim().is_empty(), "{b} × {module}: an error says what happened");
                if *module == "grow-to-max" && !err.message.contains("exit code 3 ") {
                    mismatches.push(format!("{b} × {module}: refused another grow than the 4th: {}", err.message));
                }
            } else {
                assert!(!cell.measurements.is_empty(), "{b} × {module}: a good cell has data");
            }
        }
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-inputs-matrix.md");
    let _ = std::fs::write(&path, format!("{table}\n"));
    println!("{table}");
    assert!(mismatches.is_empty(), "{}\n\n{table}", mismatches.join("\n"));
}

#[test]
fn compiling_has_its_own_deadline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let modules = dir.path().join("modules");
    std::fs::create_dir(&modules).expect("mkdir");
    std::fs::write(modules.join("large.wat"), large_module(8000)).expect("write");
    std::fs::write(modules.join("large.stdout"), "").expect("write");
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_wasmbench"))
        .args(["run", "--dir"])
        .arg(&modules)
        .args(["-b", "wasmtime-cranelift", "--cold-samples", "1", "--samples", "1"])
        .args(["--concurrency", "0", "--compile-deadline", "0.01"])
        .arg("-o")
        .arg(&out_dir)
        .output()
        .expect("wasmbench runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json = std::fs::read_to_string(out_dir.join("results.json")).expect("results.json");
    let results = Results::from_json(&json).expect("valid results");
    let err = results.cells[0].error.as_ref().expect("compile deadline hit");
    assert_eq!(err.kind, ErrorKind::Timeout, "{}", err.message);
    assert!(err.message.contains("compile deadline"), "{}", err.message);
}
