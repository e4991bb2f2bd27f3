//! The soak test, scripts/soak.py, in its 1-minute version: the real gateway at half its
//! capacity with bad functions (trap, spin, bomb) mixed in, 4 windows of 15 s; nothing lost
//! or wrong, no growing RSS, no p99 drift. The 10-minute version is the script's default.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `python3 scripts/soak.py --binary BINARY --out OUT EXTRA...`, from the checkout.
fn soak(binary: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new("python3")
        .arg(checkout().join("scripts/soak.py"))
        .arg("--binary")
        .arg(binary)
        .arg("--out")
        .arg(out)
        .args(extra)
        .current_dir(checkout())
        .output()
        .expect("python3 runs scripts/soak.py")
}

#[test]
fn one_minute_soak_loses_nothing_and_neither_leaks_nor_drifts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = Path::new(env!("CARGO_BIN_EXE_wasmbench"));
    let out = soak(binary, dir.path(), &["--duration", "60", "--window", "15"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "the soak failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("**Verdict: PASS**"), "{stdout}");

    let text = std::fs::read_to_string(dir.path().join("soak.json")).expect("soak.json");
    let report: serde_json::Value = serde_json::from_str(&text).expect("soak.json is JSON");
    assert_eq!(report["verdict"], "pass", "{text}");
    let windows = report["windows"].as_array().expect("windows");
    assert!(windows.len() >= 4, "{} windows", windows.len());
    assert_eq!(report["lost"].as_u64(), Some(0), "lost responses: {text}");
    assert_eq!(report["wrong"].as_u64(), Some(0), "wrong responses: {text}");

    let totals = &report["totals"];
    let hello = totals["hello"]["offered"].as_u64().expect("hello's requests");
    assert!(hello > 0, "no hello request");
    assert_eq!(totals["hello"]["good"].as_u64(), Some(hello), "{text}");
    for (name, kind) in [("trap", "http-500"), ("bomb", "http-500"), ("spin", "http-504")] {
        let expected = totals[name]["errors"][kind].as_u64().unwrap_or(0);
        assert!(expected > 0, "{name}: no {kind} answer: {text}");
        assert_eq!(totals[name]["offered"].as_u64(), Some(expected), "{name}: every answer {kind}");
    }

    let positive = |v: &serde_json::Value| v.as_f64().is_some_and(|mib| mib > 0.0);
    assert!(positive(&report["rss_before_mib"]), "no RSS sample before the first window: {text}");
    for window in windows {
        assert!(positive(&window["rss_mib"]), "no RSS sample after window {}", window["index"]);
    }
}

#[test]
fn a_missing_binary_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-wasmbench");
    let out = soak(&missing, &dir.path().join("out"), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing started, nothing written");
}
