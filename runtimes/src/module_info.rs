//! What a module is made of — imports, exports and the WebAssembly features it uses — so
//! that a backend lacking a feature is reported as "unsupported" before it is asked to
//! compile the module, and so that `wasmbench validate` can check the workload contract.

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, Validator, WasmFeatures};

/// WebAssembly proposals a module may use beyond the 1.0 specification, by the names the
/// toolchains use for them.
pub const FEATURES: &[(&str, WasmFeatures)] = &[
    ("mutable-globals", WasmFeatures::MUTABLE_GLOBAL),
    ("sign-ext", WasmFeatures::SIGN_EXTENSION),
    ("nontrapping-fptoint", WasmFeatures::SATURATING_FLOAT_TO_INT),
    ("multivalue", WasmFeatures::MULTI_VALUE),
    ("bulk-memory", WasmFeatures::BULK_MEMORY),
    ("reference-types", WasmFeatures::REFERENCE_TYPES),
    ("simd", WasmFeatures::SIMD),
    ("relaxed-simd", WasmFeatures::RELAXED_SIMD),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("threads", WasmFeatures::THREADS),
    ("memory64", WasmFeatures::MEMORY64),
    ("exceptions", WasmFeatures::EXCEPTIONS),
];

/// An import of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    /// `func`, `memory`, `table`, `global` or `tag`.
    pub kind: &'static str,
}

/// The facts about a module that decide whether and where it can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub size: usize,
    pub imports: Vec<Import>,
    /// Names of exported functions.
    pub exported_functions: Vec<String>,
    pub exports_memory: bool,
    /// Proposals the module needs, named as in [`FEATURES`].
    pub features: Vec<&'static str>,
}

/// Why a module could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid WebAssembly module: {0}")]
pub struct InvalidModule(pub String);

fn everything() -> WasmFeatures {
    FEATURES.iter().fold(WasmFeatures::WASM1, |all, (_, f)| all | *f)
}

fn validates(wasm: &[u8], features: WasmFeatures) -> Result<(), InvalidModule> {
    Validator::new_with_features(features)
        .validate_all(wasm)
        .map(|_| ())
        .map_err(|e| InvalidModule(e.to_string()))
}

impl ModuleInfo {
    /// Validate `wasm` and describe it. A feature counts as used when the module stops
    /// validating without it.
    pub fn of(wasm: &[u8]) -> Result<ModuleInfo, InvalidModule> {
        let all = everything();
        validates(wasm, all)?;
        let features = FEATURES
            .iter()
            .filter(|(_, f)| validates(wasm, all.difference(*f)).is_err())
            .map(|(name, _)| *name)
            .collect();

        let mut info = ModuleInfo {
            size: wasm.len(),
            imports: Vec::new(),
            exported_functions: Vec::new(),
            exports_memory: false,
            features,
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| InvalidModule(e.to_string()))? {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(|e| InvalidModule(e.to_string()))?;
                        info.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind: match import.ty {
                                TypeRef::Func(_) | TypeRef::FuncExact(_) => "func",
                                TypeRef::Memory(_) => "memory",
                                TypeRef::Table(_) => "table",
                                TypeRef::Global(_) => "global",
                                TypeRef::Tag(_) => "tag",
                            },
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(|e| InvalidModule(e.to_string()))?;
                        match export.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                info.exported_functions.push(export.name.to_string())
                            }
                            ExternalKind::Memory => info.exports_memory |= export.name == "memory",
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(info)
    }

    /// The import modules, each once, in order of first appearance.
    pub fn import_modules(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for i in &self.imports {
            if !out.contains(&i.module.as_str()) {
                out.push(&i.module);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(text: &str) -> ModuleInfo {
        ModuleInfo::of(&wat::parse_str(text).expect("wat")).expect("valid")
    }

    #[test]
    fn mvp_module_uses_no_feature() {
        let i = info(r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (memory (export "memory") 1) (func (export "_start")))"#);
        assert!(i.features.is_empty(), "{:?}", i.features);
        assert_eq!(i.import_modules(), ["wasi_snapshot_preview1"]);
        assert_eq!(i.imports[0].kind, "func");
        assert_eq!(i.exported_functions, ["_start"]);
        assert!(i.exports_memory);
    }

    #[test]
    fn detects_each_feature_it_uses() {
        let i = info(r#"(module (memory 1)
            (func (export "_start")
              (drop (i32.extend8_s (i32.const 1)))
              (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
              (drop (v128.const i32x4 0 0 0 0))))"#);
        assert_eq!(i.features, ["sign-ext", "bulk-memory", "simd"]);
        assert!(!i.exports_memory);
    }

    #[test]
    fn garbage_is_invalid() {
        assert!(ModuleInfo::of(b"\0asm\x01\0\0\0\x99").is_err());
        assert!(ModuleInfo::of(b"not wasm").is_err());
    }
}
