//! `instantiate`: stdio memfds, argv and environment, `wasm_runtime_instantiate_ex2` with
//! the memory cap, the initial-memory check and the execution environment.

use std::ffi::{c_char, CStr, CString};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use wamrx_sys as sys;

use super::errors::{c_message, classify_instantiate};
use super::handles::{ExecEnv, InstanceHandle, InstantiationArgs};
use super::{
    WamrModule, ERROR_BUF_LEN, HOST_MANAGED_HEAP_SIZE, MAX_PAGES, OUTPUT_SLACK, WASM_PAGE,
    WASM_STACK_SIZE,
};
use crate::{ErrorKind, Result, RuntimeError, WasiInput};

impl WamrModule {
    fn io_error(&self, what: &str, e: std::io::Error) -> RuntimeError {
        self.error(ErrorKind::Io, format!("instantiate: {what}: {e}"))
    }

    fn max_memory_pages(&self) -> u32 {
        let pages = (self.limits.max_memory_bytes / WASM_PAGE).clamp(1, MAX_PAGES);
        u32::try_from(pages).unwrap_or(u32::MAX)
    }

    fn cstring(&self, what: &str, text: String) -> Result<CString> {
        CString::new(text).map_err(|_| {
            self.error(
                ErrorKind::Invalid,
                format!("instantiate: {what} contains a NUL byte"),
            )
        })
    }

    /// A memfd holding `bytes`, positioned at its start.
    pub(super) fn stdin_file(&self, bytes: &[u8]) -> Result<File> {
        let mut file =
            memfd(c"wasmbench-stdin", false).map_err(|e| self.io_error("stdin memfd", e))?;
        file.write_all(bytes)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .map_err(|e| self.io_error("writing stdin", e))?;
        Ok(file)
    }

    /// An empty memfd that cannot grow past `cap + 1 + OUTPUT_SLACK` bytes.
    pub(super) fn output_file(&self, name: &CStr) -> Result<File> {
        let file = memfd(name, true).map_err(|e| self.io_error("output memfd", e))?;
        let cap = u64::try_from(self.limits.max_output_bytes).unwrap_or(u64::MAX);
        if let Some(bound) = cap
            .checked_add(1 + OUTPUT_SLACK)
            .filter(|&b| i64::try_from(b).is_ok())
        {
            file.set_len(bound)
                .map_err(|e| self.io_error("sizing an output memfd", e))?;
            // SAFETY: `fcntl(F_ADD_SEALS)` on a file descriptor we own; no pointers.
            let rc = unsafe {
                libc::fcntl(
                    file.as_raw_fd(),
                    libc::F_ADD_SEALS,
                    libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL,
                )
            };
            if rc != 0 {
                return Err(
                    self.io_error("sealing an output memfd", std::io::Error::last_os_error())
                );
            }
        }
        Ok(file)
    }
}

/// The memfds an instance's WASI stdio refers to.
pub(super) struct Stdio {
    pub(super) stdin: File,
    pub(super) stdout: File,
    pub(super) stderr: File,
}

impl WamrModule {
    /// `argv` (with `argv[0]`) and the environment as `K=V`, as C strings.
    fn wasi_strings(&self, input: &WasiInput) -> Result<(Vec<CString>, Vec<CString>)> {
        let argv: Vec<CString> = std::iter::once(Ok(c"module.wasm".to_owned()))
            .chain(
                input
                    .args
                    .iter()
                    .map(|a| self.cstring("an argument", a.clone())),
            )
            .collect::<Result<_>>()?;
        let env: Vec<CString> = input
            .env
            .iter()
            .map(|(k, v)| self.cstring("an environment variable", format!("{k}={v}")))
            .collect::<Result<_>>()?;
        Ok((argv, env))
    }

    /// `wasm_runtime_instantiate_ex2` with this instance's argv, env, stdio and memory cap.
    pub(super) fn instantiate_raw(&self, input: &WasiInput, stdio: &Stdio) -> Result<InstanceHandle> {
        let (argv, env) = self.wasi_strings(input)?;
        let map_dirs = self.map_dirs(&input.preopens)?;
        let mut map_dir_ptrs: Vec<*const c_char> = map_dirs.iter().map(|d| d.as_ptr()).collect();
        let map_dir_count = u32::try_from(map_dir_ptrs.len())
            .map_err(|_| self.error(ErrorKind::Invalid, "instantiate: too many preopens"))?;
        // WAMR copies argv and env during instantiation; it never writes through them.
        let mut argv_ptrs: Vec<*mut c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
        let mut env_ptrs: Vec<*const c_char> = env.iter().map(|e| e.as_ptr()).collect();
        let argc = i32::try_from(argv_ptrs.len())
            .map_err(|_| self.error(ErrorKind::Invalid, "instantiate: too many arguments"))?;
        let envc = u32::try_from(env_ptrs.len()).map_err(|_| {
            self.error(
                ErrorKind::Invalid,
                "instantiate: too many environment variables",
            )
        })?;

        let args = InstantiationArgs::new()
            .ok_or_else(|| self.error(ErrorKind::ResourceLimit, "instantiate: out of memory"))?;
        let mut error: [c_char; ERROR_BUF_LEN] = [0; ERROR_BUF_LEN];
        // SAFETY: `args.raw` is a live InstantiationArgs2. The argv/env/map-dir pointer
        // arrays and the C strings they point to outlive `wasm_runtime_instantiate_ex2`,
        // which copies them (WAMR stores the pointers in `args` only). The stdio fds stay open for the
        // whole life of the instance (they are dropped after it, see `WamrInstance`), and
        // WAMR never closes stdio fds. `self.module.raw` is a live module; `error` is a
        // writable buffer of the length passed.
        let raw = unsafe {
            sys::wasm_runtime_instantiation_args_set_default_stack_size(args.raw, WASM_STACK_SIZE);
            sys::wasm_runtime_instantiation_args_set_host_managed_heap_size(
                args.raw,
                HOST_MANAGED_HEAP_SIZE,
            );
            sys::wasm_runtime_instantiation_args_set_max_memory_pages(
                args.raw,
                self.max_memory_pages(),
            );
            sys::wasm_runtime_instantiation_args_set_wasi_arg(
                args.raw,
                argv_ptrs.as_mut_ptr(),
                argc,
            );
            sys::wasm_runtime_instantiation_args_set_wasi_env(
                args.raw,
                env_ptrs.as_mut_ptr(),
                envc,
            );
            // Preopens: map-dir entries only (`guest::host`), so they are fds 3, 4, … in order.
            sys::wasm_runtime_instantiation_args_set_wasi_dir(
                args.raw,
                std::ptr::null_mut(),
                0,
                map_dir_ptrs.as_mut_ptr(),
                map_dir_count,
            );
            sys::wasm_runtime_instantiation_args_set_wasi_stdio(
                args.raw,
                i64::from(stdio.stdin.as_raw_fd()),
                i64::from(stdio.stdout.as_raw_fd()),
                i64::from(stdio.stderr.as_raw_fd()),
            );
            sys::wasm_runtime_instantiate_ex2(
                self.module.raw,
                args.raw,
                error.as_mut_ptr(),
                ERROR_BUF_LEN as u32,
            )
        };
        drop(args);
        if raw.is_null() {
            return Err(classify_instantiate(self.id, &c_message(&error)));
        }
        let instance = InstanceHandle { raw };
        self.make_preopens_read_only(&instance, input.preopens.len())?;
        Ok(instance)
    }

    /// An initial memory above the cap (which WAMR would allow) is `ResourceLimit`.
    pub(super) fn check_initial_memory(&self, instance: &InstanceHandle) -> Result<()> {
        // SAFETY: `instance.raw` is a live instance; the memory handle (or null when the
        // module has no memory) is only used while it lives.
        let memory_bytes = unsafe {
            let memory = sys::wasm_runtime_get_default_memory(instance.raw);
            if memory.is_null() {
                0
            } else {
                sys::wasm_memory_get_cur_page_count(memory)
                    .saturating_mul(sys::wasm_memory_get_bytes_per_page(memory))
            }
        };
        if memory_bytes > self.limits.max_memory_bytes {
            return Err(self.error(
                ErrorKind::ResourceLimit,
                format!(
                    "instantiate: initial memory of {memory_bytes} bytes exceeds the memory cap of {} bytes",
                    self.limits.max_memory_bytes
                ),
            ));
        }
        Ok(())
    }

    /// The execution environment `_start` runs in, with the guest's whole aux stack.
    pub(super) fn exec_env(&self, instance: &InstanceHandle) -> Result<ExecEnv> {
        // SAFETY: `instance.raw` is a live instance; the returned environment is owned by
        // `ExecEnv` and destroyed before the instance.
        let exec_env = unsafe { sys::wasm_runtime_create_exec_env(instance.raw, WASM_STACK_SIZE) };
        if exec_env.is_null() {
            return Err(self.error(
                ErrorKind::ResourceLimit,
                "instantiate: could not create an execution environment",
            ));
        }
        let exec_env = ExecEnv { raw: exec_env };
        exec_env.restore_full_aux_stack();
        Ok(exec_env)
    }
}

/// A memfd as a `File`; sealable ones can later be sealed against growth.
fn memfd(name: &CStr, sealable: bool) -> std::io::Result<File> {
    let mut flags = libc::MFD_CLOEXEC;
    if sealable {
        flags |= libc::MFD_ALLOW_SEALING;
    }
    // SAFETY: `name` is a NUL-terminated string; the call has no other pointer arguments.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a freshly created descriptor that nothing else owns.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}
