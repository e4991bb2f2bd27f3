//! Read-only preopened directories for WAMR.
//!
//! WAMR's WASI (`libc-wasi`) preopens the directories of `InstantiationArgs2`'s map-dir list
//! (`guest::host`, fds from 3 on, in order) with every directory right: create, unlink,
//! rename, symlink, set-times, and write rights for the files opened under them. It has no
//! read-only option, but its file-descriptor table enforces rights on every call, and
//! `fd_fdstat_set_rights` can only take rights away. So right after instantiation — before
//! the guest runs any code — the rights of each preopened fd are cut down to
//! [`DIR_BASE`] / [`DIR_INHERITING`], as if the guest had called `fd_fdstat_set_rights`
//! itself: creating, truncating, writing, renaming, unlinking, creating directories and
//! symlinks and setting times then fail with `ENOTCAPABLE` (errno 76), on the preopen and
//! on every file or directory opened from it. WAMR resolves paths itself (component by
//! component, `O_NOFOLLOW`), refusing `..` above the preopen and absolute symlink targets.
//!
//! WAMR's embedding API does not expose the WASI file table, so two functions of its
//! `libc-wasi` library that are exported from the static library but declared only in
//! internal headers are used: `wasm_runtime_get_wasi_ctx` (the instance's `WASIContext`,
//! whose first field is the `fd_table` pointer — WAMR 2.4.3's
//! `core/iwasm/common/wasm_runtime_common.h`) and `wasmtime_ssp_fd_fdstat_set_rights` (the
//! body of the guest's `fd_fdstat_set_rights`; it ignores its `exec_env`). A failure is
//! an instantiation error, never a silently writable preopen.

use std::ffi::{c_void, CString};
use std::os::unix::ffi::OsStrExt;

use wamrx_sys as sys;

use super::handles::InstanceHandle;
use super::WamrModule;
use crate::{ErrorKind, Preopen, Result};

// WASI preview1 rights bits.
const FD_READ: u64 = 1 << 1;
const FD_SEEK: u64 = 1 << 2;
const FD_TELL: u64 = 1 << 5;
const FD_ADVISE: u64 = 1 << 7;
const PATH_OPEN: u64 = 1 << 13;
const FD_READDIR: u64 = 1 << 14;
const PATH_READLINK: u64 = 1 << 15;
const PATH_FILESTAT_GET: u64 = 1 << 18;
const FD_FILESTAT_GET: u64 = 1 << 21;
const POLL_FD_READWRITE: u64 = 1 << 27;

/// Rights left on a preopened directory: open, list, stat, read links.
const DIR_BASE: u64 =
    PATH_OPEN | FD_READDIR | PATH_READLINK | PATH_FILESTAT_GET | FD_FILESTAT_GET | FD_ADVISE | POLL_FD_READWRITE;

/// Rights of what is opened under it: the same for directories, read/seek/tell for files.
const DIR_INHERITING: u64 = DIR_BASE | FD_READ | FD_SEEK | FD_TELL;

/// Fd of the first preopen.
const FIRST_PREOPEN_FD: u32 = 3;

extern "C" {
    /// `WASIContext *wasm_runtime_get_wasi_ctx(wasm_module_inst_t)` (wasm_runtime_common.c).
    fn wasm_runtime_get_wasi_ctx(module_inst: sys::wasm_module_inst_t) -> *mut *mut c_void;

    /// `__wasi_errno_t wasmtime_ssp_fd_fdstat_set_rights(wasm_exec_env_t, struct fd_table *,
    /// __wasi_fd_t, __wasi_rights_t, __wasi_rights_t)` (libc-wasi's posix.c).
    fn wasmtime_ssp_fd_fdstat_set_rights(
        exec_env: *mut c_void,
        curfds: *mut c_void,
        fd: u32,
        fs_rights_base: u64,
        fs_rights_inheriting: u64,
    ) -> u16;
}

impl WamrModule {
    /// The map-dir entries `guest::host`, in order. WAMR splits each at its first `::`, so
    /// a guest path containing `::` (or a NUL byte anywhere) is refused by name.
    pub(super) fn map_dirs(&self, preopens: &[Preopen]) -> Result<Vec<CString>> {
        preopens
            .iter()
            .map(|p| {
                if p.guest.contains("::") {
                    return Err(self.error(
                        ErrorKind::Invalid,
                        format!("preopen {}: WAMR cannot map a guest path containing `::` ({:?})", p.host.display(), p.guest),
                    ));
                }
                let mut entry = format!("{}::", p.guest).into_bytes();
                entry.extend_from_slice(p.host.as_os_str().as_bytes());
                CString::new(entry).map_err(|_| {
                    self.error(
                        ErrorKind::Invalid,
                        format!("preopen {}: path contains a NUL byte", p.host.display()),
                    )
                })
            })
            .collect()
    }

    /// Takes every right but reading away from the `count` preopened fds (see the module
    /// documentation). Must run before the guest runs any code.
    pub(super) fn make_preopens_read_only(&self, instance: &InstanceHandle, count: usize) -> Result<()> {
        if count == 0 {
            return Ok(());
        }
        // SAFETY: `instance.raw` is a live instance; the result is its WASIContext (or null
        // without WASI), whose first field is `struct fd_table *curfds`.
        let curfds = unsafe {
            let ctx = wasm_runtime_get_wasi_ctx(instance.raw);
            if ctx.is_null() {
                std::ptr::null_mut()
            } else {
                *ctx
            }
        };
        if curfds.is_null() {
            return Err(self.error(ErrorKind::Unsupported, "instantiate: the instance has no WASI file table"));
        }
        for offset in 0..count {
            let fd = FIRST_PREOPEN_FD + u32::try_from(offset).unwrap_or(u32::MAX);
            // SAFETY: `curfds` is the live instance's fd table; the function takes the
            // table's lock itself and does not use `exec_env`.
            let errno = unsafe {
                wasmtime_ssp_fd_fdstat_set_rights(std::ptr::null_mut(), curfds, fd, DIR_BASE, DIR_INHERITING)
            };
            if errno != 0 {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    format!("instantiate: could not make preopen fd {fd} read-only (WASI errno {errno})"),
                ));
            }
        }
        Ok(())
    }
}
