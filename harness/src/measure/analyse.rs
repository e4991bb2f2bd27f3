//! What the harness learns of a module before any worker runs it: it is the module the
//! manifest describes, it parses, and the backend supports what it uses.

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::{BackendId, ModuleInfo};

use crate::failure::Failure;
use crate::manifest::WorkloadModule;
use crate::module_io::read_module;

/// What the parent learns of a module before any worker runs it.
pub struct AnalysedModule {
    pub bytes: u64,
    /// `None` for a JavaScript source.
    pub info: Option<ModuleInfo>,
}

/// Read (for `.wat`, assemble) and analyse a module, to fail early and clearly.
pub fn analyse(module: &WorkloadModule) -> Result<AnalysedModule, Failure> {
    let code = read_module(&module.wasm)?;
    if let Some(facts) = &module.facts {
        if !facts.matches(&code) {
            return Err(Failure::new(
                ErrorKind::Invalid,
                format!(
                    "{} is not the module the manifest describes ({} bytes, sha256 {}): rebuild \
                     with scripts/build-workloads.sh, which also updates the manifest",
                    module.wasm.display(),
                    facts.bytes,
                    facts.sha256
                ),
            ));
        }
    }
    let info = if module.language == "js" {
        None
    } else {
        Some(ModuleInfo::of(&code).map_err(|e| Failure::new(ErrorKind::Invalid, e.to_string()))?)
    };
    Ok(AnalysedModule {
        bytes: code.len() as u64,
        info,
    })
}

/// Whether `backend` provides what the module needs: its WebAssembly features and, for
/// sightglass-style modules, the `bench` imports.
pub fn check_support(backend: BackendId, info: &ModuleInfo) -> Result<(), Failure> {
    let unsupported = |message: String| Failure::new(ErrorKind::Unsupported, message);
    let lacking: Vec<&str> = info
        .features
        .iter()
        .copied()
        .filter(|f| backend.unsupported_features().contains(f))
        .collect();
    if !lacking.is_empty() {
        return Err(unsupported(format!(
            "the module uses {}, which {backend} does not support",
            lacking.join(", ")
        )));
    }
    if info.imports.iter().any(|i| i.module == "bench") && !backend.provides_bench_imports() {
        return Err(unsupported(format!(
            "the module imports `bench.start`/`bench.end` (sightglass-style), which {backend} \
             does not provide"
        )));
    }
    Ok(())
}
