//! The backend registry: every runtime family and every backend, each in one row.
//!
//! A *family* is one runtime (one source file or folder, one cargo feature, one runtime
//! crate); a *backend* is a family in one execution mode, named `family-mode`. The two
//! tables below are the only place that lists them: every method that depends on the
//! family or the backend is a `match` the compiler checks for completeness, so a new row
//! cannot be forgotten anywhere. How to add one: see the recipe in CONTRIBUTING.md (in
//! short: the family's file, one row in `families!`, its rows in `backends!`, and its
//! cargo feature in runtimes/Cargo.toml).

use std::fmt;
use std::str::FromStr;

use crate::{Backend, BackendKind, ErrorKind, Limits, Result, RuntimeError, SharedBackend};

/// A family's constructor: its engine for one of its backends, with the given limits.
type Create = fn(BackendId, &Limits) -> Result<Box<dyn Backend>>;

/// A family's constructor of thread-safe engines (see [`crate::SharedBackend`]).
type CreateShared = fn(BackendId, &Limits) -> Result<Box<dyn SharedBackend>>;

/// `(crate, version)` of every direct dependency of this crate, read from Cargo.lock by
/// build.rs.
const LOCKED_VERSIONS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/locked_versions.rs"));

/// The exact version of a direct dependency of this crate, from Cargo.lock.
fn locked_version(name: &str) -> Option<&'static str> {
    LOCKED_VERSIONS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// Declares each family's module (compiled only with its cargo feature) and the
/// [`Family`] enum with the facts of each row.
///
/// A row: the variant, then `name` (the prefix of its backends' names), `feature` (the
/// cargo feature of wasmbench-runtimes), `runtime_crate` (as named in Cargo.lock and in
/// reports), `source` (the file or folder, relative to src/, `as` the module name; it must
/// define `pub(crate) fn create(BackendId, &Limits) -> Result<Box<dyn Backend>>`), and
/// optionally:
/// * `version`: an `Option<&'static str>` expression, for runtimes that are not crates
///   (default: the `runtime_crate`'s version in Cargo.lock);
/// * `setup`: `(ready, why)`, a condition besides the feature (e.g. a system library found
///   at build time) and the message that says how to meet it;
/// * `shared`: the module's constructor of [`SharedBackend`]s, for families whose engines,
///   modules and instances are `Send + Sync`.
macro_rules! families {
    (@version $runtime_crate:literal) => { locked_version($runtime_crate) };
    (@version $runtime_crate:literal $version:expr) => { $version };
    (@setup) => { None };
    (@setup $ready:expr, $why:literal) => { if $ready { None } else { Some($why) } };
    (@shareable) => { false };
    (@shareable $shared:ident) => { true };
    (@shared $feature:literal $module:ident) => { None };
    (@shared $feature:literal $module:ident $shared:ident) => {{
        #[cfg(feature = $feature)]
        let create: Option<CreateShared> = Some($module::$shared);
        #[cfg(not(feature = $feature))]
        let create: Option<CreateShared> = None;
        create
    }};
    ($(
        $(#[doc = $doc:literal])*
        $family:ident {
            name: $name:literal,
            feature: $feature:literal,
            runtime_crate: $runtime_crate:literal,
            source: $file:literal as $module:ident,
            $( version: $version:expr, )?
            $( setup: ($ready:expr, $why:literal), )?
            $( shared: $shared:ident, )?
        }
    )*) => {
        $(
            #[cfg(feature = $feature)]
            #[path = $file]
            pub(crate) mod $module;
        )*

        /// A runtime family: one runtime, one source file (or folder), one cargo feature.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Family {
            $( $(#[doc = $doc])* $family, )*
        }

        impl Family {
            /// Every family wasmbench knows, compiled into this binary or not.
            pub const ALL: &'static [Family] = &[$(Family::$family),*];

            /// The family's name, the prefix of its backends' names.
            pub fn name(self) -> &'static str {
                match self { $(Family::$family => $name,)* }
            }

            /// The cargo feature of `wasmbench-runtimes` that compiles this family in.
            pub fn feature(self) -> &'static str {
                match self { $(Family::$family => $feature,)* }
            }

            /// The crate (or library) the runtime comes from, as named in the version list.
            pub fn runtime_crate(self) -> &'static str {
                match self { $(Family::$family => $runtime_crate,)* }
            }

            /// Exact version of the runtime linked in ("unknown" if the build did not learn it).
            pub fn runtime_version(self) -> &'static str {
                let version: Option<&'static str> = match self {
                    $(Family::$family => families!(@version $runtime_crate $($version)?),)*
                };
                version.unwrap_or("unknown")
            }

            /// Whether this binary was built with the family's cargo feature.
            pub fn is_compiled_in(self) -> bool {
                match self { $(Family::$family => cfg!(feature = $feature),)* }
            }

            /// What is missing besides the feature (e.g. a system library at build time).
            fn missing_setup(self) -> Option<&'static str> {
                match self { $(Family::$family => families!(@setup $($ready, $why)?),)* }
            }

            /// Whether the family's engines can be shared between threads
            /// ([`BackendId::create_shared`]).
            pub fn is_shareable(self) -> bool {
                match self { $(Family::$family => families!(@shareable $($shared)?),)* }
            }

            fn constructor(self) -> Option<Create> {
                match self {
                    $(Family::$family => {
                        #[cfg(feature = $feature)]
                        let create: Option<Create> = Some($module::create);
                        #[cfg(not(feature = $feature))]
                        let create: Option<Create> = None;
                        create
                    })*
                }
            }

            pub(crate) fn shared_constructor(self) -> Option<CreateShared> {
                match self {
                    $(Family::$family => families!(@shared $feature $module $($shared)?),)*
                }
            }
        }
    };
}

families! {
    /// Wasmtime (Cranelift, Winch, Pulley; AOT artifacts; pooling allocator).
    Wasmtime {
        name: "wasmtime",
        feature: "wasmtime",
        runtime_crate: "wasmtime",
        source: "wasmtime.rs" as wasmtime,
        shared: create_shared,
    }
    /// Wasmer with wasmer-wasix (Cranelift, Singlepass, LLVM; headless AOT engine).
    Wasmer {
        name: "wasmer",
        feature: "wasmer",
        runtime_crate: "wasmer",
        source: "wasmer/mod.rs" as wasmer,
    }
    /// wasmi, the register-machine interpreter.
    Wasmi {
        name: "wasmi",
        feature: "wasmi",
        runtime_crate: "wasmi",
        source: "wasmi.rs" as wasmi,
    }
    /// wasm3, the threaded-code interpreter (C).
    Wasm3 {
        name: "wasm3",
        feature: "wasm3",
        runtime_crate: "wasm3",
        source: "wasm3/mod.rs" as wasm3,
    }
    /// WebAssembly Micro Runtime (C), through wamrx-sys.
    Wamr {
        name: "wamr",
        feature: "wamr",
        runtime_crate: "wamrx-sys",
        source: "wamr/mod.rs" as wamr,
    }
    /// V8 isolates, through Debian's libnode and the C++ shim of runtimes/v8/.
    V8 {
        name: "v8",
        feature: "v8",
        runtime_crate: "v8 (libnode)",
        source: "v8/mod.rs" as v8,
        version: option_env!("WASMBENCH_VERSION_V8"),
        // The shim is only built when libnode was unpacked (scripts/setup-v8.sh).
        setup: (
            option_env!("WASMBENCH_V8_SHIM").is_some(),
            "built without the V8 shim because libnode was not unpacked: run \
             scripts/setup-v8.sh, then rebuild"
        ),
    }
}

impl Family {
    /// Whether this binary can run the family's backends (feature and set-up).
    pub fn is_available(self) -> bool {
        self.is_compiled_in() && self.missing_setup().is_none()
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `id.family() == "wasmer"`: a family compares equal to its name.
impl PartialEq<&str> for Family {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// Declares [`BackendId`] with the facts of each row:
/// `Variant => "name", Kind, Family, "one line about it", lacks UNSUPPORTED_FEATURES;`
/// where `Family + "feature"` names a cargo feature that this backend needs besides its
/// family's, and the last item is the backend's [`BackendId::unsupported_features`].
macro_rules! backends {
    (@feature $family:ident) => { Family::$family.feature() };
    (@feature $family:ident $feature:literal) => { $feature };
    (@enabled) => { true };
    (@enabled $feature:literal) => { cfg!(feature = $feature) };
    ($(
        $variant:ident => $name:literal, $kind:ident, $family:ident $(+ $feature:literal)?,
            $about:literal, lacks $unsupported:expr;
    )*) => {
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

            /// The runtime family this backend belongs to.
            pub fn family(self) -> Family {
                match self { $(BackendId::$variant => Family::$family,)* }
            }

            /// The cargo feature of `wasmbench-runtimes` that compiles this backend in.
            pub fn feature(self) -> &'static str {
                match self { $(BackendId::$variant => backends!(@feature $family $($feature)?),)* }
            }

            /// Whether the backend's own feature (if it needs one besides its family's) is on.
            fn feature_enabled(self) -> bool {
                match self { $(BackendId::$variant => backends!(@enabled $($feature)?),)* }
            }

            /// One line on what this backend is.
            pub fn about(self) -> &'static str {
                match self { $(BackendId::$variant => $about,)* }
            }

            /// WebAssembly features (named as in [`crate::module_info::FEATURES`]) this
            /// backend is known not to run in the configuration wasmbench builds. A module
            /// that needs one is reported as unsupported before the backend sees it.
            pub fn unsupported_features(self) -> &'static [&'static str] {
                match self { $(BackendId::$variant => $unsupported,)* }
            }
        }
    };
}

// What each backend lacks (see `unsupported_features`).
/// Exceptions are off by default in Wasmtime 48's configuration.
const WASMTIME_LACKS: &[&str] = &["exceptions"];
const WASMER_LACKS: &[&str] = &["exceptions", "memory64", "relaxed-simd"];
const WASMER_SINGLEPASS_LACKS: &[&str] = &["exceptions", "memory64", "relaxed-simd", "simd"];
/// wasmi is built without its `simd` feature.
const WASMI_LACKS: &[&str] = &["simd", "relaxed-simd", "threads", "exceptions"];
const WASM3_LACKS: &[&str] = &[
    "reference-types", "simd", "relaxed-simd", "tail-call", "extended-const",
    "multi-memory", "threads", "memory64", "exceptions",
];
/// wamrx-sys is built with bulk-memory and reference-types only.
const WAMR_LACKS: &[&str] = &[
    "simd", "relaxed-simd", "tail-call", "extended-const", "multi-memory", "threads",
    "memory64", "exceptions",
];
/// V8 10.2 (Node 18) shipped neither of these.
const V8_WASM_LACKS: &[&str] = &["tail-call", "memory64", "multi-memory", "relaxed-simd", "extended-const"];

backends! {
    WasmtimeCranelift => "wasmtime-cranelift", Jit, Wasmtime,
        "Wasmtime with the Cranelift optimising compiler", lacks WASMTIME_LACKS;
    WasmtimeWinch => "wasmtime-winch", Baseline, Wasmtime,
        "Wasmtime with the Winch single-pass baseline compiler", lacks WASMTIME_LACKS;
    WasmtimePulley => "wasmtime-pulley", Interpreter, Wasmtime,
        "Wasmtime compiling to Pulley bytecode, run by its portable interpreter",
        lacks WASMTIME_LACKS;
    WasmtimeAot => "wasmtime-aot", Aot, Wasmtime,
        "Wasmtime loading a Cranelift artifact precompiled ahead of time", lacks WASMTIME_LACKS;
    WasmtimePooling => "wasmtime-pooling", Jit, Wasmtime,
        "Wasmtime/Cranelift with the pooling instance allocator and InstancePre",
        lacks WASMTIME_LACKS;
    WasmtimePoolingResident => "wasmtime-pooling-resident", Jit, Wasmtime,
        "wasmtime-pooling with production settings: recycled slots stay resident and are reset in place (PAGEMAP_SCAN), no madvise",
        lacks WASMTIME_LACKS;
    WasmtimePoolingChecked => "wasmtime-pooling-checked", Jit, Wasmtime,
        "wasmtime-pooling-resident with explicit bounds checks instead of guard pages: no mprotect per request (Spectre heap mitigation off)",
        lacks WASMTIME_LACKS;
    WasmerCranelift => "wasmer-cranelift", Jit, Wasmer,
        "Wasmer with the Cranelift optimising compiler", lacks WASMER_LACKS;
    WasmerSinglepass => "wasmer-singlepass", Baseline, Wasmer,
        "Wasmer with its single-pass baseline compiler", lacks WASMER_SINGLEPASS_LACKS;
    WasmerAot => "wasmer-aot", Aot, Wasmer,
        "Wasmer (headless engine) loading a Cranelift artifact serialised ahead of time",
        lacks WASMER_LACKS;
    WasmerLlvm => "wasmer-llvm", Jit, Wasmer + "wasmer-llvm",
        "Wasmer with the LLVM optimising compiler", lacks WASMER_LACKS;
    Wasmi => "wasmi", Interpreter, Wasmi,
        "wasmi register-machine interpreter, whole module translated eagerly", lacks WASMI_LACKS;
    WasmiLazy => "wasmi-lazy", Interpreter, Wasmi,
        "wasmi with lazy translation: functions translated on first call", lacks WASMI_LACKS;
    Wasm3 => "wasm3", Interpreter, Wasm3,
        "wasm3 threaded-code interpreter (C)", lacks WASM3_LACKS;
    WamrInterp => "wamr-interp", Interpreter, Wamr,
        "WebAssembly Micro Runtime fast interpreter (C)", lacks WAMR_LACKS;
    V8Liftoff => "v8-liftoff", Baseline, V8,
        "V8 isolate (libnode), Wasm compiled by the Liftoff baseline compiler only",
        lacks V8_WASM_LACKS;
    V8Turbofan => "v8-turbofan", Jit, V8,
        "V8 isolate (libnode), Wasm compiled by the TurboFan optimising compiler only",
        lacks V8_WASM_LACKS;
    V8Default => "v8-default", Jit, V8,
        "V8 isolate (libnode), Wasm with V8's default tiering (Liftoff, then TurboFan)",
        lacks V8_WASM_LACKS;
    V8Js => "v8-js", Isolate, V8,
        "V8 isolate (libnode) running the workload's plain JavaScript version", lacks &[];
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

    /// Whether this binary was built with what this backend needs.
    pub fn is_available(self) -> bool {
        self.unavailable_reason().is_none()
    }

    /// The crate (or library) the runtime comes from, as named in the version list.
    pub fn runtime_crate(self) -> &'static str {
        self.family().runtime_crate()
    }

    /// Why this backend cannot run in this binary, or `None` when it can.
    pub fn unavailable_reason(self) -> Option<String> {
        let family = self.family();
        if !family.is_compiled_in() || !self.feature_enabled() {
            Some(format!(
                "not compiled into this binary: rebuild with the `{}` feature",
                self.feature()
            ))
        } else {
            family.missing_setup().map(str::to_string)
        }
    }

    /// Exact version of the runtime crate linked in (from Cargo.lock at build time).
    pub fn runtime_version(self) -> &'static str {
        self.family().runtime_version()
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

    /// Create this backend's engine with the given limits.
    pub fn create(self, limits: &Limits) -> Result<Box<dyn Backend>> {
        if let Some(reason) = self.unavailable_reason() {
            return Err(RuntimeError::new(self, ErrorKind::Unsupported, reason));
        }
        match self.family().constructor() {
            Some(create) => create(self, limits),
            // Not reached: a family without its constructor is not compiled in.
            None => Err(RuntimeError::new(
                self,
                ErrorKind::Unsupported,
                format!("the `{}` family is not compiled into this binary", self.family()),
            )),
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
            assert!(b.name().starts_with(b.family().name()), "{b} is named family-mode");
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
    fn every_family_has_a_backend_and_compiled_in_ones_know_their_version() {
        for &family in Family::ALL {
            assert!(
                BackendId::ALL.iter().any(|b| b.family() == family),
                "{family} has no backend"
            );
            if family.is_available() {
                assert_ne!(family.runtime_version(), "unknown", "{family}");
            }
        }
        for &b in BackendId::ALL {
            assert_eq!(b.is_available(), b.unavailable_reason().is_none(), "{b}");
            assert_eq!(BackendId::available().contains(&b), b.is_available(), "{b}");
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
