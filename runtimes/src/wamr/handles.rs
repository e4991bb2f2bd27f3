//! Owned WAMR objects, freed in `Drop` in dependency order, and the instance pointer the
//! deadline's watchdog may use from its thread.

use wamrx_sys as sys;

/// A module instance pointer handed to the watchdog thread.
#[derive(Clone, Copy)]
pub(super) struct InstancePtr(pub(super) sys::wasm_module_inst_t);

// SAFETY: the watchdog only passes the pointer to `wasm_runtime_terminate`, which WAMR
// documents as callable from another thread while the instance runs; the pointer is only
// used while the deadline is armed, and disarming (which waits for a running action, see
// crate::watchdog) happens before the instance can be destroyed.
unsafe impl Send for InstancePtr {}

impl InstancePtr {
    pub(super) fn terminate(self) {
        // SAFETY: the deadline is armed, so the instance is alive and executing (or about
        // to return); disarming waits for this call, so the instance cannot be destroyed
        // before `wasm_runtime_terminate` returns. WAMR allows terminating an instance from
        // another thread; no WAMR thread environment is needed for it in this build (it
        // only sets flags and may signal the executing thread).
        unsafe { sys::wasm_runtime_terminate(self.0) };
    }
}

// ---------------------------------------------------------------------------------------
// Owned WAMR objects (freed in Drop, in dependency order)
// ---------------------------------------------------------------------------------------

/// A loaded module and the buffer WAMR loaded it from (and still points into).
pub(super) struct LoadedModule {
    pub(super) raw: sys::wasm_module_t,
    /// Declared after nothing that borrows it: `Drop` unloads before the fields drop.
    pub(super) _buffer: Box<[u8]>,
}

impl Drop for LoadedModule {
    fn drop(&mut self) {
        // SAFETY: `raw` came from a successful `wasm_runtime_load` and is unloaded once.
        // Every instance of it holds an `Rc<LoadedModule>` and is deinstantiated first, and
        // the buffer it points into is freed only after this (fields drop after `drop`).
        unsafe { sys::wasm_runtime_unload(self.raw) };
    }
}

/// A module instance.
pub(super) struct InstanceHandle {
    pub(super) raw: sys::wasm_module_inst_t,
}

impl Drop for InstanceHandle {
    fn drop(&mut self) {
        // SAFETY: `raw` came from a successful instantiation and is deinstantiated once;
        // the execution environment created on it is destroyed before (field order of
        // `WamrInstance`) and its module is unloaded after (it holds an `Rc`).
        unsafe { sys::wasm_runtime_deinstantiate(self.raw) };
    }
}

/// An execution environment (interpreter stack + thread-manager cluster) of one instance.
pub(super) struct ExecEnv {
    pub(super) raw: sys::wasm_exec_env_t,
}

// WAMR internals (declared in core/iwasm/common/wasm_runtime_common.h, exported by the
// static library when the thread manager is built) used to undo the cluster's split of the
// guest's aux (C) stack. Signatures as in WAMR 2.4.3 (`uint64`, `uint32`, `bool`).
extern "C" {
    fn wasm_exec_env_get_aux_stack(
        exec_env: sys::wasm_exec_env_t,
        start_offset: *mut u64,
        size: *mut u32,
    ) -> bool;
    fn wasm_exec_env_set_aux_stack(
        exec_env: sys::wasm_exec_env_t,
        start_offset: u64,
        size: u32,
    ) -> bool;
}

impl ExecEnv {
    /// With the thread manager, WAMR gives a new execution environment only
    /// `1 / (max_thread_num + 1)` of the aux stack the module declared (the rest is reserved
    /// for guest threads, which we never create). Give it the whole stack back, as WAMR does
    /// without the thread manager, so deep recursion behaves as in the other backends.
    pub(super) fn restore_full_aux_stack(&self) {
        let mut start = 0u64;
        let mut size = 0u32;
        // SAFETY: `raw` is a live execution environment of a live bytecode instance; the
        // out-pointers are valid locals. `get` reads the module's aux stack bottom and total
        // size (false if the module has none); `set` rewrites the `__stack_pointer` global
        // to that bottom (its initial value) and the boundary to bottom - size, which is what
        // `wasm_exec_env_create` sets up without the thread manager. Nothing runs yet.
        unsafe {
            if wasm_exec_env_get_aux_stack(self.raw, &mut start, &mut size) {
                wasm_exec_env_set_aux_stack(self.raw, start, size);
            }
        }
    }
}

impl Drop for ExecEnv {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `wasm_runtime_create_exec_env`, is destroyed once, and no
        // call runs on it any more (execution is synchronous); its instance is still alive
        // (field order of `WamrInstance`).
        unsafe { sys::wasm_runtime_destroy_exec_env(self.raw) };
    }
}

/// Instantiation arguments (WAMR-allocated).
pub(super) struct InstantiationArgs {
    pub(super) raw: *mut sys::InstantiationArgs2,
}

impl InstantiationArgs {
    pub(super) fn new() -> Option<InstantiationArgs> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer; on success WAMR allocates and fills it with
        // defaults.
        let ok = unsafe { sys::wasm_runtime_instantiation_args_create(&mut raw) };
        (ok && !raw.is_null()).then_some(InstantiationArgs { raw })
    }
}

impl Drop for InstantiationArgs {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `wasm_runtime_instantiation_args_create`, freed once.
        unsafe { sys::wasm_runtime_instantiation_args_destroy(self.raw) };
    }
}
