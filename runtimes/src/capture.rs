//! In-memory capture of a guest's stdout or stderr with a size cap, shared by backends
//! whose WASI implementation writes into a `std::io::Write`.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// A byte buffer that accepts at most `cap` bytes. A write that would pass the cap is
/// refused (the guest sees an I/O error) and remembered, so that the backend reports
/// [`crate::ErrorKind::ResourceLimit`] instead of whatever the guest made of the error.
#[derive(Debug, Clone)]
pub(crate) struct CappedOutput {
    inner: Arc<Mutex<Buffer>>,
}

#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    cap: usize,
    overflowed: bool,
}

impl CappedOutput {
    pub(crate) fn new(cap: usize) -> Self {
        CappedOutput {
            inner: Arc::new(Mutex::new(Buffer {
                cap,
                ..Buffer::default()
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buffer> {
        // A panic while holding the lock cannot leave the buffer inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a write was refused because of the cap.
    pub(crate) fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// The captured bytes.
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.lock().bytes)
    }
}

impl Write for CappedOutput {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut buf = self.lock();
        if buf.bytes.len().saturating_add(data.len()) > buf.cap {
            buf.overflowed = true;
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                format!("output cap of {} bytes exceeded", buf.cap),
            ));
        }
        buf.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_writes_past_the_cap_and_remembers() {
        let out = CappedOutput::new(4);
        let mut w = out.clone();
        assert_eq!(w.write(b"abc").expect("fits"), 3);
        assert!(w.write(b"de").is_err());
        assert!(out.overflowed());
        assert_eq!(out.take(), b"abc");
    }
}
