//! WAMR's C strings and error messages, and failures mapped onto [`ErrorKind`]s.

use std::ffi::{c_char, CStr};

use crate::{BackendId, ErrorKind, RuntimeError};

/// A WAMR error buffer as text.
pub(super) fn c_message(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A C string owned by WAMR, copied (empty for null).
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string that stays valid during the call.
pub(super) unsafe fn c_str(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Map a failed instantiation onto an [`ErrorKind`].
pub(super) fn classify_instantiate(id: BackendId, message: &str) -> RuntimeError {
    let lower = message.to_ascii_lowercase();
    let kind = if lower.contains("link") || lower.contains("unknown import") {
        ErrorKind::Unlinkable
    } else if lower.contains("allocate memory") || lower.contains("memory size") {
        ErrorKind::ResourceLimit
    } else if lower.contains("wasi") {
        ErrorKind::Io
    } else {
        ErrorKind::Trap
    };
    RuntimeError::new(id, kind, format!("instantiate: {message}"))
}

/// Map a failed `_start` (not `proc_exit`, not the deadline) onto an [`ErrorKind`].
pub(super) fn classify_trap(id: BackendId, exception: &str) -> RuntimeError {
    let kind = if exception.contains("allocate memory failed") {
        ErrorKind::ResourceLimit
    } else {
        ErrorKind::Trap
    };
    let message = if exception.is_empty() {
        "execute: call failed without an exception".to_string()
    } else {
        format!("execute: {exception}")
    };
    RuntimeError::new(id, kind, message)
}
