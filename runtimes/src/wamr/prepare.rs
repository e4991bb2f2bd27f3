//! `prepare`: load the module, then check its imports against WAMR's WASI and its
//! `_start` export (WAMR only warns about unlinked imports and fails on the first call).

use std::ffi::c_char;

use wamrx_sys as sys;

use super::errors::{c_message, c_str};
use super::handles::LoadedModule;
use super::{WamrBackend, ERROR_BUF_LEN};
use crate::{ErrorKind, Result};

impl WamrBackend {
    pub(super) fn load(&self, wasm: &[u8]) -> Result<LoadedModule> {
        let size = u32::try_from(wasm.len())
            .map_err(|_| self.error(ErrorKind::Invalid, "module larger than 4 GiB"))?;
        let mut buffer: Box<[u8]> = wasm.into();
        let mut error: [c_char; ERROR_BUF_LEN] = [0; ERROR_BUF_LEN];
        // SAFETY: `buffer` is a writable heap allocation of `size` bytes owned by the
        // returned `LoadedModule`, so it stays alive and unaliased (moving the box does not
        // move its heap data) until `wasm_runtime_unload`, as WAMR requires; `error` is a
        // writable buffer of the length passed.
        let raw = unsafe {
            sys::wasm_runtime_load(
                buffer.as_mut_ptr(),
                size,
                error.as_mut_ptr(),
                ERROR_BUF_LEN as u32,
            )
        };
        if raw.is_null() {
            return Err(self.error(ErrorKind::Invalid, format!("load: {}", c_message(&error))));
        }
        Ok(LoadedModule {
            raw,
            _buffer: buffer,
        })
    }

    /// Every function and global import must be one WAMR provides (its built-in WASI).
    pub(super) fn check_imports(&self, module: &LoadedModule) -> Result<()> {
        // SAFETY: `module.raw` is a live loaded module.
        let count = unsafe { sys::wasm_runtime_get_import_count(module.raw) };
        let mut missing = Vec::new();
        for index in 0..count.max(0) {
            let mut import = sys::wasm_import_t::default();
            // SAFETY: `index` is below the import count; `import` is a valid out-struct.
            // WAMR fills it with pointers to NUL-terminated names owned by the module.
            unsafe { sys::wasm_runtime_get_import_type(module.raw, index, &mut import) };
            let kind = match import.kind {
                sys::WASM_IMPORT_EXPORT_KIND_FUNC => "function",
                sys::WASM_IMPORT_EXPORT_KIND_GLOBAL => "global",
                // WAMR reports table/memory imports as never linked; instantiation decides.
                _ => continue,
            };
            if !import.linked {
                // SAFETY: the names are NUL-terminated strings owned by the live module (or
                // null, which `c_str` handles).
                let (m, n) = unsafe { (c_str(import.module_name), c_str(import.name)) };
                missing.push(format!("{m}::{n} ({kind})"));
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(self.error(
                ErrorKind::Unlinkable,
                format!(
                    "unknown import(s) not provided by WAMR's WASI: {}",
                    missing.join(", ")
                ),
            ))
        }
    }

    /// The module must export `_start: [] -> []`.
    pub(super) fn check_start(&self, module: &LoadedModule) -> Result<()> {
        // SAFETY: `module.raw` is a live loaded module.
        let count = unsafe { sys::wasm_runtime_get_export_count(module.raw) };
        for index in 0..count.max(0) {
            let mut export = sys::wasm_export_t::default();
            // SAFETY: `index` is below the export count; `export` is a valid out-struct.
            unsafe { sys::wasm_runtime_get_export_type(module.raw, index, &mut export) };
            // SAFETY: the name is a NUL-terminated string owned by the live module.
            if unsafe { c_str(export.name) } != "_start" {
                continue;
            }
            if export.kind != sys::WASM_IMPORT_EXPORT_KIND_FUNC {
                return Err(self.error(ErrorKind::Invalid, "export `_start` is not a function"));
            }
            // SAFETY: for a function export WAMR sets `u.func_type` to the function's type,
            // owned by the live module.
            let (params, results) = unsafe {
                let ty = export.u.func_type;
                (
                    sys::wasm_func_type_get_param_count(ty),
                    sys::wasm_func_type_get_result_count(ty),
                )
            };
            if params != 0 || results != 0 {
                return Err(self.error(
                    ErrorKind::Invalid,
                    "export `_start` is not a function of type [] -> []",
                ));
            }
            return Ok(());
        }
        Err(self.error(
            ErrorKind::Invalid,
            "module exports no `_start` function (not a WASI command)",
        ))
    }
}
