//! In-memory capture of a guest's stdout or stderr under the output cap, shared by the
//! backends that capture output in Rust (wasmi, Wasmer, wasm3), and the cap rule itself,
//! which WAMR applies to the bytes its memfds received.
//!
//! The rule everywhere: a stream may hold exactly `cap` bytes; a write that would take it
//! past the cap is refused *whole* (nothing of it is kept) and remembered, so that the
//! backend reports [`crate::ErrorKind::ResourceLimit`] instead of whatever the guest made
//! of the refused write.
#![allow(dead_code)] // each backend uses the part that fits its WASI implementation

use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// Whether a stream of `len` bytes is within the output cap `cap` (exactly `cap` is).
pub(crate) fn within_cap(len: u64, cap: usize) -> bool {
    len <= u64::try_from(cap).unwrap_or(u64::MAX)
}

/// A byte buffer that keeps at most `cap` bytes, for backends that own their WASI host
/// functions (wasm3): check a whole `fd_write` with [`CapBuffer::admit`], or write with
/// [`CapBuffer::push`].
#[derive(Debug, Default)]
pub(crate) struct CapBuffer {
    bytes: Vec<u8>,
    cap: usize,
    overflowed: bool,
}

impl CapBuffer {
    pub(crate) fn new(cap: usize) -> Self {
        CapBuffer {
            cap,
            ..CapBuffer::default()
        }
    }

    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes the buffer may still take.
    pub(crate) fn room(&self) -> usize {
        self.cap.saturating_sub(self.bytes.len())
    }

    /// Whether a write was refused because of the cap.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Whether `more` bytes fit; if not, the overflow is remembered.
    pub(crate) fn admit(&mut self, more: u64) -> bool {
        let fits = within_cap((self.bytes.len() as u64).saturating_add(more), self.cap);
        self.overflowed |= !fits;
        fits
    }

    /// Append all of `data`, or (past the cap) none of it; whether it was appended.
    pub(crate) fn push(&mut self, data: &[u8]) -> bool {
        let fits = self.admit(data.len() as u64);
        if fits {
            self.bytes.extend_from_slice(data);
        }
        fits
    }

    /// The captured bytes.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

/// What a sink does when the cap refuses a write (e.g. interrupt the guest at once).
type OverflowAction = Arc<dyn Fn() + Send + Sync>;

/// A shared handle to a [`CapBuffer`], for WASI implementations that write into writer
/// objects of their own (wasmi's `WritePipe` over [`Write`]; Wasmer implements its
/// `VirtualFile` on it). A refused write fails with [`io::ErrorKind::StorageFull`].
#[derive(Clone)]
pub(crate) struct CappedOutput {
    inner: Arc<Mutex<CapBuffer>>,
    on_overflow: Option<OverflowAction>,
}

impl CappedOutput {
    pub(crate) fn new(cap: usize) -> Self {
        CappedOutput {
            inner: Arc::new(Mutex::new(CapBuffer::new(cap))),
            on_overflow: None,
        }
    }

    /// The same sink, which also runs `action` whenever the cap refuses a write.
    pub(crate) fn on_overflow(mut self, action: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_overflow = Some(Arc::new(action));
        self
    }

    fn lock(&self) -> MutexGuard<'_, CapBuffer> {
        // A panic while holding the lock cannot leave the buffer inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a write was refused because of the cap.
    pub(crate) fn overflowed(&self) -> bool {
        self.lock().overflowed()
    }

    /// Bytes captured so far.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// The captured bytes.
    pub(crate) fn take(&self) -> Vec<u8> {
        self.lock().take()
    }

    /// Append `data` whole, or refuse it past the cap (and run the overflow action).
    pub(crate) fn append(&self, data: &[u8]) -> io::Result<usize> {
        let mut buffer = self.lock();
        if buffer.push(data) {
            return Ok(data.len());
        }
        let cap = buffer.cap();
        drop(buffer);
        if let Some(action) = &self.on_overflow {
            action();
        }
        Err(io::Error::new(
            io::ErrorKind::StorageFull,
            format!("output cap of {cap} bytes exceeded"),
        ))
    }
}

impl Write for CappedOutput {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.append(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for CappedOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CappedOutput")
            .field("cap", &self.lock().cap())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn refuses_writes_past_the_cap_and_remembers() {
        let out = CappedOutput::new(4);
        let mut w = out.clone();
        assert_eq!(w.write(b"abc").expect("fits"), 3);
        assert!(w.write(b"de").is_err());
        assert!(out.overflowed());
        assert_eq!(out.take(), b"abc");
    }

    #[test]
    fn exactly_the_cap_is_kept_one_more_byte_is_not() {
        assert!(within_cap(4, 4));
        assert!(!within_cap(5, 4));
        let mut buffer = CapBuffer::new(4);
        assert!(buffer.admit(4));
        assert!(buffer.push(b"abcd"));
        assert_eq!(buffer.room(), 0);
        assert!(!buffer.overflowed());
        assert!(buffer.push(b""));
        assert!(!buffer.push(b"e"));
        assert!(buffer.overflowed());
        assert_eq!(buffer.take(), b"abcd");
    }

    #[test]
    fn the_overflow_action_runs_on_each_refused_write() {
        let count = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&count);
        let out = CappedOutput::new(2).on_overflow(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(out.append(b"ab").expect("fits"), 2);
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert_eq!(out.append(b"c").expect_err("cap").kind(), io::ErrorKind::StorageFull);
        assert_eq!(out.append(b"d").expect_err("cap").kind(), io::ErrorKind::StorageFull);
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert_eq!(out.len(), 2);
    }
}
