//! The sentinel's Wasm half: the native xorshift chain as a WASI command on a fixed
//! backend, compiled once and instantiated and executed in-process for every probe. It
//! writes its final state (8 bytes, little-endian) to stdout, which is checked against
//! the native result: a wrong answer is an error, never a probe.

use anyhow::{bail, Context, Result};
use wasmbench_runtimes::{Backend, BackendId, BackendKind, Limits, ModuleCode, PreparedModule, WasiInput};

use super::native::xorshift;
use crate::timing::timed;

/// The module, with the iteration count and seed filled in.
fn module_text(seed: u64, iterations: u64) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $x i64) (local $i i64)
    (local.set $x (i64.const {seed}))
    (local.set $i (i64.const {iterations}))
    (block $done
      (loop $step
        (br_if $done (i64.eqz (local.get $i)))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
        (local.set $i (i64.sub (local.get $i) (i64.const 1)))
        (br $step)))
    (i64.store (i32.const 16) (local.get $x))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#
    )
}

/// The compiled Wasm loop on its backend.
pub struct WasmLoop {
    pub backend: BackendId,
    pub iterations: u64,
    expected: [u8; 8],
    /// Declared before the backend that made it, so that it is dropped first.
    module: Box<dyn PreparedModule>,
    _engine: Box<dyn Backend>,
}

impl WasmLoop {
    /// Compile the loop on the first available of Wasmtime/Cranelift, Wasmer/Cranelift,
    /// any JIT, or any backend at all (with fewer iterations for one that is not a JIT).
    pub fn new(seed: u64, jit_iterations: u64) -> Result<WasmLoop> {
        let available = BackendId::available();
        let preferred = ["wasmtime-cranelift", "wasmer-cranelift"];
        let backend = preferred
            .iter()
            .find_map(|name| available.iter().copied().find(|b| b.name() == *name))
            .or_else(|| available.iter().copied().find(|b| b.kind() == BackendKind::Jit))
            .or_else(|| available.iter().copied().find(|b| b.kind() != BackendKind::Isolate))
            .context("the drift sentinel needs a Wasm backend, and this build has none")?;
        let iterations = if backend.kind() == BackendKind::Jit { jit_iterations } else { jit_iterations / 20 };
        let wasm = wat::parse_str(module_text(seed, iterations)).context("assembling the sentinel's module")?;
        let engine = backend.create(&Limits::default()).with_context(|| format!("creating {backend} for the sentinel"))?;
        let module = engine.prepare(ModuleCode::Wasm(&wasm)).with_context(|| format!("compiling the sentinel on {backend}"))?;
        Ok(WasmLoop { backend, iterations, expected: xorshift(seed, iterations).to_le_bytes(), module, _engine: engine })
    }

    /// One execution of the loop (a fresh instance), timed; its output checked.
    pub fn run(&self) -> Result<f64> {
        let instance = self.module.instantiate(&WasiInput::default()).context("instantiating the sentinel")?;
        let (execution, ns) = timed(|| instance.execute());
        let execution = execution.context("running the sentinel")?;
        if execution.stdout != self.expected {
            bail!("the sentinel on {} printed {:02x?}, expected {:02x?}", self.backend, execution.stdout, self.expected);
        }
        Ok(ns as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wasm_loop_agrees_with_the_native_one() {
        let looped = WasmLoop::new(7, 10_000).expect("sentinel");
        assert!(looped.run().expect("run") > 0.0);
    }
}
