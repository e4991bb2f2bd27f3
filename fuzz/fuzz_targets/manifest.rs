//! The workload manifest parser (`workloads/manifest.toml`): any text must give a
//! `Manifest` or a `ManifestError`, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wasmbench::manifest::Manifest;

fuzz_target!(|text: &str| {
    match Manifest::parse(text, Path::new("workloads/manifest.toml")) {
        Ok(manifest) => {
            // A manifest that parses keeps its invariants: unique, well-formed names and
            // at least one module per workload.
            let mut seen = std::collections::BTreeSet::new();
            for w in &manifest.workloads {
                assert!(!w.name.is_empty(), "empty workload name accepted");
                assert!(seen.insert(w.name.clone()), "duplicate workload `{}` accepted", w.name);
                assert!(!w.modules.is_empty(), "workload `{}` without modules accepted", w.name);
            }
        }
        Err(e) => {
            // The error names the file it is about.
            assert!(e.to_string().contains("manifest.toml"), "error without the path: {e}");
        }
    }
});
