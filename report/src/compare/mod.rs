//! WebAssembly against the alternatives (issue #18): what each kind of backend stands for
//! in the comparison, and the three views built on it — cold start and memory beside native
//! processes and containers ([`alternatives`]), execution time relative to native
//! ([`native`]) and the price of a million requests ([`cost`]). Charts and report sections
//! draw these; nothing here formats.

use wasmbench_data::{BackendKind, Cell};

pub(crate) mod alternatives;
pub(crate) mod cost;
pub(crate) mod native;

/// What a backend is, as the comparison groups them; in the order the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Category {
    /// The workload's static host binary run as a process.
    Native,
    /// The native binary in a container (`runc`).
    Container,
    /// A Wasm worker in a container (the Docker+Wasm / runwasi deployment).
    WasmInContainer,
    Aot,
    Jit,
    Baseline,
    Interpreter,
    /// Wasm in a V8 isolate (`v8-liftoff`, `v8-turbofan`, …).
    V8Wasm,
    /// JavaScript in a V8 isolate (`v8-js`).
    V8Js,
    /// A whole runtime process per request (`node-js`, `node-wasi`, the wasmtime CLI).
    Process,
}

impl Category {
    /// The backend `container` runs the native binary; any other container backend
    /// (`container-wasmtime`) runs a Wasm worker. V8 backends are named `v8-*`.
    pub fn of(cell: &Cell) -> Self {
        match cell.kind {
            BackendKind::Native => Category::Native,
            BackendKind::Container if cell.id.backend == "container" => Category::Container,
            BackendKind::Container => Category::WasmInContainer,
            BackendKind::External => Category::Process,
            BackendKind::Isolate => Category::V8Js,
            _ if cell.id.backend.starts_with("v8-") => Category::V8Wasm,
            BackendKind::Aot => Category::Aot,
            BackendKind::Jit => Category::Jit,
            BackendKind::Baseline => Category::Baseline,
            BackendKind::Interpreter => Category::Interpreter,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Native => "native process",
            Category::Container => "container (runc)",
            Category::WasmInContainer => "Wasm in a container",
            Category::Aot => "Wasm in-process, AOT",
            Category::Jit => "Wasm in-process, JIT",
            Category::Baseline => "Wasm in-process, baseline",
            Category::Interpreter => "Wasm in-process, interpreter",
            Category::V8Wasm => "V8 isolate, Wasm",
            Category::V8Js => "V8 isolate, JavaScript",
            Category::Process => "runtime process (node, CLI)",
        }
    }

    /// Every category, in report order.
    pub const ALL: [Category; 10] = [
        Category::Native,
        Category::Container,
        Category::WasmInContainer,
        Category::Aot,
        Category::Jit,
        Category::Baseline,
        Category::Interpreter,
        Category::V8Wasm,
        Category::V8Js,
        Category::Process,
    ];

    /// Whether a request to this backend starts a whole process (no warm state to reuse).
    pub fn is_process_per_request(self) -> bool {
        matches!(self, Category::Native | Category::Container | Category::WasmInContainer | Category::Process)
    }
}

/// `cells` in report order: by category, then as they came.
pub(crate) fn in_order<'r>(cells: impl Iterator<Item = &'r Cell>) -> Vec<&'r Cell> {
    let mut cells: Vec<&Cell> = cells.collect();
    cells.sort_by_key(|c| Category::of(c));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_fall_into_the_comparison_categories() {
        let results = crate::fixture::results();
        let of = |backend: &str| {
            let c = results.cells.iter().find(|c| c.id.backend == backend).expect(backend);
            Category::of(c)
        };
        assert_eq!(of("native"), Category::Native);
        assert_eq!(of("container"), Category::Container);
        assert_eq!(of("container-wasmtime"), Category::WasmInContainer);
        assert_eq!(of("node-js"), Category::Process);
        assert_eq!(of("v8-js"), Category::V8Js);
        assert_eq!(of("wasmtime-cranelift"), Category::Jit);
        assert_eq!(of("wasmi"), Category::Interpreter);
        let mut liftoff = results.cells[0].clone();
        liftoff.id.backend = "v8-liftoff".into();
        liftoff.kind = BackendKind::Baseline;
        assert_eq!(Category::of(&liftoff), Category::V8Wasm);
        let order: Vec<&str> = in_order(results.cells.iter()).iter().map(|c| c.id.backend.as_str()).collect();
        assert_eq!(order[..2], ["native", "native"], "{order:?}");
        assert_eq!(order.last(), Some(&"node-js"), "{order:?}");
    }
}
