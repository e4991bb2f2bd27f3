//! Process-wide V8 initialisation: V8's flags (and so the Wasm compiler and the memory
//! cap) are fixed by the first V8 backend created in a process.

use std::ffi::CString;
use std::sync::{Mutex, MutexGuard};

use super::api::{Api, WB_OK};
use crate::{BackendId, ErrorKind, Limits, Result, RuntimeError};

/// What the first V8 backend of this process fixed.
pub(super) struct ProcessV8 {
    /// The backend that initialised V8.
    pub(super) first: BackendId,
    /// Wasm compiler flags V8 was initialised with.
    pub(super) wasm_flags: String,
    /// `--wasm-max-mem-pages`.
    pub(super) max_pages: u64,
}

pub(super) static PROCESS: Mutex<Option<ProcessV8>> = Mutex::new(None);

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Wasm compiler flags of each backend (v8-js has none: it runs JavaScript).
pub(super) fn wasm_flags(id: BackendId) -> Option<&'static [&'static str]> {
    match id {
        BackendId::V8Liftoff => Some(&["--liftoff-only", "--no-wasm-lazy-compilation"]),
        BackendId::V8Turbofan => Some(&["--no-liftoff", "--no-wasm-lazy-compilation"]),
        BackendId::V8Default | BackendId::V8Js => Some(&[]),
        _ => None,
    }
}

/// Wasm pages (64 KiB) of `max_memory_bytes`, as V8's `--wasm-max-mem-pages` (1..=65536).
pub(super) fn max_pages(limits: &Limits) -> u64 {
    (limits.max_memory_bytes / 65536).clamp(1, 65536)
}

pub(super) fn ensure_initialised(id: BackendId, api: &Api, limits: &Limits, flags: &str) -> Result<()> {
    let pages = max_pages(limits);
    let mut state = lock(&PROCESS);
    if let Some(p) = state.as_ref() {
        let unsupported = |why: String| Err(RuntimeError::new(id, ErrorKind::Unsupported, why));
        if id == BackendId::V8Js {
            return Ok(()); // JavaScript does not depend on the Wasm flags.
        }
        if p.wasm_flags != flags {
            return unsupported(format!(
                "V8 flags are process-wide and {} already initialised V8 in this process with \
                 [{}]; {id} needs [{flags}]: run each V8 Wasm backend in a process of its own",
                p.first, p.wasm_flags
            ));
        }
        if p.max_pages != pages {
            return unsupported(format!(
                "V8's Wasm memory cap is process-wide (--wasm-max-mem-pages={}, set by {}); \
                 {id} asked for {pages} pages",
                p.max_pages, p.first
            ));
        }
        return Ok(());
    }
    let extra = std::env::var("WASMBENCH_V8_EXTRA_FLAGS").unwrap_or_default();
    let all = format!("{flags} --wasm-max-mem-pages={pages} {extra}");
    let c_flags = CString::new(all.trim())
        .map_err(|_| RuntimeError::new(id, ErrorKind::Unsupported, "V8 flags contain NUL"))?;
    let mut msg = std::ptr::null_mut();
    // SAFETY: called once per process (guarded by PROCESS, whose state is set right after),
    // with a NUL-terminated flag string; `msg` receives an owned message or stays null.
    let status = unsafe { (api.init)(c_flags.as_ptr(), 1, &mut msg) };
    let text = api.take_message(msg);
    if status != WB_OK {
        return Err(RuntimeError::new(
            id,
            ErrorKind::Unsupported,
            format!("V8 initialisation: {text}"),
        ));
    }
    *state = Some(ProcessV8 {
        first: id,
        wasm_flags: flags.to_string(),
        max_pages: pages,
    });
    Ok(())
}
