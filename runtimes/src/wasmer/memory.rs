//! The memory cap: tunables that lower every linear memory's maximum to the cap, and a
//! memory wrapper that records a `memory.grow` the cap refused (see [`GROW_REFUSED`]).

use std::cell::Cell;
use std::ptr::NonNull;

use wasmer::sys::vm::{
    LinearMemory, MemoryError, Trap, VMMemory, VMMemoryDefinition, VMSharedMemory, VMTable,
    VMTableDefinition,
};
use wasmer::sys::{BaseTunables, Tunables};
use wasmer::{MemoryStyle, MemoryType, Pages, TableStyle, TableType, WASM_MAX_PAGES, WASM_PAGE_SIZE};

use crate::Limits;

/// Wasmer's default tunables with every linear memory's maximum lowered to the memory
/// cap: `memory.grow` past it returns -1, and a memory whose minimum is already above it
/// cannot be created (instantiation fails with `ResourceLimit`). The memory style is left
/// untouched, so the compiled code is the same as with the default tunables.
pub(super) struct CappedTunables {
    base: BaseTunables,
    max_pages: Pages,
}

impl CappedTunables {
    pub(super) fn new(limits: &Limits) -> Self {
        let pages = limits.max_memory_bytes / WASM_PAGE_SIZE as u64;
        let pages = u32::try_from(pages).unwrap_or(u32::MAX).min(WASM_MAX_PAGES);
        CappedTunables {
            base: BaseTunables::new(),
            max_pages: Pages(pages),
        }
    }

    fn capped(&self, ty: &MemoryType) -> std::result::Result<MemoryType, MemoryError> {
        if ty.minimum > self.max_pages {
            return Err(MemoryError::MinimumMemoryTooLarge {
                min_requested: ty.minimum,
                max_allowed: self.max_pages,
            });
        }
        let maximum = ty.maximum.map_or(self.max_pages, |m| m.min(self.max_pages));
        Ok(MemoryType {
            maximum: Some(maximum),
            ..*ty
        })
    }

    /// Wrap a non-shared memory so that a `memory.grow` refused by the cap is recorded
    /// (shared memories, which wasmbench workloads do not use, are left as they are).
    fn watched(&self, memory: VMMemory) -> VMMemory {
        if memory.ty().shared {
            return memory;
        }
        VMMemory(Box::new(GrowWatch {
            inner: memory,
            cap: self.max_pages,
        }))
    }
}

thread_local! {
    /// Set when a `memory.grow` on this thread was refused because of the memory cap.
    /// Wasm runs on the thread that called it, so `execute` resets this before calling
    /// `_start` and reads it afterwards.
    pub(super) static GROW_REFUSED: Cell<Option<(Pages, Pages)>> = const { Cell::new(None) };
}

/// A linear memory that forwards everything to wasmer's own and only records, in
/// [`GROW_REFUSED`], a growth the cap refused. wasm code reaches the memory through the
/// unchanged `VMMemoryDefinition`, so loads and stores are not affected; only the
/// `memory.grow` libcall goes through one more virtual call.
#[derive(Debug)]
struct GrowWatch {
    inner: VMMemory,
    cap: Pages,
}

impl GrowWatch {
    fn wrap(
        &self,
        inner: Box<dyn LinearMemory + Send + Sync + 'static>,
    ) -> Box<dyn LinearMemory + Send + Sync + 'static> {
        Box::new(GrowWatch {
            inner: VMMemory(inner),
            cap: self.cap,
        })
    }
}

impl LinearMemory for GrowWatch {
    fn ty(&self) -> MemoryType {
        self.inner.ty()
    }

    fn size(&self) -> Pages {
        self.inner.size()
    }

    fn style(&self) -> MemoryStyle {
        self.inner.style()
    }

    fn grow(&mut self, delta: Pages) -> std::result::Result<Pages, MemoryError> {
        let current = self.inner.size();
        let result = self.inner.grow(delta);
        if result.is_err() && u64::from(current.0) + u64::from(delta.0) > u64::from(self.cap.0) {
            GROW_REFUSED.with(|refused| refused.set(Some((current, delta))));
        }
        result
    }

    fn grow_at_least(&mut self, min_size: u64) -> std::result::Result<(), MemoryError> {
        self.inner.grow_at_least(min_size)
    }

    fn reset(&mut self) -> std::result::Result<(), MemoryError> {
        self.inner.reset()
    }

    fn vmmemory(&self) -> NonNull<VMMemoryDefinition> {
        self.inner.vmmemory()
    }

    fn try_clone(
        &self,
    ) -> std::result::Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Ok(self.wrap(LinearMemory::try_clone(&self.inner)?))
    }

    unsafe fn initialize_with_data(
        &self,
        start: usize,
        data: &[u8],
    ) -> std::result::Result<(), Trap> {
        // SAFETY: a pure delegation to the wrapped memory; the caller (wasmer's instance
        // initialisation) upholds the same contract for it as for this wrapper.
        unsafe { self.inner.initialize_with_data(start, data) }
    }

    fn copy(
        &self,
    ) -> std::result::Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Ok(self.wrap(LinearMemory::copy(&self.inner)?))
    }

    fn as_shared(&self) -> std::result::Result<VMSharedMemory, MemoryError> {
        self.inner.as_shared()
    }
}

impl Tunables for CappedTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(memory)
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> std::result::Result<VMMemory, MemoryError> {
        let memory = self.base.create_host_memory(&self.capped(ty)?, style)?;
        Ok(self.watched(memory))
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> std::result::Result<VMMemory, MemoryError> {
        let ty = self.capped(ty)?;
        // SAFETY: forwarded unchanged from wasmer, which calls this with a valid, owned
        // definition location (the trait's contract); only the memory type's maximum
        // differs, and a lower maximum is always valid for the same style.
        let memory = unsafe {
            self.base
                .create_vm_memory(&ty, style, vm_definition_location)
        }?;
        Ok(self.watched(memory))
    }

    fn create_host_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
    ) -> std::result::Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> std::result::Result<VMTable, String> {
        // SAFETY: a pure delegation; the caller (wasmer) upholds the trait's contract that
        // `vm_definition_location` points to a valid, owned table definition.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }
}
