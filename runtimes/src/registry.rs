//! The backend registry: every backend by name, with its kind and runtime version.

use std::fmt;
use std::str::FromStr;

use crate::{Backend, BackendKind, Limits, Result};

macro_rules! backends {
    ($( $variant:ident => $name:literal, $kind:ident, $family:literal, $feature:literal, $about:literal; )*) => {
        /// A backend: a runtime family in one execution mode, named `family-mode`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BackendId {
            $( #[doc = $about] $variant, )*
        }

        impl BackendId {
            /// Every backend wasmbench knows, compiled into this binary or not.
            pub const ALL: &'static [BackendId] = &[$(BackendId::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(BackendId::$variant => $name,)* }
            }

            pub fn kind(self) -> BackendKind {
                match self { $(BackendId::$variant => BackendKind::$kind,)* }
            }

            /// The runtime crate this backend is built on.
            pub fn family(self) -> &'static str {
                match self { $(BackendId::$variant => $family,)* }
            }

            /// The cargo feature of `wasmbench-runtimes` that compiles this backend in.
            pub fn feature(self) -> &'static str {
                match self { $(BackendId::$variant => $feature,)* }
            }

            /// One line on what this backend is.
            pub fn about(self) -> &'static str {
                match self { $(BackendId::$variant => $about,)* }
            }
        }
    };
}

backends! {
    WasmtimeCranelift => "wasmtime-cranelift", Jit, "wasmtime", "wasmtime",
        "Wasmtime with the Cranelift optimising compiler";
    WasmtimeWinch => "wasmtime-winch", Baseline, "wasmtime", "wasmtime",
        "Wasmtime with the Winch single-pass baseline compiler";
    WasmtimePulley => "wasmtime-pulley", Interpreter, "wasmtime", "wasmtime",
        "Wasmtime compiling to Pulley bytecode, run by its portable interpreter";
    WasmtimeAot => "wasmtime-aot", Aot, "wasmtime", "wasmtime",
        "Wasmtime loading a Cranelift artifact precompiled ahead of time";
    WasmtimePooling => "wasmtime-pooling", Jit, "wasmtime", "wasmtime",
        "Wasmtime/Cranelift with the pooling instance allocator and InstancePre";
    WasmerCranelift => "wasmer-cranelift", Jit, "wasmer", "wasmer",
        "Wasmer with the Cranelift optimising compiler";
    WasmerSinglepass => "wasmer-singlepass", Baseline, "wasmer", "wasmer",
        "Wasmer with its single-pass baseline compiler";
    WasmerAot => "wasmer-aot", Aot, "wasmer", "wasmer",
        "Wasmer (headless engine) loading a Cranelift artifact serialised ahead of time";
    WasmerLlvm => "wasmer-llvm", Jit, "wasmer", "wasmer-llvm",
        "Wasmer with the LLVM optimising compiler";
    Wasmi => "wasmi", Interpreter, "wasmi", "wasmi",
        "wasmi register-machine interpreter, whole module translated eagerly";
    WasmiLazy => "wasmi-lazy", Interpreter, "wasmi", "wasmi",
        "wasmi with lazy translation: functions translated on first call";
    Wasm3 => "wasm3", Interpreter, "wasm3", "wasm3",
        "wasm3 threaded-code interpreter (C)";
    WamrInterp => "wamr-interp", Interpreter, "wamr", "wamr",
        "WebAssembly Micro Runtime fast interpreter (C)";
    V8Liftoff => "v8-liftoff", Baseline, "v8", "v8",
        "V8 isolate (libnode), Wasm compiled by the Liftoff baseline compiler only";
    V8Turbofan => "v8-turbofan", Jit, "v8", "v8",
        "V8 isolate (libnode), Wasm compiled by the TurboFan optimising compiler only";
    V8Default => "v8-default", Jit, "v8", "v8",
        "V8 isolate (libnode), Wasm with V8's default tiering (Liftoff, then TurboFan)";
    V8Js => "v8-js", Isolate, "v8", "v8",
        "V8 isolate (libnode) running the workload's plain JavaScript version";
}

impl BackendId {
    /// Backends compiled into this binary.
    pub fn available() -> Vec<BackendId> {
        BackendId::ALL
            .iter()
            .copied()
            .filter(|b| b.is_available())
            .collect()
    }

    /// Whether this binary was built with the feature this backend needs.
    pub fn is_available(self) -> bool {
        match self.feature() {
            "wasmtime" => cfg!(feature = "wasmtime"),
            "wasmer" => cfg!(feature = "wasmer"),
            "wasmer-llvm" => cfg!(feature = "wasmer-llvm"),
            "wasmi" => cfg!(feature = "wasmi"),
            "wasm3" => cfg!(feature = "wasm3"),
            "wamr" => cfg!(feature = "wamr"),
            // The shim is only built when libnode was unpacked (scripts/setup-v8.sh).
            "v8" => cfg!(feature = "v8") && option_env!("WASMBENCH_V8_SHIM").is_some(),
            _ => false,
        }
    }

    /// The crate (or library) the runtime comes from, as named in the version list.
    pub fn runtime_crate(self) -> &'static str {
        match self.family() {
            "wamr" => "wamrx-sys",
            "v8" => "v8 (libnode)",
            family => family,
        }
    }

    /// Why this backend cannot run in this binary, or `None` when it can.
    pub fn unavailable_reason(self) -> Option<String> {
        if self.is_available() {
            None
        } else if self.family() == "v8" && cfg!(feature = "v8") {
            Some(
                "built without the V8 shim because libnode was not unpacked: run \
                 scripts/setup-v8.sh, then rebuild"
                    .into(),
            )
        } else {
            Some(format!(
                "not compiled into this binary: rebuild with the `{}` feature",
                self.feature()
            ))
        }
    }

    /// Exact version of the runtime crate linked in (from Cargo.lock at build time).
    pub fn runtime_version(self) -> &'static str {
        let version = match self.family() {
            "wasmtime" => option_env!("WASMBENCH_VERSION_WASMTIME"),
            "wasmer" => option_env!("WASMBENCH_VERSION_WASMER"),
            "wasmi" => option_env!("WASMBENCH_VERSION_WASMI"),
            "wasm3" => option_env!("WASMBENCH_VERSION_WASM3"),
            "wamr" => option_env!("WASMBENCH_VERSION_WAMRX_SYS"),
            "v8" => option_env!("WASMBENCH_VERSION_V8"),
            _ => None,
        };
        version.unwrap_or("unknown")
    }

    /// Whether this backend provides the sightglass-style `bench.start` / `bench.end`
    /// imports (and reports the region between them): every WebAssembly backend does.
    pub fn provides_bench_imports(self) -> bool {
        !self.runs_javascript()
    }

    /// Whether this backend runs a workload's JavaScript version instead of its modules.
    pub fn runs_javascript(self) -> bool {
        self == BackendId::V8Js
    }

    /// WebAssembly features (named as in [`crate::module_info::FEATURES`]) this backend is
    /// known not to run in the configuration wasmbench builds. A module that needs one is
    /// reported as unsupported before the backend sees it.
    pub fn unsupported_features(self) -> &'static [&'static str] {
        use BackendId::*;
        match self {
            // Exceptions are off by default in Wasmtime 48's configuration.
            WasmtimeCranelift | WasmtimeWinch | WasmtimePulley | WasmtimeAot | WasmtimePooling => {
                &["exceptions"]
            }
            WasmerCranelift | WasmerAot | WasmerLlvm => &["exceptions", "memory64", "relaxed-simd"],
            WasmerSinglepass => &["exceptions", "memory64", "relaxed-simd", "simd"],
            // wasmi is built without its `simd` feature.
            Wasmi | WasmiLazy => &["simd", "relaxed-simd", "threads", "exceptions"],
            Wasm3 => &[
                "reference-types", "simd", "relaxed-simd", "tail-call", "extended-const",
                "multi-memory", "threads", "memory64", "exceptions",
            ],
            // wamrx-sys is built with bulk-memory and reference-types only.
            WamrInterp => &[
                "simd", "relaxed-simd", "tail-call", "extended-const", "multi-memory", "threads",
                "memory64", "exceptions",
            ],
            // V8 10.2 (Node 18) shipped neither of these.
            V8Liftoff | V8Turbofan | V8Default => {
                &["tail-call", "memory64", "multi-memory", "relaxed-simd", "extended-const"]
            }
            V8Js => &[],
        }
    }

    /// Create this backend's engine with the given limits.
    pub fn create(self, limits: &Limits) -> Result<Box<dyn Backend>> {
        if let Some(reason) = self.unavailable_reason() {
            return Err(crate::RuntimeError::new(self, crate::ErrorKind::Unsupported, reason));
        }
        match self.family() {
            #[cfg(feature = "wasmtime")]
            "wasmtime" => crate::wasmtime::create(self, limits),
            #[cfg(feature = "wasmer")]
            "wasmer" => crate::wasmer::create(self, limits),
            #[cfg(feature = "wasmi")]
            "wasmi" => crate::wasmi::create(self, limits),
            #[cfg(feature = "wasm3")]
            "wasm3" => crate::wasm3::create(self, limits),
            #[cfg(feature = "wamr")]
            "wamr" => crate::wamr::create(self, limits),
            #[cfg(feature = "v8")]
            "v8" => crate::v8::create(self, limits),
            _ => unreachable!("is_available() covers every family"),
        }
    }
}

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name that is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{name}`; valid backends: {valid}")]
pub struct UnknownBackend {
    pub name: String,
    pub valid: String,
}

impl FromStr for BackendId {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let wanted = s.trim();
        BackendId::ALL
            .iter()
            .copied()
            .find(|b| b.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownBackend {
                name: s.to_string(),
                valid: BackendId::ALL
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &b in BackendId::ALL {
            assert_eq!(b.name().parse::<BackendId>(), Ok(b));
            assert_eq!(b.to_string(), b.name());
            assert!(b.name().starts_with(b.family()), "{b} is named family-mode");
        }
    }

    #[test]
    fn unknown_name_lists_valid_ones() {
        let err = "wasmtime-llvm".parse::<BackendId>().expect_err("unknown");
        let text = err.to_string();
        assert!(text.contains("`wasmtime-llvm`"), "{text}");
        for &b in BackendId::ALL {
            assert!(text.contains(b.name()), "{text} lists {b}");
        }
    }

    #[test]
    fn kinds_match_execution_strategy() {
        assert_eq!(BackendId::WasmtimeCranelift.kind(), BackendKind::Jit);
        assert_eq!(BackendId::WasmtimeWinch.kind(), BackendKind::Baseline);
        assert_eq!(BackendId::WasmtimePulley.kind(), BackendKind::Interpreter);
        assert_eq!(BackendId::WasmtimeAot.kind(), BackendKind::Aot);
        assert_eq!(BackendId::WasmerSinglepass.kind(), BackendKind::Baseline);
        assert_eq!(BackendId::WasmerAot.kind(), BackendKind::Aot);
        assert_eq!(BackendId::Wasm3.kind(), BackendKind::Interpreter);
    }
}
