//! The guest's linear memory during one host call: every access is bounds-checked
//! (`EFAULT` outside it).

use super::errno::{Errno, FAULT, ILSEQ};

pub(crate) struct Memory<'m> {
    bytes: &'m mut [u8],
}

impl<'m> Memory<'m> {
    pub(crate) fn new(bytes: &'m mut [u8]) -> Self {
        Memory { bytes }
    }

    pub(crate) fn bytes(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(FAULT)?;
        self.bytes.get(start..end).ok_or(FAULT)
    }

    pub(crate) fn bytes_mut(&mut self, ptr: u32, len: usize) -> Result<&mut [u8], Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len).ok_or(FAULT)?;
        self.bytes.get_mut(start..end).ok_or(FAULT)
    }

    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        self.bytes_mut(ptr, data.len())?.copy_from_slice(data);
        Ok(())
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, ptr: u32, value: u64) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// A guest string (a path): UTF-8 (`EILSEQ` if not).
    pub(crate) fn string(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        std::str::from_utf8(self.bytes(ptr, len)?).map_err(|_| ILSEQ)
    }

    /// The (pointer, length) pairs of an iovec array, all checked to lie in memory.
    pub(crate) fn iovecs(&self, iovs: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        let table = self.bytes(iovs, count.checked_mul(8).ok_or(FAULT)?)?;
        let mut out = Vec::with_capacity(count as usize);
        for entry in table.chunks_exact(8) {
            let ptr = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
            let len = u32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]);
            self.bytes(ptr, len)?;
            out.push((ptr, len));
        }
        Ok(out)
    }
}
