//! `args_*` and `environ_*`: the guest's argv and environment, as NUL-terminated strings.

use super::errno::{Errno, FAULT, INVAL};
use super::{arg32, Memory, Outcome};
use super::state::HostState;

fn sizes(strings: &[Vec<u8>], m: &mut Memory<'_>, count_ptr: u32, size_ptr: u32) -> Result<(), Errno> {
    let size: usize = strings.iter().map(Vec::len).sum();
    let count = u32::try_from(strings.len()).map_err(|_| INVAL)?;
    let size = u32::try_from(size).map_err(|_| INVAL)?;
    m.write_u32(count_ptr, count)?;
    m.write_u32(size_ptr, size)
}

fn get(strings: &[Vec<u8>], m: &mut Memory<'_>, ptrs: u32, buf: u32) -> Result<(), Errno> {
    let (mut slot, mut offset) = (ptrs, buf);
    for s in strings {
        let len = u32::try_from(s.len()).map_err(|_| INVAL)?;
        m.write_u32(slot, offset)?;
        m.write(offset, s)?;
        slot = slot.checked_add(4).ok_or(FAULT)?;
        offset = offset.checked_add(len).ok_or(FAULT)?;
    }
    Ok(())
}

pub(super) fn args_sizes_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    sizes(&h.args, m, arg32(a, 0), arg32(a, 1)).into()
}

pub(super) fn args_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    get(&h.args, m, arg32(a, 0), arg32(a, 1)).into()
}

pub(super) fn environ_sizes_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    sizes(&h.env, m, arg32(a, 0), arg32(a, 1)).into()
}

pub(super) fn environ_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    get(&h.env, m, arg32(a, 0), arg32(a, 1)).into()
}
