//! The project's own WASI preview1 host, independent of any engine: the backends whose
//! engines have no WASI of their own that fits (wasm3 in-process, V8 through its C++ shim)
//! call [`call`] for every `wasi_snapshot_preview1` and `bench` import, with a view of the
//! instance's linear memory and the instance's [`HostState`].
//!
//! What the guest gets: argv, its environment variables and nothing else, stdin from the
//! input's bytes, stdout/stderr captured under the output cap, clocks, the OS's random
//! bytes, and the input's preopened directories — read-only (nothing can be created,
//! written, renamed or removed) and contained (cap-std resolves every path beneath its
//! directory). `TABLE.md` beside this file lists what every function does; it is generated
//! from the notes of [`table::FUNCTIONS`] and a test keeps it current.
//!
//! Files: `state.rs` (the per-instance context), `fds.rs` (descriptor table and rights),
//! `memory.rs` (bounds-checked guest memory), `errno.rs`, `stat.rs` (byte layouts), and
//! one file per group of calls: `args_env.rs`, `clocks.rs`, `io.rs`, `descriptors.rs`,
//! `path.rs`, `readdir.rs`, `poll.rs`, `process.rs`; `table.rs` names them all.
#![allow(dead_code)] // used by the wasm3 and V8 backends, each behind its feature

mod args_env;
mod clocks;
mod descriptors;
pub(crate) mod errno;
mod fds;
mod io;
mod memory;
mod path;
mod poll;
mod process;
mod readdir;
mod stat;
mod state;
pub(crate) mod table;
#[cfg(test)]
mod tests;

pub(crate) use memory::Memory;
pub(crate) use state::HostState;
#[cfg(test)]
pub(crate) use table::{BENCH_MODULE, WASI_MODULE};

/// A WebAssembly value type of a host function's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    I32,
    I64,
}

impl Ty {
    /// The letter wasm3's signatures and the V8 shim's parameter lists use: `i` or `I`.
    pub(crate) fn letter(self) -> char {
        match self {
            Ty::I32 => 'i',
            Ty::I64 => 'I',
        }
    }
}

/// A host function's body: the instance's context, its memory, and its arguments (as many
/// as the signature has parameters; `i32`s zero-extended).
pub(crate) type Body = fn(&mut HostState, &mut Memory<'_>, &[u64]) -> Outcome;

pub(crate) struct HostFn {
    pub(crate) module: &'static str,
    pub(crate) name: &'static str,
    pub(crate) params: &'static [Ty],
    pub(crate) results: &'static [Ty],
    pub(crate) body: Body,
    /// What the function does on this host (the documented table).
    pub(crate) note: &'static str,
}

/// What a call hands back to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No result (a function of type `[] -> []`).
    Void,
    /// The `i32` result: a WASI errno.
    Errno(errno::Errno),
    /// `proc_exit` was called: stop the run; the code is in [`HostState::exit_code`].
    Exit,
    /// A write passed the output cap: stop the run as a resource limit; the message is in
    /// [`HostState::limit_hit`].
    OutputCap,
    /// The execution deadline passed while the host waited: stop the run as a timeout.
    Deadline,
}

impl From<Result<(), errno::Errno>> for Outcome {
    fn from(r: Result<(), errno::Errno>) -> Outcome {
        Outcome::Errno(r.err().unwrap_or(errno::SUCCESS))
    }
}

/// Argument `i` as an `i32` (WASI pointers, lengths and descriptors).
pub(crate) fn arg32(a: &[u64], i: usize) -> u32 {
    a[i] as u32
}

/// The index of the host function an import names, if the host has it.
pub(crate) fn lookup(module: &str, name: &str) -> Option<usize> {
    table::FUNCTIONS
        .iter()
        .position(|f| f.module == module && f.name == name)
}

/// Run host function `index` of [`table::FUNCTIONS`]. `args` must hold exactly its
/// parameters.
pub(crate) fn call(index: usize, host: &mut HostState, memory: &mut [u8], args: &[u64]) -> Outcome {
    let f = &table::FUNCTIONS[index];
    debug_assert_eq!(args.len(), f.params.len(), "{}", f.name);
    (f.body)(host, &mut Memory::new(memory), args)
}

/// The documented table, as Markdown (the contents of `TABLE.md`).
pub(crate) fn table_markdown() -> String {
    let mut out = String::from(
        "# What the shared WASI host does\n\n\
         Generated from `runtimes/src/wasi_host/table.rs` by the test \
         `wasi_host::tests::table_md_is_current` (run it with `UPDATE_HOST_TABLE=1` to \
         rewrite this file). The wasm3 and V8 backends use this host; the library backends \
         use their own WASI crates (see the README's file-system model for where they \
         differ).\n\n| module | function | on this host |\n|---|---|---|\n",
    );
    for f in table::FUNCTIONS {
        out.push_str(&format!("| `{}` | `{}` | {} |\n", f.module, f.name, f.note));
    }
    out
}
