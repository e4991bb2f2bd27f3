//! WASI preview1 `errno` values the host returns, and how host I/O errors map onto them.

use std::io;

pub(crate) type Errno = u16;

pub(crate) const SUCCESS: Errno = 0;
pub(crate) const ACCES: Errno = 2;
pub(crate) const BADF: Errno = 8;
pub(crate) const EXIST: Errno = 20;
pub(crate) const FAULT: Errno = 21;
pub(crate) const ILSEQ: Errno = 25;
pub(crate) const INVAL: Errno = 28;
pub(crate) const IO: Errno = 29;
pub(crate) const ISDIR: Errno = 31;
pub(crate) const LOOP: Errno = 32;
pub(crate) const MFILE: Errno = 33;
pub(crate) const NAMETOOLONG: Errno = 37;
pub(crate) const NOENT: Errno = 44;
pub(crate) const NOMEM: Errno = 48;
pub(crate) const NOSYS: Errno = 52;
pub(crate) const NOTDIR: Errno = 54;
pub(crate) const NOTEMPTY: Errno = 55;
pub(crate) const NOTSOCK: Errno = 57;
pub(crate) const NOTSUP: Errno = 58;
pub(crate) const OVERFLOW: Errno = 61;
pub(crate) const PERM: Errno = 63;
pub(crate) const SPIPE: Errno = 70;
pub(crate) const NOTCAPABLE: Errno = 76;

/// The errno of a host I/O error. cap-std reports a path that would leave the preopened
/// directory (`..` past its root, an absolute symlink, a symlink pointing outside) as
/// `PermissionDenied` without an OS error code: that is `ENOTCAPABLE`.
pub(crate) fn of_io(e: &io::Error) -> Errno {
    // Linux errno values.
    match e.raw_os_error() {
        Some(1) => PERM,
        Some(2) => NOENT,
        Some(5) => IO,
        Some(12) => NOMEM,
        Some(13) => ACCES,
        Some(17) => EXIST,
        Some(20) => NOTDIR,
        Some(21) => ISDIR,
        Some(22) => INVAL,
        Some(23 | 24) => MFILE,
        Some(36) => NAMETOOLONG,
        Some(39) => NOTEMPTY,
        Some(40) => LOOP,
        Some(75) => OVERFLOW,
        Some(_) => IO,
        None => match e.kind() {
            io::ErrorKind::NotFound => NOENT,
            io::ErrorKind::PermissionDenied => NOTCAPABLE,
            io::ErrorKind::AlreadyExists => EXIST,
            io::ErrorKind::InvalidInput => INVAL,
            io::ErrorKind::NotADirectory => NOTDIR,
            io::ErrorKind::IsADirectory => ISDIR,
            _ => IO,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_and_escapes_map_to_wasi_errnos() {
        assert_eq!(of_io(&io::Error::from_raw_os_error(2)), NOENT);
        assert_eq!(of_io(&io::Error::from_raw_os_error(40)), LOOP);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "a path led outside");
        assert_eq!(of_io(&escape), NOTCAPABLE);
    }
}
