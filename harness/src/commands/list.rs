//! `wasmbench list`: the backends (kind, runtime version, whether compiled in), the
//! workloads (languages) and their modules (size, features, toolchain).

use anyhow::Result;
use wasmbench_runtimes::BackendId;

use super::SUCCESS;
use crate::manifest::Manifest;
use crate::process_backend::ProcessBackend;

/// Print the backends, the workloads and the modules.
pub fn execute(manifest: &Manifest) -> Result<u8> {
    backends();
    process_backends();
    workloads(manifest);
    modules(manifest);
    Ok(SUCCESS)
}

fn backends() {
    println!("Backends:");
    println!("  {:<20} {:<12} {:<26} {:<10} about", "name", "kind", "runtime", "built in");
    for &b in BackendId::ALL {
        let (built, about) = match b.unavailable_reason() {
            None => ("yes", b.about().to_string()),
            Some(reason) => ("no", format!("{} ({reason})", b.about())),
        };
        println!(
            "  {:<20} {:<12} {:<26} {:<10} {}",
            b.name(),
            b.kind().as_str(),
            format!("{} {}", b.runtime_crate(), b.runtime_version()),
            built,
            about
        );
    }
}

fn process_backends() {
    println!("\nProcess backends (a whole process per sample):");
    println!("  {:<20} {:<12} {:<37} about", "name", "kind", "available");
    for &b in ProcessBackend::ALL {
        let (available, about) = match b.detect() {
            Ok(version) => (format!("yes ({version})"), b.about().to_string()),
            Err(reason) => ("no".to_string(), format!("{} ({reason})", b.about())),
        };
        println!("  {:<20} {:<12} {:<37} {}", b.name(), b.kind().as_str(), available, about);
    }
}

fn workloads(manifest: &Manifest) {
    println!("\nWorkloads ({}):", manifest.path.display());
    println!("  {:<12} {:<11} {:<24} description", "name", "shape", "languages");
    for w in &manifest.workloads {
        let langs: Vec<&str> = w.modules.iter().map(|m| m.language.as_str()).collect();
        println!(
            "  {:<12} {:<11} {:<24} {}",
            w.name,
            w.shape,
            langs.join(","),
            w.description
        );
    }
}

fn modules(manifest: &Manifest) {
    println!("\nModules:");
    println!("  {:<12} {:<15} {:>10}  {:<40} toolchain", "workload", "language", "bytes", "features");
    for w in &manifest.workloads {
        for m in &w.modules {
            let (size, features) = match std::fs::read(&m.wasm) {
                Err(e) => ("?".to_string(), format!("unreadable: {e}")),
                Ok(code) if m.language == "js" => (code.len().to_string(), "javascript".into()),
                Ok(code) => match wasmbench_runtimes::ModuleInfo::of(&code) {
                    Ok(i) if i.features.is_empty() => (i.size.to_string(), "mvp".into()),
                    Ok(i) => (i.size.to_string(), i.features.join(",")),
                    Err(e) => (code.len().to_string(), e.to_string()),
                },
            };
            println!("  {:<12} {:<15} {:>10}  {:<40} {}", w.name, m.language, size, features, m.toolchain);
        }
    }
}
